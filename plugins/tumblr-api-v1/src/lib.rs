//! Scraper plugin `tumblr-api-v1`: reads a blog through Tumblr's legacy v1
//! API, which needs no API key, on the blog's `*.tumblr.com` address or its
//! custom domain. It reads the JSON form (`/api/read/json`) by default and
//! the XML form (`/api/read`) with option `format=xml`. `feed` owns the
//! crawl, `plugin_sdk::tumblr_v1_xml` turns XML into the JSON shape, and
//! `plugin_sdk::tumblr_v1` reads the posts and their media.
//!
//! It builds as a WebAssembly component for the `scraper` world and
//! natively for tests, which call the same `Guest` implementation that
//! only the wasm build exports.

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

/// The exported scraper. It keeps no state between calls; the crawl
/// position travels in `HttpRequest::context`.
pub struct TumblrApiV1;

impl Guest for TumblrApiV1 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "tumblr-api-v1".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Finds a blog's posts and media through Tumblr's legacy v1 API \
                          (/api/read/json, or /api/read in XML), without an API key"
                .to_owned(),
            // A custom domain cannot be listed here, because it is known
            // only when the user names the blog, and `*` would allow every
            // host. The host allows the custom domain that the user gives
            // as the blog.
            hosts: vec![feed::BLOG_HOSTS.to_owned()],
            needs_api_key: false,
            options: vec![
                OptionSpec {
                    name: feed::PAGE_SIZE_KEY.to_owned(),
                    help: format!(
                        "Posts per request to the read API, from 1 to {}",
                        feed::MAX_PAGE_SIZE
                    ),
                    default_value: Some(feed::MAX_PAGE_SIZE.to_string()),
                },
                OptionSpec {
                    name: feed::FORMAT_KEY.to_owned(),
                    help: format!(
                        "Response format of the read API: json requests /api/read/json and \
                         xml requests /api/read ({})",
                        feed::Format::NAMES
                    ),
                    default_value: Some("json".to_owned()),
                },
            ],
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
export!(TumblrApiV1);
