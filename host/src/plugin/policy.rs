//! A loaded policy component. Every new instance is configured with the
//! user's options before its first decision.

use std::sync::Arc;

use wasmtime::component::Component;

use super::bindings::policy_world::{Policy as PolicyBindings, PolicyPre};
use super::bindings::types::{Media, PluginInfo, Post};
use super::error::{GuestFailure, PluginCallError, PluginLabel, PluginLoadError};
use super::runtime::{Instance, Sandbox};

pub struct Policy {
    instance: Instance<PolicyBindings>,
    options: Vec<(String, String)>,
    pub info: PluginInfo,
}

impl Policy {
    /// Instantiates `component` and reads its `info`.
    pub fn load(
        sandbox: &Arc<Sandbox>,
        component: &Component,
        source_name: String,
    ) -> Result<Self, PluginLoadError> {
        let instantiate_error = |error: wasmtime::Error| PluginLoadError::Instantiate {
            source_name: source_name.clone(),
            cause: error.root_cause().to_string(),
        };
        let pre = sandbox
            .linker()
            .instantiate_pre(component)
            .map_err(instantiate_error)?;
        let pre = PolicyPre::new(pre).map_err(instantiate_error)?;
        let label = PluginLabel {
            name: source_name.clone(),
            version: "?".into(),
            source: source_name.clone(),
        };
        let mut instance = Instance::new(
            sandbox.clone(),
            label,
            Box::new(move |store| pre.instantiate(store)),
        );
        let info = instance
            .call("info", "no input", |bindings, store| {
                bindings.tumblr_archiver_plugin_select().call_info(store)
            })
            .map_err(|error| PluginLoadError::Info {
                label: source_name.clone(),
                cause: error.to_string(),
            })?;
        instance.label = PluginLabel {
            name: info.name.clone(),
            version: info.version.clone(),
            source: source_name,
        };
        Ok(Self {
            instance,
            options: Vec::new(),
            info,
        })
    }

    pub fn label(&self) -> &PluginLabel {
        &self.instance.label
    }

    /// Stores the options and applies them to the current instance; every
    /// later instance gets them too.
    pub fn configure(&mut self, options: Vec<(String, String)>) -> Result<(), PluginCallError> {
        self.options = options;
        self.call_configure()
    }

    fn call_configure(&mut self) -> Result<(), PluginCallError> {
        let options = self.options.clone();
        let result = self
            .instance
            .call("configure", "the plugin options", |bindings, store| {
                bindings
                    .tumblr_archiver_plugin_select()
                    .call_configure(store, &options)
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
        if self.instance.is_fresh() {
            self.call_configure()
        } else {
            Ok(())
        }
    }

    pub fn keep_post(&mut self, post: &Post) -> Result<bool, PluginCallError> {
        self.ensure_configured()?;
        let input = format!("post {}", post.id);
        self.instance.call("keep-post", &input, |bindings, store| {
            bindings
                .tumblr_archiver_plugin_select()
                .call_keep_post(store, post)
        })
    }

    pub fn keep_media(&mut self, post: &Post, item: &Media) -> Result<bool, PluginCallError> {
        self.ensure_configured()?;
        let input = format!("post {} media {}", post.id, item.url);
        self.instance.call("keep-media", &input, |bindings, store| {
            bindings
                .tumblr_archiver_plugin_select()
                .call_keep_media(store, post, item)
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
        self.instance.call("filename", &input, |bindings, store| {
            bindings
                .tumblr_archiver_plugin_select()
                .call_filename(store, post, item, index)
        })
    }
}
