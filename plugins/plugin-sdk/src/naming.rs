//! Safe and stable file names: path components from URLs, post ids and
//! free text such as tags. Every component is valid on Windows and Linux
//! and bounded in length. Where cleaning changed a value, a hash of the
//! value is added, so distinct values keep distinct names.

use std::borrow::Cow;

use crate::media::MediaKind;

/// Maximum length of a path component built by this module, in bytes.
pub const MAX_COMPONENT_BYTES: usize = 100;

/// Maximum length of a URL basename (stem, dot and extension), in bytes.
const MAX_BASENAME_BYTES: usize = MAX_COMPONENT_BYTES;

/// Maximum length of a post id that is used unchanged, in bytes.
const MAX_PLAIN_ID_BYTES: usize = 40;

/// Number of leading id characters kept when an id is replaced by a hash.
const HASHED_ID_PREFIX_CHARS: usize = 23;

/// Stem used when a URL's last path segment leaves nothing usable.
const FALLBACK_STEM: &str = "media";

/// Maximum length of an extension taken from a URL, in characters.
const MAX_EXTENSION_CHARS: usize = 5;

/// Character that starts the hash suffix of a cleaned value. Cleaning
/// replaces it in every value, so only a cleaned value contains it.
const HASH_MARK: char = '~';

/// Length of the hash suffix: the mark and 16 hex digits.
const HASH_SUFFIX_BYTES: usize = 17;

/// Returns a post id as a path component. An id of 1 to 40 ASCII letters,
/// digits or `-`, as Tumblr's decimal ids are, stays as it is. Any other
/// id becomes its first 23 characters (others replaced by `-`), then `-h`
/// and the 64-bit FNV-1a hash of the whole id in 16 hex digits. So the
/// result never contains `_` or `.`, and distinct ids stay distinct.
pub fn id_component(id: &str) -> String {
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

/// Returns the 64-bit FNV-1a hash of `bytes`. It is used for names because
/// it is short, fixed across Rust versions and platforms, and needs no
/// dependency. It is not collision-resistant against crafted input.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The file name that a media URL suggests, split into a stem and an
/// extension, both safe as parts of a path component on Windows and Linux.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlBasename {
    /// Characters `[A-Za-z0-9._-]`, neither starting nor ending with a dot,
    /// never a Windows device name before its first dot.
    pub stem: String,
    /// 1 to 5 ASCII letters and digits with at least one letter.
    pub extension: String,
}

/// Returns the basename of a media URL of `kind`.
///
/// The basename is the last path segment of `url`, without query or
/// fragment. It is percent-decoded unless decoding yields invalid UTF-8, a
/// `/`, a `\` or a control character. Every character outside
/// `[A-Za-z0-9._-]` becomes `_`, runs of dots become one dot, and leading
/// and trailing dots are removed. An empty result becomes `media`. When the
/// name has no extension of 1 to 5 ASCII letters and digits with at least
/// one letter, `default_extension(kind)` is used. A longer name is cut to
/// 100 bytes (stem, dot and extension) with its extension kept. A Windows
/// device name before the first dot (CON, PRN, AUX, NUL, COM0 to COM9,
/// LPT0 to LPT9, any case) gets `_` appended, so `con.jpg` becomes
/// `con_.jpg`.
pub fn url_basename(url: &str, kind: MediaKind) -> UrlBasename {
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
        None => (name, default_extension(kind)),
    };
    let max_stem_bytes = MAX_BASENAME_BYTES - 1 - extension.len();
    // `reduce_characters` leaves only ASCII, so any byte index is a char
    // boundary.
    let stem = &stem[..stem.len().min(max_stem_bytes)];
    let stem = stem.trim_end_matches('.');
    let stem = if stem.is_empty() { FALLBACK_STEM } else { stem };

    UrlBasename {
        stem: avoid_device_name(stem.to_owned()),
        extension: extension.to_owned(),
    }
}

/// Returns the last segment of the URL's path, without query or fragment.
/// Both `/` and `\` end a segment, because web browsers read `\` in an
/// http URL as `/`.
pub fn last_path_segment(url: &str) -> &str {
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

/// Returns the extension used for a file of `kind` whose URL names none:
/// `jpg`, `gif`, `mp4`, `mp3`, or `txt` for an embed.
pub fn default_extension(kind: MediaKind) -> &'static str {
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
pub fn avoid_device_name(name: String) -> String {
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

/// Returns whether `name` is a Windows device name (CON, PRN, AUX, NUL,
/// COM0 to COM9, LPT0 to LPT9, any case, trailing spaces ignored), which
/// Windows reserves as a file name with any extension.
pub fn is_device_name(name: &str) -> bool {
    let upper = name.trim_end_matches(' ').to_ascii_uppercase();
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

/// Returns `value` (a tag, a blog name or other free text) as one path
/// component, safe on Windows and Linux and at most `MAX_COMPONENT_BYTES`
/// bytes long.
///
/// A value that needs no change stays as it is: letters of any script,
/// digits, emoji and punctuation are kept. Cleaning replaces with `_`:
/// `/`, `\`, the characters Windows forbids (`<>:"|?*`), `~`, control
/// characters, invisible formatting characters (zero-width and bidi
/// controls), and leading or trailing dots and spaces. An empty value
/// becomes `_`, and a Windows device name before the first dot gets `_`
/// appended. When cleaning changed the value, or the value is longer than
/// the limit, the result is the cleaned value, cut to fit, followed by `~`
/// and the 64-bit FNV-1a hash of the original value in 16 hex digits.
/// Because only cleaned values contain `~`, two distinct values give two
/// distinct components unless their hashes collide.
///
/// NOTE: names that differ only in letter case, or in Unicode
/// normalization, stay distinct here, but case-insensitive file systems
/// (Windows, macOS) put them in one folder.
pub fn safe_component(value: &str) -> String {
    let mut cleaned: String = value
        .chars()
        .map(|c| if is_unsafe_char(c) { '_' } else { c })
        .collect();
    replace_edge_dots_and_spaces(&mut cleaned);
    if cleaned.is_empty() {
        cleaned.push('_');
    }
    cleaned = avoid_device_name(cleaned);
    if cleaned == value && value.len() <= MAX_COMPONENT_BYTES {
        return cleaned;
    }
    let kept = truncate_on_char(&cleaned, MAX_COMPONENT_BYTES - HASH_SUFFIX_BYTES);
    format!("{kept}{HASH_MARK}{:016x}", fnv1a_64(value.as_bytes()))
}

/// Component used for a post without tags by `first_tag_component`.
pub const UNTAGGED: &str = "untagged";

/// Returns the first of `tags` as a path component (see `safe_component`),
/// or `untagged` for a post without tags. A post whose first tag is
/// `untagged` gets the same component.
pub fn first_tag_component(tags: &[String]) -> String {
    match tags.first() {
        Some(tag) => safe_component(tag),
        None => UNTAGGED.to_owned(),
    }
}

/// Returns whether `c` may not appear in a value that `safe_component`
/// keeps unchanged.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*' | HASH_MARK
        )
        || is_invisible_format(c)
}

/// Returns whether `c` is a zero-width or bidirectional formatting
/// character, which would hide or reorder parts of a name on screen.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    )
}

/// Replaces each leading and each trailing dot or space of `text` with
/// `_`. Windows drops trailing dots and spaces, a leading dot hides a file
/// on Linux, and `.` and `..` are not names at all.
fn replace_edge_dots_and_spaces(text: &mut String) {
    let is_edge = |c: char| c == '.' || c == ' ';
    let leading = text.chars().take_while(|c| is_edge(*c)).count();
    let trailing = text.chars().rev().take_while(|c| is_edge(*c)).count();
    if leading == 0 && trailing == 0 {
        return;
    }
    let total = text.chars().count();
    *text = text
        .chars()
        .enumerate()
        .map(|(position, c)| {
            if position < leading || position >= total.saturating_sub(trailing) {
                '_'
            } else {
                c
            }
        })
        .collect();
}

/// Returns the longest prefix of `text` of at most `max` bytes that ends on
/// a character boundary.
fn truncate_on_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Checks what every component must be on Windows and Linux.
    fn assert_safe(component: &str) {
        assert!(!component.is_empty(), "{component:?}");
        assert!(component.len() <= MAX_COMPONENT_BYTES, "{component:?}");
        assert!(
            !component.chars().any(is_unsafe_char_except_mark),
            "{component:?}"
        );
        assert!(!component.starts_with(['.', ' ']), "{component:?}");
        assert!(!component.ends_with(['.', ' ']), "{component:?}");
        let first = component.split('.').next().unwrap_or("");
        assert!(!is_device_name(first), "{component:?}");
    }

    fn is_unsafe_char_except_mark(c: char) -> bool {
        c != HASH_MARK && is_unsafe_char(c)
    }

    fn hash_of(value: &str) -> String {
        format!("~{:016x}", fnv1a_64(value.as_bytes()))
    }

    #[test]
    fn safe_component_keeps_safe_values() {
        let bang = "!".repeat(58);
        let values = [
            "Über",
            "日本語タグ",
            "🦊",
            bang.as_str(),
            "sample tag 1",
            "a_b",
            "example-blog",
            "c'est l'été",
            "a.b",
        ];
        for value in values {
            assert_eq!(safe_component(value), value, "{value:?}");
            assert_safe(value);
        }
    }

    #[test]
    fn safe_component_hashes_changed_values() {
        let cases = [
            ("a/b", "a_b"),
            ("a\\b", "a_b"),
            ("what?", "what_"),
            ("x~y", "x_y"),
            ("tab\there", "tab_here"),
            ("zero\u{200b}width", "zero_width"),
            ("", "_"),
            (".", "_"),
            ("..", "__"),
            (".hidden", "_hidden"),
            ("trailing. ", "trailing__"),
            (" lead", "_lead"),
            ("CON", "CON_"),
            ("con.txt", "con_.txt"),
            ("Lpt1", "Lpt1_"),
            ("CON .x", "CON _.x"),
        ];
        for (value, cleaned) in cases {
            let component = safe_component(value);
            assert_eq!(
                component,
                format!("{cleaned}{}", hash_of(value)),
                "{value:?}"
            );
            assert_safe(&component);
        }
    }

    #[test]
    fn safe_component_distinct_values() {
        let values = ["a/b", "a_b", "a\\b", "a:b", "a_b~", "a~b", "A/B", "a/b "];
        let components: Vec<String> = values.iter().map(|v| safe_component(v)).collect();
        for (i, first) in components.iter().enumerate() {
            for (j, second) in components.iter().enumerate().skip(i + 1) {
                assert_ne!(first, second, "{:?} vs {:?}", values[i], values[j]);
            }
        }
    }

    #[test]
    fn safe_component_bounds_length() {
        let long = "日".repeat(60);
        let component = safe_component(&long);
        assert!(
            component.len() <= MAX_COMPONENT_BYTES,
            "{}",
            component.len()
        );
        assert!(component.ends_with(&hash_of(&long)), "{component}");
        assert!(component.starts_with(&"日".repeat(27)), "{component}");
        assert_safe(&component);

        let exact = "x".repeat(MAX_COMPONENT_BYTES);
        assert_eq!(safe_component(&exact), exact);
        let over = "x".repeat(MAX_COMPONENT_BYTES + 1);
        let component = safe_component(&over);
        assert_eq!(component, format!("{}{}", "x".repeat(83), hash_of(&over)));
    }

    #[test]
    fn first_tag_component_cases() {
        assert_eq!(first_tag_component(&[]), "untagged");
        let tags = vec!["日本語タグ".to_owned(), "b".to_owned()];
        assert_eq!(first_tag_component(&tags), "日本語タグ");
        let tags = vec!["a/b".to_owned()];
        assert_eq!(first_tag_component(&tags), safe_component("a/b"));
    }

    #[test]
    fn id_component_plain_and_hashed() {
        assert_eq!(id_component("700000000000000001"), "700000000000000001");
        assert_eq!(id_component("CON"), "CON");
        assert_eq!(
            id_component("a_b"),
            format!("a-b-h{:016x}", fnv1a_64(b"a_b"))
        );
        let long = "9".repeat(41);
        let component = id_component(&long);
        assert!(component.starts_with(&"9".repeat(23)), "{component}");
        assert_eq!(component.len(), 23 + 2 + 16);
    }

    #[test]
    fn url_basename_parts() {
        let cases = [
            (
                "https://64.media.tumblr.com/a/tumblr_xyz_1280.jpg",
                MediaKind::Image,
                "tumblr_xyz_1280",
                "jpg",
            ),
            (
                "https://va.media.tumblr.com/tumblr_abc123",
                MediaKind::Video,
                "tumblr_abc123",
                "mp4",
            ),
            (
                "https://example.com/x/lpt9.tar.gz",
                MediaKind::Image,
                "lpt9_.tar",
                "gz",
            ),
            ("https://example.com/", MediaKind::Gif, "media", "gif"),
            (
                "https://www.youtube.com/embed/abc",
                MediaKind::Embed,
                "abc",
                "txt",
            ),
        ];
        for (url, kind, stem, extension) in cases {
            let basename = url_basename(url, kind);
            assert_eq!(basename.stem, stem, "{url}");
            assert_eq!(basename.extension, extension, "{url}");
        }
    }

    #[test]
    fn device_name_table() {
        for name in [
            "CON", "con", "Prn", "AUX", "nul", "COM0", "com9", "LPT1", "CON  ",
        ] {
            assert!(is_device_name(name), "{name:?}");
        }
        for name in ["CONSOLE", "COM10", "LPT", "COMA", " CON", "NUL.txt", ""] {
            assert!(!is_device_name(name), "{name:?}");
        }
    }
}
