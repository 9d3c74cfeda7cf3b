//! Posts of Tumblr's legacy v1 read API (`/api/read/json` and `/api/read`):
//! hyphenated fields such as `regular-body`, `photo-caption`, `quote-text`
//! and `conversation`, whose HTML goes through the sanitizer.
//!
//! An XML `<post>` is first turned into the JSON shape (attributes and
//! child elements become fields, `<photo-url max-width="1280">` becomes
//! `photo-url-1280`, `<tag>`, `<photo>` and `<line>` become lists), so both
//! forms render the same way.

use serde_json::{Map, Value};

use super::blocks::card;
use super::html::escape;
use super::json::{array_at, text_at};
use super::media::{MediaContext, MediaKind};
use super::sanitize::sanitize;

/// Renders a v1 JSON post object.
pub fn render_json_post(post: &Value, context: &mut MediaContext<'_>) -> String {
    let html = |key: &str, context: &mut MediaContext<'_>| {
        text_at(post, key)
            .map(|html| sanitize(html, context))
            .unwrap_or_default()
    };
    let heading = |key: &str| {
        text_at(post, key)
            .map(|title| format!("<h2>{}</h2>", escape(title)))
            .unwrap_or_default()
    };
    let (typed, text) = match text_at(post, "type")
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "regular" | "text" => (heading("regular-title"), html("regular-body", context)),
        "photo" => (photos(post, context), html("photo-caption", context)),
        "quote" => {
            let quote = format!(
                "<blockquote class=\"quote\">{}</blockquote>",
                html("quote-text", context)
            );
            let source = html("quote-source", context);
            let source = if source.is_empty() {
                source
            } else {
                format!("<div class=\"quote-source\">{source}</div>")
            };
            (quote + &source, String::new())
        }
        "link" => {
            let url = text_at(post, "link-url").unwrap_or("");
            let title = text_at(post, "link-text").unwrap_or(url);
            let inner = format!("<strong>{}</strong>", escape(title));
            (card(url, &inner), html("link-description", context))
        }
        "conversation" | "chat" => (
            heading("conversation-title") + &conversation(post),
            String::new(),
        ),
        "answer" => {
            let question = html("question", context);
            // The v1 API does not name the asker.
            let ask = format!("<div class=\"ask\">{question}</div>");
            (ask, html("answer", context))
        }
        "video" => (
            html("video-player", context),
            html("video-caption", context),
        ),
        "audio" => (
            html("audio-player", context),
            html("audio-caption", context),
        ),
        _ => (String::new(), String::new()),
    };
    if text.is_empty() {
        typed
    } else {
        format!("{typed}<div class=\"post-body\">{text}</div>")
    }
}

/// Renders the photos: each entry of `photos` (a photoset), else the
/// post's own `photo-url-*` fields. Every size is tried, largest first.
fn photos(post: &Value, context: &mut MediaContext<'_>) -> String {
    let set = array_at(post, "photos");
    let sources: Vec<&Value> = if set.is_empty() {
        vec![post]
    } else {
        set.iter().collect()
    };
    let figures: Vec<String> = sources
        .into_iter()
        .map(|photo| {
            let urls = photo_urls(photo);
            let caption = text_at(photo, "caption");
            let element = context.element(MediaKind::Image, &urls, caption);
            format!("<figure>{element}</figure>")
        })
        .collect();
    if figures.len() > 1 {
        format!("<div class=\"npf-row\">{}</div>", figures.concat())
    } else {
        figures.concat()
    }
}

/// Returns the `photo-url-{width}` values of `photo`, widest first.
fn photo_urls(photo: &Value) -> Vec<&str> {
    let Some(fields) = photo.as_object() else {
        return Vec::new();
    };
    let mut sized: Vec<(u32, &str)> = fields
        .iter()
        .filter_map(|(key, value)| {
            let width = key.strip_prefix("photo-url-")?.parse().ok()?;
            Some((width, value.as_str()?))
        })
        .collect();
    sized.sort_by_key(|(width, _)| std::cmp::Reverse(*width));
    sized.into_iter().map(|(_, url)| url).collect()
}

/// Renders `conversation` (a list of `{label, phrase}`), or the plain
/// `conversation-text` when the list is absent.
fn conversation(post: &Value) -> String {
    let lines = array_at(post, "conversation");
    let html: String = if lines.is_empty() {
        text_at(post, "conversation-text")
            .unwrap_or("")
            .lines()
            .map(|line| format!("<p class=\"chat-line\">{}</p>", escape(line)))
            .collect()
    } else {
        lines
            .iter()
            .map(|line| {
                let label = text_at(line, "label")
                    .or_else(|| text_at(line, "name"))
                    .map(escape);
                let phrase = text_at(line, "phrase").map(escape).unwrap_or_default();
                format!(
                    "<p class=\"chat-line\"><b>{}</b> {phrase}</p>",
                    label.unwrap_or_default()
                )
            })
            .collect()
    };
    format!("<div class=\"chat\">{html}</div>")
}

/// Renders a v1 XML `<post>` element. Returns the HTML, the tags and the
/// note count, or `None` when `record` has no `<post>` element.
pub fn render_xml_post(
    record: &str,
    context: &mut MediaContext<'_>,
) -> Option<(String, Vec<String>, Option<u64>)> {
    let post = xml_post_to_json(record)?;
    let tags = array_at(&post, "tags")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let note_count = text_at(&post, "note-count").and_then(|count| count.trim().parse().ok());
    Some((render_json_post(&post, context), tags, note_count))
}

/// Turns the first `<post>` element of `record` into the v1 JSON shape, or
/// returns `None` when there is none.
///
/// The XML is read with the HTML parser, which decodes entities (so an
/// escaped `&lt;p&gt;` body becomes its HTML text) but ignores `/>` on
/// elements it does not know: a `<tumblelog … />` inside the post then
/// contains the elements after it. Fields are therefore read from all
/// descendants of the post, not only its children.
fn xml_post_to_json(record: &str) -> Option<Value> {
    let document = scraper::Html::parse_fragment(record);
    let mut fields = Map::new();
    let post = document
        .root_element()
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .find(|element| element.value().name() == "post")?;
    for (key, value) in post.value().attrs() {
        fields.insert(key.to_owned(), Value::String(value.to_owned()));
    }

    let mut tags = Vec::new();
    let mut photos = Vec::new();
    let mut lines = Vec::new();
    for element in post
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .skip(1)
    {
        let name = element.value().name();
        let text: String = element.text().collect();
        match name {
            "tag" => tags.push(Value::String(text)),
            "photo" => photos.push(xml_photo(element)),
            "line" => {
                let mut line = Map::new();
                for key in ["label", "name"] {
                    if let Some(value) = element.value().attr(key) {
                        line.insert(key.to_owned(), Value::String(value.to_owned()));
                    }
                }
                line.insert("phrase".to_owned(), Value::String(text));
                lines.push(Value::Object(line));
            }
            _ => {
                let key = match element.value().attr("max-width") {
                    Some(width) => format!("{name}-{width}"),
                    None => name.to_owned(),
                };
                let inside_photo = element
                    .ancestors()
                    .filter_map(scraper::ElementRef::wrap)
                    .any(|ancestor| ancestor.value().name() == "photo");
                if !inside_photo && !fields.contains_key(&key) {
                    fields.insert(key, Value::String(text));
                }
            }
        }
    }
    fields.insert("tags".to_owned(), Value::Array(tags));
    if !photos.is_empty() {
        fields.insert("photos".to_owned(), Value::Array(photos));
    }
    if !lines.is_empty() {
        fields.insert("conversation".to_owned(), Value::Array(lines));
    }
    Some(Value::Object(fields))
}

/// Turns a photoset's `<photo>` into `{caption, photo-url-*}`.
fn xml_photo(photo: scraper::ElementRef<'_>) -> Value {
    let mut fields = Map::new();
    for element in photo
        .descendants()
        .filter_map(scraper::ElementRef::wrap)
        .skip(1)
    {
        let text: String = element.text().collect();
        let key = match (element.value().name(), element.value().attr("max-width")) {
            ("photo-url", Some(width)) => format!("photo-url-{width}"),
            ("photo-caption", _) => "caption".to_owned(),
            _ => continue,
        };
        fields.insert(key, Value::String(text));
    }
    Value::Object(fields)
}
