//! `tumblr-archiver plugin …`: tools for plugin authors that load one
//! component and run it with no network.

use crate::console::{say_err, say_out};
mod convert;
mod replay;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::cli::PluginCommand;
use crate::plugin::types::PluginInfo;
use crate::plugin::{self, CompileCache, Limits, Loaded, Sandbox};
use crate::report::{ExitStatus, Failure};

/// Runs one `plugin` subcommand and returns the exit status.
pub async fn run(command: PluginCommand) -> Result<ExitStatus, Failure> {
    let limits = Limits {
        call_timeout: Duration::from_secs(5),
        memory_bytes: 256 * 1024 * 1024,
    };
    let sandbox = Sandbox::new(limits, CompileCache::from_environment())
        .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;
    match command {
        PluginCommand::Inspect { file, json } => inspect(&sandbox, &file, json),
        PluginCommand::Test {
            file,
            blog,
            responses,
            posts,
            expected,
            plugin_options,
        } => {
            let output = match load(&sandbox, &file)? {
                Loaded::Scraper(mut scraper) => {
                    let Some(folder) = responses else {
                        return Err(usage(format!(
                            "{} is a scraper; give its recorded responses with --responses DIR",
                            file.display()
                        )));
                    };
                    replay::scraper(&mut scraper, &blog, &plugin_options, &folder)?
                }
                Loaded::Policy(mut policy) => {
                    let Some(posts) = posts else {
                        return Err(usage(format!(
                            "{} is a policy; give the posts to decide on with --posts FILE",
                            file.display()
                        )));
                    };
                    replay::policy(&mut policy, plugin_options, &posts)?
                }
            };
            print_json(&output);
            match expected {
                Some(expected) => compare(&output, &expected),
                None => Ok(ExitStatus::Complete),
            }
        }
    }
}

fn load(sandbox: &Arc<Sandbox>, file: &Path) -> Result<Loaded, Failure> {
    plugin::load_file(sandbox, file).map_err(|error| usage(error.to_string()))
}

fn usage(message: String) -> Failure {
    Failure::new(ExitStatus::Usage, message)
}

fn inspect(sandbox: &Arc<Sandbox>, file: &Path, as_json: bool) -> Result<ExitStatus, Failure> {
    let (kind, info, version) = match load(sandbox, file)? {
        Loaded::Scraper(scraper) => ("scraper", scraper.info.clone(), scraper.interface_version()),
        Loaded::Policy(policy) => ("policy", policy.info.clone(), policy.interface_version()),
    };
    let interface = format!("{}@{version}", plugin::PACKAGE);
    if as_json {
        print_json(&describe(kind, &interface, &info));
        return Ok(ExitStatus::Complete);
    }
    say_out!("file:          {}", file.display());
    say_out!("kind:          {kind} (world `{kind}` of {interface})");
    say_out!("name:          {}", info.name);
    say_out!("version:       {}", info.version);
    say_out!("description:   {}", info.description);
    say_out!(
        "hosts:         {}",
        if info.hosts.is_empty() {
            "none".to_string()
        } else {
            info.hosts.join(", ")
        }
    );
    say_out!(
        "needs API key: {}",
        if info.needs_api_key { "yes" } else { "no" }
    );
    say_out!(
        "options:{}",
        if info.options.is_empty() { " none" } else { "" }
    );
    for option in &info.options {
        let default = option
            .default_value
            .as_deref()
            .map(|value| format!(" (default: {value})"))
            .unwrap_or_default();
        say_out!("  {:<20} {}{default}", option.name, option.help);
    }
    Ok(ExitStatus::Complete)
}

fn describe(kind: &str, interface: &str, info: &PluginInfo) -> Value {
    json!({
        "kind": kind,
        "interface": interface,
        "name": info.name,
        "version": info.version,
        "description": info.description,
        "hosts": info.hosts,
        "needs_api_key": info.needs_api_key,
        "options": info.options.iter().map(|option| json!({
            "name": option.name,
            "help": option.help,
            "default": option.default_value,
        })).collect::<Vec<_>>(),
    })
}

fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => say_out!("{text}"),
        Err(error) => say_err!("error: cannot print the result as JSON: {error}"),
    }
}

/// Compares `output` with the JSON in `expected`; a difference prints the
/// first path where the two differ and gives status 1.
fn compare(output: &Value, expected: &Path) -> Result<ExitStatus, Failure> {
    let text = std::fs::read_to_string(expected).map_err(|error| {
        usage(format!(
            "cannot read the expected output {}: {error}",
            expected.display()
        ))
    })?;
    let wanted: Value = serde_json::from_str(&text)
        .map_err(|error| usage(format!("{} is not valid JSON: {error}", expected.display())))?;
    match first_difference(output, &wanted, String::new()) {
        None => {
            say_err!("the output matches {}", expected.display());
            Ok(ExitStatus::Complete)
        }
        Some(path) => {
            say_err!(
                "the output differs from {} at {}",
                expected.display(),
                if path.is_empty() { "/" } else { &path }
            );
            let pointer = path.split(" (").next().unwrap_or_default();
            let show = |value: Option<&Value>| {
                value.map_or("nothing".to_string(), |value| value.to_string())
            };
            say_err!("  expected: {}", show(wanted.pointer(pointer)));
            say_err!("  actual:   {}", show(output.pointer(pointer)));
            Ok(ExitStatus::Error)
        }
    }
}

/// Returns the JSON pointer of the first place where `left` and `right`
/// differ.
fn first_difference(left: &Value, right: &Value, path: String) -> Option<String> {
    match (left, right) {
        (Value::Object(left), Value::Object(right)) => {
            let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .find_map(|key| match (left.get(key), right.get(key)) {
                    (Some(a), Some(b)) => first_difference(a, b, format!("{path}/{key}")),
                    _ => Some(format!("{path}/{key}")),
                })
        }
        (Value::Array(left), Value::Array(right)) => {
            if left.len() != right.len() {
                return Some(format!(
                    "{path} (length {} instead of {})",
                    left.len(),
                    right.len()
                ));
            }
            left.iter()
                .zip(right)
                .enumerate()
                .find_map(|(index, (a, b))| first_difference(a, b, format!("{path}/{index}")))
        }
        _ => (left != right).then_some(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difference_path_found() {
        let left = json!({"posts": [{"id": "1", "media": [1, 2]}]});
        let right = json!({"posts": [{"id": "1", "media": [1, 3]}]});
        assert_eq!(
            first_difference(&left, &right, String::new()).as_deref(),
            Some("/posts/0/media/1")
        );
        assert_eq!(first_difference(&left, &left, String::new()), None);
        let missing = json!({"posts": []});
        assert!(
            first_difference(&left, &missing, String::new())
                .is_some_and(|path| path.starts_with("/posts"))
        );
    }
}
