//! Options of the default policy: parses the `reblogs` and `kinds` values
//! given through `--plugin-opt` and keeps the resulting settings in instance
//! state between calls.

use std::cell::Cell;

use crate::tumblr_archiver::plugin::types::{MediaKind, Post};

pub const REBLOGS_KEY: &str = "reblogs";
pub const KINDS_KEY: &str = "kinds";

const REBLOGS_VALUES: [&str; 3] = ["include", "exclude", "only"];

/// Names accepted in the `kinds` list, which is also their default value.
pub const KIND_NAMES: [&str; 5] = ["image", "gif", "video", "audio", "embed"];

thread_local! {
    // Thread-local rather than a global because the guest runs on one
    // thread, and native tests on parallel threads must not share settings.
    static CURRENT: Cell<Settings> = const { Cell::new(Settings::DEFAULT) };
}

/// Returns the settings of the last successful `configure`, or the defaults.
pub fn current() -> Settings {
    CURRENT.with(Cell::get)
}

/// Replaces the settings that later calls apply.
pub fn store(settings: Settings) {
    CURRENT.with(|cell| cell.set(settings));
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

    fn kind_named(name: &str) -> Option<MediaKind> {
        match name {
            "image" => Some(MediaKind::Image),
            "gif" => Some(MediaKind::Gif),
            "video" => Some(MediaKind::Video),
            "audio" => Some(MediaKind::Audio),
            "embed" => Some(MediaKind::Embed),
            _ => None,
        }
    }

    pub fn contains(self, kind: MediaKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    /// Parses a comma-separated list such as `image, gif`. Spaces around
    /// entries are ignored and names compare case-insensitively.
    fn parse(value: &str) -> Result<KindSet, String> {
        let accepted = format!(
            "expected a comma-separated list of {}",
            KIND_NAMES.join(", ")
        );
        if value.trim().is_empty() {
            return Err(format!(
                "option `{KINDS_KEY}` is empty, so no media would be downloaded: {accepted}"
            ));
        }
        let mut bits = 0;
        for entry in value.split(',') {
            let name = entry.trim().to_ascii_lowercase();
            if name.is_empty() {
                return Err(format!(
                    "invalid value `{value}` for option `{KINDS_KEY}`: it has an empty entry; \
                     {accepted}"
                ));
            }
            let Some(kind) = Self::kind_named(&name) else {
                return Err(format!(
                    "invalid value `{value}` for option `{KINDS_KEY}`: unknown kind `{}`; \
                     {accepted}",
                    entry.trim()
                ));
            };
            bits |= Self::bit(kind);
        }
        Ok(KindSet(bits))
    }
}

/// Settings of one policy instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub reblogs: Reblogs,
    pub kinds: KindSet,
}

impl Settings {
    /// Settings used before `configure` and for keys it is not given.
    pub const DEFAULT: Settings = Settings {
        reblogs: Reblogs::Include,
        kinds: KindSet::ALL,
    };

    /// Parses all options at once. Keys not given keep their defaults, and
    /// the first invalid key or value fails the whole call with a message
    /// that names it and lists the accepted values.
    pub fn parse(options: &[(String, String)]) -> Result<Settings, String> {
        let mut settings = Settings::DEFAULT;
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
                _ => {
                    return Err(format!(
                        "unknown option `{key}` (value `{value}`): this policy accepts \
                         `{REBLOGS_KEY}` ({}) and `{KINDS_KEY}` (comma-separated list of {})",
                        REBLOGS_VALUES.join(", "),
                        KIND_NAMES.join(", ")
                    ));
                }
            }
            seen.push(key);
        }
        Ok(settings)
    }

    /// Returns whether `post` passes the `reblogs` option. A post is a
    /// reblog when its `reblog` source is present.
    pub fn keeps_post(&self, post: &Post) -> bool {
        let is_reblog = post.reblog.is_some();
        match self.reblogs {
            Reblogs::Include => true,
            Reblogs::Exclude => !is_reblog,
            Reblogs::Only => is_reblog,
        }
    }

    pub fn keeps_kind(&self, kind: MediaKind) -> bool {
        self.kinds.contains(kind)
    }
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
                    kinds: *kinds
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
        };
        store(settings);
        assert_eq!(current(), settings);
        store(Settings::DEFAULT);
        assert_eq!(current(), Settings::DEFAULT);
    }
}
