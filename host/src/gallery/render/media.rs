//! Media elements of the rendered post: each one points at a local file of
//! the archive, or is a `media-missing` placeholder that shows the original
//! URL as text. This is the only place that writes `src` and `poster`
//! attributes (and `href` values that point at a local file), and it
//! records each value it writes so that the sanitizer can drop every other
//! one.

use std::collections::HashSet;

use super::html::{escape, link};
use super::{LocalMedia, MediaLookup};
use crate::paths::is_confined;

/// Kind of media an element shows, named in its placeholder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
    Audio,
}

impl MediaKind {
    fn noun(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        }
    }
}

/// Resolves media URLs of one record to local files and counts the ones
/// that are missing.
pub struct MediaContext<'a> {
    lookup: &'a dyn MediaLookup,
    prefix: &'a str,
    missing: usize,
    sources: HashSet<String>,
}

impl<'a> MediaContext<'a> {
    pub fn new(lookup: &'a dyn MediaLookup, prefix: &'a str) -> Self {
        MediaContext {
            lookup,
            prefix,
            missing: 0,
            sources: HashSet::new(),
        }
    }

    /// Returns the number of placeholders written for missing files.
    pub fn missing(&self) -> usize {
        self.missing
    }

    /// Returns every local `src`, `poster` and `href` value written so far.
    pub fn sources(&self) -> &HashSet<String> {
        &self.sources
    }

    /// Returns the local file of the first of `urls` that the archive has.
    /// Every URL is tried, because the archive may contain any rendition of
    /// a media item (often a larger one than a record's first URL).
    pub fn find(&self, urls: &[&str]) -> Option<LocalMedia> {
        urls.iter()
            .map(|url| url.trim())
            .filter(|url| !url.is_empty())
            .find_map(|url| {
                self.lookup
                    .local(url)
                    .filter(|local| is_confined(&local.path))
            })
    }

    /// Returns the local address of `url` when the archive has its file,
    /// for a link that would otherwise open the file on Tumblr.
    pub fn local_link(&mut self, url: &str) -> Option<String> {
        let local = self.find(&[url])?;
        Some(self.source(&local))
    }

    /// Returns the `src` (or local `href`) value of a local file and records
    /// it.
    fn source(&mut self, local: &LocalMedia) -> String {
        let value = format!("{}{}", self.prefix, encode_path(&local.path));
        self.sources.insert(value.clone());
        value
    }

    /// Returns an element for the first local file among `urls`, shown as
    /// `kind` unless the file's media type names another kind, or a placeholder
    /// naming `urls[0]`. Returns an empty string when `urls` is empty.
    pub fn element(&mut self, kind: MediaKind, urls: &[&str], alt: Option<&str>) -> String {
        let Some(first) = urls.iter().find(|url| !url.trim().is_empty()) else {
            return String::new();
        };
        let Some(local) = self.find(urls) else {
            return self.placeholder(kind, first);
        };
        let src = escape(&self.source(&local));
        match local_kind(&local, kind) {
            MediaKind::Image => {
                let alt = escape(alt.unwrap_or(""));
                format!("<img src=\"{src}\" alt=\"{alt}\" loading=\"lazy\">")
            }
            MediaKind::Video => {
                format!("<video src=\"{src}\" controls preload=\"none\"></video>")
            }
            MediaKind::Audio => format!("<audio src=\"{src}\" controls preload=\"none\"></audio>"),
        }
    }

    /// Returns a `<video>` for the first local file among `urls`, with the
    /// first local file among `posters` as its poster, or a placeholder.
    pub fn video(&mut self, urls: &[&str], posters: &[&str]) -> String {
        let Some(local) = self.find(urls) else {
            return match urls.iter().find(|url| !url.trim().is_empty()) {
                Some(first) => self.placeholder(MediaKind::Video, first),
                None => String::new(),
            };
        };
        let src = escape(&self.source(&local));
        let poster = match self.find(posters) {
            Some(poster) => format!(" poster=\"{}\"", escape(&self.source(&poster))),
            None => String::new(),
        };
        format!("<video src=\"{src}\"{poster} controls preload=\"none\"></video>")
    }

    /// Returns the image of the first local file among `urls`, or nothing:
    /// for pictures that only decorate another item (album art, the
    /// thumbnail of a player or a link), whose absence needs no placeholder.
    pub fn optional_image(&mut self, urls: &[&str], alt: &str) -> String {
        match self.find(urls) {
            Some(local) => {
                let src = escape(&self.source(&local));
                format!(
                    "<img src=\"{src}\" alt=\"{}\" loading=\"lazy\">",
                    escape(alt)
                )
            }
            None => String::new(),
        }
    }

    /// Returns a placeholder for a media file the archive does not have,
    /// with its URL as text, and counts it.
    pub fn placeholder(&mut self, kind: MediaKind, url: &str) -> String {
        self.missing += 1;
        format!(
            "<div class=\"media-missing\">{} not archived: <code>{}</code></div>",
            kind.noun(),
            escape(url.trim())
        )
    }

    /// Returns the stand-in for a third-party player (YouTube, SoundCloud,
    /// …), which the archive never downloads: a link to it.
    pub fn embed(&self, kind: MediaKind, provider: &str, url: &str) -> String {
        let label = if provider.is_empty() {
            format!("external {} player", kind.noun())
        } else {
            format!("{} {} player", escape(provider), kind.noun())
        };
        let url_text = format!("<code>{}</code>", escape(url.trim()));
        format!(
            "<div class=\"media-missing\">{label} (not archived): {}</div>",
            link(url, None, &url_text)
        )
    }

    /// Returns the stand-in for a frame, embed or object in post HTML (a
    /// player or another page), which the archive never downloads: a link
    /// to its address.
    pub fn frame(&self, url: &str) -> String {
        let url_text = format!("<code>{}</code>", escape(url.trim()));
        format!(
            "<div class=\"media-missing\">embedded content (not archived): {}</div>",
            link(url, None, &url_text)
        )
    }
}

/// Returns how to show a local file: a GIF or image file stays an image,
/// but a file the manifest calls a video or audio gets its player.
fn local_kind(local: &LocalMedia, requested: MediaKind) -> MediaKind {
    match local.media_type.as_str() {
        "image" | "gif" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        _ => requested,
    }
}

/// Percent-encodes a '/'-separated relative path for an attribute value,
/// keeping only unreserved characters and '/' as they are. A ':' is encoded
/// too, so no path can read as a URL scheme.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_path_keeps_plain_names() {
        assert_eq!(
            encode_path("media/2015/abc_1280.jpg"),
            "media/2015/abc_1280.jpg"
        );
    }

    #[test]
    fn encode_path_escapes_specials() {
        assert_eq!(encode_path("a b#c?.jpg"), "a%20b%23c%3F.jpg");
        assert_eq!(
            encode_path("javascript:alert(1)"),
            "javascript%3Aalert%281%29"
        );
        assert_eq!(encode_path("é.png"), "%C3%A9.png");
    }

    #[test]
    fn relative_path_checks() {
        assert!(is_confined("media/x.jpg"));
        assert!(!is_confined("/etc/passwd"));
        assert!(!is_confined("//evil.example/x.jpg"));
        assert!(!is_confined("media/../../x.jpg"));
        assert!(!is_confined(""));
    }
}
