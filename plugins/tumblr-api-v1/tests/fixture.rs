//! Runs a recorded `/api/read/json` page (six posts of 27, anonymised)
//! through the exported `start` and `parse`, and checks the blog facts, the
//! next request, every post field and every media item against values read
//! off the file by hand. Also checks that Tumblr's real 404 page ends the
//! crawl with `NotFound`.
//!
//! Fixtures are read from the folder in `TUMBLR_FIXTURES`, by default
//! `fixtures/tumblr` of the shared folder next to the repository. When that
//! folder is missing the tests print that they are skipped and pass, except
//! when `CI` is `true`, where they fail.

use tumblr_api_v1::TumblrApiV1;
use tumblr_api_v1::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v1::tumblr_archiver::plugin::types::{
    Alternate, BlogInfo, Dimensions, HttpRequest, HttpResponse, Media, MediaKind, Page, PluginError,
};

use plugin_sdk::fixtures::fixture;

fn first_request() -> HttpRequest {
    match TumblrApiV1::start("example-blog".to_owned(), Vec::new()) {
        Ok(mut requests) if requests.len() == 1 => requests.remove(0),
        other => panic!("start gave {other:?}"),
    }
}

fn respond(status: u16, body: Vec<u8>) -> Result<Page, PluginError> {
    let request = first_request();
    let response = HttpResponse {
        url: request.url.clone(),
        status,
        headers: Vec::new(),
        body,
    };
    TumblrApiV1::parse(request, response)
}

/// Builds the expected image: its URL on shard `host`, the stated size, and
/// the alternates as (shard, size suffix) pairs of the same file stem.
fn image(
    stem: &str,
    extension: &str,
    largest: (&str, &str),
    size: Option<(u32, u32)>,
    smaller: &[(&str, &str)],
) -> Media {
    let url = |(shard, suffix): (&str, &str)| {
        format!("http://{shard}.media.tumblr.com/{stem}_{suffix}.{extension}")
    };
    Media {
        url: url(largest),
        kind: MediaKind::Image,
        size: size.map(|(width, height)| Dimensions { width, height }),
        alternates: smaller
            .iter()
            .map(|pair| Alternate {
                url: url(*pair),
                size: None,
            })
            .collect(),
        trail_blog: None,
    }
}

#[test]
fn read_json_2015_posts() {
    let Some(body) = fixture("api-v1/read-json-2015.js") else {
        return;
    };
    let page = match respond(200, body) {
        Ok(page) => page,
        Err(error) => panic!("parse failed: {error:?}"),
    };

    assert_eq!(
        page.blog,
        Some(BlogInfo {
            name: "example-blog".to_owned(),
            title: "Dolor Excepteur".to_owned(),
            url: "https://example-blog.tumblr.com/".to_owned(),
            total_posts: Some(27),
            updated: Some(1_441_724_765),
        })
    );
    let next: Vec<&str> = page.next.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        next,
        ["https://example-blog.tumblr.com/api/read/json?start=6&num=50"]
    );

    let rows: Vec<(&str, &str, i64)> = page
        .posts
        .iter()
        .map(|p| (p.id.as_str(), p.post_type.as_str(), p.timestamp))
        .collect();
    assert_eq!(
        rows,
        [
            ("121230557788", "photo", 1_441_724_765),
            ("127836119714", "photo", 1_441_211_588),
            ("127448931252", "quote", 1_441_052_811),
            ("121531287992", "photo", 1_441_031_346),
            ("125916972353", "link", 1_440_519_273),
            ("128284541547", "photo", 1_440_463_851),
        ]
    );
    let five_tags: Vec<String> = (1..=5).map(|n| format!("sample tag {n}")).collect();
    for (index, post) in page.posts.iter().enumerate() {
        assert_eq!(post.blog, "example-blog", "{}", post.id);
        assert_eq!(post.reblog, None, "{}", post.id);
        assert!(post.summary.chars().count() <= 200, "{}", post.id);
        let expected_tags: &[String] = if index == 0 || index == 2 {
            &five_tags
        } else {
            &[]
        };
        assert_eq!(post.tags, expected_tags, "{}", post.id);
    }
    assert_eq!(
        page.posts[1].url,
        "http://example-blog.tumblr.com/post/127836119714/sed-reblog-sed-occaecat-caption-labore-est-magna"
    );
    assert_eq!(
        page.posts[2].summary,
        "sit placeholder laboris chat aliqua post."
    );
    assert_eq!(page.posts[4].summary, "Non Non Sunt or Occaecat Sint SIT");
    assert!(
        page.posts[0]
            .summary
            .starts_with("Excepteur qui esse an sed post ET cillum.")
    );

    // Every size field of post 1 names one `_250` file down to 250, so the
    // 250-pixel upload is served unscaled and the URL has its size.
    let post1 = "4a3c4c4c63e975466118f05a3db4dafb/tumblr_zbk8a5XNhM9fq7pevo1";
    let post2 = "9d03a3a4b02d56511637ee60d36502ad/tumblr_bq19w587zQ1yy4rfio1";
    let post4 = "ce450c0d66a15c8b405a489471d30512/tumblr_ovuoum2Ga14hl2fqyo1";
    let set1 = "620c28d86738361e4b4bbfcf3565f036/tumblr_aab55gfQZN4no6jujo1";
    let set2 = "13bdc8c84375261688048b5b1b36264f/tumblr_aab55gfQZN4no6jujo2";
    let expected: Vec<Vec<Media>> = vec![
        vec![image(
            post1,
            "png",
            ("40", "250"),
            Some((250, 357)),
            &[("40", "100"), ("40", "75sq")],
        )],
        vec![image(
            post2,
            "png",
            ("41", "1280"),
            Some((960, 98)),
            &[
                ("40", "500"),
                ("41", "400"),
                ("41", "250"),
                ("41", "100"),
                ("41", "75sq"),
            ],
        )],
        // The quote's text and source hold no media.
        vec![],
        // A 2624-pixel upload: `_1280` is scaled, so its size is unknown.
        vec![image(
            post4,
            "png",
            ("41", "1280"),
            None,
            &[
                ("41", "500"),
                ("41", "400"),
                ("41", "250"),
                ("40", "100"),
                ("40", "75sq"),
            ],
        )],
        vec![],
        // A photoset of two. The post's own `photo-url-*` fields repeat
        // photo 1 and are not read when `photos` is present.
        vec![
            image(
                set1,
                "png",
                ("41", "1280"),
                Some((640, 480)),
                &[
                    ("40", "500"),
                    ("41", "400"),
                    ("41", "250"),
                    ("41", "100"),
                    ("36", "75sq"),
                ],
            ),
            image(
                set2,
                "jpg",
                ("41", "400"),
                Some((300, 150)),
                &[("41", "250"), ("40", "100"), ("41", "75sq")],
            ),
        ],
    ];
    assert_eq!(page.posts.len(), expected.len());
    for (post, media) in page.posts.iter().zip(expected) {
        assert_eq!(post.media, media, "post {}", post.id);
    }
}

#[test]
fn not_found_page_is_not_found() {
    let Some(body) = fixture("html/blog-not-found-404.html") else {
        return;
    };
    let result = respond(404, body.clone());
    let Err(PluginError::NotFound(message)) = result else {
        panic!("HTTP 404 gave {result:?}");
    };
    assert!(message.contains("\"example-blog\""), "{message}");

    // The same page with status 200 is not the API's JSON.
    let result = respond(200, body);
    assert!(
        matches!(&result, Err(PluginError::BadResponse(m)) if m.contains("/api/read/json")),
        "{result:?}"
    );
}
