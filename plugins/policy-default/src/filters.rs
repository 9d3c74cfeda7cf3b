//! The filters of the default policy beyond `reblogs` and `kinds`: post
//! types, tags, a date range, and the blogs that contributed a media item.
//! Each parses its `--plugin-opt` value and decides for one post or item.

use plugin_sdk::blog::{BlogId, parse_blog};
use plugin_sdk::date::Date;

use crate::tumblr_archiver::plugin::types::{Media, MediaKind, Post};

pub const TYPES_KEY: &str = "types";
pub const TAGS_KEY: &str = "tags";
pub const EXCLUDE_TAGS_KEY: &str = "exclude-tags";
pub const SINCE_KEY: &str = "since";
pub const UNTIL_KEY: &str = "until";
pub const TRAIL_BLOGS_KEY: &str = "trail-blogs";
pub const EXCLUDE_TRAIL_BLOGS_KEY: &str = "exclude-trail-blogs";

/// Post types that Tumblr reports, as the WIT `post.post-type` lists them.
/// `blocks` is the type of every post in the Neue Post Format.
pub const POST_TYPES: [&str; 9] = [
    "text", "photo", "quote", "link", "chat", "audio", "video", "answer", "blocks",
];

/// Splits a comma-separated option value into trimmed entries.
///
/// # Errors
///
/// Returns a message naming `key` and `value` when the value is empty or
/// has an empty entry, with `accepted` saying what the entries may be.
pub fn comma_list<'a>(key: &str, value: &'a str, accepted: &str) -> Result<Vec<&'a str>, String> {
    if value.trim().is_empty() {
        return Err(format!(
            "option `{key}` is empty: expected a comma-separated list of {accepted}"
        ));
    }
    let entries: Vec<&str> = value.split(',').map(str::trim).collect();
    if entries.iter().any(|entry| entry.is_empty()) {
        return Err(format!(
            "invalid value `{value}` for option `{key}`: it has an empty entry; expected a \
             comma-separated list of {accepted}"
        ));
    }
    Ok(entries)
}

/// Post types to keep, from the `types` option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSet(Vec<&'static str>);

impl TypeSet {
    /// Parses a comma-separated list of `POST_TYPES`, case-insensitively.
    pub fn parse(value: &str) -> Result<TypeSet, String> {
        let accepted = POST_TYPES.join(", ");
        let mut types = Vec::new();
        for entry in comma_list(TYPES_KEY, value, &accepted)? {
            let known = POST_TYPES
                .iter()
                .find(|name| name.eq_ignore_ascii_case(entry))
                .ok_or_else(|| {
                    format!(
                        "invalid value `{value}` for option `{TYPES_KEY}`: unknown post type \
                         `{entry}`; expected a comma-separated list of {accepted}"
                    )
                })?;
            if !types.contains(known) {
                types.push(*known);
            }
        }
        Ok(TypeSet(types))
    }

    /// Returns whether `post` has one of the types.
    ///
    /// A `blocks` post (NPF) does not name its content, so its media decide:
    /// - an image or GIF makes it count as `photo`,
    /// - a video file as `video`, an audio file as `audio`,
    /// - no media at all as `text`.
    ///
    /// Embeds imply no type, because their player may show video or sound.
    /// Media of the reblog trail count as the post's.
    pub fn matches(&self, post: &Post) -> bool {
        let own_type = post.post_type.to_ascii_lowercase();
        if self.0.contains(&own_type.as_str()) {
            return true;
        }
        if own_type != "blocks" {
            return false;
        }
        let has = |kinds: &[MediaKind]| post.media.iter().any(|item| kinds.contains(&item.kind));
        let implied = [
            ("photo", has(&[MediaKind::Image, MediaKind::Gif])),
            ("video", has(&[MediaKind::Video])),
            ("audio", has(&[MediaKind::Audio])),
            ("text", post.media.is_empty()),
        ];
        implied
            .iter()
            .any(|(name, applies)| *applies && self.0.contains(name))
    }
}

/// Tags compared case-insensitively, from `tags` or `exclude-tags`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagSet(Vec<String>);

impl TagSet {
    /// Parses a comma-separated list of tags. Tumblr tags cannot contain
    /// commas, so every tag can be written.
    pub fn parse(key: &str, value: &str) -> Result<TagSet, String> {
        let entries = comma_list(key, value, "tags such as art, my photos")?;
        Ok(TagSet(
            entries.iter().map(|tag| tag.to_lowercase()).collect(),
        ))
    }

    /// Returns whether `post` carries one of the tags, ignoring letter case
    /// in every script.
    pub fn any_in(&self, post: &Post) -> bool {
        post.tags
            .iter()
            .any(|tag| self.0.contains(&tag.trim().to_lowercase()))
    }
}

/// Blog names compared case-insensitively, from `trail-blogs` or
/// `exclude-trail-blogs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlogSet(Vec<String>);

impl BlogSet {
    /// Parses a comma-separated list of Tumblr blog names. Each entry may be
    /// written in any form that `plugin_sdk::blog::parse_blog` accepts for a
    /// Tumblr name, such as `example-blog` or `example-blog.tumblr.com`.
    pub fn parse(key: &str, value: &str) -> Result<BlogSet, String> {
        let accepted = "Tumblr blog names such as example-blog";
        let mut names = Vec::new();
        for entry in comma_list(key, value, accepted)? {
            match parse_blog(entry) {
                Ok(BlogId::Name(name)) => names.push(name),
                _ => {
                    return Err(format!(
                        "invalid value `{value}` for option `{key}`: `{entry}` is not a Tumblr \
                         blog name; expected a comma-separated list of {accepted} (1 to 32 \
                         letters, digits or hyphens)"
                    ));
                }
            }
        }
        Ok(BlogSet(names))
    }

    /// Returns whether the blog that contributed `item` is in the set: the
    /// blog of the reblog-trail entry that carries it, or the post's own
    /// blog for the post's own content.
    pub fn contains_contributor(&self, post: &Post, item: &Media) -> bool {
        let blog = item.trail_blog.as_deref().unwrap_or(&post.blog);
        self.0
            .iter()
            .any(|name| name.eq_ignore_ascii_case(blog.trim()))
    }
}

/// Parses the date of `since` or `until`.
pub fn parse_date(key: &str, value: &str) -> Result<Date, String> {
    Date::parse(value.trim()).ok_or_else(|| {
        format!(
            "invalid value `{value}` for option `{key}`: expected a date as YYYY-MM-DD, such as \
             2015-09-08"
        )
    })
}

/// Publication dates to keep, both ends inclusive, from `since` and
/// `until`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DateRange {
    pub since: Option<Date>,
    pub until: Option<Date>,
}

impl DateRange {
    /// Checks that `since` is not after `until`.
    pub fn check(&self) -> Result<(), String> {
        match (self.since, self.until) {
            (Some(since), Some(until)) if since > until => Err(format!(
                "option `{SINCE_KEY}` ({since}) is after option `{UNTIL_KEY}` ({until}), so no \
                 post would be kept; give a {SINCE_KEY} date on or before the {UNTIL_KEY} date"
            )),
            _ => Ok(()),
        }
    }

    /// Returns whether the UTC date of `post.timestamp` is in the range.
    pub fn contains(&self, post: &Post) -> bool {
        let date = Date::from_timestamp(post.timestamp);
        self.since.is_none_or(|since| date >= since) && self.until.is_none_or(|until| date <= until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(post_type: &str, tags: &[&str], kinds: &[MediaKind]) -> Post {
        Post {
            id: "1".to_owned(),
            url: "https://example-blog.tumblr.com/post/1".to_owned(),
            blog: "example-blog".to_owned(),
            timestamp: 1_441_724_765,
            post_type: post_type.to_owned(),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            reblog: None,
            summary: String::new(),
            media: kinds.iter().map(|kind| item(*kind, None)).collect(),
        }
    }

    fn item(kind: MediaKind, trail_blog: Option<&str>) -> Media {
        Media {
            url: "https://64.media.tumblr.com/a/tumblr_x_1280.jpg".to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: trail_blog.map(str::to_owned),
        }
    }

    fn types(value: &str) -> TypeSet {
        TypeSet::parse(value).unwrap_or(TypeSet(Vec::new()))
    }

    #[test]
    fn comma_list_entries() {
        assert_eq!(
            comma_list("k", " a , b c ,d", "x"),
            Ok(vec!["a", "b c", "d"])
        );
        let empty = comma_list("k", " ", "words").err().unwrap_or_default();
        assert!(
            empty.contains("`k` is empty") && empty.contains("words"),
            "{empty}"
        );
        let gap = comma_list("k", "a,,b", "words").err().unwrap_or_default();
        assert!(
            gap.contains("`a,,b`") && gap.contains("empty entry"),
            "{gap}"
        );
    }

    #[test]
    fn types_legacy_exact() {
        let set = types("photo, Video");
        assert!(set.matches(&post("photo", &[], &[])));
        assert!(set.matches(&post("video", &[], &[])));
        assert!(set.matches(&post("PHOTO", &[], &[])));
        assert!(!set.matches(&post("text", &[], &[])));
        assert!(!set.matches(&post("text", &[], &[MediaKind::Image])));
    }

    #[test]
    fn types_blocks_by_media() {
        use MediaKind::*;
        // (types option, media of a blocks post, kept)
        let cases: &[(&str, &[MediaKind], bool)] = &[
            ("photo", &[Image], true),
            ("photo", &[Gif], true),
            ("photo", &[Video], false),
            ("video", &[Image, Video], true),
            ("audio", &[Audio], true),
            ("audio", &[Embed], false),
            ("video", &[Embed], false),
            ("text", &[], true),
            ("text", &[Image], false),
            ("blocks", &[Embed], true),
            ("quote", &[], false),
        ];
        for (value, kinds, kept) in cases {
            let post = post("blocks", &[], kinds);
            assert_eq!(types(value).matches(&post), *kept, "{value} {kinds:?}");
        }
    }

    #[test]
    fn types_rejects_unknown() {
        let message = TypeSet::parse("photo,image").err().unwrap_or_default();
        for word in [
            "`types`",
            "`photo,image`",
            "`image`",
            "text, photo",
            "blocks",
        ] {
            assert!(message.contains(word), "{message}");
        }
    }

    #[test]
    fn tags_any_case_insensitive() {
        let set = TagSet::parse(TAGS_KEY, "Art, ÜBER,日本語タグ");
        let set = set.unwrap_or(TagSet(Vec::new()));
        assert!(set.any_in(&post("photo", &["art"], &[])));
        assert!(set.any_in(&post("photo", &["x", "über"], &[])));
        assert!(set.any_in(&post("photo", &["日本語タグ"], &[])));
        assert!(!set.any_in(&post("photo", &["artist"], &[])));
        assert!(!set.any_in(&post("photo", &[], &[])));
    }

    #[test]
    fn blogs_parse_forms() {
        let set = BlogSet::parse(TRAIL_BLOGS_KEY, "Root-Blog, other.tumblr.com");
        assert_eq!(
            set,
            Ok(BlogSet(vec!["root-blog".to_owned(), "other".to_owned()]))
        );
        for value in ["bad name", "www.example.com", "a,,b", "-x"] {
            let message = BlogSet::parse(TRAIL_BLOGS_KEY, value)
                .err()
                .unwrap_or_default();
            assert!(message.contains("`trail-blogs`"), "{value}: {message}");
            assert!(
                message.contains(&format!("`{value}`")),
                "{value}: {message}"
            );
        }
    }

    #[test]
    fn blogs_contributor_per_item() {
        let set = BlogSet(vec!["root-blog".to_owned()]);
        let post = post("photo", &[], &[]);
        assert!(set.contains_contributor(&post, &item(MediaKind::Image, Some("Root-Blog"))));
        assert!(!set.contains_contributor(&post, &item(MediaKind::Image, Some("other"))));
        assert!(!set.contains_contributor(&post, &item(MediaKind::Image, None)));
        let own = BlogSet(vec!["example-blog".to_owned()]);
        assert!(own.contains_contributor(&post, &item(MediaKind::Image, None)));
    }

    #[test]
    fn dates_inclusive_utc() {
        let range = DateRange {
            since: Date::parse("2015-09-08"),
            until: Date::parse("2015-09-08"),
        };
        let at = |timestamp: i64| Post {
            timestamp,
            ..post("photo", &[], &[])
        };
        // 2015-09-08 runs from 1441670400 to 1441756799 in UTC.
        assert!(range.contains(&at(1_441_670_400)));
        assert!(range.contains(&at(1_441_756_799)));
        assert!(!range.contains(&at(1_441_670_399)));
        assert!(!range.contains(&at(1_441_756_800)));
        assert!(DateRange::default().contains(&at(i64::MIN)));
    }

    #[test]
    fn dates_order_checked() {
        let range = DateRange {
            since: Date::parse("2016-01-01"),
            until: Date::parse("2015-12-31"),
        };
        let message = range.check().err().unwrap_or_default();
        for word in ["`since`", "2016-01-01", "`until`", "2015-12-31"] {
            assert!(message.contains(word), "{message}");
        }
        let message = parse_date(SINCE_KEY, "2015-02-30")
            .err()
            .unwrap_or_default();
        assert!(
            message.contains("`2015-02-30`") && message.contains("YYYY-MM-DD"),
            "{message}"
        );
    }
}
