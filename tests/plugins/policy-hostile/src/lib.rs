//! Test policy for the end-to-end tests of the plugin sandbox. It keeps
//! every post and media item and returns the unsafe file names, or fails
//! in the way, that its `policy-mode` option names. The `target` option
//! gives the absolute folder that `absolute` mode names, so a test can
//! point it at a scratch folder and look there for escaped files.

wit_bindgen::generate!({ path: "../../../wit", world: "policy" });

use std::sync::{Mutex, PoisonError};

use exports::tumblr_archiver::plugin::select::Guest;
use tumblr_archiver::plugin::types::{Media, OptionSpec, PluginError, PluginInfo, Post};

/// Message of the deliberate panic, distinctive enough to find in stderr.
pub const PANIC_MESSAGE: &str = "policy-hostile panicked on purpose (marker 3c91d2)";
/// Length of the file name in `huge-name` mode: 100 MiB.
pub const HUGE_NAME_BYTES: usize = 100 * 1024 * 1024;
/// File name that `collide` mode returns for every media item.
pub const COLLIDING_NAME: &str = "same.jpg";

/// What the policy does wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Names each file `hostile/{post id}-{index}.jpg`.
    Normal,
    /// Names each file `../../hostile-escape-{post id}.jpg`.
    Traversal,
    /// Names each file `{target}/hostile-absolute-{post id}.jpg`.
    Absolute,
    /// Names each file `C:\hostile-drive-{post id}.jpg`.
    Drive,
    /// Returns the same name of `HUGE_NAME_BYTES` bytes for every item.
    HugeName,
    /// Returns `COLLIDING_NAME` for every item.
    Collide,
    /// Panics with `PANIC_MESSAGE` in `filename`.
    Panic,
    /// Spins forever in `keep-post`.
    Loop,
}

/// Option values and the modes they select.
const MODES: [(&str, Mode); 8] = [
    ("normal", Mode::Normal),
    ("traversal", Mode::Traversal),
    ("absolute", Mode::Absolute),
    ("drive", Mode::Drive),
    ("huge-name", Mode::HugeName),
    ("collide", Mode::Collide),
    ("panic", Mode::Panic),
    ("loop", Mode::Loop),
];

/// The options `configure` received.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Settings {
    mode: Mode,
    target: String,
}

/// Settings of this instance. The host configures every new instance
/// before its first decision.
static SETTINGS: Mutex<Option<Settings>> = Mutex::new(None);

fn settings() -> Settings {
    let guard = SETTINGS.lock().unwrap_or_else(PoisonError::into_inner);
    guard.clone().unwrap_or(Settings {
        mode: Mode::Normal,
        target: String::new(),
    })
}

pub struct HostilePolicy;

impl Guest for HostilePolicy {
    fn info() -> PluginInfo {
        let modes: Vec<&str> = MODES.iter().map(|(name, _)| *name).collect();
        PluginInfo {
            name: "policy-hostile".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description:
                "Test policy that returns unsafe file names or fails on purpose, as its policy-mode option names"
                    .to_owned(),
            hosts: Vec::new(),
            needs_api_key: false,
            options: vec![
                OptionSpec {
                    name: "policy-mode".to_owned(),
                    help: format!("what to do wrong: {}", modes.join(", ")),
                    default_value: Some("normal".to_owned()),
                },
                OptionSpec {
                    name: "target".to_owned(),
                    help: "absolute folder that `absolute` mode puts in its file names".to_owned(),
                    default_value: None,
                },
            ],
        }
    }

    fn configure(options: Vec<(String, String)>) -> Result<(), PluginError> {
        let mut settings = Settings {
            mode: Mode::Normal,
            target: String::new(),
        };
        for (key, value) in options {
            match key.as_str() {
                "policy-mode" => settings.mode = parse_mode(&value)?,
                "target" => settings.target = value,
                _ => {
                    return Err(PluginError::InvalidInput(format!(
                        "unknown option {key:?}; policy-hostile accepts policy-mode and target"
                    )));
                }
            }
        }
        if settings.mode == Mode::Absolute && !settings.target.starts_with('/') {
            return Err(PluginError::InvalidInput(format!(
                "policy-mode=absolute needs target=FOLDER with an absolute path, got {:?}",
                settings.target
            )));
        }
        *SETTINGS.lock().unwrap_or_else(PoisonError::into_inner) = Some(settings);
        Ok(())
    }

    fn keep_post(_post: Post) -> bool {
        if settings().mode == Mode::Loop {
            spin_forever();
        }
        true
    }

    fn keep_media(_post: Post, _item: Media) -> bool {
        true
    }

    fn filename(post: Post, _item: Media, index: u32) -> String {
        let Settings { mode, target } = settings();
        let id = post.id;
        match mode {
            Mode::Normal | Mode::Loop => format!("hostile/{id}-{index}.jpg"),
            Mode::Traversal => format!("../../hostile-escape-{id}.jpg"),
            Mode::Absolute => format!("{}/hostile-absolute-{id}.jpg", target.trim_end_matches('/')),
            Mode::Drive => format!("C:\\hostile-drive-{id}.jpg"),
            Mode::HugeName => {
                // Reserved up front: growing the string would need twice
                // its size and exceed the default memory cap.
                let mut name = String::with_capacity(HUGE_NAME_BYTES + ".jpg".len());
                name.extend(std::iter::repeat_n('n', HUGE_NAME_BYTES));
                name.push_str(".jpg");
                name
            }
            Mode::Collide => COLLIDING_NAME.to_owned(),
            Mode::Panic => panic!("{PANIC_MESSAGE}"),
        }
    }
}

#[cfg(target_arch = "wasm32")]
export!(HostilePolicy);

fn parse_mode(value: &str) -> Result<Mode, PluginError> {
    MODES
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, mode)| *mode)
        .ok_or_else(|| {
            let modes: Vec<&str> = MODES.iter().map(|(name, _)| *name).collect();
            PluginError::InvalidInput(format!(
                "unknown policy-mode {value:?}; use one of: {}",
                modes.join(", ")
            ))
        })
}

fn spin_forever() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = core::hint::black_box(counter.wrapping_add(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str) -> Post {
        Post {
            id: id.to_owned(),
            url: format!("https://example-blog.tumblr.com/post/{id}"),
            blog: "example-blog".to_owned(),
            timestamp: 0,
            post_type: "photo".to_owned(),
            tags: Vec::new(),
            reblog: None,
            summary: String::new(),
            media: Vec::new(),
        }
    }

    fn media() -> Media {
        Media {
            url: "https://64.media.tumblr.com/a/b_1280.jpg".to_owned(),
            kind: tumblr_archiver::plugin::types::MediaKind::Image,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn option(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    /// The settings are one static, so every case runs in this one test.
    #[test]
    fn filename_per_mode() {
        let cases = [
            (vec![], "hostile/7-0.jpg"),
            (
                vec![option("policy-mode", "traversal")],
                "../../hostile-escape-7.jpg",
            ),
            (
                vec![
                    option("policy-mode", "absolute"),
                    option("target", "/tmp/scratch/"),
                ],
                "/tmp/scratch/hostile-absolute-7.jpg",
            ),
            (
                vec![option("policy-mode", "drive")],
                "C:\\hostile-drive-7.jpg",
            ),
            (vec![option("policy-mode", "collide")], COLLIDING_NAME),
        ];
        for (options, expected) in cases {
            HostilePolicy::configure(options.clone()).expect("options accepted");
            assert_eq!(
                HostilePolicy::filename(post("7"), media(), 0),
                expected,
                "options {options:?}"
            );
        }
    }

    #[test]
    fn configure_rejects_bad_options() {
        let unknown_key = HostilePolicy::configure(vec![option("kinds", "image")]);
        assert!(
            matches!(unknown_key, Err(PluginError::InvalidInput(_))),
            "{unknown_key:?}"
        );
        let unknown_mode = HostilePolicy::configure(vec![option("policy-mode", "explode")]);
        assert!(
            matches!(unknown_mode, Err(PluginError::InvalidInput(_))),
            "{unknown_mode:?}"
        );
        let relative_target = HostilePolicy::configure(vec![
            option("policy-mode", "absolute"),
            option("target", "relative/folder"),
        ]);
        assert!(
            matches!(relative_target, Err(PluginError::InvalidInput(_))),
            "{relative_target:?}"
        );
    }
}
