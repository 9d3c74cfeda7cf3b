//! tumblr-archiver: archives a Tumblr blog's media through sandboxed
//! WebAssembly plugins. This file wires the CLI to the run and maps every
//! failure to one message and a documented exit status.

mod cli;
mod crawl;
mod download;
mod manifest;
mod net;
mod paths;
mod plugin;
mod report;
mod resolve;
mod tools;
mod wayback;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use cli::Cli;
use crawl::CrawlConfig;
use net::{Http, HttpConfig, OriginMap, Rate, RatePlan, RetryPolicy};
use plugin::{CompileCache, Limits, PluginSet, Sandbox};
use report::{ExitStatus, Failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return report::fail(&Failure::new(
                ExitStatus::Error,
                format!("cannot start the async runtime: {error}"),
            ));
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => status.into(),
        Err(failure) => report::fail(&failure),
    }
}

async fn run(mut cli: Cli) -> Result<ExitStatus, Failure> {
    if let Some(cli::Command::Plugin(command)) = cli.command.take() {
        return tools::run(command).await;
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
    let mut plugins = plugin::load_plugins(&sandbox, &cli.plugins)
        .map_err(|error| Failure::new(ExitStatus::Usage, error.to_string()))?;
    tracing::info!(
        scraper = %plugins.scraper.label(),
        policy = %plugins.policy.label(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "plugins loaded"
    );
    if plugins.scraper.info.needs_api_key && cli.api_key.as_deref().is_none_or(str::is_empty) {
        return Err(Failure::new(
            ExitStatus::Usage,
            report::missing_api_key(&plugins.scraper.info.name),
        ));
    }
    let (scraper_options, policy_options) = split_options(&plugins, &cli.plugin_options)?;
    plugins
        .policy
        .configure(policy_options)
        .map_err(report::plugin_failure)?;

    let http = Http::new(HttpConfig {
        origins: OriginMap::new(cli.redirect_origins.clone()),
        allow_private_network: cli.allow_private_network,
        api_key: cli.api_key.clone().filter(|key| !key.is_empty()),
        retry: RetryPolicy::default(),
        rates: rate_plan(cli.rate),
        max_wait: cli.max_wait,
        read_timeout: Duration::from_secs_f64(cli.timeout),
    })
    .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;

    let config = CrawlConfig {
        blog,
        out: cli.out.clone(),
        dry_run: cli.dry_run,
        concurrency: usize::from(cli.concurrency),
        scraper_options,
        full: cli.full,
        internet_archive: !cli.no_internet_archive,
    };
    let crawl = crawl::run(plugins, http, config)
        .await
        .map_err(report::crawl_failure)?;
    Ok(report::finish(&crawl, started.elapsed(), cli.quiet))
}

/// Gives each `--plugin-opt` to the plugins that declare its key; a key no
/// plugin declares is a usage error that lists the known ones.
fn split_options(
    plugins: &PluginSet,
    options: &[(String, String)],
) -> Result<(Vec<(String, String)>, Vec<(String, String)>), Failure> {
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
/// Shortest time between two API requests: 5 per second at most, as
/// Tumblr documents 300 requests per minute per IP address.
const API_MIN_INTERVAL: Duration = Duration::from_millis(200);

/// The Internet Archive is a non-profit: its requests are kept to 2 per
/// second, spaced evenly.
const ARCHIVE_HOST: &str = "web.archive.org";
const ARCHIVE_RATE: f64 = 2.0;
const ARCHIVE_BURST: f64 = 1.0;

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
            RatePlan {
                default: None,
                hosts: [
                    (net::TUMBLR_API_HOST.to_string(), api),
                    (ARCHIVE_HOST.to_string(), archive),
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
    let default_filter =
        format!("{level},hyper=warn,reqwest=warn,rustls=warn,wasmtime=warn,cranelift=warn");
    let filter = tracing_subscriber::EnvFilter::try_from_env("TUMBLR_ARCHIVER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let use_color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color)
        .with_target(false)
        .without_time()
        .init();
}
