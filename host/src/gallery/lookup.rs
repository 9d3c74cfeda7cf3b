//! Finds the archived file of a media URL that a post record names. A
//! record often names another size of the same image than the one that
//! was downloaded, so URLs are matched exactly first, then by media key:
//! the URL without its size part.

use std::collections::HashMap;

use super::manifest_view::MediaView;
use super::render::{LocalMedia, MediaLookup};

/// Archived files by URL and by media key.
#[derive(Default)]
pub struct MediaIndex {
    by_url: HashMap<String, LocalMedia>,
    /// Files by media key, with the pixel area used to keep the largest.
    by_key: HashMap<String, (u64, LocalMedia)>,
}

impl MediaIndex {
    /// Indexes every entry of `media` whose file is in the archive, under
    /// its `original_url`, `download_url` and `fallback_urls`.
    pub fn new(media: &[MediaView]) -> Self {
        let mut index = Self::default();
        for entry in media {
            let Some(path) = entry.local_file() else {
                continue;
            };
            let local = LocalMedia {
                path: path.to_string(),
                media_type: entry.media_type.clone(),
            };
            let area = u64::from(entry.width.unwrap_or(0)) * u64::from(entry.height.unwrap_or(0));
            let urls = std::iter::once(&entry.original_url)
                .chain(entry.download_url.iter())
                .chain(entry.fallback_urls.iter());
            for url in urls {
                index.insert(url, area, &local);
            }
        }
        index
    }

    fn insert(&mut self, url: &str, area: u64, local: &LocalMedia) {
        self.by_url
            .entry(url.to_string())
            .or_insert_with(|| local.clone());
        let Some(key) = media_key(url) else {
            return;
        };
        let slot = self
            .by_key
            .entry(key)
            .or_insert_with(|| (area, local.clone()));
        if area > slot.0 {
            *slot = (area, local.clone());
        }
    }
}

impl MediaLookup for MediaIndex {
    fn local(&self, url: &str) -> Option<LocalMedia> {
        if let Some(found) = self.by_url.get(url) {
            return Some(found.clone());
        }
        let key = media_key(url)?;
        self.by_key.get(&key).map(|(_, found)| found.clone())
    }
}

/// Returns the key that every size of one Tumblr media file shares:
/// - `/{32 hex}/{16 hex}-{2 hex}/s{W}x{H}/{40 hex}.jpg` keeps its first two
///   segments, Tumblr's NPF `media_key`;
/// - a legacy name such as `/{hash}/tumblr_{token}o1_1280.jpg` or
///   `/tumblr_{token}_720.mp4` loses its extension and its trailing size
///   (`_1280`, `_500h`, `_75sq`, `_720`).
///
/// Scheme, query, fragment and the CDN shard number (`64.media…`) are
/// ignored, and every `*.tumblr.com` host counts as one. Returns none for
/// URLs that are not http(s) or have no path.
pub fn media_key(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = rest.split_once('/')?;
    let host = host.to_ascii_lowercase();
    let host = if host == "tumblr.com" || host.ends_with(".tumblr.com") {
        "tumblr.com"
    } else {
        host.as_str()
    };
    let segments: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let last = *segments.last()?;
    if segments.len() >= 3 && is_sized_bucket(segments[2]) {
        return Some(format!("{host}/{}/{}", segments[0], segments[1]));
    }
    let stem = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
    let stem = strip_size_suffix(stem);
    let folders = &segments[..segments.len() - 1];
    Some(format!("{host}/{}/{stem}", folders.join("/")))
}

/// Returns whether `segment` is a size bucket such as `s640x960`,
/// `s75x75_c1` or `s2048x3072_c0,27202,99908,72613`.
fn is_sized_bucket(segment: &str) -> bool {
    let Some(size) = segment.strip_prefix('s') else {
        return false;
    };
    let size = size.split('_').next().unwrap_or(size);
    let size = size.strip_suffix('u').unwrap_or(size);
    let Some((width, height)) = size.split_once('x') else {
        return false;
    };
    let is_number = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    is_number(width) && is_number(height)
}

/// Removes a trailing `_{digits}{letters}` size such as `_1280`, `_500h`
/// or `_75sq`.
fn strip_size_suffix(stem: &str) -> &str {
    let Some((base, suffix)) = stem.rsplit_once('_') else {
        return stem;
    };
    let digits = suffix.bytes().take_while(u8::is_ascii_digit).count();
    let letters_only = suffix[digits..]
        .bytes()
        .all(|byte| byte.is_ascii_lowercase());
    if digits > 0 && letters_only && !base.is_empty() {
        base
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(original_url: &str, filename: &str, status: &str) -> MediaView {
        MediaView {
            post_id: "1".into(),
            media_type: "image".into(),
            filename: Some(filename.into()),
            original_url: original_url.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn key_of_legacy_sizes_equal() {
        let large = "https://64.media.tumblr.com/4a3c/tumblr_zbk8a5XNhM9fq7pevo1_1280.png";
        let small = "https://66.media.tumblr.com/4a3c/tumblr_zbk8a5XNhM9fq7pevo1_250.png";
        let square = "http://media.tumblr.com/4a3c/tumblr_zbk8a5XNhM9fq7pevo1_75sq.png";
        assert_eq!(media_key(large), media_key(small));
        assert_eq!(media_key(large), media_key(square));
        let other = "https://64.media.tumblr.com/4a3c/tumblr_zbk8a5XNhM9fq7pevo2_1280.png";
        assert_ne!(
            media_key(large),
            media_key(other),
            "photo 2 of the set differs"
        );
    }

    #[test]
    fn key_of_npf_buckets_equal() {
        let large = "https://64.media.tumblr.com/bd60/12d9d92681833d29-80/s2048x3072/9db0.jpg";
        let small = "https://64.media.tumblr.com/bd60/12d9d92681833d29-80/s640x960/77aa.jpg";
        let cropped = "https://64.media.tumblr.com/bd60/12d9d92681833d29-80/s75x75_c1/1b2c.jpg";
        assert_eq!(media_key(large), media_key(small));
        assert_eq!(media_key(large), media_key(cropped));
    }

    #[test]
    fn key_of_video_transcode_and_gifv() {
        assert_eq!(
            media_key("https://va.media.tumblr.com/tumblr_mgqu0fjhNV3j6qg2b_720.mp4"),
            media_key("https://va.media.tumblr.com/tumblr_mgqu0fjhNV3j6qg2b.mp4")
        );
        assert_eq!(
            media_key("https://64.media.tumblr.com/a/b-c/s250x400/d.gifv"),
            media_key("https://64.media.tumblr.com/a/b-c/s500x750/e.gif")
        );
        assert_eq!(
            media_key("https://a.tumblr.com/tumblr_xyzo1.mp3?play_key=abc"),
            media_key("https://a.tumblr.com/tumblr_xyzo1.mp3")
        );
        assert_eq!(media_key("data:image/png;base64,xx"), None);
    }

    #[test]
    fn lookup_by_media_key_finds_large_file() {
        let media = vec![entry(
            "https://64.media.tumblr.com/h/tumblr_abco1_1280.jpg",
            "1_abco1.jpg",
            "downloaded",
        )];
        let index = MediaIndex::new(&media);
        let found = index
            .local("https://40.media.tumblr.com/h/tumblr_abco1_500.jpg")
            .expect("the 500 rendition finds the 1280 file");
        assert_eq!(found.path, "1_abco1.jpg");
        assert_eq!(found.media_type, "image");
        assert!(
            index
                .local("https://64.media.tumblr.com/h/tumblr_zzzo1_500.jpg")
                .is_none()
        );
    }

    #[test]
    fn lookup_matches_download_and_fallback_urls() {
        let mut item = entry("https://x.test/original.jpg", "1_a.jpg", "archived");
        item.download_url = Some("https://web.archive.org/web/1id_/x".into());
        item.fallback_urls = vec!["https://x.test/fallback.jpg".into()];
        let index = MediaIndex::new(&[item]);
        assert!(index.local("https://web.archive.org/web/1id_/x").is_some());
        assert!(index.local("https://x.test/fallback.jpg").is_some());
    }

    #[test]
    fn lookup_skips_entries_without_file() {
        let media = vec![
            entry("https://x.test/a_1280.jpg", "1_a.jpg", "missing"),
            entry("https://x.test/b_1280.jpg", "1_b.jpg", "pending"),
        ];
        let index = MediaIndex::new(&media);
        assert!(index.local("https://x.test/a_1280.jpg").is_none());
        assert!(index.local("https://x.test/b_500.jpg").is_none());
    }

    #[test]
    fn lookup_prefers_largest_file_of_key() {
        let mut small = entry(
            "https://x.test/h/tumblr_ko1_500.jpg",
            "small.jpg",
            "downloaded",
        );
        small.width = Some(500);
        small.height = Some(400);
        let mut large = entry(
            "https://x.test/h/tumblr_ko1_1280.jpg",
            "large.jpg",
            "downloaded",
        );
        large.width = Some(1280);
        large.height = Some(1024);
        let index = MediaIndex::new(&[small, large]);
        let found = index
            .local("https://x.test/h/tumblr_ko1_250.jpg")
            .expect("found");
        assert_eq!(found.path, "large.jpg");
    }
}
