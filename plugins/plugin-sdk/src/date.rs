//! Calendar dates in UTC for post timestamps: the date of a Unix time,
//! the Unix time at which a date starts, and `YYYY-MM-DD` text. Plugins
//! have no clock and no time-zone data, so every date here is a
//! proleptic Gregorian date in UTC.

use std::fmt;

/// Seconds in one day; Unix time has no leap seconds.
const SECONDS_PER_DAY: i64 = 86_400;

/// Days from 0000-03-01 to 1970-01-01. Counting from a March 1st puts the
/// leap day at the end of each year, which keeps the arithmetic simple.
const DAYS_FROM_MARCH_ZERO_TO_EPOCH: i64 = 719_468;

/// Days in one 400-year cycle of the Gregorian calendar.
const DAYS_PER_ERA: i64 = 146_097;

/// A day of the proleptic Gregorian calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
}

impl Date {
    /// Returns the UTC date of `timestamp`, in seconds since the Unix epoch.
    pub fn from_timestamp(timestamp: i64) -> Date {
        Date::from_days(timestamp.div_euclid(SECONDS_PER_DAY))
    }

    /// Returns the date `days` days after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let shifted = days + DAYS_FROM_MARCH_ZERO_TO_EPOCH;
        let era = shifted.div_euclid(DAYS_PER_ERA);
        let day_of_era = shifted.rem_euclid(DAYS_PER_ERA);
        // Years of the era, leaving out the extra day of every 4th, 100th and
        // 400th year.
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        // Months counted from March: 0 is March, 11 is February.
        let march_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * march_month + 2) / 5 + 1;
        let month = if march_month < 10 {
            march_month + 3
        } else {
            march_month - 9
        };
        let year = era * 400 + year_of_era + i64::from(month <= 2);
        Date {
            year,
            // Both values are within 1..=31, so the casts keep them.
            month: month as u32,
            day: day as u32,
        }
    }

    /// Returns the number of days from 1970-01-01 to this date.
    pub fn days_since_epoch(self) -> i64 {
        let year = self.year - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month = i64::from(self.month);
        let march_month = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * march_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * DAYS_PER_ERA + day_of_era - DAYS_FROM_MARCH_ZERO_TO_EPOCH
    }

    /// Returns the Unix time of 00:00:00 UTC on this date.
    pub fn start_timestamp(self) -> i64 {
        self.days_since_epoch().saturating_mul(SECONDS_PER_DAY)
    }

    /// Parses `YYYY-MM-DD` with a four-digit year, such as `2015-09-08`.
    /// Returns `None` for any other form and for days that do not exist,
    /// such as `2015-02-29`.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(index, b)| index == 4 || index == 7 || b.is_ascii_digit());
        if !shape_ok {
            return None;
        }
        let year: i64 = text[0..4].parse().ok()?;
        let month: u32 = text[5..7].parse().ok()?;
        let day: u32 = text[8..10].parse().ok()?;
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    /// Writes `YYYY-MM-DD`, with at least four year digits and a leading `-`
    /// for years before year 0.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i64, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn from_timestamp_known_dates() {
        // (Unix time, UTC date), checked against Python's `datetime`.
        let cases = [
            (0, date(1970, 1, 1)),
            (86_399, date(1970, 1, 1)),
            (86_400, date(1970, 1, 2)),
            (-1, date(1969, 12, 31)),
            (951_782_400, date(2000, 2, 29)),
            (1_441_724_765, date(2015, 9, 8)),
            (1_700_000_000, date(2023, 11, 14)),
            (4_107_542_400, date(2100, 3, 1)),
            (-2_208_988_800, date(1900, 1, 1)),
        ];
        for (timestamp, expected) in cases {
            assert_eq!(Date::from_timestamp(timestamp), expected, "{timestamp}");
        }
    }

    #[test]
    fn days_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let day = Date::from_days(days);
            assert_eq!(day.days_since_epoch(), days, "{day}");
            assert!(day.day <= days_in_month(day.year, day.month), "{day}");
        }
    }

    #[test]
    fn from_timestamp_extremes() {
        for timestamp in [i64::MIN, i64::MAX] {
            let day = Date::from_timestamp(timestamp);
            assert!((1..=12).contains(&day.month), "{day:?}");
            assert!((1..=31).contains(&day.day), "{day:?}");
        }
    }

    #[test]
    fn parse_valid_and_invalid() {
        assert_eq!(Date::parse("2015-09-08"), Some(date(2015, 9, 8)));
        assert_eq!(Date::parse("2000-02-29"), Some(date(2000, 2, 29)));
        assert_eq!(Date::parse("0001-01-01"), Some(date(1, 1, 1)));
        for text in [
            "2015-02-29",
            "1900-02-29",
            "2015-13-01",
            "2015-00-10",
            "2015-04-31",
            "2015-9-8",
            "15-09-08",
            "2015/09/08",
            "2015-09-08T00:00",
            "+015-09-08",
            "",
        ] {
            assert_eq!(Date::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn start_timestamp_and_display() {
        let day = date(2015, 9, 8);
        assert_eq!(day.start_timestamp(), 1_441_670_400);
        assert_eq!(day.to_string(), "2015-09-08");
        assert_eq!(date(987, 3, 4).to_string(), "0987-03-04");
    }
}
