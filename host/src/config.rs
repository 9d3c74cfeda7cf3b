//! The config file: TOML whose keys are the long flags without `--`.
//!
//! A value from the file applies only where the flag was not given on the
//! command line or through its environment variable. Every value goes
//! through the same parser as its flag. Relative paths in the file are
//! relative to the file's folder, and `~/` is the home folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;
use toml::{Spanned, Value};

use crate::cli::{Cli, FilterArgs, NetworkArgs, parse};

/// File name inside the platform's config folder.
const DEFAULT_FILE: &str = "tumblr-archiver/config.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}\nhint: {hint}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
        hint: &'static str,
    },

    #[error(
        "invalid config file {path}: {message}\nhint: keys are the long flags without `--`, such as concurrency = 4; docs/usage.md lists them"
    )]
    Syntax { path: PathBuf, message: String },

    #[error("invalid value for `{key}` in the config file {path}, line {line}: {message}")]
    Value {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
}

/// Values of the file, each with its position for messages.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileValues {
    out: Option<Spanned<Value>>,
    api_key: Option<Spanned<Value>>,
    concurrency: Option<Spanned<Value>>,
    rate: Option<Spanned<Value>>,
    timeout: Option<Spanned<Value>>,
    no_internet_archive: Option<Spanned<Value>>,
    allow_private_network: Option<Spanned<Value>>,
    max_wait: Option<Spanned<Value>>,
    scraper: Option<Spanned<Value>>,
    exclude_reblogs: Option<Spanned<Value>>,
    only_reblogs: Option<Spanned<Value>>,
    types: Option<Spanned<Value>>,
    tags: Option<Spanned<Value>>,
    since: Option<Spanned<Value>>,
    until: Option<Spanned<Value>>,
    max_posts: Option<Spanned<Value>>,
    filename: Option<Spanned<Value>>,
    plugin: Option<Spanned<Value>>,
    plugin_opt: Option<Spanned<BTreeMap<String, Spanned<Value>>>>,
    verify: Option<Spanned<Value>>,
    full: Option<Spanned<Value>>,
    plugin_timeout: Option<Spanned<Value>>,
    plugin_memory: Option<Spanned<Value>>,
    quiet: Option<Spanned<Value>>,
}

/// Reads the config file that `cli` names, or the default one when it
/// exists, and fills in every flag the user did not give. Returns the path
/// of the file read, if any.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> Result<Option<PathBuf>, ConfigError> {
    let Some(path) = config_path(cli, matches) else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(source) => {
            let hint = if given(matches, "config") {
                "check the path given with --config or TUMBLR_ARCHIVER_CONFIG"
            } else {
                "fix its permissions, or set TUMBLR_ARCHIVER_CONFIG= (empty) to read no file"
            };
            return Err(ConfigError::Read { path, source, hint });
        }
    };
    let values: FileValues = toml::from_str(&text).map_err(|error| ConfigError::Syntax {
        path: path.clone(),
        message: error.to_string().trim_end().to_string(),
    })?;
    let file = File {
        path: &path,
        text: &text,
    };
    file.apply(values, cli, matches)?;
    Ok(Some(path))
}

fn config_path(cli: &Cli, matches: &ArgMatches) -> Option<PathBuf> {
    if given(matches, "config") {
        return cli
            .config
            .clone()
            .filter(|path| !path.as_os_str().is_empty());
    }
    let path = dirs::config_dir()?.join(DEFAULT_FILE);
    path.exists().then_some(path)
}

/// Returns whether the user set `id` on the command line or through its
/// environment variable.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

struct File<'a> {
    path: &'a Path,
    text: &'a str,
}

impl File<'_> {
    fn apply(
        &self,
        values: FileValues,
        cli: &mut Cli,
        matches: &ArgMatches,
    ) -> Result<(), ConfigError> {
        self.apply_network(&values, &mut cli.network, matches)?;
        self.apply_filters(&values, &mut cli.filters, matches)?;
        let unset = |id: &str| !given(matches, id);
        if let Some(value) = values.out.filter(|_| unset("out")) {
            cli.out = self.path_value("out", &value)?;
        }
        if let Some(value) = values.api_key.filter(|_| unset("api_key")) {
            cli.api_key = Some(self.parsed("api-key", &value, |text| Ok(text.to_string()))?);
        }
        if let Some(value) = values.max_wait.filter(|_| unset("max_wait")) {
            cli.max_wait = self.parsed("max-wait", &value, parse::duration)?;
        }
        if let Some(value) = values.scraper.filter(|_| unset("scraper")) {
            cli.scraper = Some(self.parsed("scraper", &value, |text| Ok(text.to_string()))?);
        }
        if let Some(value) = values.plugin.filter(|_| unset("plugins")) {
            cli.plugins = self.path_list("plugin", &value)?;
        }
        if let Some(table) = values.plugin_opt {
            self.plugin_options(table.into_inner(), &mut cli.plugin_options)?;
        }
        self.flag(&values.verify, "verify", &mut cli.verify, matches)?;
        self.flag(&values.full, "full", &mut cli.full, matches)?;
        if cli.verbose == 0 {
            self.flag(&values.quiet, "quiet", &mut cli.quiet, matches)?;
        }
        if let Some(value) = values.plugin_timeout.filter(|_| unset("plugin_timeout")) {
            cli.plugin_timeout = self.parsed("plugin-timeout", &value, parse::positive_seconds)?;
        }
        if let Some(value) = values.plugin_memory.filter(|_| unset("plugin_memory")) {
            cli.plugin_memory = self.parsed("plugin-memory", &value, parse::plugin_memory)?;
        }
        Ok(())
    }

    /// Applies the keys of the network flags, shared with `verify --repair`.
    fn apply_network(
        &self,
        values: &FileValues,
        network: &mut NetworkArgs,
        matches: &ArgMatches,
    ) -> Result<(), ConfigError> {
        let unset = |id: &str| !given(matches, id);
        if let Some(value) = values.concurrency.as_ref().filter(|_| unset("concurrency")) {
            network.concurrency = self.parsed("concurrency", value, parse::concurrency)?;
        }
        if let Some(value) = values.rate.as_ref().filter(|_| unset("rate")) {
            network.rate = Some(self.parsed("rate", value, parse::rate)?);
        }
        if let Some(value) = values.timeout.as_ref().filter(|_| unset("timeout")) {
            network.timeout = self.parsed("timeout", value, parse::positive_seconds)?;
        }
        self.flag(
            &values.no_internet_archive,
            "no-internet-archive",
            &mut network.no_internet_archive,
            matches,
        )?;
        self.flag(
            &values.allow_private_network,
            "allow-private-network",
            &mut network.allow_private_network,
            matches,
        )?;
        Ok(())
    }

    /// Applies the keys of the built-in policy's filter flags.
    fn apply_filters(
        &self,
        values: &FileValues,
        filters: &mut FilterArgs,
        matches: &ArgMatches,
    ) -> Result<(), ConfigError> {
        let unset = |id: &str| !given(matches, id);
        self.flag(
            &values.exclude_reblogs,
            "exclude-reblogs",
            &mut filters.exclude_reblogs,
            matches,
        )?;
        self.flag(
            &values.only_reblogs,
            "only-reblogs",
            &mut filters.only_reblogs,
            matches,
        )?;
        if filters.exclude_reblogs && filters.only_reblogs {
            let line = self.line(
                values
                    .only_reblogs
                    .as_ref()
                    .map_or(0, |value| value.span().start),
            );
            return Err(self.error(
                line,
                "only-reblogs",
                "exclude-reblogs and only-reblogs exclude each other; set one of them".into(),
            ));
        }
        if let Some(value) = values.types.as_ref().filter(|_| unset("types")) {
            filters.types = Some(self.parsed("types", value, parse::types)?);
        }
        if let Some(value) = values.tags.as_ref().filter(|_| unset("tags")) {
            filters.tags = Some(self.parsed("tags", value, |text| Ok(text.to_string()))?);
        }
        if let Some(value) = values.since.as_ref().filter(|_| unset("since")) {
            filters.since = Some(self.parsed("since", value, parse::date)?);
        }
        if let Some(value) = values.until.as_ref().filter(|_| unset("until")) {
            filters.until = Some(self.parsed("until", value, parse::date)?);
        }
        if let Some(value) = values.max_posts.as_ref().filter(|_| unset("max_posts")) {
            filters.max_posts = Some(self.parsed("max-posts", value, parse::max_posts)?);
        }
        if let Some(value) = values.filename.as_ref().filter(|_| unset("filename")) {
            filters.filename = Some(self.parsed("filename", value, |text| Ok(text.to_string()))?);
        }
        Ok(())
    }

    /// Parses a value with the flag's parser. Strings, numbers, dates and
    /// lists of strings (joined with commas) are accepted.
    fn parsed<T>(
        &self,
        key: &str,
        value: &Spanned<Value>,
        parser: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let line = self.line(value.span().start);
        let text = scalar_text(value.get_ref()).ok_or_else(|| {
            self.error(
                line,
                key,
                format!(
                    "expected a string or a number, not {}",
                    value.get_ref().type_str()
                ),
            )
        })?;
        parser(&text).map_err(|message| self.error(line, key, message))
    }

    /// Sets a switch from `true` or `false`, unless the user gave the flag.
    fn flag(
        &self,
        value: &Option<Spanned<Value>>,
        key: &str,
        target: &mut bool,
        matches: &ArgMatches,
    ) -> Result<(), ConfigError> {
        let Some(value) = value else {
            return Ok(());
        };
        if given(matches, &key.replace('-', "_")) {
            return Ok(());
        }
        match value.get_ref() {
            Value::Boolean(on) => {
                *target = *on;
                Ok(())
            }
            other => {
                let line = self.line(value.span().start);
                Err(self.error(
                    line,
                    key,
                    format!("expected true or false, not {}", other.type_str()),
                ))
            }
        }
    }

    fn path_value(&self, key: &str, value: &Spanned<Value>) -> Result<PathBuf, ConfigError> {
        let line = self.line(value.span().start);
        match value.get_ref() {
            Value::String(text) if !text.is_empty() => Ok(self.resolve(text)),
            _ => Err(self.error(line, key, "expected a non-empty path in quotes".into())),
        }
    }

    fn path_list(&self, key: &str, value: &Spanned<Value>) -> Result<Vec<PathBuf>, ConfigError> {
        let line = self.line(value.span().start);
        let invalid = || {
            self.error(
                line,
                key,
                "expected a list of paths, such as [\"scraper.wasm\"]".into(),
            )
        };
        let Value::Array(items) = value.get_ref() else {
            return Err(invalid());
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(text) if !text.is_empty() => Ok(self.resolve(text)),
                _ => Err(invalid()),
            })
            .collect()
    }

    /// Adds the `[plugin-opt]` table to the options; a key that a
    /// `--plugin-opt` flag gives keeps the flag's value.
    fn plugin_options(
        &self,
        table: BTreeMap<String, Spanned<Value>>,
        options: &mut Vec<(String, String)>,
    ) -> Result<(), ConfigError> {
        let mut from_file = Vec::new();
        for (key, value) in table {
            let name = format!("plugin-opt.{key}");
            let text = self.parsed(&name, &value, |text| Ok(text.to_string()))?;
            if !options.iter().any(|(given, _)| *given == key) {
                from_file.push((key, text));
            }
        }
        from_file.append(options);
        *options = from_file;
        Ok(())
    }

    fn resolve(&self, text: &str) -> PathBuf {
        if let Some(rest) = text.strip_prefix("~/")
            && let Some(home) = dirs::home_dir()
        {
            return home.join(rest);
        }
        let folder = self.path.parent().unwrap_or(Path::new("."));
        folder.join(text)
    }

    /// Returns the 1-based line of a byte offset in the file.
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count()
            + 1
    }

    fn error(&self, line: usize, key: &str, message: String) -> ConfigError {
        ConfigError::Value {
            path: self.path.to_path_buf(),
            line,
            key: key.to_string(),
            message,
        }
    }
}

/// Returns a scalar or a list of scalars as flag text; lists are joined
/// with commas, as in `types = ["photo", "video"]`.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Integer(number) => Some(number.to_string()),
        Value::Float(number) => Some(number.to_string()),
        Value::Boolean(on) => Some(on.to_string()),
        Value::Datetime(datetime) => Some(datetime.to_string()),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items.iter().map(scalar_text).collect();
            parts.map(|parts| parts.join(","))
        }
        Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests;
