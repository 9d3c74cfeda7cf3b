//! The crawl: the first request that `start` returns, the crawl state in
//! each request's `context`, the HTTP statuses, and paging through
//! `https://{site}/api/read/json?start=N&num=M`, or
//! `https://{site}/api/read?start=N&num=M` for the XML form, where `site`
//! is `{name}.tumblr.com` or the blog's custom domain.
//!
//! Each page starts where the previous one ended, by the number of posts
//! it returned. The crawl ends on a page with no posts, or when `start`
//! reaches the total that the response reports (`posts-total` in JSON, the
//! `total` attribute of `<posts>` in XML).

use plugin_sdk::blog::{BlogId, parse_blog};
use plugin_sdk::http::{DEFAULT_RETRY_SECONDS, retry_after_seconds};
use plugin_sdk::json::{array_at, id_at, str_at, u64_at};
use plugin_sdk::tumblr_v1::{next_start, parse_post, read_page as read_json_page};
use plugin_sdk::tumblr_v1_xml::read_xml_page;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::tumblr_archiver::plugin::types::{
    BlogInfo, HttpRequest, HttpResponse, Page, PluginError, Post, RawRecord,
};

/// Host pattern that `info` declares: every blog's own subdomain.
pub const BLOG_HOSTS: &str = "*.tumblr.com";
/// Option key for the number of posts per request.
pub const PAGE_SIZE_KEY: &str = "page-size";
/// Largest `num` that `/api/read/json` accepts.
pub const MAX_PAGE_SIZE: u32 = plugin_sdk::tumblr_v1::MAX_PAGE_SIZE;
/// Option key for the response format, `json` or `xml`.
pub const FORMAT_KEY: &str = "format";

/// Response format of the v1 read API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `/api/read/json`: `var tumblr_api_read = {…};`.
    #[default]
    Json,
    /// `/api/read`: a `<tumblr>` XML document.
    Xml,
}

impl Format {
    /// Values of the `format` option, in the order the help text gives.
    pub const NAMES: &str = "json, xml";

    /// Returns the format that option value `value` names, ignoring case
    /// and surrounding whitespace.
    pub fn from_option(value: &str) -> Option<Format> {
        match value.trim().to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }

    /// Returns the `raw-record` format of a post in this format.
    pub fn record_format(self) -> &'static str {
        match self {
            Format::Json => "tumblr-api-v1-json",
            Format::Xml => "tumblr-api-v1-xml",
        }
    }

    /// Returns the path of the read API in this format.
    pub fn path(self) -> &'static str {
        match self {
            Format::Json => "/api/read/json",
            Format::Xml => "/api/read",
        }
    }
}

/// Crawl state, serialised as JSON into `HttpRequest::context`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// Host of the requests: `{name}.tumblr.com` or a custom domain.
    pub site: String,
    /// Blog as the user named it: a blog name or the custom domain.
    pub blog: String,
    /// Index of the first post of the request, from 0 for the newest.
    pub start: u64,
    /// Posts per request.
    pub num: u32,
    /// Response format. A context without it is JSON.
    #[serde(default)]
    pub format: Format,
}

impl Context {
    /// Builds the request for this context.
    ///
    /// # Errors
    ///
    /// Returns `Other` when the context cannot be encoded.
    pub fn request(&self) -> Result<HttpRequest, PluginError> {
        let context = serde_json::to_string(self).map_err(|error| {
            PluginError::Other(format!("failed to encode the crawl state: {error}"))
        })?;
        Ok(HttpRequest {
            method: "GET".to_owned(),
            url: format!(
                "https://{}{}?start={}&num={}",
                self.site,
                self.format.path(),
                self.start,
                self.num
            ),
            headers: Vec::new(),
            context,
        })
    }

    /// Decodes the context of `request`.
    ///
    /// # Errors
    ///
    /// Returns `Other` when the context is not one that this plugin wrote.
    pub fn decode(request: &HttpRequest) -> Result<Context, PluginError> {
        serde_json::from_str(&request.context).map_err(|error| {
            PluginError::Other(format!(
                "invalid crawl state {:?} for {} ({error}); the host must return each request's \
                 context unchanged, so start the crawl again",
                request.context, request.url
            ))
        })
    }
}

/// Validates `blog` and `options` and returns the request for the newest
/// posts.
///
/// # Errors
///
/// Returns `InvalidInput` for a malformed blog, an unknown option, a page
/// size out of range or an unknown format.
pub fn start(blog: &str, options: &[(String, String)]) -> Result<Vec<HttpRequest>, PluginError> {
    let (site, blog) = match parse_blog(blog).map_err(PluginError::InvalidInput)? {
        BlogId::Name(name) => (format!("{name}.tumblr.com"), name),
        BlogId::Domain(domain) => (domain.clone(), domain),
    };
    let mut num = MAX_PAGE_SIZE;
    let mut format = Format::default();
    for (key, value) in options {
        match key.as_str() {
            PAGE_SIZE_KEY => num = page_size(value)?,
            FORMAT_KEY => {
                format = Format::from_option(value).ok_or_else(|| {
                    PluginError::InvalidInput(format!(
                        "invalid {FORMAT_KEY} {value:?}: give one of {}",
                        Format::NAMES
                    ))
                })?;
            }
            _ => {
                return Err(PluginError::InvalidInput(format!(
                    "unknown option {key:?}: this scraper accepts {PAGE_SIZE_KEY} (1 to \
                     {MAX_PAGE_SIZE}) and {FORMAT_KEY} ({})",
                    Format::NAMES
                )));
            }
        }
    }
    let context = Context {
        site,
        blog,
        start: 0,
        num,
        format,
    };
    Ok(vec![context.request()?])
}

/// Parses the value of the page-size option.
fn page_size(value: &str) -> Result<u32, PluginError> {
    match value.trim().parse::<u32>() {
        Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => Ok(size),
        _ => Err(PluginError::InvalidInput(format!(
            "invalid {PAGE_SIZE_KEY} {value:?}: give a whole number from 1 to {MAX_PAGE_SIZE}"
        ))),
    }
}

/// Parses one page of posts and returns the request for the next one.
///
/// # Errors
///
/// - `NotFound` for a 404: a missing blog, or one that only logged-in
///   users can see, which the v1 API does not tell apart.
/// - `Forbidden` for a 403, and `RateLimited` for a 429 with the seconds
///   of `retry-after`, else 60.
/// - `Other` for any other status outside 200–299, and for an invalid
///   context.
/// - `BadResponse` for a body that is not the v1 JSON, or the v1 XML when
///   the context's format is XML.
pub fn parse(request: &HttpRequest, response: &HttpResponse) -> Result<Page, PluginError> {
    let context = Context::decode(request)?;
    let url = if response.url.is_empty() {
        &request.url
    } else {
        &response.url
    };
    check_status(response, &context.blog, url)?;
    let (body, post_sources) = read_page(context.format, &response.body).ok_or_else(|| {
        let expected = match context.format {
            Format::Json => "the v1 JSON API's `var tumblr_api_read = {…};` with a `posts` array",
            Format::Xml => "the v1 XML API's `<tumblr>` document with a `<posts>` element",
        };
        PluginError::BadResponse(format!(
            "the body from {url} is not {expected}; check that {} is a Tumblr blog",
            context.site
        ))
    })?;

    let tumblelog = body.get("tumblelog");
    let blog_name = tumblelog
        .and_then(|blog| str_at(blog, "name"))
        .unwrap_or(&context.blog)
        .to_owned();
    let raw_posts = array_at(&body, "posts");
    let posts: Vec<Post> = raw_posts
        .iter()
        .filter_map(|raw| parse_post(raw, &blog_name))
        .map(Into::into)
        .collect();
    let total = u64_at(&body, "posts-total");
    let blog = (context.start == 0).then(|| BlogInfo {
        name: blog_name.clone(),
        title: tumblelog
            .and_then(|blog| str_at(blog, "title"))
            .unwrap_or_default()
            .to_owned(),
        url: format!("https://{}/", context.site),
        total_posts: total,
        updated: posts.iter().map(|post| post.timestamp).max(),
    });

    let next = match next_start(context.start, raw_posts.len(), total) {
        Some(start) => vec![Context { start, ..context }.request()?],
        None => Vec::new(),
    };
    let records = raw_records(context.format, raw_posts, &post_sources);
    Ok(Page {
        blog,
        posts,
        next,
        records,
    })
}

/// Reads a response body in `format` into the JSON shape of
/// `/api/read/json`, with the exact text of each post.
fn read_page(format: Format, body: &[u8]) -> Option<(Value, Vec<&str>)> {
    match format {
        Format::Json => read_json_page(body),
        Format::Xml => read_xml_page(body),
    }
}

/// Returns one record per post with an id: the exact text of the post
/// in the response, the first one where ids repeat.
fn raw_records(format: Format, raw_posts: &[Value], sources: &[&str]) -> Vec<RawRecord> {
    let mut seen = std::collections::HashSet::new();
    let mut records = Vec::with_capacity(sources.len());
    for (post, source) in raw_posts.iter().zip(sources) {
        let Some(id) = id_at(post, "id") else {
            continue;
        };
        if seen.insert(id.clone()) {
            records.push(RawRecord {
                post_id: id,
                format: format.record_format().to_owned(),
                body: source.as_bytes().to_vec(),
            });
        }
    }
    records
}

/// Maps an HTTP status to the error that `parse` documents.
fn check_status(response: &HttpResponse, blog: &str, url: &str) -> Result<(), PluginError> {
    match response.status {
        200..=299 => Ok(()),
        404 => Err(PluginError::NotFound(format!(
            "blog {blog:?} was not found ({url} returned HTTP 404); check the name, or the blog \
             may be visible only to logged-in users"
        ))),
        403 => Err(PluginError::Forbidden(format!(
            "access to blog {blog:?} is forbidden ({url} returned HTTP 403)"
        ))),
        429 => Err(PluginError::RateLimited(
            retry_after_seconds(&response.headers).unwrap_or(DEFAULT_RETRY_SECONDS),
        )),
        status => Err(PluginError::Other(format!(
            "unexpected HTTP {status} from {url}; try again later"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(start: u64, num: u32) -> HttpRequest {
        request_in(Format::Json, start, num)
    }

    fn request_in(format: Format, start: u64, num: u32) -> HttpRequest {
        let context = Context {
            site: "example-blog.tumblr.com".to_owned(),
            blog: "example-blog".to_owned(),
            start,
            num,
            format,
        };
        context
            .request()
            .unwrap_or_else(|error| panic!("{error:?}"))
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            url: String::new(),
            status,
            headers: vec![("retry-after".to_owned(), "30".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn first_url(blog: &str) -> Option<String> {
        start(blog, &[])
            .ok()
            .and_then(|requests| requests.into_iter().next())
            .map(|request| request.url)
    }

    #[test]
    fn start_blog_forms() {
        let cases = [
            (
                "https://Example-Blog.tumblr.com/post/1",
                "https://example-blog.tumblr.com/api/read/json?start=0&num=50",
            ),
            (
                "example-blog",
                "https://example-blog.tumblr.com/api/read/json?start=0&num=50",
            ),
            (
                "https://www.Example.com/post/5/slug",
                "https://www.example.com/api/read/json?start=0&num=50",
            ),
        ];
        for (blog, url) in cases {
            assert_eq!(first_url(blog).as_deref(), Some(url), "{blog}");
        }
    }

    #[test]
    fn start_page_size_option() {
        let options = vec![("page-size".to_owned(), " 20 ".to_owned())];
        let requests = start("www.example.com", &options).unwrap_or_default();
        assert_eq!(requests.len(), 1);
        assert_eq!(
            Context::decode(&requests[0]),
            Ok(Context {
                site: "www.example.com".to_owned(),
                blog: "www.example.com".to_owned(),
                start: 0,
                num: 20,
                format: Format::Json,
            })
        );
    }

    #[test]
    fn start_rejections() {
        let cases = [
            ("bad name", vec![], "invalid blog"),
            ("example-blog", vec![("page-size", "0")], "1 to 50"),
            ("example-blog", vec![("page-size", "51")], "1 to 50"),
            ("example-blog", vec![("formats", "xml")], "unknown option"),
            (
                "example-blog",
                vec![("formats", "xml")],
                "format (json, xml)",
            ),
            (
                "example-blog",
                vec![("format", "html")],
                "invalid format \"html\"",
            ),
            ("example-blog", vec![("format", "html")], "json, xml"),
            ("example-blog", vec![("format", "")], "invalid format"),
        ];
        for (blog, pairs, words) in cases {
            let options: Vec<(String, String)> = pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect();
            let result = start(blog, &options);
            let Err(PluginError::InvalidInput(message)) = result else {
                panic!("{blog} {pairs:?} gave {result:?}");
            };
            assert!(message.contains(words), "{message}");
        }
    }

    #[test]
    fn parse_statuses() {
        let page = request(0, 50);
        assert_eq!(
            parse(&page, &response(429, "")),
            Err(PluginError::RateLimited(30))
        );
        let forbidden = parse(&page, &response(403, ""));
        assert!(
            matches!(&forbidden, Err(PluginError::Forbidden(m)) if m.contains("example-blog")),
            "{forbidden:?}"
        );
        let other = parse(&page, &response(503, ""));
        assert!(
            matches!(&other, Err(PluginError::Other(m)) if m.contains("503")),
            "{other:?}"
        );
    }

    #[test]
    fn parse_bad_body_names_url() {
        let page = request(0, 50);
        for body in ["<html></html>", "var tumblr_api_read = {\"posts\": 5};", ""] {
            let bad = parse(&page, &response(200, body));
            let Err(PluginError::BadResponse(message)) = bad else {
                panic!("{body:?} gave {bad:?}");
            };
            assert!(message.contains(&page.url), "{message}");
            assert!(message.contains("tumblr_api_read"), "{message}");
        }
    }

    #[test]
    fn parse_invalid_context() {
        let mut page = request(0, 50);
        page.context = "{}".to_owned();
        let result = parse(&page, &response(200, r#"{"posts": []}"#));
        assert!(matches!(result, Err(PluginError::Other(_))), "{result:?}");
    }

    #[test]
    fn parse_paging_ends() {
        let empty = parse(&request(100, 50), &response(200, r#"{"posts": []}"#));
        assert_eq!(empty.map(|page| page.next.len()), Ok(0));

        let body = r#"var tumblr_api_read = {"posts-total": "52", "posts": [{"id": "1", "type": "regular", "unix-timestamp": 7}, {"id": 2, "unix-timestamp": 9}]}"#;
        let last = parse(&request(50, 50), &response(200, body));
        assert_eq!(last.as_ref().map(|page| page.next.len()), Ok(0));
        assert_eq!(last.as_ref().map(|page| page.blog.is_none()), Ok(true));
        assert_eq!(last.as_ref().map(|page| page.posts.len()), Ok(2));

        let more = parse(&request(10, 2), &response(200, body));
        let next: Vec<String> = more
            .map(|page| page.next.into_iter().map(|r| r.url).collect())
            .unwrap_or_default();
        assert_eq!(
            next,
            ["https://example-blog.tumblr.com/api/read/json?start=12&num=2"]
        );
    }

    #[test]
    fn parse_custom_domain_blog_info() {
        let requests = start("www.example.com", &[]).unwrap_or_default();
        let Some(first) = requests.first() else {
            panic!("start returned no request");
        };
        let body = r#"{"tumblelog": {"name": "example-blog", "title": "T"}, "posts-total": 2,
            "posts": [{"id": "3", "unix-timestamp": 50}, {"id": "4", "unix-timestamp": 40}]}"#;
        let page = parse(first, &response(200, body));
        let Ok(page) = page else {
            panic!("{page:?}");
        };
        assert_eq!(
            page.blog,
            Some(BlogInfo {
                name: "example-blog".to_owned(),
                title: "T".to_owned(),
                url: "https://www.example.com/".to_owned(),
                total_posts: Some(2),
                updated: Some(50),
            })
        );
        assert_eq!(page.posts[0].blog, "example-blog");
        assert_eq!(page.next.len(), 0);
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    fn first_context(pairs: &[(&str, &str)]) -> Result<Context, PluginError> {
        let requests = start("example-blog", &options(pairs))?;
        assert_eq!(requests.len(), 1);
        Context::decode(&requests[0])
    }

    #[test]
    fn start_format_xml_url() {
        let requests = start(
            "example-blog",
            &options(&[("format", "xml"), ("page-size", "20")]),
        );
        let urls: Vec<String> = requests
            .unwrap_or_default()
            .into_iter()
            .map(|request| request.url)
            .collect();
        assert_eq!(
            urls,
            ["https://example-blog.tumblr.com/api/read?start=0&num=20"]
        );
    }

    #[test]
    fn start_format_values() {
        let cases = [
            (vec![], Format::Json),
            (vec![("format", "json")], Format::Json),
            (vec![("format", " XML ")], Format::Xml),
            (vec![("format", "xml"), ("format", "json")], Format::Json),
        ];
        for (pairs, format) in cases {
            let context = first_context(&pairs).map(|context| context.format);
            assert_eq!(context, Ok(format), "{pairs:?}");
        }
    }

    #[test]
    fn context_without_format_is_json() {
        let request = HttpRequest {
            method: "GET".to_owned(),
            url: "https://example-blog.tumblr.com/api/read/json?start=0&num=50".to_owned(),
            headers: Vec::new(),
            context:
                r#"{"site":"example-blog.tumblr.com","blog":"example-blog","start":0,"num":50}"#
                    .to_owned(),
        };
        let format = Context::decode(&request).map(|context| context.format);
        assert_eq!(format, Ok(Format::Json));
    }

    fn xml_request(start_index: u64, num: u32) -> HttpRequest {
        let context = Context {
            site: "example-blog.tumblr.com".to_owned(),
            blog: "example-blog".to_owned(),
            start: start_index,
            num,
            format: Format::Xml,
        };
        context
            .request()
            .unwrap_or_else(|error| panic!("{error:?}"))
    }

    fn ok_response(body: &str) -> HttpResponse {
        HttpResponse {
            url: String::new(),
            status: 200,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn parse_xml_paging() {
        let body = r#"<tumblr><tumblelog name="example-blog" title="T"/><posts start="10" total="15">
            <post id="1" type="regular" unix-timestamp="7"/><post id="2" type="quote" unix-timestamp="9"/>
            </posts></tumblr>"#;
        let page = parse(&xml_request(10, 2), &ok_response(body));
        let Ok(page) = page else {
            panic!("{page:?}");
        };
        let ids: Vec<&str> = page.posts.iter().map(|post| post.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(page.posts[1].post_type, "quote");
        assert_eq!(page.blog, None);
        let next: Vec<&str> = page
            .next
            .iter()
            .map(|request| request.url.as_str())
            .collect();
        assert_eq!(
            next,
            ["https://example-blog.tumblr.com/api/read?start=12&num=2"]
        );

        let last = parse(&xml_request(13, 2), &ok_response(body));
        assert_eq!(last.map(|page| page.next.len()), Ok(0));
    }

    #[test]
    fn parse_xml_bad_body() {
        let request = xml_request(0, 50);
        let json = "var tumblr_api_read = {\"posts\": []};";
        for body in ["<html></html>", json, "<tumblr><posts>"] {
            let bad = parse(&request, &ok_response(body));
            let Err(PluginError::BadResponse(message)) = bad else {
                panic!("{body:?} gave {bad:?}");
            };
            assert!(message.contains(&request.url), "{message}");
            assert!(message.contains("<tumblr>"), "{message}");
        }
    }
}
