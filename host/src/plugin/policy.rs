//! A loaded policy component. Every new instance is configured with the
//! user's options before its first decision.

use std::sync::Arc;

use wasmtime::component::Component;

use super::bindings::policy_world::{Policy as PolicyBindings, PolicyPre};
use super::bindings::types::{Media, PluginInfo, Post};
use super::error::{GuestFailure, PluginCallError, PluginLabel, PluginLoadError};
use super::runtime::{Instance, Sandbox, load_instance};

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
        let (instance, info) = load_instance(
            sandbox,
            component,
            source_name,
            PolicyPre::new,
            |pre, store| pre.instantiate(store),
            |bindings, store| bindings.tumblr_archiver_plugin_select().call_info(store),
        )?;
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
