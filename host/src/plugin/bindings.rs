//! Rust bindings generated from the WIT package in `wit/`, and from the
//! frozen copy of each earlier release that the host still loads.
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

/// Bindings of the released interface 0.1.0, from `wit/0.1.0/`.
///
/// Its `page` record lacks `records`, so its scraper world has types of its
/// own, converted in `released`. Every type that the `select` interface
/// uses is the same in 0.1.0 and 0.2.0, so its policy world reuses the
/// current types: wasmtime checks component types by their structure, not
/// by the name of their interface.
pub mod v0_1 {
    pub mod scraper_world {
        wasmtime::component::bindgen!({
            path: "../wit/0.1.0",
            world: "scraper",
        });
    }

    pub mod policy_world {
        wasmtime::component::bindgen!({
            path: "../wit/0.1.0",
            world: "policy",
            with: {
                "tumblr-archiver:plugin/types": crate::plugin::bindings::scraper_world::tumblr_archiver::plugin::types,
                "tumblr-archiver:plugin/host": crate::plugin::bindings::v0_1::scraper_world::tumblr_archiver::plugin::host,
            },
        });
    }

    pub use scraper_world::tumblr_archiver::plugin::host;
    pub use scraper_world::tumblr_archiver::plugin::types;
}

pub use scraper_world::tumblr_archiver::plugin::host;
pub use scraper_world::tumblr_archiver::plugin::types;

/// The WIT package name and version that this host loads, as it appears in
/// a component's export names.
pub const PACKAGE: &str = "tumblr-archiver:plugin";
pub const PACKAGE_VERSION: &str = "0.2.0";

/// Versions of the WIT package that this host loads, newest first.
pub const SUPPORTED_VERSIONS: [&str; 2] = [PACKAGE_VERSION, V0_1];

/// The first released version, whose scrapers return no raw records.
pub const V0_1: &str = "0.1.0";
