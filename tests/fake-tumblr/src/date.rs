//! UTC calendar dates from Unix timestamps, in the two text forms the fake
//! server sends: Tumblr's `date` field and the HTTP date of `Retry-After`.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 is Sunday.
    weekday: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Converts seconds since 1970-01-01T00:00:00Z to a UTC date. The day
/// count is mapped onto 400-year eras of the proleptic Gregorian calendar,
/// with years starting on 1 March so that the leap day ends a year.
fn civil(timestamp: i64) -> Civil {
    let days = timestamp.div_euclid(86_400);
    let seconds_of_day = timestamp.rem_euclid(86_400);

    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);

    Civil {
        year,
        month: month as u32,
        day: day as u32,
        hour: (seconds_of_day / 3600) as u32,
        minute: (seconds_of_day % 3600 / 60) as u32,
        second: (seconds_of_day % 60) as u32,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Formats `timestamp` as Tumblr's `date` field: `2018-08-20 12:55:03 GMT`.
pub fn tumblr_date(timestamp: i64) -> String {
    let c = civil(timestamp);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} GMT",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Formats `time` as an HTTP date (IMF-fixdate): `Sun, 06 Nov 1994
/// 08:49:37 GMT`. Fractions of a second are dropped.
pub fn http_date(time: SystemTime) -> String {
    let timestamp = match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let c = civil(timestamp);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[c.weekday as usize],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tumblr_date_known_values() {
        let cases = [
            (0, "1970-01-01 00:00:00 GMT"),
            (1_534_769_703, "2018-08-20 12:55:03 GMT"),
            (951_782_400, "2000-02-29 00:00:00 GMT"),
            (4_107_542_399, "2100-02-28 23:59:59 GMT"),
            (-1, "1969-12-31 23:59:59 GMT"),
        ];
        for (timestamp, expected) in cases {
            assert_eq!(tumblr_date(timestamp), expected, "date of {timestamp}");
        }
    }

    #[test]
    fn http_date_rfc_example() {
        let time = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            http_date(time),
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "the example date of RFC 9110"
        );
    }
}
