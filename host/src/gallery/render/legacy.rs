//! API v2 posts in the legacy format, one shape per `type`: text, photo,
//! quote, link, chat, answer, video, audio.
//!
//! The output is the type's own part first (title, photos, quotation,
//! link card, chat, question, player), as Tumblr shows it, then the reblog
//! trail, then the post's own text in `post-body`.
//!
//! Where the post has a `trail`, its entries replace the type's HTML field
//! (`body`, `caption`, `description` or `answer`), which repeats them as
//! nested blockquotes: each entry's `content_raw` is shown under its blog's
//! name, and the entry marked `is_current_item` is the post's own text
//! (else `reblog.comment`). Quote and chat posts show their quotation or
//! dialogue only, and no trail.

use serde_json::Value;

use super::blocks::card;
use super::html::{escape, link};
use super::json::{array_at, text_at};
use super::media::{MediaContext, MediaKind};
use super::sanitize::sanitize;

/// Renders a legacy-format API v2 post.
pub fn render_post(post: &Value, context: &mut MediaContext<'_>) -> String {
    let post_type = text_at(post, "type").unwrap_or("");
    let mut out = typed_part(post, post_type, context);
    let text_field = match post_type {
        "text" => Some("body"),
        "photo" | "video" | "audio" => Some("caption"),
        "link" => Some("description"),
        "answer" => Some("answer"),
        _ => None,
    };
    let Some(text_field) = text_field else {
        return out;
    };

    let trail = array_at(post, "trail");
    let own = if trail.is_empty() {
        text_at(post, text_field).map(|html| sanitize(html, context))
    } else {
        out.push_str(&trail_html(trail, context));
        let current = trail.iter().find(|entry| is_current(entry));
        let own_html = match current {
            Some(entry) => entry_html(entry),
            None => post
                .get("reblog")
                .and_then(|reblog| text_at(reblog, "comment")),
        };
        own_html.map(|html| sanitize(html, context))
    };
    if let Some(own) = own.filter(|html| !html.is_empty()) {
        out.push_str(&format!("<div class=\"post-body\">{own}</div>"));
    }
    out
}

fn is_current(entry: &Value) -> bool {
    entry.get("is_current_item").and_then(Value::as_bool) == Some(true)
}

fn entry_html(entry: &Value) -> Option<&str> {
    text_at(entry, "content_raw").or_else(|| text_at(entry, "content"))
}

/// Renders the trail entries other than the post's own one, or nothing.
fn trail_html(trail: &[Value], context: &mut MediaContext<'_>) -> String {
    let entries: Vec<String> = trail
        .iter()
        .filter(|entry| !is_current(entry))
        .map(|entry| {
            let content = entry_html(entry).map(|html| sanitize(html, context)).unwrap_or_default();
            match entry.get("blog").and_then(|blog| text_at(blog, "name")) {
                Some(name) => format!(
                    "<div class=\"trail-entry\"><p class=\"trail-blog\">{}</p>{content}</div>",
                    escape(name)
                ),
                None => format!(
                    "<div class=\"trail-entry deleted\"><p class=\"trail-blog\">deleted post</p>{content}</div>"
                ),
            }
        })
        .collect();
    if entries.is_empty() {
        return String::new();
    }
    format!("<div class=\"trail\">{}</div>", entries.concat())
}

fn typed_part(post: &Value, post_type: &str, context: &mut MediaContext<'_>) -> String {
    let title = text_at(post, "title")
        .map(|title| format!("<h2>{}</h2>", escape(title)))
        .unwrap_or_default();
    match post_type {
        "text" => title,
        "photo" => photos(post, context),
        "quote" => quote(post, context),
        "link" => link_post(post, context),
        "chat" => title + &chat(post),
        "answer" => answer(post, context),
        "video" => video(post, context),
        "audio" => audio(post, context),
        _ => title,
    }
}

/// Renders `photos`, in rows when `photoset_layout` (one digit per row,
/// the number of photos in it, such as "122") matches the photo count.
fn photos(post: &Value, context: &mut MediaContext<'_>) -> String {
    let photos = array_at(post, "photos");
    let mut figures: Vec<String> = photos
        .iter()
        .map(|photo| photo_figure(photo, context))
        .collect();
    let layout: Vec<usize> = text_at(post, "photoset_layout")
        .unwrap_or("")
        .chars()
        .filter_map(|digit| digit.to_digit(10))
        .map(|count| count as usize)
        .collect();
    if layout.iter().sum::<usize>() != figures.len() || layout.contains(&0) {
        return figures.concat();
    }
    let mut out = String::new();
    for count in layout {
        let row: Vec<String> = figures.drain(..count).collect();
        if count == 1 {
            out.push_str(&row.concat());
        } else {
            out.push_str(&format!("<div class=\"npf-row\">{}</div>", row.concat()));
        }
    }
    out
}

/// Renders one photo. Every size is tried: `original_size`, then each of
/// `alt_sizes`.
fn photo_figure(photo: &Value, context: &mut MediaContext<'_>) -> String {
    let mut urls: Vec<&str> = photo
        .get("original_size")
        .and_then(|size| text_at(size, "url"))
        .into_iter()
        .collect();
    urls.extend(
        array_at(photo, "alt_sizes")
            .iter()
            .filter_map(|size| text_at(size, "url")),
    );
    let caption = text_at(photo, "caption");
    let element = context.element(MediaKind::Image, &urls, caption);
    match caption {
        Some(caption) => format!(
            "<figure>{element}<figcaption>{}</figcaption></figure>",
            escape(caption)
        ),
        None => format!("<figure>{element}</figure>"),
    }
}

fn quote(post: &Value, context: &mut MediaContext<'_>) -> String {
    let text = text_at(post, "text")
        .map(|html| sanitize(html, context))
        .unwrap_or_default();
    let mut out = format!("<blockquote class=\"quote\">{text}</blockquote>");
    if let Some(source) = text_at(post, "source") {
        out.push_str(&format!(
            "<div class=\"quote-source\">{}</div>",
            sanitize(source, context)
        ));
    }
    out
}

/// Renders a link post's card: its picture (`photos` or `link_image`),
/// title, excerpt and publisher.
fn link_post(post: &Value, context: &mut MediaContext<'_>) -> String {
    let url = text_at(post, "url").unwrap_or("");
    let mut pictures: Vec<&str> = array_at(post, "photos")
        .iter()
        .flat_map(|photo| {
            let original = photo
                .get("original_size")
                .and_then(|size| text_at(size, "url"));
            let sizes = array_at(photo, "alt_sizes")
                .iter()
                .filter_map(|size| text_at(size, "url"));
            original.into_iter().chain(sizes)
        })
        .collect();
    pictures.extend(text_at(post, "link_image"));
    let mut inner = context.optional_image(&pictures, "");
    let title = text_at(post, "title").unwrap_or(url);
    inner.push_str(&format!("<strong>{}</strong>", escape(title)));
    for key in ["excerpt", "link_author"] {
        if let Some(text) = text_at(post, key) {
            inner.push_str(&format!("<span>{}</span>", escape(text)));
        }
    }
    if let Some(publisher) = text_at(post, "publisher") {
        inner.push_str(&format!("<small>{}</small>", escape(publisher)));
    }
    card(url, &inner)
}

/// Renders `dialogue`: one `chat-line` per entry, with its label in bold.
fn chat(post: &Value) -> String {
    let lines: String = array_at(post, "dialogue")
        .iter()
        .map(|line| {
            let label = text_at(line, "label").map(escape).unwrap_or_default();
            let phrase = line
                .get("phrase")
                .and_then(Value::as_str)
                .map(escape)
                .unwrap_or_default();
            format!("<p class=\"chat-line\"><b>{label}</b> {phrase}</p>")
        })
        .collect();
    format!("<div class=\"chat\">{lines}</div>")
}

fn answer(post: &Value, context: &mut MediaContext<'_>) -> String {
    let name = escape(text_at(post, "asking_name").unwrap_or("Anonymous"));
    let asker = link(text_at(post, "asking_url").unwrap_or(""), None, &name);
    let question = text_at(post, "question")
        .map(|html| sanitize(html, context))
        .unwrap_or_default();
    format!("<div class=\"ask\"><p class=\"asker\">{asker} asked:</p>{question}</div>")
}

/// Renders a video post: a Tumblr-hosted `video_url` from the archive, or
/// for another `video_type` (YouTube, Vimeo, …) a link to the video.
fn video(post: &Value, context: &mut MediaContext<'_>) -> String {
    let thumbnail: Vec<&str> = text_at(post, "thumbnail_url").into_iter().collect();
    let video_type = text_at(post, "video_type").unwrap_or("");
    if let Some(url) = text_at(post, "video_url") {
        return context.video(&[url], &thumbnail);
    }
    let url = text_at(post, "permalink_url")
        .or_else(|| text_at(post, "source_url"))
        .or_else(|| text_at(post, "post_url"))
        .unwrap_or("");
    context.optional_image(&thumbnail, "thumbnail")
        + &context.embed(MediaKind::Video, video_type, url)
}

/// Renders an audio post: a Tumblr-hosted file from the archive, or for
/// another `audio_type` (SoundCloud, Spotify, …) a link to the track.
fn audio(post: &Value, context: &mut MediaContext<'_>) -> String {
    let art: Vec<&str> = text_at(post, "album_art").into_iter().collect();
    let mut out = String::from("<figure>");
    out.push_str(&context.optional_image(&art, "album art"));
    let audio_type = text_at(post, "audio_type").unwrap_or("");
    let files: Vec<&str> = ["audio_url", "audio_source_url"]
        .iter()
        .filter_map(|key| text_at(post, key))
        .collect();
    if audio_type == "tumblr" || context.find(&files).is_some() {
        out.push_str(&context.element(MediaKind::Audio, &files, None));
    } else {
        let url = files.first().copied().unwrap_or("");
        out.push_str(&context.embed(MediaKind::Audio, audio_type, url));
    }
    let details: Vec<String> = ["track_name", "artist", "album"]
        .iter()
        .filter_map(|key| text_at(post, key))
        .map(escape)
        .collect();
    if !details.is_empty() {
        out.push_str(&format!("<figcaption>{}</figcaption>", details.join(" — ")));
    }
    out.push_str("</figure>");
    out
}
