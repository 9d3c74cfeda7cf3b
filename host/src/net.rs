//! The host's HTTP client: origin rewriting, the private-address guard,
//! redirects followed by hand, retries, and the API key.
//!
//! Redirects are followed here rather than by reqwest so that every hop
//! goes through the origin map and the guard, and so the API key is added
//! only while the logical host is `api.tumblr.com`.

mod guard;
mod origin;
mod quota;
mod rate;
mod retry;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use url::Url;

pub use guard::PrivateAddressError;
pub use origin::{OriginMap, OriginRule};
pub use rate::{ARCHIVE_INDEX_KEY, Rate, RatePlan};
pub use retry::RetryPolicy;

use quota::QuotaVerdict;
use rate::RateLimiter;

/// Host whose requests carry the user's API key.
pub const TUMBLR_API_HOST: &str = "api.tumblr.com";

const MAX_REDIRECTS: usize = 10;
/// Quota waits in a row for one request before 429s count as retries.
const MAX_QUOTA_WAITS: u32 = 10;
const USER_AGENT: &str = concat!("tumblr-archiver/", env!("CARGO_PKG_VERSION"));

/// A request that could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    PrivateAddress(#[from] PrivateAddressError),

    #[error("unsupported URL {url}: only http and https are fetched")]
    Scheme { url: String },

    #[error("too many redirects (more than {MAX_REDIRECTS}) starting at {url}")]
    TooManyRedirects { url: String },

    #[error("invalid redirect from {url} to {location:?}")]
    BadRedirect { url: String, location: String },

    #[error("request to {url} failed: {message}")]
    Transport {
        url: String,
        message: String,
        retryable: bool,
    },

    #[error(
        "the daily Tumblr API quota of this API key is used up; it resets in {} min, at {}\nhint: run the same command again after that time to continue where this run stopped, or pass --max-wait {}m to wait",
        wait.as_secs().div_ceil(60),
        humantime::format_rfc3339_seconds(*resume_at),
        wait.as_secs().div_ceil(60)
    )]
    DailyQuota {
        resume_at: SystemTime,
        wait: Duration,
    },
}

impl FetchError {
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            FetchError::Transport {
                retryable: true,
                ..
            }
        )
    }
}

/// Settings of the HTTP client.
pub struct HttpConfig {
    pub origins: OriginMap,
    pub allow_private_network: bool,
    pub api_key: Option<String>,
    pub retry: RetryPolicy,
    pub rates: RatePlan,
    /// Maximum wait for a daily API quota to reset before giving up.
    pub max_wait: Duration,
    /// Maximum wait for the next data of a response.
    pub read_timeout: Duration,
}

/// The response to a request, with the logical URL that produced it.
pub struct Fetched {
    /// URL after redirects, before origin rewriting.
    pub url: Url,
    pub response: reqwest::Response,
}

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    config: Arc<HttpConfig>,
    limiter: Arc<RateLimiter>,
    /// Reset time of the daily API quota, once a response reported it used up.
    daily_reset: Arc<Mutex<Option<Instant>>>,
}

impl Http {
    pub fn new(config: HttpConfig) -> anyhow::Result<Self> {
        let resolver = guard::GuardedResolver {
            allow_private: config.allow_private_network,
        };
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(config.read_timeout)
            .build()
            .map_err(|error| anyhow::anyhow!("cannot set up the HTTP client: {error}"))?;
        let limiter = Arc::new(RateLimiter::new(config.rates.clone()));
        Ok(Self {
            client,
            config: Arc::new(config),
            limiter,
            daily_reset: Arc::new(Mutex::new(None)),
        })
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.config.retry
    }

    /// Sends a GET (or HEAD) for `url`, following redirects, after the
    /// host's rate limit allows it. Transport errors and 408, 429 and 5xx
    /// responses are retried per the retry policy; the last response is
    /// returned whatever its status. An exhausted hourly API quota pauses
    /// the API host until it resets; an exhausted daily quota fails with
    /// `DailyQuota` unless `max_wait` covers the time to its reset.
    pub async fn get(
        &self,
        method: reqwest::Method,
        url: &Url,
        headers: &[(String, String)],
    ) -> Result<Fetched, FetchError> {
        let host = rate::bucket_key(url);
        let is_api = host == TUMBLR_API_HOST;
        let mut attempt = 0;
        let mut quota_waits = 0;
        loop {
            if is_api {
                self.wait_for_daily_quota().await?;
            }
            self.limiter.acquire(&host).await;
            let result = self.send_once(method.clone(), url, headers).await;
            let delay = match &result {
                Ok(fetched) => {
                    let status = fetched.response.status();
                    let verdict = if is_api {
                        quota::classify(status, fetched.response.headers())
                    } else {
                        QuotaVerdict::Fine
                    };
                    let exhausted = self.apply_quota(&host, verdict);
                    if exhausted
                        && status == reqwest::StatusCode::TOO_MANY_REQUESTS
                        && quota_waits < MAX_QUOTA_WAITS
                    {
                        // Quota waits do not count as attempts.
                        quota_waits += 1;
                        continue;
                    }
                    if let Some(wait) = retry::retry_after(fetched.response.headers()) {
                        self.limiter.pause(
                            &host,
                            Instant::now() + wait.min(self.config.retry.max_delay),
                        );
                    }
                    self.config
                        .retry
                        .delay_for_status(attempt, status, fetched.response.headers())
                }
                Err(error) if error.is_retryable() => self.config.retry.delay_for_error(attempt),
                Err(_) => None,
            };
            let Some(delay) = delay else {
                return result;
            };
            let reason = match &result {
                Ok(fetched) => format!("HTTP {}", fetched.response.status().as_u16()),
                Err(error) => error.to_string(),
            };
            tracing::debug!(url = %url, attempt = attempt + 1, delay_ms = delay.as_millis() as u64, %reason, "retrying request");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Applies the quota state that a response reported. Returns whether
    /// the quota is exhausted, so the request has to wait.
    fn apply_quota(&self, host: &str, verdict: QuotaVerdict) -> bool {
        match verdict {
            QuotaVerdict::Fine => false,
            QuotaVerdict::Throttled => {
                let rate = self.limiter.slow_down(host);
                tracing::warn!(
                    "{host} answered 429 Too Many Requests with quota left; lowering the request rate to {rate:.2}/s for the rest of the run"
                );
                false
            }
            QuotaVerdict::HourlyExhausted(reset) => {
                tracing::warn!(
                    "rate limited by {host}: the hourly API quota is used up, resuming in {} s",
                    reset.as_secs().clamp(1, 3600)
                );
                // An hourly window resets within the hour, so a longer
                // reset is a server error and is capped.
                let reset = reset.clamp(Duration::from_secs(1), Duration::from_secs(3600));
                self.limiter.pause(host, Instant::now() + reset);
                true
            }
            QuotaVerdict::DailyExhausted(reset) => {
                let mut daily = self
                    .daily_reset
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner());
                *daily = Some(Instant::now() + reset);
                true
            }
        }
    }

    /// Waits for the daily quota to reset when `max_wait` allows it, or
    /// fails with `DailyQuota`.
    async fn wait_for_daily_quota(&self) -> Result<(), FetchError> {
        let reset = *self
            .daily_reset
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let Some(reset) = reset else {
            return Ok(());
        };
        let wait = reset.saturating_duration_since(Instant::now());
        if wait.is_zero() {
            return Ok(());
        }
        if wait > self.config.max_wait {
            return Err(FetchError::DailyQuota {
                resume_at: SystemTime::now() + wait,
                wait,
            });
        }
        tracing::warn!(
            "rate limited by {TUMBLR_API_HOST}: the daily API quota is used up, resuming in {} s",
            wait.as_secs()
        );
        tokio::time::sleep(wait).await;
        Ok(())
    }

    async fn send_once(
        &self,
        method: reqwest::Method,
        start: &Url,
        headers: &[(String, String)],
    ) -> Result<Fetched, FetchError> {
        let mut logical = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            let response = self.send_hop(method.clone(), &logical, headers).await?;
            if !response.status().is_redirection() {
                return Ok(Fetched {
                    url: logical,
                    response,
                });
            }
            let Some(location) = response.headers().get(LOCATION) else {
                return Ok(Fetched {
                    url: logical,
                    response,
                });
            };
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            // TODO: a redirect may lead a scraper's request to a host that
            // the scraper did not declare; only the address guard applies
            // to the hops. Checking the declared hosts here needs them
            // passed down with the request.
            logical = logical
                .join(&location)
                .map_err(|_| FetchError::BadRedirect {
                    url: logical.to_string(),
                    location,
                })?;
        }
        Err(FetchError::TooManyRedirects {
            url: start.to_string(),
        })
    }

    async fn send_hop(
        &self,
        method: reqwest::Method,
        logical: &Url,
        headers: &[(String, String)],
    ) -> Result<reqwest::Response, FetchError> {
        if !matches!(logical.scheme(), "http" | "https") {
            return Err(FetchError::Scheme {
                url: logical.to_string(),
            });
        }
        let mut physical = self.config.origins.map(logical);
        if let Some(host) = physical.host() {
            guard::check_host(&host, self.config.allow_private_network)?;
        }
        if let Some(key) = &self.config.api_key
            && logical.host_str() == Some(TUMBLR_API_HOST)
        {
            physical.query_pairs_mut().append_pair("api_key", key);
        }
        let request = self
            .client
            .request(method, physical)
            .headers(header_map(headers));
        request
            .send()
            .await
            .map_err(|error| transport_error(logical, error))
    }
}

/// Builds request headers, dropping those the host controls.
fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "authorization" | "cookie" | "host" | "user-agent" | "proxy-authorization"
        ) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(lower.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// Describes a reqwest error without its URL, which may carry the API key.
fn transport_error(logical: &Url, error: reqwest::Error) -> FetchError {
    if let Some(refusal) = guard::find_refusal(&error) {
        return FetchError::PrivateAddress(PrivateAddressError {
            host: refusal.host.clone(),
            address: refusal.address,
        });
    }
    let retryable =
        error.is_timeout() || error.is_connect() || error.is_request() || error.is_body();
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchError::Transport {
        url: logical.to_string(),
        message,
        retryable,
    }
}
