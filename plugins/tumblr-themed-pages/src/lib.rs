//! Scraper plugin `tumblr-themed-pages`: finds a blog's posts and media on
//! its themed HTML pages (`https://{blog}.tumblr.com/`, `/page/N` and
//! `/post/{id}`), for blogs whose API is off. `crawl` owns the order of
//! requests and the crawl state, and `html` reads the pages with html5ever
//! through `scraper`.
//!
//! It builds as a WebAssembly component for the `scraper` world and
//! natively for tests, which call the same `Guest` implementation that
//! only the wasm build exports.

wit_bindgen::generate!({
    path: "../../wit",
    world: "scraper",
    additional_derives: [PartialEq],
});

pub mod crawl;
pub mod html;

plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);
plugin_sdk::impl_wit_post_conversions!(crate::tumblr_archiver::plugin::types);

use exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_archiver::plugin::types::{HttpRequest, HttpResponse, Page, PluginError, PluginInfo};

/// The exported scraper. It keeps no state between calls, because the
/// crawl position travels in `HttpRequest::context`.
pub struct TumblrThemedPages;

impl Guest for TumblrThemedPages {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "tumblr-themed-pages".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Finds a blog's posts and media on its themed pages (/page/N and \
                          /post/ID), for blogs whose API is off; no API key"
                .to_owned(),
            hosts: vec![crawl::BLOG_HOSTS.to_owned()],
            needs_api_key: false,
            options: Vec::new(),
        }
    }

    fn start(
        blog: String,
        options: Vec<(String, String)>,
    ) -> Result<Vec<HttpRequest>, PluginError> {
        crawl::start(&blog, &options)
    }

    fn parse(request: HttpRequest, response: HttpResponse) -> Result<Page, PluginError> {
        crawl::parse(&request, &response)
    }
}

#[cfg(target_arch = "wasm32")]
export!(TumblrThemedPages);
