//! Tests of the fake Tumblr over real TCP connections: API paging and
//! errors, media bytes, fault injection, the request log and shutdown.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

use fake_tumblr::{
    BARE_POSTS_FILE, Config, FakeTumblr, Fault, FaultKind, PathMatch, RequestKind, media_body,
};
use serde_json::{Value, json};

/// A fixtures folder written for one test and removed when dropped.
struct TempFixtures {
    dir: PathBuf,
}

impl Drop for TempFixtures {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

fn post(id: u64, post_type: &str) -> Value {
    json!({"id": id, "id_string": id.to_string(), "type": post_type, "blog_name": "synthetic"})
}

/// Writes a fixtures folder with seven posts: ids 1 to 4 in `posts-a.json`,
/// 5 and 6 in `posts-b.json`, and 7 in the bare array file.
fn synthetic_fixtures() -> TempFixtures {
    let dir = std::env::temp_dir().join(format!(
        "fake-tumblr-test-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, Ordering::Relaxed)
    ));
    let api = dir.join("api-v2");
    fs::create_dir_all(&api).expect("create the synthetic fixtures folder");

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
        fs::write(api.join(name), body.to_string()).expect("write a synthetic fixture");
    }
    TempFixtures { dir }
}

/// A response read off the wire.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// Sends one request with `Connection: close` and reads until the server
/// closes, keeping whatever arrived before a reset.
fn send(server: &FakeTumblr, method: &str, target: &str) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).expect("connect to the fake server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nX-Probe: yes\r\nConnection: close\r\n\r\n",
        server.addr()
    );
    stream
        .write_all(request.as_bytes())
        .expect("send the request");

    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => raw.extend_from_slice(&buffer[..read]),
        }
    }

    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("the response has a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a numeric status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
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
