//! Tests of the exported functions around whole responses: `info`, `start`,
//! the `/info` step, error statuses (with the bodies Tumblr really sends),
//! malformed bodies and contexts, and paging by offset.

mod common;

use common::{fixture, fixture_json, info_request, posts_request, response};
use plugin_sdk::fixtures::fixtures_dir;
use serde_json::json;
use tumblr_api_v2::TumblrApiV2;
use tumblr_api_v2::crawl::{CrawlContext, Step};
use tumblr_api_v2::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v2::options::Format;
use tumblr_api_v2::tumblr_archiver::plugin::types::{BlogInfo, HttpRequest, Page, PluginError};

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

fn parse(
    request: &HttpRequest,
    status: u16,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Page, PluginError> {
    TumblrApiV2::parse(request.clone(), response(request, status, headers, body))
}

#[test]
fn info_describes_plugin() {
    let info = TumblrApiV2::info();
    assert_eq!(info.name, "tumblr-api-v2");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.hosts, ["api.tumblr.com"]);
    assert!(info.needs_api_key);
    assert!(!info.description.is_empty());
    let names: Vec<&str> = info
        .options
        .iter()
        .map(|option| option.name.as_str())
        .collect();
    assert_eq!(names, ["page-size", "format"]);
}

#[test]
fn start_returns_info_request() {
    let cases = [
        (
            "example-blog",
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/info",
        ),
        (
            "https://www.tumblr.com/example-blog/123",
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/info",
        ),
        (
            "https://www.example-blog.com/",
            "https://api.tumblr.com/v2/blog/www.example-blog.com/info",
        ),
    ];
    for (blog, url) in cases {
        let requests = TumblrApiV2::start(blog.to_owned(), Vec::new()).unwrap_or_default();
        assert_eq!(requests.len(), 1, "blog {blog}");
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].url, url);
        assert_eq!(
            requests[0].headers,
            [("accept".to_owned(), "application/json".to_owned())]
        );
        let context = CrawlContext::decode(&requests[0]);
        assert_eq!(context.map(|c| c.step), Ok(Step::Info), "blog {blog}");
    }
}

#[test]
fn start_stores_options_in_context() {
    let requests = TumblrApiV2::start(
        "example-blog".to_owned(),
        options(&[("page-size", "50"), ("format", "legacy")]),
    );
    let context = requests.and_then(|requests| CrawlContext::decode(&requests[0]));
    assert_eq!(
        context,
        Ok(CrawlContext {
            blog: "example-blog.tumblr.com".to_owned(),
            page_size: 50,
            format: Format::Legacy,
            step: Step::Info,
            total_posts: None,
        })
    );
}

#[test]
fn start_rejects_bad_input() {
    let cases = [
        ("a b", vec![], "\"a b\""),
        ("ftp://x", vec![], "\"ftp://x\""),
        ("example-blog", vec![("page-size", "0")], "page-size"),
        ("example-blog", vec![("page-size", "51")], "page-size"),
        ("example-blog", vec![("page-size", "abc")], "page-size"),
        ("example-blog", vec![("format", "xml")], "format"),
        ("example-blog", vec![("color", "red")], "\"color\""),
    ];
    for (blog, pairs, needle) in cases {
        let result = TumblrApiV2::start(blog.to_owned(), options(&pairs));
        match result {
            Err(PluginError::InvalidInput(message)) => {
                assert!(message.contains(needle), "{message}")
            }
            other => panic!("blog {blog:?} with {pairs:?}: expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn info_response_gives_blog_and_first_page() {
    let Some(body) = fixture("api-v2/blog-info.json") else {
        return;
    };
    let request = info_request("example-blog.tumblr.com");
    let page = parse(&request, 200, &[], body);
    let Ok(page) = page else {
        panic!("parse failed: {page:?}");
    };
    assert_eq!(
        page.blog,
        Some(BlogInfo {
            name: "example-blog".to_owned(),
            title: "ullamco".to_owned(),
            url: "https://www.tumblr.com/blog/view/example-blog".to_owned(),
            total_posts: Some(32),
            updated: Some(1762865014),
        })
    );
    assert!(page.posts.is_empty());
    assert_eq!(page.next.len(), 1);
    assert_eq!(
        page.next[0].url,
        "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=20&offset=0&npf=true&reblog_info=true"
    );
    let context = CrawlContext::decode(&page.next[0]);
    assert_eq!(context.map(|c| c.total_posts), Ok(Some(32)));
}

/// One case of the error fixture.
struct ErrorCase {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Returns the case `name` of the error fixture.
fn error_case(name: &str) -> Option<ErrorCase> {
    let cases = fixture_json("api-v2/error-responses.json")?;
    let case = &cases[name];
    let status = case["http_status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok());
    let status = status.unwrap_or_else(|| panic!("case {name} has no http_status"));
    let headers = case
        .get("headers")
        .and_then(|headers| headers.as_object())
        .map(|headers| {
            headers
                .iter()
                .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let body = serde_json::to_vec(&case["body"]).unwrap_or_default();
    Some(ErrorCase {
        status,
        headers,
        body,
    })
}

fn parse_error_case(
    name: &str,
    request: &HttpRequest,
    extra_headers: &[(&str, &str)],
) -> Option<PluginError> {
    let case = error_case(name)?;
    let mut headers: Vec<(&str, &str)> = case
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    headers.extend_from_slice(extra_headers);
    match parse(request, case.status, &headers, case.body) {
        Ok(page) => panic!("case {name}: expected an error, got {page:?}"),
        Err(error) => Some(error),
    }
}

#[test]
fn error_blog_not_found() {
    let request = info_request("missing-blog.tumblr.com");
    let Some(error) = parse_error_case("blog_not_found_404", &request, &[]) else {
        return;
    };
    let PluginError::NotFound(message) = error else {
        panic!("expected NotFound, got {error:?}");
    };
    assert!(message.contains("\"missing-blog\""), "{message}");
    assert!(message.contains("not found"), "{message}");
    assert!(!message.contains("dashboard"), "{message}");
}

#[test]
fn error_dashboard_only() {
    let request = info_request("example-blog.tumblr.com");
    let Some(error) = parse_error_case("dashboard_only_blog_404", &request, &[]) else {
        return;
    };
    let PluginError::LoginRequired(message) = error else {
        panic!("expected LoginRequired, got {error:?}");
    };
    assert!(message.contains("\"example-blog\""), "{message}");
    assert!(message.contains("dashboard-only"), "{message}");
    assert!(message.contains("logged-in"), "{message}");
}

#[test]
fn error_unauthorized_and_forbidden() {
    let request = posts_request(20, 40, None);
    let Some(error) = parse_error_case("unauthorized_401", &request, &[]) else {
        return;
    };
    let PluginError::Unauthorized(message) = error else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert!(message.contains("API key"), "{message}");
    assert!(message.contains("rejected"), "{message}");

    let Some(case) = error_case("unauthorized_401") else {
        return;
    };
    let error = parse(&request, 403, &[], case.body);
    let Err(PluginError::Forbidden(message)) = error else {
        panic!("expected Forbidden, got {error:?}");
    };
    assert!(message.contains("forbidden"), "{message}");
}

#[test]
fn error_rate_limited() {
    let request = posts_request(20, 0, None);
    // The recorded 429 carries `x-ratelimit-*` headers but no `retry-after`.
    let error = parse_error_case("limit_exceeded_429", &request, &[]);
    let Some(error) = error else {
        return;
    };
    assert_eq!(error, PluginError::RateLimited(60));
    let error = parse_error_case("limit_exceeded_429", &request, &[("retry-after", "30")]);
    assert_eq!(error, Some(PluginError::RateLimited(30)));
}

#[test]
fn error_other_status() {
    let request = posts_request(20, 0, None);
    let error = parse(&request, 502, &[], b"<html>Bad gateway</html>".to_vec());
    let Err(PluginError::Other(message)) = error else {
        panic!("expected Other, got {error:?}");
    };
    assert!(message.contains("502"), "{message}");
    assert!(message.contains(&request.url), "{message}");
}

#[test]
fn bad_body_names_url_and_shape() {
    let request = posts_request(20, 0, None);
    let cases: [(&[u8], &str); 4] = [
        (b"<html>not json</html>", "is not JSON"),
        (br#"{"meta": {"status": 200}, "response": {}}"#, "has no"),
        (br#"{"response": {"posts": {"0": {}}}}"#, "has no"),
        (b"", "is not JSON"),
    ];
    for (body, needle) in cases {
        let result = parse(&request, 200, &[], body.to_vec());
        let Err(PluginError::BadResponse(message)) = result else {
            panic!(
                "body {:?}: expected BadResponse, got {result:?}",
                String::from_utf8_lossy(body)
            );
        };
        assert!(message.contains(needle), "{message}");
        assert!(message.contains("`response.posts` array"), "{message}");
        assert!(message.contains(&request.url), "{message}");
    }

    let request = info_request("example-blog.tumblr.com");
    let result = parse(&request, 200, &[], br#"{"response": []}"#.to_vec());
    let Err(PluginError::BadResponse(message)) = result else {
        panic!("expected BadResponse, got {result:?}");
    };
    assert!(message.contains("`response.blog`"), "{message}");
}

#[test]
fn bad_context_rejected() {
    let mut request = posts_request(20, 0, None);
    request.context = "{not a context".to_owned();
    let result = parse(
        &request,
        200,
        &[],
        br#"{"response": {"posts": []}}"#.to_vec(),
    );
    let Err(PluginError::Other(message)) = result else {
        panic!("expected Other, got {result:?}");
    };
    assert!(message.contains("crawl state"), "{message}");
    assert!(message.contains("{not a context"), "{message}");
}

/// Builds a `/posts` body with one minimal post per id.
fn posts_body(ids: &[u64], total_posts: Option<u64>) -> Vec<u8> {
    let posts: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "id_string": id.to_string(), "type": "text", "content": []}))
        .collect();
    let mut response = json!({"posts": posts});
    if let Some(total) = total_posts {
        response["total_posts"] = json!(total);
    }
    serde_json::to_vec(&json!({"meta": {"status": 200}, "response": response})).unwrap_or_default()
}

fn next_offsets(page: &Page) -> Vec<u64> {
    page.next
        .iter()
        .filter_map(
            |request| match CrawlContext::decode(request).map(|c| c.step) {
                Ok(Step::Posts { offset }) => Some(offset),
                _ => None,
            },
        )
        .collect()
}

/// Page size, offset, ids returned, reported total, expected next offsets.
type PagingCase = (u32, u64, &'static [u64], Option<u64>, &'static [u64]);

#[test]
fn paging_offset_advances_by_posts_returned() {
    let cases: [PagingCase; 7] = [
        (20, 0, &[1, 2, 3, 4, 5], None, &[5]),
        (20, 100, &[1, 2, 3], Some(500), &[103]),
        (3, 0, &[1, 2, 3], Some(3), &[3]),
        (20, 0, &[], Some(500), &[]),
        (20, 40, &[1, 2], Some(42), &[]),
        (20, 40, &[1, 2], Some(30), &[]),
        (2, 40, &[1, 2], Some(30), &[42]),
    ];
    for (page_size, offset, ids, total, expected) in cases {
        let request = posts_request(page_size, offset, None);
        let page = parse(&request, 200, &[], posts_body(ids, total));
        let Ok(page) = page else {
            panic!("parse failed: {page:?}");
        };
        assert_eq!(page.posts.len(), ids.len());
        assert_eq!(
            next_offsets(&page),
            expected,
            "page size {page_size}, offset {offset}, {} posts, total {total:?}",
            ids.len()
        );
    }
}

#[test]
fn paging_uses_total_from_info() {
    let request = posts_request(20, 30, Some(32));
    let page = parse(&request, 200, &[], posts_body(&[1, 2], None)).ok();
    assert_eq!(page.map(|page| next_offsets(&page)), Some(vec![]));
    let request = posts_request(20, 30, Some(100));
    let page = parse(&request, 200, &[], posts_body(&[1, 2], None)).ok();
    assert_eq!(page.map(|page| next_offsets(&page)), Some(vec![32]));
}

#[test]
fn paging_drops_repeated_ids_in_page() {
    let request = posts_request(4, 0, None);
    let page = parse(&request, 200, &[], posts_body(&[7, 8, 7, 9], None));
    let Ok(page) = page else {
        panic!("parse failed: {page:?}");
    };
    let ids: Vec<&str> = page.posts.iter().map(|post| post.id.as_str()).collect();
    assert_eq!(ids, ["7", "8", "9"]);
    // The offset counts what the server returned, repeats included.
    assert_eq!(next_offsets(&page), [4]);
}

#[test]
fn paging_clamps_page_size() {
    let context = CrawlContext {
        blog: "example-blog.tumblr.com".to_owned(),
        page_size: 80,
        format: Format::Npf,
        step: Step::Posts { offset: 0 },
        total_posts: None,
    };
    let request = context.request();
    let url = request.map(|request| request.url).unwrap_or_default();
    assert!(url.contains("limit=50&"), "{url}");
}

#[test]
fn paging_legacy_format_omits_npf() {
    let requests = TumblrApiV2::start(
        "example-blog".to_owned(),
        options(&[("format", "legacy"), ("page-size", "5")]),
    );
    let Ok(requests) = requests else {
        panic!("start failed: {requests:?}");
    };
    let body =
        br#"{"response": {"blog": {"name": "example-blog", "title": "t", "posts": 9}}}"#.to_vec();
    let page = parse(&requests[0], 200, &[], body);
    let urls: Vec<String> = page
        .map(|page| page.next.into_iter().map(|r| r.url).collect())
        .unwrap_or_default();
    assert_eq!(
        urls,
        [
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=5&offset=0&reblog_info=true"
        ]
    );
}

/// Every file in `api-v2/` is one the fixture tests cover, so a new
/// recording cannot go untested.
#[test]
fn fixture_files_all_covered() {
    let Some(dir) = fixtures_dir() else {
        return;
    };
    let covered = [
        "blog-info.json",
        "error-responses.json",
        "legacy-post-objects-all-types.json",
        "posts-legacy-mixed-2015.json",
        "posts-legacy-npf-as-text.json",
        "posts-legacy-npf-video-as-text.json",
        "posts-legacy-photoset.json",
        "posts-legacy-video.json",
        "posts-npf-ask-layout.json",
        "posts-npf-block-showcase.json",
        "posts-npf-image-paginated.json",
        "posts-npf-reblog-trail.json",
        "posts-npf-video.json",
    ];
    let entries =
        std::fs::read_dir(dir.join("api-v2")).expect("the api-v2 fixture folder is readable");
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, covered);
}
