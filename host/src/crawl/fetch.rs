//! Performs the requests a scraper asks for, after checking them against
//! what the scraper declared, and reads the response within a size limit.

use reqwest::Method;
use url::Url;

use super::CrawlError;
use crate::net::Http;
use crate::plugin::Scraper;
use crate::plugin::types::{HttpRequest, HttpResponse};

/// Largest response body handed to a scraper, in bytes.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Performs a request that the scraper asked for, after checking its
/// method, scheme and host against what the scraper declared.
/// `extra_hosts` are hosts the user allowed besides the declared ones.
pub async fn perform(
    scraper: &Scraper,
    http: &Http,
    request: &HttpRequest,
    extra_hosts: &[String],
) -> Result<HttpResponse, CrawlError> {
    let plugin = scraper.label().to_string();
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
    if matches!(url.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))) {
        return Err(bad_request(
            "a raw IP address is not allowed; scrapers request host names they declare".to_string(),
        ));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let declared = &scraper.info.hosts;
    let allowed = declared
        .iter()
        .chain(extra_hosts)
        .any(|pattern| host_matches(pattern, &host));
    if !allowed {
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
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.')),
        None => host == pattern,
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
