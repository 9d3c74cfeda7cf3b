//! NPF text blocks: inline formatting ranges and the subtypes that group
//! consecutive blocks (lists, indented blocks, chat lines).
//!
//! Formatting ranges count Unicode code points, as the NPF specification
//! states (tumblr/docs `npf-spec.md`, "Inline Formatting within a Text
//! Block"): an emoji outside the Basic Multilingual Plane is one position,
//! not two UTF-16 units or four UTF-8 bytes. `start` is inclusive, `end`
//! exclusive.

use serde_json::Value;

use super::html::{css_color, escape, link_target, push_escaped};

/// One inline formatting range, clamped to the text.
struct Range {
    start: usize,
    end: usize,
    format: Format,
}

enum Format {
    Bold,
    Italic,
    Strikethrough,
    Small,
    Link(String),
    Mention(Option<String>),
    Color(Option<String>),
}

impl Format {
    fn parse(range: &Value) -> Option<Format> {
        let text_at = |key: &str| range.get(key).and_then(Value::as_str);
        Some(match text_at("type")? {
            "bold" => Format::Bold,
            "italic" => Format::Italic,
            "strikethrough" => Format::Strikethrough,
            "small" => Format::Small,
            "link" => Format::Link(text_at("url").unwrap_or_default().to_owned()),
            "mention" => Format::Mention(
                range
                    .get("blog")
                    .and_then(|blog| blog.get("url"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            ),
            "color" => Format::Color(text_at("hex").and_then(css_color).map(str::to_owned)),
            _ => return None,
        })
    }

    fn open_tag(&self) -> String {
        match self {
            Format::Bold => "<b>".to_owned(),
            Format::Italic => "<i>".to_owned(),
            Format::Strikethrough => "<s>".to_owned(),
            Format::Small => "<small>".to_owned(),
            Format::Link(url) => match link_target(url) {
                Some(target) => format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer\">",
                    escape(target)
                ),
                None => "<span>".to_owned(),
            },
            Format::Mention(url) => match url.as_deref().and_then(link_target) {
                Some(target) => format!(
                    "<a class=\"mention\" href=\"{}\" rel=\"noopener noreferrer\">",
                    escape(target)
                ),
                None => "<span class=\"mention\">".to_owned(),
            },
            Format::Color(Some(hex)) => format!("<span style=\"color: {hex}\">"),
            Format::Color(None) => "<span>".to_owned(),
        }
    }

    fn close_tag(&self) -> &'static str {
        match self {
            Format::Bold => "</b>",
            Format::Italic => "</i>",
            Format::Strikethrough => "</s>",
            Format::Small => "</small>",
            Format::Link(url) if link_target(url).is_some() => "</a>",
            Format::Mention(Some(url)) if link_target(url).is_some() => "</a>",
            Format::Link(_) | Format::Mention(_) | Format::Color(_) => "</span>",
        }
    }
}

/// Formatting ranges read per text block. Later ones are ignored, because
/// applying the ranges takes time in (number of ranges)² and a hostile
/// record with many thousands of them would stall the gallery build. The
/// NPF specification limits a text block to 4,096 code points ("Post
/// Content Limits"), so real posts stay far below this.
const MAX_RANGES: usize = 1_000;

fn parse_ranges(formatting: &[Value], length: usize) -> Vec<Range> {
    let position = |range: &Value, key: &str| {
        range.get(key).and_then(Value::as_u64).map_or(0, |value| {
            usize::try_from(value).unwrap_or(usize::MAX).min(length)
        })
    };
    formatting
        .iter()
        .take(MAX_RANGES)
        .filter_map(|range| {
            let start = position(range, "start");
            let end = position(range, "end");
            let format = Format::parse(range)?;
            (start < end).then_some(Range { start, end, format })
        })
        .collect()
}

/// Returns the HTML of `text` with its formatting ranges applied.
///
/// The output is well nested even where ranges overlap: at each position
/// where the set of active ranges changes, the ranges that must close are
/// closed, inner ranges that are still active are reopened, and new ranges
/// open. Ranges that start earlier (and, from the same start, end later)
/// sit outside, so `bold 0–20` and `italic 9–34` give
/// `<b>…<i>…</i></b><i>…</i>`. Line breaks in the text become `<br>`.
pub fn inline_html(text: &str, formatting: &[Value]) -> String {
    let characters: Vec<char> = text.chars().collect();
    let ranges = parse_ranges(formatting, characters.len());

    let mut boundaries: Vec<usize> = vec![0, characters.len()];
    for range in &ranges {
        boundaries.push(range.start);
        boundaries.push(range.end);
    }
    boundaries.sort_unstable();
    boundaries.dedup();

    let mut out = String::with_capacity(text.len());
    let mut open: Vec<usize> = Vec::new();
    for pair in boundaries.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let mut active: Vec<usize> = (0..ranges.len())
            .filter(|&index| ranges[index].start <= from && to <= ranges[index].end)
            .collect();
        active.sort_by_key(|&index| {
            let range = &ranges[index];
            (range.start, std::cmp::Reverse(range.end), index)
        });

        let common = open
            .iter()
            .zip(&active)
            .take_while(|(open, wanted)| open == wanted)
            .count();
        while open.len() > common {
            let index = open.pop().expect("open has more than `common` entries");
            out.push_str(ranges[index].format.close_tag());
        }
        for &index in &active[common..] {
            out.push_str(&ranges[index].format.open_tag());
            open.push(index);
        }

        let segment: String = characters[from..to].iter().collect();
        push_text(&mut out, &segment);
    }
    while let Some(index) = open.pop() {
        out.push_str(ranges[index].format.close_tag());
    }
    out
}

/// Appends escaped text, with line breaks as `<br>`.
fn push_text(out: &mut String, text: &str) {
    let mut lines = text.split('\n');
    if let Some(first) = lines.next() {
        push_escaped(out, first);
    }
    for line in lines {
        out.push_str("<br>");
        push_escaped(out, line);
    }
}

/// A container that groups consecutive text blocks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    List(&'static str),
    Indented,
    Chat,
}

/// Maximum `indent_level` the NPF specification allows.
const MAX_INDENT_LEVEL: usize = 7;

/// Builds the HTML of a sequence of blocks, grouping consecutive list
/// items into (nested) `<ul>`/`<ol>`, `indented` blocks into (nested)
/// blockquotes and `chat` blocks into one `chat` element.
#[derive(Default)]
pub struct TextFlow {
    out: String,
    stack: Vec<Container>,
}

impl TextFlow {
    /// Appends a text block.
    pub fn push_text_block(&mut self, block: &Value) {
        let text = block.get("text").and_then(Value::as_str).unwrap_or("");
        let formatting = block
            .get("formatting")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let inline = inline_html(text, formatting);
        let level = block
            .get("indent_level")
            .and_then(Value::as_u64)
            .map_or(0, |level| {
                usize::try_from(level).unwrap_or(MAX_INDENT_LEVEL)
            })
            .min(MAX_INDENT_LEVEL);

        match block.get("subtype").and_then(Value::as_str) {
            Some("heading1") => self.push_html(&format!("<h1>{inline}</h1>")),
            Some("heading2") => self.push_html(&format!("<h2>{inline}</h2>")),
            Some("quirky") => self.push_html(&format!("<p class=\"quirky\">{inline}</p>")),
            Some("quote") => self.push_html(&format!(
                "<blockquote class=\"quote\"><p>{inline}</p></blockquote>"
            )),
            Some("chat") => {
                self.enter(Container::Chat, 1);
                self.out
                    .push_str(&format!("<p class=\"chat-line\">{inline}</p>"));
            }
            Some("indented") => {
                self.enter(Container::Indented, level + 1);
                self.out.push_str(&format!("<p>{inline}</p>"));
            }
            Some("ordered-list-item") => {
                self.enter(Container::List("ol"), level + 1);
                self.out.push_str(&inline);
            }
            Some("unordered-list-item") => {
                self.enter(Container::List("ul"), level + 1);
                self.out.push_str(&inline);
            }
            _ => self.push_html(&format!("<p>{inline}</p>")),
        }
    }

    /// Appends HTML that belongs to no group, closing the open groups.
    pub fn push_html(&mut self, html: &str) {
        self.close_to(0);
        self.out.push_str(html);
    }

    /// Returns the HTML, with every group closed.
    pub fn finish(mut self) -> String {
        self.close_to(0);
        self.out
    }

    /// Opens or continues `container` at nesting `depth` (1 = outermost).
    /// A list item gets a new `<li>`; containers missing between the
    /// current depth and `depth` are opened as `container` too.
    fn enter(&mut self, container: Container, depth: usize) {
        self.close_to(depth);
        if self.stack.len() == depth && self.stack.last() != Some(&container) {
            self.close_to(depth - 1);
        }
        if self.stack.len() == depth {
            if let Container::List(_) = container {
                self.out.push_str("</li><li>");
            }
            return;
        }
        while self.stack.len() < depth {
            self.out.push_str(match container {
                Container::List("ol") => "<ol><li>",
                Container::List(_) => "<ul><li>",
                Container::Indented => "<blockquote class=\"indented\">",
                Container::Chat => "<div class=\"chat\">",
            });
            self.stack.push(container);
        }
    }

    fn close_to(&mut self, depth: usize) {
        while self.stack.len() > depth {
            let closing = match self.stack.pop() {
                Some(Container::List("ol")) => "</li></ol>",
                Some(Container::List(_)) => "</li></ul>",
                Some(Container::Indented) => "</blockquote>",
                Some(Container::Chat) => "</div>",
                None => "",
            };
            self.out.push_str(closing);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn format(text: &str, formatting: Value) -> String {
        inline_html(
            text,
            formatting.as_array().expect("test formatting is an array"),
        )
    }

    #[test]
    fn overlapping_ranges_nest() {
        let html = format(
            "supercalifragilisticexpialidocious",
            json!([{"start": 0, "end": 20, "type": "bold"}, {"start": 9, "end": 34, "type": "italic"}]),
        );
        assert_eq!(
            html,
            "<b>supercali<i>fragilistic</i></b><i>expialidocious</i>"
        );
    }

    /// Checks that every closing tag matches the innermost open one.
    fn assert_well_nested(html: &str) {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("tag is closed") + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "in {html}");
            } else if tag != "br" {
                let name = tag.split(' ').next().expect("tag has a name");
                stack.push(name.to_owned());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?} in {html}");
    }

    #[test]
    fn many_overlaps_stay_well_nested() {
        let html = format(
            "0123456789abcdefghij",
            json!([
                {"start": 0, "end": 10, "type": "bold"},
                {"start": 5, "end": 15, "type": "italic"},
                {"start": 8, "end": 20, "type": "small"},
                {"start": 2, "end": 12, "type": "strikethrough"},
                {"start": 3, "end": 18, "type": "link", "url": "https://example.com/"},
                {"start": 9, "end": 11, "type": "color", "hex": "#ff0000"}
            ]),
        );
        assert_well_nested(&html);
        let text: String = html
            .split('<')
            .map(|part| part.split_once('>').map_or(part, |(_, text)| text))
            .collect();
        assert_eq!(text, "0123456789abcdefghij");
    }

    #[test]
    fn ranges_count_code_points() {
        // 🌳 is one code point but two UTF-16 units and four UTF-8 bytes.
        let html = format("a🌳bc", json!([{"start": 2, "end": 3, "type": "bold"}]));
        assert_eq!(html, "a🌳<b>b</b>c");
    }

    #[test]
    fn out_of_range_and_empty_ranges() {
        let html = format(
            "abc",
            json!([{"start": 1, "end": 99, "type": "italic"}, {"start": 2, "end": 2, "type": "bold"}]),
        );
        assert_eq!(html, "a<i>bc</i>");
    }

    #[test]
    fn ranges_past_the_limit_ignored() {
        let text = "x".repeat(MAX_RANGES + 1);
        let ranges: Vec<Value> = (0..=MAX_RANGES)
            .map(|start| json!({"start": start, "end": start + 1, "type": "bold"}))
            .collect();
        let html = inline_html(&text, &ranges);
        assert_eq!(html.matches("<b>").count(), MAX_RANGES);
        assert!(html.ends_with("</b>x"));
    }

    #[test]
    fn text_is_escaped_and_lines_break() {
        let html = format("<script>alert('x')</script>\nnext", json!([]));
        assert_eq!(
            html,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>next"
        );
    }

    #[test]
    fn unsafe_link_and_color_are_dropped() {
        let html = format(
            "ab",
            json!([
                {"start": 0, "end": 1, "type": "link", "url": "javascript:alert(1)"},
                {"start": 1, "end": 2, "type": "color", "hex": "red;background:url(https://evil.example/x)"}
            ]),
        );
        assert_eq!(html, "<span>a</span><span>b</span>");
    }

    fn flow(blocks: Value) -> String {
        let mut flow = TextFlow::default();
        for block in blocks.as_array().expect("test blocks are an array") {
            flow.push_text_block(block);
        }
        flow.finish()
    }

    #[test]
    fn nested_lists() {
        let html = flow(json!([
            {"type": "text", "subtype": "ordered-list-item", "text": "one"},
            {"type": "text", "subtype": "unordered-list-item", "text": "one.a", "indent_level": 1},
            {"type": "text", "subtype": "unordered-list-item", "text": "one.b", "indent_level": 1},
            {"type": "text", "subtype": "ordered-list-item", "text": "two"},
            {"type": "text", "text": "after"}
        ]));
        assert_eq!(
            html,
            "<ol><li>one<ul><li>one.a</li><li>one.b</li></ul></li><li>two</li></ol><p>after</p>"
        );
    }

    #[test]
    fn indented_with_list_inside() {
        let html = flow(json!([
            {"type": "text", "subtype": "indented", "text": "1"},
            {"type": "text", "subtype": "indented", "text": "2", "indent_level": 1},
            {"type": "text", "subtype": "unordered-list-item", "text": "3", "indent_level": 2},
            {"type": "text", "subtype": "indented", "text": "back"}
        ]));
        assert_eq!(
            html,
            "<blockquote class=\"indented\"><p>1</p><blockquote class=\"indented\"><p>2</p>\
             <ul><li>3</li></ul></blockquote><p>back</p></blockquote>"
        );
    }

    #[test]
    fn chat_lines_group() {
        let html = flow(json!([
            {"type": "text", "subtype": "chat", "text": "a: hi"},
            {"type": "text", "subtype": "chat", "text": "b: hello"},
            {"type": "text", "subtype": "heading2", "text": "end"}
        ]));
        assert_eq!(
            html,
            "<div class=\"chat\"><p class=\"chat-line\">a: hi</p><p class=\"chat-line\">b: hello</p></div><h2>end</h2>"
        );
    }
}
