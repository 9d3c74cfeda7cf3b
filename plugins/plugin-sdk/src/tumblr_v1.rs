//! Tumblr's legacy v1 read API, `/api/read/json`: the `var tumblr_api_read
//! = …;` wrapper of its body, paging by `start`, and its posts with their
//! id, permalink, time, type, tags, reblog source, summary and media.
//!
//! Media come from, in order:
//! - the photos: each entry of `photos` (a photoset), else the post's own
//!   `photo-url-*` fields. `photo-url-1280` is the URL and the smaller
//!   sizes are alternates. `width` and `height` give the size of the
//!   upload. That is the size of the URL only when the URL's size bucket is
//!   at least that wide, because Tumblr does not enlarge images: for a
//!   250-pixel upload, `photo-url-1280` names the `_250` file itself.
//! - the players `video-player` (else `video-source`), `audio-player` and
//!   `audio-embed`: `<video>`, `<audio>` and `<source>` files, the file
//!   that an `audio_file` query parameter names, or when there is no file,
//!   the player frame as an embed.
//! - the HTML fields (`regular-body`, captions, quotes, questions, answers,
//!   link descriptions): `<img>`, `<video>` and `<audio>` as
//!   `html_media` reads them, and third-party frames as embeds.

use serde_json::Value;

use crate::html::{Tag, plain_text};
use crate::html_media::{frame_src, media_in_html_with};
use crate::json::{array_at, i64_at, id_at, str_at, u32_at};
use crate::media::{Alternate, Dimensions, Media, MediaKind, MediaList, alternate};
use crate::post::{Post, ReblogSource};
use crate::text::{SUMMARY_MAX_CHARS, truncate_chars};
use crate::tumblr_url::{absolute_url, audio_file_url, kind_from_url, rendition_width};

/// Largest `num` that `/api/read/json` accepts.
pub const MAX_PAGE_SIZE: u32 = 50;

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
const HTML_FIELDS: [&str; 9] = [
    "regular-body",
    "photo-caption",
    "link-description",
    "quote-text",
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

/// Returns the JSON object inside `var tumblr_api_read = {…};`, or `None`
/// when the body has another shape. Whitespace around the parts and a
/// missing `;` are accepted, and so is a body of bare JSON. The object
/// must have a `posts` array.
pub fn read_body(body: &[u8]) -> Option<Value> {
    read_page(body).map(|(page, _)| page)
}

/// Reads the body like `read_body`, and returns with it the exact text of
/// each element of the `posts` array.
pub fn read_page(body: &[u8]) -> Option<(Value, Vec<&str>)> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json = match text.strip_prefix("var tumblr_api_read") {
        Some(rest) => rest.trim_start().strip_prefix('=')?,
        None => text,
    };
    let json = json.trim().trim_end_matches(';').trim_end();
    let value: Value = serde_json::from_str(json).ok()?;
    value.get("posts")?.as_array()?;
    let posts = crate::json_span::array_elements(json, &["posts"])?;
    Some((value, posts))
}

/// Returns the `start` of the page after one that began at `start` and
/// returned `returned` posts, or `None` when the crawl is over: the page
/// was empty, or the next start reaches `total` (`posts-total`).
pub fn next_start(start: u64, returned: usize, total: Option<u64>) -> Option<u64> {
    let returned = u64::try_from(returned).unwrap_or(u64::MAX);
    let next = start.saturating_add(returned);
    let finished = returned == 0 || total.is_some_and(|total| next >= total);
    (!finished).then_some(next)
}

/// Parses one post of the `posts` array of blog `blog`, a blog name or a
/// custom domain. Returns `None` when the post has no decimal `id`,
/// because the host keys posts by id.
pub fn parse_post(post: &Value, blog: &str) -> Option<Post> {
    let id = id_at(post, "id")?;
    let url = str_at(post, "url-with-slug")
        .or_else(|| str_at(post, "url"))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{}/post/{id}", site_url(blog)));
    let tags = array_at(post, "tags")
        .iter()
        .filter_map(|tag| match tag {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
        .filter(|tag| !tag.is_empty())
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
        media: post_media(post),
    })
}

/// Returns the front page of `blog`: `https://{name}.tumblr.com` for a blog
/// name, `https://{domain}` for a custom domain (names have no dot).
pub fn site_url(blog: &str) -> String {
    if blog.contains('.') {
        format!("https://{blog}")
    } else {
        format!("https://{blog}.tumblr.com")
    }
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
/// `reblogged-root-*` fields, when the post carries them. A post that
/// names only its root counts as reblogged from the root.
fn reblog_source(post: &Value) -> Option<ReblogSource> {
    let owned = |key: &str| str_at(post, key).map(str::to_owned);
    let root_blog = owned("reblogged-root-name");
    let root_url = owned("reblogged-root-url");
    let (from_blog, from_url) = match owned("reblogged-from-name") {
        Some(name) => (name, owned("reblogged-from-url")),
        None => (root_blog.clone()?, root_url.clone()),
    };
    Some(ReblogSource {
        from_blog,
        from_url,
        root_blog,
        root_url,
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
    let video_found = str_at(post, "video-player").is_some_and(|html| player(html, &mut list));
    if !video_found && let Some(source) = str_at(post, "video-source") {
        player(source, &mut list);
    }
    for field in ["audio-player", "audio-embed"] {
        if let Some(html) = str_at(post, field) {
            player(html, &mut list);
        }
    }
    for field in HTML_FIELDS {
        if let Some(html) = str_at(post, field) {
            html_media(html, &mut list, true);
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

/// Adds the media of a player field: its files, or the player frame as an
/// embed when it names no file. A field that is a bare URL (as
/// `video-source` may be) is a video file when its extension says so, else
/// an embed. Returns whether the field gave any media.
fn player(html: &str, out: &mut MediaList) -> bool {
    if !html.contains('<') {
        let Some(url) = absolute_url(html) else {
            return false;
        };
        let kind = match kind_from_url(&url) {
            MediaKind::Video => MediaKind::Video,
            _ => MediaKind::Embed,
        };
        out.push(Media::new(&url, kind));
        return true;
    }
    let mut files = MediaList::default();
    html_media(html, &mut files, false);
    let files = files.into_vec();
    let has_file = files
        .iter()
        .any(|item| matches!(item.kind, MediaKind::Video | MediaKind::Audio));
    let mut found = !files.is_empty();
    if !has_file && let Some(url) = frame_src(html) {
        out.push(Media::new(&url, MediaKind::Embed));
        found = true;
    }
    for item in files {
        out.push(item);
    }
    found
}

/// Adds the media of an HTML fragment: what `media_in_html_with` finds,
/// the audio files that `audio_file` parameters of player tags name, and
/// when `with_frames` is set, each `<iframe>` and `<embed>` without such a
/// file as an embed.
fn html_media(html: &str, out: &mut MediaList, with_frames: bool) {
    media_in_html_with(html, None, out, |tag, out| {
        if let Some(url) = player_audio_file(tag) {
            out.push(Media::new(&url, MediaKind::Audio));
        } else if with_frames
            && matches!(tag.name.as_str(), "iframe" | "embed")
            && let Some(src) = tag.attribute("src")
        {
            out.push(Media::new(src, MediaKind::Embed));
        }
    });
}

/// Returns the audio file named by an `audio_file` parameter in the `src`,
/// `data`, `value` or `flashvars` attribute of a player tag.
fn player_audio_file(tag: &Tag) -> Option<String> {
    if !matches!(tag.name.as_str(), "iframe" | "embed" | "object" | "param") {
        return None;
    }
    ["src", "data", "value", "flashvars"]
        .iter()
        .filter_map(|name| tag.attribute(name))
        .find_map(audio_file_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn urls_and_kinds(post: &Value) -> Vec<(String, MediaKind)> {
        post_media(post)
            .into_iter()
            .map(|item| (item.url, item.kind))
            .collect()
    }

    #[test]
    fn read_body_wrapper_forms() {
        let wrapped = b"var tumblr_api_read = {\"posts\": []};\n";
        assert!(read_body(wrapped).is_some());
        assert!(read_body(b"var tumblr_api_read={\"posts\":[]}").is_some());
        assert!(read_body(b"\n var tumblr_api_read\n=\n{\"posts\": []} ;\n").is_some());
        assert!(read_body(b"{\"posts\": []}").is_some());
        assert!(read_body(b"var tumblr_api_read = {\"tumblelog\": {}};").is_none());
        assert!(read_body(b"var other = {\"posts\": []};").is_none());
        assert!(read_body(b"var tumblr_api_read = {\"posts\": [").is_none());
        assert!(read_body(b"<html>").is_none());
        assert!(read_body(&[0xff, 0xfe]).is_none());
    }

    #[test]
    fn next_start_cases() {
        assert_eq!(next_start(0, 50, Some(120)), Some(50));
        assert_eq!(next_start(100, 20, Some(120)), None);
        assert_eq!(next_start(100, 0, None), None);
        assert_eq!(next_start(10, 2, None), Some(12));
    }

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
            "video-player": "<video poster='https://64.media.tumblr.com/tumblr_v_frame1.jpg'><source src=\"https://va.media.tumblr.com/tumblr_v.mp4\" type=\"video/mp4\"></video>",
            "video-source": "https://va.media.tumblr.com/tumblr_other.mp4"
        });
        assert_eq!(
            urls_and_kinds(&post),
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
        assert_eq!(
            urls_and_kinds(&post),
            [(
                "https://www.youtube.com/embed/abc".to_owned(),
                MediaKind::Embed
            )]
        );
    }

    #[test]
    fn video_source_when_no_player() {
        let post = json!({"type": "video", "video-source": "https://vimeo.com/123"});
        assert_eq!(
            urls_and_kinds(&post),
            [("https://vimeo.com/123".to_owned(), MediaKind::Embed)]
        );
        let post = json!({"type": "video", "video-source": " https://vt.tumblr.com/tumblr_x.mp4 "});
        assert_eq!(
            urls_and_kinds(&post),
            [(
                "https://vt.tumblr.com/tumblr_x.mp4".to_owned(),
                MediaKind::Video
            )]
        );
    }

    #[test]
    fn audio_player_and_embed_merge() {
        let file = "https://www.tumblr.com/audio_file/example-blog/7/tumblr_a1";
        let post = json!({
            "type": "audio",
            "audio-player": "<embed type=\"application/x-shockwave-flash\" src=\"https://assets.tumblr.com/swf/audio_player.swf?audio_file=https%3A%2F%2Fwww.tumblr.com%2Faudio_file%2Fexample-blog%2F7%2Ftumblr_a1&amp;color=FFFFFF\" height=\"27\" width=\"207\">",
            "audio-embed": "<iframe class=\"tumblr_audio_player\" src=\"https://example-blog.tumblr.com/post/7/audio_player_iframe/example-blog/tumblr_a1?audio_file=https%3A%2F%2Fwww.tumblr.com%2Faudio_file%2Fexample-blog%2F7%2Ftumblr_a1\" frameborder=\"0\"></iframe>",
            "audio-caption": "<p>Caption <img src=\"https://64.media.tumblr.com/tumblr_inline_c_500.jpg\"></p>"
        });
        assert_eq!(
            urls_and_kinds(&post),
            [
                (file.to_owned(), MediaKind::Audio),
                (
                    "https://64.media.tumblr.com/tumblr_inline_c_500.jpg".to_owned(),
                    MediaKind::Image
                ),
            ]
        );
    }

    #[test]
    fn audio_third_party_embed() {
        let post = json!({
            "type": "audio",
            "audio-player": "<iframe src=\"https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F1\"></iframe>"
        });
        assert_eq!(
            urls_and_kinds(&post),
            [(
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F1"
                    .to_owned(),
                MediaKind::Embed
            )]
        );
    }

    #[test]
    fn html_fields_images_and_frames() {
        let post = json!({
            "type": "answer",
            "question": "<p>Q <img src=\"https://64.media.tumblr.com/tumblr_q_400.png\"></p>",
            "answer": "<p><iframe src=\"https://www.youtube.com/embed/xyz\"></iframe><img src=\"https://64.media.tumblr.com/tumblr_inline_a_500.gif\"></p>",
            "quote-text": "<img src=\"https://example.com/quote.jpg\">"
        });
        let expected = [
            ("https://example.com/quote.jpg", MediaKind::Image),
            (
                "https://64.media.tumblr.com/tumblr_q_400.png",
                MediaKind::Image,
            ),
            ("https://www.youtube.com/embed/xyz", MediaKind::Embed),
            (
                "https://64.media.tumblr.com/tumblr_inline_a_500.gif",
                MediaKind::Gif,
            ),
        ];
        let expected: Vec<(String, MediaKind)> = expected
            .into_iter()
            .map(|(url, kind)| (url.to_owned(), kind))
            .collect();
        assert_eq!(urls_and_kinds(&post), expected);
    }

    #[test]
    fn regular_body_images_and_reblog() {
        let post = json!({
            "id": 5, "type": "regular", "unix-timestamp": 10,
            "regular-title": "Title",
            "regular-body": "<p>x</p><img src=\"https://64.media.tumblr.com/tumblr_inline_a_500.gif\"><img src=\"https://64.media.tumblr.com/avatar_b_64.png\">",
            "reblogged-from-name": "parent-blog",
            "reblogged-root-name": "root-blog",
            "tags": ["a", 2015, ""]
        });
        let Some(parsed) = parse_post(&post, "example-blog") else {
            panic!("post without id");
        };
        assert_eq!(parsed.id, "5");
        assert_eq!(parsed.post_type, "text");
        assert_eq!(parsed.summary, "Title");
        assert_eq!(parsed.url, "https://example-blog.tumblr.com/post/5");
        assert_eq!(parsed.tags, ["a", "2015"]);
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

    #[test]
    fn parse_post_custom_domain_permalink() {
        let post = json!({"id": "9", "type": "quote", "reblogged-root-name": "root-blog"});
        let parsed = parse_post(&post, "www.example.com");
        let url = parsed.as_ref().map(|post| post.url.as_str());
        assert_eq!(url, Some("https://www.example.com/post/9"));
        let from = parsed.and_then(|post| post.reblog).map(|r| r.from_blog);
        assert_eq!(from.as_deref(), Some("root-blog"));
    }
}
