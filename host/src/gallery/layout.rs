//! The frame of every page: document head with the Content Security
//! Policy, site navigation, and the pager of a list of posts.

use std::fmt::Write;

use super::html::escape;

/// Allows images, video and audio from local files only, and the style
/// sheet next to the pages. No script, font, frame or connection is
/// allowed, so a page loads nothing from the network.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; style-src 'unsafe-inline' 'self' file:; base-uri 'none'; form-action 'none'";

/// File name of the style sheet, in the blog folder.
pub const STYLE_SHEET: &str = "gallery.css";

/// Pages listed on each side of the current one in a pager.
const PAGER_SPAN: usize = 3;

/// Blog name, title and address, shown in the header of every page.
pub struct Site {
    pub blog_name: String,
    pub blog_title: String,
    pub blog_url: Option<String>,
}

impl Site {
    /// Returns a whole HTML5 document. `prefix` is the path from the page to
    /// the blog folder, `""` or `"../"`; `body` is already escaped markup.
    pub fn page(&self, title: &str, prefix: &str, body: &str) -> String {
        let mut html = String::with_capacity(body.len() + 2048);
        html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        let _ = writeln!(
            html,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">"
        );
        html.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
        html.push_str("<meta http-equiv=\"x-dns-prefetch-control\" content=\"off\">\n");
        html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(
            html,
            "<title>{} · {}</title>",
            escape(title),
            escape(&self.blog_title)
        );
        let _ = writeln!(
            html,
            "<link rel=\"stylesheet\" href=\"{prefix}{STYLE_SHEET}\">\n</head>\n<body>"
        );
        html.push_str(&self.navigation(prefix));
        let _ = writeln!(html, "<main>\n<h1>{}</h1>", escape(title));
        html.push_str(body);
        html.push_str("</main>\n</body>\n</html>\n");
        html
    }

    fn navigation(&self, prefix: &str) -> String {
        let mut html = String::from("<header class=\"site\"><nav>");
        let _ = write!(
            html,
            "<a class=\"site-title\" href=\"{prefix}index.html\">{}</a>",
            escape(&self.blog_title)
        );
        let _ = write!(
            html,
            " <a href=\"{prefix}index.html\">Posts</a> <a href=\"{prefix}archive/index.html\">Archive</a> <a href=\"{prefix}tagged/index.html\">Tags</a>"
        );
        if let Some(url) = &self.blog_url {
            let _ = write!(
                html,
                " {}",
                super::post::external_link(
                    url,
                    &format!("{} on Tumblr", self.blog_name),
                    "blog-link"
                )
            );
        }
        html.push_str("</nav></header>\n");
        html
    }
}

/// Returns the pager of page `current` (1-based) of `count` pages, whose
/// hrefs `href(n)` makes. Lists the first, the last, and `PAGER_SPAN`
/// pages on each side of the current one.
pub fn pager(current: usize, count: usize, href: impl Fn(usize) -> String) -> String {
    if count <= 1 {
        return String::new();
    }
    let mut html = String::from("<nav class=\"pager\" aria-label=\"pages\">");
    if current > 1 {
        let _ = write!(
            html,
            "<a rel=\"prev\" href=\"{}\">← Newer</a>",
            href(current - 1)
        );
    }
    let mut previous = 0;
    for number in 1..=count {
        let near = number.abs_diff(current) <= PAGER_SPAN;
        if !(near || number == 1 || number == count) {
            continue;
        }
        if number > previous + 1 {
            html.push_str("<span class=\"gap\">…</span>");
        }
        if number == current {
            let _ = write!(
                html,
                "<span class=\"current\" aria-current=\"page\">{number}</span>"
            );
        } else {
            let _ = write!(html, "<a href=\"{}\">{number}</a>", href(number));
        }
        previous = number;
    }
    if current < count {
        let _ = write!(
            html,
            "<a rel=\"next\" href=\"{}\">Older →</a>",
            href(current + 1)
        );
    }
    html.push_str("</nav>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_lists_neighbours_and_ends() {
        let html = pager(10, 40, |number| format!("p{number}.html"));
        assert!(html.contains("href=\"p1.html\">1<"));
        assert!(html.contains("href=\"p40.html\">40<"));
        assert!(html.contains("href=\"p7.html\">7<"));
        assert!(!html.contains("href=\"p6.html\">6<"));
        assert!(html.contains("rel=\"prev\" href=\"p9.html\""));
        assert!(html.contains("rel=\"next\" href=\"p11.html\""));
        assert!(html.contains("aria-current=\"page\">10<"));
    }

    #[test]
    fn pager_absent_for_one_page() {
        assert_eq!(pager(1, 1, |_| String::new()), "");
    }

    #[test]
    fn page_has_policy_and_escaped_title() {
        let site = Site {
            blog_name: "b".into(),
            blog_title: "<Blog & co>".into(),
            blog_url: Some("https://b.tumblr.com/".into()),
        };
        let html = site.page("Tag \"x\"", "../", "<p>body</p>");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("Content-Security-Policy"));
        assert!(html.contains("<title>Tag &quot;x&quot; · &lt;Blog &amp; co&gt;</title>"));
        assert!(html.contains("href=\"../gallery.css\""));
    }
}
