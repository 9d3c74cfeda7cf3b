//! A small HTML tag scanner for the HTML fields of posts: tags with their
//! attributes (both quote styles, unquoted values, entity decoding), the
//! plain text of a fragment, and `srcset` candidates. It reads tags one by
//! one and builds no tree, which is enough to find media and text in the
//! fragments that Tumblr writes.

use crate::text::collapse_whitespace;

/// One start or end tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Lowercase tag name, such as `img`.
    pub name: String,
    /// Whether this is an end tag such as `</video>`.
    pub is_end: bool,
    /// Attributes in source order, names lowercase, values entity-decoded.
    pub attributes: Vec<(String, String)>,
}

impl Tag {
    /// Returns the value of attribute `name`, or `None` when it is missing
    /// or empty.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }
}

/// An item of an HTML fragment: a tag or a run of text.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    Tag(Tag),
    Text(&'a str),
}

/// Returns the start and end tags of `html` in order. Comments, doctypes and
/// processing instructions are skipped, and a `<` that starts no tag is text.
pub fn tags(html: &str) -> Vec<Tag> {
    tokens(html)
        .into_iter()
        .filter_map(|token| match token {
            Token::Tag(tag) => Some(tag),
            Token::Text(_) => None,
        })
        .collect()
}

fn tokens(html: &str) -> Vec<Token<'_>> {
    let bytes = html.as_bytes();
    let mut tokens = Vec::new();
    let mut text_start = 0;
    let mut position = 0;
    while let Some(offset) = html[position..].find('<') {
        let start = position + offset;
        let next = bytes.get(start + 1).copied();
        let skip_to = match next {
            Some(b'!') | Some(b'?') => {
                let terminator = if html[start..].starts_with("<!--") {
                    "-->"
                } else {
                    ">"
                };
                Some(
                    html[start..]
                        .find(terminator)
                        .map_or(html.len(), |end| start + end + terminator.len()),
                )
            }
            _ => None,
        };
        if let Some(end) = skip_to {
            push_text(&mut tokens, &html[text_start..start]);
            position = end;
            text_start = end;
            continue;
        }
        match read_tag(html, start) {
            Some((tag, end)) => {
                push_text(&mut tokens, &html[text_start..start]);
                tokens.push(Token::Tag(tag));
                position = end;
                text_start = end;
            }
            None => position = start + 1,
        }
    }
    push_text(&mut tokens, &html[text_start..]);
    tokens
}

fn push_text<'a>(tokens: &mut Vec<Token<'a>>, text: &'a str) {
    if !text.is_empty() {
        tokens.push(Token::Text(text));
    }
}

/// Reads the tag that starts at byte `start` (a `<`). Returns the tag and
/// the byte offset after its `>`, or `None` when no tag name follows.
fn read_tag(html: &str, start: usize) -> Option<(Tag, usize)> {
    let bytes = html.as_bytes();
    let mut position = start + 1;
    let is_end = bytes.get(position) == Some(&b'/');
    if is_end {
        position += 1;
    }
    let name_start = position;
    while bytes
        .get(position)
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
    {
        position += 1;
    }
    if position == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = html[name_start..position].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        while bytes
            .get(position)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'/')
        {
            position += 1;
        }
        match bytes.get(position) {
            None => {
                return Some((
                    Tag {
                        name,
                        is_end,
                        attributes,
                    },
                    html.len(),
                ));
            }
            Some(b'>') => {
                return Some((
                    Tag {
                        name,
                        is_end,
                        attributes,
                    },
                    position + 1,
                ));
            }
            Some(_) => {}
        }
        let key_start = position;
        while bytes
            .get(position)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            position += 1;
        }
        let key = html[key_start..position].to_ascii_lowercase();
        while bytes.get(position).is_some_and(u8::is_ascii_whitespace) {
            position += 1;
        }
        let mut value = String::new();
        if bytes.get(position) == Some(&b'=') {
            position += 1;
            while bytes.get(position).is_some_and(u8::is_ascii_whitespace) {
                position += 1;
            }
            let (raw, end) = read_value(html, position);
            value = decode_entities(raw);
            position = end;
        }
        if !key.is_empty() {
            attributes.push((key, value));
        }
    }
}

/// Reads an attribute value at `position`: quoted with `"` or `'`, or
/// unquoted up to whitespace or `>`. Returns the raw value and the offset
/// after it.
fn read_value(html: &str, position: usize) -> (&str, usize) {
    let bytes = html.as_bytes();
    match bytes.get(position) {
        Some(&quote) if quote == b'"' || quote == b'\'' => {
            let value_start = position + 1;
            match html[value_start..].find(quote as char) {
                Some(length) => (
                    &html[value_start..value_start + length],
                    value_start + length + 1,
                ),
                None => (&html[value_start..], html.len()),
            }
        }
        _ => {
            let length = html[position..]
                .find(|c: char| c.is_ascii_whitespace() || c == '>')
                .unwrap_or(html.len() - position);
            (&html[position..position + length], position + length)
        }
    }
}

/// Named entities decoded besides the numeric forms. Others stay as written.
const NAMED_ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("hellip", '\u{2026}'),
    ("mdash", '\u{2014}'),
    ("ndash", '\u{2013}'),
    ("lsquo", '\u{2018}'),
    ("rsquo", '\u{2019}'),
    ("ldquo", '\u{201c}'),
    ("rdquo", '\u{201d}'),
];

/// Decodes `&amp;`, `&quot;`, the other entities in `NAMED_ENTITIES`, and
/// numeric references such as `&#39;` and `&#x27;`.
pub fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find('&') {
        decoded.push_str(&rest[..index]);
        let candidate = &rest[index + 1..];
        match candidate.find(';').filter(|end| *end <= 10) {
            Some(end) => match entity_char(&candidate[..end]) {
                Some(character) => {
                    decoded.push(character);
                    rest = &candidate[end + 1..];
                }
                None => {
                    decoded.push('&');
                    rest = candidate;
                }
            },
            None => {
                decoded.push('&');
                rest = candidate;
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

fn entity_char(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code);
    }
    NAMED_ENTITIES
        .iter()
        .find(|(entity, _)| *entity == name)
        .map(|(_, character)| *character)
}

/// Returns the text of `html` without tags, with entities decoded and every
/// run of whitespace collapsed to one space. The contents of `script` and
/// `style` elements are left out, and block tags and `<br>` separate words.
pub fn plain_text(html: &str) -> String {
    let mut text = String::new();
    let mut skipping: Option<String> = None;
    for token in tokens(html) {
        match token {
            Token::Tag(tag) => {
                if let Some(skipped) = &skipping {
                    if tag.is_end && &tag.name == skipped {
                        skipping = None;
                    }
                    continue;
                }
                if !tag.is_end && (tag.name == "script" || tag.name == "style") {
                    skipping = Some(tag.name);
                    continue;
                }
                if !is_inline(&tag.name) {
                    text.push(' ');
                }
            }
            Token::Text(run) => {
                if skipping.is_none() {
                    text.push_str(&decode_entities(run));
                }
            }
        }
    }
    collapse_whitespace(&text)
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "b"
            | "i"
            | "em"
            | "strong"
            | "small"
            | "span"
            | "u"
            | "s"
            | "strike"
            | "sub"
            | "sup"
            | "code"
            | "big"
            | "font"
            | "abbr"
    )
}

/// One candidate of a `srcset` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrcsetCandidate {
    pub url: String,
    /// Width from a `…w` descriptor, when given.
    pub width: Option<u32>,
}

/// Parses a `srcset` value into its candidates. A URL ends at whitespace,
/// so commas inside it (as in Tumblr's `_c0,27202,…` crop buckets) stay part
/// of the URL. Descriptors run up to the next comma.
pub fn parse_srcset(srcset: &str) -> Vec<SrcsetCandidate> {
    let mut candidates = Vec::new();
    let mut rest = srcset;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            return candidates;
        }
        let url_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let raw_url = &rest[..url_end];
        rest = &rest[url_end..];
        let url = raw_url.trim_end_matches(',');
        let mut width = None;
        if url.len() == raw_url.len() {
            let descriptor_end = rest.find(',').unwrap_or(rest.len());
            for descriptor in rest[..descriptor_end].split_whitespace() {
                if let Some(number) = descriptor.strip_suffix('w') {
                    width = number.parse().ok();
                }
            }
            rest = &rest[descriptor_end..];
        }
        if !url.is_empty() {
            candidates.push(SrcsetCandidate {
                url: url.to_owned(),
                width,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_both_quote_styles() {
        let found = tags(r#"<IMG SRC="a.jpg" alt='x "y"' data-npf='{"a":1}'/><p>"#);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "img");
        assert_eq!(found[0].attribute("src"), Some("a.jpg"));
        assert_eq!(found[0].attribute("alt"), Some("x \"y\""));
        assert_eq!(found[0].attribute("data-npf"), Some(r#"{"a":1}"#));
        assert_eq!(found[1].name, "p");
    }

    #[test]
    fn tags_unquoted_value_with_slashes() {
        let found = tags("<img src=http://x.test/a/b.gif width=5>");
        assert_eq!(found[0].attribute("src"), Some("http://x.test/a/b.gif"));
        assert_eq!(found[0].attribute("width"), Some("5"));
    }

    #[test]
    fn tags_decode_entities_in_values() {
        let found = tags(r#"<a href="x?a=1&amp;b=2" title="&quot;q&quot; &#39;s&#x27;">"#);
        assert_eq!(found[0].attribute("href"), Some("x?a=1&b=2"));
        assert_eq!(found[0].attribute("title"), Some("\"q\" 's'"));
    }

    #[test]
    fn tags_end_and_comments() {
        let found = tags("<!-- <img src=hidden.jpg> --><video></video><!doctype html>");
        let names: Vec<(&str, bool)> = found.iter().map(|t| (t.name.as_str(), t.is_end)).collect();
        assert_eq!(names, [("video", false), ("video", true)]);
    }

    #[test]
    fn tags_less_than_in_text() {
        let found = tags("a < b <3 <img src=x.png> 1<2");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].attribute("src"), Some("x.png"));
    }

    #[test]
    fn tags_unterminated() {
        let found = tags(r#"<img src="a.jpg"#);
        assert_eq!(found[0].attribute("src"), Some("a.jpg"));
        let found = tags("<img src=b.jpg");
        assert_eq!(found[0].attribute("src"), Some("b.jpg"));
    }

    #[test]
    fn decode_entities_cases() {
        assert_eq!(decode_entities("a &amp; b"), "a & b");
        assert_eq!(
            decode_entities("&lt;p&gt; &hellip;&rsquo;"),
            "<p> \u{2026}\u{2019}"
        );
        assert_eq!(decode_entities("&#8217;&#x2019;"), "\u{2019}\u{2019}");
        assert_eq!(
            decode_entities("AT&T; &unknown; & &"),
            "AT&T; &unknown; & &"
        );
        assert_eq!(decode_entities("&#xD800;"), "&#xD800;");
    }

    #[test]
    fn plain_text_strips_tags() {
        let text = plain_text("<p>One&nbsp;<b>two</b></p><p>three<br>four</p><script>x()</script>");
        assert_eq!(text, "One two three four");
    }

    #[test]
    fn parse_srcset_widths_and_commas() {
        let candidates = parse_srcset(
            "https://x.test/s75x75_c1/a.jpg 75w, https://x.test/s2048x3072_c0,1,2,3/b.jpg 2048w,\
             https://x.test/c.jpg",
        );
        let expected = [
            ("https://x.test/s75x75_c1/a.jpg", Some(75)),
            ("https://x.test/s2048x3072_c0,1,2,3/b.jpg", Some(2048)),
            ("https://x.test/c.jpg", None),
        ];
        assert_eq!(candidates.len(), expected.len());
        for (candidate, (url, width)) in candidates.iter().zip(expected) {
            assert_eq!(candidate.url, url);
            assert_eq!(candidate.width, width);
        }
    }
}
