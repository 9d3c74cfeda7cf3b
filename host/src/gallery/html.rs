//! Escaping for HTML text and attributes, percent-encoding of relative
//! paths, and the file names of tag pages.

use sha2::{Digest, Sha256};

/// Longest readable part of a tag page's file name, in bytes; the hash
/// suffix comes on top.
const MAX_TAG_SLUG_LEN: usize = 60;

/// Stems a tag page cannot have as they are: `index` is the page that lists
/// the tags, and the others are device names that Windows reserves.
const RESERVED_STEMS: [&str; 5] = ["index", "con", "prn", "aux", "nul"];

/// Escapes `text` for an HTML text node or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters other than tab and newline are not
            // allowed in HTML text.
            '\t' | '\n' => escaped.push(character),
            control if control.is_control() => escaped.push('\u{FFFD}'),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Percent-encodes each `/`-separated segment of a relative path, so a
/// file name with `#`, `?`, `%`, spaces or non-ASCII letters stays one
/// path in a URL. The result still needs `escape` inside an attribute
/// only for `&`, which this encoding never leaves.
pub fn encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            encoded.push('/');
        }
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                encoded.push(char::from(byte));
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    encoded
}

/// Returns the file name, without extension, of the page of `tag`. A tag
/// made only of lowercase ASCII letters, digits and `-` (at most 60 bytes,
/// not empty, not `index` nor a Windows device name) is its own name. Any other tag gets a readable part from
/// those characters, then `_` and 12 hex digits of the tag's SHA-256, so
/// two tags never share a page and no name contains `.`, `/` or `..`.
pub fn tag_file_stem(tag: &str) -> String {
    let is_plain = !tag.is_empty()
        && tag.len() <= MAX_TAG_SLUG_LEN
        && tag
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
        && !is_reserved(tag);
    if is_plain {
        return tag.to_string();
    }
    let mut slug = String::new();
    for character in tag.chars().flat_map(char::to_lowercase) {
        if slug.len() >= MAX_TAG_SLUG_LEN {
            break;
        }
        if character.is_ascii_alphanumeric() {
            slug.push(character);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let digest = Sha256::digest(tag.as_bytes());
    let hash: String = digest[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    if slug.is_empty() {
        format!("tag_{hash}")
    } else {
        format!("{slug}_{hash}")
    }
}

fn is_reserved(stem: &str) -> bool {
    let numbered = ["com", "lpt"].iter().any(|prefix| {
        stem.strip_prefix(prefix)
            .is_some_and(|digit| digit.len() == 1 && digit.as_bytes()[0].is_ascii_digit())
    });
    numbered || RESERVED_STEMS.contains(&stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_markup_characters() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{FFFD}b");
        assert_eq!(escape("line\nnext"), "line\nnext");
    }

    #[test]
    fn encode_path_segments() {
        assert_eq!(encode_path("123_a b#1?.jpg"), "123_a%20b%231%3F.jpg");
        assert_eq!(encode_path("dir/é.png"), "dir/%C3%A9.png");
        assert_eq!(encode_path("100%.gif"), "100%25.gif");
        assert_eq!(encode_path("a&b\"c.jpg"), "a%26b%22c.jpg");
    }

    #[test]
    fn tag_stem_plain_tag_kept() {
        assert_eq!(tag_file_stem("cats"), "cats");
        assert_eq!(tag_file_stem("art-2024"), "art-2024");
    }

    #[test]
    fn tag_stem_hostile_tags_safe() {
        let long = "x".repeat(5000);
        let cases = [
            "../x",
            "<script>",
            "",
            &long,
            "日本語",
            "Cats",
            "a/b",
            ".",
            "..",
            "con",
            "index",
            "com1",
        ];
        let mut seen = std::collections::BTreeSet::new();
        for tag in cases {
            let stem = tag_file_stem(tag);
            assert!(!stem.is_empty(), "stem of {tag:?} is empty");
            assert!(
                stem.len() <= 80,
                "stem of a {}-byte tag is {stem:?}",
                tag.len()
            );
            assert!(
                stem.bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'),
                "stem {stem:?} of {tag:?} has a character outside [A-Za-z0-9_-]"
            );
            assert!(
                seen.insert(stem.clone()),
                "stem {stem:?} of {tag:?} is not unique"
            );
        }
        assert!(
            tag_file_stem("../x").starts_with("x_"),
            "readable part kept"
        );
        assert_ne!(tag_file_stem("index"), "index", "tag index page kept free");
        assert!(tag_file_stem("日本語").starts_with("tag_"), "no ASCII part");
    }

    #[test]
    fn tag_stem_distinguishes_case() {
        assert_ne!(tag_file_stem("Cats"), tag_file_stem("cats"));
        assert_ne!(tag_file_stem("cats!"), tag_file_stem("cats?"));
    }
}
