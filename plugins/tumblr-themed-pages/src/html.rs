//! Reading the DOM that html5ever (through `scraper`) builds from a themed
//! page: URL resolution against the page address, the post ids of an index
//! page and its next-page link, and one post of a permalink page with its
//! time, tags, type, summary and media.
//!
//! Themes differ, so a permalink page's post is found by shape, in this
//! order: an element whose `id` contains the post id, the first
//! `<article>`, the first element with a class `post`, `entry` or
//! `post-…`, and else `<body>`. Media and tags are read inside that element
//! only, which leaves out the theme's header image and icons.

use plugin_sdk::date::Date;
use plugin_sdk::html::parse_srcset;
use plugin_sdk::media::{Media, MediaKind, MediaList, alternate};
use plugin_sdk::text::{SUMMARY_MAX_CHARS, collapse_whitespace, truncate_chars};
use plugin_sdk::tumblr_url::{audio_file_url, kind_from_url, percent_decode};
use scraper::{ElementRef, Html};

/// Returns `href` as an absolute `http(s)` URL, resolved against the page
/// at `base`. Returns `None` for fragments, `javascript:`, `mailto:`,
/// `data:` and other schemes. Dot segments such as `../` are left as
/// written, because Tumblr themes link with absolute paths.
pub fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    if let Some((scheme, _)) = href.split_once(':')
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        let is_web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
        return is_web.then(|| href.to_owned());
    }
    let (scheme, rest) = base.split_once("://")?;
    if let Some(network_path) = href.strip_prefix("//") {
        return Some(format!("{scheme}://{network_path}"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..authority_end]);
    if href.starts_with('/') {
        return Some(format!("{origin}{href}"));
    }
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    let directory = path.rsplit_once('/').map_or("", |(directory, _)| directory);
    Some(format!("{origin}{directory}/{href}"))
}

/// Returns the lowercase host and the path of an absolute URL.
pub fn host_and_path(url: &str) -> Option<(String, &str)> {
    let (_, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..authority_end].rsplit('@').next().unwrap_or("");
    let path = rest[authority_end..].split(['?', '#']).next().unwrap_or("");
    Some((host.to_ascii_lowercase(), path))
}

/// Returns the post id of a permalink path `/post/{id}` or
/// `/post/{id}/{slug}`.
pub fn post_id_of_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/post/")?;
    let id = rest.split('/').next().unwrap_or("");
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Yields every element below and including `root`, in document order.
fn elements<'a>(root: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    root.descendants().filter_map(ElementRef::wrap)
}

fn attr<'a>(element: &ElementRef<'a>, name: &str) -> Option<&'a str> {
    element
        .value()
        .attr(name)
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// What an index page lists.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IndexPage {
    /// Title of the blog, from `<title>`.
    pub title: String,
    /// Ids of the posts the page links to on `hosts`, in order, each once.
    pub post_ids: Vec<String>,
    /// Absolute URL of the link to page `next_number`, when the page has
    /// one.
    pub next_url: Option<String>,
}

/// Reads an index page at `page_url`: the posts it links to on one of
/// `hosts` and its link to page `next_number`. A link counts as the next
/// page when its path is `/page/{next_number}` on one of `hosts`.
pub fn read_index(html: &str, page_url: &str, hosts: &[String], next_number: u32) -> IndexPage {
    let document = Html::parse_document(html);
    let next_path = format!("/page/{next_number}");
    let mut page = IndexPage {
        title: document_title(&document),
        ..IndexPage::default()
    };
    for link in elements(document.root_element()).filter(|e| e.value().name() == "a") {
        let Some(url) = attr(&link, "href").and_then(|href| resolve(page_url, href)) else {
            continue;
        };
        let Some((host, path)) = host_and_path(&url) else {
            continue;
        };
        if !hosts.contains(&host) {
            continue;
        }
        if let Some(id) = post_id_of_path(path) {
            if !page.post_ids.iter().any(|known| known == id) {
                page.post_ids.push(id.to_owned());
            }
        } else if page.next_url.is_none() && path.trim_end_matches('/') == next_path {
            page.next_url = Some(url);
        }
    }
    page
}

fn document_title(document: &Html) -> String {
    elements(document.root_element())
        .find(|element| element.value().name() == "title")
        .map(|title| collapse_whitespace(&title.text().collect::<String>()))
        .unwrap_or_default()
}

/// One post read from a permalink page.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PermalinkPost {
    /// `<link rel="canonical">`, when the page has one.
    pub canonical: Option<String>,
    pub timestamp: i64,
    pub tags: Vec<String>,
    /// Type named by the post element's classes, such as `photo`.
    pub class_type: Option<String>,
    pub summary: String,
    pub media: Vec<Media>,
    /// Absolute URLs of the photoset frames, which hold the photos.
    pub photoset_frames: Vec<String>,
    /// Outer HTML of the post's element as the parser serialises it, so
    /// quoting and whitespace inside tags may differ from the page.
    pub html: String,
}

/// Reads post `id` from its permalink page at `page_url`, as the module
/// documentation describes.
pub fn read_permalink(html: &str, page_url: &str, id: &str) -> PermalinkPost {
    let document = Html::parse_document(html);
    let root = document.root_element();
    let post = post_element(root, id);
    let canonical = elements(root)
        .find(|e| e.value().name() == "link" && attr(e, "rel") == Some("canonical"))
        .and_then(|link| attr(&link, "href"))
        .and_then(|href| resolve(page_url, href));
    let timestamp = elements(post)
        .chain(elements(root))
        .find_map(|element| {
            let value = match element.value().name() {
                "time" => attr(&element, "datetime"),
                "meta" if attr(&element, "property") == Some("article:published_time") => {
                    attr(&element, "content")
                }
                _ => None,
            };
            value.and_then(parse_datetime)
        })
        .unwrap_or(0);

    let mut list = MediaList::default();
    let mut photoset_frames = Vec::new();
    for element in elements(post) {
        element_media(&element, page_url, &mut list, &mut photoset_frames);
    }
    for item in open_graph_media(root, page_url) {
        list.push(item);
    }
    let mut text = String::new();
    collect_text(post, &mut text);
    PermalinkPost {
        canonical,
        timestamp,
        tags: tags(post, page_url),
        class_type: class_type(post),
        summary: truncate_chars(&collapse_whitespace(&text), SUMMARY_MAX_CHARS),
        media: list.into_vec(),
        photoset_frames,
        html: post.html(),
    }
}

/// Returns the media that the page's Open Graph tags name
/// (`og:image`, `og:video`, `og:audio` and their `:url` forms). Many themes
/// show a photo post's images only through these tags and scripts, so they
/// are read as post media; the media list drops avatars and theme images.
fn open_graph_media(root: ElementRef<'_>, page_url: &str) -> Vec<Media> {
    let mut found = Vec::new();
    for meta in elements(root).filter(|element| element.value().name() == "meta") {
        let property = attr(&meta, "property")
            .or_else(|| attr(&meta, "name"))
            .unwrap_or_default();
        let kind = match property.trim_end_matches(":url") {
            "og:image" => MediaKind::Image,
            "og:video" => MediaKind::Video,
            "og:audio" => MediaKind::Audio,
            _ => continue,
        };
        let Some(url) = attr(&meta, "content").and_then(|content| resolve(page_url, content))
        else {
            continue;
        };
        let kind = if kind == MediaKind::Image {
            kind_from_url(&url)
        } else {
            kind
        };
        found.push(Media {
            kind,
            ..Media::new(&url, kind)
        });
    }
    found
}

/// Returns the media of a photoset frame page: its images and the
/// full-size photos that its links point to.
pub fn read_photoset(html: &str, page_url: &str) -> Vec<Media> {
    let document = Html::parse_document(html);
    let mut list = MediaList::default();
    let mut frames = Vec::new();
    for element in elements(document.root_element()) {
        element_media(&element, page_url, &mut list, &mut frames);
    }
    list.into_vec()
}

/// Returns the element that holds post `id`, as the module documentation
/// describes.
fn post_element<'a>(root: ElementRef<'a>, id: &str) -> ElementRef<'a> {
    let body = elements(root)
        .find(|e| e.value().name() == "body")
        .unwrap_or(root);
    let by_id = elements(body).find(|e| attr(e, "id").is_some_and(|value| value.contains(id)));
    let article = || elements(body).find(|e| e.value().name() == "article");
    let by_class = || {
        elements(body).find(|e| {
            e.value()
                .classes()
                .any(|class| class == "post" || class == "entry" || class.starts_with("post-"))
        })
    };
    by_id.or_else(article).or_else(by_class).unwrap_or(body)
}

/// Adds the media of one element. Photoset frames go to `frames` to be
/// requested, because the photos are in the frame's own page.
fn element_media(
    element: &ElementRef<'_>,
    page_url: &str,
    out: &mut MediaList,
    frames: &mut Vec<String>,
) {
    let absolute = |name: &str| attr(element, name).and_then(|value| resolve(page_url, value));
    match element.value().name() {
        "img" => {
            if let Some(media) = img_media(element, page_url) {
                out.push(media);
            }
        }
        "video" | "audio" => {
            let kind = if element.value().name() == "video" {
                MediaKind::Video
            } else {
                MediaKind::Audio
            };
            if let Some(url) = absolute("src") {
                out.push(Media::new(&url, kind));
            }
            for source in elements(*element).filter(|e| e.value().name() == "source") {
                if let Some(url) = attr(&source, "src").and_then(|src| resolve(page_url, src)) {
                    out.push(Media::new(&url, kind));
                }
            }
            if let Some(url) = absolute("poster") {
                out.push(Media::new(&url, kind_from_url(&url)));
            }
        }
        "source" => {
            let in_player = element
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|parent| matches!(parent.value().name(), "video" | "audio" | "picture"));
            if !in_player && let Some(url) = absolute("src") {
                out.push(Media::new(&url, kind_from_url(&url)));
            }
        }
        "iframe" | "embed" | "object" => {
            let Some(url) = absolute("src").or_else(|| absolute("data")) else {
                return;
            };
            if let Some(file) = audio_file_url(&url) {
                out.push(Media::new(&file, MediaKind::Audio));
            } else if url.contains("/photoset_iframe/") {
                if !frames.contains(&url) {
                    frames.push(url);
                }
            } else {
                out.push(Media::new(&url, MediaKind::Embed));
            }
        }
        "a" => {
            // Photoset links and lightbox links point at the full-size file
            // on a Tumblr media host; they merge with the `<img>` inside.
            let Some(url) = absolute("href") else {
                return;
            };
            let on_media_host =
                host_and_path(&url).is_some_and(|(host, _)| host.ends_with(".media.tumblr.com"));
            let kind = kind_from_url(&url);
            let is_file = url
                .rsplit('/')
                .next()
                .is_some_and(|file| file.contains('.'));
            if on_media_host && is_file && matches!(kind, MediaKind::Image | MediaKind::Gif) {
                out.push(Media::new(&url, kind));
            }
        }
        _ => {}
    }
}

/// Builds the media item of an `<img>`: the widest `srcset` candidate is
/// the URL, and the other candidates and `src` are alternates.
fn img_media(element: &ElementRef<'_>, page_url: &str) -> Option<Media> {
    let src = attr(element, "src").and_then(|src| resolve(page_url, src));
    let mut candidates: Vec<(String, u32)> = attr(element, "srcset")
        .map(parse_srcset)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| Some((resolve(page_url, &c.url)?, c.width.unwrap_or(0))))
        .collect();
    candidates.sort_by_key(|(_, width)| std::cmp::Reverse(*width));
    let mut urls = candidates.into_iter().map(|(url, _)| url).chain(src);
    let url = urls.next()?;
    let alternates = urls
        .filter(|other| *other != url)
        .map(|other| alternate(&other, None))
        .collect();
    Some(Media {
        kind: kind_from_url(&url),
        alternates,
        ..Media::new(&url, MediaKind::Image)
    })
}

/// Returns the tags of the post: the links to `/tagged/{tag}`, named by
/// their text without a leading `#`, or by the decoded path segment with
/// `-` read as a space when the link has no text.
fn tags(post: ElementRef<'_>, page_url: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for link in elements(post).filter(|e| e.value().name() == "a") {
        let Some(url) = attr(&link, "href").and_then(|href| resolve(page_url, href)) else {
            continue;
        };
        let Some((_, path)) = host_and_path(&url) else {
            continue;
        };
        let Some(segment) = path.strip_prefix("/tagged/") else {
            continue;
        };
        let text = collapse_whitespace(&link.text().collect::<String>());
        let text = text.trim_start_matches('#').trim();
        let tag = if text.is_empty() {
            percent_decode(segment.split('/').next().unwrap_or("")).replace('-', " ")
        } else {
            text.to_owned()
        };
        if !tag.is_empty() && !found.contains(&tag) {
            found.push(tag);
        }
    }
    found
}

/// Returns the post type that a class of the post element names, such as
/// `photo` in `class="post photo"` or `post-type-photo`.
fn class_type(post: ElementRef<'_>) -> Option<String> {
    post.value().classes().find_map(|class| {
        let class = class.to_ascii_lowercase();
        let name = ["post-type-", "type-", "post-", "post_", "is-"]
            .iter()
            .find_map(|prefix| class.strip_prefix(prefix))
            .unwrap_or(&class);
        let post_type = match name {
            "text" | "regular" => "text",
            "photo" | "photoset" | "image" => "photo",
            "quote" => "quote",
            "link" => "link",
            "chat" | "conversation" => "chat",
            "audio" => "audio",
            "video" => "video",
            "answer" | "ask" => "answer",
            _ => return None,
        };
        Some(post_type.to_owned())
    })
}

/// Appends the text of `element`, leaving out scripts and styles and
/// putting a space between blocks.
fn collect_text(element: ElementRef<'_>, out: &mut String) {
    for child in element.children() {
        if let Some(child_element) = ElementRef::wrap(child) {
            let name = child_element.value().name();
            if matches!(name, "script" | "style" | "noscript" | "template") {
                continue;
            }
            out.push(' ');
            collect_text(child_element, out);
        } else if let Some(text) = child.value().as_text() {
            out.push_str(text);
        }
    }
}

/// Parses an HTML `datetime` value into Unix seconds: `YYYY-MM-DD`, then
/// optionally `T` or a space, `HH:MM`, `:SS`, fractional seconds, and `Z` or
/// an offset `±HH:MM`. A time without an offset is read as UTC.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = Date::parse(text.get(..10)?)?;
    let mut seconds = date.start_timestamp();
    let rest = &text[10..];
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return rest.is_empty().then_some(seconds);
    };
    let number = |part: Option<&str>, max: i64| -> Option<i64> {
        let part = part?;
        let value: i64 = part.parse().ok()?;
        (part.len() == 2 && (0..=max).contains(&value)).then_some(value)
    };
    let zone_start = time.find(['Z', 'z', '+', '-']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_start);
    let clock = clock.split('.').next().unwrap_or("");
    let mut parts = clock.split(':');
    seconds += number(parts.next(), 23)? * 3600 + number(parts.next(), 59)? * 60;
    if let Some(second) = parts.next() {
        seconds += number(Some(second), 60)?;
    }
    if parts.next().is_some() {
        return None;
    }
    match zone.chars().next() {
        None | Some('Z' | 'z') => Some(seconds),
        Some(sign) => {
            let (hours, minutes) = zone[1..].split_once(':').unwrap_or((&zone[1..], "00"));
            let offset = number(Some(hours), 23)? * 3600 + number(Some(minutes), 59)? * 60;
            Some(if sign == '+' {
                seconds - offset
            } else {
                seconds + offset
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_forms() {
        let base = "https://example-blog.tumblr.com/post/1/slug?x=1";
        let cases = [
            ("/page/2", Some("https://example-blog.tumblr.com/page/2")),
            ("//x.test/a.jpg", Some("https://x.test/a.jpg")),
            ("http://x.test/b", Some("http://x.test/b")),
            (
                "c.jpg",
                Some("https://example-blog.tumblr.com/post/1/c.jpg"),
            ),
            ("#top", None),
            ("javascript:void(0)", None),
            ("mailto:a@x.test", None),
            ("", None),
        ];
        for (href, expected) in cases {
            assert_eq!(resolve(base, href).as_deref(), expected, "{href}");
        }
    }

    #[test]
    fn post_id_of_path_forms() {
        assert_eq!(post_id_of_path("/post/123"), Some("123"));
        assert_eq!(post_id_of_path("/post/123/slug"), Some("123"));
        assert_eq!(post_id_of_path("/post/12a"), None);
        assert_eq!(post_id_of_path("/post/"), None);
        assert_eq!(post_id_of_path("/tagged/post"), None);
    }

    #[test]
    fn parse_datetime_forms() {
        let cases = [
            ("2013-02-07", Some(1_360_195_200)),
            ("2013-02-07T10:00:00Z", Some(1_360_231_200)),
            ("2013-02-07T10:00Z", Some(1_360_231_200)),
            ("2013-02-07 05:00:00-05:00", Some(1_360_231_200)),
            ("2013-02-07T11:30:00.250+01:30", Some(1_360_231_200)),
            ("2013-02-07T10:00:00", Some(1_360_231_200)),
            ("2013-02-30", None),
            ("2013-02-07T25:00", None),
            ("yesterday", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_datetime(text), expected, "{text}");
        }
    }

    #[test]
    fn class_type_prefixes() {
        let cases = [
            ("<div class=\"post photo\">x</div>", Some("photo")),
            (
                "<div class=\"entry post-type-conversation\">x</div>",
                Some("chat"),
            ),
            ("<article class=\"is-video\">x</article>", Some("video")),
            ("<article class=\"wide\">x</article>", None),
        ];
        for (html, expected) in cases {
            let document = Html::parse_fragment(html);
            let element = elements(document.root_element())
                .find(|e| matches!(e.value().name(), "div" | "article"));
            let Some(element) = element else {
                panic!("no element in {html}");
            };
            assert_eq!(class_type(element).as_deref(), expected, "{html}");
        }
    }
}
