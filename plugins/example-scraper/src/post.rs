//! Posts of the v1 JSON API: id, permalink, time, type, tags, reblog
//! source, summary and media.
//!
//! Media come from, in order:
//! - the photos: each entry of `photos` (a photoset), else the post's own
//!   `photo-url-*` fields. `photo-url-1280` is the URL and the smaller
//!   sizes are alternates. `width` and `height` give the size of the
//!   upload. That is the size of the URL only when the URL's size bucket is
//!   at least that wide, because Tumblr does not enlarge images: for a
//!   250-pixel upload, `photo-url-1280` names the `_250` file itself.
//! - `video-player` and `audio-player`: `<video>`, `<audio>` and `<source>`
//!   files, or when there are none, the player frame as an embed.
//! - the HTML fields (`regular-body`, captions, answers, link
//!   descriptions), whose `<img>`, `<video>` and `<audio>` tags
//!   `plugin_sdk::html_media` reads.

use plugin_sdk::html::plain_text;
use plugin_sdk::html_media::{frame_src, media_in_html};
use plugin_sdk::json::{array_at, i64_at, id_at, str_at, u32_at};
use plugin_sdk::media::{Alternate, Dimensions, Media, MediaKind, MediaList, alternate};
use plugin_sdk::text::{SUMMARY_MAX_CHARS, truncate_chars};
use plugin_sdk::tumblr_url::{kind_from_url, rendition_width};
use serde_json::Value;

use crate::tumblr_archiver::plugin::types::{Post, ReblogSource};

/// Photo size fields, largest first.
const PHOTO_SIZES: [&str; 6] = [
    "photo-url-1280",
    "photo-url-500",
    "photo-url-400",
    "photo-url-250",
    "photo-url-100",
    "photo-url-75",
];

/// Fields that hold HTML with media, in the order they are read.
const HTML_FIELDS: [&str; 8] = [
    "regular-body",
    "photo-caption",
    "link-description",
    "quote-source",
    "video-caption",
    "audio-caption",
    "question",
    "answer",
];

/// Fields whose text stands for the post, in order of preference.
const SUMMARY_FIELDS: [&str; 12] = [
    "regular-title",
    "regular-body",
    "photo-caption",
    "quote-text",
    "link-text",
    "link-description",
    "conversation-title",
    "conversation-text",
    "video-caption",
    "audio-caption",
    "question",
    "answer",
];

/// Parses one post of the `posts` array. Returns `None` when it has no
/// decimal `id`, because the host keys posts by id.
pub fn parse_post(post: &Value, blog: &str) -> Option<Post> {
    let id = id_at(post, "id")?;
    let url = str_at(post, "url-with-slug")
        .or_else(|| str_at(post, "url"))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://{blog}.tumblr.com/post/{id}"));
    let tags = array_at(post, "tags")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Some(Post {
        id,
        url,
        blog: blog.to_owned(),
        timestamp: i64_at(post, "unix-timestamp").unwrap_or(0),
        post_type: post_type(str_at(post, "type").unwrap_or_default()),
        tags,
        reblog: reblog_source(post),
        summary: summary(post),
        media: post_media(post).into_iter().map(Into::into).collect(),
    })
}

/// Returns the v2 name of a v1 post type: `regular` is `text` and
/// `conversation` is `chat`; the others are the same in both APIs.
pub fn post_type(v1_type: &str) -> String {
    match v1_type.to_ascii_lowercase().as_str() {
        "regular" => "text".to_owned(),
        "conversation" => "chat".to_owned(),
        other => other.to_owned(),
    }
}

/// Returns the reblog source from the `reblogged-from-*` and
/// `reblogged-root-*` fields, when the response carries them.
fn reblog_source(post: &Value) -> Option<ReblogSource> {
    let owned = |key: &str| str_at(post, key).map(str::to_owned);
    Some(ReblogSource {
        from_blog: owned("reblogged-from-name")?,
        from_url: owned("reblogged-from-url"),
        root_blog: owned("reblogged-root-name"),
        root_url: owned("reblogged-root-url"),
    })
}

/// Returns the plain text of the first non-empty field of
/// `SUMMARY_FIELDS`, cut to `SUMMARY_MAX_CHARS` characters.
fn summary(post: &Value) -> String {
    let text = SUMMARY_FIELDS
        .iter()
        .filter_map(|field| str_at(post, field))
        .map(plain_text)
        .find(|text| !text.is_empty())
        .unwrap_or_default();
    truncate_chars(&text, SUMMARY_MAX_CHARS)
}

/// Returns the media of a post in the order the module documentation
/// gives.
pub fn post_media(post: &Value) -> Vec<Media> {
    let mut list = MediaList::default();
    let photoset = array_at(post, "photos");
    if photoset.is_empty() {
        photo(post, &mut list);
    } else {
        for entry in photoset {
            photo(entry, &mut list);
        }
    }
    for field in ["video-player", "audio-player"] {
        if let Some(html) = str_at(post, field) {
            player(html, &mut list);
        }
    }
    for field in HTML_FIELDS {
        if let Some(html) = str_at(post, field) {
            media_in_html(html, None, &mut list);
        }
    }
    list.into_vec()
}

/// Adds the photo whose `photo-url-*` fields `photo` holds.
fn photo(photo: &Value, out: &mut MediaList) {
    let mut urls = PHOTO_SIZES.iter().filter_map(|field| str_at(photo, field));
    let Some(url) = urls.next() else {
        return;
    };
    let alternates: Vec<Alternate> = urls.map(|url| alternate(url, None)).collect();
    out.push(Media {
        size: upload_size(photo, url),
        alternates,
        ..Media::new(url, kind_from_url(url))
    });
}

/// Returns `width` by `height` when `url` serves the upload unscaled, as
/// the module documentation explains.
fn upload_size(photo: &Value, url: &str) -> Option<Dimensions> {
    let width = u32_at(photo, "width").filter(|width| *width > 0)?;
    let height = u32_at(photo, "height").filter(|height| *height > 0)?;
    let bucket = rendition_width(url, None);
    (bucket == 0 || bucket >= width).then_some(Dimensions { width, height })
}

/// Adds the files of a player, or the player frame as an embed when the
/// player names no file.
fn player(html: &str, out: &mut MediaList) {
    let mut files = MediaList::default();
    media_in_html(html, None, &mut files);
    let files = files.into_vec();
    let has_file = files
        .iter()
        .any(|item| matches!(item.kind, MediaKind::Video | MediaKind::Audio));
    if !has_file && let Some(url) = frame_src(html) {
        out.push(Media::new(&url, MediaKind::Embed));
    }
    for item in files {
        out.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn post_type_names() {
        let cases = [
            ("regular", "text"),
            ("Regular", "text"),
            ("conversation", "chat"),
            ("photo", "photo"),
            ("video", "video"),
            ("answer", "answer"),
        ];
        for (v1, v2) in cases {
            assert_eq!(post_type(v1), v2, "{v1}");
        }
    }

    #[test]
    fn upload_size_only_when_unscaled() {
        let photo = json!({"width": "2624", "height": "1660"});
        assert_eq!(
            upload_size(&photo, "https://x.test/tumblr_a_1280.png"),
            None
        );
        let photo = json!({"width": 960, "height": 98});
        assert_eq!(
            upload_size(&photo, "https://x.test/tumblr_a_1280.png"),
            Some(Dimensions {
                width: 960,
                height: 98
            })
        );
        let photo = json!({"width": 0, "height": 98});
        assert_eq!(upload_size(&photo, "https://x.test/a.png"), None);
    }

    #[test]
    fn video_player_file_and_embed() {
        let post = json!({
            "type": "video",
            "video-player": "<video poster='https://64.media.tumblr.com/tumblr_v_frame1.jpg'><source src=\"https://va.media.tumblr.com/tumblr_v.mp4\" type=\"video/mp4\"></video>"
        });
        let items: Vec<(String, MediaKind)> = post_media(&post)
            .into_iter()
            .map(|m| (m.url, m.kind))
            .collect();
        assert_eq!(
            items,
            [
                (
                    "https://va.media.tumblr.com/tumblr_v.mp4".to_owned(),
                    MediaKind::Video
                ),
                (
                    "https://64.media.tumblr.com/tumblr_v_frame1.jpg".to_owned(),
                    MediaKind::Image
                ),
            ]
        );

        let post = json!({
            "type": "video",
            "video-player": "<iframe width=\"400\" src=\"https://www.youtube.com/embed/abc\"></iframe>"
        });
        let items: Vec<(String, MediaKind)> = post_media(&post)
            .into_iter()
            .map(|m| (m.url, m.kind))
            .collect();
        assert_eq!(
            items,
            [(
                "https://www.youtube.com/embed/abc".to_owned(),
                MediaKind::Embed
            )]
        );
    }

    #[test]
    fn regular_body_images_and_reblog() {
        let post = json!({
            "id": 5, "type": "regular", "unix-timestamp": 10,
            "regular-title": "Title",
            "regular-body": "<p>x</p><img src=\"https://64.media.tumblr.com/tumblr_inline_a_500.gif\"><img src=\"https://64.media.tumblr.com/avatar_b_64.png\">",
            "reblogged-from-name": "parent-blog",
            "reblogged-root-name": "root-blog"
        });
        let parsed = parse_post(&post, "example-blog");
        let Some(parsed) = parsed else {
            panic!("post without id");
        };
        assert_eq!(parsed.id, "5");
        assert_eq!(parsed.post_type, "text");
        assert_eq!(parsed.summary, "Title");
        assert_eq!(parsed.url, "https://example-blog.tumblr.com/post/5");
        assert_eq!(parsed.media.len(), 1);
        assert_eq!(
            parsed.media[0].url,
            "https://64.media.tumblr.com/tumblr_inline_a_500.gif"
        );
        let reblog = parsed.reblog.map(|r| (r.from_blog, r.root_blog));
        assert_eq!(
            reblog,
            Some(("parent-blog".to_owned(), Some("root-blog".to_owned())))
        );
        assert!(parse_post(&json!({"type": "regular"}), "b").is_none());
    }
}
