//! Media of posts in the legacy format: the typed fields (`photos`,
//! `link_image`, `video_url`, `thumbnail_url`, `audio_url`, players) and the
//! media inside the HTML fields.
//!
//! A post's media are read in this order: the typed fields (which Tumblr
//! shows first), then the HTML of each `trail` entry (oldest first), then
//! the post's own HTML fields. Trail entries come before the own fields
//! because a reblog's `body`, `caption` and `reblog.tree_html` repeat the
//! trail's HTML, and the first occurrence of a media item decides its trail
//! blog.

use serde_json::Value;

use plugin_sdk::html_media::{frame_src, media_in_html_with};
use plugin_sdk::json::{array_at, dimensions_at, str_at};
use plugin_sdk::media::{Dimensions, Media, MediaKind, MediaList, alternate};
use plugin_sdk::tumblr_url::{is_tumblr_url, kind_from_url};

use crate::npf;

/// Post fields that hold HTML, in the order they are read.
const HTML_FIELDS: &[&str] = &[
    "body",
    "caption",
    "description",
    "question",
    "answer",
    "text",
    "source",
];

/// Returns the media of a legacy post, in the order described in the
/// module documentation. Media of a trail entry marked `is_current_item`
/// (the post's own contribution) have no trail blog.
pub fn post_media(post: &Value) -> Vec<Media> {
    let mut list = MediaList::default();
    photos(post, &mut list);
    link_image(post, &mut list);
    video(post, &mut list);
    audio(post, &mut list);
    for entry in array_at(post, "trail") {
        let is_own = entry.get("is_current_item").and_then(Value::as_bool) == Some(true);
        let blog = if is_own {
            None
        } else {
            npf::trail_blog_name(entry)
        };
        for field in ["content_raw", "content"] {
            if let Some(html) = str_at(entry, field) {
                html_media(html, blog, &mut list);
            }
        }
    }
    for field in HTML_FIELDS {
        if let Some(html) = str_at(post, field) {
            html_media(html, None, &mut list);
        }
    }
    if let Some(reblog) = post.get("reblog") {
        for field in ["comment", "tree_html"] {
            if let Some(html) = str_at(reblog, field) {
                html_media(html, None, &mut list);
            }
        }
    }
    list.into_vec()
}

/// Adds each entry of `photos`: `original_size` is the URL, `alt_sizes`
/// are the alternates.
fn photos(post: &Value, out: &mut MediaList) {
    for photo in array_at(post, "photos") {
        let Some(original) = photo.get("original_size") else {
            continue;
        };
        let Some(url) = str_at(original, "url") else {
            continue;
        };
        let alternates = array_at(photo, "alt_sizes")
            .iter()
            .filter_map(|size| {
                let url = str_at(size, "url")?;
                Some(alternate(url, dimensions_at(size, "width", "height")))
            })
            .collect();
        out.push(Media {
            url: url.to_owned(),
            kind: kind_from_url(url),
            size: dimensions_at(original, "width", "height"),
            alternates,
            trail_blog: None,
        });
    }
}

/// Adds the Open Graph image of a link post.
fn link_image(post: &Value, out: &mut MediaList) {
    let Some(url) = str_at(post, "link_image") else {
        return;
    };
    let size = post
        .get("link_image_dimensions")
        .and_then(|dimensions| dimensions_at(dimensions, "width", "height"));
    out.push(item(url, kind_from_url(url), size));
}

fn item(url: &str, kind: MediaKind, size: Option<Dimensions>) -> Media {
    Media {
        size,
        ..Media::new(url, kind)
    }
}

/// Adds `video_url` as a video, or for a third-party `video_type` without
/// one, an embed of `permalink_url` or of the player's frame. Then adds
/// `thumbnail_url` as an image.
fn video(post: &Value, out: &mut MediaList) {
    if let Some(url) = str_at(post, "video_url") {
        out.push(item(
            url,
            MediaKind::Video,
            dimensions_at(post, "width", "height"),
        ));
    } else if str_at(post, "video_type").is_some_and(|kind| kind != "tumblr") {
        let players = player_html(post.get("player"));
        let embed = str_at(post, "permalink_url")
            .map(str::to_owned)
            .or_else(|| players.iter().rev().find_map(|html| frame_src(html)));
        if let Some(url) = embed {
            out.push(item(&url, MediaKind::Embed, None));
        }
    }
    if let Some(url) = str_at(post, "thumbnail_url") {
        let size = dimensions_at(post, "thumbnail_width", "thumbnail_height");
        out.push(item(url, kind_from_url(url), size));
    }
}

/// Adds `audio_url`: an audio file when it is on a Tumblr host, an embed
/// otherwise. For a third-party `audio_type` without `audio_url`, adds an
/// embed of `permalink_url`, `audio_source_url`, or the frame of `embed` or
/// `player`.
fn audio(post: &Value, out: &mut MediaList) {
    if let Some(url) = str_at(post, "audio_url") {
        let kind = if is_tumblr_url(url) {
            MediaKind::Audio
        } else {
            MediaKind::Embed
        };
        out.push(item(url, kind, None));
        return;
    }
    if str_at(post, "audio_type").is_none_or(|kind| kind == "tumblr") {
        return;
    }
    let embed = str_at(post, "permalink_url")
        .or_else(|| str_at(post, "audio_source_url"))
        .map(str::to_owned)
        .or_else(|| str_at(post, "embed").and_then(frame_src))
        .or_else(|| {
            player_html(post.get("player"))
                .into_iter()
                .find_map(frame_src)
        });
    if let Some(url) = embed {
        out.push(item(&url, MediaKind::Embed, None));
    }
}

/// Returns the HTML of a `player` field: a string (audio posts) or an
/// array of `{width, embed_code}` (video posts).
fn player_html(player: Option<&Value>) -> Vec<&str> {
    match player {
        Some(Value::String(html)) => vec![html.as_str()],
        Some(Value::Array(entries)) => entries
            .iter()
            .filter_map(|entry| str_at(entry, "embed_code"))
            .collect(),
        _ => Vec::new(),
    }
}

/// Adds the media inside an HTML fragment to `out`, as
/// `plugin_sdk::html_media::media_in_html_with` describes, and the NPF
/// block of each `<figure data-npf='{…}'>`, read by `npf::block_media`.
/// Every item carries `trail_blog`.
pub fn html_media(html: &str, trail_blog: Option<&str>, out: &mut MediaList) {
    media_in_html_with(html, trail_blog, out, |tag, out| {
        if tag.name != "figure" {
            return;
        }
        let block = tag
            .attribute("data-npf")
            .and_then(|json| serde_json::from_str::<Value>(json).ok());
        if let Some(block) = block {
            npf::block_media(&block, trail_blog, out);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn from_html(html: &str) -> Vec<Media> {
        let mut list = MediaList::default();
        html_media(html, Some("blog-x"), &mut list);
        list.into_vec()
    }

    #[test]
    fn html_media_figure_data_npf() {
        let items = from_html(
            r#"<figure data-npf="{&quot;type&quot;:&quot;video&quot;,&quot;provider&quot;:&quot;youtube&quot;,&quot;url&quot;:&quot;https://www.youtube.com/watch?v=1&amp;t=2&quot;}"></figure>"#,
        );
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, MediaKind::Embed);
        assert_eq!(items[0].url, "https://www.youtube.com/watch?v=1&t=2");
        assert_eq!(items[0].trail_blog.as_deref(), Some("blog-x"));
    }

    #[test]
    fn post_media_third_party_video_and_audio() {
        let post = json!({
            "type": "video", "video_type": "youtube",
            "player": [{"width": 250, "embed_code": "<iframe src=\"https://www.youtube.com/embed/a\"></iframe>"}],
            "thumbnail_url": "https://i.ytimg.test/a.jpg", "thumbnail_width": 480, "thumbnail_height": 360
        });
        let items = post_media(&post);
        let got: Vec<(&str, MediaKind)> = items.iter().map(|m| (m.url.as_str(), m.kind)).collect();
        assert_eq!(
            got,
            [
                ("https://www.youtube.com/embed/a", MediaKind::Embed),
                ("https://i.ytimg.test/a.jpg", MediaKind::Image)
            ]
        );

        let post = json!({"type": "audio", "audio_type": "spotify", "audio_url": "https://open.spotify.test/t/1"});
        let items = post_media(&post);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, MediaKind::Embed);

        let post = json!({"type": "audio", "audio_type": "soundcloud",
            "embed": "<iframe src=\"https://w.soundcloud.test/player/?url=x\"></iframe>"});
        let items = post_media(&post);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].url, "https://w.soundcloud.test/player/?url=x");
        assert_eq!(items[0].kind, MediaKind::Embed);
    }

    #[test]
    fn post_media_trail_blog_except_current() {
        let post = json!({
            "type": "text",
            "trail": [
                {"blog": {"name": "root-blog"}, "content": "<img src=\"https://x.test/r.jpg\">", "is_root_item": true},
                {"blog": {"name": "me"}, "content": "<img src=\"https://x.test/m.jpg\">", "is_current_item": true}
            ],
            "body": "<img src=\"https://x.test/r.jpg\"><img src=\"https://x.test/m.jpg\"><img src=\"https://x.test/b.jpg\">"
        });
        let items = post_media(&post);
        let got: Vec<(&str, Option<&str>)> = items
            .iter()
            .map(|m| (m.url.as_str(), m.trail_blog.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("https://x.test/r.jpg", Some("root-blog")),
                ("https://x.test/m.jpg", None),
                ("https://x.test/b.jpg", None)
            ]
        );
    }

    #[test]
    fn photos_original_size_is_url() {
        let post = json!({"photos": [{"original_size": {"url": "https://x.test/a_1280.jpg", "width": 1280, "height": 2}}]});
        let items = post_media(&post);
        assert_eq!(
            items[0].size,
            Some(Dimensions {
                width: 1280,
                height: 2
            })
        );
    }
}
