//! Finds the exact text of JSON values inside a document, so a scraper can
//! hand the host each post object byte for byte as the site sent it.
//!
//! The scanner checks only as much syntax as it needs to find where each
//! value ends: strings with their escapes, and nested objects and arrays.
//! Callers parse the same document with `serde_json` first, so a document
//! that reaches here is valid JSON.

/// Returns the text of each element of the array found by following the
/// object keys `path` from the top-level value of `document`, or `None`
/// when a key is missing or the value at the end is not an array.
///
/// When an object repeats a key, the last one counts, as in `serde_json`.
/// Keys are compared as written, so a key spelled with `\u` escapes does
/// not match.
#[must_use]
pub fn array_elements<'a>(document: &'a str, path: &[&str]) -> Option<Vec<&'a str>> {
    let bytes = document.as_bytes();
    let mut start = skip_whitespace(bytes, 0);
    for key in path {
        start = member_value(bytes, start, key)?;
    }
    if bytes.get(start) != Some(&b'[') {
        return None;
    }
    let mut elements = Vec::new();
    let mut position = skip_whitespace(bytes, start + 1);
    if bytes.get(position) == Some(&b']') {
        return Some(elements);
    }
    loop {
        let end = value_end(bytes, position)?;
        elements.push(document.get(position..end)?);
        position = skip_whitespace(bytes, end);
        match bytes.get(position)? {
            b',' => position = skip_whitespace(bytes, position + 1),
            b']' => return Some(elements),
            _ => return None,
        }
    }
}

/// Returns the start of the value of `key` in the object that starts at
/// `start`.
fn member_value(bytes: &[u8], start: usize, key: &str) -> Option<usize> {
    if bytes.get(start) != Some(&b'{') {
        return None;
    }
    let mut found = None;
    let mut position = skip_whitespace(bytes, start + 1);
    if bytes.get(position) == Some(&b'}') {
        return None;
    }
    loop {
        let key_end = string_end(bytes, position)?;
        let name = bytes.get(position + 1..key_end - 1)?;
        position = skip_whitespace(bytes, key_end);
        if bytes.get(position) != Some(&b':') {
            return None;
        }
        let value_start = skip_whitespace(bytes, position + 1);
        if name == key.as_bytes() {
            found = Some(value_start);
        }
        position = skip_whitespace(bytes, value_end(bytes, value_start)?);
        match bytes.get(position)? {
            b',' => position = skip_whitespace(bytes, position + 1),
            b'}' => return found,
            _ => return None,
        }
    }
}

/// Returns the index just past the value that starts at `start`.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => container_end(bytes, start),
        _ => {
            let length = bytes[start..]
                .iter()
                .position(|byte| matches!(byte, b',' | b'}' | b']') || byte.is_ascii_whitespace())
                .unwrap_or(bytes.len() - start);
            (length > 0).then_some(start + length)
        }
    }
}

/// Returns the index just past the string that starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let mut position = start + 1;
    loop {
        // Strings make up most of a post's bytes, so `memchr` finds the next
        // quote or escape faster than a loop over single bytes.
        position += memchr::memchr2(b'"', b'\\', bytes.get(position..)?)?;
        match bytes[position] {
            b'\\' => position += 2,
            _ => return Some(position + 1),
        }
    }
}

/// Returns the index just past the object or array that starts at
/// `start`, counting brackets outside strings.
fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0_usize;
    let mut position = start;
    loop {
        match bytes.get(position)? {
            b'"' => {
                position = string_end(bytes, position)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(position + 1);
                }
            }
            _ => {}
        }
        position += 1;
    }
}

fn skip_whitespace(bytes: &[u8], mut position: usize) -> usize {
    while bytes.get(position).is_some_and(u8::is_ascii_whitespace) {
        position += 1;
    }
    position
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_keep_exact_text() {
        let document = r#" { "meta": {"status": 200},
            "response": { "posts": [ {"id": 1, "body": "a \"quoted\" ]}"} ,
            {"id":2,"tags":["x", "y"]}, 3, "s", null ] } } "#;
        let elements = array_elements(document, &["response", "posts"]);
        assert_eq!(
            elements,
            Some(vec![
                r#"{"id": 1, "body": "a \"quoted\" ]}"}"#,
                r#"{"id":2,"tags":["x", "y"]}"#,
                "3",
                r#""s""#,
                "null",
            ])
        );
    }

    #[test]
    fn empty_array() {
        assert_eq!(
            array_elements(r#"{"posts": [ ]}"#, &["posts"]),
            Some(Vec::new())
        );
    }

    #[test]
    fn last_repeated_key_counts() {
        let document = r#"{"posts": [1], "posts": [2, 3]}"#;
        assert_eq!(array_elements(document, &["posts"]), Some(vec!["2", "3"]));
    }

    #[test]
    fn missing_key_or_wrong_type() {
        assert_eq!(
            array_elements(r#"{"response": {}}"#, &["response", "posts"]),
            None
        );
        assert_eq!(array_elements(r#"{"posts": {}}"#, &["posts"]), None);
        assert_eq!(array_elements(r#"[1, 2]"#, &["posts"]), None);
    }

    #[test]
    fn top_level_array() {
        assert_eq!(
            array_elements("[true,false]", &[]),
            Some(vec!["true", "false"])
        );
    }

    #[test]
    fn truncated_document() {
        assert_eq!(array_elements(r#"{"posts": [{"id": 1"#, &["posts"]), None);
    }
}
