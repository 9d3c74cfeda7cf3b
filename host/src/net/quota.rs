//! Reads Tumblr's rate-limit headers and separates quota exhaustion from
//! short-window throttling.
//!
//! The API sends `x-ratelimit-perhour-{limit,remaining,reset}` and
//! `x-ratelimit-perday-{limit,remaining,reset}`, where `reset` is the
//! number of seconds until the window starts over.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Remaining calls at or below this count as an exhausted quota when the
/// server also returned 429.
const NEAR_ZERO: u64 = 1;

/// Quota state that a response reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaVerdict {
    /// Nothing to do.
    Fine,
    /// The hourly quota is used up; it resets after the duration.
    HourlyExhausted(Duration),
    /// The daily quota is used up; it resets after the duration.
    DailyExhausted(Duration),
    /// A 429 while both quotas have calls left: the server throttles a
    /// short window.
    Throttled,
}

/// Classifies a response by its status and rate-limit headers.
pub fn classify(status: StatusCode, headers: &HeaderMap) -> QuotaVerdict {
    let throttled = status == StatusCode::TOO_MANY_REQUESTS;
    let day = window(headers, "perday");
    let hour = window(headers, "perhour");
    let limit = if throttled { NEAR_ZERO } else { 0 };
    if let Some((remaining, reset)) = day
        && remaining <= limit
    {
        return QuotaVerdict::DailyExhausted(reset);
    }
    if let Some((remaining, reset)) = hour
        && remaining <= limit
    {
        return QuotaVerdict::HourlyExhausted(reset);
    }
    if throttled {
        QuotaVerdict::Throttled
    } else {
        QuotaVerdict::Fine
    }
}

/// Reads `remaining` and `reset` of one window, when both are present.
fn window(headers: &HeaderMap, name: &str) -> Option<(u64, Duration)> {
    let read = |field: &str| -> Option<u64> {
        headers
            .get(format!("x-ratelimit-{name}-{field}"))?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some((read("remaining")?, Duration::from_secs(read("reset")?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    #[test]
    fn hourly_exhaustion_on_429() {
        let map = headers(&[
            ("x-ratelimit-perhour-remaining", "0"),
            ("x-ratelimit-perhour-reset", "2132"),
            ("x-ratelimit-perday-remaining", "4000"),
            ("x-ratelimit-perday-reset", "50000"),
        ]);
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &map),
            QuotaVerdict::HourlyExhausted(Duration::from_secs(2132))
        );
    }

    #[test]
    fn daily_exhaustion_wins() {
        let map = headers(&[
            ("x-ratelimit-perhour-remaining", "0"),
            ("x-ratelimit-perhour-reset", "10"),
            ("x-ratelimit-perday-remaining", "0"),
            ("x-ratelimit-perday-reset", "7200"),
        ]);
        assert_eq!(
            classify(StatusCode::OK, &map),
            QuotaVerdict::DailyExhausted(Duration::from_secs(7200))
        );
    }

    #[test]
    fn throttled_when_quota_left() {
        let map = headers(&[
            ("x-ratelimit-perhour-remaining", "900"),
            ("x-ratelimit-perhour-reset", "10"),
            ("x-ratelimit-perday-remaining", "4000"),
            ("x-ratelimit-perday-reset", "7200"),
        ]);
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &map),
            QuotaVerdict::Throttled
        );
        assert_eq!(classify(StatusCode::OK, &map), QuotaVerdict::Fine);
    }

    #[test]
    fn no_headers_plain_429() {
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new()),
            QuotaVerdict::Throttled
        );
        assert_eq!(
            classify(StatusCode::OK, &HeaderMap::new()),
            QuotaVerdict::Fine
        );
    }
}
