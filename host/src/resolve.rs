//! Best resolution: the ordered list of URLs to try for one media item,
//! best first, ending with the URL the scraper reported and then its
//! smaller renditions. A candidate that fails falls through to the next.
//!
//! Tumblr URL shapes handled here:
//! - legacy images `tumblr_{token}_{size}.{ext}` (also `tumblr_inline_…`):
//!   the `_1280` rendition is tried first; GIFs are left alone because
//!   Tumblr rarely has them above 540 pixels;
//! - current images `/{hash}/{id}-{nn}/s{W}x{H}/{file}`: the bucket cannot
//!   be rewritten (the file part differs per size), so when the best
//!   rendition offered is 2048 wide or 3072 tall, or is an inline image
//!   with no larger rendition known, the `s99999x99999` image page is
//!   asked (with `Accept: text/html`) for the URL of the original;
//! - a `.gif` that fails is tried again as `.gifv` with an image `Accept`,
//!   which Tumblr serves as animated WebP;
//! - videos `tumblr_{token}_{480|720}.mp4` on Tumblr's video hosts: the
//!   unsuffixed `tumblr_{token}.mp4` original is tried first; a revision
//!   marker such as `_r1` is part of the token and is kept.

use url::Url;

/// `Accept` header for image requests, as a browser sends it.
pub const IMAGE_ACCEPT: &str = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
/// `Accept` header for which Tumblr returns its HTML image page.
pub const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml";

const IMAGE_PAGE_BUCKET: &str = "s99999x99999";
const LEGACY_UPGRADE_SIZE: &str = "1280";

/// Relation of a candidate to the reported URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendition {
    /// A larger rendition than the one reported.
    Upgraded,
    /// The URL the scraper reported.
    Reported,
    /// The `.gifv` sibling of a `.gif`.
    Gifv,
    /// A smaller rendition that the scraper listed.
    Smaller,
}

impl Rendition {
    pub fn name(self) -> &'static str {
        match self {
            Rendition::Upgraded => "upgraded",
            Rendition::Reported => "reported",
            Rendition::Gifv => "gifv",
            Rendition::Smaller => "smaller",
        }
    }
}

/// One URL to try.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub url: String,
    pub rendition: Rendition,
    /// Whether `url` is Tumblr's HTML image page, which names the file
    /// to download rather than being it.
    pub image_page: bool,
    pub accept: Option<&'static str>,
}

/// Facts about a media item from which its candidates are built.
pub struct MediaFacts<'a> {
    pub url: &'a str,
    /// `image`, `gif`, `video`, `audio` or `embed`.
    pub kind: &'a str,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Smaller renditions listed by the scraper, best first.
    pub fallbacks: &'a [String],
}

/// Returns the URLs to try for a media item, best first.
pub fn candidates(facts: &MediaFacts<'_>) -> Vec<Candidate> {
    let mut list = Vec::new();
    if let Ok(url) = Url::parse(facts.url) {
        if let Some(upgrade) = legacy_image_upgrade(&url) {
            list.push(candidate(
                upgrade,
                Rendition::Upgraded,
                false,
                Some(IMAGE_ACCEPT),
            ));
        }
        if let Some(original) = video_original(&url) {
            list.push(candidate(original, Rendition::Upgraded, false, None));
        }
        if wants_image_page(&url, facts)
            && let Some(page) = image_page_url(&url)
        {
            list.push(candidate(
                page,
                Rendition::Upgraded,
                true,
                Some(PAGE_ACCEPT),
            ));
        }
    }
    let accept = matches!(facts.kind, "image" | "gif").then_some(IMAGE_ACCEPT);
    list.push(candidate(
        facts.url.to_string(),
        Rendition::Reported,
        false,
        accept,
    ));
    if let Some(gifv) = gifv_sibling(facts.url) {
        list.push(candidate(gifv, Rendition::Gifv, false, Some(IMAGE_ACCEPT)));
    }
    for fallback in facts.fallbacks {
        if !list.iter().any(|existing| &existing.url == fallback) {
            list.push(candidate(
                fallback.clone(),
                Rendition::Smaller,
                false,
                accept,
            ));
        }
    }
    list
}

fn candidate(
    url: String,
    rendition: Rendition,
    image_page: bool,
    accept: Option<&'static str>,
) -> Candidate {
    Candidate {
        url,
        rendition,
        image_page,
        accept,
    }
}

fn is_tumblr_media_host(url: &Url) -> bool {
    url.host_str()
        .is_some_and(|host| host == "media.tumblr.com" || host.ends_with(".media.tumblr.com"))
}

/// Splits the last path segment into stem and extension.
fn file_name(url: &Url) -> Option<(&str, &str)> {
    let name = url.path_segments()?.next_back()?;
    name.rsplit_once('.')
}

fn with_file_name(url: &Url, name: &str) -> String {
    let mut changed = url.clone();
    let path = url.path();
    let folder = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
    changed.set_path(&format!("{folder}{name}"));
    changed.to_string()
}

/// `…/tumblr_{token}_{size}.{ext}` → `…/tumblr_{token}_1280.{ext}`.
fn legacy_image_upgrade(url: &Url) -> Option<String> {
    if !is_tumblr_media_host(url) {
        return None;
    }
    let (stem, extension) = file_name(url)?;
    if !stem.starts_with("tumblr_")
        || !matches!(
            extension.to_ascii_lowercase().as_str(),
            "jpg" | "jpeg" | "png" | "pnj" | "webp"
        )
    {
        return None;
    }
    let (prefix, size) = stem.rsplit_once('_')?;
    let size_digits = size.strip_suffix("sq").unwrap_or(size);
    let is_bucket = !size_digits.is_empty()
        && size_digits.len() <= 4
        && size_digits.bytes().all(|byte| byte.is_ascii_digit());
    if !is_bucket || size == LEGACY_UPGRADE_SIZE || prefix == "tumblr" {
        return None;
    }
    let bucket: u32 = size_digits.parse().ok()?;
    if bucket >= 1280 {
        return None;
    }
    Some(with_file_name(
        url,
        &format!("{prefix}_{LEGACY_UPGRADE_SIZE}.{extension}"),
    ))
}

/// `tumblr_{token}_480.mp4` on a video host → `tumblr_{token}.mp4`.
fn video_original(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let video_host = matches!(
        host,
        "vt.tumblr.com"
            | "vtt.tumblr.com"
            | "va.media.tumblr.com"
            | "vt.media.tumblr.com"
            | "ve.media.tumblr.com"
    );
    if !video_host {
        return None;
    }
    let (stem, extension) = file_name(url)?;
    if extension != "mp4" || !stem.starts_with("tumblr_") {
        return None;
    }
    let (prefix, size) = stem.rsplit_once('_')?;
    let is_transcode =
        (3..=4).contains(&size.len()) && size.bytes().all(|byte| byte.is_ascii_digit());
    if !is_transcode || prefix == "tumblr" {
        return None;
    }
    Some(with_file_name(url, &format!("{prefix}.{extension}")))
}

/// Returns the bucket segment (`s640x960`) of a current-style image URL.
fn size_bucket(url: &Url) -> Option<(u32, u32)> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    if segments.len() < 4 {
        return None;
    }
    let bucket = segments[segments.len() - 2];
    let dimensions = bucket.strip_prefix('s')?;
    let (width, height) = dimensions.split_once('x')?;
    let height: String = height.chars().take_while(char::is_ascii_digit).collect();
    Some((width.parse().ok()?, height.parse().ok()?))
}

fn wants_image_page(url: &Url, facts: &MediaFacts<'_>) -> bool {
    if facts.kind != "image" || !is_tumblr_media_host(url) {
        return false;
    }
    let Some((bucket_width, bucket_height)) = size_bucket(url) else {
        return false;
    };
    let capped = facts.width == Some(2048)
        || facts.height == Some(3072)
        || (bucket_width, bucket_height) == (2048, 3072);
    let small_inline = facts.fallbacks.is_empty() && facts.width.is_none() && bucket_width < 1280;
    capped || small_inline
}

/// Returns the `s99999x99999` form of a current-style image URL.
fn image_page_url(url: &Url) -> Option<String> {
    let (width, height) = size_bucket(url)?;
    let bucket = format!("/s{width}x{height}");
    let path = url.path();
    let start = path.rfind(&bucket)?;
    let end = start + bucket.len() + path[start + bucket.len()..].find('/')?;
    let mut changed = url.clone();
    changed.set_path(&format!(
        "{}/{IMAGE_PAGE_BUCKET}{}",
        &path[..start],
        &path[end..]
    ));
    Some(changed.to_string())
}

fn gifv_sibling(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    if !is_tumblr_media_host(&parsed) {
        return None;
    }
    let (stem, extension) = file_name(&parsed)?;
    extension
        .eq_ignore_ascii_case("gif")
        .then(|| with_file_name(&parsed, &format!("{stem}.{extension}v")))
}

/// Finds the image URL in Tumblr's HTML image page: the `src` of the
/// first `<img>` whose value is an http(s) URL.
pub fn image_from_page(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        let tag_end = rest[start..]
            .find('>')
            .map_or(rest.len(), |end| start + end);
        let tag = &rest[start..tag_end];
        if let Some(src) = attribute(tag, "src")
            && (src.starts_with("https://") || src.starts_with("http://"))
        {
            return Some(src.replace("&amp;", "&"));
        }
        rest = &rest[tag_end..];
    }
    None
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let position = tag.find(&format!(" {name}="))? + name.len() + 2;
    let value = &tag[position..];
    let quote = value.chars().next()?;
    if quote == '"' || quote == '\'' {
        let end = value[1..].find(quote)?;
        Some(&value[1..1 + end])
    } else {
        Some(
            value
                .split(|character: char| character.is_whitespace() || character == '>')
                .next()
                .unwrap_or(""),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(
        url: &str,
        kind: &str,
        width: Option<u32>,
        height: Option<u32>,
        fallbacks: &[&str],
    ) -> Vec<(String, &'static str, bool)> {
        let fallbacks: Vec<String> = fallbacks
            .iter()
            .map(|fallback| fallback.to_string())
            .collect();
        let facts = MediaFacts {
            url,
            kind,
            width,
            height,
            fallbacks: &fallbacks,
        };
        candidates(&facts)
            .into_iter()
            .map(|candidate| {
                (
                    candidate.url,
                    candidate.rendition.name(),
                    candidate.image_page,
                )
            })
            .collect()
    }

    fn row(url: &str, rendition: &'static str, image_page: bool) -> (String, &'static str, bool) {
        (url.to_string(), rendition, image_page)
    }

    #[test]
    fn legacy_sizes_upgrade_to_1280() {
        let base = "https://64.media.tumblr.com/4a3c4c4c63e975466118f05a3db4dafb";
        for size in ["540", "500", "400", "250", "100", "75sq"] {
            let url = format!("{base}/tumblr_zbk8a5XNhM9fq7pevo1_{size}.png");
            assert_eq!(
                urls(&url, "image", None, None, &[]),
                vec![
                    row(
                        &format!("{base}/tumblr_zbk8a5XNhM9fq7pevo1_1280.png"),
                        "upgraded",
                        false
                    ),
                    row(&url, "reported", false)
                ],
                "size {size}"
            );
        }
    }

    #[test]
    fn legacy_inline_and_old_host_upgrade() {
        let inline = "https://64.media.tumblr.com/7cf8/tumblr_inline_xhragtMwJH8pwf6d3_500.jpg";
        assert_eq!(
            urls(inline, "image", None, None, &[])[0],
            row(
                "https://64.media.tumblr.com/7cf8/tumblr_inline_xhragtMwJH8pwf6d3_1280.jpg",
                "upgraded",
                false
            )
        );
        let old = "https://25.media.tumblr.com/tumblr_q8hz4kLmWC1x9rb2fo1_500.jpg";
        assert_eq!(
            urls(old, "image", None, None, &[])[0],
            row(
                "https://25.media.tumblr.com/tumblr_q8hz4kLmWC1x9rb2fo1_1280.jpg",
                "upgraded",
                false
            )
        );
    }

    #[test]
    fn legacy_revision_kept() {
        let url = "https://64.media.tumblr.com/abc/tumblr_uixo0u2nc78i8zdow_r1_og_540.jpg";
        assert_eq!(
            urls(url, "image", None, None, &[])[0],
            row(
                "https://64.media.tumblr.com/abc/tumblr_uixo0u2nc78i8zdow_r1_og_1280.jpg",
                "upgraded",
                false
            )
        );
    }

    #[test]
    fn legacy_1280_and_gif_unchanged() {
        let largest = "https://64.media.tumblr.com/abc/tumblr_xo1_1280.jpg";
        assert_eq!(
            urls(largest, "image", None, None, &[]),
            vec![row(largest, "reported", false)]
        );
        let gif = "https://64.media.tumblr.com/abc/tumblr_inline_x_500.gif";
        assert_eq!(
            urls(gif, "gif", None, None, &[]),
            vec![
                row(gif, "reported", false),
                row(&format!("{gif}v"), "gifv", false)
            ]
        );
    }

    #[test]
    fn non_tumblr_host_unchanged() {
        let url = "https://example.com/images/photo_500.jpg";
        assert_eq!(
            urls(url, "image", None, None, &[]),
            vec![row(url, "reported", false)]
        );
    }

    #[test]
    fn capped_current_image_asks_page() {
        let url = "https://64.media.tumblr.com/bd60/12d9-80/s2048x3072/9db0.jpg";
        let smaller = "https://64.media.tumblr.com/bd60/12d9-80/s1280x1920/77aa.jpg";
        assert_eq!(
            urls(url, "image", Some(2048), Some(1365), &[smaller]),
            vec![
                row(
                    "https://64.media.tumblr.com/bd60/12d9-80/s99999x99999/9db0.jpg",
                    "upgraded",
                    true
                ),
                row(url, "reported", false),
                row(smaller, "smaller", false),
            ]
        );
    }

    #[test]
    fn current_image_below_cap_unchanged() {
        let url = "https://64.media.tumblr.com/bd60/12d9-80/s1280x1920/9db0.jpg";
        let smaller = "https://64.media.tumblr.com/bd60/12d9-80/s640x960/1111.jpg";
        assert_eq!(
            urls(url, "image", Some(1280), Some(853), &[smaller]),
            vec![row(url, "reported", false), row(smaller, "smaller", false)]
        );
    }

    #[test]
    fn inline_current_image_asks_page() {
        let url = "https://64.media.tumblr.com/bd60/12d9-80/s640x960/9db0.jpg";
        assert_eq!(
            urls(url, "image", None, None, &[]),
            vec![
                row(
                    "https://64.media.tumblr.com/bd60/12d9-80/s99999x99999/9db0.jpg",
                    "upgraded",
                    true
                ),
                row(url, "reported", false)
            ]
        );
    }

    #[test]
    fn cropped_bucket_page_url() {
        let url = "https://64.media.tumblr.com/bd60/12d9-80/s2048x3072_c1/9db0.jpg";
        assert_eq!(
            urls(url, "image", None, None, &[])[0],
            row(
                "https://64.media.tumblr.com/bd60/12d9-80/s99999x99999/9db0.jpg",
                "upgraded",
                true
            )
        );
    }

    #[test]
    fn current_gif_gets_gifv() {
        let url = "https://64.media.tumblr.com/bd60/12d9-80/s400x600/9db0.gif";
        assert_eq!(
            urls(url, "gif", Some(400), Some(300), &[]),
            vec![
                row(url, "reported", false),
                row(&format!("{url}v"), "gifv", false)
            ]
        );
    }

    #[test]
    fn video_transcode_stripped() {
        for (reported, original) in [
            (
                "https://vt.tumblr.com/tumblr_s70ritlBpj5r0dgbx_480.mp4",
                "https://vt.tumblr.com/tumblr_s70ritlBpj5r0dgbx.mp4",
            ),
            (
                "https://va.media.tumblr.com/tumblr_olth2byoLx2ey93jn_720.mp4",
                "https://va.media.tumblr.com/tumblr_olth2byoLx2ey93jn.mp4",
            ),
            (
                "https://vt.media.tumblr.com/tumblr_abc_r1_480.mp4",
                "https://vt.media.tumblr.com/tumblr_abc_r1.mp4",
            ),
        ] {
            assert_eq!(
                urls(reported, "video", None, None, &[]),
                vec![
                    row(original, "upgraded", false),
                    row(reported, "reported", false)
                ],
                "{reported}"
            );
        }
    }

    #[test]
    fn video_revision_not_stripped() {
        let url = "https://va.media.tumblr.com/tumblr_abc_r1.mp4";
        assert_eq!(
            urls(url, "video", None, None, &[]),
            vec![row(url, "reported", false)]
        );
        let plain = "https://vt.tumblr.com/tumblr_s70ritlBpj5r0dgbx.mp4";
        assert_eq!(
            urls(plain, "video", None, None, &[]),
            vec![row(plain, "reported", false)]
        );
    }

    #[test]
    fn fallbacks_follow_without_repeats() {
        let url = "https://64.media.tumblr.com/abc/tumblr_xo1_500.jpg";
        let list = urls(
            url,
            "image",
            None,
            None,
            &[
                "https://64.media.tumblr.com/abc/tumblr_xo1_1280.jpg",
                "https://64.media.tumblr.com/abc/tumblr_xo1_250.jpg",
            ],
        );
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(
            list[2],
            row(
                "https://64.media.tumblr.com/abc/tumblr_xo1_250.jpg",
                "smaller",
                false
            )
        );
    }

    #[test]
    fn image_page_parsed() {
        let page = r#"<!DOCTYPE html><html><body><img alt="image" src="https://64.media.tumblr.com/a/b/s3000x4000/c.jpg?x=1&amp;y=2" loading="eager"></body></html>"#;
        assert_eq!(
            image_from_page(page).as_deref(),
            Some("https://64.media.tumblr.com/a/b/s3000x4000/c.jpg?x=1&y=2")
        );
        assert_eq!(image_from_page("<html><img src='data:x'></html>"), None);
        assert_eq!(image_from_page("<html>no image</html>"), None);
    }
}
