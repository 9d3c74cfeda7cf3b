//! Plain-text helpers for post summaries: whitespace collapsing and
//! truncation on character boundaries.

/// Maximum length of a post's `summary` in the WIT `post` record, in
/// characters.
pub const SUMMARY_MAX_CHARS: usize = 200;

/// Replaces each run of whitespace in `text` by one space and trims both
/// ends.
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the first `max_chars` characters of `text`.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_chars_on_char_boundary() {
        let text = "é".repeat(250);
        let cut = truncate_chars(&text, SUMMARY_MAX_CHARS);
        assert_eq!(cut.chars().count(), 200);
        assert_eq!(truncate_chars("short", 200), "short");
        assert_eq!(truncate_chars("🐓🐓🐓", 2), "🐓🐓");
    }

    #[test]
    fn collapse_whitespace_runs() {
        assert_eq!(collapse_whitespace("  a \n\t b  "), "a b");
        assert_eq!(collapse_whitespace(" \n "), "");
    }
}
