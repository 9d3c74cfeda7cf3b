//! Plugin runtime: loads scraper and policy components, embedded or from
//! `--plugin` files, and calls them inside the sandbox.

mod bindings;
mod cache;
mod error;
mod output;
mod policy;
mod released;
mod runtime;
mod scraper;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

pub use bindings::types;
pub use bindings::{PACKAGE, PACKAGE_VERSION, SUPPORTED_VERSIONS};
pub use cache::CompileCache;
pub use error::{PluginCallError, PluginLabel, PluginLoadError};
pub use policy::Policy;
pub use runtime::{Limits, Sandbox};
pub use scraper::Scraper;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The embedded policy used unless `--plugin` gives another.
pub const DEFAULT_POLICY: &str = "policy-default";

/// Returns the component of the embedded plugin `name`.
pub fn embedded(name: &str) -> Option<&'static [u8]> {
    EMBEDDED
        .iter()
        .find(|(package, _)| *package == name)
        .map(|(_, bytes)| *bytes)
}

/// Names of the embedded scrapers, for `--scraper` and its messages.
pub fn embedded_scrapers() -> Vec<&'static str> {
    EMBEDDED
        .iter()
        .map(|(package, _)| *package)
        .filter(|package| package.starts_with("tumblr-"))
        .collect()
}

/// World that a component implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Scraper,
    Policy,
}

/// The scraper and the policy of a run.
pub struct PluginSet {
    pub scraper: Scraper,
    pub policy: Policy,
}

/// Loads the plugins for a run: each `--plugin` file replaces the embedded
/// plugin of its kind. Giving two files of the same kind is an error.
/// `scraper_name` names the embedded scraper used when no file is one.
pub fn load_plugins(
    sandbox: &Arc<Sandbox>,
    files: &[PathBuf],
    scraper_name: &str,
) -> Result<PluginSet, PluginLoadError> {
    let mut scraper = None;
    let mut policy = None;
    for path in files {
        match load_file(sandbox, path)? {
            Loaded::Scraper(loaded) => {
                if scraper.is_some() {
                    return Err(duplicate_kind(path, "scraper"));
                }
                scraper = Some(loaded);
            }
            Loaded::Policy(loaded) => {
                if policy.is_some() {
                    return Err(duplicate_kind(path, "policy"));
                }
                policy = Some(loaded);
            }
        }
    }
    let scraper = match scraper {
        Some(scraper) => scraper,
        None => Scraper::load(
            sandbox,
            &compile_embedded(sandbox, scraper_name)?,
            "embedded".into(),
            PACKAGE_VERSION,
        )?,
    };
    let policy = match policy {
        Some(policy) => policy,
        None => Policy::load(
            sandbox,
            &compile_embedded(sandbox, DEFAULT_POLICY)?,
            "embedded".into(),
            PACKAGE_VERSION,
        )?,
    };
    Ok(PluginSet { scraper, policy })
}

/// A plugin loaded from a file, of either kind.
pub enum Loaded {
    Scraper(Scraper),
    Policy(Policy),
}

/// Loads one plugin file and finds its kind from the interface it exports.
pub fn load_file(sandbox: &Arc<Sandbox>, path: &Path) -> Result<Loaded, PluginLoadError> {
    let source_name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PluginLoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let component = compile(sandbox, &bytes, &source_name)?;
    let (kind, version) = classify(sandbox, &component, &source_name)?;
    match kind {
        PluginKind::Scraper => Ok(Loaded::Scraper(Scraper::load(
            sandbox,
            &component,
            source_name,
            version,
        )?)),
        PluginKind::Policy => Ok(Loaded::Policy(Policy::load(
            sandbox,
            &component,
            source_name,
            version,
        )?)),
    }
}

fn compile_embedded(sandbox: &Sandbox, name: &str) -> Result<Component, PluginLoadError> {
    let Some(bytes) = embedded(name) else {
        return Err(PluginLoadError::Instantiate {
            source_name: name.to_string(),
            cause: format!(
                "no embedded plugin has this name; the embedded scrapers are {}",
                embedded_scrapers().join(", ")
            ),
        });
    };
    compile(sandbox, bytes, "embedded")
}

fn duplicate_kind(path: &Path, kind: &str) -> PluginLoadError {
    PluginLoadError::DuplicateKind {
        source_name: path.display().to_string(),
        kind: kind.to_string(),
    }
}

fn compile(
    sandbox: &Sandbox,
    bytes: &[u8],
    source_name: &str,
) -> Result<Component, PluginLoadError> {
    sandbox
        .compile(bytes)
        .map_err(|error| PluginLoadError::NotAComponent {
            source_name: source_name.to_string(),
            cause: first_line(&error.root_cause().to_string()),
        })
}

/// Returns the first line of a message, without a trailing ` - ` part that
/// continues on the next lines.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.split(" - expected=")
        .next()
        .unwrap_or(line)
        .trim_end_matches([' ', '-'])
        .to_string()
}

/// Tells scraper from policy by the interface the component exports, and
/// returns the WIT package version it was built against, one of
/// `SUPPORTED_VERSIONS`.
pub fn classify(
    sandbox: &Sandbox,
    component: &Component,
    source_name: &str,
) -> Result<(PluginKind, &'static str), PluginLoadError> {
    let component_type = component.component_type();
    let exports: Vec<String> = component_type
        .exports(sandbox.engine())
        .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
        .map(|(name, _)| name.to_string())
        .collect();
    for name in &exports {
        let Some((interface, version)) = parse_export_name(name) else {
            continue;
        };
        let kind = match interface {
            "crawl" => PluginKind::Scraper,
            "select" => PluginKind::Policy,
            _ => continue,
        };
        let Some(supported) = SUPPORTED_VERSIONS
            .iter()
            .find(|supported| **supported == version)
        else {
            return Err(PluginLoadError::IncompatibleVersion {
                source_name: source_name.to_string(),
                found: version.to_string(),
                supported: SUPPORTED_VERSIONS
                    .map(|supported| format!("{PACKAGE}@{supported}"))
                    .join(" and "),
            });
        };
        return Ok((kind, supported));
    }
    let exports = if exports.is_empty() {
        "none".to_string()
    } else {
        exports.join(", ")
    };
    Err(PluginLoadError::UnknownKind {
        source_name: source_name.to_string(),
        exports,
    })
}

/// Splits `tumblr-archiver:plugin/crawl@0.1.0` into `("crawl", "0.1.0")`.
fn parse_export_name(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(bindings::PACKAGE)?.strip_prefix('/')?;
    let (interface, version) = rest.split_once('@').unwrap_or((rest, "none"));
    Some((interface, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_name_with_version() {
        assert_eq!(
            parse_export_name("tumblr-archiver:plugin/crawl@0.1.0"),
            Some(("crawl", "0.1.0"))
        );
    }

    #[test]
    fn export_name_without_version() {
        assert_eq!(
            parse_export_name("tumblr-archiver:plugin/select"),
            Some(("select", "none"))
        );
    }

    #[test]
    fn export_name_of_other_package() {
        assert_eq!(parse_export_name("wasi:cli/run@0.2.0"), None);
    }
}

#[cfg(test)]
mod released_interface_tests {
    use super::*;
    use crate::plugin::types::{Media, MediaKind, Post};

    /// A policy built against the first released interface, 0.1.0.
    const RELEASED_POLICY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/plugins/policy-first-image-wit-0.1.0.wasm"
    );

    fn post() -> Post {
        let media = |url: &str, kind| Media {
            url: url.into(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        };
        Post {
            id: "42".into(),
            url: "https://example-blog.tumblr.com/post/42".into(),
            blog: "example-blog".into(),
            timestamp: 1_600_000_000,
            post_type: "photo".into(),
            tags: Vec::new(),
            reblog: None,
            summary: String::new(),
            media: vec![
                media("https://va.media.tumblr.com/tumblr_a.mp4", MediaKind::Video),
                media(
                    "https://64.media.tumblr.com/x/tumblr_b_1280.png",
                    MediaKind::Image,
                ),
            ],
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn released_policy_still_works() {
        let limits = Limits {
            call_timeout: std::time::Duration::from_secs(5),
            memory_bytes: 64 * 1024 * 1024,
        };
        let sandbox = Sandbox::new(limits, CompileCache::from_environment()).expect("sandbox");
        let loaded =
            load_file(&sandbox, Path::new(RELEASED_POLICY)).expect("the 0.1.0 policy loads");
        let Loaded::Policy(mut policy) = loaded else {
            panic!("the 0.1.0 file is a policy");
        };
        assert_eq!(policy.info.name, "first-image-policy");
        policy.configure(Vec::new()).expect("configure");
        let post = post();
        assert!(policy.keep_post(&post).expect("keep-post"));
        assert!(
            !policy
                .keep_media(&post, &post.media[0])
                .expect("keep-media video")
        );
        assert!(
            policy
                .keep_media(&post, &post.media[1])
                .expect("keep-media image")
        );
        assert_eq!(
            policy.filename(&post, &post.media[1], 1).expect("filename"),
            "first/42.png"
        );
    }
}
