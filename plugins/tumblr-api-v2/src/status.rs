//! Maps HTTP statuses of API responses to plugin errors: 404 (blog not
//! found, or visible only to logged-in users), 401 and 403 (key rejected,
//! access forbidden), 429 (rate limited) and every other non-2xx status.

use serde_json::Value;

use plugin_sdk::http::{DEFAULT_RETRY_SECONDS, retry_after_seconds};
use plugin_sdk::json::{array_at, u64_at};

use crate::tumblr_archiver::plugin::types::{HttpResponse, PluginError};

/// Tumblr's error code for a blog that only logged-in users can see.
pub const DASHBOARD_ONLY_CODE: u64 = 4012;

/// Returns `Ok` for a 2xx status and the matching error otherwise. `blog`
/// names the blog in messages, and `url` is the URL that failed.
///
/// # Errors
///
/// - 404: `LoginRequired` when the body carries error code 4012 (a
///   dashboard-only blog), else `NotFound`.
/// - 401: `Unauthorized`, the API key was rejected.
/// - 403: `Forbidden`, access is denied.
/// - 429: `RateLimited` with the seconds of a numeric `retry-after` header,
///   else 60.
/// - any other status outside 200–299: `Other` with the status and URL.
pub fn check_status(response: &HttpResponse, blog: &str, url: &str) -> Result<(), PluginError> {
    match response.status {
        200..=299 => Ok(()),
        404 if has_error_code(&response.body, DASHBOARD_ONLY_CODE) => {
            Err(PluginError::LoginRequired(format!(
                "blog {blog:?} is only visible to logged-in Tumblr users (dashboard-only), so the \
             API does not return its posts; ask its owner to make it public"
            )))
        }
        404 => Err(PluginError::NotFound(format!(
            "blog {blog:?} was not found ({url} returned HTTP 404); check the spelling of the \
             name or the domain"
        ))),
        401 => Err(PluginError::Unauthorized(format!(
            "the Tumblr API rejected the API key (HTTP 401 from {url}); check the key \
             (the OAuth consumer key of a registered Tumblr application)"
        ))),
        403 => Err(PluginError::Forbidden(format!(
            "access to blog {blog:?} is forbidden (HTTP 403 from {url}); the blog may be \
             private or the API key may lack access"
        ))),
        429 => Err(PluginError::RateLimited(
            retry_after_seconds(&response.headers).unwrap_or(DEFAULT_RETRY_SECONDS),
        )),
        status => Err(PluginError::Other(format!(
            "unexpected HTTP {status} from {url}; try again later"
        ))),
    }
}

/// Returns whether the JSON `body` lists an error with `code` in its
/// `errors` array.
fn has_error_code(body: &[u8], code: u64) -> bool {
    serde_json::from_slice::<Value>(body).is_ok_and(|value| {
        array_at(&value, "errors")
            .iter()
            .any(|error| u64_at(error, "code") == Some(code))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse {
            url: "https://api.tumblr.com/v2/blog/x.tumblr.com/info".to_owned(),
            status,
            headers: headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn check(response: &HttpResponse) -> Result<(), PluginError> {
        check_status(response, "x", &response.url)
    }

    #[test]
    fn check_status_success_range() {
        assert_eq!(check(&response(200, &[], "")), Ok(()));
        assert_eq!(check(&response(204, &[], "")), Ok(()));
    }

    #[test]
    fn check_status_retry_after() {
        let cases = [
            (vec![("retry-after", "120")], 120),
            (vec![("Retry-After", " 7 ")], 7),
            (vec![("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], 60),
            (vec![("retry-after", "99999999999")], u32::MAX),
            (vec![], 60),
        ];
        for (headers, seconds) in cases {
            let result = check(&response(429, &headers, "{}"));
            assert_eq!(
                result,
                Err(PluginError::RateLimited(seconds)),
                "headers {headers:?}"
            );
        }
    }

    #[test]
    fn check_status_other_names_status_and_url() {
        let result = check(&response(503, &[], "<html>"));
        let Err(PluginError::Other(message)) = result else {
            panic!("expected Other, got {result:?}");
        };
        assert!(message.contains("503"), "{message}");
        assert!(
            message.contains("https://api.tumblr.com/v2/blog/x.tumblr.com/info"),
            "{message}"
        );
    }

    #[test]
    fn check_status_404_without_json() {
        let result = check(&response(404, &[], "not json"));
        assert!(
            matches!(result, Err(PluginError::NotFound(ref m)) if m.contains("not found")),
            "{result:?}"
        );
    }
}
