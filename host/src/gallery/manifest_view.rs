//! The fields of `manifest.json` that the gallery reads. Unknown fields are
//! ignored and missing fields inside entries take defaults, so the gallery
//! reads manifests of older and newer versions of the archiver alike.

use std::path::Path;

use serde::Deserialize;

use super::GalleryError;

/// The top level requires `blog`, `posts` and `media`, so a file that is
/// not a manifest is an error instead of an empty gallery.
#[derive(Debug, Default, Deserialize)]
pub struct ManifestView {
    pub blog: BlogView,
    pub posts: Vec<PostView>,
    pub media: Vec<MediaView>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BlogView {
    pub name: String,
    pub title: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostView {
    pub id: String,
    pub url: String,
    pub blog: String,
    /// Seconds since the Unix epoch.
    pub timestamp: i64,
    #[serde(rename = "type")]
    pub post_type: String,
    pub tags: Vec<String>,
    pub reblog: Option<ReblogView>,
    pub summary: String,
    /// Path of the post's raw record, relative to the blog folder.
    pub record: Option<String>,
    /// `tumblr-api-v2`, `tumblr-api-v1-json`, `tumblr-api-v1-xml` or `html`.
    pub record_format: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReblogView {
    pub from_blog: String,
    pub from_url: Option<String>,
    pub root_blog: Option<String>,
    pub root_url: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MediaView {
    pub post_id: String,
    /// `image`, `gif`, `video`, `audio` or `embed`.
    pub media_type: String,
    /// Path relative to the blog folder, `/`-separated.
    pub filename: Option<String>,
    pub original_url: String,
    pub download_url: Option<String>,
    pub fallback_urls: Vec<String>,
    /// `pending`, `downloaded`, `missing`, `error`, `archived`, `skipped`
    /// or `embed`.
    pub status: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl MediaView {
    /// Returns the file's path when the entry's file is in the archive.
    pub fn local_file(&self) -> Option<&str> {
        let has_file = matches!(self.status.as_str(), "downloaded" | "archived");
        self.filename
            .as_deref()
            .filter(|name| has_file && crate::paths::is_confined(name))
    }
}

impl ManifestView {
    /// Reads `manifest.json` in `blog_dir`.
    pub fn load(blog_dir: &Path) -> Result<Self, GalleryError> {
        let path = blog_dir.join(crate::manifest::FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(GalleryError::NoManifest { path });
            }
            Err(source) => return Err(GalleryError::Read { path, source }),
        };
        serde_json::from_str(&text).map_err(|error| GalleryError::Invalid {
            path,
            cause: error.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_ignores_unknown_fields() {
        let text = r#"{"format_version": 1, "blog": {"name": "b", "extra": 1},
            "posts": [{"id": "1", "timestamp": 5, "type": "photo", "tags": ["a"],
                       "record": "posts/1.json", "record_format": "html", "new": true}],
            "media": [{"post_id": "1", "status": "downloaded", "filename": "1_a.jpg",
                       "original_url": "https://x/a.jpg", "unknown": [1]}]}"#;
        let view: ManifestView = serde_json::from_str(text).expect("view parses");
        assert_eq!(view.blog.name, "b");
        assert_eq!(view.posts[0].record.as_deref(), Some("posts/1.json"));
        assert_eq!(view.media[0].local_file(), Some("1_a.jpg"));
    }

    #[test]
    fn local_file_requires_file_status_and_safe_path() {
        let mut media = MediaView {
            filename: Some("1_a.jpg".into()),
            status: "missing".into(),
            ..Default::default()
        };
        assert_eq!(media.local_file(), None, "missing entry has no file");
        media.status = "archived".into();
        assert_eq!(media.local_file(), Some("1_a.jpg"));
        for unsafe_name in ["../x.jpg", "/etc/passwd", "a//b", "C:x", "a\\b", ""] {
            media.filename = Some(unsafe_name.into());
            assert_eq!(media.local_file(), None, "{unsafe_name:?} is rejected");
        }
    }
}
