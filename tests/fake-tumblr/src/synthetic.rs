//! Generated blogs: legacy-format photo posts built from a post count, so
//! that tests can serve blogs of any size without recorded responses.
//!
//! Everything derives from the post index, so two servers with the same
//! `SyntheticBlog` serve the same posts, URLs and bytes.

use std::collections::HashMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::SyntheticBlog;
use crate::date::tumblr_date;

/// Id of the newest generated post; each older post's id is 1,000 lower.
pub const FIRST_POST_ID: u64 = 730_000_000_000_000_000;

/// Timestamp of the newest generated post (2023-11-14 22:13:20 UTC); each
/// older post is one hour earlier unless it shares a timestamp.
pub const FIRST_TIMESTAMP: i64 = 1_700_000_000;

/// Origin of every generated media URL.
pub const MEDIA_ORIGIN: &str = "https://64.media.tumblr.com";

/// Width and height of the largest size of every generated photo.
const LARGE_SIZE: (u32, u32) = (1280, 960);

/// Width and height of the smaller size listed in `alt_sizes`.
const SMALL_SIZE: (u32, u32) = (500, 375);

/// Returns the id of post `index` (0 is the newest).
pub fn post_id(index: usize) -> u64 {
    FIRST_POST_ID - 1000 * index as u64
}

/// Returns the timestamp of post `index` of `blog`: the timestamp of the
/// first post of a `shared_timestamps` range that contains it, or one hour
/// before the previous post otherwise.
pub fn post_timestamp(blog: &SyntheticBlog, index: usize) -> i64 {
    let anchor = blog
        .shared_timestamps
        .iter()
        .filter(|range| range.contains(&index))
        .map(|range| range.start)
        .min()
        .unwrap_or(index);
    FIRST_TIMESTAMP - 3600 * anchor as i64
}

/// Returns the number of photos of post `index`: 1, 2 or 3.
pub fn photo_count(index: usize) -> usize {
    1 + index % 3
}

/// Returns the path of photo `photo` (0-based) of post `index` in the size
/// `width`: `/{32 hex}/tumblr_{17 hex}o{photo + 1}_{width}.jpg`. Every post
/// and photo has its own folder.
pub fn photo_path(index: usize, photo: usize, width: u32) -> String {
    let digest = Sha256::digest(format!("synthetic post {index} photo {photo}").as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "/{}/tumblr_{}o{}_{width}.jpg",
        &hex[..32],
        &hex[32..49],
        photo + 1
    )
}

/// Returns the URL of the largest size of photo `photo` of post `index`.
pub fn photo_url(index: usize, photo: usize) -> String {
    format!("{MEDIA_ORIGIN}{}", photo_path(index, photo, LARGE_SIZE.0))
}

/// Builds every post of `blog`, newest first, on the blog named
/// `blog_name`.
pub fn posts(blog: &SyntheticBlog, blog_name: &str) -> Vec<Value> {
    (0..blog.posts)
        .map(|index| post(blog, blog_name, index))
        .collect()
}

fn post(blog: &SyntheticBlog, blog_name: &str, index: usize) -> Value {
    let id = post_id(index);
    let timestamp = post_timestamp(blog, index);
    let photos: Vec<Value> = (0..photo_count(index))
        .map(|photo| photo_object(index, photo))
        .collect();
    json!({
        "type": "photo",
        "blog_name": blog_name,
        "id": id,
        "id_string": id.to_string(),
        "post_url": format!("https://{blog_name}.tumblr.com/post/{id}"),
        "slug": format!("synthetic-post-{index}"),
        "date": tumblr_date(timestamp),
        "timestamp": timestamp,
        "state": "published",
        "format": "html",
        "reblog_key": format!("k{index}"),
        "tags": ["synthetic"],
        "short_url": format!("https://tmblr.co/synthetic{index}"),
        "summary": format!("Synthetic post {index}"),
        "note_count": 0,
        "caption": format!("<p>Synthetic post {index}</p>"),
        "photos": photos,
    })
}

fn photo_object(index: usize, photo: usize) -> Value {
    let size = |(width, height): (u32, u32)| {
        json!({
            "url": format!("{MEDIA_ORIGIN}{}", photo_path(index, photo, width)),
            "width": width,
            "height": height,
        })
    };
    json!({
        "caption": "",
        "original_size": size(LARGE_SIZE),
        "alt_sizes": [size(LARGE_SIZE), size(SMALL_SIZE)],
    })
}

/// Returns the media paths whose bytes come from another path, as
/// `same_bytes` of `blog` requests, for every size of the photo. Pairs naming
/// a post beyond the blog are ignored.
pub fn media_aliases(blog: &SyntheticBlog) -> HashMap<String, String> {
    let mut aliases = HashMap::new();
    for &(source, copy) in &blog.same_bytes {
        if source >= blog.posts || copy >= blog.posts || source == copy {
            continue;
        }
        for width in [LARGE_SIZE.0, SMALL_SIZE.0] {
            aliases.insert(photo_path(copy, 0, width), photo_path(source, 0, width));
        }
    }
    aliases
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn posts_ids_decrease() {
        let blog = SyntheticBlog::new(50);
        let posts = posts(&blog, "example-blog");
        assert_eq!(posts.len(), 50, "post count");
        for pair in posts.windows(2) {
            let newer = pair[0]["id"].as_u64().expect("numeric id");
            let older = pair[1]["id"].as_u64().expect("numeric id");
            assert!(newer > older, "ids strictly decrease: {newer} then {older}");
            let newer_time = pair[0]["timestamp"].as_i64().expect("timestamp");
            let older_time = pair[1]["timestamp"].as_i64().expect("timestamp");
            assert!(
                newer_time > older_time,
                "timestamps decrease without shared ranges"
            );
        }
        assert_eq!(
            posts[0]["id_string"], "730000000000000000",
            "id_string of the newest post"
        );
        assert_eq!(
            posts[0]["date"], "2023-11-14 22:13:20 GMT",
            "date of the newest post"
        );
    }

    #[test]
    fn posts_photo_urls_unique() {
        let blog = SyntheticBlog::new(30);
        let mut seen = HashSet::new();
        for (index, post) in posts(&blog, "b").iter().enumerate() {
            let photos = post["photos"].as_array().expect("photos array");
            assert!(
                (1..=3).contains(&photos.len()),
                "post {index} has 1 to 3 photos"
            );
            assert_eq!(photos.len(), photo_count(index), "photo count of {index}");
            for (photo, object) in photos.iter().enumerate() {
                let url = object["original_size"]["url"].as_str().expect("url");
                assert!(
                    url.starts_with("https://64.media.tumblr.com/"),
                    "media host of {url}"
                );
                assert_eq!(url, photo_url(index, photo), "photo_url of {index}");
                assert!(seen.insert(url.to_string()), "URL {url} is unique");
                let smaller = object["alt_sizes"][1]["url"].as_str().expect("alt url");
                assert!(smaller.ends_with("_500.jpg"), "smaller size: {smaller}");
            }
        }
    }

    #[test]
    fn post_timestamp_shared_range() {
        let blog = SyntheticBlog::new(40).share_timestamp(15..35);
        let shared = post_timestamp(&blog, 15);
        for index in 15..35 {
            assert_eq!(
                post_timestamp(&blog, index),
                shared,
                "post {index} shares the timestamp"
            );
        }
        assert!(
            post_timestamp(&blog, 14) > shared,
            "the post before the range is newer"
        );
        assert!(
            post_timestamp(&blog, 35) < shared,
            "the post after the range is older"
        );
    }

    #[test]
    fn media_aliases_pairs() {
        let blog = SyntheticBlog::new(5)
            .same_bytes(0, 3)
            .same_bytes(1, 9)
            .same_bytes(2, 2);
        let aliases = media_aliases(&blog);
        assert_eq!(aliases.len(), 2, "both sizes of one pair only");
        assert_eq!(
            aliases.get(&photo_path(3, 0, 1280)),
            Some(&photo_path(0, 0, 1280)),
            "large size alias"
        );
        assert_eq!(
            aliases.get(&photo_path(3, 0, 500)),
            Some(&photo_path(0, 0, 500)),
            "small size alias"
        );
    }
}
