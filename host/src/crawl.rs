//! Drives a run: asks the scraper for requests, performs them, hands the
//! responses back, passes each new post through the policy and queues the
//! kept media for the download pool.
//!
//! The crawl waits when the bounded job channel is full, so memory stays
//! flat however far the workers fall behind. When the crawl stops on an
//! error, the media already queued are still downloaded and the manifest
//! is still written.

mod media;
mod session;

use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;

use reqwest::Method;
use url::Url;

use crate::manifest::{BlogRecord, PostRecord, ReblogRecord, RunSummary, format_timestamp};
use crate::net::{FetchError, Http};
use crate::plugin::types::{BlogInfo, HttpRequest, HttpResponse, Post};
use crate::plugin::{PluginCallError, PluginSet};
use session::Session;

/// Largest response body handed to a scraper, in bytes.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

pub struct CrawlConfig {
    pub blog: String,
    pub out: PathBuf,
    pub dry_run: bool,
    pub concurrency: usize,
    pub scraper_options: Vec<(String, String)>,
}

/// Why a run stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Plugin(#[from] PluginCallError),

    #[error(transparent)]
    Fetch(#[from] FetchError),

    #[error(
        "scraper {plugin} asked for {url}, but host {host:?} is not among the hosts it declares ({declared})"
    )]
    HostNotAllowed {
        plugin: String,
        url: String,
        host: String,
        declared: String,
    },

    #[error("scraper {plugin} asked for {url}: {reason}")]
    BadRequest {
        plugin: String,
        url: String,
        reason: String,
    },

    #[error("response from {url} is larger than {MAX_RESPONSE_BYTES} bytes")]
    ResponseTooLarge { url: String },

    #[error("reading the response from {url} failed: {message}")]
    Body { url: String, message: String },

    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),

    #[error(transparent)]
    Setup(#[from] anyhow::Error),
}

/// What a finished run reports.
pub struct CrawlReport {
    pub dir: Option<PathBuf>,
    pub summary: Option<RunSummary>,
    /// The error that stopped the crawl early, if any.
    pub error: Option<CrawlError>,
}

/// Runs the crawl and the downloads to the end.
pub async fn run(
    mut plugins: PluginSet,
    http: Http,
    config: CrawlConfig,
) -> Result<CrawlReport, CrawlError> {
    let requests = plugins
        .scraper
        .start(&config.blog, &config.scraper_options)?;
    let mut queue: VecDeque<HttpRequest> = requests.into();
    let mut session: Option<Session> = None;
    let mut seen_posts: HashSet<String> = HashSet::new();
    let mut blog_info: Option<BlogInfo> = None;

    let mut failure = None;
    while let Some(request) = queue.pop_front() {
        let page = match fetch_and_parse(&mut plugins, &http, &request).await {
            Ok(page) => page,
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        if page.blog.is_some() {
            blog_info = page.blog.clone();
        }
        if session.is_none() {
            let name = blog_info
                .as_ref()
                .map_or(config.blog.as_str(), |info| info.name.as_str());
            session = Some(Session::open(&config, name, &plugins, &http)?);
        }
        let Some(current) = session.as_mut() else {
            unreachable!("the session was opened above");
        };
        if let Some(info) = &page.blog {
            current.blog(blog_record(info)).await;
        }
        for post in page.posts {
            if !seen_posts.insert(post.id.clone()) {
                continue;
            }
            if let Err(error) = media::handle_post(&mut plugins.policy, current, &post).await {
                failure = Some(error.into());
                break;
            }
        }
        if failure.is_some() {
            break;
        }
        queue.extend(page.next);
    }

    let Some(session) = session else {
        return match failure {
            Some(error) => Err(error),
            None => Ok(CrawlReport {
                dir: None,
                summary: None,
                error: None,
            }),
        };
    };
    let dir = session.dir().map(PathBuf::from);
    let summary = session.finish(failure.is_some()).await?;
    Ok(CrawlReport {
        dir,
        summary,
        error: failure,
    })
}

async fn fetch_and_parse(
    plugins: &mut PluginSet,
    http: &Http,
    request: &HttpRequest,
) -> Result<crate::plugin::types::Page, CrawlError> {
    let response = perform(plugins, http, request).await?;
    tracing::debug!(url = %request.url, status = response.status, bytes = response.body.len(), "fetched page");
    Ok(plugins.scraper.parse(request, &response)?)
}

/// Performs a request that the scraper asked for, after checking its
/// method, scheme and host against what the scraper declared.
async fn perform(
    plugins: &PluginSet,
    http: &Http,
    request: &HttpRequest,
) -> Result<HttpResponse, CrawlError> {
    let plugin = plugins.scraper.label().to_string();
    let bad_request = |reason: String| CrawlError::BadRequest {
        plugin: plugin.clone(),
        url: request.url.clone(),
        reason,
    };
    let method = match request.method.to_ascii_uppercase().as_str() {
        "GET" => Method::GET,
        "HEAD" => Method::HEAD,
        other => {
            return Err(bad_request(format!(
                "method {other:?} is not allowed; use GET or HEAD"
            )));
        }
    };
    let url =
        Url::parse(&request.url).map_err(|error| bad_request(format!("invalid URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad_request(format!(
            "scheme {:?} is not allowed; use http or https",
            url.scheme()
        )));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let declared = &plugins.scraper.info.hosts;
    if !declared.iter().any(|pattern| host_matches(pattern, &host)) {
        return Err(CrawlError::HostNotAllowed {
            plugin,
            url: request.url.clone(),
            host,
            declared: declared.join(", "),
        });
    }

    let fetched = http.get(method, &url, &request.headers).await?;
    let status = fetched.response.status().as_u16();
    let headers = fetched
        .response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let final_url = fetched.url.to_string();
    let body = read_limited(fetched.response, &request.url).await?;
    Ok(HttpResponse {
        url: final_url,
        status,
        headers,
        body,
    })
}

async fn read_limited(mut response: reqwest::Response, url: &str) -> Result<Vec<u8>, CrawlError> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Err(CrawlError::ResponseTooLarge {
            url: url.to_string(),
        });
    }
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|error| CrawlError::Body {
            url: url.to_string(),
            message: error.without_url().to_string(),
        })?;
        let Some(chunk) = chunk else {
            return Ok(body);
        };
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(CrawlError::ResponseTooLarge {
                url: url.to_string(),
            });
        }
        body.extend_from_slice(&chunk);
    }
}

/// Matches `host` against a declared pattern: an exact name, or `*.rest`
/// for any host that ends with `.rest`.
fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.')),
        None => host == pattern,
    }
}

fn blog_record(info: &BlogInfo) -> BlogRecord {
    BlogRecord {
        name: info.name.clone(),
        title: Some(info.title.clone()),
        url: Some(info.url.clone()),
        total_posts: info.total_posts,
        updated: info.updated,
    }
}

fn post_record(post: &Post) -> PostRecord {
    PostRecord {
        id: post.id.clone(),
        url: post.url.clone(),
        blog: post.blog.clone(),
        timestamp: post.timestamp,
        date: format_timestamp(post.timestamp),
        post_type: post.post_type.clone(),
        tags: post.tags.clone(),
        reblog: post.reblog.as_ref().map(|source| ReblogRecord {
            from_blog: source.from_blog.clone(),
            from_url: source.from_url.clone(),
            root_blog: source.root_blog.clone(),
            root_url: source.root_url.clone(),
        }),
        summary: post.summary.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::host_matches;

    #[test]
    fn declared_host_patterns() {
        assert!(host_matches("api.tumblr.com", "api.tumblr.com"));
        assert!(host_matches("API.tumblr.com", "api.tumblr.com"));
        assert!(!host_matches("api.tumblr.com", "evil.com"));
        assert!(host_matches("*.tumblr.com", "example.tumblr.com"));
        assert!(!host_matches("*.tumblr.com", "tumblr.com"));
        assert!(!host_matches("*.tumblr.com", "eviltumblr.com"));
    }
}
