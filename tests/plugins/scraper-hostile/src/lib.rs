//! Test scraper for the end-to-end tests of the plugin sandbox. It crawls a
//! blog through the Tumblr API v2 routes in three steps: the blog info, a
//! first page of posts and a second page. The first page always returns two
//! posts with one image each, so their downloads are queued before anything
//! goes wrong. The second page (or `start`, for `metadata`) then misbehaves
//! as the `mode` option names. The scraper never reads response bodies:
//! its posts are made up from fixed ids, and it only checks the status.

wit_bindgen::generate!({ path: "../../../wit", world: "scraper" });

use exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_archiver::plugin::types::{
    BlogInfo, HttpRequest, HttpResponse, Media, MediaKind, OptionSpec, Page, PluginError,
    PluginInfo, Post, RawRecord,
};

/// The only host this scraper declares.
pub const API_HOST: &str = "api.tumblr.com";
/// Origin of the made-up image URLs.
pub const MEDIA_ORIGIN: &str = "https://64.media.tumblr.com";
/// Message of the deliberate panic, distinctive enough to find in stderr.
pub const PANIC_MESSAGE: &str = "scraper-hostile panicked on purpose (marker 7f3a9c)";
/// URL on a host the scraper does not declare. The `.invalid` top-level
/// domain never resolves.
pub const UNDECLARED_URL: &str = "https://undeclared.invalid/hostile-undeclared";
/// The cloud metadata address, which the scraper does not declare either.
pub const METADATA_URL: &str = "http://169.254.169.254/latest/meta-data/";
/// Media URL with a scheme the host must not download.
pub const FILE_MEDIA_URL: &str = "file:///etc/passwd";
/// Length of the summary in `huge-summary` mode: 100 MiB.
pub const HUGE_SUMMARY_BYTES: usize = 100 * 1024 * 1024;
/// Length of the raw record in `huge-record` mode: 5 MiB, 1 MiB more
/// than the host accepts.
pub const HUGE_RECORD_BYTES: usize = 5 * 1024 * 1024;
/// Post id of the raw record in `bad-record-id` mode, which would name a
/// file outside the `posts` folder.
pub const BAD_RECORD_ID: &str = "../../escaped";
/// Number of media items of one post in `million-media` mode.
pub const MILLION: usize = 1_000_000;
/// Number of requests that one call returns in `many-requests` mode, one
/// more than the host allows.
pub const MANY_REQUESTS: usize = 101;
/// Post ids of the first page, then of the second page.
pub const FIRST_PAGE_IDS: [&str; 2] = ["910001", "910002"];
pub const SECOND_PAGE_IDS: [&str; 2] = ["910003", "910004"];
/// Posts per page, which is also the offset of the second page.
const PAGE_SIZE: usize = 2;

/// What the scraper does wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Crawls both pages and returns four posts with one image each.
    Normal,
    /// Spins forever on the second page.
    Loop,
    /// Allocates 1 MiB blocks on the second page until memory runs out.
    Alloc,
    /// Panics with `PANIC_MESSAGE` on the second page.
    Panic,
    /// Executes `unreachable` on the second page.
    Trap,
    /// Returns a post whose summary is `HUGE_SUMMARY_BYTES` long.
    HugeSummary,
    /// Returns a post with `MILLION` media items.
    MillionMedia,
    /// Requests `MANY_REQUESTS` further pages after the second page.
    ManyRequests,
    /// Requests `UNDECLARED_URL` after the second page.
    UndeclaredHost,
    /// Requests `METADATA_URL` from `start`, as its first request.
    Metadata,
    /// Returns a post whose image URL is `FILE_MEDIA_URL`.
    FileMedia,
    /// Returns a raw record of `HUGE_RECORD_BYTES` for the first post of
    /// the second page.
    HugeRecord,
    /// Returns a raw record whose post id is `BAD_RECORD_ID`.
    BadRecordId,
}

/// Option values and the modes they select.
const MODES: [(&str, Mode); 13] = [
    ("normal", Mode::Normal),
    ("loop", Mode::Loop),
    ("alloc", Mode::Alloc),
    ("panic", Mode::Panic),
    ("trap", Mode::Trap),
    ("huge-summary", Mode::HugeSummary),
    ("million-media", Mode::MillionMedia),
    ("many-requests", Mode::ManyRequests),
    ("undeclared-host", Mode::UndeclaredHost),
    ("metadata", Mode::Metadata),
    ("file-media", Mode::FileMedia),
    ("huge-record", Mode::HugeRecord),
    ("bad-record-id", Mode::BadRecordId),
];

impl Mode {
    fn parse(value: &str) -> Option<Self> {
        MODES
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, mode)| *mode)
    }

    fn name(self) -> &'static str {
        MODES
            .iter()
            .find(|(_, mode)| *mode == self)
            .map_or("normal", |(name, _)| name)
    }
}

/// The API response that a request fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Info,
    FirstPage,
    SecondPage,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Info => "info",
            Step::FirstPage => "first-page",
            Step::SecondPage => "second-page",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        [Step::Info, Step::FirstPage, Step::SecondPage]
            .into_iter()
            .find(|step| step.name() == value)
    }
}

/// The state carried in each request's `context`: `MODE STEP BLOG`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    mode: Mode,
    step: Step,
    blog: String,
}

impl State {
    fn encode(&self) -> String {
        format!("{} {} {}", self.mode.name(), self.step.name(), self.blog)
    }

    fn decode(context: &str) -> Option<Self> {
        let mut parts = context.splitn(3, ' ');
        let mode = Mode::parse(parts.next()?)?;
        let step = Step::parse(parts.next()?)?;
        let blog = parts.next()?.to_owned();
        Some(Self { mode, step, blog })
    }

    fn next(&self, step: Step) -> Self {
        Self {
            step,
            ..self.clone()
        }
    }
}

pub struct HostileScraper;

impl Guest for HostileScraper {
    fn info() -> PluginInfo {
        let modes: Vec<&str> = MODES.iter().map(|(name, _)| *name).collect();
        PluginInfo {
            name: "scraper-hostile".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "Test scraper that misbehaves on purpose, as its mode option names"
                .to_owned(),
            hosts: vec![API_HOST.to_owned()],
            needs_api_key: true,
            options: vec![OptionSpec {
                name: "mode".to_owned(),
                help: format!("what to do wrong: {}", modes.join(", ")),
                default_value: Some("normal".to_owned()),
            }],
        }
    }

    fn start(
        blog: String,
        options: Vec<(String, String)>,
    ) -> Result<Vec<HttpRequest>, PluginError> {
        let mode = mode_from(&options)?;
        let blog = blog_name(&blog)?;
        if mode == Mode::Metadata {
            return Ok(vec![get(METADATA_URL.to_owned(), String::new())]);
        }
        let state = State {
            mode,
            step: Step::Info,
            blog,
        };
        Ok(vec![request_for(&state)])
    }

    fn parse(request: HttpRequest, response: HttpResponse) -> Result<Page, PluginError> {
        let state = State::decode(&request.context).ok_or_else(|| {
            PluginError::Other(format!(
                "the context {:?} of {} is not one this scraper wrote",
                request.context, request.url
            ))
        })?;
        if response.status != 200 {
            return Err(PluginError::BadResponse(format!(
                "{} returned HTTP {}; expected 200",
                request.url, response.status
            )));
        }
        match state.step {
            Step::Info => Ok(info_page(&state)),
            Step::FirstPage => Ok(first_page(&state)),
            Step::SecondPage => Ok(second_page(&state)),
        }
    }
}

#[cfg(target_arch = "wasm32")]
export!(HostileScraper);

/// Reads the `mode` option; an absent option means `normal`.
fn mode_from(options: &[(String, String)]) -> Result<Mode, PluginError> {
    let Some((_, value)) = options.iter().find(|(key, _)| key == "mode") else {
        return Ok(Mode::Normal);
    };
    Mode::parse(value).ok_or_else(|| {
        let modes: Vec<&str> = MODES.iter().map(|(name, _)| *name).collect();
        PluginError::InvalidInput(format!(
            "unknown mode {value:?}; use one of: {}",
            modes.join(", ")
        ))
    })
}

/// Accepts `NAME` or `NAME.tumblr.com` and returns `NAME`.
fn blog_name(blog: &str) -> Result<String, PluginError> {
    let name = blog.strip_suffix(".tumblr.com").unwrap_or(blog);
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(PluginError::InvalidInput(format!(
            "invalid blog {blog:?}; give NAME or NAME.tumblr.com"
        )))
    }
}

fn get(url: String, context: String) -> HttpRequest {
    HttpRequest {
        method: "GET".to_owned(),
        url,
        headers: vec![("accept".to_owned(), "application/json".to_owned())],
        context,
    }
}

/// Builds the API request for `state.step`.
fn request_for(state: &State) -> HttpRequest {
    let base = format!("https://{API_HOST}/v2/blog/{}.tumblr.com", state.blog);
    let url = match state.step {
        Step::Info => format!("{base}/info"),
        Step::FirstPage => format!("{base}/posts?offset=0&limit={PAGE_SIZE}"),
        Step::SecondPage => format!("{base}/posts?offset={PAGE_SIZE}&limit={PAGE_SIZE}"),
    };
    get(url, state.encode())
}

fn info_page(state: &State) -> Page {
    Page {
        blog: Some(BlogInfo {
            name: state.blog.clone(),
            title: format!("{} (hostile test)", state.blog),
            url: format!("https://{}.tumblr.com/", state.blog),
            total_posts: None,
            updated: None,
        }),
        posts: Vec::new(),
        next: vec![request_for(&state.next(Step::FirstPage))],
        records: Vec::new(),
    }
}

fn first_page(state: &State) -> Page {
    Page {
        blog: None,
        posts: FIRST_PAGE_IDS
            .iter()
            .map(|id| post(&state.blog, id, vec![image(&image_url(id))]))
            .collect(),
        next: vec![request_for(&state.next(Step::SecondPage))],
        records: Vec::new(),
    }
}

/// Builds the second page, or misbehaves as `state.mode` names.
fn second_page(state: &State) -> Page {
    let [third, fourth] = SECOND_PAGE_IDS;
    let mut posts = vec![
        post(&state.blog, third, vec![image(&image_url(third))]),
        post(&state.blog, fourth, vec![image(&image_url(fourth))]),
    ];
    let mut next = Vec::new();
    let mut records = posts
        .iter()
        .map(|post| record(&post.id, 100))
        .collect::<Vec<_>>();
    match state.mode {
        Mode::Normal | Mode::Metadata => {}
        Mode::HugeRecord => records[0] = record(third, HUGE_RECORD_BYTES),
        Mode::BadRecordId => records[0] = record(BAD_RECORD_ID, 100),
        Mode::Loop => spin_forever(),
        Mode::Alloc => allocate_forever(),
        Mode::Panic => panic!("{PANIC_MESSAGE}"),
        Mode::Trap => trap(),
        Mode::HugeSummary => posts[0].summary = "A".repeat(HUGE_SUMMARY_BYTES),
        Mode::MillionMedia => posts[0].media = million_media(),
        Mode::ManyRequests => {
            next = (0..MANY_REQUESTS)
                .map(|index| {
                    let url = format!(
                        "https://{API_HOST}/v2/blog/{}.tumblr.com/posts?offset={}&limit=1",
                        state.blog,
                        PAGE_SIZE * 2 + index
                    );
                    get(url, state.next(Step::SecondPage).encode())
                })
                .collect();
        }
        Mode::UndeclaredHost => next.push(get(UNDECLARED_URL.to_owned(), state.encode())),
        Mode::FileMedia => posts[0].media = vec![image(FILE_MEDIA_URL)],
    }
    Page {
        blog: None,
        posts,
        next,
        records,
    }
}

/// Returns a JSON record of about `size` bytes for post `id`.
fn record(id: &str, size: usize) -> RawRecord {
    let padding = "x".repeat(size.saturating_sub(40));
    RawRecord {
        post_id: id.to_owned(),
        format: "tumblr-api-v2".to_owned(),
        body: format!("{{\"id_string\":\"{id}\",\"padding\":\"{padding}\"}}").into_bytes(),
    }
}

/// Returns the made-up image URL of post `id`.
pub fn image_url(id: &str) -> String {
    format!("{MEDIA_ORIGIN}/hostile/{id}_1280.jpg")
}

fn image(url: &str) -> Media {
    Media {
        url: url.to_owned(),
        kind: MediaKind::Image,
        size: None,
        alternates: Vec::new(),
        trail_blog: None,
    }
}

fn post(blog: &str, id: &str, media: Vec<Media>) -> Post {
    Post {
        id: id.to_owned(),
        url: format!("https://{blog}.tumblr.com/post/{id}"),
        blog: blog.to_owned(),
        timestamp: 1_600_000_000,
        post_type: "photo".to_owned(),
        tags: vec!["hostile".to_owned()],
        reblog: None,
        summary: format!("post {id}"),
        media,
    }
}

fn million_media() -> Vec<Media> {
    let mut media = Vec::with_capacity(MILLION);
    for index in 0..MILLION {
        media.push(image(&format!("{MEDIA_ORIGIN}/m/{index}.jpg")));
    }
    media
}

fn spin_forever() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = core::hint::black_box(counter.wrapping_add(1));
    }
}

fn allocate_forever() -> ! {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        blocks.push(core::hint::black_box(vec![0xA5; 1024 * 1024]));
    }
}

fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(mode: &str) -> Vec<(String, String)> {
        vec![("mode".to_owned(), mode.to_owned())]
    }

    fn ok_response() -> HttpResponse {
        HttpResponse {
            url: String::new(),
            status: 200,
            headers: Vec::new(),
            body: b"{}".to_vec(),
        }
    }

    /// Runs `start` and `parse` until the second page, and returns its
    /// result.
    fn crawl_to_second_page(mode: &str) -> Result<Page, PluginError> {
        let mut request =
            HostileScraper::start("example-blog".to_owned(), options(mode))?.remove(0);
        for _ in 0..2 {
            let page = HostileScraper::parse(request, ok_response())?;
            request = page.next.into_iter().next().expect("a next request");
        }
        HostileScraper::parse(request, ok_response())
    }

    #[test]
    fn start_requests_info() {
        let requests = HostileScraper::start("example-blog.tumblr.com".to_owned(), Vec::new())
            .expect("start succeeds");
        assert_eq!(requests.len(), 1, "one request");
        assert_eq!(
            requests[0].url,
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/info"
        );
    }

    #[test]
    fn start_metadata_mode() {
        let requests = HostileScraper::start("example-blog".to_owned(), options("metadata"))
            .expect("start succeeds");
        assert_eq!(requests[0].url, METADATA_URL);
    }

    #[test]
    fn start_rejects_unknown_mode() {
        let result = HostileScraper::start("example-blog".to_owned(), options("explode"));
        let Err(PluginError::InvalidInput(message)) = result else {
            panic!("expected invalid-input, got {result:?}");
        };
        assert!(message.contains("explode"), "names the value: {message}");
        assert!(message.contains("loop"), "lists the modes: {message}");
    }

    #[test]
    fn start_rejects_bad_blog() {
        let result = HostileScraper::start("../x".to_owned(), Vec::new());
        assert!(
            matches!(result, Err(PluginError::InvalidInput(_))),
            "{result:?}"
        );
    }

    #[test]
    fn normal_crawl_four_posts() {
        let requests =
            HostileScraper::start("example-blog".to_owned(), Vec::new()).expect("start succeeds");
        let info = HostileScraper::parse(requests[0].clone(), ok_response()).expect("info parses");
        assert_eq!(
            info.blog.map(|blog| blog.name),
            Some("example-blog".to_owned()),
            "blog name"
        );
        let first =
            HostileScraper::parse(info.next[0].clone(), ok_response()).expect("first page parses");
        let ids: Vec<&str> = first.posts.iter().map(|post| post.id.as_str()).collect();
        assert_eq!(ids, FIRST_PAGE_IDS, "first page ids");
        assert!(
            first.next[0].url.contains("offset=2"),
            "{}",
            first.next[0].url
        );
        let second = crawl_to_second_page("normal").expect("second page parses");
        let ids: Vec<&str> = second.posts.iter().map(|post| post.id.as_str()).collect();
        assert_eq!(ids, SECOND_PAGE_IDS, "second page ids");
        assert!(second.next.is_empty(), "the crawl ends");
    }

    #[test]
    fn parse_rejects_error_status() {
        let requests =
            HostileScraper::start("example-blog".to_owned(), Vec::new()).expect("start succeeds");
        let mut response = ok_response();
        response.status = 404;
        let result = HostileScraper::parse(requests[0].clone(), response);
        assert!(
            matches!(result, Err(PluginError::BadResponse(_))),
            "{result:?}"
        );
    }

    #[test]
    fn many_requests_mode() {
        let page = crawl_to_second_page("many-requests").expect("second page parses");
        assert_eq!(page.next.len(), MANY_REQUESTS);
    }

    #[test]
    fn undeclared_host_mode() {
        let page = crawl_to_second_page("undeclared-host").expect("second page parses");
        assert_eq!(page.next.len(), 1, "one request");
        assert_eq!(page.next[0].url, UNDECLARED_URL);
    }

    #[test]
    fn file_media_mode() {
        let page = crawl_to_second_page("file-media").expect("second page parses");
        assert_eq!(page.posts[0].media[0].url, FILE_MEDIA_URL);
    }

    #[test]
    #[should_panic(expected = "marker 7f3a9c")]
    fn panic_mode() {
        let _ = crawl_to_second_page("panic");
    }

    #[test]
    fn context_round_trip() {
        let state = State {
            mode: Mode::HugeSummary,
            step: Step::SecondPage,
            blog: "example-blog".to_owned(),
        };
        assert_eq!(State::decode(&state.encode()), Some(state));
        assert_eq!(State::decode("garbage"), None);
    }
}
