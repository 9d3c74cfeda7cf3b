//! Tumblr media URLs: which URLs count as post media, the kind a URL
//! implies, the width of its size bucket, and the keys under which two URLs
//! name the same file or renditions of the same media.
//!
//! Two URLs are the same media when their media keys match. A key is the
//! URL with no scheme and no fragment, a lowercase host, and on Tumblr hosts
//! no query and one host name for the numbered `NN.media.tumblr.com` shards
//! (except 44, see `is_media_shard`).
//! On Tumblr hosts the key also leaves out the size bucket:
//! `/{hash}/{id}-{nn}/s640x960/{file}` and `/{hash}/{id}-{nn}/s2048x3072/{other file}`
//! share one key (the hash folder names the upload), and so do
//! `tumblr_abc_540.jpg` and `tumblr_abc_1280.jpg`. Still posters of GIFs
//! (`s…_f1` buckets) keep a key of their own. Other hosts keep their query,
//! because it often selects the content (`watch?v=…`).

use crate::media::{Dimensions, MediaKind};

/// The parts of an absolute `http` or `https` URL that keys and filters use.
struct UrlParts<'a> {
    /// Lowercase host, with the port when one is given.
    host: String,
    /// Path, starting with `/`, or empty.
    path: &'a str,
    query: Option<&'a str>,
}

fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.is_empty() {
        return None;
    }
    let without_fragment = after.split('#').next().unwrap_or("");
    let (path, query) = match without_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (without_fragment, None),
    };
    Some(UrlParts {
        host: host.to_ascii_lowercase(),
        path,
        query,
    })
}

/// Returns `raw` as an absolute URL: trimmed, with `https:` added to a
/// protocol-relative `//host/…`. Returns `None` for relative URLs, `data:`
/// URLs and every scheme other than `http` and `https`.
pub fn absolute_url(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let url = match trimmed.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => trimmed.to_owned(),
    };
    if split_url(&url).is_some() {
        Some(url)
    } else {
        None
    }
}

fn is_tumblr_host(host: &str) -> bool {
    host == "tumblr.com" || host.ends_with(".tumblr.com")
}

/// Returns whether `url` is on `tumblr.com` or one of its subdomains.
pub fn is_tumblr_url(url: &str) -> bool {
    split_url(url).is_some_and(|parts| is_tumblr_host(&parts.host))
}

/// Returns whether `host` is a numbered media shard such as
/// `64.media.tumblr.com`, whose files the other shards serve too. Shard 44
/// is left out, because NPF responses name still posters of GIFs on it
/// under the same path as the animated file on shard 64.
fn is_media_shard(host: &str) -> bool {
    host.strip_suffix(".media.tumblr.com")
        .is_some_and(|prefix| {
            !prefix.is_empty() && prefix != "44" && prefix.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Returns whether `url` is not post media: not an `http(s)` URL, a
/// tracking pixel (`impixu`), a file on `assets.tumblr.com` (default
/// avatars and theme images), an avatar on any Tumblr host (`avatar_…`
/// files, `/avatar/` paths, `s…u_c1` avatar crops), or a header-image
/// rendition on `static.tumblr.com` (`_focused_v3`, `_2048_v2`).
///
/// Other `static.tumblr.com` files are kept. The scrapers read only post
/// fields, never the theme fields that name header images, so a file on that
/// host found in a post was placed there by the post's author.
pub fn is_excluded(url: &str) -> bool {
    let Some(parts) = split_url(url) else {
        return true;
    };
    let host = parts.host.as_str();
    if host.contains("impixu") || parts.path.contains("impixu") {
        return true;
    }
    if host == "assets.tumblr.com" || host.ends_with(".assets.tumblr.com") {
        return true;
    }
    if !is_tumblr_host(host) {
        return false;
    }
    let file = parts.path.rsplit('/').next().unwrap_or("");
    let mut segments = parts.path.split('/');
    if file.starts_with("avatar_")
        || segments.any(|segment| segment == "avatar" || is_avatar_bucket(segment))
    {
        return true;
    }
    let is_static = host == "static.tumblr.com" || host.ends_with(".static.tumblr.com");
    is_static && (file.contains("_focused_v") || file.contains("_2048_v2"))
}

/// Returns whether `segment` is an avatar crop bucket such as `s64x64u_c1`.
fn is_avatar_bucket(segment: &str) -> bool {
    bucket_width(segment).is_some() && segment.contains("u_c")
}

/// Returns the kind that the file extension of `url` implies: `.gif` and
/// `.gifv` are GIFs, `.mp4`, `.mov` and `.webm` videos, `.mp3`, `.m4a`,
/// `.ogg` and `.wav` audio, and everything else an image.
pub fn kind_from_url(url: &str) -> MediaKind {
    let path = split_url(url).map_or(url, |parts| parts.path);
    let file = path.rsplit('/').next().unwrap_or("");
    let extension = file
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "gif" | "gifv" => MediaKind::Gif,
        "mp4" | "mov" | "webm" => MediaKind::Video,
        "mp3" | "m4a" | "ogg" | "wav" => MediaKind::Audio,
        _ => MediaKind::Image,
    }
}

/// Returns the width `W` of a current-style size bucket `s{W}x{H}[suffix]`.
fn bucket_width(segment: &str) -> Option<u32> {
    let rest = segment.strip_prefix('s')?;
    let (width, rest) = rest.split_once('x')?;
    let height_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if height_digits == 0 || width.is_empty() || !width.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    width.parse().ok()
}

/// Splits a legacy size suffix off a file stem: `_1280`, `_500h` or
/// `_75sq`. Returns the stem without it and the bucket width.
fn split_size_suffix(stem: &str) -> (&str, Option<u32>) {
    let Some((head, tail)) = stem.rsplit_once('_') else {
        return (stem, None);
    };
    if tail == "75sq" {
        return (head, Some(75));
    }
    let digits = tail.strip_suffix('h').unwrap_or(tail);
    let is_bucket = (2..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    match digits.parse() {
        Ok(width) if is_bucket => (head, Some(width)),
        _ => (stem, None),
    }
}

fn is_hex(text: &str, length: usize) -> bool {
    text.len() == length && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Returns a Tumblr path without its size bucket, as described in the
/// module documentation, or the path unchanged when it has none.
fn path_without_bucket(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    if let [hash, folder, bucket, _file] = segments[..]
        && is_hex(hash, 32)
        && bucket_width(bucket).is_some()
    {
        let poster = if bucket.contains("_f") { "poster" } else { "" };
        return format!("/{hash}/{folder}/{poster}");
    }
    if let Some((directory, file)) = path.rsplit_once('/')
        && file.starts_with("tumblr_")
    {
        let (stem, extension) = file.rsplit_once('.').unwrap_or((file, ""));
        let (stem, _) = split_size_suffix(stem);
        let extension = match extension.to_ascii_lowercase().as_str() {
            "gifv" => "gif".to_owned(),
            "pnj" => "png".to_owned(),
            "jpeg" => "jpg".to_owned(),
            other => other.to_owned(),
        };
        return format!("{directory}/{stem}.{extension}");
    }
    path.to_owned()
}

/// Returns the key under which two URLs of the same file compare equal:
/// no scheme or fragment, lowercase host, and on Tumblr hosts no query and
/// one host name for the shards that `is_media_shard` accepts.
pub(crate) fn identity_key(url: &str) -> String {
    key(url, false)
}

/// Returns the key under which renditions of the same media compare equal.
pub fn media_key(url: &str) -> String {
    key(url, true)
}

fn key(url: &str, ignore_bucket: bool) -> String {
    let Some(parts) = split_url(url) else {
        return url.to_owned();
    };
    let host = if is_media_shard(&parts.host) {
        "media.tumblr.com".to_owned()
    } else {
        parts.host
    };
    if is_tumblr_host(&host) {
        let path = if ignore_bucket {
            path_without_bucket(parts.path)
        } else {
            parts.path.to_owned()
        };
        return format!("{host}{path}");
    }
    match parts.query {
        Some(query) => format!("{host}{}?{query}", parts.path),
        None => format!("{host}{}", parts.path),
    }
}

/// Returns the width used to order renditions: the stated width, else the
/// width of the size bucket in the URL, else 0.
pub fn rendition_width(url: &str, size: Option<Dimensions>) -> u32 {
    if let Some(size) = size
        && size.width > 0
    {
        return size.width;
    }
    let Some(parts) = split_url(url) else {
        return 0;
    };
    if let Some(width) = parts.path.split('/').find_map(bucket_width) {
        return width;
    }
    let file = parts.path.rsplit('/').next().unwrap_or("");
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    split_size_suffix(stem).1.unwrap_or(0)
}

/// Decodes `%XX` escapes and `+` (a space in query strings). Escapes that
/// are not two hex digits stay as written, and byte sequences that are not
/// UTF-8 become U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| text.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(value)) => {
                decoded.push(value);
                index += 3;
            }
            (b'+', None) => {
                decoded.push(b' ');
                index += 1;
            }
            (other, None) => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Returns the decoded value of query parameter `name` in `text`, which is
/// a URL or a bare query string such as a Flash `flashvars` value. Returns
/// `None` when the parameter is missing or empty.
pub fn query_param(text: &str, name: &str) -> Option<String> {
    let without_fragment = text.split('#').next().unwrap_or("");
    let query = without_fragment
        .split_once('?')
        .map_or(without_fragment, |(_, query)| query);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
        .filter(|value| !value.is_empty())
}

/// Returns the audio file that a Tumblr audio player names in its
/// `audio_file` query parameter, such as
/// `https://www.tumblr.com/audio_file/example-blog/123/tumblr_abc`, when
/// that value is an absolute `http(s)` URL.
pub fn audio_file_url(player_url: &str) -> Option<String> {
    query_param(player_url, "audio_file").and_then(|value| absolute_url(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_from_url_extensions() {
        let cases = [
            ("https://x.test/a.GIF", MediaKind::Gif),
            ("https://x.test/a.gifv?x=1", MediaKind::Gif),
            ("https://x.test/a.mp4", MediaKind::Video),
            ("https://x.test/a.mov#t", MediaKind::Video),
            ("https://x.test/a.webm", MediaKind::Video),
            ("https://x.test/a.mp3?play_key=1", MediaKind::Audio),
            ("https://x.test/a.m4a", MediaKind::Audio),
            ("https://x.test/a.ogg", MediaKind::Audio),
            ("https://x.test/a.wav", MediaKind::Audio),
            ("https://x.test/a.jpg", MediaKind::Image),
            ("https://x.test/1words6", MediaKind::Image),
            ("https://x.test/dir.gif/file", MediaKind::Image),
        ];
        for (url, kind) in cases {
            assert_eq!(kind_from_url(url), kind, "url {url}");
        }
    }

    #[test]
    fn is_excluded_cases() {
        let excluded = [
            "https://64.media.tumblr.com/avatar_7d09cc224554_512.png",
            "https://assets.tumblr.com/images/default_avatar/cone_open_64.png",
            "https://secure.assets.tumblr.com/images/default_header/optica_pattern_09.png?_v=1",
            "https://px.srvcs.tumblr.com/impixu?T=1&J=2",
            "https://64.media.tumblr.com/8e6562ade6f6e8aa793038e5f203eae1/19f02332c1c7d850-30/s512x512u_c1/b203a401251d286fe2d3ca90db608548aef5c590.jpg",
            "https://api.tumblr.com/v2/blog/example-blog/avatar/64",
            "https://static.tumblr.com/af20d207d65988cb45c2b7904ec51009/rf83rif/VSyplw0ms/tumblr_static_x_focused_v3.jpg",
            "https://secure.static.tumblr.com/14ae8faada3588876ae08ca6b215b7cd/jpsdvrl/PVrnvmhyl/tumblr_static_x_2048_v2.jpg",
            "data:image/png;base64,AAAA",
            "/relative.jpg",
            "ftp://x.test/a.jpg",
        ];
        for url in excluded {
            assert!(is_excluded(url), "url {url}");
        }
        let allowed = [
            "https://64.media.tumblr.com/tumblr_olth2byoLx2ey93jn_frame1.jpg",
            "https://static.tumblr.com/abc/def/ghi/uploaded.png",
            "http://example.com/1words6",
            "https://example.com/avatar_me.jpg",
        ];
        for url in allowed {
            assert!(!is_excluded(url), "url {url}");
        }
    }

    #[test]
    fn media_key_renditions() {
        let same = [
            (
                "https://64.media.tumblr.com/fdb67306b17d6a43ddefde1d5257dae9/741f1238f124f481-46/s640x960/9b11e2b5efc3a846182402b2f82ac8b68c3af8f5.jpg",
                "https://64.media.tumblr.com/fdb67306b17d6a43ddefde1d5257dae9/741f1238f124f481-46/s2048x3072/9f25939719e5fbd9ff6cab75769a8beb685b5070.jpg",
            ),
            (
                "https://41.media.tumblr.com/f564e2a8201a6c1dbc08e15a3cf1a4c2/tumblr_uixo0u2nc78i8zdow_r1_og_540.jpg",
                "http://36.media.tumblr.com/f564e2a8201a6c1dbc08e15a3cf1a4c2/tumblr_uixo0u2nc78i8zdow_r1_og_1280.jpg?x=1",
            ),
            ("https://x.test/a.jpg#frag", "http://X.TEST/a.jpg"),
            (
                "https://a.tumblr.com/tumblr_abco1.mp3?play_key=1",
                "https://a.tumblr.com/tumblr_abco1.mp3",
            ),
        ];
        for (first, second) in same {
            assert_eq!(media_key(first), media_key(second), "{first} vs {second}");
        }
        let different = [
            (
                "https://64.media.tumblr.com/5e54820e993dffe753ad37f5ffeb2594/ed87ef95c392e264-f1/s250x400/cecf654993ca04ca500185d083f7b554bc64e695.gif",
                "https://44.media.tumblr.com/5e54820e993dffe753ad37f5ffeb2594/ed87ef95c392e264-f1/s250x400_f1/943c09b36d127c82de8b7438ee06a37e56a1d2fe.gif",
            ),
            (
                "https://64.media.tumblr.com/tumblr_olth2byoLx2ey93jn_frame1.jpg",
                "https://va.media.tumblr.com/tumblr_olth2byoLx2ey93jn_720.mp4",
            ),
            (
                "https://www.youtube.com/watch?v=a",
                "https://www.youtube.com/watch?v=b",
            ),
            ("https://x.test/a_500.jpg", "https://x.test/a_1280.jpg"),
            (
                "https://64.media.tumblr.com/369f2e6a4d1d1f37789f990de3470430/tumblr_inline_tbix2wy3oR3m26d3p_500.gif",
                "https://44.media.tumblr.com/369f2e6a4d1d1f37789f990de3470430/tumblr_inline_tbix2wy3oR3m26d3p_500.gif",
            ),
        ];
        for (first, second) in different {
            assert_ne!(media_key(first), media_key(second), "{first} vs {second}");
        }
    }

    #[test]
    fn rendition_width_sources() {
        let sized = Some(Dimensions {
            width: 700,
            height: 465,
        });
        assert_eq!(rendition_width("https://x.test/a.jpg", sized), 700);
        assert_eq!(
            rendition_width("https://64.media.tumblr.com/a/b/s1280x1920/c.jpg", None),
            1280
        );
        assert_eq!(
            rendition_width("https://64.media.tumblr.com/a/tumblr_x_75sq.jpg", None),
            75
        );
        assert_eq!(
            rendition_width("https://64.media.tumblr.com/a/tumblr_x_500h.jpg", None),
            500
        );
        assert_eq!(
            rendition_width("https://64.media.tumblr.com/tumblr_x_frame1.jpg", None),
            0
        );
    }

    #[test]
    fn percent_decode_forms() {
        assert_eq!(percent_decode("a%2Fb+c%3a"), "a/b c:");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "\u{e9}");
    }

    #[test]
    fn audio_file_url_forms() {
        let iframe = "https://example-blog.tumblr.com/post/1/audio_player_iframe/example-blog/tumblr_a?audio_file=https%3A%2F%2Fwww.tumblr.com%2Faudio_file%2Fexample-blog%2F1%2Ftumblr_a";
        assert_eq!(
            audio_file_url(iframe).as_deref(),
            Some("https://www.tumblr.com/audio_file/example-blog/1/tumblr_a")
        );
        let flashvars = "audio_file=http://www.tumblr.com/audio_file/b/2/tumblr_c&color=FFFFFF";
        assert_eq!(
            audio_file_url(flashvars).as_deref(),
            Some("http://www.tumblr.com/audio_file/b/2/tumblr_c")
        );
        assert_eq!(audio_file_url("https://x.test/?audio_file=relative"), None);
        assert_eq!(audio_file_url("https://x.test/?other=1"), None);
    }
}
