//! One post as an `<article>`: header (date, permalink, reblog source),
//! body, tags and note count. The body comes from the post's saved record
//! through the render module, or, when there is no record or it cannot be
//! rendered, from the manifest's media entries and summary.

use std::fmt::Write;
use std::path::Path;

use super::html::{encode_path, escape, tag_file_stem};
use super::lookup::MediaIndex;
use super::manifest_view::{MediaView, PostView, ReblogView};
use super::render;

/// Source of a post's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodySource {
    /// The saved record, with this many media it names not in the archive.
    Record { missing_media: usize },
    /// The manifest, because the post has no record.
    Manifest,
    /// The manifest, because the record could not be read or rendered.
    RecordFailed,
}

/// The blog folder and the archived files, shared by every post.
pub struct PostContext<'a> {
    pub blog_dir: &'a Path,
    pub index: &'a MediaIndex,
}

/// Renders `post` for a page whose path to the blog folder is `prefix`
/// (`""` or `"../"`).
pub fn article(
    post: &PostView,
    media: &[&MediaView],
    context: &PostContext,
    prefix: &str,
) -> (String, BodySource) {
    let rendered = render_record(post, context, prefix);
    let (body, note_count, record_tags, source) = match rendered {
        Some(Ok(rendered)) => {
            let source = BodySource::Record {
                missing_media: rendered.missing_media,
            };
            (
                rendered.body_html,
                rendered.note_count,
                rendered.tags,
                source,
            )
        }
        Some(Err(())) => {
            let body = fallback_body(post, media, prefix);
            (body, None, Vec::new(), BodySource::RecordFailed)
        }
        None => {
            let body = fallback_body(post, media, prefix);
            (body, None, Vec::new(), BodySource::Manifest)
        }
    };
    let mut html = String::with_capacity(body.len() + 1024);
    let _ = writeln!(
        html,
        "<article class=\"post\" id=\"post-{}\">",
        encode_path(&post.id)
    );
    html.push_str(&header(post));
    html.push_str(&body);
    html.push_str(&footer(post, &record_tags, note_count, prefix));
    html.push_str("</article>\n");
    (html, source)
}

/// Renders the post's record. Returns none when the post has no record,
/// and an error, after logging the reason at debug level, when the record
/// cannot be read or rendered.
fn render_record(
    post: &PostView,
    context: &PostContext,
    prefix: &str,
) -> Option<Result<render::RenderedPost, ()>> {
    let (Some(record), Some(format)) = (&post.record, &post.record_format) else {
        return None;
    };
    Some(render_record_file(post, record, format, context, prefix))
}

fn render_record_file(
    post: &PostView,
    record: &str,
    format: &str,
    context: &PostContext,
    prefix: &str,
) -> Result<render::RenderedPost, ()> {
    if !crate::paths::is_confined(record) {
        tracing::debug!(post = %post.id, record = %record, "record path leaves the blog folder; showing the manifest's media");
        return Err(());
    }
    let path = context.blog_dir.join(record);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            tracing::debug!(post = %post.id, file = %path.display(), %error, "cannot read the post's record; showing the manifest's media");
            return Err(());
        }
    };
    render::render_record(format, &text, context.index, prefix).map_err(|error| {
        tracing::debug!(post = %post.id, file = %path.display(), %error, "cannot render the post's record; showing the manifest's media");
    })
}

fn header(post: &PostView) -> String {
    let date = display_date(post.timestamp);
    let mut html = String::from("<header class=\"post-header\">");
    let _ = write!(
        html,
        "<time datetime=\"{}\">{}</time>",
        escape(&crate::manifest::format_timestamp(post.timestamp)),
        escape(&date)
    );
    if !post.post_type.is_empty() {
        let _ = write!(
            html,
            " <span class=\"post-type\">{}</span>",
            escape(&post.post_type)
        );
    }
    let _ = write!(
        html,
        " {}",
        external_link(&post.url, "original post", "permalink")
    );
    if let Some(reblog) = &post.reblog {
        html.push_str(&reblog_line(reblog));
    }
    html.push_str("</header>\n");
    html
}

fn reblog_line(reblog: &ReblogView) -> String {
    let mut html = String::from("<p class=\"reblog\">reblogged from ");
    html.push_str(&blog_link(&reblog.from_blog, reblog.from_url.as_deref()));
    if let Some(root) = reblog
        .root_blog
        .as_deref()
        .filter(|root| *root != reblog.from_blog)
    {
        html.push_str(", first posted by ");
        html.push_str(&blog_link(root, reblog.root_url.as_deref()));
    }
    html.push_str("</p>");
    html
}

fn blog_link(name: &str, url: Option<&str>) -> String {
    match url {
        Some(url) => external_link(url, name, "blog"),
        None => format!("<span class=\"blog\">{}</span>", escape(name)),
    }
}

/// Returns a link to an http(s) `url` that opens only on a click, or the
/// URL as text when it has another scheme.
pub fn external_link(url: &str, text: &str, class: &str) -> String {
    let is_web = url.starts_with("https://") || url.starts_with("http://");
    if is_web {
        format!(
            "<a class=\"{class}\" href=\"{}\" rel=\"noreferrer noopener\">{}</a>",
            escape(url),
            escape(text)
        )
    } else {
        format!("<span class=\"{class}\">{}</span>", escape(text))
    }
}

/// Returns the tag list and note count. Tags of the manifest link to their
/// pages. When the manifest lists none, the record's tags are shown as
/// text, because no tag page lists the post.
fn footer(
    post: &PostView,
    record_tags: &[String],
    note_count: Option<u64>,
    prefix: &str,
) -> String {
    let mut html = String::from("<footer class=\"post-footer\">");
    if !post.tags.is_empty() {
        html.push_str("<ul class=\"tags\">");
        for tag in &post.tags {
            let _ = write!(
                html,
                "<li><a href=\"{prefix}tagged/{}.html\">#{}</a></li>",
                tag_file_stem(tag),
                escape(tag)
            );
        }
        html.push_str("</ul>");
    } else if !record_tags.is_empty() {
        html.push_str("<ul class=\"tags\">");
        for tag in record_tags {
            let _ = write!(html, "<li>#{}</li>", escape(tag));
        }
        html.push_str("</ul>");
    }
    if let Some(count) = note_count {
        let noun = if count == 1 { "note" } else { "notes" };
        let _ = write!(html, "<p class=\"notes\">{count} {noun}</p>");
    }
    html.push_str("</footer>\n");
    html
}

/// Returns the body made from the manifest: every media entry of the post
/// in manifest order, then the summary.
fn fallback_body(post: &PostView, media: &[&MediaView], prefix: &str) -> String {
    let mut html = String::from("<div class=\"post-body\">\n");
    for entry in media {
        html.push_str(&media_html(entry, prefix));
        html.push('\n');
    }
    if !post.summary.is_empty() {
        let _ = writeln!(html, "<p class=\"summary\">{}</p>", escape(&post.summary));
    }
    html.push_str("</div>\n");
    html
}

/// Returns the element that shows one media entry: its archived file
/// played in place, a link for an embed, or a placeholder that names the
/// original URL as text.
pub fn media_html(entry: &MediaView, prefix: &str) -> String {
    let Some(path) = entry.local_file() else {
        return not_archived_html(entry);
    };
    let source = format!("{prefix}{}", encode_path(path));
    match entry.media_type.as_str() {
        "image" | "gif" => {
            let mut size = String::new();
            if let (Some(width), Some(height)) = (entry.width, entry.height) {
                let _ = write!(size, " width=\"{width}\" height=\"{height}\"");
            }
            format!(
                "<figure class=\"media\"><img src=\"{source}\" alt=\"\" loading=\"lazy\" decoding=\"async\"{size}></figure>"
            )
        }
        "video" => format!(
            "<figure class=\"media\"><video controls preload=\"none\" src=\"{source}\"></video></figure>"
        ),
        "audio" => format!(
            "<figure class=\"media\"><audio controls preload=\"none\" src=\"{source}\"></audio></figure>"
        ),
        _ => format!(
            "<p class=\"media\"><a href=\"{source}\">{}</a></p>",
            escape(path)
        ),
    }
}

fn not_archived_html(entry: &MediaView) -> String {
    if entry.status == "embed" || entry.media_type == "embed" {
        return format!(
            "<p class=\"embed\">Embedded player: {}</p>",
            external_link(&entry.original_url, &entry.original_url, "embed-link")
        );
    }
    let status = if entry.status.is_empty() {
        "unknown"
    } else {
        entry.status.as_str()
    };
    format!(
        "<div class=\"media-missing\">{} not archived ({}): <span class=\"url\">{}</span></div>",
        escape(media_noun(&entry.media_type)),
        escape(status),
        escape(&entry.original_url)
    )
}

fn media_noun(media_type: &str) -> &str {
    match media_type {
        "image" => "Image",
        "gif" => "GIF",
        "video" => "Video",
        "audio" => "Audio",
        _ => "File",
    }
}

/// Formats seconds since the Unix epoch as `2024-05-03 14:22 UTC`.
pub fn display_date(timestamp: i64) -> String {
    let rfc3339 = crate::manifest::format_timestamp(timestamp);
    let date = rfc3339.get(..10).unwrap_or(&rfc3339);
    let time = rfc3339.get(11..16).unwrap_or_default();
    format!("{date} {time} UTC")
}

/// Returns the month of the post's time, such as `2024-05`, in UTC.
pub fn month_of(timestamp: i64) -> String {
    let rfc3339 = crate::manifest::format_timestamp(timestamp);
    rfc3339.get(..7).unwrap_or("1970-01").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post() -> PostView {
        PostView {
            id: "42".into(),
            url: "https://b.tumblr.com/post/42".into(),
            blog: "b".into(),
            timestamp: 1_714_745_000,
            post_type: "photo".into(),
            tags: vec!["<script>".into(), "cats".into()],
            summary: "a <b>bold</b> & \"quoted\" summary".into(),
            ..Default::default()
        }
    }

    fn context_article(post: &PostView, media: &[&MediaView], prefix: &str) -> String {
        let index = MediaIndex::default();
        let context = PostContext {
            blog_dir: Path::new("/nonexistent"),
            index: &index,
        };
        article(post, media, &context, prefix).0
    }

    #[test]
    fn article_escapes_manifest_text() {
        let html = context_article(&post(), &[], "../");
        assert!(html.contains("a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; summary"));
        assert!(
            html.contains("#&lt;script&gt;</a>"),
            "tag text escaped: {html}"
        );
        assert!(
            !html.contains("<script>"),
            "no raw markup from the manifest"
        );
        assert!(html.contains("href=\"../tagged/cats.html\""));
        assert!(html.contains("2024-05-03"), "date shown: {html}");
    }

    #[test]
    fn article_shows_media_and_placeholders() {
        let image = MediaView {
            media_type: "image".into(),
            filename: Some("42_a b.jpg".into()),
            status: "downloaded".into(),
            original_url: "https://x.test/a.jpg".into(),
            ..Default::default()
        };
        let video = MediaView {
            media_type: "video".into(),
            filename: Some("42_v.mp4".into()),
            status: "archived".into(),
            ..Default::default()
        };
        let missing = MediaView {
            media_type: "image".into(),
            filename: Some("42_m.jpg".into()),
            status: "missing".into(),
            original_url: "https://x.test/m.jpg?a=1&b=2".into(),
            ..Default::default()
        };
        let embed = MediaView {
            media_type: "embed".into(),
            status: "embed".into(),
            original_url: "https://www.youtube.com/watch?v=x".into(),
            ..Default::default()
        };
        let html = context_article(&post(), &[&image, &video, &missing, &embed], "");
        assert!(html.contains("<img src=\"42_a%20b.jpg\" alt=\"\" loading=\"lazy\""));
        assert!(html.contains("<video controls preload=\"none\" src=\"42_v.mp4\">"));
        assert!(html.contains(
            "not archived (missing): <span class=\"url\">https://x.test/m.jpg?a=1&amp;b=2</span>"
        ));
        assert!(
            !html.contains("src=\"https://"),
            "no remote resource: {html}"
        );
        assert!(
            html.contains("href=\"https://www.youtube.com/watch?v=x\""),
            "embed as link"
        );
    }

    #[test]
    fn external_link_rejects_other_schemes() {
        let html = external_link("javascript:alert(1)", "x", "permalink");
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn month_and_date_in_utc() {
        assert_eq!(month_of(1_714_745_000), "2024-05");
        assert_eq!(display_date(0), "1970-01-01 00:00 UTC");
    }
}
