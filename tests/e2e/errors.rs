//! Runs that must fail before archiving anything: each exits with its
//! documented code, prints the reason on stderr, and leaves no manifest behind.

use std::fs;

use crate::support::{
    API_KEY, BLOG, Run, Scratch, archive_args, files_under, path_arg, redirect_args, run_archiver,
    start_fake,
};

/// Asserts that no `manifest.json` exists anywhere under the scratch
/// folder.
fn assert_no_manifest(scratch: &Scratch, case: &str) {
    let manifests: Vec<String> = files_under(&scratch.dir)
        .into_iter()
        .filter(|name| name.ends_with("manifest.json"))
        .collect();
    assert!(
        manifests.is_empty(),
        "{case} leaves no manifest: {manifests:?}"
    );
}

/// Returns `archive_args` with `BLOG` replaced by `blog`.
fn args_for_blog(server: &fake_tumblr::FakeTumblr, scratch: &Scratch, blog: &str) -> Vec<String> {
    let mut args = archive_args(server, &scratch.out());
    args[0] = blog.to_string();
    args
}

/// Returns `archive_args` with the `--api-key` option and its value removed.
fn args_without_key(server: &fake_tumblr::FakeTumblr, scratch: &Scratch) -> Vec<String> {
    let args = archive_args(server, &scratch.out());
    let position = args
        .iter()
        .position(|arg| arg == "--api-key")
        .expect("archive_args passes --api-key");
    let mut trimmed = args[..position].to_vec();
    trimmed.extend_from_slice(&args[position + 2..]);
    trimmed
}

fn stderr_has(run: &Run, needle: &str, case: &str) {
    assert!(
        run.stderr.contains(needle),
        "{case}: stderr mentions {needle:?}\n{}",
        run.describe()
    );
}

#[test]
fn error_missing_api_key() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("no-key");
    let mut args = args_without_key(&server, &scratch);
    args.extend(["--scraper".to_string(), "tumblr-api-v2".to_string()]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(2),
        "missing key exit code\n{}",
        run.describe()
    );
    stderr_has(&run, "--api-key", "missing key");
    stderr_has(&run, "TUMBLR_API_KEY", "missing key");
    stderr_has(
        &run,
        "tumblr.com/oauth",
        "missing key (where to register an application)",
    );
    assert!(server.requests().is_empty(), "no request without a key");
    assert_no_manifest(&scratch, "missing key");
}

#[test]
fn api_key_from_env() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("env-key");
    let mut args = args_without_key(&server, &scratch);
    args.push("--dry-run".to_string());
    let run = run_archiver(&args, &scratch.dir, Some(API_KEY));
    assert_eq!(
        run.code,
        Some(0),
        "key from TUMBLR_API_KEY accepted\n{}",
        run.describe()
    );
    let keyed = server
        .requests()
        .iter()
        .any(|request| request.query_param("api_key").as_deref() == Some(API_KEY));
    assert!(keyed, "the API requests carry the key from the environment");
}

#[test]
fn error_wrong_api_key() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("wrong-key");
    let wrong_key = "wrong-key-81c2";
    let mut args = args_without_key(&server, &scratch);
    args.push("--api-key".to_string());
    args.push(wrong_key.to_string());
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(5),
        "rejected key exit code\n{}",
        run.describe()
    );
    assert!(
        !run.stderr.contains(wrong_key) && !run.stdout.contains(wrong_key),
        "the key value is never printed\n{}",
        run.describe()
    );
    stderr_has(&run, "rejected the API key", "wrong key");
    assert_no_manifest(&scratch, "wrong key");
}

#[test]
fn error_forbidden_blog() {
    let locked = "locked-blog";
    let Some(server) = start_fake(|config| config.forbidden_blogs = vec![locked.to_string()])
    else {
        return;
    };
    let scratch = Scratch::new("forbidden");
    let run = run_archiver(
        &args_for_blog(&server, &scratch, locked),
        &scratch.dir,
        None,
    );
    assert_eq!(
        run.code,
        Some(7),
        "forbidden blog exit code\n{}",
        run.describe()
    );
    stderr_has(&run, locked, "forbidden blog");
    stderr_has(&run, "forbidden", "forbidden blog (reason)");
    assert_no_manifest(&scratch, "forbidden blog");
}

#[test]
fn error_blog_not_found() {
    let missing = "missing-blog";
    let Some(server) = start_fake(|config| config.not_found_blogs = vec![missing.to_string()])
    else {
        return;
    };
    let scratch = Scratch::new("not-found");
    let run = run_archiver(
        &args_for_blog(&server, &scratch, missing),
        &scratch.dir,
        None,
    );
    assert_eq!(
        run.code,
        Some(4),
        "missing blog exit code\n{}",
        run.describe()
    );
    stderr_has(&run, missing, "missing blog");
    stderr_has(&run, "not found", "missing blog (reason)");
    assert_no_manifest(&scratch, "missing blog");
}

#[test]
fn error_dashboard_only_blog() {
    let hidden = "hidden-blog";
    let Some(server) = start_fake(|config| config.dashboard_only_blogs = vec![hidden.to_string()])
    else {
        return;
    };
    let scratch = Scratch::new("dashboard-only");
    let run = run_archiver(
        &args_for_blog(&server, &scratch, hidden),
        &scratch.dir,
        None,
    );
    // Exit status 6 means the blog exists but only logged-in users see it.
    assert_eq!(
        run.code,
        Some(6),
        "dashboard-only blog exit code\n{}",
        run.describe()
    );
    stderr_has(&run, hidden, "dashboard-only blog");
    stderr_has(&run, "logged-in", "dashboard-only blog (reason)");
    assert_no_manifest(&scratch, "dashboard-only blog");
}

#[test]
fn error_malformed_blog() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("malformed");
    let run = run_archiver(
        &args_for_blog(&server, &scratch, "bad blog!"),
        &scratch.dir,
        None,
    );
    assert_eq!(
        run.code,
        Some(2),
        "malformed blog exit code\n{}",
        run.describe()
    );
    stderr_has(&run, "bad blog!", "malformed blog");
    stderr_has(&run, ".tumblr.com", "malformed blog (accepted forms)");
    assert!(
        server.requests().is_empty(),
        "no request for a malformed blog"
    );
    assert_no_manifest(&scratch, "malformed blog");
}

#[test]
fn error_plugin_not_component() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("bad-plugin");
    let plugin = scratch.dir.join("not-a-plugin.wasm");
    fs::write(&plugin, b"\x00asm but not really a component, just bytes")
        .expect("write the fake plugin file");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--plugin".to_string());
    args.push(path_arg(&plugin));
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(2),
        "invalid plugin exit code\n{}",
        run.describe()
    );
    stderr_has(&run, "not-a-plugin.wasm", "invalid plugin");
    assert_no_manifest(&scratch, "invalid plugin");
}

#[test]
fn error_private_network_refused() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("private");
    let mut args = vec![
        BLOG.to_string(),
        "--out".to_string(),
        path_arg(&scratch.out()),
        "--api-key".to_string(),
        API_KEY.to_string(),
    ];
    args.extend(redirect_args(&server));
    let run = run_archiver(&args, &scratch.dir, None);
    assert!(
        run.code.is_some_and(|code| code != 0),
        "loopback without the flag fails\n{}",
        run.describe()
    );
    stderr_has(&run, "--allow-private-network", "loopback refused");
    stderr_has(&run, "127.0.0.1", "loopback refused (address)");
    assert!(
        server.requests().is_empty(),
        "no request reached the loopback server"
    );
    assert_no_manifest(&scratch, "loopback refused");
}
