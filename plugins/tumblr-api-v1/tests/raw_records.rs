//! Checks the raw records of the recorded v1 pages in both formats: one
//! record per post, whose body is the post's exact text in the response.

use plugin_sdk::fixtures::fixtures_dir;
use tumblr_api_v1::TumblrApiV1;
use tumblr_api_v1::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v1::tumblr_archiver::plugin::types::{HttpResponse, Page};

/// Parses `body` as the response to the first request of a crawl in
/// `format` (`json` or `xml`).
fn parse_in(format: &str, body: &str) -> Page {
    let options = vec![("format".to_owned(), format.to_owned())];
    let mut requests = TumblrApiV1::start("example-blog".to_owned(), options)
        .unwrap_or_else(|error| panic!("start failed: {error:?}"));
    let request = requests.remove(0);
    let response = HttpResponse {
        url: request.url.clone(),
        status: 200,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    };
    TumblrApiV1::parse(request, response).unwrap_or_else(|error| panic!("parse failed: {error:?}"))
}

#[test]
fn records_of_every_v1_fixture() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let mut checked_files = 0;
    for entry in std::fs::read_dir(dir.join("api-v1")).expect("api-v1 folder is readable") {
        let path = entry.expect("folder entry").path();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8 text");
        let (format, record_format, opening) = if name.ends_with(".xml") {
            ("xml", "tumblr-api-v1-xml", "<post ")
        } else {
            ("json", "tumblr-api-v1-json", "{")
        };
        let page = parse_in(format, &text);
        assert!(!page.posts.is_empty(), "{name}: has posts");
        assert_eq!(
            page.records.len(),
            page.posts.len(),
            "{name}: one record per post"
        );
        for (record, post) in page.records.iter().zip(&page.posts) {
            assert_eq!(record.post_id, post.id, "{name}: record order");
            assert_eq!(record.format, record_format, "{name}: record format");
            let body = std::str::from_utf8(&record.body).expect("record is UTF-8");
            assert!(
                body.starts_with(opening),
                "{name}: record {} opening",
                post.id
            );
            assert!(
                text.contains(body),
                "{name}: record {} is a slice of the response",
                post.id
            );
            assert!(
                body.contains(&format!("\"{}\"", post.id)),
                "{name}: record {} contains its id",
                post.id
            );
        }
        if format == "xml" {
            for record in &page.records {
                let body = std::str::from_utf8(&record.body).expect("record is UTF-8");
                assert!(
                    body.ends_with("</post>"),
                    "{name}: record ends with its end tag"
                );
            }
        } else {
            for record in &page.records {
                let value: serde_json::Value =
                    serde_json::from_slice(&record.body).expect("record is JSON");
                assert_eq!(value["id"].as_str(), Some(record.post_id.as_str()));
            }
        }
        checked_files += 1;
    }
    assert_eq!(checked_files, 2, "both v1 fixtures were checked");
}
