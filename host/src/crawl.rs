//! Drives a run: asks the scraper for requests, performs them, hands the
//! responses back, passes each new post through the policy and queues the
//! kept media for the download pool.
//!
//! The crawl waits when the bounded job channel is full, so memory stays
//! flat however far the workers fall behind. When the crawl stops on an
//! error, the media already queued are still downloaded and the manifest
//! is still written. The pending requests are saved after every page: a
//! later run first finishes an interrupted crawl, then looks for newer
//! posts, stopping at the first page whose posts are all archived.

mod fetch;
mod media;
mod post_files;
mod records;
mod session;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use crate::manifest::{CrawlPosition, RunSummary, SavedRequest};
use crate::net::{FetchError, Http};
use crate::plugin::types::{HttpRequest, Page, RawRecord};
use crate::plugin::{PluginCallError, PluginSet};
pub use media::kind_name;
pub use post_files::FOLDER as RECORDS_FOLDER;
use session::Session;

pub struct CrawlConfig {
    pub blog: String,
    pub out: PathBuf,
    pub dry_run: bool,
    pub concurrency: usize,
    pub scraper_options: Vec<(String, String)>,
    /// Hosts the scraper may request besides those it declares: the
    /// blog's custom domain, which the user named.
    pub extra_hosts: Vec<String>,
    /// Crawl every post even after an earlier crawl finished.
    pub full: bool,
    /// Re-hash the files of earlier runs before trusting them.
    pub verify: bool,
    /// Set when the user presses Ctrl-C.
    pub stop: crate::interrupt::StopSignal,
    /// Look for media that Tumblr deleted in the Internet Archive.
    pub internet_archive: bool,
    /// Posts to handle in this run, newest first; none for every post.
    pub max_posts: Option<u64>,
}

/// Cause of a run stopping before the end.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error(transparent)]
    Plugin(#[from] PluginCallError),

    #[error(transparent)]
    Fetch(#[from] FetchError),

    #[error(
        "scraper {plugin} asked for {url}, but host {host:?} is not among the hosts it declares ({declared})"
    )]
    HostNotAllowed {
        plugin: String,
        url: String,
        host: String,
        declared: String,
    },

    #[error("scraper {plugin} asked for {url}: {reason}")]
    BadRequest {
        plugin: String,
        url: String,
        reason: String,
    },

    #[error(
        "response from {url} is larger than {} bytes",
        fetch::MAX_RESPONSE_BYTES
    )]
    ResponseTooLarge { url: String },

    #[error("reading the response from {url} failed: {message}")]
    Body { url: String, message: String },

    #[error(transparent)]
    Manifest(#[from] crate::manifest::ManifestError),

    #[error("stopped by Ctrl-C")]
    Interrupted,

    #[error(transparent)]
    Setup(#[from] anyhow::Error),
}

/// Report of a finished run.
pub struct CrawlReport {
    pub dir: Option<PathBuf>,
    /// Posts the scraper returned in this run, each counted once.
    pub posts_seen: usize,
    pub summary: Option<RunSummary>,
    /// The error that stopped the crawl early, if any.
    pub error: Option<CrawlError>,
}

/// Crawl behaviour for pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Follow every page to the end.
    Full,
    /// Stop at the first page whose posts are all archived already.
    Incremental,
}

struct Crawl {
    queue: VecDeque<HttpRequest>,
    mode: Mode,
    /// Whether the queue continues a crawl that an earlier run left; when
    /// it ends, a new incremental crawl looks for newer posts.
    resuming: bool,
    seen: HashSet<String>,
}

/// Runs the crawl and the downloads to the end.
pub async fn run(
    mut plugins: PluginSet,
    http: Http,
    config: CrawlConfig,
) -> Result<CrawlReport, CrawlError> {
    if !plugins.scraper.returns_records() {
        tracing::warn!(
            scraper = %plugins.scraper.label(),
            interface = plugins.scraper.interface_version(),
            "the scraper's plugin interface cannot return a post's raw data, so posts are archived without their text; a scraper built against interface {} saves it",
            crate::plugin::PACKAGE_VERSION
        );
    }
    let first = plugins
        .scraper
        .start(&config.blog, &config.scraper_options)?;
    let mut crawl = Crawl {
        queue: first.into(),
        mode: Mode::Full,
        resuming: false,
        seen: HashSet::new(),
    };
    let mut session: Option<Session> = None;
    let mut failure = None;
    let mut rate_limit_waits = 0;

    loop {
        if config.stop.is_set() {
            failure = Some(CrawlError::Interrupted);
            break;
        }
        let Some(request) = crawl.queue.pop_front() else {
            if crawl.resuming {
                tracing::info!("the interrupted crawl is complete; looking for newer posts");
                crawl.resuming = false;
                crawl.mode = Mode::Incremental;
                match plugins.scraper.start(&config.blog, &config.scraper_options) {
                    Ok(requests) => crawl.queue = requests.into(),
                    Err(error) => failure = Some(error.into()),
                }
                if failure.is_none() {
                    continue;
                }
            }
            break;
        };
        let mut stop = config.stop.clone();
        let fetched = tokio::select! {
            result = fetch_and_parse(&mut plugins, &http, &request, &config.extra_hosts) => result,
            () = stop.wait() => {
                failure = Some(CrawlError::Interrupted);
                break;
            }
        };
        let page = match fetched {
            Ok(page) => page,
            Err(error) => match rate_limit_wait(&error, &mut rate_limit_waits) {
                Some(wait) => {
                    tracing::warn!(
                        "the scraper reports a rate limit for {}; waiting {} s",
                        request.url,
                        wait.as_secs()
                    );
                    tokio::time::sleep(wait).await;
                    crawl.queue.push_front(request);
                    continue;
                }
                None => {
                    failure = Some(error);
                    break;
                }
            },
        };
        rate_limit_waits = 0;
        let mut replaced_queue = false;
        if session.is_none() {
            let name = page
                .blog
                .as_ref()
                .map_or(config.blog.as_str(), |info| info.name.as_str());
            let mut opened = Session::open(&config, name, &plugins, &http)?;
            replaced_queue = choose_mode(&mut crawl, &opened, &plugins, config.full);
            opened.requeue_unfinished().await;
            session = Some(opened);
        }
        let Some(current) = session.as_mut() else {
            unreachable!("the session was opened above");
        };
        if let Some(info) = &page.blog {
            current.blog(records::blog_record(info)).await;
        }
        let limit = config.max_posts;
        match handle_page(
            &mut plugins,
            current,
            &mut crawl,
            page,
            replaced_queue,
            limit,
        )
        .await
        {
            Ok(PageEnd::Continue) => {
                current
                    .save_position(crawl_position(&crawl, &plugins))
                    .await
            }
            Ok(PageEnd::LimitReached { whole_page }) => {
                // The position keeps the rest of the blog, so a later run
                // without the limit continues with the posts left out.
                if !whole_page {
                    crawl.queue.push_front(request);
                }
                current
                    .save_position(crawl_position(&crawl, &plugins))
                    .await;
                tracing::info!(
                    max_posts = limit.unwrap_or_default(),
                    "reached --max-posts; a later run continues with the older posts"
                );
                break;
            }
            Err(error) => {
                failure = Some(error.into());
                break;
            }
        }
    }

    let posts_seen = crawl.seen.len();
    let Some(session) = session else {
        return match failure {
            Some(error) => Err(error),
            None => Ok(CrawlReport {
                dir: None,
                posts_seen,
                summary: None,
                error: None,
            }),
        };
    };
    if let (Some(dir), Some(total)) = (session.dir(), session.total_posts())
        && failure.is_none()
        && crawl.mode == Mode::Full
        && config.max_posts.is_none()
        && posts_seen as u64 != total
    {
        tracing::warn!(folder = %dir.display(), seen = posts_seen, reported = total, "the crawl saw a different number of posts than the blog reports; posts may have been added or deleted during the run");
    }
    let dir = session.dir().map(PathBuf::from);
    let summary = session.finish(failure.is_some()).await?;
    Ok(CrawlReport {
        dir,
        posts_seen,
        summary,
        error: failure,
    })
}

/// Picks up a crawl that an earlier run left unfinished, or switches to an
/// incremental crawl after a finished one. Returns whether the queue was
/// replaced by the saved requests.
fn choose_mode(crawl: &mut Crawl, session: &Session, plugins: &PluginSet, full: bool) -> bool {
    let Some(saved) = session.saved_position() else {
        return false;
    };
    let same_scraper = saved.scraper.name == plugins.scraper.label().name
        && saved.scraper.version == plugins.scraper.label().version;
    if !same_scraper {
        tracing::info!(saved = %saved.scraper.name, "the saved crawl position belongs to another scraper; starting a new crawl");
        return false;
    }
    if !saved.finished && !saved.pending.is_empty() {
        tracing::info!(
            requests = saved.pending.len(),
            "continuing the interrupted crawl where it stopped"
        );
        crawl.queue = saved.pending.iter().map(restore_request).collect();
        crawl.resuming = true;
        return true;
    }
    if saved.finished && !full {
        tracing::info!(
            "an earlier crawl finished; stopping at the first page of posts that are all archived (--full crawls every post)"
        );
        crawl.mode = Mode::Incremental;
    }
    false
}

/// Times in a row the crawl waits on a scraper's rate-limit error before
/// the error stops it.
const MAX_RATE_LIMIT_WAITS: u32 = 3;
/// Maximum wait on one rate-limit error.
const MAX_RATE_LIMIT_WAIT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Returns how long to wait before retrying a request that the scraper
/// reported as rate-limited (the HTTP layer's own retries were spent).
fn rate_limit_wait(error: &CrawlError, waits: &mut u32) -> Option<std::time::Duration> {
    let CrawlError::Plugin(PluginCallError::Guest { error, .. }) = error else {
        return None;
    };
    let crate::plugin::types::PluginError::RateLimited(seconds) = error.0 else {
        return None;
    };
    if *waits >= MAX_RATE_LIMIT_WAITS {
        return None;
    }
    *waits += 1;
    Some(std::time::Duration::from_secs(u64::from(seconds).max(1)).min(MAX_RATE_LIMIT_WAIT))
}

async fn fetch_and_parse(
    plugins: &mut PluginSet,
    http: &Http,
    request: &HttpRequest,
    extra_hosts: &[String],
) -> Result<Page, CrawlError> {
    let response = fetch::perform(&plugins.scraper, http, request, extra_hosts).await?;
    tracing::debug!(url = %request.url, status = response.status, bytes = response.body.len(), "fetched page");
    Ok(plugins.scraper.parse(request, &response)?)
}

/// End of the handling of one page.
enum PageEnd {
    Continue,
    /// The run handled `--max-posts` posts; `whole_page` is set when every
    /// post of the page was handled.
    LimitReached {
        whole_page: bool,
    },
}

/// Passes each new post of `page` to the policy and queues the requests
/// that follow it, unless an incremental crawl reached archived posts or
/// the run reached `max_posts`.
async fn handle_page(
    plugins: &mut PluginSet,
    session: &mut Session,
    crawl: &mut Crawl,
    page: Page,
    replaced_queue: bool,
    max_posts: Option<u64>,
) -> Result<PageEnd, PluginCallError> {
    let at_limit = |crawl: &Crawl| max_posts.is_some_and(|max| crawl.seen.len() as u64 >= max);
    let all_known = !page.posts.is_empty()
        && page
            .posts
            .iter()
            .all(|post| session.is_archived_post(&post.id));
    let records: HashMap<&str, &RawRecord> = page
        .records
        .iter()
        .map(|record| (record.post_id.as_str(), record))
        .collect();
    for (position, post) in page.posts.iter().enumerate() {
        if at_limit(crawl) {
            let whole_page = page.posts[position..]
                .iter()
                .all(|post| crawl.seen.contains(&post.id));
            return Ok(PageEnd::LimitReached { whole_page });
        }
        if !crawl.seen.insert(post.id.clone()) {
            continue;
        }
        crate::progress::post_found();
        let record = records.get(post.id.as_str()).copied();
        media::handle_post(&mut plugins.policy, session, post, record).await?;
    }
    if replaced_queue {
        return Ok(PageEnd::Continue);
    }
    if crawl.mode == Mode::Incremental && all_known {
        tracing::info!("reached posts archived by an earlier run; the crawl is complete");
        return Ok(PageEnd::Continue);
    }
    crawl.queue.extend(page.next);
    if at_limit(crawl) {
        return Ok(PageEnd::LimitReached { whole_page: true });
    }
    Ok(PageEnd::Continue)
}

fn crawl_position(crawl: &Crawl, plugins: &PluginSet) -> CrawlPosition {
    let label = plugins.scraper.label();
    CrawlPosition {
        scraper: crate::manifest::PluginRef {
            name: label.name.clone(),
            version: label.version.clone(),
        },
        finished: crawl.queue.is_empty() && !crawl.resuming,
        pending: crawl.queue.iter().map(save_request).collect(),
    }
}

fn save_request(request: &HttpRequest) -> SavedRequest {
    SavedRequest {
        method: request.method.clone(),
        url: request.url.clone(),
        headers: request.headers.clone(),
        context: request.context.clone(),
    }
}

fn restore_request(saved: &SavedRequest) -> HttpRequest {
    HttpRequest {
        method: saved.method.clone(),
        url: saved.url.clone(),
        headers: saved.headers.clone(),
        context: saved.context.clone(),
    }
}
