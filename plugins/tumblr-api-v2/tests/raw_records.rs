//! Checks the raw records of every recorded `/posts` response: one record
//! per post, whose body is the post object's exact bytes in the response.

mod common;

use common::{posts_request, response};
use plugin_sdk::fixtures::fixtures_dir;
use tumblr_api_v2::TumblrApiV2;
use tumblr_api_v2::exports::tumblr_archiver::plugin::crawl::Guest;

#[test]
fn records_match_post_objects_byte_for_byte() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let mut checked_files = 0;
    for entry in std::fs::read_dir(dir.join("api-v2")).expect("api-v2 folder is readable") {
        let path = entry.expect("folder entry").path();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8 text");
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
        let Some(objects) = parsed["response"]["posts"].as_array() else {
            // Blog info, error bodies and bare post lists are not `/posts` responses.
            continue;
        };
        let request = posts_request(50, 0, None);
        let page = TumblrApiV2::parse(
            request.clone(),
            response(&request, 200, &[], text.clone().into_bytes()),
        )
        .unwrap_or_else(|error| panic!("{name}: parse failed: {error:?}"));

        assert_eq!(
            page.records.len(),
            page.posts.len(),
            "{name}: one record per post"
        );
        assert_eq!(
            page.records.len(),
            objects.len(),
            "{name}: one record per post object"
        );
        for ((record, post), object) in page.records.iter().zip(&page.posts).zip(objects) {
            assert_eq!(record.post_id, post.id, "{name}: record order");
            assert_eq!(record.format, "tumblr-api-v2", "{name}: record format");
            let body = std::str::from_utf8(&record.body).expect("record is UTF-8");
            assert!(
                body.starts_with('{'),
                "{name}: record {} is an object",
                post.id
            );
            assert!(
                text.contains(body),
                "{name}: record {} is a slice of the response",
                post.id
            );
            let reparsed: serde_json::Value = serde_json::from_str(body).expect("record is JSON");
            assert_eq!(
                &reparsed, object,
                "{name}: record {} is the post object",
                post.id
            );
        }
        checked_files += 1;
    }
    assert!(
        checked_files >= 10,
        "checked {checked_files} `/posts` fixtures"
    );
}

#[test]
fn info_response_has_no_records() {
    let Some(body) = common::fixture("api-v2/blog-info.json") else {
        return;
    };
    let request = common::info_request("example-blog.tumblr.com");
    let page = TumblrApiV2::parse(request.clone(), response(&request, 200, &[], body))
        .expect("blog info parses");
    assert!(page.records.is_empty());
}
