//! Settings of a fake Tumblr server: where the fixtures are, which API key
//! it accepts, which blogs fail, and which media paths fail and how.

use std::path::PathBuf;
use std::time::Duration;

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
    /// Failures injected into media responses, checked in order. The first
    /// fault that matches a path and is still active decides the response.
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
            faults: Vec::new(),
            lifetime: DEFAULT_LIFETIME,
        }
    }
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

/// How a faulty media response fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Returns this status with a short text body, such as 403, 404 or 500.
    Status(u16),
    /// Returns 429 with `Retry-After` set to this many seconds.
    RateLimited { retry_after_secs: u32 },
    /// Sends the headers of the full file, including its `Content-Length`,
    /// then half of the body, then closes the connection.
    Truncated,
}

/// A failure injected into the media responses of some paths.
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
