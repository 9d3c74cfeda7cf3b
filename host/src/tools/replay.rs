//! Runs a scraper on recorded responses and a policy on recorded posts.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use serde_json::{Value, json};

use super::convert::{blog_to_json, post_from_json, post_to_json};
use crate::plugin::types::{HttpRequest, HttpResponse};
use crate::plugin::{Policy, Scraper};
use crate::report::{ExitStatus, Failure};

/// Most requests one replay follows, so a scraper that never stops ends.
const MAX_REQUESTS: usize = 10_000;

/// A recorded response.
struct Recorded {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A test that cannot run (a missing recording, a plugin error, bad
/// input) exits with status 2, apart from status 1 for a differing output.
fn failure(message: String) -> Failure {
    Failure::new(ExitStatus::Usage, message)
}

/// Feeds the scraper the recorded responses, starting from `blog`, and
/// returns the blog and the posts it found.
pub fn scraper(
    scraper: &mut Scraper,
    blog: &str,
    options: &[(String, String)],
    folder: &Path,
) -> Result<Value, Failure> {
    let recorded = read_recordings(folder)?;
    let mut queue: VecDeque<HttpRequest> = scraper
        .start(blog, options)
        .map_err(|error| failure(error.to_string()))?
        .into();
    let mut seen = HashSet::new();
    let mut posts = Vec::new();
    let mut blog_info = Value::Null;
    let mut requests = 0;
    while let Some(request) = queue.pop_front() {
        requests += 1;
        if requests > MAX_REQUESTS {
            return Err(failure(format!(
                "the scraper asked for more than {MAX_REQUESTS} requests; stopping"
            )));
        }
        let Some(answer) = recorded.get(&request.url) else {
            let names: Vec<&String> = recorded.keys().collect();
            return Err(failure(format!(
                "no recorded response for {}\nhint: add a file to {} with \"url\": \"{}\"; recorded URLs: {names:?}",
                request.url,
                folder.display(),
                request.url
            )));
        };
        let response = HttpResponse {
            url: request.url.clone(),
            status: answer.status,
            headers: answer.headers.clone(),
            body: answer.body.clone(),
        };
        let page = scraper
            .parse(&request, &response)
            .map_err(|error| failure(error.to_string()))?;
        if let Some(info) = &page.blog {
            blog_info = blog_to_json(info);
        }
        for post in &page.posts {
            if seen.insert(post.id.clone()) {
                posts.push(post_to_json(post));
            }
        }
        queue.extend(page.next);
    }
    Ok(json!({ "blog": blog_info, "posts": posts }))
}

/// Asks the policy about every post and media item in `posts_file`.
pub fn policy(
    policy: &mut Policy,
    options: Vec<(String, String)>,
    posts_file: &Path,
) -> Result<Value, Failure> {
    policy
        .configure(options)
        .map_err(|error| Failure::new(ExitStatus::Usage, error.to_string()))?;
    let text = std::fs::read_to_string(posts_file)
        .map_err(|error| failure(format!("cannot read {}: {error}", posts_file.display())))?;
    let value: Value = serde_json::from_str(&text).map_err(|error| {
        failure(format!(
            "{} is not valid JSON: {error}",
            posts_file.display()
        ))
    })?;
    let list = value.get("posts").unwrap_or(&value);
    let Some(list) = list.as_array() else {
        return Err(failure(format!(
            "{} must hold a list of posts, or an object with a \"posts\" list",
            posts_file.display()
        )));
    };
    let mut decisions = Vec::new();
    for (number, item) in list.iter().enumerate() {
        let post = post_from_json(item).map_err(|error| {
            failure(format!(
                "post {number} in {}: {error}",
                posts_file.display()
            ))
        })?;
        let keep = policy
            .keep_post(&post)
            .map_err(|error| failure(error.to_string()))?;
        let mut media = Vec::new();
        for (index, item) in post.media.iter().enumerate() {
            let keep_media = keep
                && policy
                    .keep_media(&post, item)
                    .map_err(|error| failure(error.to_string()))?;
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let filename = if keep_media {
                Some(
                    policy
                        .filename(&post, item, index)
                        .map_err(|error| failure(error.to_string()))?,
                )
            } else {
                None
            };
            media.push(json!({ "url": item.url, "keep": keep_media, "filename": filename }));
        }
        decisions.push(json!({ "id": post.id, "keep": keep, "media": media }));
    }
    Ok(json!({ "posts": decisions }))
}

/// Reads every `*.json` exchange file in `folder`, keyed by its URL.
fn read_recordings(folder: &Path) -> Result<HashMap<String, Recorded>, Failure> {
    let entries = std::fs::read_dir(folder).map_err(|error| {
        failure(format!(
            "cannot read the folder {}: {error}",
            folder.display()
        ))
    })?;
    let mut recorded = HashMap::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("json") {
            continue;
        }
        let describe = |message: String| failure(format!("{}: {message}", path.display()));
        let text = std::fs::read_to_string(&path).map_err(|error| describe(error.to_string()))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|error| describe(format!("not valid JSON: {error}")))?;
        let Some(url) = value.get("url").and_then(Value::as_str) else {
            continue;
        };
        let status = value
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|status| u16::try_from(status).ok())
            .unwrap_or(200);
        let headers = value
            .get("headers")
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(name, value)| {
                        (
                            name.to_ascii_lowercase(),
                            value.as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = match (
            value.get("body_file").and_then(Value::as_str),
            value.get("body"),
        ) {
            (Some(file), _) => std::fs::read(folder.join(file))
                .map_err(|error| describe(format!("cannot read body_file {file:?}: {error}")))?,
            (None, Some(Value::String(body))) => body.clone().into_bytes(),
            (None, Some(body)) => body.to_string().into_bytes(),
            (None, None) => Vec::new(),
        };
        recorded.insert(
            url.to_string(),
            Recorded {
                status,
                headers,
                body,
            },
        );
    }
    Ok(recorded)
}
