//! tumblr-archiver: archives a Tumblr blog's media through sandboxed
//! WebAssembly plugins. This file wires the CLI to the run and maps every
//! failure to one message and a documented exit status.

// Plugin call errors carry the plugin's label, the function, its input and
// the guest's output, so they are large; they occur once per failed call,
// never in a loop, so their size costs nothing measurable.
#![allow(clippy::result_large_err)]

mod cli;
mod config;
mod console;
mod crawl;
mod download;
mod gallery;
mod interrupt;
mod manifest;
mod net;
mod paths;
mod plugin;
mod progress;
mod report;
mod resolve;
mod tools;
mod verify;
mod wayback;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches};

use cli::{Cli, NetworkArgs};
use crawl::CrawlConfig;
use net::{Http, HttpConfig, OriginMap, Rate, RatePlan, RetryPolicy};
use plugin::{CompileCache, Limits, PluginSet, Sandbox};
use report::{ExitStatus, Failure};

fn main() -> ExitCode {
    let matches = Cli::command()
        .try_get_matches()
        .unwrap_or_else(|error| usage_error(error));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| usage_error(error));
    let config_file = match config::apply(&mut cli, &matches) {
        Ok(path) => path,
        Err(error) => {
            return fail(
                cli.json,
                &Failure::new(ExitStatus::Usage, error.to_string()),
            );
        }
    };
    init_logging(&cli);
    if let Some(path) = config_file {
        tracing::debug!(file = %path.display(), "read the config file");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let message = format!("cannot start the async runtime: {error}");
            return fail(cli.json, &Failure::new(ExitStatus::Error, message));
        }
    };
    let json = cli.json;
    match runtime.block_on(run(cli)) {
        Ok(status) => status.into(),
        Err(failure) => fail(json, &failure),
    }
}

/// Exits on a flag that clap rejected, after printing the error as JSON
/// on stdout too when `--json` is among the arguments. Help and version
/// output are not errors and print as usual.
fn usage_error(error: clap::Error) -> ! {
    let wants_json = std::env::args_os().any(|argument| argument == "--json");
    if wants_json && error.use_stderr() {
        let message = error.render().to_string();
        let message = message.trim().trim_start_matches("error: ");
        report::print_failure_json(ExitStatus::Usage, message);
    }
    error.exit()
}

/// Prints `failure` on stderr, and as JSON on stdout too with `--json`,
/// and returns its exit status.
fn fail(json: bool, failure: &Failure) -> ExitCode {
    if json {
        report::print_failure_json(failure.status, &failure.message);
    }
    report::fail(failure)
}

async fn run(mut cli: Cli) -> Result<ExitStatus, Failure> {
    match cli.command.take() {
        Some(cli::Command::Plugin(command)) => return tools::run(command).await,
        Some(cli::Command::Verify(args)) => return verify::run(args).await,
        Some(cli::Command::Completions { shell }) => {
            // Written from a buffer, because clap_complete panics when its
            // writer fails, as stdout does when closed by `| head`.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tumblr-archiver", &mut script);
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
            return Ok(ExitStatus::Complete);
        }
        Some(cli::Command::Gallery { dir }) => return gallery::run_command(&dir),
        None => {}
    }
    let Some(blog) = cli.blog.clone() else {
        return Err(Failure::new(ExitStatus::Usage, "missing the blog to archive\nhint: run `tumblr-archiver BLOG`; --help lists the options".into()));
    };
    let started = Instant::now();
    let limits = Limits {
        call_timeout: Duration::from_secs_f64(cli.plugin_timeout),
        memory_bytes: cli.plugin_memory as usize * 1024 * 1024,
    };
    let sandbox = Sandbox::new(limits, CompileCache::from_environment())
        .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;
    let (scraper_name, reason) = choose_scraper(&cli)?;
    let mut plugins = plugin::load_plugins(&sandbox, &cli.plugins, &scraper_name)
        .map_err(|error| Failure::new(ExitStatus::Usage, error.to_string()))?;
    let reason = if plugins.scraper.label().source == "embedded" {
        reason
    } else {
        "loaded with --plugin".to_string()
    };
    tracing::info!(
        scraper = %plugins.scraper.label(),
        policy = %plugins.policy.label(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "plugins loaded"
    );
    tracing::info!("scraper {}: {reason}", plugins.scraper.label().name);
    if plugins.scraper.info.needs_api_key && cli.api_key.as_deref().is_none_or(str::is_empty) {
        return Err(Failure::new(
            ExitStatus::Usage,
            report::missing_api_key(&plugins.scraper.info.name),
        ));
    }
    let options = with_filter_options(&cli)?;
    let (scraper_options, policy_options) = split_options(&plugins, &options)?;
    plugins
        .policy
        .configure(policy_options)
        .map_err(report::plugin_failure)?;

    let http = http_client(&cli.network, cli.api_key.clone(), cli.max_wait)?;

    let config = CrawlConfig {
        blog,
        out: cli.out.clone(),
        dry_run: cli.dry_run,
        concurrency: usize::from(cli.network.concurrency),
        scraper_options,
        extra_hosts: custom_domain(cli.blog.as_deref().unwrap_or_default())
            .into_iter()
            .collect(),
        full: cli.full,
        verify: cli.verify,
        stop: interrupt::StopSignal::listen(),
        internet_archive: !cli.network.no_internet_archive,
        max_posts: cli.filters.max_posts,
    };
    progress::start(!cli.quiet && !cli.dry_run);
    let crawl = crawl::run(plugins, http, config).await;
    progress::stop();
    let crawl = crawl.map_err(report::crawl_failure)?;
    let interrupted = matches!(crawl.error, Some(crawl::CrawlError::Interrupted));
    if let (Some(dir), false, false) = (&crawl.dir, cli.dry_run, interrupted) {
        gallery::rebuild_after_archive(dir);
    }
    let output = report::Output {
        quiet: cli.quiet,
        json: cli.json,
    };
    Ok(report::finish(&crawl, started.elapsed(), output))
}

/// Builds the HTTP client of a run from the network flags.
pub fn http_client(
    network: &NetworkArgs,
    api_key: Option<String>,
    max_wait: Duration,
) -> Result<Http, Failure> {
    Http::new(HttpConfig {
        origins: OriginMap::new(network.redirect_origins.clone()),
        allow_private_network: network.allow_private_network,
        api_key: api_key.filter(|key| !key.is_empty()),
        retry: RetryPolicy::default(),
        rates: rate_plan(network.rate),
        max_wait,
        read_timeout: Duration::from_secs_f64(network.timeout),
    })
    .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))
}

/// Returns the `--plugin-opt` options followed by the filter flags as
/// policy options. A flag and a `--plugin-opt` that set the same key are a
/// usage error, because either could be meant.
fn with_filter_options(cli: &Cli) -> Result<Options, Failure> {
    let mut options = cli.plugin_options.clone();
    for (flag, (key, value)) in cli.filters.policy_options() {
        if let Some((_, given)) = options.iter().find(|(known, _)| *known == key) {
            let message = format!(
                "{flag} and --plugin-opt {key}={given} both set the policy option {key:?}\nhint: give only one of them"
            );
            return Err(Failure::new(ExitStatus::Usage, message));
        }
        options.push((key, value));
    }
    Ok(options)
}

/// Embedded scraper for runs with an API key, and for runs without one.
const SCRAPER_WITH_KEY: &str = "tumblr-api-v2";
const SCRAPER_WITHOUT_KEY: &str = "tumblr-api-v1";

/// Picks the embedded scraper: the one `--scraper` names, else the API v2
/// when a key is given, else the legacy public API, which needs no key.
/// Returns its name and the reason, for the log.
fn choose_scraper(cli: &Cli) -> Result<(String, String), Failure> {
    let available = plugin::embedded_scrapers();
    if let Some(name) = &cli.scraper {
        if !available.contains(&name.as_str()) {
            let message = format!(
                "unknown scraper {name:?}\nhint: the embedded scrapers are {}; --plugin FILE.wasm loads another",
                available.join(", ")
            );
            return Err(Failure::new(ExitStatus::Usage, message));
        }
        return Ok((name.clone(), "chosen with --scraper".to_string()));
    }
    let has_key = cli.api_key.as_deref().is_some_and(|key| !key.is_empty());
    if has_key || !available.contains(&SCRAPER_WITHOUT_KEY) {
        return Ok((
            SCRAPER_WITH_KEY.to_string(),
            "an API key was given, so the Tumblr API v2 is used".to_string(),
        ));
    }
    let reason = "no API key was given, so the legacy public API, which needs none, is used; --api-key switches to the API v2";
    Ok((SCRAPER_WITHOUT_KEY.to_string(), reason.to_string()))
}

/// Returns the host of a blog given as a custom domain, such as
/// `www.example-blog.com`, which the user thereby allows the scraper to
/// request. Tumblr's own hosts and plain names give none.
fn custom_domain(blog: &str) -> Option<String> {
    let rest = blog.split_once("://").map_or(blog, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let host = host
        .rsplit_once(':')
        .map_or(host.as_str(), |(name, _)| name)
        .to_string();
    let is_tumblr = host == "tumblr.com" || host.ends_with(".tumblr.com");
    (host.contains('.') && !is_tumblr && host.parse::<std::net::IpAddr>().is_err()).then_some(host)
}

/// Plugin options as key and value pairs.
type Options = Vec<(String, String)>;

/// Gives each `--plugin-opt` to the plugins that declare its key; a key no
/// plugin declares is a usage error that lists the known ones.
fn split_options(
    plugins: &PluginSet,
    options: &[(String, String)],
) -> Result<(Options, Options), Failure> {
    let declares =
        |specs: &[plugin::types::OptionSpec], key: &str| specs.iter().any(|spec| spec.name == key);
    let (mut scraper, mut policy) = (Vec::new(), Vec::new());
    for (key, value) in options {
        let for_scraper = declares(&plugins.scraper.info.options, key);
        let for_policy = declares(&plugins.policy.info.options, key);
        if for_scraper {
            scraper.push((key.clone(), value.clone()));
        }
        if for_policy {
            policy.push((key.clone(), value.clone()));
        }
        if !for_scraper && !for_policy {
            return Err(Failure::new(
                ExitStatus::Usage,
                report::unknown_option(key, plugins),
            ));
        }
    }
    Ok((scraper, policy))
}

/// Requests per second to api.tumblr.com by default: 900 an hour, below
/// Tumblr's documented 1,000 calls per hour per API key.
const API_RATE: f64 = 0.25;
/// Requests to api.tumblr.com allowed at once before `API_RATE` applies;
/// with the rate, at most 960 calls fall in the first hour.
const API_BURST: f64 = 60.0;
/// Shortest time between two API requests, which spreads the burst over
/// 3 s. Any minute then contains at most 75 calls (the burst plus 15
/// refilled ones), a quarter of the 300 requests per minute per IP address
/// that Tumblr documents. The sustained rate stays `API_RATE`.
const API_MIN_INTERVAL: Duration = Duration::from_millis(50);

/// The Internet Archive is a non-profit: its requests are kept to 2 per
/// second, spaced evenly.
const ARCHIVE_HOST: &str = "web.archive.org";
const ARCHIVE_RATE: f64 = 2.0;
const ARCHIVE_BURST: f64 = 1.0;
/// Lookups in the Wayback CDX index: 24 a minute after a burst of 6, so
/// that no minute contains more than 30. The index returns 429 to an
/// address past its limit, which authors of Internet Archive clients
/// report as 30 to 60 a minute, and blocks addresses that keep going.
const ARCHIVE_INDEX_RATE: f64 = 0.4;
const ARCHIVE_INDEX_BURST: f64 = 6.0;

fn rate_plan(rate: Option<f64>) -> RatePlan {
    match rate {
        Some(per_second) => RatePlan {
            default: Some(Rate {
                per_second,
                burst: 1.0,
                min_interval: Duration::from_secs_f64(1.0 / per_second),
            }),
            hosts: Default::default(),
        },
        None => {
            let api = Rate {
                per_second: API_RATE,
                burst: API_BURST,
                min_interval: API_MIN_INTERVAL,
            };
            let archive = Rate {
                per_second: ARCHIVE_RATE,
                burst: ARCHIVE_BURST,
                min_interval: Duration::from_secs_f64(1.0 / ARCHIVE_RATE),
            };
            let archive_index = Rate {
                per_second: ARCHIVE_INDEX_RATE,
                burst: ARCHIVE_INDEX_BURST,
                min_interval: Duration::from_secs_f64(1.0 / ARCHIVE_RATE),
            };
            RatePlan {
                default: None,
                hosts: [
                    (net::TUMBLR_API_HOST.to_string(), api),
                    (ARCHIVE_HOST.to_string(), archive),
                    (net::ARCHIVE_INDEX_KEY.to_string(), archive_index),
                ]
                .into(),
            }
        }
    }
}

fn init_logging(cli: &Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let default_filter = format!(
        "{level},hyper=warn,reqwest=warn,rustls=warn,wasmtime=warn,cranelift=warn,html5ever=warn,selectors=warn,markup5ever=warn,ammonia=warn"
    );
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUMBLR_ARCHIVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let use_color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| progress::LogWriter)
        .with_ansi(use_color)
        .with_target(false)
        .without_time()
        .log_internal_errors(false)
        .init();
}

#[cfg(test)]
mod tests {
    use super::custom_domain;

    #[test]
    fn custom_domain_cases() {
        assert_eq!(
            custom_domain("www.example-blog.com").as_deref(),
            Some("www.example-blog.com")
        );
        assert_eq!(
            custom_domain("https://Example.com/post/1").as_deref(),
            Some("example.com")
        );
        assert_eq!(custom_domain("example-blog"), None);
        assert_eq!(custom_domain("example-blog.tumblr.com"), None);
        assert_eq!(custom_domain("https://www.tumblr.com/example-blog"), None);
        assert_eq!(custom_domain("http://127.0.0.1:8080/"), None);
    }
}
