//! Default policy plugin: keeps posts and media according to the `reblogs`
//! and `kinds` options and names each media file after its post id and the
//! last segment of its URL. It builds as a WebAssembly component for the
//! `policy` world, and natively for unit tests, which call the same `Guest`
//! implementation without exporting it.

wit_bindgen::generate!({ path: "../../wit", world: "policy" });

mod filename;
mod settings;

use exports::tumblr_archiver::plugin::select::Guest;
use tumblr_archiver::plugin::types::{Media, OptionSpec, PluginError, PluginInfo, Post};

/// The exported policy. Its settings live in `settings`, because the
/// component model calls free functions, not methods on an instance.
pub struct DefaultPolicy;

impl Guest for DefaultPolicy {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "default-policy".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Keeps posts and media by reblog status and media kind, \
                          and names files {post id}_{URL file name}"
                .to_owned(),
            hosts: Vec::new(),
            needs_api_key: false,
            options: vec![
                OptionSpec {
                    name: settings::REBLOGS_KEY.to_owned(),
                    help: "Which posts to keep: include (all posts), exclude (original \
                           posts only) or only (reblogs only)"
                        .to_owned(),
                    default_value: Some("include".to_owned()),
                },
                OptionSpec {
                    name: settings::KINDS_KEY.to_owned(),
                    help: format!(
                        "Media kinds to download, as a comma-separated list of {}",
                        settings::KIND_NAMES.join(", ")
                    ),
                    default_value: Some(settings::KIND_NAMES.join(",")),
                },
            ],
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

    fn keep_media(_post: Post, item: Media) -> bool {
        settings::current().keeps_kind(item.kind)
    }

    fn filename(post: Post, item: Media, index: u32) -> String {
        filename::media_filename(&post, &item, index)
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
        assert_eq!(names, ["reblogs", "kinds"]);
        assert_eq!(info.options[0].default_value.as_deref(), Some("include"));
        assert_eq!(
            info.options[1].default_value.as_deref(),
            Some("image,gif,video,audio,embed")
        );
    }

    #[test]
    fn info_defaults_pass_configure() {
        let info = DefaultPolicy::info();
        let defaults: Vec<(String, String)> = info
            .options
            .iter()
            .filter_map(|o| Some((o.name.clone(), o.default_value.clone()?)))
            .collect();
        assert_eq!(defaults.len(), 2);
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
}
