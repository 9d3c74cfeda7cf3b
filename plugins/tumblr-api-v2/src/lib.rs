//! Scraper plugin for the Tumblr API v2. It turns a blog name into a
//! `/info` request, then pages through `/posts` by offset, and turns every
//! post of both response formats (NPF blocks and legacy HTML fields) into
//! posts with their media. The HTML scanning, media URL rules and blog-name
//! parsing come from `plugin-sdk`. It builds as a WebAssembly component for the
//! `scraper` world, and natively for tests, which call the same `Guest`
//! implementation and the public parsing functions without exporting them.

wit_bindgen::generate!({
    path: "../../wit",
    world: "scraper",
    additional_derives: [PartialEq],
});

pub mod crawl;
pub mod legacy;
pub mod npf;
pub mod options;
pub mod post;
pub mod status;

plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);

use exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_archiver::plugin::types::{
    HttpRequest, HttpResponse, LogLevel, Page, PluginError, PluginInfo,
};

/// The exported scraper. It keeps no state between calls: everything a
/// later call needs travels in `HttpRequest::context`.
pub struct TumblrApiV2;

impl Guest for TumblrApiV2 {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "tumblr-api-v2".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Finds a blog's posts and their images, GIFs, videos, audio and \
                          embeds through the Tumblr API v2"
                .to_owned(),
            hosts: vec![crawl::API_HOST.to_owned()],
            needs_api_key: true,
            options: options::option_specs(),
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
export!(TumblrApiV2);

/// Writes `message` to the host's log. The host import exists only inside
/// the component, so native builds (the tests) drop the message.
pub(crate) fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    tumblr_archiver::plugin::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}
