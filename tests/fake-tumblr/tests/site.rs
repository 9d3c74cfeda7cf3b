//! Tests of the blog's own pages over real TCP connections: the v1 read
//! API at `/api/read/json` and the themed index and permalink pages, both
//! built from the posts that the v2 routes serve.

mod common;

use common::{TempFixtures, send_with};
use fake_tumblr::{
    Config, FakeTumblr, POSTS_PER_PAGE, PhotoSize, RequestKind, SyntheticBlog, photo_count,
    photo_post, photo_url, post_id, text_post, video_post,
};
use serde_json::{Value, json};

const BLOG: &str = "site-blog";

fn write_fixtures() -> TempFixtures {
    let info = json!({"meta": {"status": 200, "msg": "OK"},
        "response": {"blog": {"name": BLOG, "title": "Site Blog", "total_posts": 0}}});
    TempFixtures::with_info("site", &info)
}

fn start(configure: impl FnOnce(&mut Config)) -> (FakeTumblr, TempFixtures) {
    let fixtures = write_fixtures();
    let mut config = Config::new(&fixtures.dir);
    configure(&mut config);
    (FakeTumblr::start(config), fixtures)
}

/// Sends `GET target` and returns the status and the body as text.
fn get(server: &FakeTumblr, target: &str) -> (u16, String) {
    let reply = send_with(server, "GET", target, &[]);
    (reply.status, reply.text())
}

/// Parses the JSON inside `var tumblr_api_read = …;`.
fn v1_json(body: &str) -> Value {
    let json = body
        .trim()
        .strip_prefix("var tumblr_api_read = ")
        .and_then(|rest| rest.strip_suffix(';'))
        .unwrap_or_else(|| panic!("body is not the v1 wrapper: {body}"));
    serde_json::from_str(json).expect("the wrapped value is JSON")
}

fn v1_ids(page: &Value) -> Vec<String> {
    page["posts"]
        .as_array()
        .expect("posts is an array")
        .iter()
        .map(|post| post["id"].as_str().expect("v1 id is a string").to_string())
        .collect()
}

#[test]
fn v1_pages_cover_blog() {
    let (server, _fixtures) = start(|config| config.synthetic = Some(SyntheticBlog::new(25)));
    let mut ids = Vec::new();
    for start in [0, 10, 20] {
        let (status, body) = get(&server, &format!("/api/read/json?start={start}&num=10"));
        assert_eq!(status, 200, "status of start={start}");
        let page = v1_json(&body);
        assert_eq!(page["posts-total"], 25, "posts-total at start={start}");
        assert_eq!(page["posts-start"], start, "posts-start");
        assert_eq!(page["tumblelog"]["name"], BLOG, "tumblelog name");
        ids.extend(v1_ids(&page));
    }
    let expected: Vec<String> = (0..25).map(|index| post_id(index).to_string()).collect();
    assert_eq!(ids, expected, "every post once, newest first");

    let (_, body) = get(&server, "/api/read/json?start=0&num=3");
    let page = v1_json(&body);
    for index in 0..3 {
        let post = &page["posts"][index];
        assert_eq!(post["type"], "photo", "type of post {index}");
        assert_eq!(
            post["photo-url-1280"],
            photo_url(index, 0),
            "first photo of post {index}"
        );
        let set = post["photos"].as_array().expect("photos array");
        let expected_len = if photo_count(index) > 1 {
            photo_count(index)
        } else {
            0
        };
        assert_eq!(set.len(), expected_len, "photos of post {index}");
        for (photo, entry) in set.iter().enumerate() {
            assert_eq!(
                entry["photo-url-1280"],
                photo_url(index, photo),
                "photo {photo} of post {index}"
            );
        }
    }
}

#[test]
fn v1_num_clamped() {
    let (server, _fixtures) = start(|config| config.synthetic = Some(SyntheticBlog::new(60)));
    let (_, body) = get(&server, "/api/read/json?start=0&num=100");
    assert_eq!(v1_ids(&v1_json(&body)).len(), 50, "at most 50 posts");
    let (_, body) = get(&server, "/api/read/json?start=55");
    assert_eq!(v1_ids(&v1_json(&body)).len(), 5, "the last 5 posts");
    let (_, body) = get(&server, "/api/read/json?start=60&num=10");
    assert!(v1_ids(&v1_json(&body)).is_empty(), "past the end");
}

/// Returns the ids of the permalinks on an index page.
fn permalink_ids(html: &str) -> Vec<String> {
    let marker = format!("https://{BLOG}.tumblr.com/post/");
    html.split(&marker)
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn themed_index_paging() {
    let (server, _fixtures) = start(|config| config.synthetic = Some(SyntheticBlog::new(25)));
    let expected: Vec<String> = (0..25).map(|index| post_id(index).to_string()).collect();
    let pages = [
        ("/", 0..10, true),
        ("/page/2", 10..20, true),
        ("/page/3", 20..25, false),
    ];
    for (number, (path, range, has_next)) in pages.into_iter().enumerate() {
        let (status, html) = get(&server, path);
        assert_eq!(status, 200, "status of {path}");
        assert_eq!(
            permalink_ids(&html),
            expected[range].to_vec(),
            "permalinks of {path}"
        );
        let next = format!("https://{BLOG}.tumblr.com/page/{}\"", number + 2);
        assert_eq!(html.contains(&next), has_next, "next link on {path}");
    }
    let (status, html) = get(&server, "/page/4");
    assert_eq!(status, 200, "a page past the end exists");
    assert!(permalink_ids(&html).is_empty(), "and lists no post");
    assert_eq!(POSTS_PER_PAGE, 10, "page size");
    let (status, _) = get(&server, "/page/0");
    assert_eq!(status, 404, "page 0 does not exist");
}

fn sized(name: &str) -> Vec<PhotoSize> {
    vec![
        PhotoSize::new(
            &format!("https://64.media.tumblr.com/{name}_1280.jpg"),
            1280,
            960,
        ),
        PhotoSize::new(
            &format!("https://64.media.tumblr.com/{name}_500.jpg"),
            500,
            375,
        ),
    ]
}

#[test]
fn themed_permalink_media() {
    let posts = vec![
        photo_post(BLOG, 40, 1_600_000_000, &[sized("a")]),
        photo_post(BLOG, 30, 1_599_000_000, &[sized("b"), sized("c")]),
        text_post(
            BLOG,
            20,
            1_598_000_000,
            "<p>Hi <img src=\"https://64.media.tumblr.com/inline_540.jpg\"></p>",
        ),
        video_post(
            BLOG,
            10,
            1_597_000_000,
            "https://va.media.tumblr.com/tumblr_v.mp4",
            480,
            270,
        ),
    ];
    let (server, _fixtures) = start(|config| config.posts = Some(posts));

    let (status, photo) = get(&server, "/post/40/some-slug");
    assert_eq!(status, 200, "photo permalink");
    assert!(
        photo.contains("<img src=\"https://64.media.tumblr.com/a_1280.jpg\""),
        "photo as img: {photo}"
    );
    assert!(
        photo.contains("https://64.media.tumblr.com/a_500.jpg 500w"),
        "smaller size in srcset: {photo}"
    );
    assert!(
        photo.contains("<time datetime=\"2020-09-13T12:26:40Z\">"),
        "post time: {photo}"
    );

    let (_, photoset) = get(&server, "/post/30");
    let frame = format!("https://{BLOG}.tumblr.com/post/30/photoset_iframe/");
    let frame_start = photoset
        .find(&frame)
        .unwrap_or_else(|| panic!("photoset frame: {photoset}"));
    let frame_url = &photoset[frame_start..];
    let frame_url = &frame_url[..frame_url.find('"').expect("closing quote")];
    let frame_path = frame_url.trim_start_matches(&format!("https://{BLOG}.tumblr.com"));
    let (status, frame_html) = get(&server, frame_path);
    assert_eq!(status, 200, "photoset frame status");
    for name in ["b", "c"] {
        let link = format!("href=\"https://64.media.tumblr.com/{name}_1280.jpg\"");
        assert!(frame_html.contains(&link), "photo {name} in the frame");
    }

    let (_, text) = get(&server, "/post/20");
    assert!(
        text.contains("<img src=\"https://64.media.tumblr.com/inline_540.jpg\">"),
        "inline image kept: {text}"
    );
    let (_, video) = get(&server, "/post/10");
    assert!(
        video.contains("<source src=\"https://va.media.tumblr.com/tumblr_v.mp4\""),
        "video source: {video}"
    );

    let (status, _) = get(&server, "/post/99");
    assert_eq!(status, 404, "unknown post");
    let kinds: Vec<RequestKind> = server.requests().iter().map(|r| r.kind).collect();
    assert!(
        kinds.iter().all(|kind| *kind == RequestKind::Site),
        "every page is a site request: {kinds:?}"
    );
}

#[test]
fn site_blog_not_found() {
    let (server, _fixtures) = start(|config| {
        config.synthetic = Some(SyntheticBlog::new(3));
        config.not_found_blogs = vec![format!("{BLOG}.tumblr.com")];
    });
    for path in ["/api/read/json?start=0&num=20", "/", "/post/1"] {
        let (status, _) = get(&server, path);
        assert_eq!(status, 404, "status of {path}");
    }
}
