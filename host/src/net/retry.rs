//! When to retry a request and how long to wait: exponential backoff with
//! jitter, honouring `Retry-After` in seconds or as an HTTP date.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Wait before the first retry; it doubles on each later one.
    pub base_delay: Duration,
    /// Longest wait between two attempts, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Returns the wait before retrying a response with `status`, or none
    /// when it is final. 408, 429 and 5xx are retried.
    pub fn delay_for_status(
        &self,
        attempt: u32,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Option<Duration> {
        let retryable = status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
            || status.is_server_error();
        if !retryable || attempt >= self.max_retries {
            return None;
        }
        let backoff = self.backoff(attempt);
        let requested = retry_after(headers).unwrap_or_default();
        Some(backoff.max(requested).min(self.max_delay))
    }

    /// Returns the wait before retrying after a connection error or timeout.
    pub fn delay_for_error(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.max_retries).then(|| self.backoff(attempt))
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exponential = self.base_delay.saturating_mul(1 << attempt.min(16));
        let jitter = exponential.mul_f64(jitter_fraction() * 0.5);
        (exponential + jitter).min(self.max_delay)
    }
}

/// Reads `Retry-After` as delay-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate_parse(value)?;
    Some(date.duration_since(SystemTime::now()).unwrap_or_default())
}

fn httpdate_parse(value: &str) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(&imf_fixdate_to_rfc3339(value)?).ok()
}

/// Converts `Sun, 06 Nov 1994 08:49:37 GMT` to `1994-11-06 08:49:37`.
fn imf_fixdate_to_rfc3339(value: &str) -> Option<String> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|name| name == month)? + 1;
    Some(format!("{year}-{month:02}-{day:0>2} {time}"))
}

/// A number in [0, 1) that differs between calls, for jitter.
fn jitter_fraction() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| elapsed.subsec_nanos())
        .unwrap_or(0);
    let mixed = (u64::from(nanos)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
    mixed as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(
            RETRY_AFTER,
            HeaderValue::from_str(retry_after).expect("valid header"),
        );
        map
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
    }

    #[test]
    fn retry_after_past_date() {
        assert_eq!(
            retry_after(&headers("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn statuses_retried_or_final() {
        let policy = RetryPolicy::default();
        let empty = HeaderMap::new();
        assert!(
            policy
                .delay_for_status(0, StatusCode::TOO_MANY_REQUESTS, &empty)
                .is_some()
        );
        assert!(
            policy
                .delay_for_status(0, StatusCode::BAD_GATEWAY, &empty)
                .is_some()
        );
        assert!(
            policy
                .delay_for_status(0, StatusCode::NOT_FOUND, &empty)
                .is_none()
        );
        assert!(policy.delay_for_status(0, StatusCode::OK, &empty).is_none());
        assert!(
            policy
                .delay_for_status(policy.max_retries, StatusCode::BAD_GATEWAY, &empty)
                .is_none()
        );
    }

    #[test]
    fn retry_after_raises_delay() {
        let policy = RetryPolicy::default();
        let delay = policy.delay_for_status(0, StatusCode::TOO_MANY_REQUESTS, &headers("3"));
        assert_eq!(delay, Some(Duration::from_secs(3)));
    }
}
