//! Turns a saved post record into an HTML fragment for the offline gallery.
//!
//! Every string from a post is escaped, and every piece of HTML from a post
//! goes through the allow-list sanitizer in `sanitize`. Media point at the
//! archive's local files through [`MediaLookup`], and a media file that is
//! not in the archive becomes a visible placeholder with its original URL
//! as text. So the fragment never runs script and never makes the browser load
//! anything from the network. Its only `src` and `poster` values are
//! `prefix` followed by a local path. Its only remote URLs are the `href`
//! of links (http, https or mailto), which load nothing until clicked.
//!
//! Class names the page's CSS can style:
//!
//! | class | element |
//! |---|---|
//! | `post-body` | the post's own content, after the trail |
//! | `trail` | the reblog trail, oldest entry first |
//! | `trail-entry` | one entry of the trail |
//! | `trail-blog` | the name of the blog that wrote a trail entry |
//! | `ask` | a question, with its asker |
//! | `asker` | the asker's name ("Anonymous" when not given) |
//! | `chat` | a chat (dialogue) |
//! | `chat-line` | one line of a chat |
//! | `quote` | a quotation: a legacy quote post or an NPF `quote` text block |
//! | `quote-source` | the source of a legacy quote post |
//! | `link-card` | a link with its title, description and site |
//! | `npf-row` | a row of several images side by side |
//! | `media-missing` | placeholder for a media file that is not in the archive, or for a third-party player |
//! | `deleted` | a trail entry whose post or blog no longer exists |
//!
//! Other classes, for finer styling: `quirky` and `indented` (NPF text
//! subtypes), `mention` (a link to a mentioned blog), `poll`, `paywall`,
//! `unsupported` (a block type this renderer does not know) and
//! `attribution` (the source of an image or player).

mod blocks;
mod html;
mod json;
mod legacy;
mod media;
mod npf;
mod sanitize;
mod text;
mod v1;

#[cfg(test)]
mod tests;

use serde_json::Value;

use media::MediaContext;

/// A media file of the archive, as the page can link it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalMedia {
    /// Path relative to the blog's folder, '/'-separated (the manifest's `filename`).
    pub path: String,
    /// `image`, `gif`, `video`, `audio`.
    pub media_type: String,
}

/// Finds the local file of a media URL found in a post record.
pub trait MediaLookup {
    fn local(&self, url: &str) -> Option<LocalMedia>;
}

/// A post rendered for the gallery.
#[derive(Clone, Debug)]
pub struct RenderedPost {
    /// HTML fragment: the post's content and its reblog trail, no <article> wrapper,
    /// no header (date, permalink) and no tag list; the page adds those.
    pub body_html: String,
    pub tags: Vec<String>,
    pub note_count: Option<u64>,
    /// Number of media referenced in the record that have no local file,
    /// which is the number of `media-missing` placeholders for files.
    /// Third-party players are never downloaded, so they are not counted.
    pub missing_media: usize,
}

/// A record that cannot be rendered. The page then shows the post's media
/// without its text.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(
        "unknown record format {0:?}; expected tumblr-api-v2, tumblr-api-v1-json, tumblr-api-v1-xml or html"
    )]
    UnknownFormat(String),

    #[error("record in format {format} is not valid JSON: {source}")]
    InvalidJson {
        format: &'static str,
        source: serde_json::Error,
    },

    #[error("record in format tumblr-api-v1-xml has no <post> element")]
    NoXmlPost,

    #[error("record in format {format} is not a JSON object but {found}")]
    NotAnObject {
        format: &'static str,
        found: &'static str,
    },
}

/// Renders a saved post record.
///
/// `format` is the manifest's `record_format`: `tumblr-api-v2` (an API v2 post object as JSON,
/// NPF or legacy), `tumblr-api-v1-json`, `tumblr-api-v1-xml` or `html` (a themed page's post element).
/// `prefix` is the relative path from the page to the blog's folder ("" or "../"), put in front of every local path.
pub fn render_record(
    format: &str,
    record: &str,
    media: &dyn MediaLookup,
    prefix: &str,
) -> Result<RenderedPost, RenderError> {
    let mut context = MediaContext::new(media, prefix);
    let (body_html, tags, note_count) = match format {
        "tumblr-api-v2" => {
            let post = parse_object("tumblr-api-v2", record)?;
            let body = if is_npf(&post) {
                npf::render_post(&post, &mut context)
            } else {
                legacy::render_post(&post, &mut context)
            };
            (
                body,
                string_list(post.get("tags")),
                count_at(&post, "note_count"),
            )
        }
        "tumblr-api-v1-json" => {
            let post = parse_object("tumblr-api-v1-json", record)?;
            let body = v1::render_json_post(&post, &mut context);
            (
                body,
                string_list(post.get("tags")),
                count_at(&post, "note-count"),
            )
        }
        "tumblr-api-v1-xml" => {
            v1::render_xml_post(record, &mut context).ok_or(RenderError::NoXmlPost)?
        }
        // TODO: a themed page's post element is shown whole, sanitized, so
        // the theme's own date, note count, tags and buttons stay in the
        // body as text, and tags and note count are not read from it.
        "html" => (sanitize::sanitize(record, &mut context), Vec::new(), None),
        other => return Err(RenderError::UnknownFormat(other.to_owned())),
    };
    Ok(RenderedPost {
        body_html,
        tags,
        note_count,
        missing_media: context.missing(),
    })
}

fn parse_object(format: &'static str, record: &str) -> Result<Value, RenderError> {
    let value: Value = serde_json::from_str(record)
        .map_err(|source| RenderError::InvalidJson { format, source })?;
    if value.is_object() {
        return Ok(value);
    }
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Err(RenderError::NotAnObject { format, found })
}

/// Returns whether an API v2 post is in NPF. The legacy format has no
/// `content` array; an NPF post has one even when it is empty (a reblog
/// that adds nothing).
fn is_npf(post: &Value) -> bool {
    post.get("content").is_some_and(Value::is_array)
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Reads a count that the API gives as a number or, in v1, as a string.
fn count_at(post: &Value, key: &str) -> Option<u64> {
    match post.get(key)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}
