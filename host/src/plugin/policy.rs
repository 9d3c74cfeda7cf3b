//! A loaded policy component. Every new instance is configured with the
//! user's options before its first decision.

use std::sync::Arc;

use wasmtime::component::Component;

use super::bindings::policy_world::{Policy as PolicyBindings, PolicyPre};
use super::bindings::types::{Media, PluginInfo, Post};
use super::bindings::v0_1::policy_world::{
    Policy as PolicyBindingsV0_1, PolicyPre as PolicyPreV0_1,
};
use super::bindings::{PACKAGE_VERSION, V0_1};
use super::error::{GuestFailure, PluginCallError, PluginLabel, PluginLoadError};
use super::runtime::{Instance, Sandbox, load_instance};

/// The bindings of a policy, by the interface version it was built for.
/// Both versions take and return the same Rust types.
enum Bindings {
    Current(Instance<PolicyBindings>),
    V0_1(Instance<PolicyBindingsV0_1>),
}

/// Calls `$body` with the policy's `select` export as `$select` and the
/// store as `$store`, whichever interface version the policy has.
macro_rules! call_select {
    ($policy:expr, $function:expr, $input:expr, |$select:ident, $store:ident| $body:expr) => {
        match &mut $policy.instance {
            Bindings::Current(instance) => instance.call($function, $input, |bindings, $store| {
                let $select = bindings.tumblr_archiver_plugin_select();
                $body
            }),
            Bindings::V0_1(instance) => instance.call($function, $input, |bindings, $store| {
                let $select = bindings.tumblr_archiver_plugin_select();
                $body
            }),
        }
    };
}

pub struct Policy {
    instance: Bindings,
    options: Vec<(String, String)>,
    pub info: PluginInfo,
}

impl Policy {
    /// Instantiates `component`, built against interface `version` (one
    /// of `SUPPORTED_VERSIONS`), and reads its `info`.
    pub fn load(
        sandbox: &Arc<Sandbox>,
        component: &Component,
        source_name: String,
        version: &str,
    ) -> Result<Self, PluginLoadError> {
        let (instance, info) = if version == V0_1 {
            let (instance, info) = load_instance(
                sandbox,
                component,
                source_name,
                PolicyPreV0_1::new,
                |pre, store| pre.instantiate(store),
                |bindings, store| bindings.tumblr_archiver_plugin_select().call_info(store),
            )?;
            (Bindings::V0_1(instance), info)
        } else {
            let (instance, info) = load_instance(
                sandbox,
                component,
                source_name,
                PolicyPre::new,
                |pre, store| pre.instantiate(store),
                |bindings, store| bindings.tumblr_archiver_plugin_select().call_info(store),
            )?;
            (Bindings::Current(instance), info)
        };
        Ok(Self {
            instance,
            options: Vec::new(),
            info,
        })
    }

    pub fn label(&self) -> &PluginLabel {
        match &self.instance {
            Bindings::Current(instance) => &instance.label,
            Bindings::V0_1(instance) => &instance.label,
        }
    }

    /// Returns the version of the WIT package the policy was built against.
    pub fn interface_version(&self) -> &'static str {
        match self.instance {
            Bindings::Current(_) => PACKAGE_VERSION,
            Bindings::V0_1(_) => V0_1,
        }
    }

    /// Stores the options and applies them to the current instance; every
    /// later instance gets them too.
    pub fn configure(&mut self, options: Vec<(String, String)>) -> Result<(), PluginCallError> {
        self.options = options;
        self.call_configure()
    }

    fn call_configure(&mut self) -> Result<(), PluginCallError> {
        let options = self.options.clone();
        let result = call_select!(self, "configure", "the plugin options", |select, store| {
            select.call_configure(store, &options)
        })?;
        result.map_err(|error| PluginCallError::Guest {
            label: self.label().clone(),
            function: "configure",
            input: "the plugin options".into(),
            error: GuestFailure(error),
        })
    }

    /// Configures a fresh instance, as after a trap, before it is used.
    fn ensure_configured(&mut self) -> Result<(), PluginCallError> {
        let fresh = match &self.instance {
            Bindings::Current(instance) => instance.is_fresh(),
            Bindings::V0_1(instance) => instance.is_fresh(),
        };
        if fresh { self.call_configure() } else { Ok(()) }
    }

    pub fn keep_post(&mut self, post: &Post) -> Result<bool, PluginCallError> {
        self.ensure_configured()?;
        let input = format!("post {}", post.id);
        call_select!(self, "keep-post", &input, |select, store| {
            select.call_keep_post(store, post)
        })
    }

    pub fn keep_media(&mut self, post: &Post, item: &Media) -> Result<bool, PluginCallError> {
        self.ensure_configured()?;
        let input = format!("post {} media {}", post.id, item.url);
        call_select!(self, "keep-media", &input, |select, store| {
            select.call_keep_media(store, post, item)
        })
    }

    pub fn filename(
        &mut self,
        post: &Post,
        item: &Media,
        index: u32,
    ) -> Result<String, PluginCallError> {
        self.ensure_configured()?;
        let input = format!("post {} media {}", post.id, item.url);
        call_select!(self, "filename", &input, |select, store| {
            select.call_filename(store, post, item, index)
        })
    }
}
