//! Plugin costs, measured through the host's plugin runtime and printed as
//! medians (`cargo bench --bench plugins`):
//!
//! - parsing a 20-post Tumblr API v2 page in the embedded `tumblr-api-v2`
//!   component, and the same parser compiled natively;
//! - one policy decision per media item (`keep-media` and `filename` of
//!   the embedded default policy);
//! - starting a plugin (compile or cache load, instantiation, `info`) with
//!   the compile cache off and with a cache hit.
//!
//! The page is built from the posts of the recorded responses in the
//! Tumblr fixtures folder (`TUMBLR_FIXTURES`), repeated with new ids up to
//! 20 posts. Without the folder the parse figures are skipped.
//!
//! The bench compiles the host's `plugin` module into itself, because the
//! host is a binary crate.

// The bench uses a part of the plugin module only, and its unit tests are
// compiled without being run.
#![allow(dead_code, unused_imports, clippy::result_large_err)]

#[path = "../src"]
mod host_src {
    pub mod plugin;
}
use host_src::plugin;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plugin::types::{HttpRequest, HttpResponse, Page};
use plugin::{CompileCache, Limits, PACKAGE_VERSION, Policy, Sandbox, Scraper};
use serde_json::{Value, json};

const PAGE_POSTS: usize = 20;
/// Environment variable of the compile cache's folder (empty: off).
const CACHE_DIR_VARIABLE: &str = "TUMBLR_ARCHIVER_CACHE_DIR";
const LIMITS: Limits = Limits {
    call_timeout: Duration::from_secs(10),
    memory_bytes: 256 * 1024 * 1024,
};

fn main() {
    // Both caches read the environment before any thread starts.
    let cache_dir = std::env::temp_dir().join(format!("plugin-bench-{}", std::process::id()));
    // SAFETY: no other thread exists yet, so nothing reads the environment
    // while it changes.
    unsafe { std::env::set_var(CACHE_DIR_VARIABLE, "") };
    let cache_off = CompileCache::from_environment();
    // SAFETY: as above.
    unsafe { std::env::set_var(CACHE_DIR_VARIABLE, &cache_dir) };
    let cache_on = CompileCache::from_environment();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    // The host calls plugins from a tokio worker; so does the bench.
    runtime.block_on(async {
        start_costs(cache_off, cache_on);
        match page_body() {
            Some(body) => parse_costs(&body),
            None => eprintln!(
                "parse and policy: skipped, no fixtures at {}",
                fake_tumblr::fixtures_path().display()
            ),
        }
    });
    let _ = std::fs::remove_dir_all(&cache_dir);
}

/// Median of `runs` timings of `body`, after `warmup` untimed calls.
fn median(warmup: usize, runs: usize, mut body: impl FnMut()) -> Duration {
    for _ in 0..warmup {
        body();
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            body();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn scraper_bytes() -> &'static [u8] {
    plugin::embedded("tumblr-api-v2").expect("the API v2 scraper is embedded")
}

fn load_scraper(sandbox: &Arc<Sandbox>) -> Scraper {
    let component = sandbox
        .compile(scraper_bytes())
        .expect("the scraper compiles");
    Scraper::load(sandbox, &component, "embedded".into(), PACKAGE_VERSION)
        .expect("the scraper loads")
}

fn start_costs(cache_off: CompileCache, cache_on: CompileCache) {
    let engine = median(1, 9, || {
        Sandbox::new(LIMITS, CompileCache::from_environment()).expect("engine");
    });
    println!("engine and linker (Sandbox::new): {engine:?}");
    let uncached = Sandbox::new(LIMITS, cache_off).expect("engine");
    let cold = median(1, 9, || {
        load_scraper(&uncached);
    });
    println!("scraper start, compile cache off: {cold:?}");
    let cached = Sandbox::new(LIMITS, cache_on).expect("engine");
    load_scraper(&cached);
    let warm = median(5, 51, || {
        load_scraper(&cached);
    });
    println!("scraper start, compile cache hit: {warm:?}");
}

fn parse_costs(body: &[u8]) {
    let native_request = posts_request();
    let native_response = tumblr_api_v2::tumblr_archiver::plugin::types::HttpResponse {
        url: native_request.url.clone(),
        status: 200,
        headers: Vec::new(),
        body: body.to_vec(),
    };
    let request = HttpRequest {
        method: native_request.method.clone(),
        url: native_request.url.clone(),
        headers: native_request.headers.clone(),
        context: native_request.context.clone(),
    };
    let response = HttpResponse {
        url: request.url.clone(),
        status: 200,
        headers: Vec::new(),
        body: body.to_vec(),
    };
    let sandbox = Sandbox::new(LIMITS, CompileCache::from_environment()).expect("engine");
    let mut scraper = load_scraper(&sandbox);
    let page: Page = scraper.parse(&request, &response).expect("the page parses");
    let native_page = tumblr_api_v2::crawl::parse(&native_request, &native_response)
        .expect("the page parses natively");
    assert_eq!(page.posts.len(), native_page.posts.len(), "same posts");
    let in_component = median(20, 301, || {
        scraper.parse(&request, &response).expect("parse");
    });
    let native = median(20, 301, || {
        tumblr_api_v2::crawl::parse(&native_request, &native_response).expect("parse");
    });
    println!(
        "parse of a {PAGE_POSTS}-post page ({} KB): component {in_component:?}, native {native:?}, ratio {:.2}",
        body.len() / 1024,
        in_component.as_secs_f64() / native.as_secs_f64()
    );
    policy_costs(&sandbox, &page);
}

fn policy_costs(sandbox: &Arc<Sandbox>, page: &Page) {
    let bytes = plugin::embedded(plugin::DEFAULT_POLICY).expect("the policy is embedded");
    let component = sandbox.compile(bytes).expect("the policy compiles");
    let mut policy = Policy::load(sandbox, &component, "embedded".into(), PACKAGE_VERSION)
        .expect("policy loads");
    policy.configure(Vec::new()).expect("default options");
    let items: Vec<_> = page
        .posts
        .iter()
        .flat_map(|post| post.media.iter().map(move |item| (post, item)))
        .collect();
    let per_page = median(10, 101, || {
        for (index, (post, item)) in items.iter().enumerate() {
            if policy.keep_media(post, item).expect("keep-media") {
                policy.filename(post, item, index as u32).expect("filename");
            }
        }
    });
    let per_item = per_page / items.len().max(1) as u32;
    println!(
        "policy keep-media + filename per media item: {per_item:?} ({} items)",
        items.len()
    );
}

fn posts_request() -> tumblr_api_v2::tumblr_archiver::plugin::types::HttpRequest {
    use tumblr_api_v2::crawl::{CrawlContext, Step};
    CrawlContext {
        blog: "example-blog.tumblr.com".to_owned(),
        page_size: PAGE_POSTS as u32,
        format: tumblr_api_v2::options::Format::Npf,
        step: Step::Posts { offset: 0 },
        total_posts: Some(1000),
    }
    .request()
    .expect("a context encodes")
}

/// Builds a posts response of `PAGE_POSTS` posts from every post of the
/// recorded `posts-*.json` responses, repeated with new ids as needed.
fn page_body() -> Option<Vec<u8>> {
    let dir: PathBuf = fake_tumblr::fixtures_dir()?.join("api-v2");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("posts-") && name.ends_with(".json"))
        })
        .collect();
    files.sort();
    let mut recorded = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        if let Some(posts) = value["response"]["posts"].as_array() {
            recorded.extend(posts.iter().cloned());
        }
    }
    if recorded.is_empty() {
        return None;
    }
    let posts: Vec<Value> = (0..PAGE_POSTS)
        .map(|index| {
            let mut post = recorded[index % recorded.len()].clone();
            let id = 700_000_000_000_000_000u64 - index as u64;
            post["id"] = json!(id);
            post["id_string"] = json!(id.to_string());
            post
        })
        .collect();
    let body = json!({
        "meta": {"status": 200, "msg": "OK"},
        "response": {"posts": posts, "total_posts": 1000},
    });
    serde_json::to_vec(&body).ok()
}
