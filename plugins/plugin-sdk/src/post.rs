//! Posts in plain Rust types, which mirror the WIT records `post` and
//! `reblog-source`, so that parsers shared by several scrapers can return
//! them. `impl_wit_post_conversions!` converts them to a plugin's generated
//! types.

use crate::media::Media;

/// Where a reblog came from, as the WIT record `reblog-source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReblogSource {
    /// Blog that the post was reblogged from.
    pub from_blog: String,
    pub from_url: Option<String>,
    /// Blog that made the original post.
    pub root_blog: Option<String>,
    pub root_url: Option<String>,
}

/// One post of a blog with its media, as the WIT record `post`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    /// Tumblr's post id, as decimal digits.
    pub id: String,
    /// Permalink of the post.
    pub url: String,
    /// Name of the blog that published the post.
    pub blog: String,
    /// Publication time in seconds since the Unix epoch, UTC.
    pub timestamp: i64,
    /// Post type in the v2 API's words: `text`, `photo`, `quote`, `link`,
    /// `chat`, `audio`, `video`, `answer` or `blocks`.
    pub post_type: String,
    pub tags: Vec<String>,
    pub reblog: Option<ReblogSource>,
    /// Plain text of the post, at most `text::SUMMARY_MAX_CHARS` characters.
    pub summary: String,
    /// Media in order of appearance, each media once.
    pub media: Vec<Media>,
}
