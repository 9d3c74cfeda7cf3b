//! Media of posts in the Neue Post Format (NPF): `content` blocks and the
//! blocks of every `trail` entry.
//!
//! Rules per block type:
//! - `image`: the widest `media` entry is the URL, the others are
//!   alternates. It is a GIF when that entry has type `image/gif` or a
//!   `.gif`/`.gifv` URL. The block's `poster` (a still frame of a GIF) is
//!   not media of its own.
//! - `video` and `audio`: a file on a Tumblr host (`media.url`, else `url`)
//!   is a video or audio item. Otherwise the block is a third-party player
//!   and becomes an embed of its `url` (else `embed_url`, else
//!   `embed_iframe.url`).
//! - `video`, `audio` and `link`: the widest `poster` is an image item
//!   after the block's own item. Tumblr hosts these thumbnails itself, so
//!   they are the only copy an archive gets of an embed's picture.
//!
//! Layouts (`rows`, `ask`) only arrange blocks, so every block of `content`
//! is read whatever layout holds it.

use serde_json::Value;

use plugin_sdk::json::{array_at, dimensions_at, str_at};
use plugin_sdk::media::{Alternate, Dimensions, Media, MediaKind, MediaList, alternate};
use plugin_sdk::tumblr_url::{is_tumblr_url, kind_from_url};

/// One entry of an NPF media array.
struct MediaObject<'a> {
    url: &'a str,
    mime: Option<&'a str>,
    size: Option<Dimensions>,
}

fn media_object(value: &Value) -> Option<MediaObject<'_>> {
    Some(MediaObject {
        url: str_at(value, "url")?,
        mime: str_at(value, "type"),
        size: dimensions_at(value, "width", "height"),
    })
}

/// Returns the media objects of `value`, which NPF gives as an array for
/// images and posters and as a single object for video and audio.
fn media_objects(value: Option<&Value>) -> Vec<MediaObject<'_>> {
    match value {
        Some(Value::Array(entries)) => entries.iter().filter_map(media_object).collect(),
        Some(object @ Value::Object(_)) => media_object(object).into_iter().collect(),
        _ => Vec::new(),
    }
}

fn width_of(object: &MediaObject<'_>) -> u32 {
    object.size.map_or(0, |size| size.width)
}

/// Removes and returns the widest object. The first wins a tie.
fn take_widest<'a>(objects: &mut Vec<MediaObject<'a>>) -> Option<MediaObject<'a>> {
    let mut best: Option<(usize, u32)> = None;
    for (index, object) in objects.iter().enumerate() {
        let width = width_of(object);
        if best.is_none_or(|(_, best_width)| width > best_width) {
            best = Some((index, width));
        }
    }
    best.map(|(index, _)| objects.remove(index))
}

/// Returns the media of an NPF post: the blocks of each `trail` entry in
/// order (oldest first, as Tumblr shows them), then the post's own
/// `content`. Trail media carry the trail entry's blog name.
pub fn post_media(post: &Value) -> Vec<Media> {
    let mut list = MediaList::default();
    for entry in array_at(post, "trail") {
        let blog = trail_blog_name(entry);
        for block in array_at(entry, "content") {
            block_media(block, blog, &mut list);
        }
    }
    for block in array_at(post, "content") {
        block_media(block, None, &mut list);
    }
    list.into_vec()
}

/// Returns the blog name of a trail entry: `blog.name`, or
/// `broken_blog_name` when the blog no longer exists.
pub fn trail_blog_name(entry: &Value) -> Option<&str> {
    entry
        .get("blog")
        .and_then(|blog| str_at(blog, "name"))
        .or_else(|| str_at(entry, "broken_blog_name"))
}

/// Adds the media of one NPF block to `out`, following the rules in the
/// module documentation.
pub fn block_media(block: &Value, trail_blog: Option<&str>, out: &mut MediaList) {
    let trail_blog = trail_blog.map(str::to_owned);
    match str_at(block, "type") {
        Some("image") => image_block(block, trail_blog, out),
        Some("video") => player_block(block, MediaKind::Video, trail_blog, out),
        Some("audio") => player_block(block, MediaKind::Audio, trail_blog, out),
        Some("link") => poster(block, trail_blog, out),
        _ => {}
    }
}

fn image_block(block: &Value, trail_blog: Option<String>, out: &mut MediaList) {
    let mut objects = media_objects(block.get("media"));
    let Some(widest) = take_widest(&mut objects) else {
        return;
    };
    let kind = if widest.mime == Some("image/gif") {
        MediaKind::Gif
    } else {
        kind_from_url(widest.url)
    };
    out.push(Media {
        url: widest.url.to_owned(),
        kind,
        size: widest.size,
        alternates: alternates_of(&objects),
        trail_blog,
    });
}

fn alternates_of(objects: &[MediaObject<'_>]) -> Vec<Alternate> {
    objects
        .iter()
        .map(|object| alternate(object.url, object.size))
        .collect()
}

fn player_block(block: &Value, kind: MediaKind, trail_blog: Option<String>, out: &mut MediaList) {
    let mut objects = media_objects(block.get("media"));
    let file = take_widest(&mut objects).filter(|object| is_tumblr_url(object.url));
    let block_url = str_at(block, "url");
    if let Some(file) = file {
        let mut alternates = alternates_of(&objects);
        if let Some(url) = block_url.filter(|url| *url != file.url && is_tumblr_url(url)) {
            alternates.push(alternate(url, None));
        }
        out.push(Media {
            url: file.url.to_owned(),
            kind,
            size: file.size,
            alternates,
            trail_blog: trail_blog.clone(),
        });
    } else if let Some(url) = block_url.filter(|url| is_tumblr_url(url)) {
        out.push(Media {
            url: url.to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: trail_blog.clone(),
        });
    } else if let Some(url) = block_url
        .or_else(|| str_at(block, "embed_url"))
        .or_else(|| {
            block
                .get("embed_iframe")
                .and_then(|iframe| str_at(iframe, "url"))
        })
    {
        out.push(Media {
            url: url.to_owned(),
            kind: MediaKind::Embed,
            size: None,
            alternates: Vec::new(),
            trail_blog: trail_blog.clone(),
        });
    }
    poster(block, trail_blog, out);
}

/// Adds the widest `poster` of a block as an image, keeping the others as
/// alternates.
fn poster(block: &Value, trail_blog: Option<String>, out: &mut MediaList) {
    let mut objects = media_objects(block.get("poster"));
    let Some(widest) = take_widest(&mut objects) else {
        return;
    };
    out.push(Media {
        url: widest.url.to_owned(),
        kind: kind_from_url(widest.url),
        size: widest.size,
        alternates: alternates_of(&objects),
        trail_blog,
    });
}

/// Returns the text of the `text` blocks of `blocks`, joined by spaces.
pub fn blocks_text(blocks: &[Value]) -> String {
    let texts: Vec<&str> = blocks
        .iter()
        .filter(|block| str_at(block, "type") == Some("text"))
        .filter_map(|block| str_at(block, "text"))
        .collect();
    texts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn media_of(block: Value) -> Vec<Media> {
        let mut list = MediaList::default();
        block_media(&block, Some("trail-blog"), &mut list);
        list.into_vec()
    }

    #[test]
    fn image_block_widest_and_gif() {
        let items = media_of(json!({
            "type": "image",
            "media": [
                {"url": "https://x.test/small.gif", "type": "image/gif", "width": 100, "height": 50},
                {"url": "https://x.test/big.gif", "type": "image/gif", "width": 400, "height": 200,
                 "poster": {"url": "https://x.test/still.gif", "width": 400, "height": 200}}
            ]
        }));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].url, "https://x.test/big.gif");
        assert_eq!(items[0].kind, MediaKind::Gif);
        assert_eq!(
            items[0].size,
            Some(Dimensions {
                width: 400,
                height: 200
            })
        );
        assert_eq!(items[0].alternates.len(), 1);
        assert_eq!(items[0].alternates[0].url, "https://x.test/small.gif");
        assert_eq!(items[0].trail_blog.as_deref(), Some("trail-blog"));
    }

    #[test]
    fn video_block_without_media_is_embed() {
        let items =
            media_of(json!({"type": "video", "provider": "vimeo", "url": "https://vimeo.com/1"}));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, MediaKind::Embed);
        assert_eq!(items[0].url, "https://vimeo.com/1");
    }

    #[test]
    fn audio_block_embed_url_fallback() {
        let items = media_of(json!({
            "type": "audio", "provider": "spotify",
            "embed_url": "https://open.spotify.com/embed/track/1",
            "media": {"url": "https://p.scdn.test/preview.mp3"}
        }));
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, MediaKind::Embed);
        assert_eq!(items[0].url, "https://open.spotify.com/embed/track/1");
    }

    #[test]
    fn audio_block_native_from_url() {
        let items = media_of(
            json!({"type": "audio", "provider": "tumblr", "url": "https://a.tumblr.com/tumblr_abco1.mp3"}),
        );
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, MediaKind::Audio);
    }

    #[test]
    fn text_and_poll_blocks_have_no_media() {
        assert!(media_of(json!({"type": "text", "text": "https://x.test/a.jpg"})).is_empty());
        assert!(media_of(json!({"type": "poll", "question": "q"})).is_empty());
        assert!(media_of(json!({"type": "link", "url": "https://x.test/"})).is_empty());
    }

    #[test]
    fn blocks_text_joins_text_blocks() {
        let blocks = vec![
            json!({"type": "text", "text": "one"}),
            json!({"type": "image", "media": []}),
            json!({"type": "text", "text": "two"}),
        ];
        assert_eq!(blocks_text(&blocks), "one two");
    }
}
