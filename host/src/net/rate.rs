//! Per-host token buckets shared by every request to that host: pages,
//! media and look-ups alike.
//!
//! A bucket holds up to `burst` tokens and refills at `per_second`. A host
//! can also be paused until a time (after `Retry-After` or an exhausted
//! quota) and slowed for the rest of the run after a 429 that was not a
//! quota exhaustion. The Wayback Machine's CDX index has a bucket of its
//! own, `ARCHIVE_INDEX_KEY`, because it allows far fewer requests than
//! the captures on the same host.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bucket of the requests to the Wayback Machine's CDX index
/// (`web.archive.org/cdx/…`).
pub const ARCHIVE_INDEX_KEY: &str = "web.archive.org/cdx";

/// Returns the bucket of a request: its host in lowercase, or
/// `ARCHIVE_INDEX_KEY` for the CDX index.
pub fn bucket_key(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if host == "web.archive.org" && url.path().starts_with("/cdx/") {
        return ARCHIVE_INDEX_KEY.to_string();
    }
    host
}

/// Lowest rate that repeated slow-downs can reach, in requests per second.
const MIN_RATE: f64 = 0.05;

/// A request rate: sustained requests per second and the burst allowed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
    /// Shortest time between two requests, however many tokens are left,
    /// so a burst is spread out rather than sent at once.
    pub min_interval: Duration,
}

/// Rates per host; hosts without a rate are not limited.
#[derive(Clone, Debug, Default)]
pub struct RatePlan {
    pub default: Option<Rate>,
    pub hosts: HashMap<String, Rate>,
}

impl RatePlan {
    fn rate_for(&self, host: &str) -> Option<Rate> {
        self.hosts.get(host).copied().or(self.default)
    }
}

struct Bucket {
    rate: Rate,
    tokens: f64,
    updated: Instant,
    paused_until: Option<Instant>,
    next_allowed: Instant,
}

impl Bucket {
    fn new(rate: Rate, now: Instant) -> Self {
        Self {
            rate,
            tokens: rate.burst,
            updated: now,
            paused_until: None,
            next_allowed: now,
        }
    }

    /// Takes a token, or returns how long to wait before trying again.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        if let Some(until) = self.paused_until {
            if until > now {
                return Some(until - now);
            }
            self.paused_until = None;
        }
        if self.next_allowed > now {
            return Some(self.next_allowed - now);
        }
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate.per_second).min(self.rate.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.next_allowed = now + self.rate.min_interval;
            return None;
        }
        Some(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.rate.per_second,
        ))
    }
}

/// The per-host buckets of one run.
#[derive(Default)]
pub struct RateLimiter {
    plan: RatePlan,
    buckets: Mutex<HashMap<String, Bucket>>,
    /// Pauses of hosts that have no rate of their own.
    pauses: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    pub fn new(plan: RatePlan) -> Self {
        Self {
            plan,
            buckets: Mutex::new(HashMap::new()),
            pauses: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request to `host` is allowed.
    pub async fn acquire(&self, host: &str) {
        loop {
            let Some(wait) = self.try_acquire(host, Instant::now()) else {
                return;
            };
            if wait >= Duration::from_secs(2) {
                let message = format!(
                    "waiting for the rate limit of {host}, next request in {} s",
                    wait.as_secs()
                );
                crate::progress::notice(message, wait);
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn try_acquire(&self, host: &str, now: Instant) -> Option<Duration> {
        if let Some(until) = self
            .pauses
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(host)
            && *until > now
        {
            return Some(*until - now);
        }
        let rate = self.plan.rate_for(host)?;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        buckets
            .entry(host.to_string())
            .or_insert_with(|| Bucket::new(rate, now))
            .take(now)
    }

    /// Holds every request to `host` until `until`.
    pub fn pause(&self, host: &str, until: Instant) {
        let mut pauses = self
            .pauses
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let entry = pauses.entry(host.to_string()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Halves the rate of `host` for the rest of the run, after the server
    /// throttled it. A host without a rate of its own drops to 2 requests
    /// per second. Returns the new rate.
    pub fn slow_down(&self, host: &str) -> f64 {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let fallback = Rate {
            per_second: 4.0,
            burst: 1.0,
            min_interval: Duration::ZERO,
        };
        let bucket = buckets
            .entry(host.to_string())
            .or_insert_with(|| Bucket::new(self.plan.rate_for(host).unwrap_or(fallback), now));
        bucket.rate.per_second = (bucket.rate.per_second / 2.0).max(MIN_RATE);
        bucket.rate.min_interval = bucket
            .rate
            .min_interval
            .max(Duration::from_secs_f64(1.0 / bucket.rate.per_second));
        bucket.rate.burst = bucket.rate.burst.min(bucket.rate.per_second.max(1.0));
        bucket.tokens = bucket.tokens.min(bucket.rate.burst);
        bucket.rate.per_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter::new(RatePlan {
            default: Some(Rate {
                per_second,
                burst,
                min_interval: Duration::ZERO,
            }),
            hosts: HashMap::new(),
        })
    }

    #[test]
    fn burst_then_waits() {
        let limiter = limiter(2.0, 3.0);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.try_acquire("h", now), None);
        }
        let wait = limiter.try_acquire("h", now).expect("bucket is empty");
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "wait {wait:?}");
    }

    #[test]
    fn refills_over_time() {
        let limiter = limiter(10.0, 1.0);
        let now = Instant::now();
        assert_eq!(limiter.try_acquire("h", now), None);
        assert!(limiter.try_acquire("h", now).is_some());
        assert_eq!(
            limiter.try_acquire("h", now + Duration::from_millis(100)),
            None
        );
    }

    #[test]
    fn hosts_are_independent() {
        let limiter = limiter(1.0, 1.0);
        let now = Instant::now();
        assert_eq!(limiter.try_acquire("a", now), None);
        assert_eq!(limiter.try_acquire("b", now), None);
        assert!(limiter.try_acquire("a", now).is_some());
    }

    #[test]
    fn unlimited_host_passes() {
        let limiter = RateLimiter::new(RatePlan::default());
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(limiter.try_acquire("h", now), None);
        }
    }

    #[test]
    fn pause_holds_host() {
        let limiter = RateLimiter::new(RatePlan::default());
        let now = Instant::now();
        limiter.pause("h", now + Duration::from_secs(5));
        let wait = limiter.try_acquire("h", now).expect("host is paused");
        assert_eq!(wait, Duration::from_secs(5));
        assert_eq!(limiter.try_acquire("other", now), None);
    }

    #[test]
    fn min_interval_spreads_burst() {
        let limiter = RateLimiter::new(RatePlan {
            default: Some(Rate {
                per_second: 1.0,
                burst: 10.0,
                min_interval: Duration::from_millis(200),
            }),
            hosts: HashMap::new(),
        });
        let now = Instant::now();
        assert_eq!(limiter.try_acquire("h", now), None);
        assert_eq!(
            limiter.try_acquire("h", now),
            Some(Duration::from_millis(200))
        );
        assert_eq!(
            limiter.try_acquire("h", now + Duration::from_millis(200)),
            None
        );
    }

    #[test]
    fn archive_index_own_bucket() {
        let key = |url: &str| bucket_key(&url::Url::parse(url).expect("valid URL"));
        assert_eq!(
            key("https://web.archive.org/cdx/search/cdx?url=a"),
            ARCHIVE_INDEX_KEY
        );
        assert_eq!(
            key("https://web.archive.org/web/2015id_/https://a/b.jpg"),
            "web.archive.org"
        );
        assert_eq!(key("https://API.tumblr.com/v2/x"), "api.tumblr.com");
    }

    #[test]
    fn slow_down_halves_rate() {
        let limiter = limiter(8.0, 8.0);
        assert_eq!(limiter.slow_down("h"), 4.0);
        assert_eq!(limiter.slow_down("h"), 2.0);
    }
}
