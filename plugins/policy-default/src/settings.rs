//! Options of the default policy: parses every value given through
//! `--plugin-opt`, describes the options for `info`, keeps the resulting
//! settings in instance state between calls, and applies them to posts and
//! media items.

use std::cell::RefCell;
use std::rc::Rc;

use crate::filters::{
    BlogSet, DateRange, EXCLUDE_TAGS_KEY, EXCLUDE_TRAIL_BLOGS_KEY, POST_TYPES, SINCE_KEY, TAGS_KEY,
    TRAIL_BLOGS_KEY, TYPES_KEY, TagSet, TypeSet, UNTIL_KEY, comma_list, parse_date,
};
use crate::template::{self, DEFAULT_TEMPLATE, FILENAME_KEY, Template};
use crate::tumblr_archiver::plugin::types::{Media, MediaKind, OptionSpec, Post};

pub const REBLOGS_KEY: &str = "reblogs";
pub const KINDS_KEY: &str = "kinds";

const REBLOGS_VALUES: [&str; 3] = ["include", "exclude", "only"];

/// Every option key, in the order `info` lists them.
pub const OPTION_KEYS: [&str; 10] = [
    REBLOGS_KEY,
    KINDS_KEY,
    TYPES_KEY,
    TAGS_KEY,
    EXCLUDE_TAGS_KEY,
    SINCE_KEY,
    UNTIL_KEY,
    TRAIL_BLOGS_KEY,
    EXCLUDE_TRAIL_BLOGS_KEY,
    FILENAME_KEY,
];

thread_local! {
    // Thread-local rather than a global because the guest runs on one
    // thread, and native tests on parallel threads must not share settings.
    static CURRENT: RefCell<Rc<Settings>> = RefCell::new(Rc::new(Settings::default()));
}

/// Returns the settings of the last successful `configure`, or the defaults.
pub fn current() -> Rc<Settings> {
    CURRENT.with(|cell| Rc::clone(&cell.borrow()))
}

/// Replaces the settings that later calls apply.
pub fn store(settings: Settings) {
    CURRENT.with(|cell| *cell.borrow_mut() = Rc::new(settings));
}

/// Returns the names of the media kinds, which are also the default of
/// `kinds`.
pub fn kind_names() -> Vec<&'static str> {
    plugin_sdk::media::MediaKind::ALL
        .iter()
        .map(|kind| kind.name())
        .collect()
}

/// Returns the option descriptions for `plugin-info`.
pub fn option_specs() -> Vec<OptionSpec> {
    let spec = |name: &str, help: String, default_value: Option<String>| OptionSpec {
        name: name.to_owned(),
        help,
        default_value,
    };
    vec![
        spec(
            REBLOGS_KEY,
            "Which posts to keep: include (all posts), exclude (original posts only) or only \
             (reblogs only)"
                .to_owned(),
            Some("include".to_owned()),
        ),
        spec(
            KINDS_KEY,
            format!(
                "Media kinds to download, as a comma-separated list of {}",
                kind_names().join(", ")
            ),
            Some(kind_names().join(",")),
        ),
        spec(
            TYPES_KEY,
            format!(
                "Post types to keep, as a comma-separated list of {}. An NPF post (type blocks) \
                 also counts as photo when it has an image or GIF, as video or audio when it has \
                 such a file, and as text when it has no media. Default: every type",
                POST_TYPES.join(", ")
            ),
            None,
        ),
        spec(
            TAGS_KEY,
            "Keep only posts that carry at least one of these tags (comma-separated, any letter \
             case). Default: every post"
                .to_owned(),
            None,
        ),
        spec(
            EXCLUDE_TAGS_KEY,
            "Drop posts that carry any of these tags (comma-separated, any letter case), even \
             when they match tags"
                .to_owned(),
            None,
        ),
        spec(
            SINCE_KEY,
            "Keep only posts published on or after this date (YYYY-MM-DD, UTC)".to_owned(),
            None,
        ),
        spec(
            UNTIL_KEY,
            "Keep only posts published on or before this date (YYYY-MM-DD, UTC)".to_owned(),
            None,
        ),
        spec(
            TRAIL_BLOGS_KEY,
            "Download only media contributed by these blogs (comma-separated): the blog of the \
             reblog-trail entry that carries the item, or the post's blog for its own content"
                .to_owned(),
            None,
        ),
        spec(
            EXCLUDE_TRAIL_BLOGS_KEY,
            "Skip media contributed by these blogs (comma-separated), counted as for trail-blogs"
                .to_owned(),
            None,
        ),
        spec(
            FILENAME_KEY,
            template::help(),
            Some(DEFAULT_TEMPLATE.to_owned()),
        ),
    ]
}

/// Filter on reblog status, set by the `reblogs` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reblogs {
    /// Keeps original posts and reblogs.
    Include,
    /// Keeps original posts only.
    Exclude,
    /// Keeps reblogs only.
    Only,
}

/// Set of media kinds, one bit per kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindSet(u8);

impl KindSet {
    const ALL: KindSet = KindSet(0b1_1111);

    fn bit(kind: MediaKind) -> u8 {
        match kind {
            MediaKind::Image => 1,
            MediaKind::Gif => 1 << 1,
            MediaKind::Video => 1 << 2,
            MediaKind::Audio => 1 << 3,
            MediaKind::Embed => 1 << 4,
        }
    }

    pub fn contains(self, kind: MediaKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    /// Parses a comma-separated list such as `image, gif`. Spaces around
    /// entries are ignored and names compare case-insensitively.
    fn parse(value: &str) -> Result<KindSet, String> {
        let accepted = kind_names().join(", ");
        let mut bits = 0;
        for entry in comma_list(KINDS_KEY, value, &accepted)? {
            let Some(kind) = plugin_sdk::media::MediaKind::from_name(entry) else {
                return Err(format!(
                    "invalid value `{value}` for option `{KINDS_KEY}`: unknown kind `{entry}`; \
                     expected a comma-separated list of {accepted}"
                ));
            };
            bits |= Self::bit(kind.into());
        }
        Ok(KindSet(bits))
    }
}

/// Settings of one policy instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub reblogs: Reblogs,
    pub kinds: KindSet,
    /// Post types to keep; `None` keeps every type.
    pub types: Option<TypeSet>,
    /// Tags of which a kept post carries one; `None` keeps untagged posts.
    pub tags: Option<TagSet>,
    /// Tags that drop a post.
    pub exclude_tags: Option<TagSet>,
    pub dates: DateRange,
    /// Blogs whose contributions are downloaded; `None` allows every blog.
    pub trail_blogs: Option<BlogSet>,
    /// Blogs whose contributions are skipped.
    pub exclude_trail_blogs: Option<BlogSet>,
    pub filename: Template,
}

impl Default for Settings {
    /// Returns the settings used before `configure` and for keys it is not
    /// given: every post and media item, named by `DEFAULT_TEMPLATE`.
    fn default() -> Self {
        Settings {
            reblogs: Reblogs::Include,
            kinds: KindSet::ALL,
            types: None,
            tags: None,
            exclude_tags: None,
            dates: DateRange::default(),
            trail_blogs: None,
            exclude_trail_blogs: None,
            filename: Template::default(),
        }
    }
}

impl Settings {
    /// Parses all options at once. Keys not given keep their defaults, and
    /// the first invalid key or value fails the whole call with a message
    /// that names it and lists the accepted values.
    pub fn parse(options: &[(String, String)]) -> Result<Settings, String> {
        let mut settings = Settings::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in options {
            if seen.contains(&key.as_str()) {
                return Err(format!(
                    "option `{key}` is given more than once; give it once"
                ));
            }
            match key.as_str() {
                REBLOGS_KEY => settings.reblogs = parse_reblogs(value)?,
                KINDS_KEY => settings.kinds = KindSet::parse(value)?,
                TYPES_KEY => settings.types = Some(TypeSet::parse(value)?),
                TAGS_KEY => settings.tags = Some(TagSet::parse(key, value)?),
                EXCLUDE_TAGS_KEY => settings.exclude_tags = Some(TagSet::parse(key, value)?),
                SINCE_KEY => settings.dates.since = Some(parse_date(key, value)?),
                UNTIL_KEY => settings.dates.until = Some(parse_date(key, value)?),
                TRAIL_BLOGS_KEY => settings.trail_blogs = Some(BlogSet::parse(key, value)?),
                EXCLUDE_TRAIL_BLOGS_KEY => {
                    settings.exclude_trail_blogs = Some(BlogSet::parse(key, value)?);
                }
                FILENAME_KEY => settings.filename = Template::parse(value)?,
                _ => return Err(unknown_option(key, value)),
            }
            seen.push(key);
        }
        settings.dates.check()?;
        Ok(settings)
    }

    /// Returns whether `post` passes `reblogs`, `types`, `tags`,
    /// `exclude-tags`, `since` and `until`. A post is a reblog when its
    /// `reblog` source is present.
    pub fn keeps_post(&self, post: &Post) -> bool {
        let is_reblog = post.reblog.is_some();
        let reblog_ok = match self.reblogs {
            Reblogs::Include => true,
            Reblogs::Exclude => !is_reblog,
            Reblogs::Only => is_reblog,
        };
        reblog_ok
            && self.types.as_ref().is_none_or(|types| types.matches(post))
            && self.tags.as_ref().is_none_or(|tags| tags.any_in(post))
            && !self
                .exclude_tags
                .as_ref()
                .is_some_and(|tags| tags.any_in(post))
            && self.dates.contains(post)
    }

    pub fn keeps_kind(&self, kind: MediaKind) -> bool {
        self.kinds.contains(kind)
    }

    /// Returns whether `item` of `post` passes `kinds`, `trail-blogs` and
    /// `exclude-trail-blogs`.
    pub fn keeps_media(&self, post: &Post, item: &Media) -> bool {
        self.keeps_kind(item.kind)
            && self
                .trail_blogs
                .as_ref()
                .is_none_or(|blogs| blogs.contains_contributor(post, item))
            && !self
                .exclude_trail_blogs
                .as_ref()
                .is_some_and(|blogs| blogs.contains_contributor(post, item))
    }
}

fn unknown_option(key: &str, value: &str) -> String {
    let described: Vec<String> = OPTION_KEYS.iter().map(|key| format!("`{key}`")).collect();
    format!(
        "unknown option `{key}` (value `{value}`): this policy accepts {}; `{REBLOGS_KEY}` takes \
         {} and `{KINDS_KEY}` a comma-separated list of {}",
        described.join(", "),
        REBLOGS_VALUES.join(", "),
        kind_names().join(", ")
    )
}

/// Parses a `reblogs` value, case-insensitively and ignoring outer spaces.
fn parse_reblogs(value: &str) -> Result<Reblogs, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "include" => Ok(Reblogs::Include),
        "exclude" => Ok(Reblogs::Exclude),
        "only" => Ok(Reblogs::Only),
        _ => Err(format!(
            "invalid value `{value}` for option `{REBLOGS_KEY}`: expected one of {}",
            REBLOGS_VALUES.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Options as `--plugin-opt` pairs.
    type Pairs<'a> = &'a [(&'a str, &'a str)];

    fn parse(pairs: Pairs) -> Result<Settings, String> {
        let options: Vec<(String, String)> = pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        Settings::parse(&options)
    }

    fn kinds(list: &[MediaKind]) -> KindSet {
        KindSet(list.iter().fold(0, |bits, kind| bits | KindSet::bit(*kind)))
    }

    #[test]
    fn parse_valid_table() {
        use MediaKind::*;
        let cases: &[(Pairs, Reblogs, KindSet)] = &[
            (&[], Reblogs::Include, KindSet::ALL),
            (&[("reblogs", "include")], Reblogs::Include, KindSet::ALL),
            (&[("reblogs", "exclude")], Reblogs::Exclude, KindSet::ALL),
            (&[("reblogs", "only")], Reblogs::Only, KindSet::ALL),
            (&[("reblogs", " Only ")], Reblogs::Only, KindSet::ALL),
            (&[("kinds", "image")], Reblogs::Include, kinds(&[Image])),
            (
                &[("kinds", "gif,video")],
                Reblogs::Include,
                kinds(&[Gif, Video]),
            ),
            (
                &[("kinds", "audio, embed")],
                Reblogs::Include,
                kinds(&[Audio, Embed]),
            ),
            (
                &[("kinds", "IMAGE,image")],
                Reblogs::Include,
                kinds(&[Image]),
            ),
            (
                &[("kinds", "image,gif,video,audio,embed")],
                Reblogs::Include,
                KindSet::ALL,
            ),
            (
                &[("reblogs", "exclude"), ("kinds", "video")],
                Reblogs::Exclude,
                kinds(&[Video]),
            ),
        ];
        for (options, reblogs, kinds) in cases {
            let settings = parse(options);
            assert_eq!(
                settings,
                Ok(Settings {
                    reblogs: *reblogs,
                    kinds: *kinds,
                    ..Settings::default()
                }),
                "{options:?}"
            );
        }
    }

    #[test]
    fn parse_invalid_table() {
        // (options, words the message must contain)
        let cases: &[(Pairs, &[&str])] = &[
            (
                &[("reblog", "include")],
                &["`reblog`", "include", "reblogs", "kinds"],
            ),
            (&[("", "")], &["unknown option ``", "reblogs", "kinds"]),
            (
                &[("reblogs", "yes")],
                &["`yes`", "`reblogs`", "include, exclude, only"],
            ),
            (
                &[("reblogs", "")],
                &["``", "`reblogs`", "include, exclude, only"],
            ),
            (
                &[("kinds", "")],
                &["`kinds`", "empty", "image, gif, video, audio, embed"],
            ),
            (
                &[("kinds", "  ")],
                &["`kinds`", "empty", "image, gif, video, audio, embed"],
            ),
            (
                &[("kinds", "image,,gif")],
                &["`image,,gif`", "empty entry", "image, gif"],
            ),
            (&[("kinds", ",")], &["`,`", "empty entry"]),
            (
                &[("kinds", "image,photo")],
                &["`image,photo`", "`photo`", "image, gif"],
            ),
            (
                &[("kinds", "image"), ("kinds", "gif")],
                &["`kinds`", "more than once"],
            ),
        ];
        for (options, words) in cases {
            let Err(message) = parse(options) else {
                panic!("{options:?} was accepted");
            };
            for word in *words {
                assert!(message.contains(word), "{options:?}: {message}");
            }
        }
    }

    #[test]
    fn store_then_current() {
        let settings = Settings {
            reblogs: Reblogs::Only,
            kinds: kinds(&[MediaKind::Audio]),
            ..Settings::default()
        };
        store(settings.clone());
        assert_eq!(*current(), settings);
        store(Settings::default());
        assert_eq!(*current(), Settings::default());
    }

    #[test]
    fn parse_every_option() {
        let settings = parse(&[
            ("reblogs", "exclude"),
            ("kinds", "image"),
            ("types", "photo"),
            ("tags", "art"),
            ("exclude-tags", "wip"),
            ("since", "2015-01-01"),
            ("until", "2015-12-31"),
            ("trail-blogs", "root-blog"),
            ("exclude-trail-blogs", "spam-blog"),
            ("filename", "{tag}/{post_id}.{ext}"),
        ]);
        let Ok(settings) = settings else {
            panic!("rejected: {settings:?}");
        };
        assert_eq!(settings.reblogs, Reblogs::Exclude);
        assert!(settings.types.is_some());
        assert!(settings.tags.is_some());
        assert!(settings.exclude_tags.is_some());
        assert_eq!(
            settings.dates.since.map(|d| d.to_string()).as_deref(),
            Some("2015-01-01")
        );
        assert_eq!(
            settings.dates.until.map(|d| d.to_string()).as_deref(),
            Some("2015-12-31")
        );
        assert!(settings.trail_blogs.is_some());
        assert!(settings.exclude_trail_blogs.is_some());
        assert_ne!(settings.filename, Template::default());
    }

    #[test]
    fn parse_unknown_lists_every_key() {
        let message = parse(&[("size", "large")]).err().unwrap_or_default();
        for key in OPTION_KEYS {
            assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
        }
        assert!(message.contains("`large`"), "{message}");
    }

    #[test]
    fn option_specs_match_keys() {
        let names: Vec<String> = option_specs().into_iter().map(|spec| spec.name).collect();
        assert_eq!(names, OPTION_KEYS);
    }
}
