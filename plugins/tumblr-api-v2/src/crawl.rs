//! The crawl as a state machine: the `/info` request that `start` returns,
//! the `/posts` requests that follow, the crawl state carried in each
//! request's `context`, and the parsing of each response into a page.
//!
//! Paging uses `offset`, never the `page_number` cursor of `_links.next`,
//! which is reported to skip posts that share a timestamp. The offset
//! advances by the number of posts a response returned, which can be fewer
//! than requested. The crawl ends on a response with no posts, or on a short
//! page (fewer posts than requested) once the offset has reached the
//! reported total. A full page never ends the crawl, because `total_posts`
//! can lag behind new posts.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use plugin_sdk::blog::parse_blog;
use plugin_sdk::json::{i64_at, str_at, u64_at};
use plugin_sdk::json_span::array_elements;

use crate::options::{Format, MAX_PAGE_SIZE, parse_options};
use crate::post::{parse_post, post_id};
use crate::status::check_status;
use crate::tumblr_archiver::plugin::types::{
    BlogInfo, HttpRequest, HttpResponse, LogLevel, Page, PluginError, RawRecord,
};

/// The only host this scraper requests.
pub const API_HOST: &str = "api.tumblr.com";

/// Crawl state, serialised as JSON into `HttpRequest::context`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlContext {
    /// API blog identifier: `{name}.tumblr.com` or a custom domain.
    pub blog: String,
    /// Posts per request.
    pub page_size: u32,
    pub format: Format,
    pub step: Step,
    /// Post count from the `/info` response, when it gave one.
    #[serde(default)]
    pub total_posts: Option<u64>,
}

/// The request a context belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// `GET /v2/blog/{blog}/info`.
    Info,
    /// `GET /v2/blog/{blog}/posts` from this offset.
    Posts { offset: u64 },
}

impl CrawlContext {
    fn encode(&self) -> Result<String, PluginError> {
        serde_json::to_string(self).map_err(|error| {
            PluginError::Other(format!("failed to encode the crawl state: {error}"))
        })
    }

    /// Decodes the context of `request`.
    ///
    /// # Errors
    ///
    /// Returns `Other` when the context is not one that this plugin wrote.
    pub fn decode(request: &HttpRequest) -> Result<Self, PluginError> {
        serde_json::from_str(&request.context).map_err(|error| {
            PluginError::Other(format!(
                "invalid crawl state {:?} for {} ({error}); the host must return each request's \
                 context unchanged, so start the crawl again",
                request.context, request.url
            ))
        })
    }

    /// Builds the request for this context's step.
    ///
    /// # Errors
    ///
    /// Returns `Other` when the context cannot be encoded.
    pub fn request(&self) -> Result<HttpRequest, PluginError> {
        let base = format!("https://{API_HOST}/v2/blog/{}", self.blog);
        let url = match self.step {
            Step::Info => format!("{base}/info"),
            Step::Posts { offset } => {
                let limit = self.page_size.clamp(1, MAX_PAGE_SIZE);
                let npf = match self.format {
                    Format::Npf => "&npf=true",
                    Format::Legacy => "",
                };
                format!("{base}/posts?limit={limit}&offset={offset}{npf}&reblog_info=true")
            }
        };
        Ok(HttpRequest {
            method: "GET".to_owned(),
            url,
            headers: vec![("accept".to_owned(), "application/json".to_owned())],
            context: self.encode()?,
        })
    }
}

/// Validates `blog` and `options` and returns the `/info` request.
///
/// # Errors
///
/// Returns `InvalidInput` for a malformed blog, an unknown option or an
/// option value out of range.
pub fn start(blog: &str, options: &[(String, String)]) -> Result<Vec<HttpRequest>, PluginError> {
    let blog = parse_blog(blog).map_err(PluginError::InvalidInput)?;
    let settings = parse_options(options).map_err(PluginError::InvalidInput)?;
    let context = CrawlContext {
        blog: blog.api_identifier(),
        page_size: settings.page_size,
        format: settings.format,
        step: Step::Info,
        total_posts: None,
    };
    Ok(vec![context.request()?])
}

/// Parses the response to a request that `start` or an earlier `parse`
/// returned.
///
/// # Errors
///
/// Returns the status errors of `check_status`, `BadResponse` when a 2xx
/// body is not the expected JSON, and `Other` for an invalid context.
pub fn parse(request: &HttpRequest, response: &HttpResponse) -> Result<Page, PluginError> {
    let context = CrawlContext::decode(request)?;
    let url = if response.url.is_empty() {
        request.url.as_str()
    } else {
        response.url.as_str()
    };
    let blog = context
        .blog
        .strip_suffix(".tumblr.com")
        .unwrap_or(&context.blog);
    check_status(response, blog, url)?;
    let expected_shape = match context.step {
        Step::Info => "a `response.blog` object",
        Step::Posts { .. } => "a `response.posts` array",
    };
    let body: Value = serde_json::from_slice(&response.body).map_err(|error| {
        PluginError::BadResponse(format!(
            "the body from {url} is not JSON ({error}); expected a Tumblr API v2 object with \
             {expected_shape}"
        ))
    })?;
    match context.step {
        Step::Info => parse_info(&context, &body, url),
        Step::Posts { offset } => {
            let mut page = parse_posts(&context, offset, &body, url)?;
            page.records = raw_records(&response.body, &body, url);
            Ok(page)
        }
    }
}

fn parse_info(context: &CrawlContext, body: &Value, url: &str) -> Result<Page, PluginError> {
    let blog = body
        .get("response")
        .and_then(|response| response.get("blog"))
        .filter(|blog| blog.is_object())
        .ok_or_else(|| expected(url, "a `response.blog` object"))?;
    let info = blog_info(blog).ok_or_else(|| expected(url, "a `response.blog.name` string"))?;
    let next = CrawlContext {
        step: Step::Posts { offset: 0 },
        total_posts: info.total_posts,
        ..context.clone()
    };
    Ok(Page {
        blog: Some(info),
        posts: Vec::new(),
        next: vec![next.request()?],
        records: Vec::new(),
    })
}

fn expected(url: &str, missing_field: &str) -> PluginError {
    PluginError::BadResponse(format!("the response from {url} has no {missing_field}"))
}

/// Reads the blog facts of an `/info` response's `response.blog` object.
/// The post count is `posts`, else `total_posts`. Returns `None` without a
/// `name`.
pub fn blog_info(blog: &Value) -> Option<BlogInfo> {
    let name = str_at(blog, "name")?.to_owned();
    let url = str_at(blog, "url")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://{name}.tumblr.com/"));
    Some(BlogInfo {
        title: str_at(blog, "title").unwrap_or_default().to_owned(),
        url,
        total_posts: u64_at(blog, "posts").or_else(|| u64_at(blog, "total_posts")),
        updated: i64_at(blog, "updated"),
        name,
    })
}

fn parse_posts(
    context: &CrawlContext,
    offset: u64,
    body: &Value,
    url: &str,
) -> Result<Page, PluginError> {
    let response = body.get("response");
    let raw_posts = response
        .and_then(|response| response.get("posts"))
        .and_then(Value::as_array)
        .ok_or_else(|| expected(url, "a `response.posts` array"))?;

    let mut seen = HashSet::new();
    let mut posts = Vec::with_capacity(raw_posts.len());
    for raw in raw_posts {
        match parse_post(raw) {
            Some(post) => {
                if seen.insert(post.id.clone()) {
                    posts.push(post);
                }
            }
            None => crate::log(
                LogLevel::Warn,
                &format!("skipped a post without a numeric id in {url}"),
            ),
        }
    }

    let returned = u64::try_from(raw_posts.len()).unwrap_or(u64::MAX);
    let total = response
        .and_then(|response| u64_at(response, "total_posts"))
        .or(context.total_posts);
    let next_offset = offset.saturating_add(returned);
    let next = if is_last_page(returned, context.page_size, next_offset, total) {
        crate::log(
            LogLevel::Debug,
            &format!(
                "reached the end of {} at offset {next_offset}",
                context.blog
            ),
        );
        Vec::new()
    } else {
        let next_context = CrawlContext {
            step: Step::Posts {
                offset: next_offset,
            },
            total_posts: total,
            ..context.clone()
        };
        vec![next_context.request()?]
    };
    Ok(Page {
        blog: None,
        posts,
        next,
        records: Vec::new(),
    })
}

/// Format name of the records this scraper returns.
pub const RECORD_FORMAT: &str = "tumblr-api-v2";

/// Returns each post object of a `/posts` response as the exact bytes of
/// `raw_body`, one record per post id, the first one where ids repeat.
/// `parsed` is the same body, already parsed.
pub fn raw_records(raw_body: &[u8], parsed: &Value, url: &str) -> Vec<RawRecord> {
    let objects = std::str::from_utf8(raw_body)
        .ok()
        .and_then(|text| array_elements(text, &["response", "posts"]));
    let parsed_posts = parsed
        .get("response")
        .and_then(|response| response.get("posts"))
        .and_then(Value::as_array);
    let (Some(objects), Some(parsed_posts)) = (objects, parsed_posts) else {
        crate::log(
            LogLevel::Warn,
            &format!("cannot find the post objects in {url}; their raw data is not saved"),
        );
        return Vec::new();
    };
    let mut seen = HashSet::new();
    let mut records = Vec::with_capacity(objects.len());
    for (object, post) in objects.iter().zip(parsed_posts) {
        let Some(id) = post_id(post) else {
            continue;
        };
        if seen.insert(id.clone()) {
            records.push(RawRecord {
                post_id: id,
                format: RECORD_FORMAT.to_owned(),
                body: object.as_bytes().to_vec(),
            });
        }
    }
    records
}

/// Returns whether a posts response ends the crawl, as the module
/// documentation describes.
pub fn is_last_page(returned: u64, page_size: u32, next_offset: u64, total: Option<u64>) -> bool {
    if returned == 0 {
        return true;
    }
    let short_page = returned < u64::from(page_size.clamp(1, MAX_PAGE_SIZE));
    short_page && total.is_some_and(|total| next_offset >= total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(step: Step, page_size: u32, format: Format) -> CrawlContext {
        CrawlContext {
            blog: "example-blog.tumblr.com".to_owned(),
            page_size,
            format,
            step,
            total_posts: None,
        }
    }

    #[test]
    fn request_urls_per_step_and_format() {
        let cases = [
            (
                Step::Info,
                20,
                Format::Npf,
                "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/info",
            ),
            (
                Step::Posts { offset: 0 },
                20,
                Format::Npf,
                "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=20&offset=0&npf=true&reblog_info=true",
            ),
            (
                Step::Posts { offset: 40 },
                7,
                Format::Legacy,
                "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=7&offset=40&reblog_info=true",
            ),
            (
                Step::Posts { offset: 5 },
                500,
                Format::Npf,
                "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=50&offset=5&npf=true&reblog_info=true",
            ),
        ];
        for (step, page_size, format, url) in cases {
            let request = context(step, page_size, format).request();
            assert_eq!(request.map(|r| r.url), Ok(url.to_owned()), "step {step:?}");
        }
    }

    #[test]
    fn request_context_round_trip() {
        let original = CrawlContext {
            total_posts: Some(483),
            ..context(Step::Posts { offset: 60 }, 30, Format::Legacy)
        };
        let request = original.request();
        let decoded = request
            .as_ref()
            .map_err(Clone::clone)
            .and_then(CrawlContext::decode);
        assert_eq!(decoded, Ok(original));
        let request = request.ok();
        assert_eq!(request.as_ref().map(|r| r.method.as_str()), Some("GET"));
        assert_eq!(
            request.map(|r| r.headers),
            Some(vec![("accept".to_owned(), "application/json".to_owned())])
        );
    }

    #[test]
    fn is_last_page_cases() {
        // (returned, page size, next offset, total, last)
        let cases = [
            (0, 20, 100, None, true),
            (0, 20, 0, Some(50), true),
            (20, 20, 20, None, false),
            (20, 20, 60, Some(40), false),
            (5, 20, 45, Some(45), true),
            (5, 20, 45, Some(60), false),
            (5, 20, 45, None, false),
            (50, 200, 50, Some(50), false),
        ];
        for (returned, page_size, next_offset, total, last) in cases {
            assert_eq!(
                is_last_page(returned, page_size, next_offset, total),
                last,
                "returned {returned}, page size {page_size}, next offset {next_offset}, total {total:?}"
            );
        }
    }
}
