//! Tumblr's legacy v1 read API, `GET /api/read/json?start=N&num=M`, built
//! from the same legacy v2 posts that the v2 routes serve, so that the v1
//! scraper can be checked against the v2 one on one blog.
//!
//! Each v2 post becomes a v1 post: photo posts get the `photo-url-{size}`
//! fields of their first photo and, when they carry more than one photo,
//! a `photos` array. Text posts get `regular-title` and `regular-body`.
//! Video posts get `video-source` (the file URL) and a `video-player`
//! that contains the file in a `<video><source>` tag. Quote, link, answer,
//! audio and chat posts keep their text fields under the v1 names. The
//! body is the JavaScript assignment `var tumblr_api_read = {…};`.

use serde_json::{Map, Value, json};

use crate::http::{RequestHead, Response, parse_query};

/// Posts per page when `num` is absent or invalid.
const DEFAULT_NUM: usize = 20;

/// Largest `num` served, as on Tumblr.
const MAX_NUM: usize = 50;

/// Widths that have their own `photo-url-{width}` field besides 1280.
const SMALLER_WIDTHS: [u64; 5] = [500, 400, 250, 100, 75];

/// Builds the v1 page that `head` requests from `posts` of the blog
/// described by `blog`, the `response.blog` object of the v2 blog info.
pub fn read_json(blog: &Value, posts: &[Value], head: &RequestHead) -> Response {
    let query = parse_query(&head.query);
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .and_then(|(_, value)| value.parse::<usize>().ok())
    };
    let start = param("start").unwrap_or(0);
    let num = match param("num") {
        Some(0) | None => DEFAULT_NUM,
        Some(num) => num.min(MAX_NUM),
    };
    let page: Vec<Value> = posts.iter().skip(start).take(num).map(v1_post).collect();
    let body = json!({
        "tumblelog": {
            "title": blog["title"].as_str().unwrap_or_default(),
            "description": blog["description"].as_str().unwrap_or_default(),
            "name": blog["name"].as_str().unwrap_or_default(),
            "timezone": "US/Eastern",
            "cname": false,
            "feeds": [],
        },
        "posts-start": start,
        "posts-total": posts.len(),
        "posts-type": false,
        "posts": page,
    });
    let text = format!("var tumblr_api_read = {body};\n");
    Response::new(200, "text/javascript; charset=utf-8", text.into_bytes())
}

/// Converts one legacy v2 post to the v1 shape.
pub fn v1_post(post: &Value) -> Value {
    let id = match (&post["id_string"], &post["id"]) {
        (Value::String(id), _) => id.clone(),
        (_, id) => id.to_string(),
    };
    let url = post["post_url"].as_str().unwrap_or_default();
    let slug = post["slug"].as_str().unwrap_or_default();
    let v2_type = post["type"].as_str().unwrap_or_default();
    let v1_type = match v2_type {
        "text" => "regular",
        "chat" => "conversation",
        other => other,
    };
    let mut fields = Map::new();
    fields.insert("id".to_string(), json!(id));
    fields.insert("url".to_string(), json!(url));
    fields.insert("url-with-slug".to_string(), json!(format!("{url}/{slug}")));
    fields.insert("type".to_string(), json!(v1_type));
    fields.insert("date-gmt".to_string(), post["date"].clone());
    fields.insert("unix-timestamp".to_string(), post["timestamp"].clone());
    fields.insert("format".to_string(), json!("html"));
    fields.insert("reblog-key".to_string(), post["reblog_key"].clone());
    fields.insert("slug".to_string(), json!(slug));
    fields.insert("tags".to_string(), post["tags"].clone());

    match v2_type {
        "photo" => add_photos(post, &mut fields),
        "video" => add_video(post, &mut fields),
        _ => {}
    }
    let renamed = [
        ("title", "regular-title"),
        ("body", "regular-body"),
        ("text", "quote-text"),
        ("source", "quote-source"),
        ("url", "link-url"),
        ("description", "link-description"),
        ("question", "question"),
        ("answer", "answer"),
        ("player", "audio-player"),
    ];
    for (v2_name, v1_name) in renamed {
        if let Some(value) = post[v2_name].as_str() {
            fields.insert(v1_name.to_string(), json!(value));
        }
    }
    if let Some(caption) = post["caption"].as_str() {
        let field = format!("{v2_type}-caption");
        fields.insert(field, json!(caption));
    }
    Value::Object(fields)
}

/// Adds the `photo-url-{size}` fields of the first photo, and the
/// `photos` array, which Tumblr leaves empty for a single photo.
fn add_photos(post: &Value, fields: &mut Map<String, Value>) {
    let photos = post["photos"].as_array().cloned().unwrap_or_default();
    if let Some(first) = photos.first() {
        fields.extend(photo_fields(first));
    }
    let set: Vec<Value> = if photos.len() > 1 {
        photos
            .iter()
            .enumerate()
            .map(|(index, photo)| {
                let mut entry = photo_fields(photo);
                entry.insert("offset".to_string(), json!(format!("o{}", index + 1)));
                entry.insert("caption".to_string(), photo["caption"].clone());
                Value::Object(entry)
            })
            .collect()
    } else {
        Vec::new()
    };
    fields.insert("photos".to_string(), Value::Array(set));
}

/// Returns `width`, `height` (as strings, like Tumblr) and the
/// `photo-url-{size}` fields of one v2 photo: the original size is
/// `photo-url-1280`, and each alternate size whose width is a v1 size
/// fills that size's field.
fn photo_fields(photo: &Value) -> Map<String, Value> {
    let original = &photo["original_size"];
    let mut fields = Map::new();
    fields.insert("width".to_string(), json!(original["width"].to_string()));
    fields.insert("height".to_string(), json!(original["height"].to_string()));
    fields.insert("photo-url-1280".to_string(), original["url"].clone());
    for size in photo["alt_sizes"].as_array().into_iter().flatten() {
        let Some(width) = size["width"].as_u64() else {
            continue;
        };
        if SMALLER_WIDTHS.contains(&width) {
            fields.insert(format!("photo-url-{width}"), size["url"].clone());
        }
    }
    fields
}

/// Adds `video-source` and a `video-player` containing the file, for a video
/// with a `video_url`.
fn add_video(post: &Value, fields: &mut Map<String, Value>) {
    let Some(url) = post["video_url"].as_str() else {
        return;
    };
    let width = post["width"].as_u64().unwrap_or(400);
    let height = post["height"].as_u64().unwrap_or(225);
    let player = format!(
        "<video width=\"{width}\" height=\"{height}\" controls><source src=\"{}\" \
         type=\"video/mp4\"></video>",
        crate::themed::escape_attribute(url)
    );
    fields.insert("video-source".to_string(), json!(url));
    fields.insert("video-player".to_string(), json!(player));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy_posts::{PhotoSize, photo_post, video_post};

    #[test]
    fn v1_post_photoset() {
        let post = photo_post(
            "blog",
            5,
            100,
            &[
                vec![
                    PhotoSize::new("https://m.test/a_1280.jpg", 1280, 960),
                    PhotoSize::new("https://m.test/a_500.jpg", 500, 375),
                ],
                vec![PhotoSize::new("https://m.test/b_1280.jpg", 1280, 960)],
            ],
        );
        let v1 = v1_post(&post);
        assert_eq!(v1["id"], "5", "id is a string");
        assert_eq!(v1["type"], "photo", "type");
        assert_eq!(v1["unix-timestamp"], 100, "timestamp");
        assert_eq!(
            v1["photo-url-1280"], "https://m.test/a_1280.jpg",
            "first photo at the post level"
        );
        assert_eq!(v1["photo-url-500"], "https://m.test/a_500.jpg", "500 size");
        assert_eq!(v1["width"], "1280", "width as a string");
        assert_eq!(v1["photos"].as_array().map(Vec::len), Some(2), "photoset");
        assert_eq!(v1["photos"][1]["offset"], "o2", "offset of the second");
        assert_eq!(
            v1["photos"][1]["photo-url-1280"], "https://m.test/b_1280.jpg",
            "second photo"
        );
        assert_eq!(v1["photo-caption"], "<p>Post 5</p>", "caption");
    }

    #[test]
    fn v1_post_single_photo() {
        let post = photo_post(
            "blog",
            6,
            0,
            &[vec![PhotoSize::new("https://m.test/c_1280.jpg", 1280, 960)]],
        );
        let v1 = v1_post(&post);
        assert_eq!(
            v1["photos"].as_array().map(Vec::len),
            Some(0),
            "a single photo leaves photos empty"
        );
        assert!(v1.get("photo-url-500").is_none(), "no size not listed");
    }

    #[test]
    fn v1_post_video_and_text() {
        let video = v1_post(&video_post("blog", 7, 0, "https://va.test/v.mp4", 480, 270));
        assert_eq!(video["video-source"], "https://va.test/v.mp4", "source");
        let player = video["video-player"].as_str().expect("player HTML");
        assert!(
            player.contains("<source src=\"https://va.test/v.mp4\""),
            "player holds the file: {player}"
        );

        let text = json!({
            "type": "text", "id": 8, "id_string": "8", "post_url": "https://b.tumblr.com/post/8",
            "slug": "s", "title": "T", "body": "<p><img src=\"https://m.test/i.jpg\"></p>",
        });
        let v1 = v1_post(&text);
        assert_eq!(v1["type"], "regular", "text is regular");
        assert_eq!(v1["regular-title"], "T", "title");
        assert_eq!(
            v1["regular-body"], "<p><img src=\"https://m.test/i.jpg\"></p>",
            "body"
        );
        assert_eq!(
            v1["url-with-slug"], "https://b.tumblr.com/post/8/s",
            "url with slug"
        );
    }
}
