//! A fake Tumblr for end-to-end tests: a blocking HTTP/1.1 server on
//! 127.0.0.1 that replays the recorded Tumblr API v2 responses of the
//! fixtures folder. It serves deterministic media bytes for every other
//! path, injects configured faults, and records every request it receives.
//!
//! Routes are chosen by path alone, because the archiver under test sends
//! every host to this one address:
//! - `GET /v2/blog/{blog}/info` and `GET /v2/blog/{blog}/posts[/{type}]`
//!   need the configured `api_key` parameter and serve the fixtures, a
//!   configured list of posts, or a generated blog, within an optional
//!   hourly and daily quota.
//! - `/cdx/…` and `/web/…` are a fake Wayback Machine with the configured
//!   captures (none by default); `/wayback/…` finds no capture.
//! - `GET /api/read/json` is the v1 read API, and `/`, `/page/N` and
//!   `/post/{id}` are the blog's themed pages, all built from the same
//!   posts as the v2 routes. Every page is 404 when `not_found_blogs`
//!   lists the blog of the fixtures' blog info.
//! - A `GET` for an `s99999x99999` image with an HTML `Accept` gets a
//!   configured Tumblr image page, or 404.
//! - Any other `GET` or `HEAD` is a media file: its configured body, or
//!   bytes that derive from the path, with `Range` support.

mod api;
mod api_v1;
mod config;
mod date;
mod http;
mod image_page;
mod images;
mod legacy_posts;
mod media;
mod pictures;
mod quota;
mod server;
mod synthetic;
mod themed;
mod wayback;

use std::env;
use std::path::{Path, PathBuf};

pub use api::{BARE_POSTS_FILE, default_post_files};
pub use config::{
    Config, DEFAULT_API_KEY, DEFAULT_LIFETIME, DEFAULT_MAX_LIMIT, Fault, FaultKind, Pace,
    PathMatch, Quota, SyntheticBlog,
};
pub use image_page::{IMAGE_PAGE_BUCKET, page_html};
pub use images::{MAX_WEBP_SIDE, jpeg_image, png_image, webp_image};
pub use legacy_posts::{PhotoSize, photo_post, text_post, video_post};
pub use media::{MAX_MEDIA_LEN, MIN_MEDIA_LEN, MediaBody, media_body, media_body_of_len};
pub use pictures::{solid_gif, solid_png};
pub use server::{CompletedBody, FakeTumblr, RecordedRequest, RequestKind, max_in_window};
pub use synthetic::{
    FIRST_POST_ID, FIRST_TIMESTAMP, MEDIA_ORIGIN, photo_count, photo_path, photo_url, post_id,
    post_timestamp,
};
pub use themed::POSTS_PER_PAGE;
pub use wayback::{
    CDX_FIELDS, Capture, CdxMode, EXCLUDED_BODY_FILE, Wayback, canonical_url, url_key,
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
