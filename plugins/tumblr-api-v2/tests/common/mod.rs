//! Helpers shared by the fixture tests: locating the recorded Tumblr
//! responses, building requests and responses around them, and comparing
//! parsed posts with expectations written out by hand.
//!
//! Fixtures are read in place from the folder in `TUMBLR_FIXTURES`, by
//! default `fixtures/tumblr` of the shared folder next to the repository.
//! When that folder is missing the fixture tests print that they are
//! skipped and pass, except when `CI` is `true`, where they fail.

#![allow(dead_code)]

use tumblr_api_v2::crawl::{CrawlContext, Step};
use tumblr_api_v2::options::Format;
use tumblr_api_v2::tumblr_archiver::plugin::types::{
    HttpRequest, HttpResponse, Media, MediaKind, Post, ReblogSource,
};

pub use plugin_sdk::fixtures::fixture;

/// Returns the parsed JSON of `relative` inside the fixtures folder.
pub fn fixture_json(relative: &str) -> Option<serde_json::Value> {
    let bytes = fixture(relative)?;
    match serde_json::from_slice(&bytes) {
        Ok(value) => Some(value),
        Err(error) => panic!("fixture {relative} is not JSON: {error}"),
    }
}

/// Builds the `/posts` request for `example-blog` at `offset`.
pub fn posts_request(page_size: u32, offset: u64, total_posts: Option<u64>) -> HttpRequest {
    let context = CrawlContext {
        blog: "example-blog.tumblr.com".to_owned(),
        page_size,
        format: Format::Npf,
        step: Step::Posts { offset },
        total_posts,
    };
    context.request().expect("a context always encodes")
}

/// Builds the `/info` request for `blog` (an API identifier).
pub fn info_request(blog: &str) -> HttpRequest {
    let context = CrawlContext {
        blog: blog.to_owned(),
        page_size: 20,
        format: Format::Npf,
        step: Step::Info,
        total_posts: None,
    };
    context.request().expect("a context always encodes")
}

/// Builds the response to `request` with `status`, `headers` and `body`.
pub fn response(
    request: &HttpRequest,
    status: u16,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> HttpResponse {
    HttpResponse {
        url: request.url.clone(),
        status,
        headers: headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect(),
        body,
    }
}

/// One media item as the tests state it: URL, kind, trail blog.
pub type MediaRow<'a> = (&'a str, MediaKind, Option<&'a str>);

/// An expected reblog source: from blog, from URL, root blog, root URL.
pub type ExpectedReblog<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// Expected fields of one post.
pub struct ExpectedPost<'a> {
    pub id: &'a str,
    pub post_type: &'a str,
    pub timestamp: i64,
    pub tags: &'a [&'a str],
    pub reblog: Option<ExpectedReblog<'a>>,
    pub summary: &'a str,
    pub media: &'a [MediaRow<'a>],
}

/// Asserts every field of `expected` on `post`, one assert per field.
pub fn assert_post(post: &Post, expected: &ExpectedPost<'_>) {
    let id = expected.id;
    assert_eq!(post.id, expected.id, "post id");
    assert_eq!(post.post_type, expected.post_type, "post {id} type");
    assert_eq!(post.timestamp, expected.timestamp, "post {id} timestamp");
    let tags: Vec<&str> = post.tags.iter().map(String::as_str).collect();
    assert_eq!(tags, expected.tags, "post {id} tags");
    let reblog = expected
        .reblog
        .map(|(from_blog, from_url, root_blog, root_url)| ReblogSource {
            from_blog: from_blog.to_owned(),
            from_url: from_url.map(str::to_owned),
            root_blog: root_blog.map(str::to_owned),
            root_url: root_url.map(str::to_owned),
        });
    assert_eq!(post.reblog, reblog, "post {id} reblog source");
    assert_eq!(post.summary, expected.summary, "post {id} summary");
    let media: Vec<MediaRow<'_>> = post
        .media
        .iter()
        .map(|item| (item.url.as_str(), item.kind, item.trail_blog.as_deref()))
        .collect();
    assert_eq!(media, expected.media, "post {id} media");
}

/// Returns the alternate URLs of `item`, in order.
pub fn alternate_urls(item: &Media) -> Vec<&str> {
    item.alternates
        .iter()
        .map(|alternate| alternate.url.as_str())
        .collect()
}

/// Returns the pixel size of `item` as `(width, height)`.
pub fn size_of(item: &Media) -> Option<(u32, u32)> {
    item.size.map(|size| (size.width, size.height))
}
