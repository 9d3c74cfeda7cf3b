//! Test policy plugin for the end-to-end tests: keeps every post but only
//! the first image or GIF of each, and names it `first/{post id}.{ext}`, so
//! a test can tell from the output folder that `--plugin` replaced the
//! default policy.

wit_bindgen::generate!({ path: "../../../wit", world: "policy" });

use exports::tumblr_archiver::plugin::select::Guest;
use tumblr_archiver::plugin::types::{Media, MediaKind, PluginError, PluginInfo, Post};

/// Extension used when the URL's file name has none.
const DEFAULT_EXTENSION: &str = "bin";

pub struct FirstImagePolicy;

impl Guest for FirstImagePolicy {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "first-image-policy".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Keeps only the first image or GIF of each post, as first/{post id}.{ext}"
                .to_owned(),
            hosts: Vec::new(),
            needs_api_key: false,
            options: Vec::new(),
        }
    }

    fn configure(options: Vec<(String, String)>) -> Result<(), PluginError> {
        match options.first() {
            None => Ok(()),
            Some((key, value)) => Err(PluginError::InvalidInput(format!(
                "unknown option `{key}` (value `{value}`): first-image-policy accepts no options, so remove `--plugin-opt {key}=...`"
            ))),
        }
    }

    fn keep_post(_post: Post) -> bool {
        true
    }

    /// Keeps `item` when it is the first image or GIF in `post.media`.
    /// Items are compared by URL, which is unique within a post.
    fn keep_media(post: Post, item: Media) -> bool {
        post.media
            .iter()
            .find(|media| is_picture(media.kind))
            .is_some_and(|first| is_picture(item.kind) && first.url == item.url)
    }

    fn filename(post: Post, item: Media, _index: u32) -> String {
        format!("first/{}.{}", post.id, url_extension(&item.url))
    }
}

#[cfg(target_arch = "wasm32")]
export!(FirstImagePolicy);

fn is_picture(kind: MediaKind) -> bool {
    matches!(kind, MediaKind::Image | MediaKind::Gif)
}

/// Returns the extension of the URL's last path segment, ignoring query and
/// fragment, when it is 1 to 5 ASCII letters and digits, and `bin` otherwise.
fn url_extension(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let segment = url[..end].rsplit('/').next().unwrap_or("");
    match segment.rsplit_once('.') {
        Some((stem, extension))
            if !stem.is_empty()
                && (1..=5).contains(&extension.len())
                && extension.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            extension
        }
        _ => DEFAULT_EXTENSION,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(url: &str, kind: MediaKind) -> Media {
        Media {
            url: url.to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn post(media: Vec<Media>) -> Post {
        Post {
            id: "123".to_owned(),
            url: "https://example-blog.tumblr.com/post/123".to_owned(),
            blog: "example-blog".to_owned(),
            timestamp: 0,
            post_type: "photo".to_owned(),
            tags: Vec::new(),
            reblog: None,
            summary: String::new(),
            media,
        }
    }

    #[test]
    fn keep_media_first_picture_only() {
        let items = vec![
            media("https://example.com/v.mp4", MediaKind::Video),
            media("https://example.com/a.gif", MediaKind::Gif),
            media("https://example.com/b.jpg", MediaKind::Image),
        ];
        let post = post(items.clone());
        let kept: Vec<bool> = items
            .iter()
            .map(|item| FirstImagePolicy::keep_media(post.clone(), item.clone()))
            .collect();
        assert_eq!(kept, [false, true, false]);
    }

    #[test]
    fn keep_media_no_picture() {
        let items = vec![media("https://example.com/s.mp3", MediaKind::Audio)];
        let post = post(items.clone());
        assert!(!FirstImagePolicy::keep_media(post, items[0].clone()));
    }

    #[test]
    fn filename_extension_table() {
        let cases = [
            ("https://example.com/a/b.png", "first/123.png"),
            ("https://example.com/a/b.jpeg?x=1.gif#y", "first/123.jpeg"),
            ("https://example.com/a/tumblr_abc", "first/123.bin"),
            ("https://example.com/a/b.c_d", "first/123.bin"),
            ("https://example.com/a/", "first/123.bin"),
        ];
        for (url, expected) in cases {
            let item = media(url, MediaKind::Image);
            let name = FirstImagePolicy::filename(post(vec![item.clone()]), item, 0);
            assert_eq!(name, expected, "{url}");
        }
    }

    #[test]
    fn configure_rejects_options() {
        assert!(FirstImagePolicy::configure(Vec::new()).is_ok());
        let result = FirstImagePolicy::configure(vec![("kinds".to_owned(), "image".to_owned())]);
        let Err(PluginError::InvalidInput(message)) = result else {
            panic!("expected invalid-input, got {result:?}");
        };
        assert!(message.contains("kinds"), "{message}");
    }

    #[test]
    fn info_name_and_options() {
        let info = FirstImagePolicy::info();
        assert_eq!(info.name, "first-image-policy");
        assert!(info.options.is_empty());
    }
}
