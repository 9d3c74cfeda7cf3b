//! Tumblr's image pages. A GET for a current-style image URL whose size
//! bucket is `s99999x99999`, sent with an `Accept` header that starts with
//! `text/html`, gets an HTML page whose main `<img>` names the
//! full-resolution original. The fake serves such a page for the paths
//! configured in `Config::image_pages` and Tumblr's 404 for every other
//! path. Requests with another `Accept` are media requests as usual.

use std::collections::BTreeMap;

use crate::http::{RequestHead, Response};

/// Path segment that requests the largest size of an image from Tumblr.
pub const IMAGE_PAGE_BUCKET: &str = "s99999x99999";

/// Returns whether `head` requests an image page: a GET or HEAD whose path
/// has an `s99999x99999` segment and whose `Accept` starts with
/// `text/html`.
pub fn is_page_request(head: &RequestHead) -> bool {
    let wants_html = head.header("accept").is_some_and(|accept| {
        accept
            .trim_start()
            .get(..9)
            .is_some_and(|start| start.eq_ignore_ascii_case("text/html"))
    });
    matches!(head.method.as_str(), "GET" | "HEAD")
        && wants_html
        && head
            .path
            .split('/')
            .any(|segment| segment == IMAGE_PAGE_BUCKET)
}

/// Builds the response to an image page request: 200 with the page naming
/// the original that `pages` maps the path to, or 404 with an HTML body
/// when the path has no entry. Returns `None` for every other request.
pub fn respond(pages: &BTreeMap<String, String>, head: &RequestHead) -> Option<Response> {
    if !is_page_request(head) {
        return None;
    }
    let response = match pages.get(&head.path) {
        Some(original) => Response::new(
            200,
            "text/html; charset=utf-8",
            page_html(original).into_bytes(),
        ),
        None => Response::new(
            404,
            "text/html; charset=utf-8",
            NOT_FOUND_HTML.as_bytes().to_vec(),
        ),
    };
    Some(response)
}

const NOT_FOUND_HTML: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Not found</title></head><body><h1>There's nothing here.</h1></body></html>";

/// Returns the image page for `original`. A placeholder `<img>` with a
/// `data:` URL comes before the image itself, so a client must skip `<img>`
/// elements whose `src` is not http(s).
pub fn page_html(original: &str) -> String {
    let src = escape_attribute(original);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Image</title><meta property=\"og:image\" content=\"{src}\"></head>\n\
<body><header><img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" alt=\"\"></header>\n\
<main><figure><img alt=\"Image\" src=\"{src}\" loading=\"eager\"></figure></main>\n\
</body></html>\n"
    )
}

/// Escapes `&`, `"`, `<` and `>` for a double-quoted HTML attribute.
fn escape_attribute(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &str, path: &str, accept: Option<&str>) -> RequestHead {
        RequestHead {
            method: method.to_string(),
            path: path.to_string(),
            query: String::new(),
            version: "HTTP/1.1".to_string(),
            headers: accept
                .map(|accept| ("accept".to_string(), accept.to_string()))
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn is_page_request_cases() {
        let page = "/h/1-80/s99999x99999/f.jpg";
        let html = Some("text/html,application/xhtml+xml");
        assert!(
            is_page_request(&head("GET", page, html)),
            "GET with HTML accept"
        );
        assert!(
            is_page_request(&head("GET", page, Some("Text/HTML"))),
            "media type compared case-insensitively"
        );
        assert!(
            !is_page_request(&head("GET", page, Some("image/webp,*/*"))),
            "image accept"
        );
        assert!(!is_page_request(&head("GET", page, None)), "no accept");
        assert!(
            !is_page_request(&head("GET", "/h/1-80/s2048x3072/f.jpg", html)),
            "another bucket"
        );
        assert!(
            !is_page_request(&head("GET", "/h/1-80/s99999x99999_c1/f.jpg", html)),
            "the bucket must be a whole segment"
        );
        assert!(!is_page_request(&head("POST", page, html)), "POST");
    }

    #[test]
    fn page_html_escapes() {
        let html = page_html("https://64.media.tumblr.com/a/b.jpg?x=1&y=\"2\"");
        assert!(
            html.contains("src=\"https://64.media.tumblr.com/a/b.jpg?x=1&amp;y=&quot;2&quot;\""),
            "escaped src: {html}"
        );
        let placeholder = html.find("src=\"data:").expect("a placeholder image");
        let image = html.find("src=\"https://").expect("the image");
        assert!(placeholder < image, "the placeholder comes first");
    }
}
