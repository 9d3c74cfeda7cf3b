//! Test scraper built against version 9.9.9 of the plugin interface, which
//! no host loads yet. Its one export, `tumblr-archiver:plugin/crawl@9.9.9`,
//! has the name the host looks for but the wrong version, so loading it
//! must fail with a message that names both versions.

wit_bindgen::generate!({
    inline: "
        package tumblr-archiver:plugin@9.9.9;

        interface crawl {
            info: func() -> string;
        }

        world scraper {
            export crawl;
        }
    ",
    world: "scraper",
});

use exports::tumblr_archiver::plugin::crawl::Guest;

pub struct FutureScraper;

impl Guest for FutureScraper {
    fn info() -> String {
        "scraper-future-version".to_owned()
    }
}

#[cfg(target_arch = "wasm32")]
export!(FutureScraper);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_names_plugin() {
        assert_eq!(FutureScraper::info(), "scraper-future-version");
    }
}
