//! Recorded Tumblr responses for plugin tests, read in place from the
//! folder that `TUMBLR_FIXTURES` names (by default `shared/fixtures/tumblr`
//! beside the repository). Where the folder is missing, tests are skipped
//! with a message, except under `CI=true`, where they fail.

use std::path::{Path, PathBuf};

/// Environment variable that names the fixtures folder.
pub const FIXTURES_VARIABLE: &str = "TUMBLR_FIXTURES";

/// Returns the fixtures folder, or `None` after printing that the tests
/// are skipped when it is missing outside CI.
///
/// # Panics
///
/// Panics when the folder is missing and `CI` is `true`.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os(FIXTURES_VARIABLE).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/tumblr"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "fixture folder {} is missing; set {FIXTURES_VARIABLE} to the fixtures/tumblr folder",
        dir.display()
    );
    eprintln!(
        "skipping fixture tests: {} does not exist (set {FIXTURES_VARIABLE} to the fixtures/tumblr folder)",
        dir.display()
    );
    None
}

/// Returns the bytes of `relative` inside the fixtures folder, or `None`
/// when the folder is missing outside CI.
///
/// # Panics
///
/// Panics when the folder exists but the file cannot be read.
pub fn fixture(relative: &str) -> Option<Vec<u8>> {
    let path = fixtures_dir()?.join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(error) => panic!("cannot read fixture {}: {error}", path.display()),
    }
}
