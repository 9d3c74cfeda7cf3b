//! A loaded scraper component and the checks on what it returns.

use std::collections::HashSet;
use std::sync::Arc;

use wasmtime::component::Component;

use super::bindings::scraper_world::{Scraper as ScraperBindings, ScraperPre};
use super::bindings::types::{HttpRequest, HttpResponse, Page, PluginInfo, Post, RawRecord};
use super::bindings::v0_1::scraper_world::{
    Scraper as ScraperBindingsV0_1, ScraperPre as ScraperPreV0_1,
};
use super::bindings::{PACKAGE_VERSION, V0_1, v0_1};
use super::error::{GuestFailure, PluginCallError, PluginLabel, PluginLoadError};
use super::runtime::{Instance, Sandbox, load_instance};

/// Most posts one `parse` call may return.
const MAX_POSTS_PER_PAGE: usize = 1000;
/// Most media items one post may carry.
const MAX_MEDIA_PER_POST: usize = 1000;
/// Most requests one call may ask for.
const MAX_REQUESTS_PER_CALL: usize = 100;
/// Maximum length of a text field of a post (id, URL, blog, type, tag, summary,
/// reblog source, trail blog), in bytes.
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Most tags one post may carry.
const MAX_TAGS_PER_POST: usize = 1000;
/// Longest URL a plugin may return, in bytes.
const MAX_URL_BYTES: usize = 8 * 1024;
/// Largest raw record of one post, in bytes.
pub const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;
/// Maximum length of a raw record's post id, in bytes. The id names the
/// record's file.
const MAX_RECORD_ID_BYTES: usize = 128;
/// Maximum length of a raw record's format name, in bytes.
const MAX_RECORD_FORMAT_BYTES: usize = 64;

/// The bindings of a scraper, by the interface version it was built for.
enum Bindings {
    Current(Instance<ScraperBindings>),
    V0_1(Instance<ScraperBindingsV0_1>),
}

pub struct Scraper {
    instance: Bindings,
    pub info: PluginInfo,
}

impl Scraper {
    /// Instantiates `component`, built against interface `version` (one
    /// of `SUPPORTED_VERSIONS`), and reads its `info`.
    pub fn load(
        sandbox: &Arc<Sandbox>,
        component: &Component,
        source_name: String,
        version: &str,
    ) -> Result<Self, PluginLoadError> {
        if version == V0_1 {
            let (instance, info) = load_instance(
                sandbox,
                component,
                source_name,
                ScraperPreV0_1::new,
                |pre, store| pre.instantiate(store),
                |bindings, store| {
                    let info = bindings.tumblr_archiver_plugin_crawl().call_info(store)?;
                    Ok(info.into())
                },
            )?;
            return Ok(Self {
                instance: Bindings::V0_1(instance),
                info,
            });
        }
        let (instance, info) = load_instance(
            sandbox,
            component,
            source_name,
            ScraperPre::new,
            |pre, store| pre.instantiate(store),
            |bindings, store| bindings.tumblr_archiver_plugin_crawl().call_info(store),
        )?;
        Ok(Self {
            instance: Bindings::Current(instance),
            info,
        })
    }

    pub fn label(&self) -> &PluginLabel {
        match &self.instance {
            Bindings::Current(instance) => &instance.label,
            Bindings::V0_1(instance) => &instance.label,
        }
    }

    /// Returns the version of the WIT package the scraper was built against.
    pub fn interface_version(&self) -> &'static str {
        match self.instance {
            Bindings::Current(_) => PACKAGE_VERSION,
            Bindings::V0_1(_) => V0_1,
        }
    }

    /// Returns whether the scraper can return raw records, which
    /// interface 0.1.0 lacks.
    pub fn returns_records(&self) -> bool {
        matches!(self.instance, Bindings::Current(_))
    }

    /// Returns the first requests for `blog`.
    pub fn start(
        &mut self,
        blog: &str,
        options: &[(String, String)],
    ) -> Result<Vec<HttpRequest>, PluginCallError> {
        let input = format!("blog {blog:?}");
        let options = options.to_vec();
        let result = match &mut self.instance {
            Bindings::Current(instance) => instance.call("start", &input, |bindings, store| {
                bindings
                    .tumblr_archiver_plugin_crawl()
                    .call_start(store, blog, &options)
            })?,
            Bindings::V0_1(instance) => instance.call("start", &input, |bindings, store| {
                let result = bindings
                    .tumblr_archiver_plugin_crawl()
                    .call_start(store, blog, &options)?;
                Ok(result
                    .map(|requests| requests.into_iter().map(Into::into).collect())
                    .map_err(Into::into))
            })?,
        };
        let requests = result.map_err(|error| self.guest_error("start", &input, error))?;
        self.check_requests("start", &input, &requests)?;
        Ok(requests)
    }

    /// Parses one response into posts and further requests.
    pub fn parse(
        &mut self,
        request: &HttpRequest,
        response: &HttpResponse,
    ) -> Result<Page, PluginCallError> {
        let input = request.url.clone();
        let result = match &mut self.instance {
            Bindings::Current(instance) => instance.call("parse", &input, |bindings, store| {
                bindings
                    .tumblr_archiver_plugin_crawl()
                    .call_parse(store, request, response)
            })?,
            Bindings::V0_1(instance) => {
                let request = v0_1::types::HttpRequest::from(request);
                let response = v0_1::types::HttpResponse::from(response);
                instance.call("parse", &input, |bindings, store| {
                    let result = bindings
                        .tumblr_archiver_plugin_crawl()
                        .call_parse(store, &request, &response)?;
                    Ok(result.map(Into::into).map_err(Into::into))
                })?
            }
        };
        let page = result.map_err(|error| self.guest_error("parse", &input, error))?;
        self.check_requests("parse", &input, &page.next)?;
        self.check_posts(&input, &page)?;
        self.check_records(&input, &page)?;
        Ok(page)
    }

    fn guest_error(
        &self,
        function: &'static str,
        input: &str,
        error: super::types::PluginError,
    ) -> PluginCallError {
        PluginCallError::Guest {
            label: self.label().clone(),
            function,
            input: input.to_string(),
            error: GuestFailure(error),
        }
    }

    fn too_large(&self, function: &'static str, input: &str, what: String) -> PluginCallError {
        PluginCallError::OutputTooLarge {
            label: self.label().clone(),
            function,
            input: input.to_string(),
            what,
        }
    }

    fn check_requests(
        &self,
        function: &'static str,
        input: &str,
        requests: &[HttpRequest],
    ) -> Result<(), PluginCallError> {
        if requests.len() > MAX_REQUESTS_PER_CALL {
            return Err(self.too_large(
                function,
                input,
                format!(
                    "{} requests (at most {MAX_REQUESTS_PER_CALL})",
                    requests.len()
                ),
            ));
        }
        if let Some(request) = requests
            .iter()
            .find(|request| request.url.len() > MAX_URL_BYTES)
        {
            return Err(self.too_large(
                function,
                input,
                format!(
                    "a request URL of {} bytes (at most {MAX_URL_BYTES})",
                    request.url.len()
                ),
            ));
        }
        Ok(())
    }

    fn check_posts(&self, input: &str, page: &Page) -> Result<(), PluginCallError> {
        if page.posts.len() > MAX_POSTS_PER_PAGE {
            return Err(self.too_large(
                "parse",
                input,
                format!("{} posts (at most {MAX_POSTS_PER_PAGE})", page.posts.len()),
            ));
        }
        for post in &page.posts {
            if let Some(what) = oversized_text(post) {
                return Err(self.too_large("parse", input, what));
            }
            if post.media.len() > MAX_MEDIA_PER_POST {
                let what = format!(
                    "post {} with {} media items (at most {MAX_MEDIA_PER_POST})",
                    post.id,
                    post.media.len()
                );
                return Err(self.too_large("parse", input, what));
            }
            let long_url = post.media.iter().flat_map(|media| {
                std::iter::once(&media.url).chain(media.alternates.iter().map(|alt| &alt.url))
            });
            if let Some(url) = long_url.into_iter().find(|url| url.len() > MAX_URL_BYTES) {
                let what = format!(
                    "post {} with a media URL of {} bytes (at most {MAX_URL_BYTES})",
                    post.id,
                    url.len()
                );
                return Err(self.too_large("parse", input, what));
            }
        }
        Ok(())
    }
}

impl Scraper {
    /// Checks that each raw record has a bounded size, a post id that is
    /// safe as a file name and belongs to a post of the page, a valid
    /// format name, and no other record for the same post.
    fn check_records(&self, input: &str, page: &Page) -> Result<(), PluginCallError> {
        if page.records.len() > MAX_POSTS_PER_PAGE {
            let what = format!(
                "{} raw records (at most {MAX_POSTS_PER_PAGE})",
                page.records.len()
            );
            return Err(self.too_large("parse", input, what));
        }
        let post_ids: HashSet<&str> = page.posts.iter().map(|post| post.id.as_str()).collect();
        let mut seen = HashSet::new();
        for record in &page.records {
            if record.body.len() > MAX_RECORD_BYTES {
                let what = format!(
                    "a raw record of {} bytes for post {} (at most {} MiB)",
                    record.body.len(),
                    short(&record.post_id),
                    MAX_RECORD_BYTES / (1024 * 1024)
                );
                return Err(self.too_large("parse", input, what));
            }
            if let Some(what) = invalid_record(record, &post_ids, &mut seen) {
                return Err(PluginCallError::InvalidOutput {
                    label: self.label().clone(),
                    function: "parse",
                    input: input.to_string(),
                    what,
                });
            }
        }
        Ok(())
    }
}

/// Describes what is wrong with `record`, if anything. `seen` collects the
/// post ids of the records checked so far.
fn invalid_record<'a>(
    record: &'a RawRecord,
    post_ids: &HashSet<&str>,
    seen: &mut HashSet<&'a str>,
) -> Option<String> {
    let id = record.post_id.as_str();
    let safe_id = !id.is_empty()
        && id.len() <= MAX_RECORD_ID_BYTES
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if !safe_id {
        return Some(format!(
            "a raw record with post id {:?}; ids may contain only ASCII letters, digits, `-` and `_`, at most {MAX_RECORD_ID_BYTES} bytes",
            short(id)
        ));
    }
    let format = record.format.as_str();
    let valid_format = !format.is_empty()
        && format.len() <= MAX_RECORD_FORMAT_BYTES
        && format
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if !valid_format {
        return Some(format!(
            "the raw record of post {id} has format {:?}; a format is lowercase letters, digits and `-`, at most {MAX_RECORD_FORMAT_BYTES} bytes",
            short(format)
        ));
    }
    if !post_ids.contains(id) {
        return Some(format!(
            "a raw record for post {id}, which is not among the posts of the page"
        ));
    }
    if !seen.insert(id) {
        return Some(format!("two raw records for post {id}"));
    }
    None
}

/// Names the first text field of `post` that exceeds its bound.
fn oversized_text(post: &Post) -> Option<String> {
    if post.tags.len() > MAX_TAGS_PER_POST {
        return Some(format!(
            "post {} with {} tags (at most {MAX_TAGS_PER_POST})",
            short(&post.id),
            post.tags.len()
        ));
    }
    let reblog = post.reblog.iter().flat_map(|source| {
        [
            Some(&source.from_blog),
            source.from_url.as_ref(),
            source.root_blog.as_ref(),
            source.root_url.as_ref(),
        ]
        .into_iter()
        .flatten()
    });
    let fields = [
        &post.id,
        &post.url,
        &post.blog,
        &post.post_type,
        &post.summary,
    ]
    .into_iter()
    .chain(post.tags.iter())
    .chain(reblog)
    .chain(
        post.media
            .iter()
            .filter_map(|media| media.trail_blog.as_ref()),
    );
    for field in fields {
        if field.len() > MAX_TEXT_BYTES {
            return Some(format!(
                "post {} with a text field of {} bytes (at most {MAX_TEXT_BYTES})",
                short(&post.id),
                field.len()
            ));
        }
    }
    None
}

/// Returns the first 40 characters of an id, for messages.
fn short(id: &str) -> String {
    id.chars().take(40).collect()
}
