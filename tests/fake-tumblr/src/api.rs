//! The Tumblr API v2 routes of the fake server: blog info and pages of
//! posts, built from the recorded responses in `api-v2/` or generated.
//! Errors use the recorded bodies for a missing key, a missing blog, a
//! dashboard-only blog and an exhausted quota.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::http::{RequestHead, Response, parse_query, percent_decode, percent_encode};
use crate::synthetic;

/// File of `api-v2/` that contains a bare array of posts rather than a full
/// response. `default_post_files` serves it after the full responses.
pub const BARE_POSTS_FILE: &str = "legacy-post-objects-all-types.json";

/// The recorded responses that the API routes serve, loaded once.
#[derive(Debug)]
pub struct Fixtures {
    /// Body of `blog-info.json`.
    info: Value,
    /// `response.blog` of `blog-info.json`, repeated in every posts page.
    blog: Value,
    /// Every served post, in order.
    posts: Vec<Value>,
    /// Body of `error-responses.json`, keyed by case.
    errors: Value,
    /// Media paths served with the bytes of another path.
    media_aliases: HashMap<String, String>,
}

impl Fixtures {
    /// Loads the files that `config` names from `config.fixtures_dir`, or
    /// takes `config.posts`, or generates the posts of `config.synthetic`.
    /// A generated blog keeps the recorded blog info with its post count
    /// set to the generated one.
    pub fn load(config: &Config) -> io::Result<Self> {
        let api_dir = config.fixtures_dir.join("api-v2");
        let info_path = api_dir.join("blog-info.json");
        let mut info = read_json(&info_path)?;
        if !info.pointer("/response/blog").is_some_and(Value::is_object) {
            return Err(invalid_fixture(&info_path, "response.blog"));
        }
        let errors = read_json(&api_dir.join("error-responses.json"))?;

        let (posts, media_aliases) = match (&config.posts, &config.synthetic) {
            (Some(posts), _) => (posts.clone(), HashMap::new()),
            (None, Some(generated)) => {
                let name = info
                    .pointer("/response/blog/name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid_fixture(&info_path, "response.blog.name"))?
                    .to_string();
                if let Some(blog) = info.pointer_mut("/response/blog") {
                    blog["posts"] = json!(generated.posts);
                    blog["total_posts"] = json!(generated.posts);
                }
                (
                    synthetic::posts(generated, &name),
                    synthetic::media_aliases(generated),
                )
            }
            (None, None) => {
                let files = match &config.post_files {
                    Some(files) => files.clone(),
                    None => default_post_files(&config.fixtures_dir)?,
                };
                let mut posts = Vec::new();
                for file in &files {
                    posts.extend(posts_of_file(&api_dir.join(file))?);
                }
                (posts, HashMap::new())
            }
        };
        let blog = info.pointer("/response/blog").cloned().unwrap_or_default();
        Ok(Self {
            info,
            blog,
            posts,
            errors,
            media_aliases,
        })
    }

    /// Returns every served post, in order.
    pub fn posts(&self) -> &[Value] {
        &self.posts
    }

    /// Sets field `field` of the first post whose `id_string`, or `id`
    /// where it has none, is `id` to `value`. Returns whether the post
    /// exists.
    pub fn edit_post(&mut self, id: &str, field: &str, value: Value) -> bool {
        let has_id = |post: &Value| match (&post["id_string"], &post["id"]) {
            (Value::String(id_string), _) => id_string == id,
            (_, Value::Number(number)) => number.to_string() == id,
            (_, Value::String(text)) => text == id,
            _ => false,
        };
        let Some(post) = self.posts.iter_mut().find(|post| has_id(post)) else {
            return false;
        };
        post[field] = value;
        true
    }

    /// Returns `response.blog` of the blog info, the object that every
    /// posts page repeats.
    pub fn blog(&self) -> &Value {
        &self.blog
    }

    /// Returns the path whose bytes `path` serves: its alias, or itself.
    pub fn media_source<'a>(&'a self, path: &'a str) -> &'a str {
        self.media_aliases.get(path).map_or(path, String::as_str)
    }
}

/// Lists the files of `api-v2/` whose posts are served by default: every
/// file holding `response.posts`, by file name, then `BARE_POSTS_FILE`
/// when present.
pub fn default_post_files(fixtures_dir: &Path) -> io::Result<Vec<String>> {
    let api_dir = fixtures_dir.join("api-v2");
    let entries = fs::read_dir(&api_dir).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot list fixtures folder {}: {error}", api_dir.display()),
        )
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(name);
        }
    }
    names.sort();

    let mut files = Vec::new();
    for name in &names {
        let body = read_json(&api_dir.join(name))?;
        if body.pointer("/response/posts").is_some_and(Value::is_array) {
            files.push(name.clone());
        }
    }
    if names.iter().any(|name| name == BARE_POSTS_FILE) {
        files.push(BARE_POSTS_FILE.to_string());
    }
    Ok(files)
}

fn posts_of_file(path: &Path) -> io::Result<Vec<Value>> {
    match read_json(path)? {
        Value::Array(posts) => Ok(posts),
        body => match body.pointer("/response/posts") {
            Some(Value::Array(posts)) => Ok(posts.clone()),
            _ => Err(invalid_fixture(
                path,
                "response.posts or a bare array of posts",
            )),
        },
    }
}

fn read_json(path: &Path) -> io::Result<Value> {
    let text = fs::read_to_string(path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("cannot read fixture {}: {error}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|error| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("fixture {} is not valid JSON: {error}", path.display()),
        )
    })
}

fn invalid_fixture(path: &Path, expected: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("fixture {} lacks {expected}", path.display()),
    )
}

/// Returns whether the request carries the API key that `config` accepts.
pub fn key_accepted(config: &Config, head: &RequestHead) -> bool {
    let query = parse_query(&head.query);
    query_value(&query, "api_key") == Some(config.api_key.as_str())
}

/// Builds the 429 sent while a quota is used up: the recorded
/// `limit_exceeded_429` body when the fixtures have it, else one in
/// Tumblr's shape. The recorded rate-limit headers are not sent, because
/// the caller adds the current ones.
pub fn limit_exceeded(fixtures: &Fixtures) -> Response {
    let recorded = &fixtures.errors["limit_exceeded_429"];
    match recorded.get("body") {
        Some(body) => Response::json(429, body),
        None => error_body(429, "Limit Exceeded", "the API quota is used up"),
    }
}

/// Builds the response to a request whose path starts with `/v2/`.
pub fn handle(fixtures: &Fixtures, config: &Config, head: &RequestHead) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        return error_body(405, "Method Not Allowed", "only GET and HEAD are served")
            .with_header("Allow", "GET, HEAD");
    }
    if !key_accepted(config, head) {
        return recorded_error(fixtures, "unauthorized_401");
    }
    let query = parse_query(&head.query);

    let segments: Vec<&str> = head.path.trim_matches('/').split('/').collect();
    let (blog, route) = match segments.as_slice() {
        ["v2", "blog", blog, route @ ..] if !blog.is_empty() => (*blog, route),
        _ => return recorded_error(fixtures, "blog_not_found_404"),
    };
    let blog_name = normalize_blog(blog);
    if listed(&config.not_found_blogs, &blog_name) {
        return recorded_error(fixtures, "blog_not_found_404");
    }
    if listed(&config.dashboard_only_blogs, &blog_name) {
        return recorded_error(fixtures, "dashboard_only_blog_404");
    }
    if listed(&config.forbidden_blogs, &blog_name) {
        return error_body(
            403,
            "Forbidden",
            "You do not have permission to view this blog",
        );
    }

    match route {
        ["info"] => Response::json(200, &fixtures.info),
        ["posts"] => posts_page(fixtures, config, blog, &query, None),
        ["posts", post_type] => posts_page(fixtures, config, blog, &query, Some(post_type)),
        _ => recorded_error(fixtures, "blog_not_found_404"),
    }
}

/// Builds one page of posts, sliced by `offset` and `limit`, optionally
/// keeping only posts of one type (from the path or the `type` parameter)
/// and only posts older than the `before` timestamp.
fn posts_page(
    fixtures: &Fixtures,
    config: &Config,
    blog: &str,
    query: &[(String, String)],
    path_type: Option<&str>,
) -> Response {
    let offset = match number_param(query, "offset", 0) {
        Ok(offset) => offset,
        Err(response) => return response,
    };
    let limit = match number_param(query, "limit", config.max_limit) {
        Ok(0) => config.max_limit,
        Ok(limit) => limit.min(config.max_limit),
        Err(response) => return response,
    };
    let post_type = path_type.or_else(|| query_value(query, "type"));
    let before = match query_value(query, "before") {
        None | Some("") => None,
        Some(text) => match text.parse::<i64>() {
            Ok(before) => Some(before),
            Err(_) => {
                return error_body(
                    400,
                    "Bad Request",
                    &format!("parameter before must be a Unix timestamp, got {text:?}"),
                );
            }
        },
    };

    let selected: Vec<&Value> = fixtures
        .posts
        .iter()
        .filter(|post| post_type.is_none_or(|wanted| post["type"].as_str() == Some(wanted)))
        .filter(|post| {
            before.is_none_or(|before| post["timestamp"].as_i64().is_some_and(|t| t < before))
        })
        .collect();
    let total = selected.len();
    let slice: Vec<Value> = selected
        .iter()
        .skip(offset)
        .take(limit)
        .map(|post| (*post).clone())
        .collect();

    let mut response = Map::new();
    response.insert("blog".to_string(), fixtures.blog.clone());
    response.insert("posts".to_string(), Value::Array(slice.clone()));
    response.insert("total_posts".to_string(), json!(total));
    let next_offset = offset + slice.len();
    if !slice.is_empty() && next_offset < total {
        response.insert(
            "_links".to_string(),
            next_link(blog, query, path_type, next_offset, limit),
        );
    }
    Response::json(
        200,
        &json!({"meta": {"status": 200, "msg": "OK"}, "response": response}),
    )
}

/// Builds `_links.next` for offset paging. The request's other parameters
/// are kept, except `api_key`, which Tumblr never echoes.
fn next_link(
    blog: &str,
    query: &[(String, String)],
    path_type: Option<&str>,
    offset: usize,
    limit: usize,
) -> Value {
    let mut params = Map::new();
    for (key, value) in query {
        if !matches!(key.as_str(), "api_key" | "offset" | "limit") {
            params.insert(key.clone(), Value::String(value.clone()));
        }
    }
    params.insert("offset".to_string(), Value::String(offset.to_string()));
    params.insert("limit".to_string(), Value::String(limit.to_string()));

    let encoded: Vec<String> = params
        .iter()
        .map(|(key, value)| {
            let value = value.as_str().unwrap_or_default();
            format!("{}={}", percent_encode(key), percent_encode(value))
        })
        .collect();
    let route = match path_type {
        Some(post_type) => format!("posts/{post_type}"),
        None => "posts".to_string(),
    };
    json!({"next": {
        "href": format!("/v2/blog/{blog}/{route}?{}", encoded.join("&")),
        "method": "GET",
        "query_params": params,
    }})
}

fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Parses a non-negative integer parameter, or returns the 400 response.
fn number_param(query: &[(String, String)], name: &str, default: usize) -> Result<usize, Response> {
    match query_value(query, name) {
        None | Some("") => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            error_body(
                400,
                "Bad Request",
                &format!("parameter {name} must be a non-negative integer, got {text:?}"),
            )
        }),
    }
}

/// Returns the blog's short name: decoded, lowercase, without
/// `.tumblr.com`.
fn normalize_blog(blog: &str) -> String {
    let blog = percent_decode(blog).to_ascii_lowercase();
    match blog.strip_suffix(".tumblr.com") {
        Some(name) => name.to_string(),
        None => blog,
    }
}

/// Returns whether `blogs` names the blog `name`, in any form that
/// `normalize_blog` accepts.
pub fn listed(blogs: &[String], name: &str) -> bool {
    blogs.iter().any(|blog| normalize_blog(blog) == name)
}

/// Returns the recorded error of `case` in `error-responses.json`, or a 500
/// naming the missing case.
fn recorded_error(fixtures: &Fixtures, case: &str) -> Response {
    let recorded = &fixtures.errors[case];
    let status = recorded["http_status"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok());
    match (status, recorded.get("body")) {
        (Some(status), Some(body)) => Response::json(status, body),
        _ => Response::text(
            500,
            &format!(
                "fake-tumblr: error-responses.json lacks case {case:?} with http_status and body"
            ),
        ),
    }
}

/// Builds an error body in Tumblr's shape for cases the recordings lack.
fn error_body(status: u16, title: &str, detail: &str) -> Response {
    Response::json(
        status,
        &json!({
            "meta": {"status": status, "msg": title},
            "response": [],
            "errors": [{"title": title, "code": 0, "detail": detail}],
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_blog_forms() {
        assert_eq!(normalize_blog("Example-Blog"), "example-blog", "lowercased");
        assert_eq!(
            normalize_blog("example-blog.tumblr.com"),
            "example-blog",
            "suffix removed"
        );
        assert_eq!(
            normalize_blog("example%2Dblog"),
            "example-blog",
            "percent-decoded"
        );
        assert_eq!(
            normalize_blog("www.example.com"),
            "www.example.com",
            "custom domain kept"
        );
    }

    #[test]
    fn next_link_keeps_params() {
        let query = parse_query("api_key=secret&npf=true&offset=0&limit=5");
        let link = next_link("example-blog", &query, None, 5, 5);
        let href = link["next"]["href"].as_str().expect("href is a string");
        assert!(
            href.starts_with("/v2/blog/example-blog/posts?"),
            "href path: {href}"
        );
        assert!(href.contains("npf=true"), "other parameters kept: {href}");
        assert!(href.contains("offset=5"), "next offset: {href}");
        assert!(
            !href.contains("secret"),
            "the API key is never echoed: {href}"
        );
        assert_eq!(
            link["next"]["query_params"]["limit"], "5",
            "limit in query_params"
        );
    }
}
