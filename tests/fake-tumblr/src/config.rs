//! Settings of a fake Tumblr server: where the fixtures are, which API key
//! it accepts, which blogs fail, whether it serves generated posts, the API
//! quota it enforces, how fast it responds, and which paths fail and how.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use crate::media::MediaBody;
use crate::wayback::Wayback;

/// API key that `Config::new` accepts.
pub const DEFAULT_API_KEY: &str = "test-key";

/// Largest `limit` that `Config::new` serves per posts page, as the real API.
pub const DEFAULT_MAX_LIMIT: usize = 20;

/// Time after which a server stops by itself, in case a test never drops it.
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// Settings read once by `FakeTumblr::start`.
#[derive(Clone, Debug)]
pub struct Config {
    /// Folder holding `api-v2/` with the recorded Tumblr responses.
    pub fixtures_dir: PathBuf,
    /// Value that the `api_key` query parameter of every API request must
    /// have. Defaults to `DEFAULT_API_KEY`.
    pub api_key: String,
    /// Files of `api-v2/` whose posts the posts route serves, in order. Each
    /// file is either a full posts response or a bare array of posts. `None`
    /// serves `default_post_files`.
    pub post_files: Option<Vec<String>>,
    /// Largest page size; a larger `limit` is clamped to it. Defaults to 20.
    pub max_limit: usize,
    /// Blogs whose API routes return Tumblr's 404 "not found" body.
    pub not_found_blogs: Vec<String>,
    /// Blogs whose API routes return Tumblr's 404 body with code 4012, sent
    /// for blogs visible only inside the dashboard.
    pub dashboard_only_blogs: Vec<String>,
    /// Blogs whose API routes return 403 Forbidden.
    pub forbidden_blogs: Vec<String>,
    /// Generated posts served instead of the posts of `post_files`; `None`
    /// serves the fixture files.
    pub synthetic: Option<SyntheticBlog>,
    /// Posts served as they are, instead of those of `post_files` or
    /// `synthetic`.
    pub posts: Option<Vec<serde_json::Value>>,
    /// Bodies served for these exact media paths instead of the generated
    /// bytes, such as images whose headers state a size.
    pub media_files: BTreeMap<String, MediaBody>,
    /// Tumblr image pages: the `s99999x99999` path of an image, mapped to
    /// the URL of the original that its page names. Image page requests
    /// for other paths get 404.
    pub image_pages: BTreeMap<String, String>,
    /// Captures and CDX behaviour of the Internet Archive routes.
    pub wayback: Wayback,
    /// Hourly and daily API quotas. `None` enforces no quota and sends no
    /// rate-limit headers.
    pub quota: Option<Quota>,
    /// Pacing of every API response.
    pub api_pace: Pace,
    /// Pacing of every media response.
    pub media_pace: Pace,
    /// Length in bytes of every generated media body; `None` gives each
    /// path its own length from `MIN_MEDIA_LEN` to `MAX_MEDIA_LEN`.
    pub media_len: Option<usize>,
    /// Whether media requests with `Range: bytes=N-` get 206 Partial
    /// Content. Defaults to true; when false, the whole file is sent.
    pub range_requests: bool,
    /// Failures injected into API and media responses, checked in order.
    /// The first fault that matches a path and is still active decides the
    /// response.
    pub faults: Vec<Fault>,
    /// Time after which the server stops accepting connections by itself.
    /// Defaults to 10 minutes.
    pub lifetime: Duration,
}

impl Config {
    /// Creates settings with the defaults above, serving the fixtures in
    /// `fixtures_dir`.
    pub fn new(fixtures_dir: impl Into<PathBuf>) -> Self {
        Self {
            fixtures_dir: fixtures_dir.into(),
            api_key: DEFAULT_API_KEY.to_string(),
            post_files: None,
            max_limit: DEFAULT_MAX_LIMIT,
            not_found_blogs: Vec::new(),
            dashboard_only_blogs: Vec::new(),
            forbidden_blogs: Vec::new(),
            synthetic: None,
            posts: None,
            media_files: BTreeMap::new(),
            image_pages: BTreeMap::new(),
            wayback: Wayback::default(),
            quota: None,
            api_pace: Pace::default(),
            media_pace: Pace::default(),
            media_len: None,
            range_requests: true,
            faults: Vec::new(),
            lifetime: DEFAULT_LIFETIME,
        }
    }
}

/// A generated blog: `posts` legacy photo posts, newest first, with
/// strictly decreasing ids. Post `i` (0 is the newest) carries `1 + i % 3`
/// photos, each on its own path under `https://64.media.tumblr.com/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticBlog {
    pub posts: usize,
    /// Ranges of post indexes whose posts all take the timestamp of the
    /// range's first post. Other posts are one hour apart.
    pub shared_timestamps: Vec<Range<usize>>,
    /// Pairs `(source, copy)` of post indexes: the first photo of post
    /// `copy` has its own URL but is served with the bytes of the first
    /// photo of post `source`.
    pub same_bytes: Vec<(usize, usize)>,
}

impl SyntheticBlog {
    /// Creates a blog of `posts` posts with distinct timestamps and bytes.
    pub fn new(posts: usize) -> Self {
        Self {
            posts,
            shared_timestamps: Vec::new(),
            same_bytes: Vec::new(),
        }
    }

    /// Gives every post of `indexes` the timestamp of the first one.
    pub fn share_timestamp(mut self, indexes: Range<usize>) -> Self {
        self.shared_timestamps.push(indexes);
        self
    }

    /// Serves the first photo of post `copy` with the bytes of the first
    /// photo of post `source`.
    pub fn same_bytes(mut self, source: usize, copy: usize) -> Self {
        self.same_bytes.push((source, copy));
        self
    }
}

/// API call quotas, counted over every API request that carries the right
/// key. Each window starts with the first request after the previous one
/// ended. Responses carry `x-ratelimit-perhour-{limit,remaining,reset}`
/// and `x-ratelimit-perday-{limit,remaining,reset}`, where `reset` is the
/// number of seconds until the window ends, rounded up. A request made
/// while a quota is used up gets 429 and does not count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quota {
    pub hourly_limit: u64,
    /// Length of the hourly window; Tumblr's is one hour.
    pub hourly_window: Duration,
    pub daily_limit: u64,
    /// Length of the daily window; Tumblr's is one day.
    pub daily_window: Duration,
}

impl Default for Quota {
    /// Returns Tumblr's quotas per API key: 1,000 calls per hour and 5,000
    /// per day.
    fn default() -> Self {
        Self {
            hourly_limit: 1000,
            hourly_window: Duration::from_secs(3600),
            daily_limit: 5000,
            daily_window: Duration::from_secs(86_400),
        }
    }
}

/// How slowly responses go out: a wait before the status line, then the
/// body in chunks with a wait after each chunk but the last. The default
/// sends everything at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pace {
    pub before_headers: Duration,
    /// Length of each body chunk in bytes; 0 sends the body in one write.
    pub chunk_len: usize,
    pub between_chunks: Duration,
}

/// Which request paths a fault applies to. Paths are compared as sent, with
/// the query string removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathMatch {
    /// The path equals this string.
    Exact(String),
    /// The path starts with this string, such as a folder of every size of
    /// one photo.
    Prefix(String),
}

impl PathMatch {
    /// Returns whether `path` is covered.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Self::Exact(expected) => path == expected,
            Self::Prefix(prefix) => path.starts_with(prefix.as_str()),
        }
    }
}

/// How a faulty response fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Returns this status with a short text body, such as 403, 404 or 500.
    /// `Status(429)` is a 429 without `Retry-After`.
    Status(u16),
    /// Returns 429 with `Retry-After` set to this many seconds.
    RateLimited { retry_after_secs: u32 },
    /// Returns 429 with `Retry-After` set to the HTTP date this many
    /// seconds from now.
    RateLimitedUntil { retry_after_secs: u32 },
    /// Sends the headers of the full response, including its
    /// `Content-Length`, then half of the body, then closes the connection
    /// normally.
    Truncated,
    /// Sends the headers of the full response and half of the body, waits
    /// 100 ms, then closes the connection with a TCP reset (RST).
    Reset,
    /// Waits this long before sending the normal response, so that a
    /// client with a shorter read timeout gives up first.
    Slow(Duration),
}

/// A failure injected into the responses of some paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub path: PathMatch,
    pub kind: FaultKind,
    /// Number of matching requests that fail before the path is served
    /// normally; `None` fails every request.
    pub times: Option<u32>,
}

impl Fault {
    /// Creates a fault that fails every request to the matched paths.
    pub fn always(path: PathMatch, kind: FaultKind) -> Self {
        Self {
            path,
            kind,
            times: None,
        }
    }

    /// Creates a fault that fails the first `times` matching requests.
    pub fn first(times: u32, path: PathMatch, kind: FaultKind) -> Self {
        Self {
            path,
            kind,
            times: Some(times),
        }
    }
}
