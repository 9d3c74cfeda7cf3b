//! End-to-end tests of the plugin author tools: `plugin inspect` and
//! `plugin test`, and of the compiled-plugin cache.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::support::Scratch;

const BINARY: &str = env!("CARGO_BIN_EXE_tumblr-archiver");
const WASM_DIR: &str = env!("PLUGIN_WASM_DIR");

fn plugin(name: &str) -> PathBuf {
    Path::new(WASM_DIR).join(name)
}

fn run(args: &[&str], cache: Option<&Path>) -> Output {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .env("TUMBLR_ARCHIVER_LOG", "tumblr_archiver=debug");
    match cache {
        Some(dir) => command.env("TUMBLR_ARCHIVER_CACHE_DIR", dir),
        None => command.env("TUMBLR_ARCHIVER_CACHE_DIR", ""),
    };
    command.output().expect("the binary runs")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn inspect_default_scraper() {
    let file = plugin("tumblr_api_v2.wasm");
    let text = run(
        &["plugin", "inspect", file.to_str().expect("utf-8 path")],
        None,
    );
    assert!(text.status.success(), "inspect succeeds: {}", stderr(&text));
    let shown = String::from_utf8_lossy(&text.stdout);
    assert!(shown.contains("kind:          scraper"), "{shown}");
    assert!(shown.contains("tumblr-archiver:plugin@0.2.0"), "{shown}");
    assert!(shown.contains("api.tumblr.com"), "{shown}");
    assert!(shown.contains("page-size"), "{shown}");

    let json = run(
        &[
            "plugin",
            "inspect",
            "--json",
            file.to_str().expect("utf-8 path"),
        ],
        None,
    );
    let value = stdout_json(&json);
    assert_eq!(value["kind"], "scraper");
    assert_eq!(value["name"], "tumblr-api-v2");
    assert_eq!(value["needs_api_key"], true);
    assert_eq!(value["hosts"], json!(["api.tumblr.com"]));
}

#[test]
fn inspect_rejects_non_component() {
    let scratch = Scratch::new("inspect-garbage");
    fs::create_dir_all(&scratch.dir).expect("scratch folder");
    let file = scratch.dir.join("garbage.wasm");
    fs::write(&file, b"this is not wasm").expect("write garbage");
    let output = run(
        &["plugin", "inspect", file.to_str().expect("utf-8 path")],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "usage error: {}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("is not a WebAssembly component"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("garbage.wasm"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn cache_skips_second_compile() {
    let scratch = Scratch::new("plugin-cache");
    let cache = scratch.dir.join("cache");
    let file = plugin("policy_default.wasm");
    let path = file.to_str().expect("utf-8 path");
    let first = run(&["plugin", "inspect", path], Some(&cache));
    let second = run(&["plugin", "inspect", path], Some(&cache));
    assert!(
        stderr(&first).contains("cache=Miss"),
        "first start compiles: {}",
        stderr(&first)
    );
    assert!(
        stderr(&second).contains("cache=Hit"),
        "second start loads the cache: {}",
        stderr(&second)
    );
    assert_eq!(first.stdout, second.stdout, "same description both times");
}

/// Records `body` as the response to `url` in the exchange folder.
fn record(folder: &Path, number: usize, url: &str, body: &Path) {
    let body_name = format!("body-{number}.json");
    fs::copy(body, folder.join(&body_name)).expect("copy the recorded body");
    let exchange = json!({ "url": url, "status": 200, "headers": {"content-type": "application/json"}, "body_file": body_name });
    fs::write(
        folder.join(format!("exchange-{number}.json")),
        exchange.to_string(),
    )
    .expect("write the exchange");
}

/// Returns the URL that `plugin test` reports as not recorded.
fn missing_url(output: &Output) -> Option<String> {
    let text = stderr(output);
    let start = text.find("no recorded response for ")? + "no recorded response for ".len();
    Some(text[start..].lines().next()?.trim().to_string())
}

#[test]
fn test_scraper_on_recordings() {
    replay_scraper(&plugin("tumblr_api_v2.wasm"), "plugin-test-scraper");
}

#[test]
fn test_released_scraper_on_recordings() {
    let released = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/plugins/scraper-tumblr-api-v2-wit-0.1.0.wasm");
    replay_scraper(&released, "plugin-test-released-scraper");
}

/// Runs `plugin test` on scraper `file` with recorded responses, found one
/// request at a time, then again with the first output as expected output.
fn replay_scraper(file: &Path, label: &str) {
    let Some(fixtures) = fake_tumblr::fixtures_dir() else {
        eprintln!(
            "fixtures not found at {}; skipping",
            fake_tumblr::fixtures_path().display()
        );
        return;
    };
    let scratch = Scratch::new(label);
    let folder = scratch.dir.join("responses");
    fs::create_dir_all(&folder).expect("responses folder");
    let empty_page = scratch.dir.join("empty.json");
    fs::write(
        &empty_page,
        r#"{"meta":{"status":200,"msg":"OK"},"response":{"posts":[],"total_posts":1}}"#,
    )
    .expect("write the empty page");
    // The scraper's requests are found one by one: each run names the
    // first request that has no recording yet.
    let bodies = [
        fixtures.join("api-v2/blog-info.json"),
        fixtures.join("api-v2/posts-legacy-photoset.json"),
        empty_page,
    ];
    let args = [
        "plugin",
        "test",
        file.to_str().expect("utf-8 path"),
        "--blog",
        "example-blog",
        "--responses",
        folder.to_str().expect("utf-8 path"),
    ];
    let mut output = run(&args, None);
    for (number, body) in bodies.iter().enumerate() {
        let Some(url) = missing_url(&output) else {
            break;
        };
        record(&folder, number, &url, body);
        output = run(&args, None);
    }
    assert!(
        output.status.success(),
        "the replay completes: {}",
        stderr(&output)
    );
    let result = stdout_json(&output);
    assert_eq!(result["blog"]["name"], "example-blog", "{result}");
    let posts = result["posts"].as_array().expect("posts list");
    assert_eq!(posts.len(), 1, "the photoset fixture has one post");
    let media = posts[0]["media"].as_array().expect("media list");
    let photos: Vec<&str> = media
        .iter()
        .filter_map(|item| item["url"].as_str())
        .filter(|url| url.ends_with("_1280.jpg"))
        .collect();
    assert_eq!(photos.len(), 5, "five photos at 1280: {media:?}");

    let expected = scratch.dir.join("expected.json");
    fs::write(
        &expected,
        serde_json::to_string_pretty(&result).expect("serialize"),
    )
    .expect("write expected");
    let mut with_expected = args.to_vec();
    with_expected.extend(["--expected", expected.to_str().expect("utf-8 path")]);
    let same = run(&with_expected, None);
    assert_eq!(
        same.status.code(),
        Some(0),
        "matching output: {}",
        stderr(&same)
    );

    let mut changed = result.clone();
    changed["posts"][0]["media"][0]["url"] = json!("https://example.com/other.jpg");
    fs::write(&expected, changed.to_string()).expect("write changed expected");
    let differs = run(&with_expected, None);
    assert_eq!(
        differs.status.code(),
        Some(1),
        "differing output: {}",
        stderr(&differs)
    );
    assert!(
        stderr(&differs).contains("/posts/0/media/0/url"),
        "the difference is located: {}",
        stderr(&differs)
    );
}

#[test]
fn test_policy_on_posts() {
    let scratch = Scratch::new("plugin-test-policy");
    fs::create_dir_all(&scratch.dir).expect("scratch folder");
    let posts = json!({"posts": [
        {"id": "1", "url": "https://b.tumblr.com/post/1", "blog": "b", "timestamp": 1600000000, "type": "photo", "tags": [], "reblog": null, "summary": "",
         "media": [{"url": "https://va.media.tumblr.com/tumblr_v.mp4", "kind": "video"}, {"url": "https://64.media.tumblr.com/x/tumblr_a_1280.png", "kind": "image"}]},
        {"id": "2", "url": "https://b.tumblr.com/post/2", "blog": "b", "timestamp": 1600000001, "type": "photo", "tags": [], "reblog": {"from_blog": "c"}, "summary": "",
         "media": [{"url": "https://64.media.tumblr.com/y/tumblr_b_1280.jpg", "kind": "image"}]}
    ]});
    let file = scratch.dir.join("posts.json");
    fs::write(&file, posts.to_string()).expect("write posts");
    let policy = plugin("policy_default.wasm");
    let output = run(
        &[
            "plugin",
            "test",
            policy.to_str().expect("utf-8 path"),
            "--posts",
            file.to_str().expect("utf-8 path"),
            "--plugin-opt",
            "reblogs=exclude",
            "--plugin-opt",
            "kinds=image",
        ],
        None,
    );
    assert!(
        output.status.success(),
        "policy replay: {}",
        stderr(&output)
    );
    let result = stdout_json(&output);
    let decisions = result["posts"].as_array().expect("decisions");
    assert_eq!(decisions[0]["keep"], true, "{result}");
    assert_eq!(
        decisions[0]["media"][0]["keep"], false,
        "videos excluded: {result}"
    );
    assert_eq!(decisions[0]["media"][1]["keep"], true, "{result}");
    assert_eq!(
        decisions[0]["media"][1]["filename"], "1_tumblr_a_1280.png",
        "{result}"
    );
    assert_eq!(decisions[1]["keep"], false, "reblogs excluded: {result}");
}
