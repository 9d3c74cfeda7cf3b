//! Example policy plugin for authors: keeps only the largest image of each
//! post, optionally only when it is at least `min-width` pixels wide, and
//! files it as `{year}/{date}_{tag}_{post_id}.{ext}`. The default policy
//! decides every media item on its own, so it cannot pick one item by
//! comparing it with the others of its post. This policy shows how.
//!
//! It builds as a WebAssembly component for the `policy` world and natively
//! for tests. The tests call the same `Guest` implementation, which only
//! the wasm build exports.

wit_bindgen::generate!({ path: "../../wit", world: "policy" });

plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);

use std::cell::Cell;

use exports::tumblr_archiver::plugin::select::Guest;
use plugin_sdk::date::Date;
use plugin_sdk::naming::{first_tag_component, id_component, url_basename};
use plugin_sdk::tumblr_url::rendition_width;
use tumblr_archiver::plugin::types::{Media, MediaKind, OptionSpec, PluginError, PluginInfo, Post};

const MIN_WIDTH_KEY: &str = "min-width";
const GIFS_KEY: &str = "gifs";

/// Options of one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settings {
    /// Narrowest image kept, in pixels.
    min_width: u32,
    /// Whether GIFs compete with still images.
    gifs: bool,
}

const DEFAULT_SETTINGS: Settings = Settings {
    min_width: 0,
    gifs: true,
};

thread_local! {
    // The guest runs on one thread; native tests run on several, and each
    // keeps its own settings.
    static SETTINGS: Cell<Settings> = const { Cell::new(DEFAULT_SETTINGS) };
}

/// The exported policy.
pub struct LargestImage;

impl Guest for LargestImage {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "example-policy-largest-image".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Example: keeps only the largest image of each post and files it as \
                          {year}/{date}_{tag}_{post_id}.{ext}"
                .to_owned(),
            hosts: Vec::new(),
            needs_api_key: false,
            options: vec![
                OptionSpec {
                    name: MIN_WIDTH_KEY.to_owned(),
                    help: "Keep a post only when its largest image is at least this many \
                           pixels wide; an image of unknown width counts as 0"
                        .to_owned(),
                    default_value: Some(DEFAULT_SETTINGS.min_width.to_string()),
                },
                OptionSpec {
                    name: GIFS_KEY.to_owned(),
                    help: "Whether GIFs compete with still images: include or exclude".to_owned(),
                    default_value: Some("include".to_owned()),
                },
            ],
        }
    }

    fn configure(options: Vec<(String, String)>) -> Result<(), PluginError> {
        let settings = parse_options(&options).map_err(PluginError::InvalidInput)?;
        SETTINGS.with(|cell| cell.set(settings));
        Ok(())
    }

    fn keep_post(post: Post) -> bool {
        largest_image(&post).is_some()
    }

    fn keep_media(post: Post, item: Media) -> bool {
        largest_image(&post).is_some_and(|largest| largest.url == item.url)
    }

    fn filename(post: Post, item: Media, _index: u32) -> String {
        let date = Date::from_timestamp(post.timestamp);
        let tag = first_tag_component(&post.tags);
        let extension = url_basename(&item.url, item.kind.into()).extension;
        format!(
            "{:04}/{date}_{tag}_{}.{extension}",
            date.year,
            id_component(&post.id)
        )
    }
}

#[cfg(target_arch = "wasm32")]
export!(LargestImage);

/// Parses `min-width` and `gifs`; keys not given keep their defaults.
fn parse_options(options: &[(String, String)]) -> Result<Settings, String> {
    let mut settings = DEFAULT_SETTINGS;
    for (key, value) in options {
        match key.as_str() {
            MIN_WIDTH_KEY => {
                settings.min_width = value.trim().parse().map_err(|_| {
                    format!(
                        "invalid value `{value}` for option `{MIN_WIDTH_KEY}`: expected a whole \
                         number of pixels, such as 500"
                    )
                })?;
            }
            GIFS_KEY => {
                settings.gifs = match value.trim().to_ascii_lowercase().as_str() {
                    "include" => true,
                    "exclude" => false,
                    _ => {
                        return Err(format!(
                            "invalid value `{value}` for option `{GIFS_KEY}`: expected include \
                             or exclude"
                        ));
                    }
                };
            }
            _ => {
                return Err(format!(
                    "unknown option `{key}` (value `{value}`): this policy accepts \
                     `{MIN_WIDTH_KEY}` (pixels) and `{GIFS_KEY}` (include or exclude)"
                ));
            }
        }
    }
    Ok(settings)
}

/// Returns the widest image of `post` under the current settings, or `None`
/// when it has none or the widest is narrower than `min-width`. The width
/// is the stated one, else the size bucket in the URL, else 0; the earliest
/// item wins a tie.
fn largest_image(post: &Post) -> Option<&Media> {
    let settings = SETTINGS.with(Cell::get);
    let mut best: Option<(&Media, u32)> = None;
    for item in &post.media {
        let competes = match item.kind {
            MediaKind::Image => true,
            MediaKind::Gif => settings.gifs,
            _ => false,
        };
        if !competes {
            continue;
        }
        let width = rendition_width(&item.url, item.size.map(Into::into));
        if best.is_none_or(|(_, best_width)| width > best_width) {
            best = Some((item, width));
        }
    }
    best.filter(|(_, width)| *width >= settings.min_width)
        .map(|(item, _)| item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumblr_archiver::plugin::types::Dimensions;

    fn item(url: &str, kind: MediaKind, width: Option<u32>) -> Media {
        Media {
            url: url.to_owned(),
            kind,
            size: width.map(|width| Dimensions { width, height: 10 }),
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn post(tags: &[&str], media: Vec<Media>) -> Post {
        Post {
            id: "121230557788".to_owned(),
            url: "https://example-blog.tumblr.com/post/121230557788".to_owned(),
            blog: "example-blog".to_owned(),
            timestamp: 1_441_724_765,
            post_type: "photo".to_owned(),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            reblog: None,
            summary: String::new(),
            media,
        }
    }

    fn configure(pairs: &[(&str, &str)]) -> Result<(), PluginError> {
        let options = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect();
        LargestImage::configure(options)
    }

    /// URLs of the items of `post` that the policy keeps.
    fn kept(post: &Post) -> Vec<String> {
        post.media
            .iter()
            .filter(|item| LargestImage::keep_media(post.clone(), (*item).clone()))
            .map(|item| item.url.clone())
            .collect()
    }

    #[test]
    fn keeps_widest_image_only() {
        assert!(configure(&[]).is_ok());
        let post = post(
            &[],
            vec![
                item("https://x.test/small.jpg", MediaKind::Image, Some(400)),
                item("https://x.test/video.mp4", MediaKind::Video, Some(4000)),
                item("https://x.test/wide.png", MediaKind::Image, Some(1280)),
                item("https://x.test/tie.png", MediaKind::Image, Some(1280)),
            ],
        );
        assert!(LargestImage::keep_post(post.clone()));
        assert_eq!(kept(&post), ["https://x.test/wide.png"]);
    }

    #[test]
    fn width_from_url_bucket() {
        assert!(configure(&[]).is_ok());
        let post = post(
            &[],
            vec![
                item(
                    "https://64.media.tumblr.com/a/tumblr_x_500.jpg",
                    MediaKind::Image,
                    None,
                ),
                item(
                    "https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/b-46/s1280x1920/c.jpg",
                    MediaKind::Image,
                    None,
                ),
            ],
        );
        assert_eq!(kept(&post).len(), 1);
        assert!(kept(&post)[0].contains("s1280x1920"));
    }

    #[test]
    fn gifs_option() {
        let media = vec![
            item("https://x.test/a.jpg", MediaKind::Image, Some(300)),
            item("https://x.test/b.gif", MediaKind::Gif, Some(500)),
        ];
        let post = post(&[], media);
        assert!(configure(&[("gifs", "include")]).is_ok());
        assert_eq!(kept(&post), ["https://x.test/b.gif"]);
        assert!(configure(&[("gifs", "Exclude")]).is_ok());
        assert_eq!(kept(&post), ["https://x.test/a.jpg"]);
    }

    #[test]
    fn min_width_drops_post() {
        let post = post(
            &[],
            vec![item("https://x.test/a.jpg", MediaKind::Image, Some(499))],
        );
        assert!(configure(&[("min-width", "500")]).is_ok());
        assert!(!LargestImage::keep_post(post.clone()));
        assert!(kept(&post).is_empty());
        assert!(configure(&[("min-width", "499")]).is_ok());
        assert!(LargestImage::keep_post(post));
    }

    #[test]
    fn post_without_images_dropped() {
        assert!(configure(&[]).is_ok());
        let post = post(
            &[],
            vec![item(
                "https://www.youtube.com/embed/a",
                MediaKind::Embed,
                None,
            )],
        );
        assert!(!LargestImage::keep_post(post));
    }

    #[test]
    fn filename_by_date_and_tag() {
        let image = item("https://x.test/a/photo.PNG?x=1", MediaKind::Image, None);
        // 1441724765 is 2015-09-08 15:06:05 UTC.
        let cases = [
            (
                vec!["sample tag 1", "b"],
                "2015/2015-09-08_sample tag 1_121230557788.PNG",
            ),
            (vec![], "2015/2015-09-08_untagged_121230557788.PNG"),
            (
                vec!["日本語タグ"],
                "2015/2015-09-08_日本語タグ_121230557788.PNG",
            ),
        ];
        for (tags, expected) in cases {
            let post = post(&tags, vec![image.clone()]);
            assert_eq!(LargestImage::filename(post, image.clone(), 0), expected);
        }
        let post = post(&["a/b"], vec![image.clone()]);
        let name = LargestImage::filename(post, image, 0);
        assert_eq!(name.matches('/').count(), 1, "{name}");
        assert!(name.starts_with("2015/2015-09-08_a_b~"), "{name}");
    }

    #[test]
    fn configure_rejections() {
        let cases = [
            ("min-width", "wide", "pixels"),
            ("min-width", "-1", "pixels"),
            ("gifs", "yes", "include or exclude"),
            ("kinds", "image", "unknown option"),
        ];
        for (key, value, words) in cases {
            let result = configure(&[(key, value)]);
            let Err(PluginError::InvalidInput(message)) = result else {
                panic!("{key}={value} gave {result:?}");
            };
            assert!(message.contains(key), "{message}");
            assert!(message.contains(value), "{message}");
            assert!(message.contains(words), "{message}");
        }
    }

    #[test]
    fn info_defaults_pass_configure() {
        let info = LargestImage::info();
        assert!(info.hosts.is_empty());
        assert!(!info.needs_api_key);
        let defaults: Vec<(String, String)> = info
            .options
            .iter()
            .filter_map(|o| Some((o.name.clone(), o.default_value.clone()?)))
            .collect();
        assert_eq!(defaults.len(), 2);
        assert!(LargestImage::configure(defaults).is_ok());
    }
}
