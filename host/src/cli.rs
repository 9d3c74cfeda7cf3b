//! Command-line flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::net::OriginRule;

const AFTER_HELP: &str = "\
Exit status:
  0  archive complete: every kept media file is on disk
  1  error: the run stopped; the manifest records what was done
  2  usage error: invalid flag, blog name, plugin file or option, or no API key
  3  incomplete: the crawl finished, but some media are missing or failed
  4  blog not found
  5  API key rejected (HTTP 401)
  6  blog visible only to logged-in users (dashboard-only)
  7  access to the blog forbidden (HTTP 403)
  8  daily API quota used up: the position is saved; run again after the time shown
  130 stopped by Ctrl-C: the manifest is written; run the same command again to continue

Environment:
  TUMBLR_API_KEY             the API key, when --api-key is not given
  TUMBLR_ARCHIVER_CACHE_DIR  folder of compiled plugins (default: ~/.cache/tumblr-archiver/components;
                             empty turns the cache off)
  TUMBLR_ARCHIVER_LOG        log filter in tracing's syntax, such as debug or tumblr_archiver=trace
  NO_COLOR                   turns off coloured log output

Getting an API key: register an application at https://www.tumblr.com/oauth/apps
and use its OAuth consumer key.";

/// Archive every image, GIF, video and audio file of a Tumblr blog, with a
/// manifest that records where each file came from.
#[derive(Debug, Parser)]
#[command(
    name = "tumblr-archiver",
    version,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Blog to archive: NAME, NAME.tumblr.com, https://NAME.tumblr.com/...,
    /// https://www.tumblr.com/NAME, or the blog's custom domain. (Blogs
    /// named `plugin` or `gallery` are given as NAME.tumblr.com.)
    #[arg(required = true)]
    pub blog: Option<String>,

    /// Folder that contains the archives; the blog's files go into OUT/BLOG.
    #[arg(long, value_name = "DIR", default_value = "archive")]
    pub out: PathBuf,

    /// Tumblr API key (the OAuth consumer key of an application you
    /// registered). Sent only to api.tumblr.com, never logged or saved.
    #[arg(
        long,
        env = "TUMBLR_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub api_key: Option<String>,

    /// Number of files downloaded at the same time, from 1 to 64.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Requests per second to each host, for every host, spaced evenly.
    /// By default api.tumblr.com gets 0.25 requests per second after a
    /// burst of 60 (at most 5 per second), which keeps within Tumblr's 1,000
    /// calls per hour per API key. web.archive.org gets 2 per second, and
    /// media hosts are limited only by --concurrency.
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Maximum wait, in seconds, for a server to send the next data of a
    /// response before the request fails and is retried.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = parse_positive_seconds)]
    pub timeout: f64,

    /// Maximum time to wait for Tumblr's daily API quota to reset, such as
    /// 90m or 3h. By default a run stops when the daily quota is used up,
    /// saves its position and names the time to run again.
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = parse_duration)]
    pub max_wait: std::time::Duration,

    /// Embedded scraper to use: tumblr-api-v2 (needs --api-key),
    /// tumblr-api-v1 (the legacy public API, no key) or tumblr-themed-pages
    /// (the blog's own pages, for blogs whose API is off). By default the
    /// API v2 when a key is given, else the legacy API.
    #[arg(long, value_name = "NAME")]
    pub scraper: Option<String>,

    /// Load a scraper or policy component from FILE instead of the built-in
    /// one of the same kind. Repeatable: at most one scraper and one policy.
    #[arg(long = "plugin", value_name = "FILE.wasm")]
    pub plugins: Vec<PathBuf>,

    /// Option for the plugins, passed to every plugin that declares KEY.
    /// Repeatable. The built-in scraper accepts page-size and format; the
    /// built-in policy accepts types, tags, exclude-tags, since, until,
    /// reblogs, trail-blogs, exclude-trail-blogs, kinds and filename.
    /// `tumblr-archiver plugin inspect FILE` lists a plugin's options with
    /// their help.
    #[arg(long = "plugin-opt", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub plugin_options: Vec<(String, String)>,

    /// Re-hash the files of earlier runs and download again any whose
    /// SHA-256 differs from the manifest. Without it, a file counts as
    /// archived when it exists with the recorded size.
    #[arg(long)]
    pub verify: bool,

    /// Do not look for media that Tumblr deleted in the Internet Archive.
    #[arg(long)]
    pub no_internet_archive: bool,

    /// Crawl every post. Without it, a run after a finished crawl stops at
    /// the first page whose posts are all archived already.
    #[arg(long)]
    pub full: bool,

    /// List the media that would be downloaded (URL, tab, file name) on
    /// stdout, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Allow connections to loopback, private and link-local addresses,
    /// which are refused by default (for local servers and tests).
    #[arg(long)]
    pub allow_private_network: bool,

    /// Send requests for origin FROM to origin TO instead, e.g.
    /// https://api.tumblr.com=http://127.0.0.1:8080. FROM may start its host
    /// with `*.` to match every subdomain. Repeatable; the first match wins.
    #[arg(long = "redirect-origin", value_name = "FROM=TO")]
    pub redirect_origins: Vec<OriginRule>,

    /// Maximum time one plugin call may run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = parse_positive_seconds)]
    pub plugin_timeout: f64,

    /// Memory cap of each plugin instance, in MiB, from 16 to 4096.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=4096))]
    pub plugin_memory: u32,

    /// Log more: -v for decisions, -vv for every request.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Log only warnings and errors, and print no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tools for plugin authors.
    #[command(subcommand)]
    Plugin(PluginCommand),

    /// Build the offline gallery of an archived blog again.
    ///
    /// Writes index.html and its pages into DIR, from its manifest.json. A
    /// browser opens them as files, with no server and no network. Each
    /// archive run also builds the gallery.
    Gallery {
        /// The blog's folder, the one that contains manifest.json, such as
        /// archive/BLOG.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Print what a plugin component declares: kind, name, version,
    /// interface version, hosts and options.
    Inspect {
        /// The component, a `.wasm` file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },

    /// Run a plugin with no network: a scraper on recorded responses, or a
    /// policy on a list of posts. Prints the result as JSON on stdout.
    /// With --expected, exits 0 when the result equals the file and 1 when
    /// it differs; exits 2 when the test cannot run (a missing recording,
    /// a plugin error, invalid input).
    Test {
        /// The component, a `.wasm` file.
        file: PathBuf,
        /// For a scraper: the blog to start with.
        #[arg(long, default_value = "example-blog")]
        blog: String,
        /// For a scraper: a folder of recorded exchanges, one JSON file each:
        /// {"url": …, "status": 200, "headers": {…}, "body_file": "page.json"}
        /// (or "body": "text"); the request whose URL equals "url" gets
        /// that response.
        #[arg(long, value_name = "DIR")]
        responses: Option<PathBuf>,
        /// For a policy: a JSON file with a list of posts, or the object
        /// `{"posts": [...]}` that a scraper test prints.
        #[arg(long, value_name = "FILE")]
        posts: Option<PathBuf>,
        /// JSON file with the expected output.
        #[arg(long, value_name = "FILE")]
        expected: Option<PathBuf>,
        /// Option for the plugin. Repeatable.
        #[arg(long = "plugin-opt", value_name = "KEY=VALUE", value_parser = parse_key_value)]
        plugin_options: Vec<(String, String)>,
    },
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "invalid plugin option {text:?}: expected KEY=VALUE, such as reblogs=exclude"
        )),
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!(
            "invalid rate {text:?}: expected requests per second, a number greater than 0 such as 2 or 0.5"
        )),
    }
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|error| {
        format!("invalid duration {text:?}: {error}; use seconds or a value such as 90m or 3h")
    })
}

fn parse_positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 3600.0 => Ok(seconds),
        _ => Err(format!(
            "invalid number of seconds {text:?}: expected a number greater than 0 and at most 3600"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_parsed() {
        assert_eq!(
            parse_key_value("reblogs=exclude"),
            Ok(("reblogs".into(), "exclude".into()))
        );
        assert_eq!(
            parse_key_value("kinds=a=b"),
            Ok(("kinds".into(), "a=b".into()))
        );
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=x").is_err());
    }

    #[test]
    fn cli_definition_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
