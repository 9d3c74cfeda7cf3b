//! Tests over real TCP connections of the fake Tumblr's routes for best
//! resolution and the Internet Archive: configured posts, media bodies
//! whose headers state a size, Tumblr image pages, the CDX index and the
//! replay of captures.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fake_tumblr::{
    CDX_FIELDS, Capture, CdxMode, Config, EXCLUDED_BODY_FILE, FakeTumblr, PhotoSize, RequestKind,
    jpeg_image, media_body, photo_post, png_image, video_post, webp_image,
};
use serde_json::{Value, json};

/// A fixtures folder with only the blog info and error bodies, removed
/// when dropped.
struct TempFixtures {
    dir: PathBuf,
}

impl Drop for TempFixtures {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

fn minimal_fixtures() -> TempFixtures {
    let dir = std::env::temp_dir().join(format!(
        "fake-tumblr-resolution-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, Ordering::Relaxed)
    ));
    let api = dir.join("api-v2");
    fs::create_dir_all(&api).expect("create the fixtures folder");
    let info = json!({"meta": {"status": 200, "msg": "OK"},
        "response": {"blog": {"name": "blog", "title": "Blog", "posts": 0}}});
    fs::write(api.join("blog-info.json"), info.to_string()).expect("write the blog info");
    fs::write(api.join("error-responses.json"), "{}").expect("write the error bodies");
    TempFixtures { dir }
}

fn start(configure: impl FnOnce(&mut Config)) -> (FakeTumblr, TempFixtures) {
    let fixtures = minimal_fixtures();
    let mut config = Config::new(&fixtures.dir);
    configure(&mut config);
    (FakeTumblr::start(config), fixtures)
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
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "the body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one GET with `Connection: close` and the given header lines, and
/// reads the response until the server closes.
fn get(server: &FakeTumblr, target: &str, headers: &[&str]) -> Reply {
    let mut stream = TcpStream::connect(server.addr()).expect("connect to the fake server");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    let mut request = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.addr()
    );
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    stream
        .write_all(request.as_bytes())
        .expect("send the request");
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("read the response to its end");

    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("the response has a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line with a numeric status");
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

const HTML_ACCEPT: &str = "Accept: text/html,application/xhtml+xml";

#[test]
fn posts_configured_served() {
    let photo = photo_post(
        "blog",
        200,
        1_600_000_000,
        &[vec![PhotoSize::new(
            "https://64.media.tumblr.com/h/tumblr_xo1_500.jpg",
            500,
            375,
        )]],
    );
    let video = video_post(
        "blog",
        100,
        1_500_000_000,
        "https://vt.tumblr.com/tumblr_x_480.mp4",
        480,
        270,
    );
    let (server, _fixtures) = start(|config| config.posts = Some(vec![photo, video]));
    let reply = get(&server, "/v2/blog/blog/posts?api_key=test-key", &[]);
    assert_eq!(reply.status, 200, "posts status: {}", reply.text());
    let posts = reply.json()["response"]["posts"].clone();
    assert_eq!(posts[0]["id"], 200, "first post is the photo post");
    assert_eq!(posts[1]["id"], 100, "second post is the video post");
    assert_eq!(
        posts[1]["video_url"], "https://vt.tumblr.com/tumblr_x_480.mp4",
        "video URL as configured"
    );
    assert_eq!(
        reply.json()["response"]["total_posts"],
        2,
        "total of the configured posts"
    );
    assert_eq!(server.served_posts().len(), 2, "served_posts lists both");
}

#[test]
fn media_files_served() {
    let gifv = "/h/tumblr_xo1_400.gifv";
    let jpeg = "/h/tumblr_xo1_1280.jpg";
    let png = "/h/tumblr_xo1_500.png";
    let (server, _fixtures) = start(|config| {
        config
            .media_files
            .insert(gifv.to_string(), webp_image(400, 300, gifv));
        config
            .media_files
            .insert(jpeg.to_string(), jpeg_image(1280, 960, jpeg));
        config
            .media_files
            .insert(png.to_string(), png_image(500, 375, png));
    });

    let reply = get(&server, gifv, &[]);
    assert_eq!(reply.status, 200, "gifv status");
    assert_eq!(
        reply.header("Content-Type"),
        Some("image/webp"),
        "gifv content type"
    );
    assert_eq!(reply.body, webp_image(400, 300, gifv).bytes, "gifv bytes");
    assert_eq!(&reply.body[8..16], b"WEBPVP8X", "gifv is an extended WebP");

    let reply = get(&server, jpeg, &[]);
    assert_eq!(reply.body, jpeg_image(1280, 960, jpeg).bytes, "JPEG bytes");
    assert_eq!(
        reply.header("Content-Type"),
        Some("image/jpeg"),
        "JPEG content type"
    );
    let reply = get(&server, png, &[]);
    assert_eq!(reply.body, png_image(500, 375, png).bytes, "PNG bytes");

    let reply = get(&server, jpeg, &["Range: bytes=10-19"]);
    assert_eq!(reply.status, 206, "range of a configured body");
    assert_eq!(
        reply.body,
        jpeg_image(1280, 960, jpeg).bytes[10..20].to_vec(),
        "bytes of the range"
    );

    let other = "/h/tumblr_xo1_250.jpg";
    let reply = get(&server, other, &[]);
    assert_eq!(
        reply.body,
        media_body(other).bytes,
        "other paths keep the generated bytes"
    );
}

#[test]
fn image_page_configured() {
    let page = "/h/0123456789abcdef-80/s99999x99999/f.jpg";
    let original = "https://64.media.tumblr.com/h/0123456789abcdef-80/s4000x3000/g.jpg?s=1&t=2";
    let (server, _fixtures) = start(|config| {
        config
            .image_pages
            .insert(page.to_string(), original.to_string());
    });

    let reply = get(&server, page, &[HTML_ACCEPT]);
    assert_eq!(reply.status, 200, "page status");
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/html; charset=utf-8"),
        "page content type"
    );
    let html = reply.text();
    assert!(
        html.contains(
            "src=\"https://64.media.tumblr.com/h/0123456789abcdef-80/s4000x3000/g.jpg?s=1&amp;t=2\""
        ),
        "the page names the original: {html}"
    );

    let reply = get(&server, page, &["Accept: image/webp,*/*"]);
    assert_eq!(reply.status, 200, "image accept status");
    assert_eq!(
        reply.body,
        media_body(page).bytes,
        "an image accept gets media bytes"
    );

    let missing = "/h/fedcba9876543210-80/s99999x99999/f.jpg";
    let reply = get(&server, missing, &[HTML_ACCEPT]);
    assert_eq!(reply.status, 404, "an unconfigured page is not found");
    assert!(
        reply.text().contains("<html"),
        "the 404 body is a page: {}",
        reply.text()
    );
    let kinds: Vec<RequestKind> = server
        .requests()
        .iter()
        .map(|request| request.kind)
        .collect();
    assert_eq!(
        kinds,
        [RequestKind::Media; 3],
        "image pages are logged as media"
    );
}

const ORIGIN: &str = "https://64.media.tumblr.com";

fn captures() -> Vec<Capture> {
    let url = |name: &str| format!("{ORIGIN}/h/{name}");
    vec![
        Capture::new(
            "20150101000000",
            &url("tumblr_xo1_500.jpg"),
            jpeg_image(500, 375, "a"),
        ),
        Capture::new(
            "20160101000000",
            &url("tumblr_xo1_1280.jpg"),
            jpeg_image(1280, 960, "b"),
        ),
        Capture::new(
            "20190101000000",
            &url("tumblr_xo1_1280.jpg"),
            media_body("/not-found-page.txt"),
        )
        .with_status(404),
        Capture::new(
            "20170101000000",
            &url("tumblr_other_500.jpg"),
            jpeg_image(500, 375, "d"),
        ),
    ]
}

/// Returns the CDX rows of a JSON response after its header row.
fn rows(reply: &Reply) -> Vec<Vec<String>> {
    let table: Vec<Vec<String>> =
        serde_json::from_value(reply.json()).expect("the answer is an array of string arrays");
    table.into_iter().skip(1).collect()
}

#[test]
fn cdx_exact_match() {
    let (server, _fixtures) = start(|config| config.wayback.captures = captures());
    let query = "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Ftumblr_xo1_500.jpg&output=json\
&filter=statuscode%3A200&fl=timestamp%2Coriginal%2Cmimetype%2Cstatuscode%2Clength&limit=200";
    let reply = get(&server, query, &[]);
    assert_eq!(reply.status, 200, "CDX status: {}", reply.text());
    let table = reply.json();
    assert_eq!(
        table[0],
        json!(["timestamp", "original", "mimetype", "statuscode", "length"]),
        "header row names the fl fields"
    );
    let length = jpeg_image(500, 375, "a").bytes.len().to_string();
    assert_eq!(
        rows(&reply),
        vec![vec![
            "20150101000000".to_string(),
            format!("{ORIGIN}/h/tumblr_xo1_500.jpg"),
            "image/jpeg".to_string(),
            "200".to_string(),
            length,
        ]],
        "the one exact capture"
    );

    let with_scheme =
        "/cdx/search/cdx?url=http%3A%2F%2F64.media.tumblr.com%2Fh%2Ftumblr_xo1_500.jpg&output=json";
    let reply = get(&server, with_scheme, &[]);
    assert_eq!(rows(&reply).len(), 1, "the scheme of url is ignored");
    assert_eq!(
        reply.json()[0],
        json!(CDX_FIELDS),
        "all seven fields without fl"
    );

    let none = "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Fnothing.jpg&output=json";
    assert_eq!(
        get(&server, none, &[]).json(),
        json!([]),
        "no match is an empty array"
    );
    assert_eq!(
        server.requests()[0].kind,
        RequestKind::Archive,
        "CDX requests are logged as archive requests"
    );
}

#[test]
fn cdx_prefix_filter_limit() {
    let (server, _fixtures) = start(|config| config.wayback.captures = captures());
    let base = "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Ftumblr_xo1_&matchType=prefix&output=json&fl=timestamp%2Cstatuscode";
    let timestamps = |reply: &Reply| -> Vec<String> {
        rows(reply).into_iter().map(|row| row[0].clone()).collect()
    };

    let all = get(&server, base, &[]);
    assert_eq!(
        timestamps(&all),
        ["20160101000000", "20190101000000", "20150101000000"],
        "every size, sorted by URL key then timestamp"
    );
    let ok_only = get(&server, &format!("{base}&filter=statuscode:200"), &[]);
    assert_eq!(
        timestamps(&ok_only),
        ["20160101000000", "20150101000000"],
        "the 404 capture is filtered out"
    );
    let negated = get(&server, &format!("{base}&filter=!statuscode:200"), &[]);
    assert_eq!(
        timestamps(&negated),
        ["20190101000000"],
        "a negated filter keeps only the 404"
    );
    let limited = get(&server, &format!("{base}&limit=1"), &[]);
    assert_eq!(timestamps(&limited), ["20160101000000"], "limit 1");

    let star = "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Ftumblr_*&output=json&fl=timestamp";
    assert_eq!(
        rows(&get(&server, star, &[])).len(),
        4,
        "a trailing star matches a prefix"
    );

    let text = get(
        &server,
        "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Ftumblr_other_500.jpg&fl=timestamp,statuscode",
        &[],
    );
    assert_eq!(
        text.text(),
        "20170101000000 200\n",
        "text output without header"
    );

    let bad = get(&server, "/cdx/search/cdx?url=a.com&fl=nope", &[]);
    assert_eq!(bad.status, 400, "unknown field is rejected");
}

#[test]
fn cdx_excluded_recorded_body() {
    let recorded = "RuntimeIOException: Blocked Site Error (recorded)\n";
    let (server, fixtures) = start(|config| config.wayback.cdx = CdxMode::Excluded);
    let body_path = fixtures.dir.join(EXCLUDED_BODY_FILE);
    fs::create_dir_all(body_path.parent().expect("the body file has a folder"))
        .expect("create the wayback folder");
    fs::write(&body_path, recorded).expect("write the recorded body");

    let reply = get(
        &server,
        "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Fa.jpg&output=json",
        &[],
    );
    assert_eq!(reply.status, 403, "excluded site status");
    assert_eq!(reply.text(), recorded, "the recorded body is sent");
    assert!(
        reply
            .header("X-Archive-Wayback-Runtime-Error")
            .is_some_and(|value| value.contains("AdministrativeAccessControlException")),
        "runtime error header"
    );
}

#[test]
fn cdx_excluded_default_body() {
    let (server, _fixtures) = start(|config| config.wayback.cdx = CdxMode::Excluded);
    let reply = get(&server, "/cdx/search/cdx?url=a.com%2Fb&output=json", &[]);
    assert_eq!(reply.status, 403, "excluded site status");
    assert!(
        reply.text().contains("Blocked Site Error"),
        "built-in body: {}",
        reply.text()
    );
}

#[test]
fn cdx_unavailable_503() {
    let (server, _fixtures) = start(|config| {
        config.wayback.captures = captures();
        config.wayback.cdx = CdxMode::Unavailable;
    });
    let reply = get(
        &server,
        "/cdx/search/cdx?url=64.media.tumblr.com%2Fh%2Ftumblr_xo1_500.jpg&output=json",
        &[],
    );
    assert_eq!(reply.status, 503, "unavailable status");
}

#[test]
fn web_raw_capture() {
    let all = captures();
    let (server, _fixtures) = start(|config| config.wayback.captures = all.clone());
    let first = &all[0];

    let reply = get(&server, &first.raw_path(), &[]);
    assert_eq!(reply.status, 200, "raw capture status");
    assert_eq!(reply.body, first.body.bytes, "raw capture bytes");
    assert_eq!(
        reply.header("Content-Type"),
        Some("image/jpeg"),
        "raw capture content type"
    );
    assert_eq!(
        reply.header("Link"),
        Some(format!("<{}>; rel=\"original\"", first.original).as_str()),
        "link to the original"
    );

    let plain_http = format!(
        "/web/{}id_/http://64.media.tumblr.com/h/tumblr_xo1_500.jpg",
        first.timestamp
    );
    assert_eq!(
        get(&server, &plain_http, &[]).body,
        first.body.bytes,
        "the scheme does not matter"
    );

    let error_capture = &all[2];
    let reply = get(&server, &error_capture.raw_path(), &[]);
    assert_eq!(reply.status, 404, "a capture of a 404 replays its status");

    let page = get(
        &server,
        &format!("/web/{}/{}", first.timestamp, first.original),
        &[],
    );
    assert_eq!(page.status, 200, "replay page status");
    assert!(
        page.text().starts_with("<!DOCTYPE html>"),
        "without a modifier the capture is shown in a page"
    );

    let kinds: Vec<RequestKind> = server
        .requests()
        .iter()
        .map(|request| request.kind)
        .collect();
    assert!(
        kinds.iter().all(|kind| *kind == RequestKind::Archive),
        "replays are logged as archive requests: {kinds:?}"
    );
}

#[test]
fn web_redirects_to_capture() {
    let all = captures();
    let (server, _fixtures) = start(|config| config.wayback.captures = all.clone());
    let large = format!("{ORIGIN}/h/tumblr_xo1_1280.jpg");

    let reply = get(&server, &format!("/web/20170601000000id_/{large}"), &[]);
    assert_eq!(reply.status, 302, "another timestamp redirects");
    assert_eq!(
        reply.header("Location"),
        Some(format!("/web/20160101000000id_/{large}").as_str()),
        "to the closest capture"
    );
    assert_eq!(
        reply.header("X-Archive-Redirect-Reason"),
        Some("found capture at 20160101000000"),
        "redirect reason"
    );

    let reply = get(&server, &format!("/web/2019id_/{large}"), &[]);
    assert_eq!(
        reply.header("Location"),
        Some(format!("/web/20190101000000id_/{large}").as_str()),
        "a partial timestamp redirects to the closest capture"
    );

    let reply = get(&server, &format!("/web/{large}"), &[]);
    assert_eq!(reply.status, 302, "no timestamp redirects");
    assert_eq!(
        reply.header("Location"),
        Some(format!("/web/20190101000000/{large}").as_str()),
        "to the newest capture"
    );

    let reply = get(
        &server,
        &format!("/web/20150101000000id_/{ORIGIN}/h/never.jpg"),
        &[],
    );
    assert_eq!(reply.status, 404, "a URL without captures is not found");
}
