//! NPF content blocks other than text: image, video, audio, link, poll,
//! paywall, and a notice for block types this renderer does not know.

use serde_json::Value;

use super::html::{escape, link};
use super::json::str_at;
use super::media::{MediaContext, MediaKind};

/// Returns the `url` of each media object in `value`, which NPF gives as an
/// array (images, posters) or as a single object (video and audio media).
fn media_urls(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::Array(objects)) => objects.iter().filter_map(|o| str_at(o, "url")).collect(),
        Some(object @ Value::Object(_)) => str_at(object, "url").into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Renders one block that is not a text block.
pub fn render_block(block: &Value, context: &mut MediaContext<'_>) -> String {
    match str_at(block, "type").unwrap_or("") {
        "image" => image(block, context),
        "video" => player(block, MediaKind::Video, context),
        "audio" => player(block, MediaKind::Audio, context),
        "link" => link_card(block, context),
        "poll" => poll(block),
        "paywall" => paywall(block),
        other => format!(
            "<p class=\"unsupported\">A block of type “{}” is not shown in this gallery.</p>",
            escape(other)
        ),
    }
}

/// Renders an image block. Every rendition in `media` is tried, widest
/// first, because the archive keeps one of them. The GIF `poster` stills
/// are not tried: the archive keeps the animation.
pub fn image(block: &Value, context: &mut MediaContext<'_>) -> String {
    let urls = media_urls(block.get("media"));
    let element = context.element(MediaKind::Image, &urls, str_at(block, "alt_text"));
    let mut figure = format!("<figure>{element}");
    if let Some(caption) = str_at(block, "caption").filter(|text| !text.is_empty()) {
        figure.push_str(&format!("<figcaption>{}</figcaption>", escape(caption)));
    }
    figure.push_str(&attribution(block.get("attribution")));
    figure.push_str("</figure>");
    figure
}

/// Returns a line naming where a block came from, or nothing.
fn attribution(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return String::new();
    };
    let url = str_at(value, "url").unwrap_or("");
    let label = match str_at(value, "type") {
        Some("post") | Some("blog") => value
            .get("blog")
            .and_then(|blog| str_at(blog, "name"))
            .map(|name| format!("via {}", escape(name))),
        Some("app") => str_at(value, "display_text")
            .or_else(|| str_at(value, "app_name"))
            .map(escape),
        Some("link") => Some(escape(url)),
        _ => None,
    };
    match label {
        Some(label) => format!("<p class=\"attribution\">{}</p>", link(url, None, &label)),
        None => String::new(),
    }
}

/// Renders a video or audio block. A Tumblr-hosted file (`provider`
/// `tumblr`, or a `media` object without a provider) is shown from the
/// archive or as a placeholder. A third-party player becomes a link.
fn player(block: &Value, kind: MediaKind, context: &mut MediaContext<'_>) -> String {
    let provider = str_at(block, "provider").unwrap_or("");
    let native = provider == "tumblr" || (provider.is_empty() && block.get("media").is_some());
    let mut files = media_urls(block.get("media"));
    files.extend(str_at(block, "url"));
    let posters = media_urls(block.get("poster"));

    let mut html = String::from("<figure>");
    if native || context.find(&files).is_some() {
        if kind == MediaKind::Video {
            html.push_str(&context.video(&files, &posters));
        } else {
            html.push_str(&context.optional_image(&posters, "album art"));
            html.push_str(&context.element(MediaKind::Audio, &files, None));
        }
    } else {
        let url = str_at(block, "url")
            .or_else(|| str_at(block, "embed_url"))
            .or_else(|| {
                block
                    .get("embed_iframe")
                    .and_then(|frame| str_at(frame, "url"))
            })
            .unwrap_or("");
        html.push_str(&context.optional_image(&posters, "thumbnail"));
        html.push_str(&context.embed(kind, provider, url));
    }
    let details: Vec<String> = ["title", "artist", "album"]
        .iter()
        .filter_map(|key| str_at(block, key))
        .filter(|text| !text.is_empty())
        .map(escape)
        .collect();
    if !details.is_empty() {
        html.push_str(&format!("<figcaption>{}</figcaption>", details.join(" — ")));
    }
    html.push_str(&attribution(block.get("attribution")));
    html.push_str("</figure>");
    html
}

/// Renders a link block as a card: thumbnail, title, description, site.
fn link_card(block: &Value, context: &mut MediaContext<'_>) -> String {
    let url = str_at(block, "url").unwrap_or("");
    let posters = media_urls(block.get("poster"));
    let mut inner = context.optional_image(&posters, "");
    let title = str_at(block, "title")
        .filter(|text| !text.is_empty())
        .unwrap_or(url);
    inner.push_str(&format!("<strong>{}</strong>", escape(title)));
    for key in ["description", "author"] {
        if let Some(text) = str_at(block, key).filter(|text| !text.is_empty()) {
            inner.push_str(&format!("<span>{}</span>", escape(text)));
        }
    }
    if let Some(site) = str_at(block, "site_name").filter(|text| !text.is_empty()) {
        inner.push_str(&format!("<small>{}</small>", escape(site)));
    }
    card(url, &inner)
}

/// Returns a `link-card`: a link when `url` may be linked, else a `<div>`.
pub fn card(url: &str, inner_html: &str) -> String {
    let linked = link(url, Some("link-card"), inner_html);
    if linked == inner_html {
        format!("<div class=\"link-card\">{inner_html}</div>")
    } else {
        linked
    }
}

fn poll(block: &Value) -> String {
    let question = escape(str_at(block, "question").unwrap_or(""));
    let answers: String = block
        .get("answers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|answer| str_at(answer, "answer_text"))
        .map(|text| format!("<li>{}</li>", escape(text)))
        .collect();
    format!("<div class=\"poll\"><p>{question}</p><ul>{answers}</ul></div>")
}

fn paywall(block: &Value) -> String {
    let parts: String = ["title", "text"]
        .iter()
        .filter_map(|key| str_at(block, key))
        .map(|text| format!("<p>{}</p>", escape(text)))
        .collect();
    format!("<div class=\"paywall\">{parts}</div>")
}
