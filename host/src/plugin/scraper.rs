//! A loaded scraper component and the checks on what it returns.

use std::sync::Arc;

use wasmtime::component::Component;

use super::bindings::scraper_world::{Scraper as ScraperBindings, ScraperPre};
use super::bindings::types::{HttpRequest, HttpResponse, Page, PluginInfo, Post};
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

pub struct Scraper {
    instance: Instance<ScraperBindings>,
    pub info: PluginInfo,
}

impl Scraper {
    /// Instantiates `component` and reads its `info`.
    pub fn load(
        sandbox: &Arc<Sandbox>,
        component: &Component,
        source_name: String,
    ) -> Result<Self, PluginLoadError> {
        let (instance, info) = load_instance(
            sandbox,
            component,
            source_name,
            ScraperPre::new,
            |pre, store| pre.instantiate(store),
            |bindings, store| bindings.tumblr_archiver_plugin_crawl().call_info(store),
        )?;
        Ok(Self { instance, info })
    }

    pub fn label(&self) -> &PluginLabel {
        &self.instance.label
    }

    /// Returns the first requests for `blog`.
    pub fn start(
        &mut self,
        blog: &str,
        options: &[(String, String)],
    ) -> Result<Vec<HttpRequest>, PluginCallError> {
        let input = format!("blog {blog:?}");
        let result = self.instance.call("start", &input, |bindings, store| {
            bindings
                .tumblr_archiver_plugin_crawl()
                .call_start(store, blog, &options.to_vec())
        })?;
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
        let result = self.instance.call("parse", &input, |bindings, store| {
            bindings
                .tumblr_archiver_plugin_crawl()
                .call_parse(store, request, response)
        })?;
        let page = result.map_err(|error| self.guest_error("parse", &input, error))?;
        self.check_requests("parse", &input, &page.next)?;
        self.check_posts(&input, &page)?;
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
