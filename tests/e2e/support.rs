//! Shared helpers of the end-to-end tests: scratch folders, starting the
//! fake Tumblr, running the real binary with a time limit or in the
//! background, and reading the manifest, the files on disk and the
//! fixtures they are checked against.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fake_tumblr::{Config, FakeTumblr, SyntheticBlog, media_body};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Blog name passed to the binary.
pub const BLOG: &str = "example-blog";

/// Folder name the binary creates inside `--out`, taken from the `name`
/// field of the fixture's blog info.
pub const BLOG_FOLDER: &str = "example-blog";

/// API key the fake server accepts in these tests. It is distinctive so a
/// search of the output folder cannot match it by accident.
pub const API_KEY: &str = "e2e-key-5b1f0c9d";

/// Maximum time one run of the binary may take before the test kills it.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// Hosts that appear in the fixtures. Each gets a rule for http and https
/// that sends it to the fake server, so no run leaves 127.0.0.1 even when
/// it requests an embed or an Internet Archive lookup.
const REDIRECTED_HOSTS: [&str; 17] = [
    "api.tumblr.com",
    "*.tumblr.com",
    "tumblr.com",
    "tmblr.co",
    "*.txmblr.com",
    "example.com",
    "*.example.com",
    "*.example-blog.com",
    "*.blog-04.com",
    "youtube.com",
    "*.youtube.com",
    "soundcloud.com",
    "*.soundcloud.com",
    "href.li",
    "*.nytimes.com",
    "archive.org",
    "web.archive.org",
];

/// A uniquely named folder under the system's temporary folder, removed
/// with its contents when dropped.
pub struct Scratch {
    pub dir: PathBuf,
}

static NEXT_SCRATCH: AtomicU32 = AtomicU32::new(0);

impl Scratch {
    pub fn new(label: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "tumblr-archiver-e2e-{label}-{}-{}-{nanos}",
            std::process::id(),
            NEXT_SCRATCH.fetch_add(1, Ordering::Relaxed),
        ));
        fs::create_dir_all(&dir).expect("create the scratch folder");
        Self { dir }
    }

    /// Returns the `--out` folder of this test; the binary creates it.
    pub fn out(&self) -> PathBuf {
        self.dir.join("out")
    }

    /// Returns the blog folder inside `out()`.
    pub fn blog_dir(&self) -> PathBuf {
        self.out().join(BLOG_FOLDER)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Returns the fixtures folder, or `None` after printing that the test is
/// skipped because the folder is absent.
pub fn fixtures_or_skip() -> Option<PathBuf> {
    let dir = fake_tumblr::fixtures_dir();
    if dir.is_none() {
        eprintln!(
            "fixtures not found at {}; skipping",
            fake_tumblr::fixtures_path().display()
        );
    }
    dir
}

/// Starts a fake Tumblr that accepts `API_KEY`, after `configure` adjusts
/// its settings. Returns `None`, after printing why, when the fixtures are
/// absent.
pub fn start_fake(configure: impl FnOnce(&mut Config)) -> Option<FakeTumblr> {
    let dir = fixtures_or_skip()?;
    let mut config = Config::new(dir);
    config.api_key = API_KEY.to_string();
    configure(&mut config);
    Some(FakeTumblr::start(config))
}

/// Starts a fake Tumblr that serves `blog` instead of the fixture posts,
/// after `configure` adjusts its other settings. Returns `None`, after
/// printing why, when the fixtures (still needed for the blog info and the
/// error bodies) are absent.
pub fn start_synthetic(
    blog: SyntheticBlog,
    configure: impl FnOnce(&mut Config),
) -> Option<FakeTumblr> {
    start_fake(move |config| {
        config.synthetic = Some(blog);
        configure(config);
    })
}

/// Returns the `--redirect-origin` arguments that send every fixture host
/// to `server`.
pub fn redirect_args(server: &FakeTumblr) -> Vec<String> {
    let base = server.base_url();
    let mut args = Vec::new();
    for host in REDIRECTED_HOSTS {
        for scheme in ["https", "http"] {
            args.push("--redirect-origin".to_string());
            args.push(format!("{scheme}://{host}={base}"));
        }
    }
    args
}

/// Returns the arguments of a full archive of `BLOG` from `server` into
/// `out`: the API key, the redirects and `--allow-private-network`.
pub fn archive_args(server: &FakeTumblr, out: &Path) -> Vec<String> {
    let mut args = vec![
        BLOG.to_string(),
        "--out".to_string(),
        path_arg(out),
        "--api-key".to_string(),
        API_KEY.to_string(),
        "--allow-private-network".to_string(),
        "--concurrency".to_string(),
        "4".to_string(),
    ];
    args.extend(redirect_args(server));
    args
}

pub fn path_arg(path: &Path) -> String {
    path.to_str()
        .expect("temporary paths of the tests are UTF-8")
        .to_string()
}

/// Exit status and output of one run of the binary.
pub struct Run {
    /// Exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Describes the run for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit code {:?}\n--- stderr ---\n{}\n--- stdout (first 2000 bytes) ---\n{}",
            self.code,
            self.stderr,
            self.stdout.chars().take(2000).collect::<String>()
        )
    }
}

/// Returns a command for the binary whose environment contains none of the
/// caller's settings: no API key, no `TUMBLR_ARCHIVER_*` variable except
/// an empty `TUMBLR_ARCHIVER_CONFIG`, so no config file is read.
pub fn archiver_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tumblr-archiver"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TUMBLR_ARCHIVER_") {
            command.env_remove(name);
        }
    }
    command
        .env_remove("TUMBLR_API_KEY")
        .env_remove("RUST_LOG")
        .env("TUMBLR_ARCHIVER_CONFIG", "")
        .env("NO_COLOR", "1");
    command
}

/// Runs the binary with `args` in `cwd`, without `TUMBLR_API_KEY` in its
/// environment unless `api_key_env` gives one, and kills it after
/// `RUN_TIMEOUT`.
pub fn run_archiver(args: &[String], cwd: &Path, api_key_env: Option<&str>) -> Run {
    let mut command = archiver_command();
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(key) = api_key_env {
        command.env("TUMBLR_API_KEY", key);
    }
    let mut child = command.spawn().expect("start the tumblr-archiver binary");
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    );

    let code = wait_bounded(&mut child, args);
    Run {
        code,
        stdout: stdout.join().expect("the stdout reader does not panic"),
        stderr: stderr.join().expect("the stderr reader does not panic"),
    }
}

/// Starts the binary with `args` in `cwd` like `run_archiver`, but returns
/// at once. Its stdout is discarded and its stderr goes to `stderr_file`.
/// The caller must kill or wait for the child.
pub fn spawn_archiver(args: &[String], cwd: &Path, stderr_file: &Path) -> Child {
    let stderr = fs::File::create(stderr_file)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", stderr_file.display()));
    archiver_command()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start the tumblr-archiver binary")
}

/// Reads a pipe to its end on a thread, so a full pipe never blocks the
/// child while the test waits for it.
fn drain(pipe: Option<Box<dyn Read + Send>>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn wait_bounded(child: &mut Child, args: &[String]) -> Option<i32> {
    let deadline = Instant::now() + RUN_TIMEOUT;
    loop {
        match child.try_wait().expect("poll the tumblr-archiver process") {
            Some(status) => return status.code(),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "tumblr-archiver {} did not finish within {} s and was killed",
                    args.join(" "),
                    RUN_TIMEOUT.as_secs()
                );
            }
            None => thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Reads and parses `manifest.json` of the blog folder.
pub fn read_manifest(blog_dir: &Path) -> Value {
    let path = blog_dir.join("manifest.json");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid JSON: {error}", path.display()))
}

/// Returns the `media` array of a manifest.
pub fn media_entries(manifest: &Value) -> Vec<Value> {
    manifest["media"]
        .as_array()
        .expect("manifest.media is an array")
        .clone()
}

/// Returns the entries whose status is `downloaded`.
pub fn downloaded(manifest: &Value) -> Vec<Value> {
    media_entries(manifest)
        .into_iter()
        .filter(|entry| entry["status"] == "downloaded")
        .collect()
}

/// Returns a string field of a JSON object, or "" when it is absent or
/// not a string.
pub fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_default()
}

/// Returns the path of `url`: what follows the authority, without query
/// or fragment. The fake server receives this path after the origin rewrite.
pub fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_start = after_scheme.find('/').unwrap_or(after_scheme.len());
    let path = &after_scheme[path_start..];
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

/// Lists every regular file under `dir`, as paths relative to it with `/`
/// separators.
pub fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut files = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.insert(parts.join("/"));
            }
        }
    }
    files
}

/// Returns the `sha256:` checksum of `bytes`, in the manifest's form.
pub fn checksum(bytes: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(bytes))
}

/// Returns the checksum of the bytes the fake server sends for `path`
/// when no alias applies.
pub fn served_checksum(path: &str) -> String {
    checksum(&media_body(path).bytes)
}

/// Returns whether `name`, relative to a blog folder, is a file of the
/// offline gallery: `index.html`, its style sheet, or a page under
/// `page/`, `archive/` or `tagged/`.
pub fn is_gallery_file(name: &str) -> bool {
    name == "index.html"
        || name == "gallery.css"
        || ["page/", "archive/", "tagged/"]
            .iter()
            .any(|folder| name.starts_with(folder))
}

/// Returns the checksum of every media file under `dir`, that is every
/// file except `manifest.json`, the post records in `posts/` and the
/// gallery's files, keyed by the path relative to `dir`.
pub fn file_checksums(dir: &Path) -> BTreeMap<String, String> {
    checksums_where(dir, |name| {
        name != "manifest.json" && !name.starts_with("posts/") && !is_gallery_file(name)
    })
}

/// Returns the checksum of every post record in `dir`'s `posts/` folder,
/// keyed by the path relative to `dir`.
pub fn record_checksums(dir: &Path) -> BTreeMap<String, String> {
    checksums_where(dir, |name| name.starts_with("posts/"))
}

fn checksums_where(dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
    files_under(dir)
        .into_iter()
        .filter(|name| keep(name))
        .map(|name| {
            let bytes = fs::read(dir.join(&name))
                .unwrap_or_else(|error| panic!("cannot read {name}: {error}"));
            (name, checksum(&bytes))
        })
        .collect()
}

/// Returns the media entries of `manifest` whose `original_url` has the
/// path `path`.
pub fn entries_for_path(manifest: &Value, path: &str) -> Vec<Value> {
    media_entries(manifest)
        .into_iter()
        .filter(|entry| url_path(text(entry, "original_url")) == path)
        .collect()
}

/// Returns each media entry's URL, file name, checksum and status, sorted,
/// to compare two manifests of the same blog.
pub fn entry_summary(manifest: &Value) -> Vec<(String, String, String, String)> {
    let mut summary: Vec<_> = media_entries(manifest)
        .iter()
        .map(|entry| {
            (
                text(entry, "original_url").to_string(),
                text(entry, "filename").to_string(),
                text(entry, "checksum").to_string(),
                text(entry, "status").to_string(),
            )
        })
        .collect();
    summary.sort();
    summary
}

/// Returns the ids of the posts in `manifest`, in manifest order.
pub fn manifest_post_ids(manifest: &Value) -> Vec<String> {
    manifest["posts"]
        .as_array()
        .expect("manifest.posts is an array")
        .iter()
        .map(post_id)
        .collect()
}

/// Returns the decimal id of a fixture post.
pub fn post_id(post: &Value) -> String {
    match (&post["id_string"], &post["id"]) {
        (Value::String(id), _) => id.clone(),
        (_, Value::Number(id)) => id.to_string(),
        (_, Value::String(id)) => id.clone(),
        _ => panic!("fixture post without an id: {post}"),
    }
}

/// Returns the distinct ids of the posts the fake server serves.
pub fn served_post_ids(server: &FakeTumblr) -> BTreeSet<String> {
    server.served_posts().iter().map(post_id).collect()
}

/// Reads one file of the fixtures' `api-v2/` folder.
pub fn fixture(name: &str) -> Value {
    let dir = fake_tumblr::fixtures_dir().expect("fixtures are present when a server started");
    let path = dir.join("api-v2").join(name);
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read fixture {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("fixture {} is not JSON: {error}", path.display()))
}

/// Returns the first post of a full-response fixture file.
pub fn first_post(name: &str) -> Value {
    fixture(name)["response"]["posts"][0].clone()
}

/// Returns `(post id, URL of the largest size)` of every photo of every
/// served post of type `photo`.
pub fn fixture_photos(server: &FakeTumblr) -> Vec<(String, String)> {
    let mut photos = Vec::new();
    for post in server.served_posts() {
        if post["type"] != "photo" {
            continue;
        }
        for photo in post["photos"].as_array().into_iter().flatten() {
            if let Some(url) = photo["original_size"]["url"].as_str() {
                photos.push((post_id(&post), url.to_string()));
            }
        }
    }
    photos
}

/// Returns the part of a legacy photo path shared by all its sizes: the
/// path without the trailing `_{size}.{ext}`, such as
/// `/{hash}/tumblr_{token}o1`.
pub fn photo_stem(path: &str) -> &str {
    path.rsplit_once('_').map_or(path, |(stem, _)| stem)
}

/// Returns the number of GET requests the fake server received for each
/// media URL, keyed by path and query as sent.
pub fn media_get_counts(server: &FakeTumblr) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for request in server.media_requests() {
        if request.method != "GET" {
            continue;
        }
        let key = if request.query.is_empty() {
            request.path
        } else {
            format!("{}?{}", request.path, request.query)
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// Asserts that every `downloaded` entry's file exists under `blog_dir`
/// and that its SHA-256 and size equal the entry's `checksum` and
/// `byte_size`.
pub fn assert_downloads_match_files(blog_dir: &Path, manifest: &Value) {
    for entry in downloaded(manifest) {
        let filename = text(&entry, "filename");
        assert!(
            !filename.is_empty(),
            "downloaded entry without a filename: {entry}"
        );
        let path = blog_dir.join(filename);
        let bytes = fs::read(&path).unwrap_or_else(|error| {
            panic!("file {} of a downloaded entry: {error}", path.display())
        });
        assert_eq!(
            text(&entry, "checksum"),
            checksum(&bytes),
            "checksum of {filename}"
        );
        assert_eq!(
            entry["byte_size"].as_u64(),
            Some(bytes.len() as u64),
            "byte_size of {filename}"
        );
    }
}
