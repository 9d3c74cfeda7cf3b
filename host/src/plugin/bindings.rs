//! Rust bindings generated from the WIT package in `wit/`.
//!
//! Both worlds share the `types` and `host` interfaces, so the policy
//! bindings reuse the scraper's modules for them: a `Post` returned by a
//! scraper is the same Rust type that a policy receives.

pub mod scraper_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "scraper",
    });
}

pub mod policy_world {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "policy",
        with: {
            "tumblr-archiver:plugin/types": crate::plugin::bindings::scraper_world::tumblr_archiver::plugin::types,
            "tumblr-archiver:plugin/host": crate::plugin::bindings::scraper_world::tumblr_archiver::plugin::host,
        },
    });
}

pub use scraper_world::tumblr_archiver::plugin::host;
pub use scraper_world::tumblr_archiver::plugin::types;

/// The WIT package name and version that this host loads, as it appears in
/// a component's export names.
pub const PACKAGE: &str = "tumblr-archiver:plugin";
pub const PACKAGE_VERSION: &str = "0.1.0";
