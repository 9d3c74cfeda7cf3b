//! HTML from posts (legacy bodies and captions, trail `content_raw`, v1
//! fields, themed-page elements), made safe in two passes.
//!
//! 1. Media rewrite: the HTML is parsed (html5ever, through `scraper`) and
//!    written out again with every `<img>`, `<video>`, `<audio>` and
//!    element with a `data-src` replaced by a local file or a
//!    `media-missing` placeholder (see `media`). `<iframe>`, `<embed>` and
//!    `<object>` players become links. Scripts, styles and other elements
//!    whose content is not text are dropped with their content.
//! 2. Allow-list: `ammonia` keeps only formatting tags and a few
//!    attributes. `src` and `poster` survive only with a value that pass 1
//!    wrote for a local file, and `href` only with such a value or an
//!    http, https or mailto URL. Event attributes, `style` (and so CSS `url()`), `srcset`,
//!    `data-*`, forms and every other element or attribute are removed.
//!
//! Pass 2 does not trust pass 1: whatever pass 1 lets through, the output
//! cannot point a loading attribute anywhere but at the archive.

use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};
use ego_tree::NodeRef;
use scraper::{Html, Node};

use super::html::{escape, link_target, push_escaped};
use super::media::{MediaContext, MediaKind};

/// Elements dropped with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "template", "noscript", "title", "textarea", "select", "button", "form",
    "svg", "math", "head", "link", "meta", "base",
];

/// Elements that have no end tag.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr",
];

/// Nesting depth past which elements are written as their text only. The
/// writer and ammonia recurse per level, so a record of deeply nested
/// elements would otherwise overflow the stack. Real post HTML nests far
/// less than this.
const MAX_DEPTH: usize = 100;

/// Start tags without an end tag past which post HTML is shown as escaped
/// text. The HTML parser checks the open elements at each start tag, so
/// parsing N nested elements takes time in N². Rendering 100,000 nested
/// `<div>` took 27 s in a one-off measurement on a 2-core machine. Void elements such as `<br>`
/// count too, so this is far above what real posts contain.
const MAX_UNCLOSED_TAGS: usize = 2_000;

/// Returns the number of start tags (`<` and a letter) minus the number of
/// end tags (`</`) in `html`, an upper bound on its nesting depth.
fn unclosed_tags(html: &str) -> usize {
    let mut starts = 0_usize;
    let mut ends = 0_usize;
    for pair in html.as_bytes().windows(2) {
        if pair[0] != b'<' {
            continue;
        }
        if pair[1].is_ascii_alphabetic() {
            starts += 1;
        } else if pair[1] == b'/' {
            ends += 1;
        }
    }
    starts.saturating_sub(ends)
}

/// Attributes that pass 1 writes out; pass 2 decides which to keep.
const PASSED_ATTRIBUTES: &[&str] = &["href", "title", "alt", "start", "reversed"];

/// Returns `html` rewritten and sanitized as the module documentation
/// describes, or escaped as text when it has too many unclosed tags.
pub fn sanitize(html: &str, context: &mut MediaContext<'_>) -> String {
    if unclosed_tags(html) > MAX_UNCLOSED_TAGS {
        return format!("<p>{}</p>", escape(html));
    }
    let rewritten = rewrite_media(html, context);
    allow_list(context.sources().clone())
        .clean(&rewritten)
        .to_string()
}

fn rewrite_media(html: &str, context: &mut MediaContext<'_>) -> String {
    let fragment = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len());
    for child in fragment.root_element().children() {
        write_node(child, 0, context, &mut out);
    }
    out
}

/// Writes `node`, which sits `depth` elements deep, and its content.
fn write_node(
    node: NodeRef<'_, Node>,
    depth: usize,
    context: &mut MediaContext<'_>,
    out: &mut String,
) {
    match node.value() {
        Node::Text(text) => push_escaped(out, text),
        Node::Element(element) => {
            let name = element.name();
            if DROPPED_WITH_CONTENT.contains(&name) {
                return;
            }
            if depth >= MAX_DEPTH {
                write_text_only(node, out);
                return;
            }
            if let Some(media) = media_element(node, name, context) {
                out.push_str(&media);
                return;
            }
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                // No allowed tag has such a name, so only the content stays.
                for child in node.children() {
                    write_node(child, depth + 1, context, out);
                }
                return;
            }
            out.push('<');
            out.push_str(name);
            // Tumblr marks a row of images in post HTML with `npf_row`.
            if element.classes().any(|class| class == "npf_row") {
                out.push_str(" class=\"npf-row\"");
            }
            for (attribute, value) in element.attrs() {
                if !PASSED_ATTRIBUTES.contains(&attribute) {
                    continue;
                }
                // A link to a media file the archive has, such as the full
                // size of an inline image, opens the local copy.
                let local = (attribute == "href")
                    .then(|| context.local_link(value))
                    .flatten();
                let value = local.as_deref().unwrap_or(value);
                out.push_str(&format!(" {attribute}=\"{}\"", escape(value)));
            }
            out.push('>');
            if VOID_ELEMENTS.contains(&name) {
                return;
            }
            for child in node.children() {
                write_node(child, depth + 1, context, out);
            }
            out.push_str(&format!("</{name}>"));
        }
        _ => {}
    }
}

/// Writes the text inside `node` without its elements, which drops any
/// media in it. Used past [`MAX_DEPTH`], so that it needs no recursion.
fn write_text_only(node: NodeRef<'_, Node>, out: &mut String) {
    for descendant in node.descendants() {
        if let Node::Text(text) = descendant.value() {
            push_escaped(out, text);
        }
    }
}

/// Returns the replacement of a media element, or `None` when `node` is
/// not one.
fn media_element(
    node: NodeRef<'_, Node>,
    name: &str,
    context: &mut MediaContext<'_>,
) -> Option<String> {
    let element = node.value().as_element()?;
    let attribute = |key: &str| element.attr(key).filter(|value| !value.trim().is_empty());
    let html = match name {
        "img" => {
            let mut urls: Vec<&str> = attribute("src").into_iter().collect();
            urls.extend(attribute("srcset").map(srcset_urls).unwrap_or_default());
            urls.extend(attribute("data-src"));
            context.element(MediaKind::Image, &urls, attribute("alt"))
        }
        "video" | "audio" => {
            let mut urls: Vec<&str> = attribute("src").into_iter().collect();
            urls.extend(source_urls(node));
            if name == "video" {
                let posters: Vec<&str> = attribute("poster").into_iter().collect();
                context.video(&urls, &posters)
            } else {
                context.element(MediaKind::Audio, &urls, None)
            }
        }
        "iframe" | "embed" | "object" => {
            context.frame(attribute("src").or_else(|| attribute("data")).unwrap_or(""))
        }
        "source" | "track" => String::new(),
        _ => {
            // A lazy-loading wrapper, such as Tumblr's
            // `<div class="external-image-wrapper" data-src="…">`.
            let url = attribute("data-src")?;
            context.element(MediaKind::Image, &[url], None)
        }
    };
    Some(html)
}

/// Returns the URLs of a `srcset` value (`URL [descriptor], …`).
fn srcset_urls(srcset: &str) -> Vec<&str> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
        .collect()
}

/// Returns the `src` of each `<source>` inside a `<video>` or `<audio>`.
fn source_urls(node: NodeRef<'_, Node>) -> Vec<&str> {
    node.descendants()
        .filter_map(|descendant| descendant.value().as_element())
        .filter(|element| element.name() == "source")
        .filter_map(|element| element.attr("src"))
        .collect()
}

/// Returns the pass-2 sanitizer. `sources` are the only `src` and
/// `poster` values it keeps.
fn allow_list(sources: HashSet<String>) -> Builder<'static> {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "b",
        "i",
        "em",
        "strong",
        "s",
        "strike",
        "del",
        "ins",
        "u",
        "small",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "figure",
        "figcaption",
        "pre",
        "code",
        "hr",
        "sup",
        "sub",
        "span",
        "div",
        "img",
        "video",
        "audio",
    ]
    .into_iter()
    .collect();
    let tag_attributes: HashMap<&str, HashSet<&str>> = [
        ("a", ["href"].as_slice()),
        ("img", ["src", "alt", "loading"].as_slice()),
        ("video", ["src", "poster", "controls", "preload"].as_slice()),
        ("audio", ["src", "controls", "preload"].as_slice()),
        ("ol", ["start", "reversed"].as_slice()),
    ]
    .into_iter()
    .map(|(tag, attributes)| (tag, attributes.iter().copied().collect()))
    .collect();
    let allowed_classes: HashMap<&str, HashSet<&str>> =
        [("div", ["media-missing", "npf-row"].into_iter().collect())]
            .into_iter()
            .collect();

    let mut builder = Builder::default();
    builder
        .tags(tags)
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(["title"].into_iter().collect())
        .generic_attribute_prefixes(HashSet::new())
        .allowed_classes(allowed_classes)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true)
        .attribute_filter(move |_element, attribute, value| match attribute {
            "src" | "poster" => sources.contains(value).then(|| value.into()),
            "href" if sources.contains(value) => Some(value.into()),
            "href" => link_target(value).map(|target| target.to_owned().into()),
            _ => Some(value.into()),
        });
    builder
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gallery::render::{LocalMedia, MediaLookup};

    /// Lookup that has exactly the listed URLs.
    struct Listed(Vec<(&'static str, &'static str)>);

    impl MediaLookup for Listed {
        fn local(&self, url: &str) -> Option<LocalMedia> {
            self.0
                .iter()
                .find(|(known, _)| *known == url)
                .map(|(_, path)| LocalMedia {
                    path: (*path).to_owned(),
                    media_type: "image".to_owned(),
                })
        }
    }

    fn clean(html: &str, lookup: &Listed) -> (String, usize) {
        let mut context = MediaContext::new(lookup, "../");
        let out = sanitize(html, &mut context);
        (out, context.missing())
    }

    #[test]
    fn keeps_formatting() {
        let (out, _) = clean(
            "<p><b>bold</b> <i>it</i><br><a href=\"https://example.com/\">l</a></p>",
            &Listed(vec![]),
        );
        assert_eq!(
            out,
            "<p><b>bold</b> <i>it</i><br><a href=\"https://example.com/\" rel=\"noopener noreferrer\">l</a></p>"
        );
    }

    #[test]
    fn srcset_rendition_found() {
        let lookup = Listed(vec![(
            "https://64.media.tumblr.com/k/s2048x3072/big.jpg",
            "media/big.jpg",
        )]);
        let (out, missing) = clean(
            "<img src=\"https://64.media.tumblr.com/k/s640x960/small.jpg\" \
             srcset=\"https://64.media.tumblr.com/k/s640x960/small.jpg 640w, https://64.media.tumblr.com/k/s2048x3072/big.jpg 2048w\">",
            &lookup,
        );
        assert_eq!(
            out,
            "<img src=\"../media/big.jpg\" alt=\"\" loading=\"lazy\">"
        );
        assert_eq!(missing, 0);
    }

    #[test]
    fn link_to_archived_file_is_local() {
        let lookup = Listed(vec![(
            "https://64.media.tumblr.com/k/tumblr_x_1280.jpg",
            "media/x.jpg",
        )]);
        let (out, missing) = clean(
            "<a href=\"https://64.media.tumblr.com/k/tumblr_x_1280.jpg\">\
             <img src=\"https://64.media.tumblr.com/k/tumblr_x_500.jpg\"></a>",
            &lookup,
        );
        assert!(out.starts_with("<a href=\"../media/x.jpg\" rel=\"noopener noreferrer\">"));
        assert!(out.contains(
            "image not archived: <code>https://64.media.tumblr.com/k/tumblr_x_500.jpg</code>"
        ));
        assert_eq!(missing, 1);
    }

    #[test]
    fn srcset_urls_split() {
        assert_eq!(
            srcset_urls("a.jpg 1x, b.jpg 2x,c.jpg"),
            vec!["a.jpg", "b.jpg", "c.jpg"]
        );
    }
}
