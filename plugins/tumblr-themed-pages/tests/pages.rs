//! Runs themed pages through the exported `start` and `parse`: a recorded
//! index page of a real 2013 theme (three text posts and a `Next` link),
//! Tumblr's real 404 page, and permalink pages written here for photosets,
//! video and audio.
//!
//! Fixtures are read from the folder in `TUMBLR_FIXTURES`, by default
//! `fixtures/tumblr` of the shared folder next to the repository. When that
//! folder is missing the fixture tests print that they are skipped and
//! pass, except when `CI` is `true`, where they fail.

use tumblr_themed_pages::TumblrThemedPages;
use tumblr_themed_pages::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_themed_pages::tumblr_archiver::plugin::types::{
    HttpRequest, HttpResponse, MediaKind, Page, PluginError, Post,
};

use plugin_sdk::fixtures::fixture;

fn front_page_request() -> HttpRequest {
    match TumblrThemedPages::start("example-blog".to_owned(), Vec::new()) {
        Ok(mut requests) if requests.len() == 1 => requests.remove(0),
        other => panic!("start gave {other:?}"),
    }
}

fn respond(request: &HttpRequest, status: u16, body: &[u8]) -> Result<Page, PluginError> {
    let response = HttpResponse {
        url: request.url.clone(),
        status,
        headers: vec![("content-type".to_owned(), "text/html".to_owned())],
        body: body.to_vec(),
    };
    TumblrThemedPages::parse(request.clone(), response)
}

fn page_of(result: Result<Page, PluginError>) -> Page {
    match result {
        Ok(page) => page,
        Err(error) => panic!("parse failed: {error:?}"),
    }
}

fn urls(page: &Page) -> Vec<&str> {
    page.next.iter().map(|r| r.url.as_str()).collect()
}

/// Returns the request for the permalink of post `id`, as the front page
/// returns it for a page that links to that post.
fn permalink_request(id: &str) -> HttpRequest {
    let html = format!("<html><body><a href=\"/post/{id}/slug\">x</a></body></html>");
    let page = page_of(respond(&front_page_request(), 200, html.as_bytes()));
    match page.next.into_iter().next() {
        Some(request) => request,
        None => panic!("front page linking to {id} requested nothing"),
    }
}

fn media_rows(post: &Post) -> Vec<(&str, MediaKind)> {
    post.media
        .iter()
        .map(|item| (item.url.as_str(), item.kind))
        .collect()
}

#[test]
fn index_2013_posts_and_next_page() {
    let Some(body) = fixture("html/themed-blog-index-2013.html") else {
        return;
    };
    let front = front_page_request();
    assert_eq!(front.url, "https://example-blog.tumblr.com/");
    let page = page_of(respond(&front, 200, &body));

    assert!(page.posts.is_empty());
    let blog = page
        .blog
        .as_ref()
        .map(|b| (b.name.as_str(), b.title.as_str()));
    assert_eq!(blog, Some(("example-blog", "Example Blog")));
    assert_eq!(
        urls(&page),
        [
            "https://example-blog.tumblr.com/post/42617330915",
            "https://example-blog.tumblr.com/post/42478802216",
            "https://example-blog.tumblr.com/post/41966093402",
            "https://example-blog.tumblr.com/page/2",
        ]
    );

    // Page 2 lists the same three posts again, as a theme that repeats its
    // last page does, so the crawl ends there.
    let second = &page.next[3];
    let repeat = page_of(respond(second, 200, &body));
    assert!(repeat.next.is_empty(), "{:?}", urls(&repeat));
    assert!(repeat.blog.is_none());

    // An empty page 2 ends it too.
    let empty = page_of(respond(second, 200, b"<html><body>No posts</body></html>"));
    assert!(empty.next.is_empty());
}

#[test]
fn not_found_page_is_not_found() {
    let Some(body) = fixture("html/blog-not-found-404.html") else {
        return;
    };
    let result = respond(&front_page_request(), 404, &body);
    let Err(PluginError::NotFound(message)) = result else {
        panic!("HTTP 404 gave {result:?}");
    };
    assert!(message.contains("\"example-blog\""), "{message}");
}

#[test]
fn front_page_not_html() {
    let result = respond(&front_page_request(), 200, b"{\"meta\": 1}");
    let Err(PluginError::BadResponse(message)) = result else {
        panic!("JSON front page gave {result:?}");
    };
    assert!(
        message.contains("https://example-blog.tumblr.com/"),
        "{message}"
    );
}

#[test]
fn later_pages_link_to_page_after() {
    let html = r#"<html><body>
        <a href="https://example-blog.tumblr.com/post/5">a</a>
        <a href="https://other-blog.tumblr.com/post/6">reblogged from</a>
        <a href="/page/3" rel="next">Older</a></body></html>"#;
    let front = page_of(respond(&front_page_request(), 200, html.as_bytes()));
    // Page 1 has no link to page 2, so the scraper builds it.
    assert_eq!(
        urls(&front),
        [
            "https://example-blog.tumblr.com/post/5",
            "https://example-blog.tumblr.com/page/2",
        ]
    );
    let second = page_of(respond(
        &front.next[1],
        200,
        b"<a href=/post/7>b</a><a href='/page/3'>n</a>",
    ));
    assert_eq!(
        urls(&second),
        [
            "https://example-blog.tumblr.com/post/7",
            "https://example-blog.tumblr.com/page/3",
        ]
    );
}

const PHOTOSET_PERMALINK: &str = r#"<!DOCTYPE html>
<html><head><title>Example Blog</title>
<link rel="canonical" href="https://example-blog.tumblr.com/post/900/sunset-set">
</head><body>
<header><img src="https://64.media.tumblr.com/tumblr_header1_1280.png" alt="header"></header>
<div id="posts">
  <div class="post" id="post-900">
    <iframe class="photoset" src="/post/900/photoset_iframe/example-blog/tumblr_set9/500/false" width="500"></iframe>
    <p>Sunset <b>set</b> caption.</p>
    <div class="meta">
      <time datetime="2014-05-06T07:08:09Z">May 6th</time>
      <a href="/tagged/sunset">#sunset</a>
      <a href="https://example-blog.tumblr.com/tagged/golden-hour"></a>
    </div>
  </div>
</div>
<img src="http://www.tumblr.com/impixu?T=1">
</body></html>"#;

const PHOTOSET_FRAME: &str = r#"<html><body><div class="photoset">
  <div class="photoset_row">
    <a href="https://64.media.tumblr.com/aaaabbbbccccddddeeeeffff00001111/tumblr_set9o1_1280.jpg" class="photoset_photo">
      <img src="https://64.media.tumblr.com/aaaabbbbccccddddeeeeffff00001111/tumblr_set9o1_500.jpg"></a>
    <a href="https://64.media.tumblr.com/22223333444455556666777788889999/tumblr_set9o2_1280.gif" class="photoset_photo">
      <img src="https://64.media.tumblr.com/22223333444455556666777788889999/tumblr_set9o2_500.gif"></a>
  </div></div></body></html>"#;

#[test]
fn photoset_permalink_waits_for_frame() {
    let request = permalink_request("900");
    assert_eq!(request.url, "https://example-blog.tumblr.com/post/900");
    let page = page_of(respond(&request, 200, PHOTOSET_PERMALINK.as_bytes()));
    assert!(page.posts.is_empty(), "the post must wait for its photos");
    assert_eq!(
        urls(&page),
        [
            "https://example-blog.tumblr.com/post/900/photoset_iframe/example-blog/tumblr_set9/500/false"
        ]
    );

    let done = page_of(respond(&page.next[0], 200, PHOTOSET_FRAME.as_bytes()));
    assert!(done.next.is_empty());
    assert_eq!(done.posts.len(), 1);
    let post = &done.posts[0];
    assert_eq!(post.id, "900");
    assert_eq!(
        post.url,
        "https://example-blog.tumblr.com/post/900/sunset-set"
    );
    assert_eq!(post.blog, "example-blog");
    assert_eq!(post.timestamp, 1_399_360_089);
    assert_eq!(post.post_type, "photo");
    assert_eq!(post.tags, ["sunset", "golden hour"]);
    assert!(
        post.summary.contains("Sunset set caption."),
        "{}",
        post.summary
    );
    let first = "https://64.media.tumblr.com/aaaabbbbccccddddeeeeffff00001111/tumblr_set9o1";
    let second = "https://64.media.tumblr.com/22223333444455556666777788889999/tumblr_set9o2";
    assert_eq!(
        media_rows(post),
        [
            (format!("{first}_1280.jpg").as_str(), MediaKind::Image),
            (format!("{second}_1280.gif").as_str(), MediaKind::Gif),
        ]
    );
    let alternates: Vec<Vec<&str>> = post
        .media
        .iter()
        .map(|m| m.alternates.iter().map(|a| a.url.as_str()).collect())
        .collect();
    assert_eq!(
        alternates,
        [
            vec![format!("{first}_500.jpg").as_str()],
            vec![format!("{second}_500.gif").as_str()],
        ]
    );
}

#[test]
fn photoset_frame_failure_keeps_post() {
    let request = permalink_request("900");
    let page = page_of(respond(&request, 200, PHOTOSET_PERMALINK.as_bytes()));
    let done = page_of(respond(&page.next[0], 404, b"gone"));
    assert_eq!(done.posts.len(), 1);
    assert_eq!(done.posts[0].id, "900");
    assert!(done.posts[0].media.is_empty());
}

#[test]
fn video_permalink_media() {
    let html = r#"<html><body>
<img src="https://64.media.tumblr.com/tumblr_header2_1280.png">
<article class="post">
  <video poster="https://64.media.tumblr.com/tumblr_vid1_frame1.jpg" controls>
    <source src="https://va.media.tumblr.com/tumblr_vid1.mp4" type="video/mp4">
  </video>
  <img srcset="https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/a1-b2/s400x600/small.jpg 400w, https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/a1-b2/s1280x1920/large.jpg 1280w"
       src="https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/a1-b2/s400x600/small.jpg">
  <iframe src="https://www.youtube.com/embed/abc123"></iframe>
  <script>var x = "<img src='https://x.test/script.jpg'>";</script>
</article></body></html>"#;
    let request = permalink_request("901");
    let page = page_of(respond(&request, 200, html.as_bytes()));
    assert!(page.next.is_empty());
    let post = &page.posts[0];
    assert_eq!(post.timestamp, 0);
    assert!(post.tags.is_empty());
    let large =
        "https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/a1-b2/s1280x1920/large.jpg";
    assert_eq!(
        media_rows(post),
        [
            (
                "https://va.media.tumblr.com/tumblr_vid1.mp4",
                MediaKind::Video
            ),
            (
                "https://64.media.tumblr.com/tumblr_vid1_frame1.jpg",
                MediaKind::Image
            ),
            (large, MediaKind::Image),
            ("https://www.youtube.com/embed/abc123", MediaKind::Embed),
        ]
    );
    assert_eq!(post.media[2].alternates.len(), 1);
    // The video file decides the type, not the poster or the image.
    assert_eq!(post.post_type, "video");
}

#[test]
fn audio_permalink_media() {
    let html = r#"<html><body>
<div class="post audio" id="post-902">
  <iframe class="tumblr_audio_player" src="https://example-blog.tumblr.com/post/902/audio_player_iframe/example-blog/tumblr_aud1?audio_file=https%3A%2F%2Fwww.tumblr.com%2Faudio_file%2Fexample-blog%2F902%2Ftumblr_aud1&amp;color=white"></iframe>
  <audio src="https://a.tumblr.com/tumblr_aud2o1.mp3"></audio>
  <p>Song title</p>
</div></body></html>"#;
    let request = permalink_request("902");
    let page = page_of(respond(&request, 200, html.as_bytes()));
    let post = &page.posts[0];
    assert_eq!(post.post_type, "audio");
    assert_eq!(
        media_rows(post),
        [
            (
                "https://www.tumblr.com/audio_file/example-blog/902/tumblr_aud1",
                MediaKind::Audio
            ),
            ("https://a.tumblr.com/tumblr_aud2o1.mp3", MediaKind::Audio),
        ]
    );
    assert_eq!(post.summary, "Song title");
}

#[test]
fn open_graph_media_read() {
    let html = r#"<html><head>
<meta property="og:image" content="https://64.media.tumblr.com/abc/tumblr_ogpo1_1280.jpg">
<meta property="og:image" content="https://64.media.tumblr.com/avatar_0123456789ab_128.png">
<meta property="og:video:url" content="https://va.media.tumblr.com/tumblr_ogv.mp4">
</head><body><div class="post" id="post-904"><p>Caption only</p></div></body></html>"#;
    let request = permalink_request("904");
    let page = page_of(respond(&request, 200, html.as_bytes()));
    let post = &page.posts[0];
    assert_eq!(
        media_rows(post),
        [
            (
                "https://64.media.tumblr.com/abc/tumblr_ogpo1_1280.jpg",
                MediaKind::Image
            ),
            (
                "https://va.media.tumblr.com/tumblr_ogv.mp4",
                MediaKind::Video
            ),
        ],
        "Open Graph images and videos, without the avatar"
    );
}

#[test]
fn permalink_not_found_skips_post() {
    let request = permalink_request("903");
    let page = page_of(respond(&request, 404, b"<html></html>"));
    assert!(page.posts.is_empty());
    assert!(page.next.is_empty());
}

#[test]
fn start_rejections() {
    let custom = TumblrThemedPages::start("www.example.com".to_owned(), Vec::new());
    assert!(
        matches!(&custom, Err(PluginError::InvalidInput(m)) if m.contains("custom domain")),
        "{custom:?}"
    );
    let option = TumblrThemedPages::start(
        "example-blog".to_owned(),
        vec![("page-size".to_owned(), "5".to_owned())],
    );
    assert!(
        matches!(&option, Err(PluginError::InvalidInput(m)) if m.contains("page-size")),
        "{option:?}"
    );
}

#[test]
fn permalink_record_is_post_html() {
    let html = r#"<html><body><header>Blog header</header>
<article class="post text" id="post-905"><p>Long text of the post.</p>
<a href="https://example-blog.tumblr.com/tagged/notes">#notes</a></article>
<footer>theme footer</footer></body></html>"#;
    let request = permalink_request("905");
    let page = page_of(respond(&request, 200, html.as_bytes()));
    assert_eq!(page.records.len(), 1);
    let record = &page.records[0];
    assert_eq!(record.post_id, "905");
    assert_eq!(record.format, "html");
    let body = String::from_utf8(record.body.clone()).expect("record is UTF-8");
    assert!(body.starts_with("<article"), "{body}");
    assert!(body.ends_with("</article>"), "{body}");
    assert!(body.contains("Long text of the post."), "{body}");
    assert!(!body.contains("theme footer"), "{body}");
}

#[test]
fn photoset_record_waits_for_post() {
    let request = permalink_request("900");
    let page = page_of(respond(&request, 200, PHOTOSET_PERMALINK.as_bytes()));
    assert!(page.records.is_empty(), "no record before its post");
    let done = page_of(respond(&page.next[0], 200, PHOTOSET_FRAME.as_bytes()));
    assert_eq!(done.records.len(), 1);
    assert_eq!(done.records[0].post_id, "900");
    let body = String::from_utf8_lossy(&done.records[0].body);
    assert!(body.contains("Sunset <b>set</b> caption."), "{body}");
}

#[test]
fn index_page_has_no_records() {
    let Some(body) = plugin_sdk::fixtures::fixture("html/themed-blog-index-2013.html") else {
        return;
    };
    let page = page_of(respond(&front_page_request(), 200, &body));
    assert!(page.records.is_empty());
}
