//! Tumblr's legacy v1 read API in XML, `/api/read`: a `<tumblr>` document
//! with a `<tumblelog>` and a `<posts start total>` list of `<post>`
//! elements. `read_xml_body` turns it into the same JSON shape that
//! `tumblr_v1::read_body` returns, so `tumblr_v1::parse_post` builds the
//! posts and their media for both formats.
//!
//! The mapping of one `<post>`:
//! - its attributes (`id`, `url-with-slug`, `type`, `unix-timestamp`,
//!   `reblogged-from-name`, …) become string fields of the same name,
//! - each child with text becomes a string field named after it. A child
//!   with a `max-width` attribute becomes `{name}-{max-width}`, so
//!   `<photo-url max-width="1280">` is `photo-url-1280`, and it is also
//!   `{name}` when no child of that name lacks the attribute,
//! - `<tag>` elements become the `tags` array,
//! - each `<photo>` of a `<photoset>` becomes an entry of `photos`, with its
//!   attributes (`width`, `height`, …) and `photo-url-*` fields.
//!
//! Of repeated children other than `<tag>` and `<photo>`, the first one
//! sets the field. Other children that contain elements, such as the
//! post's own `<tumblelog>` and `<conversation>`, are skipped.
//!
//! NOTE: a chat post's summary therefore needs a plain `<conversation-text>`
//! or `<conversation-title>` child. No recorded chat post in XML has been
//! checked for one.

use serde_json::{Map, Value};

use crate::html::decode_entities;

/// An XML element with its attributes, child elements and text. The text
/// is the decoded character data of the element itself, without that of
/// its children.
#[derive(Debug, Default, PartialEq, Eq)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
    /// Byte range of the element in the document, from its start tag's
    /// `<` to its end tag's `>`.
    source: std::ops::Range<usize>,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }
}

/// Parses the XML page of `/api/read` into the JSON object that
/// `tumblr_v1::read_body` returns: `tumblelog` with the attributes of
/// `<tumblelog>`, `posts-start` and `posts-total` from `<posts>`, and
/// `posts` with one object per `<post>`. Returns `None` when the body is
/// not well-formed XML, or its root is not `<tumblr>` with a `<posts>`
/// child.
pub fn read_xml_body(body: &[u8]) -> Option<Value> {
    read_xml_page(body).map(|(page, _)| page)
}

/// Reads the XML page like `read_xml_body`, and returns with it the exact
/// text of each `<post>` element, in the order of the `posts` array.
pub fn read_xml_page(body: &[u8]) -> Option<(Value, Vec<&str>)> {
    let text = std::str::from_utf8(body).ok()?;
    let root = parse_document(text)?;
    if root.name != "tumblr" {
        return None;
    }
    let posts = root.child("posts")?;
    let mut page = Map::new();
    if let Some(tumblelog) = root.child("tumblelog") {
        page.insert("tumblelog".to_owned(), attributes_object(tumblelog).into());
    }
    for (attribute, key) in [("start", "posts-start"), ("total", "posts-total")] {
        if let Some(value) = posts.attribute(attribute) {
            page.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    }
    let post_elements: Vec<&Element> = posts
        .children
        .iter()
        .filter(|child| child.name == "post")
        .collect();
    let list: Vec<Value> = post_elements.iter().map(|post| post_object(post)).collect();
    let sources = post_elements
        .iter()
        .map(|post| text.get(post.source.clone()))
        .collect::<Option<Vec<&str>>>()?;
    page.insert("posts".to_owned(), Value::Array(list));
    Some((Value::Object(page), sources))
}

/// Maps one `<post>` as the module documentation describes.
fn post_object(post: &Element) -> Value {
    let mut object = attributes_object(post);
    let mut tags = Vec::new();
    let mut photos = Vec::new();
    for child in &post.children {
        match child.name.as_str() {
            "tag" if !child.text.is_empty() => tags.push(Value::String(child.text.clone())),
            "photoset" => photos.extend(
                child
                    .children
                    .iter()
                    .filter(|photo| photo.name == "photo")
                    .map(|photo| {
                        let mut entry = attributes_object(photo);
                        add_text_fields(&mut entry, &photo.children);
                        Value::Object(entry)
                    }),
            ),
            _ => {}
        }
    }
    let plain: Vec<&Element> = post
        .children
        .iter()
        .filter(|child| !matches!(child.name.as_str(), "tag" | "photoset"))
        .collect();
    add_text_fields(&mut object, plain);
    if !tags.is_empty() {
        object.insert("tags".to_owned(), Value::Array(tags));
    }
    if !photos.is_empty() {
        object.insert("photos".to_owned(), Value::Array(photos));
    }
    Value::Object(object)
}

/// Returns the attributes of `element` as string fields.
fn attributes_object(element: &Element) -> Map<String, Value> {
    let mut object = Map::new();
    for (key, value) in &element.attributes {
        object
            .entry(key.clone())
            .or_insert_with(|| Value::String(value.clone()));
    }
    object
}

/// Adds the text children of `children` as fields: those without
/// `max-width` first, so that they win the plain name, then those with it.
/// Children that contain elements or no text are skipped.
fn add_text_fields<'a>(
    object: &mut Map<String, Value>,
    children: impl IntoIterator<Item = &'a Element>,
) {
    let text_children: Vec<&Element> = children
        .into_iter()
        .filter(|child| child.children.is_empty() && !child.text.is_empty())
        .collect();
    for child in &text_children {
        if child.attribute("max-width").is_none() {
            insert_first(object, &child.name, &child.text);
        }
    }
    for child in &text_children {
        if let Some(width) = child.attribute("max-width") {
            insert_first(
                object,
                &format!("{}-{}", child.name, width.trim()),
                &child.text,
            );
            insert_first(object, &child.name, &child.text);
        }
    }
}

fn insert_first(object: &mut Map<String, Value>, key: &str, text: &str) {
    object
        .entry(key.to_owned())
        .or_insert_with(|| Value::String(text.to_owned()));
}

/// Parses `text` into its root element. Returns `None` for text that is
/// not well-formed: a tag without `>`, an end tag that does not match the
/// open element, an element left open, or a second root. The XML
/// declaration, processing instructions, comments and a `<!DOCTYPE>`
/// without an internal subset are skipped. Text is trimmed, with entities
/// and character references decoded and CDATA sections taken as written.
fn parse_document(text: &str) -> Option<Element> {
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    while !rest.is_empty() {
        let Some(index) = rest.find('<') else {
            append_text(&mut open, &decode_entities(rest))?;
            break;
        };
        append_text(&mut open, &decode_entities(&rest[..index]))?;
        rest = &rest[index..];
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>")?;
            append_text(&mut open, &after[..end])?;
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if let Some(after) = rest.strip_prefix("<?") {
            rest = &after[after.find("?>")? + 2..];
        } else if let Some(after) = rest.strip_prefix("<!") {
            rest = &after[after.find('>')? + 1..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>')?;
            let mut element = open.pop()?;
            if after[..end].trim() != element.name {
                return None;
            }
            rest = &after[end + 1..];
            element.source.end = text.len() - rest.len();
            close(element, &mut open, &mut root)?;
        } else {
            let start = text.len() - rest.len();
            let (mut element, self_closing, after) = start_tag(&rest[1..])?;
            element.source = start..text.len() - after.len();
            if self_closing {
                close(element, &mut open, &mut root)?;
            } else {
                open.push(element);
            }
            rest = after;
        }
    }
    if !open.is_empty() {
        return None;
    }
    root
}

/// Appends character data to the open element. Text outside the root must
/// be whitespace.
fn append_text(open: &mut [Element], text: &str) -> Option<()> {
    match open.last_mut() {
        Some(element) => element.text.push_str(text),
        None if !text.trim().is_empty() => return None,
        None => {}
    }
    Some(())
}

/// Ends `element`: trims its text and adds it to its parent, or makes it
/// the root. Fails on a second root.
fn close(mut element: Element, open: &mut [Element], root: &mut Option<Element>) -> Option<()> {
    element.text = element.text.trim().to_owned();
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_some() => return None,
        None => *root = Some(element),
    }
    Some(())
}

/// Parses a start tag after its `<`: the name, the attributes with their
/// values decoded, and whether it ends with `/>`. Returns the text after
/// the tag too.
fn start_tag(text: &str) -> Option<(Element, bool, &str)> {
    let name_end = text.find(|c: char| c.is_whitespace() || c == '/' || c == '>')?;
    let name = &text[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut element = Element {
        name: name.to_owned(),
        ..Element::default()
    };
    let mut rest = &text[name_end..];
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("/>") {
            return Some((element, true, after));
        }
        if let Some(after) = rest.strip_prefix('>') {
            return Some((element, false, after));
        }
        let equals = rest.find('=')?;
        let key = rest[..equals].trim();
        if key.is_empty() || key.contains(|c: char| c.is_whitespace() || c == '>') {
            return None;
        }
        let value_text = rest[equals + 1..].trim_start();
        let quote = value_text
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')?;
        let value_end = value_text[1..].find(quote)?;
        let value = decode_entities(&value_text[1..1 + value_end]);
        element.attributes.push((key.to_owned(), value));
        rest = &value_text[1 + value_end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::{Dimensions, MediaKind};
    use crate::tumblr_v1::parse_post;

    const PAGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a page of two posts -->
<tumblr version="1.0">
<tumblelog name="example-blog" title="Tom &amp; Jerry"/>
<posts start="50" total="52">
<post id="11" url="https://example-blog.tumblr.com/post/11" type="photo" unix-timestamp="100" reblogged-from-name="parent-blog">
<photo-caption>&lt;p&gt;Two &amp;amp; more&lt;/p&gt;</photo-caption>
<photoset>
<photo offset="o1" width="640" height="480">
<photo-url max-width="1280">https://64.media.tumblr.com/tumblr_a_1280.jpg</photo-url>
<photo-url max-width="500">https://64.media.tumblr.com/tumblr_a_500.jpg</photo-url>
</photo>
<photo offset="o2" width="2000" height="1000">
<photo-url max-width="1280">https://64.media.tumblr.com/tumblr_b_1280.png</photo-url>
</photo>
</photoset>
<tag>first</tag>
<tag>second tag</tag>
</post>
<post id="12" type="video" unix-timestamp="200">
<video-caption><![CDATA[<p>Clip <img src="https://64.media.tumblr.com/tumblr_inline_c_500.gif"></p>]]></video-caption>
<video-player max-width="250">&lt;iframe src="https://www.youtube.com/embed/small"&gt;&lt;/iframe&gt;</video-player>
<video-player>&lt;video&gt;&lt;source src="https://va.media.tumblr.com/tumblr_v.mp4"&gt;&lt;/video&gt;</video-player>
</post>
</posts>
</tumblr>
"#;

    fn page() -> Value {
        match read_xml_body(PAGE.as_bytes()) {
            Some(page) => page,
            None => panic!("the sample page was not read"),
        }
    }

    #[test]
    fn page_fields() {
        let page = page();
        assert_eq!(page["tumblelog"]["name"], "example-blog");
        assert_eq!(page["tumblelog"]["title"], "Tom & Jerry");
        assert_eq!(page["posts-start"], "50");
        assert_eq!(page["posts-total"], "52");
        assert_eq!(page["posts"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn photoset_post() {
        let page = page();
        let Some(post) = parse_post(&page["posts"][0], "example-blog") else {
            panic!("first post was not parsed");
        };
        assert_eq!(post.id, "11");
        assert_eq!(post.url, "https://example-blog.tumblr.com/post/11");
        assert_eq!(post.timestamp, 100);
        assert_eq!(post.post_type, "photo");
        assert_eq!(post.tags, ["first", "second tag"]);

        assert_eq!(post.summary, "Two & more");
        assert_eq!(
            post.reblog.map(|source| source.from_blog).as_deref(),
            Some("parent-blog")
        );

        assert_eq!(post.media.len(), 2);
        // The 640-pixel upload is wider than the 500 bucket but not the
        // 1280 one, so the 1280 URL serves it unscaled.
        assert_eq!(
            post.media[0].url,
            "https://64.media.tumblr.com/tumblr_a_1280.jpg"
        );
        assert_eq!(
            post.media[0].size,
            Some(Dimensions {
                width: 640,
                height: 480
            })
        );
        assert_eq!(post.media[0].alternates.len(), 1);
        assert_eq!(
            post.media[0].alternates[0].url,
            "https://64.media.tumblr.com/tumblr_a_500.jpg"
        );

        // The 2000-pixel upload is scaled down to 1280, so its size is unknown.
        assert_eq!(
            post.media[1].url,
            "https://64.media.tumblr.com/tumblr_b_1280.png"
        );
        assert_eq!(post.media[1].size, None);
    }

    #[test]
    fn video_post_plain_player_wins() {
        let page = page();
        assert_eq!(
            page["posts"][1]["video-player-250"],
            "<iframe src=\"https://www.youtube.com/embed/small\"></iframe>"
        );
        let Some(post) = parse_post(&page["posts"][1], "example-blog") else {
            panic!("second post was not parsed");
        };
        assert_eq!(post.url, "https://example-blog.tumblr.com/post/12");
        assert_eq!(post.tags, Vec::<String>::new());
        assert_eq!(post.reblog, None);
        assert_eq!(post.summary, "Clip");
        let media: Vec<(&str, MediaKind)> = post
            .media
            .iter()
            .map(|item| (item.url.as_str(), item.kind))
            .collect();
        assert_eq!(
            media,
            [
                ("https://va.media.tumblr.com/tumblr_v.mp4", MediaKind::Video),
                (
                    "https://64.media.tumblr.com/tumblr_inline_c_500.gif",
                    MediaKind::Gif
                ),
            ]
        );
    }

    #[test]
    fn max_width_fills_plain_name() {
        let xml = r#"<tumblr><posts><post id="1"><video-player max-width="400">a</video-player><video-player max-width="250">b</video-player></post></posts></tumblr>"#;
        let Some(page) = read_xml_body(xml.as_bytes()) else {
            panic!("page was not read");
        };
        let post = &page["posts"][0];
        assert_eq!(post["video-player"], "a");
        assert_eq!(post["video-player-400"], "a");
        assert_eq!(post["video-player-250"], "b");
    }

    #[test]
    fn rejected_documents() {
        let cases = [
            "",
            "<html><body></body></html>",
            "<tumblr><tumblelog name=\"a\"/></tumblr>",
            "<tumblr><posts></tumblr>",
            "<tumblr><posts></posts>",
            "<tumblr><posts></posts></tumblr><tumblr/>",
            "text<tumblr><posts/></tumblr>",
            "<tumblr><posts total=5></posts></tumblr>",
            "<tumblr><posts",
            "var tumblr_api_read = {\"posts\": []};",
        ];
        for xml in cases {
            assert_eq!(read_xml_body(xml.as_bytes()), None, "{xml}");
        }
        assert_eq!(read_xml_body(&[0xff, 0xfe]), None);
    }

    #[test]
    fn accepted_minimal_documents() {
        let cases = [
            "<tumblr><posts/></tumblr>",
            "\u{feff}<?xml version=\"1.0\"?>\n<!DOCTYPE tumblr>\n<tumblr ><posts total='0' ></posts ></tumblr>\n",
        ];
        for xml in cases {
            let posts = read_xml_body(xml.as_bytes()).map(|page| page["posts"].clone());
            assert_eq!(posts, Some(Value::Array(Vec::new())), "{xml}");
        }
    }
}
