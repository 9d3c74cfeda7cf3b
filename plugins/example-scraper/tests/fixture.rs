//! Parses a recorded `/api/read/json` page of a real blog (anonymised, six
//! posts of 27) through the exported `parse`, and compares every post and
//! media item with values read off the fixture by hand.
//!
//! Fixtures are read from the folder in `TUMBLR_FIXTURES`, by default
//! `fixtures/tumblr` of the shared folder next to the repository. When that
//! folder is missing the test prints that it is skipped and passes, except
//! when `CI` is `true`, where it fails.

use std::path::{Path, PathBuf};

use example_scraper::ExampleScraper;
use example_scraper::exports::tumblr_archiver::plugin::crawl::Guest;
use example_scraper::tumblr_archiver::plugin::types::{
    BlogInfo, Dimensions, HttpResponse, Media, MediaKind, Page,
};

const FIXTURE: &str = "api-v1/read-json-2015.js";

/// Returns the bytes of the fixture, or `None` (after printing why) when
/// the fixtures folder is missing outside CI.
fn fixture() -> Option<Vec<u8>> {
    let dir = std::env::var_os("TUMBLR_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/tumblr"),
        PathBuf::from,
    );
    if !dir.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "fixture folder {} is missing; set TUMBLR_FIXTURES to the fixtures/tumblr folder",
            dir.display()
        );
        eprintln!(
            "skipping the fixture test: {} does not exist (set TUMBLR_FIXTURES to the \
             fixtures/tumblr folder)",
            dir.display()
        );
        return None;
    }
    let path = dir.join(FIXTURE);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(error) => panic!("cannot read fixture {}: {error}", path.display()),
    }
}

fn first_page(body: Vec<u8>) -> Page {
    let requests = ExampleScraper::start("example-blog".to_owned(), Vec::new());
    let request = match requests {
        Ok(mut requests) if requests.len() == 1 => requests.remove(0),
        other => panic!("start gave {other:?}"),
    };
    let response = HttpResponse {
        url: request.url.clone(),
        status: 200,
        headers: vec![("content-type".to_owned(), "text/javascript".to_owned())],
        body,
    };
    match ExampleScraper::parse(request, response) {
        Ok(page) => page,
        Err(error) => panic!("parse failed: {error:?}"),
    }
}

/// A photo as the scraper must report it: URL, size, alternate URLs.
fn photo(url: &str, size: Option<(u32, u32)>, alternates: &[&str]) -> Media {
    Media {
        url: url.to_owned(),
        kind: MediaKind::Image,
        size: size.map(|(width, height)| Dimensions { width, height }),
        alternates: alternates
            .iter()
            .map(
                |url| example_scraper::tumblr_archiver::plugin::types::Alternate {
                    url: (*url).to_owned(),
                    size: None,
                },
            )
            .collect(),
        trail_blog: None,
    }
}

#[test]
fn read_json_2015_page() {
    let Some(body) = fixture() else {
        return;
    };
    let page = first_page(body);

    assert_eq!(
        page.blog,
        Some(BlogInfo {
            name: "example-blog".to_owned(),
            title: "Dolor Excepteur".to_owned(),
            url: "https://example-blog.tumblr.com/".to_owned(),
            total_posts: Some(27),
            updated: None,
        })
    );

    // Six posts were returned of 27, so the next page starts at 6.
    let next: Vec<&str> = page.next.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        next,
        ["https://example-blog.tumblr.com/api/read/json?start=6&num=50"]
    );

    let summary: Vec<(&str, &str, i64, usize)> = page
        .posts
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                p.post_type.as_str(),
                p.timestamp,
                p.tags.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("121230557788", "photo", 1_441_724_765, 5),
            ("127836119714", "photo", 1_441_211_588, 0),
            ("127448931252", "quote", 1_441_052_811, 5),
            ("121531287992", "photo", 1_441_031_346, 0),
            ("125916972353", "link", 1_440_519_273, 0),
            ("128284541547", "photo", 1_440_463_851, 0),
        ]
    );
    for post in &page.posts {
        assert_eq!(post.blog, "example-blog");
        assert_eq!(post.reblog, None, "{}", post.id);
        assert!(post.summary.chars().count() <= 200, "{}", post.id);
        assert!(post.url.starts_with("http://example-blog.tumblr.com/post/"));
    }
    assert_eq!(
        page.posts[0].url,
        "http://example-blog.tumblr.com/post/121230557788/cupidatat-qui-esse-an-sed-post-us-cillum-image"
    );
    assert_eq!(page.posts[0].tags[0], "sample tag 1");
    assert_eq!(
        page.posts[2].summary,
        "sit placeholder laboris chat aliqua post."
    );
    assert_eq!(page.posts[4].summary, "Non Non Sunt or Occaecat Sint SIT");

    // Post 1: every size field from 1280 down to 250 names the same `_250`
    // file, an upload 250 pixels wide, so the URL has the stated size.
    let small_upload =
        "http://40.media.tumblr.com/4a3c4c4c63e975466118f05a3db4dafb/tumblr_zbk8a5XNhM9fq7pevo1";
    // Post 2: a 960-pixel upload, served unscaled under `_1280`.
    let wide = "9d03a3a4b02d56511637ee60d36502ad/tumblr_bq19w587zQ1yy4rfio1";
    // Post 4: a 2624-pixel upload, so `_1280` is scaled and has no size.
    let large = "ce450c0d66a15c8b405a489471d30512/tumblr_ovuoum2Ga14hl2fqyo1";
    // Post 6: a photoset of two; its `photo-url-*` fields repeat photo 1.
    let set_first = "620c28d86738361e4b4bbfcf3565f036/tumblr_aab55gfQZN4no6jujo1";
    let set_second = "13bdc8c84375261688048b5b1b36264f/tumblr_aab55gfQZN4no6jujo2";
    let expected: [Vec<Media>; 6] = [
        vec![photo(
            &format!("{small_upload}_250.png"),
            Some((250, 357)),
            &[
                &format!("{small_upload}_100.png"),
                &format!("{small_upload}_75sq.png"),
            ],
        )],
        vec![photo(
            &format!("http://41.media.tumblr.com/{wide}_1280.png"),
            Some((960, 98)),
            &[
                &format!("http://40.media.tumblr.com/{wide}_500.png"),
                &format!("http://41.media.tumblr.com/{wide}_400.png"),
                &format!("http://41.media.tumblr.com/{wide}_250.png"),
                &format!("http://41.media.tumblr.com/{wide}_100.png"),
                &format!("http://41.media.tumblr.com/{wide}_75sq.png"),
            ],
        )],
        vec![],
        vec![photo(
            &format!("http://41.media.tumblr.com/{large}_1280.png"),
            None,
            &[
                &format!("http://41.media.tumblr.com/{large}_500.png"),
                &format!("http://41.media.tumblr.com/{large}_400.png"),
                &format!("http://41.media.tumblr.com/{large}_250.png"),
                &format!("http://40.media.tumblr.com/{large}_100.png"),
                &format!("http://40.media.tumblr.com/{large}_75sq.png"),
            ],
        )],
        vec![],
        vec![
            photo(
                &format!("http://41.media.tumblr.com/{set_first}_1280.png"),
                Some((640, 480)),
                &[
                    &format!("http://40.media.tumblr.com/{set_first}_500.png"),
                    &format!("http://41.media.tumblr.com/{set_first}_400.png"),
                    &format!("http://41.media.tumblr.com/{set_first}_250.png"),
                    &format!("http://41.media.tumblr.com/{set_first}_100.png"),
                    &format!("http://36.media.tumblr.com/{set_first}_75sq.png"),
                ],
            ),
            photo(
                &format!("http://41.media.tumblr.com/{set_second}_400.jpg"),
                Some((300, 150)),
                &[
                    &format!("http://41.media.tumblr.com/{set_second}_250.jpg"),
                    &format!("http://40.media.tumblr.com/{set_second}_100.jpg"),
                    &format!("http://41.media.tumblr.com/{set_second}_75sq.jpg"),
                ],
            ),
        ],
    ];
    assert_eq!(page.posts.len(), expected.len());
    for (post, media) in page.posts.iter().zip(expected) {
        assert_eq!(post.media, media, "post {}", post.id);
    }
}
