//! What the user sees at the end: one message per failure with what to do,
//! a summary of the run, and the exit status.

mod summary;

use crate::console::say_err;
use std::process::ExitCode;
use std::time::Duration;

use crate::crawl::{CrawlError, CrawlReport};
use crate::plugin::types::PluginError as GuestError;
use crate::plugin::{PluginCallError, PluginSet};
use summary::Summary;
pub use summary::print_failure_json;

/// Exit statuses, as documented in `--help` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Complete = 0,
    Error = 1,
    Usage = 2,
    Incomplete = 3,
    NotFound = 4,
    Unauthorized = 5,
    LoginRequired = 6,
    Forbidden = 7,
    QuotaExhausted = 8,
    Interrupted = 130,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// A failure to report: the message and the exit status it leads to.
#[derive(Debug)]
pub struct Failure {
    pub status: ExitStatus,
    pub message: String,
}

impl Failure {
    pub fn new(status: ExitStatus, message: String) -> Self {
        Self { status, message }
    }
}

/// Prints `failure` on stderr and returns its exit status.
pub fn fail(failure: &Failure) -> ExitCode {
    say_err!("error: {}", failure.message);
    failure.status.into()
}

pub fn missing_api_key(scraper: &str) -> String {
    format!(
        "the scraper {scraper} needs a Tumblr API key, and none was given\n\
         hint: pass --api-key KEY or set TUMBLR_API_KEY; to get a key, register an application at \
         https://www.tumblr.com/oauth/apps and use its OAuth consumer key"
    )
}

pub fn unknown_option(key: &str, plugins: &PluginSet) -> String {
    let list = |specs: &[crate::plugin::types::OptionSpec]| {
        if specs.is_empty() {
            return "none".to_string();
        }
        specs
            .iter()
            .map(|spec| format!("{} ({})", spec.name, spec.help))
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        "no plugin accepts the option {key:?}\nhint: scraper {} accepts: {}\n      policy {} accepts: {}",
        plugins.scraper.label().name,
        list(&plugins.scraper.info.options),
        plugins.policy.label().name,
        list(&plugins.policy.info.options),
    )
}

/// Maps a plugin failure to its exit status: the typed errors a plugin
/// returns tell a missing blog or a rejected key from other failures.
pub fn plugin_failure(error: PluginCallError) -> Failure {
    Failure::new(call_status(&error), error.to_string())
}

fn call_status(error: &PluginCallError) -> ExitStatus {
    let PluginCallError::Guest { error, .. } = error else {
        return ExitStatus::Error;
    };
    match error.0 {
        GuestError::NotFound(_) => ExitStatus::NotFound,
        GuestError::Unauthorized(_) => ExitStatus::Unauthorized,
        GuestError::LoginRequired(_) => ExitStatus::LoginRequired,
        GuestError::Forbidden(_) => ExitStatus::Forbidden,
        GuestError::InvalidInput(_) => ExitStatus::Usage,
        _ => ExitStatus::Error,
    }
}

fn crawl_status(error: &CrawlError) -> ExitStatus {
    match error {
        CrawlError::Plugin(error) => call_status(error),
        CrawlError::Fetch(crate::net::FetchError::DailyQuota { .. }) => ExitStatus::QuotaExhausted,
        CrawlError::Interrupted => ExitStatus::Interrupted,
        _ => ExitStatus::Error,
    }
}

pub fn crawl_failure(error: CrawlError) -> Failure {
    Failure::new(crawl_status(&error), error.to_string())
}

/// Form of the end-of-run report.
#[derive(Clone, Copy, Debug, Default)]
pub struct Output {
    /// Print no text summary.
    pub quiet: bool,
    /// Print the summary as JSON on stdout.
    pub json: bool,
}

/// Prints the summary and the error that stopped the crawl, if any, and
/// returns the exit status of the run.
pub fn finish(report: &CrawlReport, elapsed: Duration, output: Output) -> ExitStatus {
    let status = match (&report.error, &report.summary) {
        (Some(error), _) => crawl_status(error),
        (None, Some(summary)) if !summary.failures.is_empty() => ExitStatus::Incomplete,
        _ => ExitStatus::Complete,
    };
    let summary = Summary::new(report, elapsed, status);
    if output.json {
        summary.print_json();
    } else if report.summary.is_some() && !output.quiet {
        summary.print_text();
    }
    if let Some(error) = &report.error {
        say_err!("error: {error}");
        if let Some(dir) = &report.dir {
            say_err!(
                "hint: the manifest in {} records what was archived; run the same command again to continue",
                dir.display()
            );
        }
    }
    status
}
