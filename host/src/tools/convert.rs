//! Converts posts between the plugin interface's records and JSON, the
//! form `plugin test` prints and reads.

use serde_json::{Value, json};

use crate::crawl::kind_name;
use crate::plugin::types::{Alternate, BlogInfo, Dimensions, Media, MediaKind, Post, ReblogSource};

pub fn post_to_json(post: &Post) -> Value {
    json!({
        "id": post.id,
        "url": post.url,
        "blog": post.blog,
        "timestamp": post.timestamp,
        "type": post.post_type,
        "tags": post.tags,
        "reblog": post.reblog.as_ref().map(|source| json!({
            "from_blog": source.from_blog,
            "from_url": source.from_url,
            "root_blog": source.root_blog,
            "root_url": source.root_url,
        })),
        "summary": post.summary,
        "media": post.media.iter().map(media_to_json).collect::<Vec<_>>(),
    })
}

fn media_to_json(media: &Media) -> Value {
    json!({
        "url": media.url,
        "kind": kind_name(media.kind),
        "width": media.size.map(|size| size.width),
        "height": media.size.map(|size| size.height),
        "alternates": media.alternates.iter().map(|alternate| json!({
            "url": alternate.url,
            "width": alternate.size.map(|size| size.width),
            "height": alternate.size.map(|size| size.height),
        })).collect::<Vec<_>>(),
        "trail_blog": media.trail_blog,
    })
}

pub fn blog_to_json(blog: &BlogInfo) -> Value {
    json!({
        "name": blog.name,
        "title": blog.title,
        "url": blog.url,
        "total_posts": blog.total_posts,
        "updated": blog.updated,
    })
}

/// Reads a post in the form `post_to_json` writes. Missing fields take
/// empty values; a wrong type is an error naming the field.
pub fn post_from_json(value: &Value) -> Result<Post, String> {
    let media = value
        .get("media")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(Post {
        id: text(value, "id")?,
        url: text(value, "url")?,
        blog: text(value, "blog")?,
        timestamp: value.get("timestamp").and_then(Value::as_i64).unwrap_or(0),
        post_type: text(value, "type")?,
        tags: value
            .get("tags")
            .and_then(Value::as_array)
            .map(|tags| {
                tags.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        reblog: match value.get("reblog") {
            Some(reblog) if reblog.is_object() => Some(ReblogSource {
                from_blog: text(reblog, "from_blog")?,
                from_url: optional_text(reblog, "from_url"),
                root_blog: optional_text(reblog, "root_blog"),
                root_url: optional_text(reblog, "root_url"),
            }),
            _ => None,
        },
        summary: text(value, "summary")?,
        media: media
            .iter()
            .map(media_from_json)
            .collect::<Result<_, _>>()?,
    })
}

fn media_from_json(value: &Value) -> Result<Media, String> {
    let kind = match value.get("kind").and_then(Value::as_str).unwrap_or("image") {
        "image" => MediaKind::Image,
        "gif" => MediaKind::Gif,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "embed" => MediaKind::Embed,
        other => {
            return Err(format!(
                "unknown media kind {other:?}; expected image, gif, video, audio or embed"
            ));
        }
    };
    let alternates = value
        .get("alternates")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(Media {
        url: text(value, "url")?,
        kind,
        size: dimensions(value),
        alternates: alternates
            .iter()
            .map(|alternate| {
                Ok(Alternate {
                    url: text(alternate, "url")?,
                    size: dimensions(alternate),
                })
            })
            .collect::<Result<_, String>>()?,
        trail_blog: optional_text(value, "trail_blog"),
    })
}

fn dimensions(value: &Value) -> Option<Dimensions> {
    let width = u32::try_from(value.get("width")?.as_u64()?).ok()?;
    let height = u32::try_from(value.get("height")?.as_u64()?).ok()?;
    Some(Dimensions { width, height })
}

fn text(value: &Value, field: &str) -> Result<String, String> {
    match value.get(field) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) => Ok(number.to_string()),
        Some(other) => Err(format!("field {field:?} must be a string, not {other}")),
    }
}

fn optional_text(value: &Value, field: &str) -> Option<String> {
    value.get(field).and_then(Value::as_str).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_roundtrip() {
        let post = Post {
            id: "1".into(),
            url: "https://b.tumblr.com/post/1".into(),
            blog: "b".into(),
            timestamp: 1_500_000_000,
            post_type: "photo".into(),
            tags: vec!["a".into()],
            reblog: Some(ReblogSource {
                from_blog: "c".into(),
                from_url: None,
                root_blog: Some("d".into()),
                root_url: None,
            }),
            summary: "text".into(),
            media: vec![Media {
                url: "https://64.media.tumblr.com/x.jpg".into(),
                kind: MediaKind::Gif,
                size: Some(Dimensions {
                    width: 10,
                    height: 20,
                }),
                alternates: vec![Alternate {
                    url: "https://64.media.tumblr.com/y.jpg".into(),
                    size: None,
                }],
                trail_blog: Some("d".into()),
            }],
        };
        let json = post_to_json(&post);
        let back = post_from_json(&json).expect("roundtrip");
        assert_eq!(post_to_json(&back), json);
    }

    #[test]
    fn bad_kind_rejected() {
        let value = json!({"id": "1", "media": [{"url": "u", "kind": "hologram"}]});
        assert!(post_from_json(&value).is_err_and(|error| error.contains("hologram")));
    }
}
