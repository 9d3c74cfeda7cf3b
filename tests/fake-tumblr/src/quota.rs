//! The API quota counters: an hourly and a daily window, each starting
//! with the first request after the previous window ended, and the
//! rate-limit headers Tumblr sends with every API response.

use std::time::{Duration, Instant};

use crate::config::Quota;

/// One quota window.
#[derive(Debug)]
struct Window {
    name: &'static str,
    limit: u64,
    length: Duration,
    used: u64,
    /// Start of the current window; `None` before the first request.
    started: Option<Instant>,
}

impl Window {
    fn new(name: &'static str, limit: u64, length: Duration) -> Self {
        Self {
            name,
            limit,
            length,
            used: 0,
            started: None,
        }
    }

    /// Starts a new window when the current one has ended.
    fn refresh(&mut self, now: Instant) {
        let ended = self
            .started
            .is_none_or(|started| now.saturating_duration_since(started) >= self.length);
        if ended {
            self.started = Some(now);
            self.used = 0;
        }
    }

    fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }

    /// Seconds until the window ends, rounded up.
    fn reset_secs(&self, now: Instant) -> u64 {
        let elapsed = self.started.map_or(Duration::ZERO, |started| {
            now.saturating_duration_since(started)
        });
        let left = self.length.saturating_sub(elapsed);
        left.as_secs() + u64::from(left.subsec_nanos() > 0)
    }

    fn headers(&self, now: Instant, out: &mut Vec<(String, String)>) {
        let name = self.name;
        out.push((format!("x-ratelimit-{name}-limit"), self.limit.to_string()));
        out.push((
            format!("x-ratelimit-{name}-remaining"),
            self.remaining().to_string(),
        ));
        out.push((
            format!("x-ratelimit-{name}-reset"),
            self.reset_secs(now).to_string(),
        ));
    }
}

/// The verdict on one API request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
    /// Whether the request is served; false means 429.
    pub allowed: bool,
    /// The rate-limit headers to send, after counting the request.
    pub headers: Vec<(String, String)>,
}

/// The counters of both windows.
#[derive(Debug)]
pub struct QuotaState {
    hour: Window,
    day: Window,
}

impl QuotaState {
    pub fn new(quota: &Quota) -> Self {
        Self {
            hour: Window::new("perhour", quota.hourly_limit, quota.hourly_window),
            day: Window::new("perday", quota.daily_limit, quota.daily_window),
        }
    }

    /// Counts one request arriving at `now` when both quotas have calls
    /// left, and returns whether it is served.
    pub fn admit(&mut self, now: Instant) -> Admission {
        self.hour.refresh(now);
        self.day.refresh(now);
        let allowed = self.hour.remaining() > 0 && self.day.remaining() > 0;
        if allowed {
            self.hour.used += 1;
            self.day.used += 1;
        }
        let mut headers = Vec::new();
        self.day.headers(now, &mut headers);
        self.hour.headers(now, &mut headers);
        Admission { allowed, headers }
    }

    /// Ends both windows, as when a day has passed.
    pub fn reset(&mut self) {
        for window in [&mut self.hour, &mut self.day] {
            window.started = None;
            window.used = 0;
        }
    }

    /// Returns the calls counted in the current hourly and daily windows.
    pub fn used(&self) -> (u64, u64) {
        (self.hour.used, self.day.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(admission: &'a Admission, name: &str) -> &'a str {
        admission
            .headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("header {name} is sent"))
    }

    fn quota(hourly: u64, daily: u64) -> Quota {
        Quota {
            hourly_limit: hourly,
            hourly_window: Duration::from_secs(2),
            daily_limit: daily,
            daily_window: Duration::from_secs(100),
        }
    }

    #[test]
    fn admit_counts_down_hourly() {
        let mut state = QuotaState::new(&quota(2, 50));
        let start = Instant::now();
        let first = state.admit(start);
        assert!(first.allowed, "first call allowed");
        assert_eq!(
            header(&first, "x-ratelimit-perhour-remaining"),
            "1",
            "one call left"
        );
        assert_eq!(
            header(&first, "x-ratelimit-perhour-limit"),
            "2",
            "hourly limit"
        );
        assert_eq!(
            header(&first, "x-ratelimit-perhour-reset"),
            "2",
            "full window left"
        );
        assert_eq!(
            header(&first, "x-ratelimit-perday-remaining"),
            "49",
            "daily count"
        );

        let second = state.admit(start + Duration::from_millis(300));
        assert!(second.allowed, "second call allowed");
        assert_eq!(
            header(&second, "x-ratelimit-perhour-remaining"),
            "0",
            "quota used up"
        );
        assert_eq!(
            header(&second, "x-ratelimit-perhour-reset"),
            "2",
            "1.7 s rounds up to 2"
        );

        let third = state.admit(start + Duration::from_millis(1500));
        assert!(!third.allowed, "third call in the window is rejected");
        assert_eq!(
            header(&third, "x-ratelimit-perhour-reset"),
            "1",
            "0.5 s rounds up to 1"
        );
        assert_eq!(state.used(), (2, 2), "a rejected call does not count");

        let after = state.admit(start + Duration::from_millis(2100));
        assert!(after.allowed, "a new window after the reset");
        assert_eq!(
            header(&after, "x-ratelimit-perhour-remaining"),
            "1",
            "the new window counts from its first call"
        );
    }

    #[test]
    fn admit_daily_exhausted() {
        let mut state = QuotaState::new(&quota(100, 1));
        let start = Instant::now();
        assert!(state.admit(start).allowed, "first call allowed");

        let rejected = state.admit(start + Duration::from_secs(1));
        assert!(!rejected.allowed, "daily quota used up");
        assert_eq!(
            header(&rejected, "x-ratelimit-perday-remaining"),
            "0",
            "no daily calls left"
        );
        assert_eq!(
            header(&rejected, "x-ratelimit-perday-reset"),
            "99",
            "seconds to the end of the day window"
        );
        assert_eq!(
            header(&rejected, "x-ratelimit-perhour-remaining"),
            "99",
            "hourly calls left"
        );

        let later = state.admit(start + Duration::from_secs(5));
        assert!(
            !later.allowed,
            "still rejected after the hourly window restarted"
        );
        assert_eq!(
            header(&later, "x-ratelimit-perhour-remaining"),
            "100",
            "a new hourly window"
        );

        state.reset();
        assert!(
            state.admit(start + Duration::from_secs(6)).allowed,
            "allowed after a reset"
        );
    }
}
