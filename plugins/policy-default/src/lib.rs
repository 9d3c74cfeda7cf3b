//! Default policy plugin. It keeps posts by reblog status, post type, tags
//! and date, and media by kind and by the blog that contributed them. It
//! names each file by a template, by default after its post id and the
//! last segment of its URL. It builds as a WebAssembly component for the
//! `policy` world, and natively for unit tests, which call the same `Guest`
//! implementation without exporting it.

wit_bindgen::generate!({ path: "../../wit", world: "policy" });

mod filename;
mod filters;
mod settings;
mod template;

plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);

use exports::tumblr_archiver::plugin::select::Guest;
use tumblr_archiver::plugin::types::{Media, PluginError, PluginInfo, Post};

/// The exported policy. Its settings live in `settings`, because the
/// component model calls free functions, not methods on an instance.
pub struct DefaultPolicy;

impl Guest for DefaultPolicy {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "default-policy".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Keeps posts by reblog status, type, tags and date, and media by kind \
                          and contributing blog, and names files by a template, by default \
                          {post id}_{URL file name}"
                .to_owned(),
            hosts: Vec::new(),
            needs_api_key: false,
            options: settings::option_specs(),
        }
    }

    fn configure(options: Vec<(String, String)>) -> Result<(), PluginError> {
        let parsed = settings::Settings::parse(&options).map_err(PluginError::InvalidInput)?;
        settings::store(parsed);
        Ok(())
    }

    fn keep_post(post: Post) -> bool {
        settings::current().keeps_post(&post)
    }

    fn keep_media(post: Post, item: Media) -> bool {
        settings::current().keeps_media(&post, &item)
    }

    fn filename(post: Post, item: Media, index: u32) -> String {
        filename::media_filename(&settings::current().filename, &post, &item, index)
    }
}

#[cfg(target_arch = "wasm32")]
export!(DefaultPolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use tumblr_archiver::plugin::types::{MediaKind, ReblogSource};

    fn post(reblog: bool) -> Post {
        Post {
            id: "700000000000000001".to_owned(),
            url: "https://example-blog.tumblr.com/post/700000000000000001".to_owned(),
            blog: "example-blog".to_owned(),
            timestamp: 1_700_000_000,
            post_type: "photo".to_owned(),
            tags: Vec::new(),
            reblog: reblog.then(|| ReblogSource {
                from_blog: "other-blog".to_owned(),
                from_url: None,
                root_blog: None,
                root_url: None,
            }),
            summary: String::new(),
            media: Vec::new(),
        }
    }

    fn media(kind: MediaKind) -> Media {
        Media {
            url: "https://64.media.tumblr.com/abc/tumblr_xyz_1280.jpg".to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn info_declares_options() {
        let info = DefaultPolicy::info();
        assert_eq!(info.name, "default-policy");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert!(info.hosts.is_empty());
        assert!(!info.needs_api_key);
        let names: Vec<&str> = info.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "reblogs",
                "kinds",
                "types",
                "tags",
                "exclude-tags",
                "since",
                "until",
                "trail-blogs",
                "exclude-trail-blogs",
                "filename"
            ]
        );
        assert_eq!(info.options[0].default_value.as_deref(), Some("include"));
        assert_eq!(
            info.options[1].default_value.as_deref(),
            Some("image,gif,video,audio,embed")
        );
        assert_eq!(
            info.options[9].default_value.as_deref(),
            Some("{post_id}_{name}.{ext}")
        );
        for option in &info.options {
            assert!(!option.help.is_empty(), "{}", option.name);
            assert!(!option.help.contains('\n'), "{}", option.name);
        }
    }

    #[test]
    fn info_defaults_pass_configure() {
        let info = DefaultPolicy::info();
        let defaults: Vec<(String, String)> = info
            .options
            .iter()
            .filter_map(|o| Some((o.name.clone(), o.default_value.clone()?)))
            .collect();
        assert_eq!(defaults.len(), 3);
        assert!(DefaultPolicy::configure(defaults).is_ok());
    }

    #[test]
    fn reblogs_filter_table() {
        // (value, keeps an original post, keeps a reblog)
        let cases = [
            ("include", true, true),
            ("exclude", true, false),
            ("only", false, true),
        ];
        for (value, original, reblog) in cases {
            DefaultPolicy::configure(options(&[("reblogs", value)])).unwrap();
            assert_eq!(DefaultPolicy::keep_post(post(false)), original, "{value}");
            assert_eq!(DefaultPolicy::keep_post(post(true)), reblog, "{value}");
        }
    }

    #[test]
    fn reblogs_default_keeps_all() {
        DefaultPolicy::configure(Vec::new()).unwrap();
        assert!(DefaultPolicy::keep_post(post(false)));
        assert!(DefaultPolicy::keep_post(post(true)));
    }

    #[test]
    fn kinds_filter() {
        DefaultPolicy::configure(options(&[("kinds", "image,video")])).unwrap();
        assert!(DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Image)
        ));
        assert!(DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Video)
        ));
        assert!(!DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Gif)
        ));
        assert!(!DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Audio)
        ));
        assert!(!DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Embed)
        ));
    }

    #[test]
    fn kinds_default_keeps_all() {
        DefaultPolicy::configure(Vec::new()).unwrap();
        for kind in [
            MediaKind::Image,
            MediaKind::Gif,
            MediaKind::Video,
            MediaKind::Audio,
            MediaKind::Embed,
        ] {
            assert!(
                DefaultPolicy::keep_media(post(false), media(kind)),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn configure_replaces_settings() {
        DefaultPolicy::configure(options(&[("reblogs", "exclude"), ("kinds", "audio")])).unwrap();
        assert!(!DefaultPolicy::keep_post(post(true)));
        assert!(!DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Image)
        ));

        // Keys left out of the second call return to their defaults.
        DefaultPolicy::configure(options(&[("kinds", "image")])).unwrap();
        assert!(DefaultPolicy::keep_post(post(true)));
        assert!(DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Image)
        ));
        assert!(!DefaultPolicy::keep_media(
            post(false),
            media(MediaKind::Audio)
        ));
    }

    #[test]
    fn configure_error_keeps_settings() {
        DefaultPolicy::configure(options(&[("reblogs", "only")])).unwrap();
        let result = DefaultPolicy::configure(options(&[("reblogs", "include"), ("kinds", "")]));
        assert!(matches!(result, Err(PluginError::InvalidInput(_))));
        assert!(!DefaultPolicy::keep_post(post(false)));
    }

    #[test]
    fn configure_rejects_unknown_key() {
        let result = DefaultPolicy::configure(options(&[("size", "large")]));
        let Err(PluginError::InvalidInput(message)) = result else {
            panic!("expected invalid-input, got {result:?}");
        };
        assert!(message.contains("size"), "{message}");
        assert!(message.contains("large"), "{message}");
        assert!(message.contains("reblogs"), "{message}");
        assert!(message.contains("kinds"), "{message}");
    }

    #[test]
    fn filename_uses_post_and_url() {
        let mut post = post(false);
        let item = media(MediaKind::Image);
        post.media = vec![item.clone()];
        assert_eq!(
            DefaultPolicy::filename(post, item, 0),
            "700000000000000001_tumblr_xyz_1280.jpg"
        );
    }

    fn configured(pairs: &[(&str, &str)]) {
        let result = DefaultPolicy::configure(options(pairs));
        assert!(result.is_ok(), "{pairs:?}: {result:?}");
    }

    fn post_with(post_type: &str, tags: &[&str], timestamp: i64, kinds: &[MediaKind]) -> Post {
        Post {
            post_type: post_type.to_owned(),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            timestamp,
            media: kinds.iter().map(|kind| media(*kind)).collect(),
            ..post(false)
        }
    }

    #[test]
    fn types_option() {
        configured(&[("types", "photo,video")]);
        assert!(DefaultPolicy::keep_post(post_with("photo", &[], 0, &[])));
        assert!(DefaultPolicy::keep_post(post_with("video", &[], 0, &[])));
        assert!(!DefaultPolicy::keep_post(post_with("text", &[], 0, &[])));
        assert!(DefaultPolicy::keep_post(post_with(
            "blocks",
            &[],
            0,
            &[MediaKind::Gif]
        )));
        assert!(!DefaultPolicy::keep_post(post_with("blocks", &[], 0, &[])));
    }

    #[test]
    fn tags_and_exclude_tags() {
        configured(&[("tags", "art,日本語タグ"), ("exclude-tags", "WIP")]);
        assert!(DefaultPolicy::keep_post(post_with(
            "photo",
            &["Art"],
            0,
            &[]
        )));
        assert!(DefaultPolicy::keep_post(post_with(
            "photo",
            &["日本語タグ"],
            0,
            &[]
        )));
        assert!(!DefaultPolicy::keep_post(post_with(
            "photo",
            &["art", "wip"],
            0,
            &[]
        )));
        assert!(!DefaultPolicy::keep_post(post_with(
            "photo",
            &["other"],
            0,
            &[]
        )));
        assert!(!DefaultPolicy::keep_post(post_with("photo", &[], 0, &[])));

        configured(&[("exclude-tags", "nsfw")]);
        assert!(DefaultPolicy::keep_post(post_with("photo", &[], 0, &[])));
        assert!(!DefaultPolicy::keep_post(post_with(
            "photo",
            &["NSFW"],
            0,
            &[]
        )));
    }

    #[test]
    fn since_and_until() {
        configured(&[("since", "2015-09-01"), ("until", "2015-09-08")]);
        // 2015-09-01 00:00:00 UTC and 2015-09-08 23:59:59 UTC.
        let first = 1_441_065_600;
        let last = 1_441_756_799;
        assert!(DefaultPolicy::keep_post(post_with(
            "photo",
            &[],
            first,
            &[]
        )));
        assert!(DefaultPolicy::keep_post(post_with("photo", &[], last, &[])));
        assert!(!DefaultPolicy::keep_post(post_with(
            "photo",
            &[],
            first - 1,
            &[]
        )));
        assert!(!DefaultPolicy::keep_post(post_with(
            "photo",
            &[],
            last + 1,
            &[]
        )));

        configured(&[("since", "2015-09-08")]);
        assert!(DefaultPolicy::keep_post(post_with(
            "photo",
            &[],
            i64::MAX,
            &[]
        )));
        configured(&[("until", "2015-09-08")]);
        assert!(DefaultPolicy::keep_post(post_with(
            "photo",
            &[],
            i64::MIN,
            &[]
        )));
    }

    #[test]
    fn trail_blogs_per_media() {
        let post = post(true);
        let mut from_root = media(MediaKind::Image);
        from_root.trail_blog = Some("root-blog".to_owned());
        let own = media(MediaKind::Image);

        configured(&[("trail-blogs", "root-blog")]);
        assert!(DefaultPolicy::keep_post(post.clone()));
        assert!(DefaultPolicy::keep_media(post.clone(), from_root.clone()));
        assert!(!DefaultPolicy::keep_media(post.clone(), own.clone()));

        configured(&[("exclude-trail-blogs", "root-blog")]);
        assert!(!DefaultPolicy::keep_media(post.clone(), from_root.clone()));
        assert!(DefaultPolicy::keep_media(post.clone(), own.clone()));

        configured(&[("trail-blogs", "example-blog"), ("kinds", "gif")]);
        assert!(!DefaultPolicy::keep_media(post.clone(), own));
        assert!(DefaultPolicy::keep_media(post, media(MediaKind::Gif)));
    }

    #[test]
    fn filename_option() {
        let mut post = post(false);
        post.tags = vec!["Über".to_owned()];
        let item = media(MediaKind::Image);
        post.media = vec![item.clone()];
        configured(&[("filename", "{tag}/{year}/{post_id}_{index}.{ext}")]);
        assert_eq!(
            DefaultPolicy::filename(post.clone(), item.clone(), 0),
            "Über/2023/700000000000000001_0.jpg"
        );
        configured(&[]);
        assert_eq!(
            DefaultPolicy::filename(post, item, 0),
            "700000000000000001_tumblr_xyz_1280.jpg"
        );
    }

    #[test]
    fn configure_rejects_bad_values() {
        // (key, value, words the message must contain besides key and value)
        let cases = [
            ("types", "photos", vec!["text, photo, quote"]),
            ("tags", "", vec!["empty"]),
            ("exclude-tags", "a,,b", vec!["empty entry"]),
            ("since", "2015-9-1", vec!["YYYY-MM-DD"]),
            ("until", "yesterday", vec!["YYYY-MM-DD"]),
            ("trail-blogs", "not a blog", vec!["blog name"]),
            ("exclude-trail-blogs", "x_y", vec!["blog name"]),
            ("filename", "{id}.{ext}", vec!["{post_id}", "{tag}"]),
        ];
        for (key, value, words) in cases {
            let result = DefaultPolicy::configure(options(&[(key, value)]));
            let Err(PluginError::InvalidInput(message)) = result else {
                panic!("{key}={value} gave {result:?}");
            };
            assert!(message.contains(&format!("`{key}`")), "{message}");
            if !value.is_empty() {
                assert!(message.contains(value), "{message}");
            }
            for word in words {
                assert!(message.contains(word), "{key}={value}: {message}");
            }
        }
        let result =
            DefaultPolicy::configure(options(&[("since", "2016-01-01"), ("until", "2015-01-01")]));
        assert!(
            matches!(result, Err(PluginError::InvalidInput(_))),
            "{result:?}"
        );
    }
}
