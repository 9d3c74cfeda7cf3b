//! Tests of the fake Tumblr over real TCP connections: API paging and
//! errors, generated blogs, quotas, media bytes and ranges, fault
//! injection, pacing, the request log, completed bodies and shutdown.

use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::{Reply, TempFixtures, send_with};
use fake_tumblr::{
    BARE_POSTS_FILE, Config, FakeTumblr, Fault, FaultKind, Pace, PathMatch, Quota, RequestKind,
    SyntheticBlog, media_body, photo_path, photo_url, post_id,
};
use serde_json::{Value, json};

fn post(id: u64, post_type: &str) -> Value {
    json!({"id": id, "id_string": id.to_string(), "type": post_type, "blog_name": "synthetic"})
}

/// Writes a fixtures folder with seven posts: ids 1 to 4 in `posts-a.json`,
/// 5 and 6 in `posts-b.json`, and 7 in the bare array file.
fn synthetic_fixtures() -> TempFixtures {
    let fixtures = TempFixtures::create("test");

    let info = json!({"meta": {"status": 200, "msg": "OK"},
        "response": {"blog": {"name": "synthetic", "title": "Synthetic", "total_posts": 7}}});
    let error = |status: u16, msg: &str, code: u32, detail: &str| {
        json!({"http_status": status, "body": {"meta": {"status": status, "msg": msg},
            "errors": [{"title": msg, "code": code, "detail": detail}], "response": []}})
    };
    let errors = json!({
        "blog_not_found_404": error(404, "Not Found", 0, "no such blog"),
        "dashboard_only_blog_404": error(404, "Not Found", 4012, "dashboard only"),
        "unauthorized_401": error(401, "Unauthorized", 0, "bad key"),
    });
    let page = |posts: Vec<Value>| {
        json!({"meta": {"status": 200, "msg": "OK"},
            "response": {"blog": {"name": "synthetic"}, "posts": posts, "total_posts": 99}})
    };
    let files = [
        ("blog-info.json", info),
        ("error-responses.json", errors),
        (
            "posts-b.json",
            page(vec![post(5, "photo"), post(6, "text")]),
        ),
        (
            "posts-a.json",
            page(vec![
                post(1, "photo"),
                post(2, "text"),
                post(3, "photo"),
                post(4, "video"),
            ]),
        ),
        (BARE_POSTS_FILE, json!([post(7, "audio")])),
    ];
    for (name, body) in files {
        fixtures.write(name, &body.to_string());
    }
    fixtures
}

/// Sends one request with `Connection: close` and reads until the server
/// closes, keeping whatever arrived before a reset.
fn send(server: &FakeTumblr, method: &str, target: &str) -> Reply {
    send_with(server, method, target, &[])
}

fn post_ids(reply: &Reply) -> Vec<u64> {
    reply.json()["response"]["posts"]
        .as_array()
        .expect("response.posts is an array")
        .iter()
        .map(|post| post["id"].as_u64().expect("post id is a number"))
        .collect()
}

fn start_synthetic(configure: impl FnOnce(&mut Config)) -> (FakeTumblr, TempFixtures) {
    let fixtures = synthetic_fixtures();
    let mut config = Config::new(&fixtures.dir);
    configure(&mut config);
    (FakeTumblr::start(config), fixtures)
}

#[test]
fn posts_paging_slices() {
    let (server, _fixtures) = start_synthetic(|config| config.max_limit = 3);

    let first = send(
        &server,
        "GET",
        "/v2/blog/synthetic/posts?api_key=test-key&npf=true&limit=50",
    );
    assert_eq!(first.status, 200, "first page status");
    assert_eq!(
        post_ids(&first),
        [1, 2, 3],
        "limit is clamped to 3, posts in file-name order"
    );
    let body = first.json();
    assert_eq!(
        body["response"]["total_posts"], 7,
        "total counts every served post"
    );
    assert_eq!(body["meta"]["status"], 200, "meta status");
    assert_eq!(
        body["response"]["_links"]["next"]["query_params"]["offset"], "3",
        "next link continues after the page"
    );
    assert_eq!(
        body["response"]["_links"]["next"]["query_params"]["npf"], "true",
        "next link keeps other parameters"
    );

    let last = send(
        &server,
        "GET",
        "/v2/blog/synthetic.tumblr.com/posts?api_key=test-key&offset=5",
    );
    assert_eq!(
        post_ids(&last),
        [6, 7],
        "last page ends with the bare array's post"
    );
    assert!(
        last.json()["response"].get("_links").is_none(),
        "no next link on the last page"
    );

    let beyond = send(
        &server,
        "GET",
        "/v2/blog/synthetic/posts?api_key=test-key&offset=40",
    );
    assert_eq!(
        post_ids(&beyond),
        Vec::<u64>::new(),
        "no posts beyond the end"
    );

    let photos = send(
        &server,
        "GET",
        "/v2/blog/synthetic/posts/photo?api_key=test-key",
    );
    assert_eq!(post_ids(&photos), [1, 3, 5], "type filter from the path");
    assert_eq!(
        photos.json()["response"]["total_posts"],
        3,
        "total of the filtered posts"
    );

    let invalid = send(
        &server,
        "GET",
        "/v2/blog/synthetic/posts?api_key=test-key&offset=-1",
    );
    assert_eq!(invalid.status, 400, "negative offset is rejected");
}

#[test]
fn api_key_required() {
    let (server, _fixtures) = start_synthetic(|_| {});

    let missing = send(&server, "GET", "/v2/blog/synthetic/info");
    assert_eq!(missing.status, 401, "no key");
    assert_eq!(
        missing.json()["meta"]["msg"],
        "Unauthorized",
        "recorded 401 body"
    );
    let wrong = send(&server, "GET", "/v2/blog/synthetic/posts?api_key=other");
    assert_eq!(wrong.status, 401, "wrong key");

    let info = send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");
    assert_eq!(info.status, 200, "right key");
    assert_eq!(
        info.json()["response"]["blog"]["name"],
        "synthetic",
        "info body"
    );
    assert!(
        info.header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "JSON content type"
    );
}

#[test]
fn blog_errors_configured() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.not_found_blogs = vec!["gone-blog".to_string()];
        config.dashboard_only_blogs = vec!["hidden-blog".to_string()];
    });

    let gone = send(
        &server,
        "GET",
        "/v2/blog/gone-blog.tumblr.com/info?api_key=test-key",
    );
    assert_eq!(gone.status, 404, "not-found blog status");
    assert_eq!(gone.json()["errors"][0]["code"], 0, "not-found code");

    let hidden = send(
        &server,
        "GET",
        "/v2/blog/hidden-blog/posts?api_key=test-key",
    );
    assert_eq!(hidden.status, 404, "dashboard-only blog status");
    assert_eq!(
        hidden.json()["errors"][0]["code"],
        4012,
        "dashboard-only code"
    );

    let unknown_route = send(&server, "GET", "/v2/blog/synthetic/likes?api_key=test-key");
    assert_eq!(unknown_route.status, 404, "unknown API route");
}

#[test]
fn media_bytes_deterministic() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let path = "/f350f1335c8a4ffc99153a19d130395c/tumblr_tbcylhI5k34f2yi5co1_1280.jpg";

    let first = send(&server, "GET", &format!("{path}?play_key=abc"));
    let second = send(&server, "GET", path);
    assert_eq!(first.status, 200, "media status");
    assert_eq!(
        first.body, second.body,
        "same bytes on every request, query ignored"
    );
    assert_eq!(first.body, media_body(path).bytes, "bytes equal media_body");
    assert!(
        first.body.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]),
        "JPEG magic"
    );
    assert_eq!(
        first.header("content-type"),
        Some("image/jpeg"),
        "JPEG content type"
    );
    assert_eq!(
        first.header("content-length"),
        Some(first.body.len().to_string().as_str()),
        "Content-Length matches the body"
    );

    let png = send(&server, "GET", "/a/b.png");
    assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"), "PNG magic");
    assert_ne!(png.body, first.body, "different paths differ");

    let head = send(&server, "HEAD", path);
    assert_eq!(head.status, 200, "HEAD status");
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(
        head.header("content-length"),
        Some(first.body.len().to_string().as_str()),
        "HEAD announces the GET length"
    );
}

#[test]
fn faults_injected() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.faults = vec![
            Fault::first(
                2,
                PathMatch::Exact("/flaky.jpg".to_string()),
                FaultKind::Status(500),
            ),
            Fault::always(
                PathMatch::Prefix("/gone/".to_string()),
                FaultKind::Status(404),
            ),
            Fault::first(
                1,
                PathMatch::Exact("/slow.gif".to_string()),
                FaultKind::RateLimited {
                    retry_after_secs: 7,
                },
            ),
            Fault::always(
                PathMatch::Exact("/cut.mp4".to_string()),
                FaultKind::Truncated,
            ),
        ];
    });

    let flaky: Vec<u16> = (0..3)
        .map(|_| send(&server, "GET", "/flaky.jpg").status)
        .collect();
    assert_eq!(
        flaky,
        [500, 500, 200],
        "first two requests fail, then the file is served"
    );

    for attempt in 0..3 {
        let gone = send(&server, "GET", "/gone/tumblr_x_640.jpg");
        assert_eq!(gone.status, 404, "prefix fault on attempt {attempt}");
    }
    assert_eq!(
        send(&server, "GET", "/gone").status,
        200,
        "the prefix needs the slash"
    );

    let limited = send(&server, "GET", "/slow.gif");
    assert_eq!(limited.status, 429, "rate-limited status");
    assert_eq!(
        limited.header("retry-after"),
        Some("7"),
        "Retry-After seconds"
    );
    assert_eq!(
        send(&server, "GET", "/slow.gif").status,
        200,
        "rate limit lifts after one"
    );

    let full_len = media_body("/cut.mp4").bytes.len();
    let cut = send(&server, "GET", "/cut.mp4");
    assert_eq!(cut.status, 200, "truncated response starts as a success");
    assert_eq!(
        cut.header("content-length"),
        Some(full_len.to_string().as_str()),
        "the full length is announced"
    );
    assert_eq!(cut.body.len(), full_len / 2, "half the body arrives");
}

#[test]
fn log_records_requests() {
    let (server, _fixtures) = start_synthetic(|_| {});
    send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");
    send(&server, "GET", "/media/one.png?size=big");
    send(&server, "HEAD", "/media/two.gif");
    send(&server, "GET", "/cdx/search/cdx?url=x&output=json");

    let requests = server.requests();
    assert_eq!(requests.len(), 4, "every request is logged");
    let api = &requests[0];
    assert_eq!(api.kind, RequestKind::Api, "API kind");
    assert_eq!(api.path, "/v2/blog/synthetic/info", "API path");
    assert_eq!(
        api.query_param("api_key").as_deref(),
        Some("test-key"),
        "query kept"
    );
    assert_eq!(api.header("X-Probe"), Some("yes"), "headers kept");
    assert_eq!(requests[3].kind, RequestKind::Archive, "archive kind");

    let media = server.media_requests();
    let seen: Vec<(&str, &str, &str)> = media
        .iter()
        .map(|request| {
            (
                request.method.as_str(),
                request.path.as_str(),
                request.query.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/media/one.png", "size=big"),
            ("HEAD", "/media/two.gif", "")
        ],
        "media requests only"
    );
}

#[test]
fn log_thread_safe() {
    let (server, _fixtures) = start_synthetic(|_| {});
    thread::scope(|scope| {
        for worker in 0..4 {
            let server = &server;
            scope.spawn(move || {
                for i in 0..10 {
                    let reply = send(server, "GET", &format!("/parallel/{worker}/{i}.webp"));
                    assert_eq!(reply.status, 200, "parallel request {worker}/{i}");
                }
            });
        }
    });
    assert_eq!(server.media_requests().len(), 40, "no request lost");
}

#[test]
fn archive_lookup_empty() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let cdx = send(
        &server,
        "GET",
        "/cdx/search/cdx?url=64.media.tumblr.com/x.jpg&output=json",
    );
    assert_eq!(cdx.status, 200, "CDX status");
    assert_eq!(cdx.json(), json!([]), "no capture rows");
    let available = send(&server, "GET", "/wayback/available?url=a.com/b");
    assert_eq!(
        available.json()["archived_snapshots"],
        json!({}),
        "no snapshot"
    );
}

#[test]
fn server_stops_when_dropped() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let addr = server.addr();
    assert_eq!(
        send(&server, "GET", "/x.png").status,
        200,
        "serves before the drop"
    );
    drop(server);
    assert!(
        TcpStream::connect(addr).is_err(),
        "no listener after the drop"
    );
}

#[test]
fn server_stops_after_lifetime() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.lifetime = Duration::from_millis(200);
    });
    thread::sleep(Duration::from_millis(800));
    assert!(
        TcpStream::connect(server.addr()).is_err(),
        "no listener after the lifetime ran out"
    );
}

#[test]
fn default_files_from_fixtures() {
    let Some(dir) = fake_tumblr::fixtures_dir() else {
        eprintln!(
            "fixtures not found at {}; skipping",
            fake_tumblr::fixtures_path().display()
        );
        return;
    };
    let files = fake_tumblr::default_post_files(&dir).expect("list the fixture files");
    assert_eq!(
        files.last().map(String::as_str),
        Some(BARE_POSTS_FILE),
        "bare array last"
    );
    assert!(
        !files.iter().any(|name| name == "blog-info.json"),
        "info is not a posts file"
    );
    let mut sorted = files[..files.len() - 1].to_vec();
    sorted.sort();
    assert_eq!(
        sorted,
        files[..files.len() - 1],
        "responses in file-name order"
    );

    let expected: usize = files
        .iter()
        .map(|name| count_posts(&dir.join("api-v2").join(name)))
        .sum();
    let server = FakeTumblr::start(Config::new(&dir));
    assert_eq!(
        server.served_posts().len(),
        expected,
        "every post of every file is served"
    );

    let mut offset = 0;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let page = send(
            &server,
            "GET",
            &format!("/v2/blog/example-blog/posts?api_key=test-key&offset={offset}"),
        );
        let body = page.json();
        assert_eq!(
            body["response"]["total_posts"], expected,
            "total on page at {offset}"
        );
        let posts = body["response"]["posts"]
            .as_array()
            .expect("posts array")
            .clone();
        if posts.is_empty() {
            break;
        }
        offset += posts.len();
        ids.extend(posts.iter().map(|post| post["id"].to_string()));
    }
    assert_eq!(ids.len(), expected, "paging reaches every post once");
}

fn count_posts(path: &Path) -> usize {
    let body: Value =
        serde_json::from_str(&fs::read_to_string(path).expect("read a fixture")).expect("JSON");
    match body {
        Value::Array(posts) => posts.len(),
        body => body["response"]["posts"].as_array().map_or(0, Vec::len),
    }
}

/// Returns the path part of a URL.
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    &rest[rest.find('/').unwrap_or(rest.len())..]
}

#[test]
fn synthetic_blog_served() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.synthetic = Some(SyntheticBlog::new(45));
    });

    let info = send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");
    let blog = &info.json()["response"]["blog"];
    assert_eq!(blog["posts"], 45, "info reports the generated post count");
    assert_eq!(blog["total_posts"], 45, "info total_posts");
    assert_eq!(blog["name"], "synthetic", "info keeps the recorded name");

    let mut ids = Vec::new();
    let mut offset = 0;
    for _ in 0..10 {
        let page = send(
            &server,
            "GET",
            &format!("/v2/blog/synthetic/posts?api_key=test-key&offset={offset}"),
        );
        let body = page.json();
        assert_eq!(body["response"]["total_posts"], 45, "total at {offset}");
        let page_ids = post_ids(&page);
        if page_ids.is_empty() {
            break;
        }
        offset += page_ids.len();
        ids.extend(page_ids);
    }
    let expected: Vec<u64> = (0..45).map(post_id).collect();
    assert_eq!(ids, expected, "every generated post once, newest first");

    let post = &server.served_posts()[4];
    assert_eq!(post["type"], "photo", "photo posts");
    assert_eq!(post["blog_name"], "synthetic", "posts name the blog");
    let url = post["photos"][0]["original_size"]["url"]
        .as_str()
        .expect("photo URL");
    assert_eq!(url, photo_url(4, 0), "served URL equals photo_url");
    let photo = send(&server, "GET", path_of(url));
    assert_eq!(photo.status, 200, "generated photo served");
    assert!(
        photo.body.starts_with(&[0xFF, 0xD8, 0xFF]),
        "generated photo is a JPEG"
    );
}

#[test]
fn synthetic_before_filter() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.synthetic = Some(SyntheticBlog::new(10).share_timestamp(3..6));
    });
    let posts = server.served_posts();
    let shared = posts[3]["timestamp"].as_i64().expect("timestamp");
    assert_eq!(
        posts[5]["timestamp"], shared,
        "posts 3 to 5 share a timestamp"
    );
    assert_ne!(posts[6]["timestamp"], shared, "post 6 is older");

    let page = send(
        &server,
        "GET",
        &format!("/v2/blog/synthetic/posts?api_key=test-key&before={shared}"),
    );
    let expected: Vec<u64> = (6..10).map(post_id).collect();
    assert_eq!(
        post_ids(&page),
        expected,
        "before drops posts at the timestamp"
    );
    let invalid = send(
        &server,
        "GET",
        "/v2/blog/synthetic/posts?api_key=test-key&before=soon",
    );
    assert_eq!(invalid.status, 400, "non-numeric before is rejected");
}

#[test]
fn synthetic_same_bytes_alias() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.synthetic = Some(SyntheticBlog::new(4).same_bytes(0, 2));
    });
    let source = send(&server, "GET", &photo_path(0, 0, 1280));
    let copy = send(&server, "GET", &photo_path(2, 0, 1280));
    let other = send(&server, "GET", &photo_path(1, 0, 1280));
    assert_ne!(
        photo_path(0, 0, 1280),
        photo_path(2, 0, 1280),
        "the paths differ"
    );
    assert_eq!(copy.body, source.body, "the copy has the source's bytes");
    assert_ne!(other.body, source.body, "other photos keep their bytes");
    let smaller = send(&server, "GET", &photo_path(2, 0, 500));
    assert_eq!(
        smaller.body,
        media_body(&photo_path(0, 0, 500)).bytes,
        "the smaller size is aliased too"
    );
}

#[test]
fn forbidden_blog_403() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.forbidden_blogs = vec!["locked-blog".to_string()];
    });
    let reply = send(&server, "GET", "/v2/blog/locked-blog/info?api_key=test-key");
    assert_eq!(reply.status, 403, "forbidden status");
    assert_eq!(reply.json()["meta"]["status"], 403, "meta status");
}

fn header_number(reply: &Reply, name: &str) -> u64 {
    reply
        .header(name)
        .unwrap_or_else(|| panic!("header {name} is present"))
        .parse()
        .unwrap_or_else(|_| panic!("header {name} is a number"))
}

#[test]
fn quota_hourly_window() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.quota = Some(Quota {
            hourly_limit: 2,
            hourly_window: Duration::from_millis(1500),
            ..Quota::default()
        });
    });
    let info = "/v2/blog/synthetic/info?api_key=test-key";

    let first = send(&server, "GET", info);
    assert_eq!(first.status, 200, "first call served");
    assert_eq!(
        header_number(&first, "x-ratelimit-perhour-remaining"),
        1,
        "hourly remaining after one call"
    );
    assert_eq!(
        header_number(&first, "x-ratelimit-perhour-limit"),
        2,
        "hourly limit"
    );
    assert_eq!(
        header_number(&first, "x-ratelimit-perday-remaining"),
        4999,
        "daily remaining"
    );
    assert_eq!(
        header_number(&first, "x-ratelimit-perday-limit"),
        5000,
        "daily limit"
    );
    assert!(
        header_number(&first, "x-ratelimit-perday-reset") > 86_000,
        "daily reset in seconds"
    );

    let second = send(&server, "GET", info);
    assert_eq!(second.status, 200, "second call served");
    assert_eq!(
        header_number(&second, "x-ratelimit-perhour-remaining"),
        0,
        "hourly quota used up"
    );

    let rejected = send(&server, "GET", info);
    assert_eq!(rejected.status, 429, "third call rejected");
    assert_eq!(
        rejected.json()["meta"]["status"],
        429,
        "429 body in Tumblr's shape"
    );
    assert_eq!(
        header_number(&rejected, "x-ratelimit-perhour-reset"),
        2,
        "reset rounds the rest of 1.5 s up"
    );
    assert_eq!(
        server.quota_used(),
        Some((2, 2)),
        "rejected call not counted"
    );

    let unkeyed = send(&server, "GET", "/v2/blog/synthetic/info");
    assert_eq!(unkeyed.status, 401, "a wrong key is rejected first");
    assert!(
        unkeyed.header("x-ratelimit-perhour-remaining").is_none(),
        "no quota headers without the key"
    );

    thread::sleep(Duration::from_millis(1600));
    let renewed = send(&server, "GET", info);
    assert_eq!(renewed.status, 200, "served after the window ended");
    assert_eq!(
        header_number(&renewed, "x-ratelimit-perhour-remaining"),
        1,
        "a new window"
    );
}

#[test]
fn quota_daily_reset() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.quota = Some(Quota {
            daily_limit: 1,
            ..Quota::default()
        });
    });
    let info = "/v2/blog/synthetic/info?api_key=test-key";
    assert_eq!(send(&server, "GET", info).status, 200, "first call served");
    let rejected = send(&server, "GET", info);
    assert_eq!(rejected.status, 429, "daily quota used up");
    assert_eq!(
        header_number(&rejected, "x-ratelimit-perday-remaining"),
        0,
        "no daily calls left"
    );
    assert_eq!(
        header_number(&rejected, "x-ratelimit-perhour-remaining"),
        999,
        "hourly calls left"
    );
    server.reset_quota();
    assert_eq!(server.quota_used(), Some((0, 0)), "counters cleared");
    assert_eq!(send(&server, "GET", info).status, 200, "served after reset");
    assert_eq!(
        send(&server, "GET", info).status,
        429,
        "the reset keeps the limit"
    );

    server.set_quota(Some(Quota {
        daily_limit: 3,
        ..Quota::default()
    }));
    let replaced = send(&server, "GET", info);
    assert_eq!(replaced.status, 200, "served under the new quota");
    assert_eq!(
        header_number(&replaced, "x-ratelimit-perday-remaining"),
        2,
        "the new limit counts from zero"
    );
    server.set_quota(None);
    let unlimited = send(&server, "GET", info);
    assert!(
        unlimited.header("x-ratelimit-perday-remaining").is_none(),
        "no quota headers after the quota is removed"
    );
    assert_eq!(server.quota_used(), None, "no counters after removal");
}

#[test]
fn quota_absent_no_headers() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let info = send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");
    assert!(
        info.header("x-ratelimit-perhour-remaining").is_none(),
        "no quota headers without a quota"
    );
    assert_eq!(server.quota_used(), None, "no counters");
}

#[test]
fn quota_recorded_429_body() {
    let Some(dir) = fake_tumblr::fixtures_dir() else {
        eprintln!(
            "fixtures not found at {}; skipping",
            fake_tumblr::fixtures_path().display()
        );
        return;
    };
    let mut config = Config::new(&dir);
    config.quota = Some(Quota {
        hourly_limit: 0,
        ..Quota::default()
    });
    let server = FakeTumblr::start(config);
    let rejected = send(
        &server,
        "GET",
        "/v2/blog/example-blog/info?api_key=test-key",
    );
    assert_eq!(rejected.status, 429, "no calls allowed");
    let recorded: Value = serde_json::from_str(
        &fs::read_to_string(dir.join("api-v2/error-responses.json")).expect("read errors"),
    )
    .expect("errors are JSON");
    assert_eq!(
        rejected.json(),
        recorded["limit_exceeded_429"]["body"],
        "the recorded 429 body"
    );
    assert_eq!(
        header_number(&rejected, "x-ratelimit-perhour-remaining"),
        0,
        "current headers, not the recorded ones"
    );
}

#[test]
fn media_range_requests() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let path = "/range/tumblr_r_1280.jpg";
    let full = media_body(path).bytes;

    let whole = send(&server, "GET", path);
    assert_eq!(
        whole.header("accept-ranges"),
        Some("bytes"),
        "ranges advertised"
    );

    let tail = send_with(&server, "GET", path, &["Range: bytes=100-"]);
    assert_eq!(tail.status, 206, "partial content");
    assert_eq!(tail.body, full[100..], "bytes from offset 100");
    let expected_range = format!("bytes 100-{}/{}", full.len() - 1, full.len());
    assert_eq!(
        tail.header("content-range"),
        Some(expected_range.as_str()),
        "Content-Range"
    );
    assert_eq!(
        tail.header("content-length"),
        Some((full.len() - 100).to_string().as_str()),
        "Content-Length of the part"
    );

    let closed = send_with(&server, "GET", path, &["Range: bytes=10-19"]);
    assert_eq!(closed.body, full[10..20], "closed range");

    let beyond = send_with(
        &server,
        "GET",
        path,
        &[&format!("Range: bytes={}-", full.len())],
    );
    assert_eq!(beyond.status, 416, "range beyond the end");
    let unsatisfied = format!("bytes */{}", full.len());
    assert_eq!(
        beyond.header("content-range"),
        Some(unsatisfied.as_str()),
        "416 names the length"
    );

    let (plain, _fixtures) = start_synthetic(|config| config.range_requests = false);
    let ignored = send_with(&plain, "GET", path, &["Range: bytes=100-"]);
    assert_eq!(ignored.status, 200, "ranges disabled");
    assert_eq!(ignored.body, full, "whole file when ranges are disabled");
}

#[test]
fn faults_reset_and_429() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.faults = vec![
            Fault::first(
                1,
                PathMatch::Exact("/rst.jpg".to_string()),
                FaultKind::Reset,
            ),
            Fault::first(
                1,
                PathMatch::Exact("/plain429.jpg".to_string()),
                FaultKind::Status(429),
            ),
            Fault::first(
                1,
                PathMatch::Exact("/dated429.jpg".to_string()),
                FaultKind::RateLimitedUntil {
                    retry_after_secs: 120,
                },
            ),
            Fault::first(
                1,
                PathMatch::Prefix("/v2/blog/synthetic/posts".to_string()),
                FaultKind::Status(500),
            ),
        ];
    });

    let full_len = media_body("/rst.jpg").bytes.len();
    let reset = send(&server, "GET", "/rst.jpg");
    assert_eq!(reset.status, 200, "reset response starts as a success");
    assert_eq!(
        reset.header("content-length"),
        Some(full_len.to_string().as_str()),
        "the full length is announced"
    );
    assert!(
        reset.body.len() < full_len,
        "the body is cut short: {} of {full_len}",
        reset.body.len()
    );
    assert_eq!(
        reset.body.len(),
        full_len / 2,
        "half the body arrives before the reset"
    );
    assert_eq!(
        reset.end_error,
        Some(io::ErrorKind::ConnectionReset),
        "the connection ends with a reset"
    );
    assert_eq!(
        send(&server, "GET", "/rst.jpg").body.len(),
        full_len,
        "served whole after the fault"
    );

    let plain = send(&server, "GET", "/plain429.jpg");
    assert_eq!(plain.status, 429, "429 status");
    assert!(plain.header("retry-after").is_none(), "no Retry-After");

    let dated = send(&server, "GET", "/dated429.jpg");
    assert_eq!(dated.status, 429, "dated 429 status");
    let retry_after = dated.header("retry-after").expect("Retry-After present");
    assert!(
        retry_after.ends_with(" GMT") && retry_after.len() == 29,
        "Retry-After is an HTTP date: {retry_after:?}"
    );

    let page = "/v2/blog/synthetic/posts?api_key=test-key";
    assert_eq!(send(&server, "GET", page).status, 500, "API fault");
    assert_eq!(
        send(&server, "GET", page).status,
        200,
        "API served after it"
    );
}

#[test]
fn faults_slow_response() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.faults = vec![Fault::first(
            1,
            PathMatch::Exact("/slow.png".to_string()),
            FaultKind::Slow(Duration::from_millis(400)),
        )];
    });
    let started = Instant::now();
    let slow = send(&server, "GET", "/slow.png");
    let waited = started.elapsed();
    assert_eq!(slow.status, 200, "slow response succeeds");
    assert!(
        waited >= Duration::from_millis(400),
        "the response waited {waited:?}"
    );
    assert_eq!(slow.body, media_body("/slow.png").bytes, "whole body");

    let (faulted, _fixtures) = start_synthetic(|config| {
        config.faults = vec![Fault::always(
            PathMatch::Exact("/slow.png".to_string()),
            FaultKind::Slow(Duration::from_millis(500)),
        )];
    });
    let mut client = TcpStream::connect(faulted.addr()).expect("connect");
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("set a read timeout");
    client
        .write_all(b"GET /slow.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut buffer = [0u8; 16];
    let first_read = client.read(&mut buffer);
    assert!(
        first_read.is_err(),
        "nothing arrives before a 100 ms client timeout: {first_read:?}"
    );
}

#[test]
fn media_pace_chunks() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.media_pace = Pace {
            before_headers: Duration::from_millis(50),
            chunk_len: 4096,
            between_chunks: Duration::from_millis(20),
        };
    });
    let path = "/paced/tumblr_p_1280.jpg";
    let len = media_body(path).bytes.len();
    let chunks = len.div_ceil(4096) as u32;
    let started = Instant::now();
    let reply = send(&server, "GET", path);
    let waited = started.elapsed();
    assert_eq!(reply.body.len(), len, "whole body arrives");
    let minimum = Duration::from_millis(50) + Duration::from_millis(20) * (chunks - 1);
    assert!(
        waited >= minimum,
        "{chunks} chunks took {waited:?}, expected at least {minimum:?}"
    );
    let api = Instant::now();
    send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");
    assert!(
        api.elapsed() < Duration::from_millis(50),
        "API responses keep their own pace"
    );
}

#[test]
fn completed_bodies_counted() {
    let (server, _fixtures) = start_synthetic(|config| {
        config.faults = vec![
            Fault::first(
                1,
                PathMatch::Exact("/cut.jpg".to_string()),
                FaultKind::Truncated,
            ),
            Fault::first(
                1,
                PathMatch::Exact("/rst.jpg".to_string()),
                FaultKind::Reset,
            ),
            Fault::always(
                PathMatch::Exact("/gone.jpg".to_string()),
                FaultKind::Status(404),
            ),
        ];
    });
    for target in [
        "/cut.jpg",
        "/cut.jpg",
        "/rst.jpg",
        "/rst.jpg",
        "/gone.jpg",
        "/ok.jpg",
    ] {
        send(&server, "GET", target);
    }
    send(&server, "HEAD", "/head.jpg");
    send_with(&server, "GET", "/part.jpg", &["Range: bytes=10-"]);
    send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");

    let counts = server.completed_counts();
    assert_eq!(
        counts.get("/cut.jpg"),
        Some(&1),
        "the truncated body is not counted"
    );
    assert_eq!(
        counts.get("/rst.jpg"),
        Some(&1),
        "the reset body is not counted"
    );
    assert_eq!(counts.get("/ok.jpg"), Some(&1), "a whole body counts");
    assert_eq!(counts.get("/part.jpg"), Some(&1), "a whole 206 counts");
    assert!(!counts.contains_key("/gone.jpg"), "a 404 is not a body");
    assert!(!counts.contains_key("/head.jpg"), "HEAD sends no body");
    assert_eq!(counts.len(), 4, "API responses are not media: {counts:?}");
    let partial: Vec<bool> = server
        .completed_media()
        .iter()
        .filter(|body| body.path == "/part.jpg")
        .map(|body| body.partial)
        .collect();
    assert_eq!(partial, [true], "the 206 is marked partial");
}

#[test]
fn request_times_windowed() {
    let (server, _fixtures) = start_synthetic(|_| {});
    let before = Instant::now();
    for i in 0..3 {
        send(&server, "GET", &format!("/t/{i}.jpg"));
    }
    thread::sleep(Duration::from_millis(1100));
    for i in 3..5 {
        send(&server, "GET", &format!("/t/{i}.jpg"));
    }
    send(&server, "GET", "/v2/blog/synthetic/info?api_key=test-key");

    let requests = server.requests();
    assert!(
        requests.iter().all(|request| request.at >= before),
        "arrival times are after the test started"
    );
    assert!(
        requests.windows(2).all(|pair| pair[0].at <= pair[1].at),
        "arrival times follow the log order"
    );
    assert_eq!(
        server.max_requests_in_window(RequestKind::Media, Duration::from_secs(1)),
        3,
        "three media requests in the first second, two in the next"
    );
    assert_eq!(
        server.max_requests_in_window(RequestKind::Api, Duration::from_secs(1)),
        1,
        "one API request"
    );
}
