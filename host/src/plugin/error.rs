//! Errors of the plugin runtime. Each names the plugin, and call errors
//! also name the WIT function and its input (a request URL or a post id).

use std::path::PathBuf;
use std::time::Duration;

use super::bindings::types::PluginError as GuestError;

/// Name, version and origin of a loaded plugin, for messages.
#[derive(Clone, Debug)]
pub struct PluginLabel {
    pub name: String,
    pub version: String,
    /// `embedded` or the path of the `.wasm` file.
    pub source: String,
}

impl std::fmt::Display for PluginLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "plugin {} {} ({})", self.name, self.version, self.source)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PluginLoadError {
    #[error("cannot read plugin file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{source_name} is not a WebAssembly component: {cause}\nhint: build plugins with `cargo build --target wasm32-wasip2`, which produces components"
    )]
    NotAComponent { source_name: String, cause: String },

    #[error(
        "{source_name} exports neither a scraper (`{package}/crawl`) nor a policy (`{package}/select`); its exports are: {exports}\nhint: build it against the WIT worlds `scraper` or `policy` of {package}@{version}",
        package = super::bindings::PACKAGE,
        version = super::bindings::PACKAGE_VERSION
    )]
    UnknownKind {
        source_name: String,
        exports: String,
    },

    #[error(
        "{source_name} was built against {package}@{found}, but this host loads {supported}\nhint: rebuild the plugin against version {newest} of the WIT package, or use a host release that supports {found}",
        package = super::bindings::PACKAGE,
        newest = super::bindings::PACKAGE_VERSION
    )]
    IncompatibleVersion {
        source_name: String,
        found: String,
        /// The package names with the versions this host loads.
        supported: String,
    },

    #[error(
        "{source_name} is a second {kind}, but a run uses one scraper and one policy\nhint: give at most one --plugin file of each kind"
    )]
    DuplicateKind { source_name: String, kind: String },

    #[error("{source_name} cannot be instantiated: {cause}")]
    Instantiate { source_name: String, cause: String },

    #[error("{label} failed to describe itself in `info`: {cause}")]
    Info { label: String, cause: String },
}

/// A failed call into a plugin.
#[derive(Debug, thiserror::Error)]
pub enum PluginCallError {
    #[error(
        "{label}: `{function}` on {input} ran longer than {limit:?} and was stopped\nhint: raise --plugin-timeout if the plugin is known to be slow"
    )]
    Timeout {
        label: PluginLabel,
        function: &'static str,
        input: String,
        limit: Duration,
    },

    #[error("{label}: `{function}` on {input} trapped: {cause}{}", stderr_suffix(.stderr))]
    Trap {
        label: PluginLabel,
        function: &'static str,
        input: String,
        cause: String,
        stderr: String,
    },

    #[error("{label}: `{function}` on {input} returned too much: {what}")]
    OutputTooLarge {
        label: PluginLabel,
        function: &'static str,
        input: String,
        what: String,
    },

    #[error("{label}: `{function}` on {input} returned an invalid value: {what}")]
    InvalidOutput {
        label: PluginLabel,
        function: &'static str,
        input: String,
        what: String,
    },

    #[error("{label}: `{function}` on {input} failed: {error}")]
    Guest {
        label: PluginLabel,
        function: &'static str,
        input: String,
        error: GuestFailure,
    },
}

/// The typed error a plugin returned, kept apart from traps.
#[derive(Debug, Clone)]
pub struct GuestFailure(pub GuestError);

impl std::fmt::Display for GuestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            GuestError::NotFound(text) => write!(f, "not found: {text}"),
            GuestError::LoginRequired(text) => write!(f, "login required: {text}"),
            GuestError::Unauthorized(text) => write!(f, "unauthorized: {text}"),
            GuestError::Forbidden(text) => write!(f, "forbidden: {text}"),
            GuestError::RateLimited(seconds) => write!(f, "rate limited, retry in {seconds} s"),
            GuestError::BadResponse(text) => write!(f, "unexpected response: {text}"),
            GuestError::InvalidInput(text) => write!(f, "invalid input: {text}"),
            GuestError::Other(text) => f.write_str(text),
        }
    }
}

fn stderr_suffix(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    format!("\nplugin stderr:\n{trimmed}")
}
