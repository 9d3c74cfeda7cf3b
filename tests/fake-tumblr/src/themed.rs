//! A blog's themed HTML pages, built from the same legacy v2 posts that
//! the v2 routes serve, so that the themed-pages scraper can be checked
//! against the API scrapers on one blog:
//! - `/` and `/page/N` list 10 permalinks each, newest first, with a link
//!   to `/page/N+1` while more posts remain. A page past the end lists
//!   nothing, as Tumblr's does.
//! - `/post/{id}[/{slug}]` shows one post in an `<article>` with its time
//!   and tags. A single photo is an `<img>` with a `srcset` of its sizes, a
//!   photo post with several photos is a photoset frame, a video is a
//!   `<video><source>`, and the caption or body is copied as it is, inline
//!   images included.
//! - `/post/{id}/photoset_iframe/…` is the frame of a photoset: each photo
//!   as a link to its largest size around its `<img>`.
//!
//! Every link is absolute on `https://{blog}.tumblr.com`, where `blog` is
//! the name in the v2 blog info, because the server cannot see the host
//! that the client asked for.

use serde_json::Value;

use crate::http::{RequestHead, Response};

/// Permalinks per index page.
pub const POSTS_PER_PAGE: usize = 10;

/// Builds the themed page at `head.path`, or `None` when the path is not
/// one of the module's routes.
pub fn respond(blog: &Value, posts: &[Value], head: &RequestHead) -> Option<Response> {
    let name = blog["name"].as_str().unwrap_or_default();
    let path = head.path.as_str();
    if path == "/" {
        return Some(index_page(blog, posts, 1));
    }
    if let Some(number) = path.strip_prefix("/page/") {
        let number = number.trim_end_matches('/').parse::<usize>().ok()?;
        if number == 0 {
            return None;
        }
        return Some(index_page(blog, posts, number));
    }
    let rest = path.strip_prefix("/post/")?;
    let mut segments = rest.split('/');
    let id = segments.next().unwrap_or_default();
    let post = posts.iter().find(|post| post_id(post) == id)?;
    if segments.next() == Some("photoset_iframe") {
        return Some(html_response(&photoset_frame(post)));
    }
    Some(html_response(&permalink_page(name, post)))
}

fn html_response(html: &str) -> Response {
    Response::new(200, "text/html; charset=utf-8", html.as_bytes().to_vec())
}

/// Escapes `&`, `<`, `>` and `"` for an HTML attribute value in double
/// quotes.
pub fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn post_id(post: &Value) -> String {
    match (&post["id_string"], &post["id"]) {
        (Value::String(id), _) => id.clone(),
        (_, id) => id.to_string(),
    }
}

fn site(name: &str) -> String {
    format!("https://{name}.tumblr.com")
}

/// Builds index page `number` (from 1).
fn index_page(blog: &Value, posts: &[Value], number: usize) -> Response {
    let name = blog["name"].as_str().unwrap_or_default();
    let title = escape_attribute(blog["title"].as_str().unwrap_or_default());
    let first = (number - 1).saturating_mul(POSTS_PER_PAGE);
    let mut items = String::new();
    for post in posts.iter().skip(first).take(POSTS_PER_PAGE) {
        let id = post_id(post);
        let slug = escape_attribute(post["slug"].as_str().unwrap_or_default());
        items.push_str(&format!(
            "<div class=\"post\"><a href=\"{}/post/{id}/{slug}\">Post {id}</a></div>\n",
            site(name)
        ));
    }
    let more = first.saturating_add(POSTS_PER_PAGE) < posts.len();
    let next = if more {
        format!(
            "<a class=\"next\" href=\"{}/page/{}\">Older posts</a>\n",
            site(name),
            number + 1
        )
    } else {
        String::new()
    };
    html_response(&format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body>\n\
         <header><img src=\"{}/avatar_128.png\" alt=\"\"></header>\n{items}{next}</body></html>\n",
        site(name)
    ))
}

/// Returns the ISO 8601 form of a post's `date` field,
/// `YYYY-MM-DD HH:MM:SS GMT`, as `YYYY-MM-DDTHH:MM:SSZ`.
fn iso_date(date: &str) -> String {
    let trimmed = date.trim_end_matches(" GMT");
    format!("{}Z", trimmed.replacen(' ', "T", 1))
}

/// Builds the permalink page of `post` on blog `name`.
fn permalink_page(name: &str, post: &Value) -> String {
    let id = post_id(post);
    let post_type = post["type"].as_str().unwrap_or("text");
    let date = iso_date(post["date"].as_str().unwrap_or_default());

    let mut media = String::new();
    let photos = post["photos"].as_array().cloned().unwrap_or_default();
    if photos.len() > 1 {
        media.push_str(&format!(
            "<iframe class=\"photoset\" src=\"{}/post/{id}/photoset_iframe/{name}/tumblr_{id}/500/false\" \
             width=\"500\" height=\"750\"></iframe>\n",
            site(name)
        ));
    } else if let Some(photo) = photos.first() {
        media.push_str(&photo_img(photo));
    }
    if let Some(url) = post["video_url"].as_str() {
        media.push_str(&format!(
            "<video controls><source src=\"{}\" type=\"video/mp4\"></video>\n",
            escape_attribute(url)
        ));
    }

    let mut text = String::new();
    for field in ["title", "body", "caption"] {
        if let Some(html) = post[field].as_str() {
            text.push_str(html);
            text.push('\n');
        }
    }

    let mut tags = String::new();
    for tag in post["tags"].as_array().into_iter().flatten() {
        let tag = tag.as_str().unwrap_or_default();
        tags.push_str(&format!(
            "<a class=\"tag\" href=\"{}/tagged/{}\">#{}</a>\n",
            site(name),
            escape_attribute(tag),
            escape_attribute(tag)
        ));
    }

    format!(
        "<!DOCTYPE html>\n<html><head><title>Post {id}</title>\n\
         <link rel=\"canonical\" href=\"{site}/post/{id}\"></head>\n<body>\n\
         <header><img src=\"{site}/avatar_128.png\" alt=\"\"></header>\n\
         <article id=\"post-{id}\" class=\"post {post_type}\">\n\
         <time datetime=\"{date}\">{date}</time>\n{media}<div class=\"text\">{text}</div>\n\
         {tags}</article>\n</body></html>\n",
        site = site(name)
    )
}

/// Builds the `<img>` of one photo: its largest size in `src` and every
/// size in `srcset`.
fn photo_img(photo: &Value) -> String {
    let original = photo["original_size"]["url"].as_str().unwrap_or_default();
    let candidates: Vec<String> = photo["alt_sizes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|size| {
            let url = size["url"].as_str()?;
            let width = size["width"].as_u64()?;
            Some(format!("{} {width}w", escape_attribute(url)))
        })
        .collect();
    format!(
        "<img src=\"{}\" srcset=\"{}\" alt=\"\">\n",
        escape_attribute(original),
        candidates.join(", ")
    )
}

/// Builds the photoset frame of `post`.
fn photoset_frame(post: &Value) -> String {
    let mut body = String::new();
    for photo in post["photos"].as_array().into_iter().flatten() {
        let original = photo["original_size"]["url"].as_str().unwrap_or_default();
        body.push_str(&format!(
            "<a class=\"photoset_photo\" href=\"{}\">{}</a>",
            escape_attribute(original),
            photo_img(photo).trim_end()
        ));
        body.push('\n');
    }
    format!("<!DOCTYPE html>\n<html><head></head><body>\n{body}</body></html>\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_date_form() {
        assert_eq!(
            iso_date("2023-11-14 22:13:20 GMT"),
            "2023-11-14T22:13:20Z",
            "Tumblr date to ISO 8601"
        );
    }

    #[test]
    fn escape_attribute_quotes() {
        assert_eq!(
            escape_attribute("a&b\"<c>"),
            "a&amp;b&quot;&lt;c&gt;",
            "escaped characters"
        );
    }
}
