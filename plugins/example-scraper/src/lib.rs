//! Example scraper plugin for authors: reads a blog through Tumblr's legacy
//! v1 JSON API (`https://{blog}.tumblr.com/api/read/json`), which needs no
//! API key. It pages by `start` and `num`, and reads each post, photo
//! fields and HTML fields included, with `plugin_sdk::tumblr_v1`.
//!
//! Like the repository's other plugins, it builds as a WebAssembly
//! component for the `scraper` world and natively for tests. The tests call
//! the same `Guest` implementation, which only the wasm build exports.

wit_bindgen::generate!({
    path: "../../wit",
    world: "scraper",
    additional_derives: [PartialEq],
});

pub mod feed;

plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);
plugin_sdk::impl_wit_post_conversions!(crate::tumblr_archiver::plugin::types);

use exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_archiver::plugin::types::{
    HttpRequest, HttpResponse, OptionSpec, Page, PluginError, PluginInfo,
};

/// The exported scraper. It keeps no state between calls, because the host
/// may run each call in a fresh instance; the crawl position travels in
/// `HttpRequest::context`.
pub struct ExampleScraper;

impl Guest for ExampleScraper {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "example-scraper".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Example: finds a blog's posts and media through Tumblr's legacy v1 \
                          JSON API (/api/read/json), without an API key"
                .to_owned(),
            // Only the blog's own subdomain is requested, so this is the
            // whole allowlist.
            hosts: vec![feed::BLOG_HOSTS.to_owned()],
            needs_api_key: false,
            options: vec![OptionSpec {
                name: feed::PAGE_SIZE_KEY.to_owned(),
                help: format!(
                    "Posts per request to /api/read/json, from 1 to {}",
                    feed::MAX_PAGE_SIZE
                ),
                default_value: Some(feed::MAX_PAGE_SIZE.to_string()),
            }],
        }
    }

    fn start(
        blog: String,
        options: Vec<(String, String)>,
    ) -> Result<Vec<HttpRequest>, PluginError> {
        feed::start(&blog, &options)
    }

    fn parse(request: HttpRequest, response: HttpResponse) -> Result<Page, PluginError> {
        feed::parse(&request, &response)
    }
}

#[cfg(target_arch = "wasm32")]
export!(ExampleScraper);
