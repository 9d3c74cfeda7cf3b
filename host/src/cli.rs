//! Command-line flags.

pub mod parse;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::net::OriginRule;

const AFTER_HELP: &str = "\
Exit status:
  0  archive complete: every kept media file is on disk
  1  error: the run stopped; the manifest records what was done
  2  usage error: invalid flag, blog name, plugin file or option, or no API key
  3  incomplete: the crawl finished, but some media are missing or failed
     (`verify`: some files are missing or corrupt)
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
  TUMBLR_ARCHIVER_CONFIG     config file, as --config
  TUMBLR_ARCHIVER_<FLAG>     value of a flag shown with [env: …] above
  NO_COLOR                   turns off coloured log output

Precedence: flags, then environment variables, then the config file, then
the defaults shown above.

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
    /// https://www.tumblr.com/NAME, or the blog's custom domain. (A blog
    /// named like a subcommand, such as `verify` or `gallery`, is given as
    /// NAME.tumblr.com.)
    #[arg(required = true)]
    pub blog: Option<String>,

    /// Folder that contains the archives; the blog's files go into OUT/BLOG.
    #[arg(
        long,
        value_name = "DIR",
        env = "TUMBLR_ARCHIVER_OUT",
        default_value = "archive"
    )]
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

    #[command(flatten)]
    pub network: NetworkArgs,

    /// Maximum time to wait for Tumblr's daily API quota to reset, such as
    /// 90m or 3h. By default a run stops when the daily quota is used up,
    /// saves its position and names the time to run again.
    #[arg(long, value_name = "DURATION", env = "TUMBLR_ARCHIVER_MAX_WAIT", default_value = "0", value_parser = parse::duration)]
    pub max_wait: Duration,

    /// Embedded scraper to use: tumblr-api-v2 (needs --api-key),
    /// tumblr-api-v1 (the legacy public API, no key) or tumblr-themed-pages
    /// (the blog's own pages, for blogs whose API is off). By default the
    /// API v2 when a key is given, else the legacy API.
    #[arg(long, value_name = "NAME", env = "TUMBLR_ARCHIVER_SCRAPER")]
    pub scraper: Option<String>,

    #[command(flatten)]
    pub filters: FilterArgs,

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
    #[arg(long = "plugin-opt", value_name = "KEY=VALUE", value_parser = parse::key_value)]
    pub plugin_options: Vec<(String, String)>,

    /// Re-hash the files of earlier runs and download again any whose
    /// SHA-256 differs from the manifest. Without it, a file counts as
    /// archived when it exists with the recorded size.
    #[arg(long)]
    pub verify: bool,

    /// Crawl every post. Without it, a run after a finished crawl stops at
    /// the first page whose posts are all archived already.
    #[arg(long)]
    pub full: bool,

    /// List the media that would be downloaded (URL, tab, file name) on
    /// stdout, and write nothing.
    #[arg(long, conflicts_with = "json")]
    pub dry_run: bool,

    /// Print the summary of the run as one JSON object on stdout, and
    /// nothing else there. Failures that end the run early are printed as
    /// an object with "error" and "exit_status".
    #[arg(long)]
    pub json: bool,

    /// Maximum time one plugin call may run, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = parse::positive_seconds)]
    pub plugin_timeout: f64,

    /// Memory cap of each plugin instance, in MiB, from 16 to 4096.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = parse::plugin_memory)]
    pub plugin_memory: u32,

    /// Config file in TOML, whose keys are the long flags without `--`
    /// (see docs/usage.md). Flags and environment variables override it.
    /// Default: tumblr-archiver/config.toml in the platform's config folder
    /// (on Linux ~/.config), when it exists. An empty value reads no file.
    #[arg(long, value_name = "FILE", env = "TUMBLR_ARCHIVER_CONFIG", value_parser = parse::path_or_empty)]
    pub config: Option<PathBuf>,

    /// Log more: -v for decisions, -vv for every request.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Log only warnings and errors, and print no progress and no summary.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// Flags of the network side, shared by archive runs and `verify --repair`.
#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// Number of files downloaded at the same time, from 1 to 64.
    #[arg(long, value_name = "N", env = "TUMBLR_ARCHIVER_CONCURRENCY", default_value_t = 8, value_parser = parse::concurrency)]
    pub concurrency: u16,

    /// Requests per second to each host, for every host, spaced evenly.
    /// By default api.tumblr.com gets 0.25 requests per second after a
    /// burst of 60 (at most 20 per second), which keeps within Tumblr's 1,000
    /// calls per hour per API key. web.archive.org gets 2 per second, its
    /// CDX index 24 per minute, and media hosts are limited only by
    /// --concurrency.
    #[arg(long, value_name = "PER_SECOND", env = "TUMBLR_ARCHIVER_RATE", value_parser = parse::rate)]
    pub rate: Option<f64>,

    /// Maximum wait, in seconds, for a server to send the next data of a
    /// response before the request fails and is retried.
    #[arg(long, value_name = "SECONDS", env = "TUMBLR_ARCHIVER_TIMEOUT", default_value_t = 60.0, value_parser = parse::positive_seconds)]
    pub timeout: f64,

    /// Do not look for media that Tumblr deleted in the Internet Archive.
    #[arg(long)]
    pub no_internet_archive: bool,

    /// Allow connections to loopback, private and link-local addresses,
    /// which are refused by default (for local servers and tests).
    #[arg(long)]
    pub allow_private_network: bool,

    /// Send requests for origin FROM to origin TO instead, e.g.
    /// https://api.tumblr.com=http://127.0.0.1:8080. FROM may start its host
    /// with `*.` to match every subdomain. Repeatable; the first match wins.
    #[arg(long = "redirect-origin", value_name = "FROM=TO")]
    pub redirect_origins: Vec<OriginRule>,
}

/// Filters of the built-in policy, as flags. Each becomes an option of the
/// policy plugin, so a policy loaded with --plugin must declare it.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Keep only original posts, no reblogs.
    #[arg(long, conflicts_with = "only_reblogs")]
    pub exclude_reblogs: bool,

    /// Keep only reblogs.
    #[arg(long)]
    pub only_reblogs: bool,

    /// Keep only posts of these types, comma-separated: text, photo, quote,
    /// link, chat, audio, video, answer, blocks. A post in Tumblr's block
    /// format (type blocks) also counts as photo, video or audio by the
    /// media it holds, and as text when it holds none.
    #[arg(long, value_name = "LIST", env = "TUMBLR_ARCHIVER_TYPES", value_parser = parse::types)]
    pub types: Option<String>,

    /// Keep only posts that carry at least one of these tags,
    /// comma-separated, in any letter case.
    #[arg(long, value_name = "LIST", env = "TUMBLR_ARCHIVER_TAGS")]
    pub tags: Option<String>,

    /// Keep only posts published on or after this date, YYYY-MM-DD (UTC).
    #[arg(long, value_name = "DATE", env = "TUMBLR_ARCHIVER_SINCE", value_parser = parse::date)]
    pub since: Option<String>,

    /// Keep only posts published on or before this date, YYYY-MM-DD (UTC).
    #[arg(long, value_name = "DATE", env = "TUMBLR_ARCHIVER_UNTIL", value_parser = parse::date)]
    pub until: Option<String>,

    /// Handle at most N posts in this run, newest first. A later run
    /// without the limit continues with the older posts.
    #[arg(long, value_name = "N", env = "TUMBLR_ARCHIVER_MAX_POSTS", value_parser = parse::max_posts)]
    pub max_posts: Option<u64>,

    /// File name of each media item, relative to the blog's folder; `/`
    /// starts a folder. Placeholders: {post_id}, {index} (position in the
    /// post, from 0), {name} (file name in the URL without extension),
    /// {ext}, {kind} (image, gif, video, audio), {blog}, {trail_blog} (blog
    /// of the reblog-trail entry that carries the item), {date}
    /// (YYYY-MM-DD), {year}, {month}, {tag} (first tag, or untagged).
    /// Default: {post_id}_{name}.{ext}
    #[arg(long, value_name = "TEMPLATE", env = "TUMBLR_ARCHIVER_FILENAME")]
    pub filename: Option<String>,
}

impl FilterArgs {
    /// Returns the filters as options of the policy, with the flag each
    /// came from.
    pub fn policy_options(&self) -> Vec<(&'static str, (String, String))> {
        let mut options = Vec::new();
        let mut add = |flag: &'static str, key: &str, value: String| {
            options.push((flag, (key.to_string(), value)));
        };
        if self.exclude_reblogs {
            add("--exclude-reblogs", "reblogs", "exclude".into());
        }
        if self.only_reblogs {
            add("--only-reblogs", "reblogs", "only".into());
        }
        let values = [
            ("--types", "types", &self.types),
            ("--tags", "tags", &self.tags),
            ("--since", "since", &self.since),
            ("--until", "until", &self.until),
            ("--filename", "filename", &self.filename),
        ];
        for (flag, key, value) in values {
            if let Some(value) = value {
                add(flag, key, value.clone());
            }
        }
        options
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tools for plugin authors.
    #[command(subcommand)]
    Plugin(PluginCommand),

    /// Check an archive against its manifest: every file exists with the
    /// recorded size and SHA-256. Lists what is missing, corrupt or not in
    /// the manifest. Exits 0 when everything matches, 3 when something is
    /// missing or corrupt, 2 when DIR contains no manifest.
    Verify(VerifyArgs),

    /// Print a shell completion script on stdout, e.g.
    /// `tumblr-archiver completions bash > ~/.local/share/bash-completion/completions/tumblr-archiver`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },

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

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The blog's folder, the one that contains manifest.json (OUT/BLOG).
    pub dir: PathBuf,

    /// Download again every missing or corrupt file, from the URL that
    /// delivered it, then from the other renditions and the Internet
    /// Archive, and update the manifest.
    #[arg(long)]
    pub repair: bool,

    /// Print the result as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub network: NetworkArgs,
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
        #[arg(long = "plugin-opt", value_name = "KEY=VALUE", value_parser = parse::key_value)]
        plugin_options: Vec<(String, String)>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
