//! Builders of single legacy-format posts with chosen media URLs, for
//! tests that serve their own list of posts through `Config::posts`. They
//! build photo posts with every size of each photo, text posts with an
//! HTML body, and video posts of Tumblr's own player.

use serde_json::{Map, Value, json};

use crate::date::tumblr_date;

/// One size of a photo, as listed in `alt_sizes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhotoSize {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

impl PhotoSize {
    pub fn new(url: &str, width: u32, height: u32) -> Self {
        Self {
            url: url.to_string(),
            width,
            height,
        }
    }

    fn to_json(&self) -> Value {
        json!({"url": self.url, "width": self.width, "height": self.height})
    }
}

/// Builds a photo post on `blog_name` with one entry in `photos` per
/// photo. Each photo lists its sizes largest first: the first is its
/// `original_size`, and all of them are its `alt_sizes`, as Tumblr lists
/// them.
///
/// # Panics
///
/// Panics when a photo has no size.
pub fn photo_post(blog_name: &str, id: u64, timestamp: i64, photos: &[Vec<PhotoSize>]) -> Value {
    let photos: Vec<Value> = photos
        .iter()
        .map(|sizes| {
            let largest = sizes.first().expect("a photo has at least one size");
            json!({
                "caption": "",
                "original_size": largest.to_json(),
                "alt_sizes": sizes.iter().map(PhotoSize::to_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut post = common_fields(blog_name, id, timestamp, "photo");
    post.insert("caption".to_string(), json!(format!("<p>Post {id}</p>")));
    post.insert("photos".to_string(), Value::Array(photos));
    Value::Object(post)
}

/// Builds a video post on `blog_name` whose `video_url` is `video_url`,
/// with `video_type` `tumblr` and the video's pixel size. It has no
/// thumbnail, so the video is its only media.
pub fn video_post(
    blog_name: &str,
    id: u64,
    timestamp: i64,
    video_url: &str,
    width: u32,
    height: u32,
) -> Value {
    let mut post = common_fields(blog_name, id, timestamp, "video");
    post.insert("video_type".to_string(), json!("tumblr"));
    post.insert("video_url".to_string(), json!(video_url));
    post.insert("width".to_string(), json!(width));
    post.insert("height".to_string(), json!(height));
    post.insert("caption".to_string(), json!(format!("<p>Post {id}</p>")));
    Value::Object(post)
}

/// Builds a text post on `blog_name` whose `body` is `body_html`, such as
/// a paragraph containing an inline `<img>`.
pub fn text_post(blog_name: &str, id: u64, timestamp: i64, body_html: &str) -> Value {
    let mut post = common_fields(blog_name, id, timestamp, "text");
    post.insert("title".to_string(), json!(format!("Post {id}")));
    post.insert("body".to_string(), json!(body_html));
    Value::Object(post)
}

/// Returns the fields every legacy post has.
fn common_fields(blog_name: &str, id: u64, timestamp: i64, post_type: &str) -> Map<String, Value> {
    let post = json!({
        "type": post_type,
        "blog_name": blog_name,
        "id": id,
        "id_string": id.to_string(),
        "post_url": format!("https://{blog_name}.tumblr.com/post/{id}"),
        "slug": format!("post-{id}"),
        "date": tumblr_date(timestamp),
        "timestamp": timestamp,
        "state": "published",
        "format": "html",
        "reblog_key": format!("k{id}"),
        "tags": [],
        "short_url": format!("https://tmblr.co/p{id}"),
        "summary": format!("Post {id}"),
        "note_count": 0,
    });
    match post {
        Value::Object(fields) => fields,
        _ => unreachable!("json! of an object literal is an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_post_sizes() {
        let post = photo_post(
            "blog",
            42,
            1_500_000_000,
            &[vec![
                PhotoSize::new("https://x.test/a_500.jpg", 500, 375),
                PhotoSize::new("https://x.test/a_250.jpg", 250, 188),
            ]],
        );
        assert_eq!(post["type"], "photo", "type");
        assert_eq!(post["id_string"], "42", "id_string");
        assert_eq!(post["date"], "2017-07-14 02:40:00 GMT", "date");
        let photo = &post["photos"][0];
        assert_eq!(
            photo["original_size"]["url"], "https://x.test/a_500.jpg",
            "original_size is the first size"
        );
        assert_eq!(photo["alt_sizes"][1]["width"], 250, "second size listed");
        assert_eq!(
            photo["alt_sizes"].as_array().map(Vec::len),
            Some(2),
            "every size in alt_sizes"
        );
    }

    #[test]
    fn text_post_fields() {
        let post = text_post("blog", 9, 0, "<p><img src=\"https://x.test/i.jpg\"></p>");
        assert_eq!(post["type"], "text", "type");
        assert_eq!(post["title"], "Post 9", "title");
        assert_eq!(
            post["body"], "<p><img src=\"https://x.test/i.jpg\"></p>",
            "body kept as given"
        );
    }

    #[test]
    fn video_post_fields() {
        let post = video_post(
            "blog",
            7,
            0,
            "https://vt.tumblr.com/tumblr_x_480.mp4",
            480,
            270,
        );
        assert_eq!(post["type"], "video", "type");
        assert_eq!(post["video_type"], "tumblr", "video_type");
        assert_eq!(
            post["video_url"], "https://vt.tumblr.com/tumblr_x_480.mp4",
            "video_url"
        );
        assert!(post.get("thumbnail_url").is_none(), "no thumbnail");
    }
}
