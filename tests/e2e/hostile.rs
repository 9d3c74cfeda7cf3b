//! Hostile plugins are contained. The test plugins under `tests/plugins/`
//! loop, exhaust memory, panic, trap, return oversized or unsafe output,
//! or request hosts they did not declare. Each run must end with a clear
//! error that names the plugin and with the documented exit status. It
//! must write no file outside `--out`, and every `manifest.json` it
//! writes must load. Files that are not loadable components must fail at
//! load with status 2.
//!
//! The scraper `scraper-hostile` crawls the blog info and two pages of made
//! up posts and misbehaves on the second page, so the two images of the
//! first page are already queued when it goes wrong.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fake_tumblr::FakeTumblr;
use serde_json::Value;

use crate::support::{
    API_KEY, BLOG, Run, Scratch, archive_args, files_under, media_entries, path_arg, read_manifest,
    run_archiver, start_fake, text,
};

/// Ids of the posts on the hostile scraper's first and second page.
const FIRST_PAGE_IDS: [&str; 2] = ["910001", "910002"];
const SECOND_PAGE_IDS: [&str; 2] = ["910003", "910004"];
/// The URL of the second page, as the hostile scraper requests it.
const SECOND_PAGE_URL: &str =
    "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?offset=2&limit=2";
/// Maximum length of a file name component on common file systems, in bytes.
const MAX_COMPONENT_BYTES: usize = 255;
/// Maximum length of a post summary in the manifest, in bytes: 200
/// characters of up to 4 bytes each, as the WIT interface documents.
const MAX_SUMMARY_BYTES: usize = 800;

fn plugin(file: &str) -> PathBuf {
    let path = Path::new(env!("PLUGIN_WASM_DIR")).join(file);
    assert!(path.is_file(), "test plugin built at {}", path.display());
    path
}

/// Returns the arguments of an archive from `server` with the hostile
/// scraper in `mode`, followed by `extra`.
fn scraper_args(server: &FakeTumblr, scratch: &Scratch, mode: &str, extra: &[&str]) -> Vec<String> {
    let mut args = archive_args(server, &scratch.out());
    args.push("--plugin".to_string());
    args.push(path_arg(&plugin("scraper_hostile.wasm")));
    args.push("--plugin-opt".to_string());
    args.push(format!("mode={mode}"));
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

/// Returns the arguments of an archive from `server` with the hostile
/// scraper in `normal` mode and the hostile policy in `policy_mode`.
fn policy_args(
    server: &FakeTumblr,
    scratch: &Scratch,
    policy_mode: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args = scraper_args(server, scratch, "normal", extra);
    args.push("--plugin".to_string());
    args.push(path_arg(&plugin("policy_hostile.wasm")));
    args.push("--plugin-opt".to_string());
    args.push(format!("policy-mode={policy_mode}"));
    args
}

/// Returns the arguments of a run that only loads `file`: it fails before
/// any request, so no server and no private-network access are involved.
fn load_args(scratch: &Scratch, file: &Path) -> Vec<String> {
    vec![
        BLOG.to_string(),
        "--out".to_string(),
        path_arg(&scratch.out()),
        "--api-key".to_string(),
        API_KEY.to_string(),
        "--plugin".to_string(),
        path_arg(file),
    ]
}

/// Returns the first line of stderr that starts with `error: `.
fn error_line(run: &Run) -> &str {
    run.stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("stderr has an `error: ` line\n{}", run.describe()))
}

fn assert_exit(run: &Run, expected: i32, case: &str) {
    assert_eq!(
        run.code,
        Some(expected),
        "{case}: exit code\n{}",
        run.describe()
    );
}

fn assert_error_has(run: &Run, needle: &str, case: &str) {
    assert!(
        error_line(run).contains(needle),
        "{case}: the error line mentions {needle:?}\n{}",
        run.describe()
    );
}

fn assert_stderr_has(run: &Run, needle: &str, case: &str) {
    assert!(
        run.stderr.contains(needle),
        "{case}: stderr mentions {needle:?}\n{}",
        run.describe()
    );
}

/// Parts of the names that the hostile policy tries to place outside the
/// blog folder.
const ESCAPE_MARKERS: [&str; 4] = [
    "hostile-escape-",
    "hostile-absolute-",
    "hostile-drive-",
    "hostile-target",
];

fn is_escape_name(name: &str) -> bool {
    ESCAPE_MARKERS.iter().any(|marker| name.contains(marker))
}

/// Asserts that the run wrote nothing beside `--out`. The scratch folder,
/// which is the parent of `--out` and the working folder, must contain
/// only `out` and the entries in `own` that the test created. No file
/// named like a hostile policy's target may lie outside `out` or in the
/// system's temporary folder.
fn assert_confined(scratch: &Scratch, own: &[&str], case: &str) {
    let entries: Vec<String> = fs::read_dir(&scratch.dir)
        .expect("read the scratch folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "out" && !own.contains(&name.as_str()))
        .collect();
    assert!(
        entries.is_empty(),
        "{case}: nothing written beside the output folder: {entries:?}"
    );
    let escaped: Vec<String> = files_under(&scratch.dir)
        .into_iter()
        .filter(|name| !name.starts_with("out/") && is_escape_name(name))
        .collect();
    assert!(
        escaped.is_empty(),
        "{case}: no hostile file outside the output folder: {escaped:?}"
    );
    let in_temp: Vec<String> = fs::read_dir(std::env::temp_dir())
        .expect("read the temporary folder")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| is_escape_name(name))
        .collect();
    assert!(
        in_temp.is_empty(),
        "{case}: no hostile file in the temporary folder: {in_temp:?}"
    );
}

/// Asserts that every `manifest.json` under the scratch folder is JSON
/// with `format_version` 1, and returns the number of them.
fn assert_manifests_load(scratch: &Scratch, case: &str) -> usize {
    let manifests: Vec<String> = files_under(&scratch.dir)
        .into_iter()
        .filter(|name| name.ends_with("manifest.json"))
        .collect();
    for name in &manifests {
        let path = scratch.dir.join(name);
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("{case}: cannot read {name}: {error}"));
        let manifest: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{case}: {name} is not valid JSON: {error}"));
        assert_eq!(
            manifest["format_version"], 1,
            "{case}: format_version of {name}"
        );
    }
    manifests.len()
}

/// Asserts that a run which failed at load left no output folder.
fn assert_nothing_written(scratch: &Scratch, own: &[&str], case: &str) {
    assert!(!scratch.out().exists(), "{case}: no output folder created");
    assert_confined(scratch, own, case);
}

/// Returns the blog folder's manifest after checking that it loads.
fn manifest_of(scratch: &Scratch, case: &str) -> Value {
    assert_eq!(
        assert_manifests_load(scratch, case),
        1,
        "{case}: one manifest written"
    );
    read_manifest(&scratch.blog_dir())
}

/// Returns the media entries of post `id`.
fn entries_of(manifest: &Value, id: &str) -> Vec<Value> {
    media_entries(manifest)
        .into_iter()
        .filter(|entry| text(entry, "post_id") == id)
        .collect()
}

/// Asserts that the image of each post in `ids` was downloaded into the
/// blog folder.
fn assert_downloaded(scratch: &Scratch, manifest: &Value, ids: &[&str], case: &str) {
    for id in ids {
        let entries = entries_of(manifest, id);
        assert_eq!(entries.len(), 1, "{case}: one media entry of post {id}");
        let entry = &entries[0];
        assert_eq!(
            entry["status"], "downloaded",
            "{case}: status of post {id}'s image: {entry}"
        );
        let file = scratch.blog_dir().join(text(entry, "filename"));
        assert!(
            file.is_file(),
            "{case}: the image of post {id} is at {}",
            file.display()
        );
    }
}

/// Asserts that the last run in the manifest is recorded as failed.
fn assert_run_failed(manifest: &Value, case: &str) {
    let runs = manifest["runs"]
        .as_array()
        .expect("manifest.runs is an array");
    let outcome = runs.last().map(|run| run["outcome"].clone());
    assert_eq!(
        outcome,
        Some(Value::from("failed")),
        "{case}: outcome of the run"
    );
}

/// Checks what every failed scraper case shares: exit 1, an error line
/// that names the plugin, and a manifest that loads and contains the two
/// downloaded images of the first page.
fn assert_scraper_stopped(scratch: &Scratch, run: &Run, case: &str) -> Value {
    assert_exit(run, 1, case);
    assert_error_has(run, "plugin scraper-hostile", case);
    assert_confined(scratch, &[], case);
    let manifest = manifest_of(scratch, case);
    assert_downloaded(scratch, &manifest, &FIRST_PAGE_IDS, case);
    assert_run_failed(&manifest, case);
    manifest
}

#[test]
fn scraper_loop_timeout() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-loop");
    let args = scraper_args(&server, &scratch, "loop", &["--plugin-timeout", "1"]);
    let started = Instant::now();
    let run = run_archiver(&args, &scratch.dir, None);
    let elapsed = started.elapsed();
    let case = "scraper loop";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, SECOND_PAGE_URL, case);
    assert_error_has(&run, "ran longer than 1s", case);
    assert_stderr_has(&run, "--plugin-timeout", case);
    assert!(
        elapsed < Duration::from_secs(60),
        "{case}: the run ends soon after the 1 s limit, took {elapsed:?}"
    );
}

#[test]
fn scraper_alloc_capped() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-alloc");
    let args = scraper_args(&server, &scratch, "alloc", &["--plugin-memory", "32"]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper allocation";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, SECOND_PAGE_URL, case);
    assert_error_has(&run, "trapped", case);
    assert_stderr_has(&run, "memory", case);
}

#[test]
fn scraper_panic_message() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-panic");
    let args = scraper_args(&server, &scratch, "panic", &[]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper panic";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, SECOND_PAGE_URL, case);
    assert_error_has(&run, "trapped", case);
    assert_stderr_has(&run, "plugin stderr:", case);
    assert_stderr_has(
        &run,
        "scraper-hostile panicked on purpose (marker 7f3a9c)",
        case,
    );
}

#[test]
fn scraper_trap_unreachable() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-trap");
    let args = scraper_args(&server, &scratch, "trap", &[]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper trap";
    let manifest = assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, SECOND_PAGE_URL, case);
    assert_error_has(&run, "trapped", case);
    assert_error_has(&run, "unreachable", case);
    for id in SECOND_PAGE_IDS {
        assert!(
            entries_of(&manifest, id).is_empty(),
            "{case}: no entry of post {id}, which the trap never returned"
        );
    }
}

/// The host may reject the post or shorten its summary; either way the
/// 100 MiB must not reach the manifest.
#[test]
fn scraper_huge_summary() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-summary");
    let args = scraper_args(&server, &scratch, "huge-summary", &[]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper huge summary";
    assert_confined(&scratch, &[], case);
    let manifest = manifest_of(&scratch, case);
    assert_downloaded(&scratch, &manifest, &FIRST_PAGE_IDS, case);
    if run.code == Some(1) {
        assert_error_has(&run, "plugin scraper-hostile", case);
        assert_error_has(&run, "returned too much", case);
    } else {
        assert_exit(&run, 0, case);
        let post = manifest["posts"]
            .as_array()
            .expect("manifest.posts is an array")
            .iter()
            .find(|post| post["id"] == "910003")
            .cloned()
            .unwrap_or_else(|| panic!("{case}: post 910003 recorded"));
        let summary_bytes = text(&post, "summary").len();
        assert!(
            summary_bytes <= MAX_SUMMARY_BYTES,
            "{case}: the recorded summary is shortened, has {summary_bytes} bytes"
        );
    }
    let manifest_bytes = fs::metadata(scratch.blog_dir().join("manifest.json"))
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    assert!(
        manifest_bytes < 1024 * 1024,
        "{case}: the manifest stays small, has {manifest_bytes} bytes"
    );
}

#[test]
fn scraper_million_media() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-million");
    let args = scraper_args(&server, &scratch, "million-media", &[]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper million media";
    let manifest = assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, SECOND_PAGE_URL, case);
    assert_error_has(&run, "returned too much", case);
    assert_error_has(
        &run,
        "post 910003 with 1000000 media items (at most 1000)",
        case,
    );
    assert!(
        entries_of(&manifest, "910003").is_empty(),
        "{case}: no entry of the oversized post"
    );
}

#[test]
fn scraper_many_requests() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-requests");
    let args = scraper_args(&server, &scratch, "many-requests", &[]);
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper many requests";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "`parse`", case);
    assert_error_has(&run, "returned too much: 101 requests (at most 100)", case);
    let beyond: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|request| request.query_param("limit").as_deref() == Some("1"))
        .map(|request| request.query)
        .collect();
    assert!(
        beyond.is_empty(),
        "{case}: none of the 101 requests was sent: {beyond:?}"
    );
}

#[test]
fn scraper_undeclared_host() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-undeclared");
    // Were the request let through, the rule would send it to the fake
    // server, whose log the test reads, instead of out of this machine.
    let rule = format!("https://undeclared.invalid={}", server.base_url());
    let args = scraper_args(
        &server,
        &scratch,
        "undeclared-host",
        &["--redirect-origin", &rule],
    );
    let run = run_archiver(&args, &scratch.dir, None);

    let case = "scraper undeclared host";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "https://undeclared.invalid/hostile-undeclared", case);
    assert_error_has(
        &run,
        "host \"undeclared.invalid\" is not among the hosts it declares (api.tumblr.com)",
        case,
    );

    let reached: Vec<String> = server
        .requests()
        .into_iter()
        .map(|request| request.path)
        .filter(|path| path.contains("hostile-undeclared"))
        .collect();
    assert!(
        reached.is_empty(),
        "{case}: the server never saw the request: {reached:?}"
    );
}

/// The scraper requests the cloud metadata address from `start`, so this
/// run needs no server. Without `--allow-private-network` and without any
/// `--redirect-origin`, the address guard stays in place behind the
/// declared-host check, and the error must come from the latter.
#[test]
fn scraper_metadata_address() {
    let scratch = Scratch::new("hostile-metadata");
    let mut args = load_args(&scratch, &plugin("scraper_hostile.wasm"));
    args.push("--plugin-opt".to_string());
    args.push("mode=metadata".to_string());
    let run = run_archiver(&args, &scratch.dir, None);
    let case = "scraper metadata address";
    assert_exit(&run, 1, case);
    assert_error_has(&run, "plugin scraper-hostile", case);
    assert_error_has(&run, "http://169.254.169.254/latest/meta-data/", case);
    assert_error_has(&run, "a raw IP address is not allowed", case);
    assert!(
        !run.stderr.contains("refused to connect"),
        "{case}: the request check, not the address guard, rejects it\n{}",
        run.describe()
    );
    assert_nothing_written(&scratch, &[], case);
}

#[test]
fn scraper_file_media() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-file-media");
    let args = scraper_args(&server, &scratch, "file-media", &[]);
    let run = run_archiver(&args, &scratch.dir, None);

    let case = "scraper file media";
    assert_exit(&run, 3, case);
    assert_stderr_has(&run, "file:///etc/passwd", case);
    assert_confined(&scratch, &[], case);

    let manifest = manifest_of(&scratch, case);
    let entries = entries_of(&manifest, "910003");
    assert_eq!(entries.len(), 1, "{case}: one entry of post 910003");
    let entry = &entries[0];
    assert_eq!(entry["status"], "error", "{case}: status: {entry}");
    assert!(
        text(entry, "notes").contains("not an http or https URL"),
        "{case}: notes give the reason: {entry}"
    );
    assert_eq!(
        text(entry, "filename"),
        "",
        "{case}: no file name for the file: URL"
    );
    assert_downloaded(&scratch, &manifest, &["910001", "910002", "910004"], case);

    let copied: Vec<String> = files_under(&scratch.dir)
        .into_iter()
        .filter(|name| name.ends_with("passwd"))
        .collect();
    assert!(
        copied.is_empty(),
        "{case}: nothing copied from /etc: {copied:?}"
    );
}

/// Runs the hostile policy in `mode` over the four posts of the hostile
/// scraper and returns the file name of each post's image. The run must
/// exit 0, write nothing outside `--out`, and put every image file inside
/// the blog folder.
fn policy_names(mode: &str) -> Option<Vec<String>> {
    let server = start_fake(|_| {})?;
    let scratch = Scratch::new(&format!("hostile-policy-{mode}"));
    let target = path_arg(&scratch.dir.join("hostile-target"));
    let target_option = format!("target={target}");
    let run = run_archiver(
        &policy_args(&server, &scratch, mode, &["--plugin-opt", &target_option]),
        &scratch.dir,
        None,
    );

    let case = format!("policy {mode}");
    assert_exit(&run, 0, &case);
    assert_confined(&scratch, &[], &case);
    let manifest = manifest_of(&scratch, &case);
    let ids: Vec<&str> = FIRST_PAGE_IDS
        .iter()
        .chain(&SECOND_PAGE_IDS)
        .copied()
        .collect();
    assert_downloaded(&scratch, &manifest, &ids, &case);

    let blog_dir = scratch.blog_dir();
    let mut names = Vec::new();
    for id in ids {
        let entry = &entries_of(&manifest, id)[0];
        let name = text(entry, "filename").to_string();
        assert!(
            !name.starts_with('/') && !name.contains('\\'),
            "{case}: relative name with / only: {name:?}"
        );
        assert!(
            name.split('/').all(|part| part != ".." && part != "."),
            "{case}: no . or .. component: {name:?}"
        );
        let resolved = fs::canonicalize(blog_dir.join(&name))
            .unwrap_or_else(|error| panic!("{case}: resolve {name:?}: {error}"));
        let root = fs::canonicalize(&blog_dir).expect("resolve the blog folder");
        assert!(
            resolved.starts_with(&root),
            "{case}: {name:?} resolves inside the blog folder"
        );
        names.push(name);
    }
    Some(names)
}

#[test]
fn policy_traversal_confined() {
    let Some(names) = policy_names("traversal") else {
        return;
    };
    for (name, id) in names
        .iter()
        .zip(FIRST_PAGE_IDS.iter().chain(&SECOND_PAGE_IDS))
    {
        assert_eq!(
            name,
            &format!("hostile-escape-{id}.jpg"),
            "traversal: `../../` dropped from post {id}'s name"
        );
    }
}

#[test]
fn policy_absolute_confined() {
    let Some(names) = policy_names("absolute") else {
        return;
    };
    for (name, id) in names
        .iter()
        .zip(FIRST_PAGE_IDS.iter().chain(&SECOND_PAGE_IDS))
    {
        let file = format!("/hostile-target/hostile-absolute-{id}.jpg");
        assert!(
            name.ends_with(&file),
            "absolute: post {id}'s name {name:?} keeps the target below the blog folder"
        );
    }
}

#[test]
fn policy_drive_confined() {
    let Some(names) = policy_names("drive") else {
        return;
    };
    for (name, id) in names
        .iter()
        .zip(FIRST_PAGE_IDS.iter().chain(&SECOND_PAGE_IDS))
    {
        assert_eq!(
            name,
            &format!("C_/hostile-drive-{id}.jpg"),
            "drive: `C:\\` becomes a folder `C_` for post {id}"
        );
    }
}

#[test]
fn policy_collisions_suffixed() {
    let Some(mut names) = policy_names("collide") else {
        return;
    };
    names.sort();
    assert_eq!(
        names,
        ["same-2.jpg", "same-3.jpg", "same-4.jpg", "same.jpg"],
        "collide: every image gets its own name"
    );
}

#[test]
fn policy_huge_name() {
    let Some(names) = policy_names("huge-name") else {
        return;
    };
    for name in &names {
        assert!(
            name.len() <= MAX_COMPONENT_BYTES,
            "huge name: cut to {MAX_COMPONENT_BYTES} bytes, got {}",
            name.len()
        );
        assert!(name.ends_with(".jpg"), "huge name: extension kept: {name}");
    }
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "huge name: four distinct names");
}

/// Checks what every failed policy case shares: exit 1, an error line that
/// names the plugin, and a manifest that loads.
fn assert_policy_stopped(scratch: &Scratch, run: &Run, case: &str) {
    assert_exit(run, 1, case);
    assert_error_has(run, "plugin policy-hostile", case);
    assert_confined(scratch, &[], case);
    let manifest = manifest_of(scratch, case);
    assert_run_failed(&manifest, case);
}

#[test]
fn policy_panic_message() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-policy-panic");
    let run = run_archiver(
        &policy_args(&server, &scratch, "panic", &[]),
        &scratch.dir,
        None,
    );
    let case = "policy panic";
    assert_policy_stopped(&scratch, &run, case);
    assert_error_has(&run, "`filename`", case);
    assert_error_has(&run, "post 910001 media https://64.media.tumblr.com/", case);
    assert_error_has(&run, "trapped", case);
    assert_stderr_has(
        &run,
        "policy-hostile panicked on purpose (marker 3c91d2)",
        case,
    );
}

#[test]
fn policy_loop_timeout() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-policy-loop");
    let run = run_archiver(
        &policy_args(&server, &scratch, "loop", &["--plugin-timeout", "1"]),
        &scratch.dir,
        None,
    );
    let case = "policy loop";
    assert_policy_stopped(&scratch, &run, case);
    assert_error_has(&run, "`keep-post` on post 910001", case);
    assert_error_has(&run, "ran longer than 1s", case);
}

#[test]
fn load_future_version() {
    let scratch = Scratch::new("hostile-version");
    let file = plugin("scraper_future_version.wasm");
    let run = run_archiver(&load_args(&scratch, &file), &scratch.dir, None);
    let case = "future interface version";
    assert_exit(&run, 2, case);
    assert_error_has(&run, &path_arg(&file), case);
    assert_error_has(&run, "tumblr-archiver:plugin@9.9.9", case);
    assert_error_has(&run, "tumblr-archiver:plugin@0.2.0", case);
    assert_error_has(&run, "tumblr-archiver:plugin@0.1.0", case);
    assert_nothing_written(&scratch, &[], case);
}

/// Writes `bytes` to `name` in the scratch folder, runs the binary with it
/// as a plugin, and checks for exit 2 and an error line that names it.
fn load_bytes(name: &str, bytes: &[u8], case: &str) -> Run {
    let scratch = Scratch::new("hostile-load");
    let file = scratch.dir.join(name);
    fs::write(&file, bytes).expect("write the plugin file");
    let run = run_archiver(&load_args(&scratch, &file), &scratch.dir, None);
    assert_exit(&run, 2, case);
    assert_error_has(&run, &path_arg(&file), case);
    assert_nothing_written(&scratch, &[name], case);
    run
}

#[test]
fn load_core_module() {
    let case = "core module";
    let run = load_bytes("core-module.wasm", b"\0asm\x01\0\0\0", case);
    assert_error_has(&run, "is not a WebAssembly component", case);
    assert_stderr_has(&run, "cargo build --target wasm32-wasip2", case);
}

#[test]
fn load_not_wasm() {
    let case = "not wasm";
    let run = load_bytes("notes.wasm", b"these are notes, not WebAssembly\n", case);
    assert_error_has(&run, "is not a WebAssembly component", case);
}

#[test]
fn load_no_interface() {
    let case = "component without interface";
    // The preamble of a component (layer 1, version 0x0d) with no sections.
    let run = load_bytes("empty-component.wasm", b"\0asm\x0d\0\x01\0", case);
    assert_error_has(&run, "exports neither a scraper", case);
    assert_error_has(&run, "its exports are: none", case);
}

#[test]
fn scraper_huge_record() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-record");
    let run = run_archiver(
        &scraper_args(&server, &scratch, "huge-record", &[]),
        &scratch.dir,
        None,
    );
    let case = "scraper huge raw record";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "returned too much", case);
    assert_error_has(&run, "raw record", case);
    assert_error_has(&run, "for post 910003 (at most 4 MiB)", case);
    assert!(
        !scratch.blog_dir().join("posts/910003.json").exists(),
        "{case}: the record was not saved"
    );
}

#[test]
fn scraper_bad_record_id() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("hostile-record-id");
    let run = run_archiver(
        &scraper_args(&server, &scratch, "bad-record-id", &[]),
        &scratch.dir,
        None,
    );
    let case = "scraper raw record with a path as post id";
    assert_scraper_stopped(&scratch, &run, case);
    assert_error_has(&run, "returned an invalid value", case);
    assert_error_has(&run, "../../escaped", case);
    let escaped: Vec<String> = files_under(&scratch.dir)
        .into_iter()
        .filter(|name| name.contains("escaped"))
        .collect();
    assert!(
        escaped.is_empty(),
        "{case}: no file named by the id: {escaped:?}"
    );
}
