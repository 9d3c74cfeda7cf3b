//! A fake Tumblr for end-to-end tests: a blocking HTTP/1.1 server on
//! 127.0.0.1 that replays the recorded Tumblr API v2 responses of the
//! fixtures folder. It serves deterministic media bytes for every other
//! path, injects configured faults, and records every request it receives.
//!
//! Routes are chosen by path alone, because the archiver under test sends
//! every host to this one address:
//! - `GET /v2/blog/{blog}/info` and `GET /v2/blog/{blog}/posts[/{type}]`
//!   need the configured `api_key` parameter and serve the fixtures, or a
//!   generated blog, within an optional hourly and daily quota.
//! - `/cdx/…` and `/wayback/…` return "no capture" to Internet Archive
//!   lookups.
//! - Any other `GET` or `HEAD` is a media file whose bytes derive from the
//!   path, with `Range` support.

mod api;
mod config;
mod date;
mod http;
mod media;
mod quota;
mod server;
mod synthetic;

use std::env;
use std::path::{Path, PathBuf};

pub use api::{BARE_POSTS_FILE, default_post_files};
pub use config::{
    Config, DEFAULT_API_KEY, DEFAULT_LIFETIME, DEFAULT_MAX_LIMIT, Fault, FaultKind, Pace,
    PathMatch, Quota, SyntheticBlog,
};
pub use media::{MAX_MEDIA_LEN, MIN_MEDIA_LEN, MediaBody, media_body};
pub use server::{CompletedBody, FakeTumblr, RecordedRequest, RequestKind, max_in_window};
pub use synthetic::{
    FIRST_POST_ID, FIRST_TIMESTAMP, MEDIA_ORIGIN, photo_count, photo_path, photo_url, post_id,
    post_timestamp,
};

/// Environment variable that overrides the fixtures folder.
pub const FIXTURES_ENV: &str = "TUMBLR_FIXTURES";

/// Returns where the fixtures folder is expected: `$TUMBLR_FIXTURES`, or
/// `shared/fixtures/tumblr` beside the repository's folder.
pub fn fixtures_path() -> PathBuf {
    match env::var_os(FIXTURES_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/tumblr"),
    }
}

/// Returns the folder of recorded Tumblr responses (the one holding
/// `api-v2/`) at `fixtures_path()`, or `None` when it is absent so that
/// tests can skip.
///
/// # Panics
///
/// Panics when the folder is absent and the environment variable `CI` is
/// `true`, so that a CI run never skips these tests silently.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = fixtures_path();
    if dir.join("api-v2").is_dir() {
        return Some(dir);
    }
    if env::var("CI").is_ok_and(|value| value == "true") {
        panic!(
            "Tumblr fixtures not found at {}: set {FIXTURES_ENV} to the folder holding api-v2/",
            dir.display()
        );
    }
    None
}
