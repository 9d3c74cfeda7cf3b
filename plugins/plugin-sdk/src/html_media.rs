//! Media inside HTML fragments of posts: images with their `srcset`
//! renditions, `<video>` and `<audio>` with their sources and posters, and
//! the `src` of a player frame.

use crate::html::{Tag, parse_srcset, tags};
use crate::media::{Dimensions, Media, MediaKind, MediaList, alternate};
use crate::tumblr_url::{kind_from_url, rendition_width};

/// Adds the media inside an HTML fragment to `out`, as
/// `media_in_html_with` describes, ignoring every other tag.
pub fn media_in_html(html: &str, trail_blog: Option<&str>, out: &mut MediaList) {
    media_in_html_with(html, trail_blog, out, |_, _| {});
}

/// Adds the media inside an HTML fragment to `out`:
/// - `<img>`: the widest `srcset` candidate (else `src`) is the URL, the
///   other candidates and `src` are alternates. `data-orig-width` and
///   `data-orig-height` give the size when the URL is the original
///   rendition: the widest candidate's `w` equals `data-orig-width`, or the
///   image has no `srcset` and its URL carries no Tumblr size bucket.
/// - `<video src>` is a video and `<audio src>` audio. `<source src>` is a video
///   or audio inside those elements and of its URL's kind elsewhere.
/// - A `<video poster>` is an image, added after the video's sources.
/// - Every other start tag goes to `other_tag` in document order, so a
///   caller can read media that its site encodes in its own tags.
///
/// Every item carries `trail_blog`.
pub fn media_in_html_with(
    html: &str,
    trail_blog: Option<&str>,
    out: &mut MediaList,
    mut other_tag: impl FnMut(&Tag, &mut MediaList),
) {
    let mut open_player: Option<MediaKind> = None;
    let mut pending_poster: Option<String> = None;
    let with_blog = |mut media: Media| {
        media.trail_blog = trail_blog.map(str::to_owned);
        media
    };
    for tag in tags(html) {
        match (tag.name.as_str(), tag.is_end) {
            ("img", false) => {
                if let Some(media) = img_media(&tag) {
                    out.push(with_blog(media));
                }
            }
            ("video" | "audio", false) => {
                let kind = if tag.name == "video" {
                    MediaKind::Video
                } else {
                    MediaKind::Audio
                };
                if let Some(poster) = pending_poster.take() {
                    out.push(with_blog(Media::new(&poster, kind_from_url(&poster))));
                }
                open_player = Some(kind);
                pending_poster = tag.attribute("poster").map(str::to_owned);
                if let Some(url) = tag.attribute("src") {
                    out.push(with_blog(Media::new(url, kind)));
                }
            }
            ("video" | "audio", true) => {
                open_player = None;
                if let Some(poster) = pending_poster.take() {
                    out.push(with_blog(Media::new(&poster, kind_from_url(&poster))));
                }
            }
            ("source", false) => {
                if let Some(url) = tag.attribute("src") {
                    let kind = open_player.unwrap_or_else(|| kind_from_url(url));
                    out.push(with_blog(Media::new(url, kind)));
                }
            }
            (_, false) => other_tag(&tag, out),
            _ => {}
        }
    }
    if let Some(poster) = pending_poster {
        out.push(with_blog(Media::new(&poster, kind_from_url(&poster))));
    }
}

/// Builds the media item of an `<img>` tag as `media_in_html_with`
/// describes.
fn img_media(tag: &Tag) -> Option<Media> {
    let src = tag.attribute("src");
    let mut candidates = tag
        .attribute("srcset")
        .map(parse_srcset)
        .unwrap_or_default();
    let original = dimensions_at_tag(tag);

    let widest_index = candidates
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, u32)>, (index, candidate)| {
            let width = candidate.width.unwrap_or(0);
            match best {
                Some((_, best_width)) if best_width >= width => best,
                _ => Some((index, width)),
            }
        })
        .map(|(index, _)| index);

    let (url, size) = match widest_index {
        Some(index) => {
            let widest = candidates.remove(index);
            let is_original = original.is_some_and(|size| widest.width == Some(size.width));
            (widest.url, if is_original { original } else { None })
        }
        None => {
            let url = src?.to_owned();
            let is_original = rendition_width(&url, None) == 0;
            (url, if is_original { original } else { None })
        }
    };
    let mut alternates: Vec<_> = candidates
        .into_iter()
        .map(|candidate| alternate(&candidate.url, None))
        .collect();
    if let Some(src) = src.filter(|src| *src != url) {
        alternates.push(alternate(src, None));
    }
    Some(Media {
        kind: kind_from_url(&url),
        url,
        size,
        alternates,
        trail_blog: None,
    })
}

fn dimensions_at_tag(tag: &Tag) -> Option<Dimensions> {
    let width = tag.attribute("data-orig-width")?.parse().ok()?;
    let height = tag.attribute("data-orig-height")?.parse().ok()?;
    (width > 0 && height > 0).then_some(Dimensions { width, height })
}

/// Returns the `src` of the first `iframe` or `embed` tag in `html`, the
/// address of a third-party player.
pub fn frame_src(html: &str) -> Option<String> {
    tags(html)
        .into_iter()
        .filter(|tag| !tag.is_end && (tag.name == "iframe" || tag.name == "embed"))
        .find_map(|tag| tag.attribute("src").map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_html(html: &str) -> Vec<Media> {
        let mut list = MediaList::default();
        media_in_html(html, Some("blog-x"), &mut list);
        list.into_vec()
    }

    #[test]
    fn html_media_img_srcset() {
        let items = from_html(
            r#"<img src="https://x.test/m.jpg" data-orig-width="900" data-orig-height="300"
                srcset="https://x.test/s.jpg 100w, https://x.test/l.jpg 900w, https://x.test/m.jpg 500w">"#,
        );
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].url, "https://x.test/l.jpg");
        assert_eq!(
            items[0].size,
            Some(Dimensions {
                width: 900,
                height: 300
            })
        );
        let alternates: Vec<&str> = items[0].alternates.iter().map(|a| a.url.as_str()).collect();
        assert_eq!(alternates, ["https://x.test/s.jpg", "https://x.test/m.jpg"]);
        assert_eq!(items[0].trail_blog.as_deref(), Some("blog-x"));
    }

    #[test]
    fn html_media_img_size_only_for_original() {
        let items = from_html(
            r#"<img src="https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/a-46/s640x960/x.jpg" data-orig-width="2048" data-orig-height="1536">
               <img src="https://x.test/y.jpg" data-orig-width="20" data-orig-height="10">"#,
        );
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].size, None);
        assert_eq!(
            items[1].size,
            Some(Dimensions {
                width: 20,
                height: 10
            })
        );
    }

    #[test]
    fn html_media_video_source_then_poster() {
        let items = from_html(
            r#"<video poster='https://x.test/p.jpg'><source src="https://x.test/v" type="video/mp4"></video>
               <audio><source src="https://x.test/a"></audio><source src="https://x.test/loose.webm">"#,
        );
        let got: Vec<(&str, MediaKind)> = items.iter().map(|m| (m.url.as_str(), m.kind)).collect();
        assert_eq!(
            got,
            [
                ("https://x.test/v", MediaKind::Video),
                ("https://x.test/p.jpg", MediaKind::Image),
                ("https://x.test/a", MediaKind::Audio),
                ("https://x.test/loose.webm", MediaKind::Video),
            ]
        );
    }

    #[test]
    fn html_media_other_tags_in_order() {
        let mut list = MediaList::default();
        let mut seen = Vec::new();
        media_in_html_with(
            r#"<p><img src="https://x.test/a.jpg"><figure data-x="1"></figure></p>"#,
            None,
            &mut list,
            |tag, out| {
                seen.push(tag.name.clone());
                if tag.name == "figure" {
                    out.push(Media::new("https://x.test/f.png", MediaKind::Image));
                }
            },
        );
        assert_eq!(seen, ["p", "figure"]);
        let urls: Vec<String> = list.into_vec().into_iter().map(|m| m.url).collect();
        assert_eq!(urls, ["https://x.test/a.jpg", "https://x.test/f.png"]);
    }

    #[test]
    fn frame_src_first_player() {
        let html = r#"<p>x</p><iframe src="https://www.youtube.com/embed/a"></iframe><embed src="https://b.test/">"#;
        assert_eq!(
            frame_src(html).as_deref(),
            Some("https://www.youtube.com/embed/a")
        );
        assert_eq!(frame_src("<img src=\"https://x.test/a.jpg\">"), None);
    }
}
