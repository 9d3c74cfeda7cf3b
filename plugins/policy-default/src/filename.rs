//! File names of media items: turns a post id and a media URL into a name
//! that is the same on every run, unique within the blog, and valid on both
//! Windows and Linux.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::tumblr_archiver::plugin::types::{Media, MediaKind, Post};

/// Maximum length of the part of a name taken from the URL, in bytes.
const MAX_BASENAME_BYTES: usize = 100;

/// Maximum length of a post id that is used unchanged, in bytes.
const MAX_PLAIN_ID_BYTES: usize = 40;

/// Number of leading id characters kept when an id is replaced by a hash.
const HASHED_ID_PREFIX_CHARS: usize = 23;

/// Stem used when a URL's last path segment leaves nothing usable.
const FALLBACK_STEM: &str = "media";

/// Maximum length of an extension taken from a URL, in characters.
const MAX_EXTENSION_CHARS: usize = 5;

/// Returns the file name of `item`, the media item at `index` in
/// `post.media`, relative to the blog's folder.
///
/// The name is `{id}_{basename}`:
///
/// - `id` is `post.id` when it is 1 to 40 ASCII letters, digits or `-`, as
///   Tumblr's decimal ids are. Any other id becomes its first 23 characters
///   (others replaced by `-`) followed by `-h` and a 64-bit FNV-1a hash of
///   the whole id in hex, so the id part never contains `_` or `.`.
/// - `basename` is the last path segment of `item.url`, without query or
///   fragment. It is percent-decoded unless decoding yields invalid UTF-8,
///   a `/`, a `\` or a control character. Every character outside
///   `[A-Za-z0-9._-]` becomes `_`, runs of dots become one dot, and leading
///   and trailing dots are removed. An empty result becomes `media`. When
///   the name has no extension of 1 to 5 ASCII letters and digits with at
///   least one letter, the kind adds one: `.jpg` for an image, `.gif`,
///   `.mp4` for a video, `.mp3` for audio. A longer name is cut to 100 bytes
///   with its extension kept. A Windows device name before the first dot
///   (CON, PRN, AUX, NUL, COM0 to COM9, LPT0 to LPT9, any case) gets `_`
///   appended, so `con.jpg` becomes `con_.jpg`.
/// - An embed is named `{id}_{index}_embed.txt`.
///
/// When an item of the same post at a lower index already has the name,
/// the item becomes `{id}_{index}_{basename}`, and if even that name is
/// taken, `{id}_{index}_{n}_{basename}` with the smallest free `n` from 2.
/// So the name depends only on the id, `item.url`, `index` and the URLs of
/// the items before it, and the host's post-id deduplication makes names
/// of different posts differ in their id part.
pub fn media_filename(post: &Post, item: &Media, index: u32) -> String {
    let id = id_part(&post.id);
    // A B-tree set rather than a hash set, because `HashSet` seeds its hasher
    // through a `wasi:random` import that nothing else here needs.
    let mut taken = BTreeSet::new();
    for (earlier_index, earlier) in post.media.iter().take(index as usize).enumerate() {
        let name = free_name(&id, earlier, earlier_index, &taken);
        taken.insert(name);
    }
    free_name(&id, item, index as usize, &taken)
}

/// Returns the first candidate name of `item` that is not in `taken`.
fn free_name(id: &str, item: &Media, index: usize, taken: &BTreeSet<String>) -> String {
    let (basename, plain_allowed) = match item.kind {
        MediaKind::Embed => (Cow::Borrowed("embed.txt"), false),
        kind => (Cow::Owned(url_basename(&item.url, kind)), true),
    };
    if plain_allowed {
        let plain = format!("{id}_{basename}");
        if !taken.contains(&plain) {
            return plain;
        }
    }
    let indexed = format!("{id}_{index}_{basename}");
    if !taken.contains(&indexed) {
        return indexed;
    }
    // Ends because `taken` is finite.
    let mut n = 2usize;
    loop {
        let candidate = format!("{id}_{index}_{n}_{basename}");
        if !taken.contains(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// Returns the id part of a file name, as documented on `media_filename`.
fn id_part(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= MAX_PLAIN_ID_BYTES
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if plain {
        return id.to_owned();
    }
    let prefix: String = id
        .chars()
        .take(HASHED_ID_PREFIX_CHARS)
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{prefix}-h{:016x}", fnv1a_64(id.as_bytes()))
}

/// 64-bit FNV-1a, chosen because it is short, fixed across Rust versions
/// and platforms, and needs no dependency.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Returns the basename of a non-embed media URL, as documented on
/// `media_filename`.
fn url_basename(url: &str, kind: MediaKind) -> String {
    let segment = last_path_segment(url);
    let decoded = percent_decode_if_safe(segment);
    let reduced = reduce_characters(&decoded);
    let trimmed = reduced.trim_matches('.');
    let name = if trimmed.is_empty() {
        FALLBACK_STEM
    } else {
        trimmed
    };

    let (stem, extension) = match split_extension(name) {
        Some((stem, extension)) => (stem, extension),
        None => (name, kind_extension(kind)),
    };
    let max_stem_bytes = MAX_BASENAME_BYTES - 1 - extension.len();
    // `reduce_characters` leaves only ASCII, so any byte index is a char
    // boundary.
    let stem = &stem[..stem.len().min(max_stem_bytes)];
    let stem = stem.trim_end_matches('.');
    let stem = if stem.is_empty() { FALLBACK_STEM } else { stem };

    avoid_device_name(format!("{stem}.{extension}"))
}

/// Returns the last segment of the URL's path, without query or fragment.
/// Both `/` and `\` end a segment, because web browsers read `\` in an
/// http URL as `/`.
fn last_path_segment(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let url = &url[..end];
    let path = match url.find("://") {
        Some(scheme_end) => {
            let after_scheme = &url[scheme_end + 3..];
            match after_scheme.find(['/', '\\']) {
                Some(path_start) => &after_scheme[path_start..],
                None => "",
            }
        }
        None => url,
    };
    path.rsplit(['/', '\\']).next().unwrap_or("")
}

/// Percent-decodes `segment` unless the result is invalid UTF-8 or contains a
/// path separator or control character, in which case `segment` is kept
/// as it is. A `%` not followed by two hex digits stays literal.
fn percent_decode_if_safe(segment: &str) -> Cow<'_, str> {
    if !segment.contains('%') {
        return Cow::Borrowed(segment);
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(high), Some(low)) => hex_value(*high).zip(hex_value(*low)),
            _ => None,
        };
        match escaped {
            Some((high, low)) => {
                decoded.push(high << 4 | low);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    match String::from_utf8(decoded) {
        Ok(text)
            if !text
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_control()) =>
        {
            Cow::Owned(text)
        }
        _ => Cow::Borrowed(segment),
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Replaces every character outside `[A-Za-z0-9._-]` with `_` and collapses
/// runs of dots into one dot.
fn reduce_characters(text: &str) -> String {
    let mut reduced = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '_'
        };
        if c == '.' && reduced.ends_with('.') {
            continue;
        }
        reduced.push(c);
    }
    reduced
}

/// Splits `name` into a non-empty stem and an extension of 1 to 5 ASCII
/// letters and digits with at least one letter, or returns none.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let (stem, extension) = name.rsplit_once('.')?;
    let usable = !stem.is_empty()
        && (1..=MAX_EXTENSION_CHARS).contains(&extension.len())
        && extension.bytes().all(|b| b.is_ascii_alphanumeric())
        && extension.bytes().any(|b| b.is_ascii_alphabetic());
    usable.then_some((stem, extension))
}

fn kind_extension(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "jpg",
        MediaKind::Gif => "gif",
        MediaKind::Video => "mp4",
        MediaKind::Audio => "mp3",
        MediaKind::Embed => "txt",
    }
}

/// Appends `_` to the part of `name` before its first dot when that part is
/// a Windows device name, which Windows reserves with any extension.
fn avoid_device_name(name: String) -> String {
    let (first, rest) = match name.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name.as_str(), None),
    };
    if !is_device_name(first) {
        return name;
    }
    match rest {
        Some(rest) => format!("{first}_.{rest}"),
        None => format!("{first}_"),
    }
}

fn is_device_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let bytes = upper.as_bytes();
            bytes.len() == 4
                && (upper.starts_with("COM") || upper.starts_with("LPT"))
                && bytes[3].is_ascii_digit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const ID: &str = "700000000000000001";

    fn media(url: &str, kind: MediaKind) -> Media {
        Media {
            url: url.to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn post(id: &str, media: Vec<Media>) -> Post {
        Post {
            id: id.to_owned(),
            url: format!("https://example-blog.tumblr.com/post/{id}"),
            blog: "example-blog".to_owned(),
            timestamp: 1_700_000_000,
            post_type: "photo".to_owned(),
            tags: Vec::new(),
            reblog: None,
            summary: String::new(),
            media,
        }
    }

    /// Name of a post's only item.
    fn single(url: &str, kind: MediaKind) -> String {
        let item = media(url, kind);
        media_filename(&post(ID, vec![item.clone()]), &item, 0)
    }

    /// Checks the properties every name must have on Windows and Linux.
    fn assert_portable(name: &str) {
        assert!(!name.is_empty(), "{name:?}");
        assert!(name.len() <= 255, "{name:?}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
            "{name:?}"
        );
        assert!(!name.contains(".."), "{name:?}");
        assert!(!name.ends_with('.'), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        let first = name.split('.').next().unwrap_or("");
        assert!(!is_device_name(first), "{name:?}");
    }

    #[test]
    fn filename_legacy_url() {
        let name = single(
            "https://64.media.tumblr.com/abc/tumblr_xyz_1280.jpg",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}_tumblr_xyz_1280.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_new_style_url() {
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let url = format!("https://64.media.tumblr.com/{hash}/s2048x3072/{hash}.png");
        let name = single(&url, MediaKind::Image);
        assert_eq!(name, format!("{ID}_{hash}.png"));
        assert_portable(&name);
    }

    #[test]
    fn filename_same_basename_two_posts() {
        let url = "https://64.media.tumblr.com/aaa/s640x960/0123456789abcdef.png";
        let item = media(url, MediaKind::Image);
        let first = media_filename(&post("101", vec![item.clone()]), &item, 0);
        let second = media_filename(&post("102", vec![item.clone()]), &item, 0);
        assert_eq!(first, "101_0123456789abcdef.png");
        assert_eq!(second, "102_0123456789abcdef.png");
    }

    #[test]
    fn filename_drops_query_and_fragment() {
        let name = single(
            "https://64.media.tumblr.com/abc/photo.jpg?size=large&x=1#frag",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}_photo.jpg"));
        let name = single("https://example.com/a/clip.mp4#t=10?x", MediaKind::Video);
        assert_eq!(name, format!("{ID}_clip.mp4"));
    }

    #[test]
    fn filename_url_ending_in_slash() {
        let name = single("https://example.com/photos/123/", MediaKind::Image);
        assert_eq!(name, format!("{ID}_media.jpg"));
        assert_portable(&name);
        let name = single("https://example.com", MediaKind::Gif);
        assert_eq!(name, format!("{ID}_media.gif"));
    }

    #[test]
    fn filename_long_basename() {
        let stem = "a".repeat(296);
        let url = format!("https://example.com/{stem}.jpeg");
        let name = single(&url, MediaKind::Image);
        let basename = name.strip_prefix(&format!("{ID}_")).unwrap_or("");
        assert_eq!(basename.len(), MAX_BASENAME_BYTES);
        assert!(basename.ends_with(".jpeg"), "{basename}");
        assert_eq!(basename, format!("{}.jpeg", "a".repeat(95)));
        assert_portable(&name);
    }

    #[test]
    fn filename_long_unicode_basename() {
        // 300 characters of 2 bytes each, and no extension.
        let url = format!("https://example.com/{}", "é".repeat(300));
        let name = single(&url, MediaKind::Audio);
        let basename = name.strip_prefix(&format!("{ID}_")).unwrap_or("");
        assert_eq!(basename, format!("{}.mp3", "_".repeat(96)));
        assert_portable(&name);
    }

    #[test]
    fn filename_encoded_slash_and_dots() {
        let name = single(
            "https://example.com/a/..%2F..%2Fetc%2Fpasswd",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}__2F._2Fetc_2Fpasswd.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_dot_segments() {
        for url in [
            "https://example.com/a/..",
            "https://example.com/a/.",
            "https://example.com/a/%2E%2E",
            "https://example.com/a/...",
        ] {
            let name = single(url, MediaKind::Image);
            assert_eq!(name, format!("{ID}_media.jpg"), "{url}");
        }
    }

    #[test]
    fn filename_decodes_safe_escapes() {
        let name = single("https://example.com/my%20photo%2B1.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_my_photo_1.png"));
        // Invalid escapes stay literal, and `%` becomes `_`.
        let name = single("https://example.com/100%25%zz.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_100__zz.png"));
    }

    #[test]
    fn filename_keeps_raw_when_decoding_unsafe() {
        // `%00` decodes to a control character and `%FF` to invalid UTF-8.
        let name = single("https://example.com/a%00b.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_00b.png"));
        let name = single("https://example.com/a%FFb.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_FFb.png"));
        let name = single("https://example.com/a%5Cb.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_5Cb.png"));
    }

    #[test]
    fn filename_backslash_separates() {
        let name = single("https://example.com/a\\..\\b.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_b.png"));
    }

    #[test]
    fn filename_device_names() {
        let cases = [
            ("con.jpg", MediaKind::Image, "con_.jpg"),
            ("NUL", MediaKind::Image, "NUL_.jpg"),
            ("Com1.png", MediaKind::Image, "Com1_.png"),
            ("lpt9.tar.gz", MediaKind::Image, "lpt9_.tar.gz"),
            ("aux", MediaKind::Video, "aux_.mp4"),
            ("prn.", MediaKind::Audio, "prn_.mp3"),
            ("console.jpg", MediaKind::Image, "console.jpg"),
            ("COM10.jpg", MediaKind::Image, "COM10.jpg"),
        ];
        for (segment, kind, expected) in cases {
            let name = single(&format!("https://example.com/x/{segment}"), kind);
            assert_eq!(name, format!("{ID}_{expected}"), "{segment}");
            assert_portable(&name);
        }
    }

    #[test]
    fn filename_unicode() {
        let name = single("https://example.com/café%20日本.jpg", MediaKind::Image);
        assert_eq!(name, format!("{ID}_caf____.jpg"));
        let name = single("https://example.com/caf%C3%A9.jpg", MediaKind::Image);
        assert_eq!(name, format!("{ID}_caf_.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_adds_kind_extension() {
        let cases = [
            (MediaKind::Video, "tumblr_abc123.mp4"),
            (MediaKind::Audio, "tumblr_abc123.mp3"),
            (MediaKind::Gif, "tumblr_abc123.gif"),
            (MediaKind::Image, "tumblr_abc123.jpg"),
        ];
        for (kind, expected) in cases {
            let name = single("https://va.media.tumblr.com/tumblr_abc123", kind);
            assert_eq!(name, format!("{ID}_{expected}"), "{kind:?}");
        }
        // Neither a number nor an over-long suffix counts as an extension.
        let name = single("https://example.com/v1.2", MediaKind::Video);
        assert_eq!(name, format!("{ID}_v1.2.mp4"));
        let name = single("https://example.com/page.action", MediaKind::Image);
        assert_eq!(name, format!("{ID}_page.action.jpg"));
    }

    #[test]
    fn filename_same_basename_in_post() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/other.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/c/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/d/photo.jpg", MediaKind::Image),
        ];
        let post = post(ID, items.clone());
        let names: Vec<String> = (0..items.len())
            .map(|i| media_filename(&post, &items[i], i as u32))
            .collect();
        assert_eq!(names[0], format!("{ID}_photo.jpg"));
        assert_eq!(names[1], format!("{ID}_other.jpg"));
        assert_eq!(names[2], format!("{ID}_2_photo.jpg"));
        assert_eq!(names[3], format!("{ID}_3_photo.jpg"));
    }

    #[test]
    fn filename_indexed_name_taken() {
        // Item 2's indexed name equals item 1's plain name.
        let items = vec![
            media("https://example.com/a/x.jpg", MediaKind::Image),
            media("https://example.com/a/2_x.jpg", MediaKind::Image),
            media("https://example.com/b/x.jpg", MediaKind::Image),
            media("https://example.com/embed/4_embed.txt", MediaKind::Image),
            media("https://www.youtube.com/embed/abc", MediaKind::Embed),
        ];
        let post = post(ID, items.clone());
        let names: Vec<String> = (0..items.len())
            .map(|i| media_filename(&post, &items[i], i as u32))
            .collect();
        assert_eq!(names[0], format!("{ID}_x.jpg"));
        assert_eq!(names[1], format!("{ID}_2_x.jpg"));
        assert_eq!(names[2], format!("{ID}_2_2_x.jpg"));
        assert_eq!(names[3], format!("{ID}_4_embed.txt"));
        assert_eq!(names[4], format!("{ID}_4_2_embed.txt"));
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn filename_embed() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://www.youtube.com/watch?v=abc", MediaKind::Embed),
        ];
        let post = post(ID, items.clone());
        let name = media_filename(&post, &items[1], 1);
        assert_eq!(name, format!("{ID}_1_embed.txt"));
        assert_portable(&name);
    }

    #[test]
    fn filename_stable() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/photo.jpg", MediaKind::Image),
        ];
        let post = post(ID, items.clone());
        let first = media_filename(&post, &items[1], 1);
        let second = media_filename(&post, &items[1], 1);
        assert_eq!(first, second);
        assert_eq!(first, format!("{ID}_1_photo.jpg"));
    }

    #[test]
    fn filename_odd_post_ids() {
        let item = media("https://example.com/photo.jpg", MediaKind::Image);
        let ids = ["../../etc", "a_b", "a:b", "", "CON", &"9".repeat(41)];
        let mut id_parts = HashSet::new();
        for id in ids {
            let name = media_filename(&post(id, vec![item.clone()]), &item, 0);
            assert_portable(&name);
            let (id_part, rest) = name.split_once('_').unwrap_or(("", ""));
            assert_eq!(rest, "photo.jpg", "{id:?}");
            assert!(!id_part.is_empty(), "{id:?}");
            assert!(id_parts.insert(id_part.to_owned()), "{id:?} repeats");
        }
        assert_eq!(id_part("CON"), "CON");
        assert_eq!(id_part("a_b"), format!("a-b-h{:016x}", fnv1a_64(b"a_b")));
    }

    #[test]
    fn fnv1a_known_values() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn last_segment_table() {
        let cases = [
            ("https://h/a/b.jpg", "b.jpg"),
            ("https://h/a/b.jpg?x=/y.png", "b.jpg"),
            ("https://h/a/b.jpg#/c.png", "b.jpg"),
            ("https://h/a/", ""),
            ("https://h", ""),
            ("https://h?x=1", ""),
            ("relative/path.gif", "path.gif"),
        ];
        for (url, expected) in cases {
            assert_eq!(last_path_segment(url), expected, "{url}");
        }
    }
}
