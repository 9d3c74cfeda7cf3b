//! The listening server: accepts connections on 127.0.0.1, serves each on
//! its own thread, records every request with its arrival time and every
//! media body it sent in full, and stops when dropped or when its lifetime
//! runs out.

use std::collections::BTreeMap;
use std::io::{self, BufReader, BufWriter};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::api::{self, Fixtures};
use crate::api_v1;
use crate::config::{Config, FaultKind, Pace, Quota};
use crate::date::http_date;
use crate::http::{self, RequestHead, Response};
use crate::image_page;
use crate::media::{media_body, media_body_of_len};
use crate::quota::QuotaState;
use crate::themed;
use crate::wayback;

/// Time a kept-alive connection may stay idle before its thread ends.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a request was routed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A Tumblr API route, under `/v2/`.
    Api,
    /// An Internet Archive request, under `/cdx/`, `/web/` or
    /// `/wayback/`, answered from `Config::wayback`.
    Archive,
    /// A page of the blog's own site: the v1 read API at
    /// `/api/read/json`, or a themed page at `/`, `/page/N` or
    /// `/post/{id}`.
    Site,
    /// Any other path, served as a media file.
    Media,
}

impl RequestKind {
    fn of_path(path: &str) -> Self {
        if path.starts_with("/v2/") {
            Self::Api
        } else if path.starts_with("/cdx/")
            || path.starts_with("/web/")
            || path.starts_with("/wayback/")
        {
            Self::Archive
        } else if path == "/api/read/json"
            || path == "/"
            || path.starts_with("/page/")
            || path.starts_with("/post/")
        {
            Self::Site
        } else {
            Self::Media
        }
    }
}

/// One request as the server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path as sent, without the query string.
    pub path: String,
    /// Query string as sent, without the `?`; empty when absent.
    pub query: String,
    /// Headers in the order sent, names lowercased.
    pub headers: Vec<(String, String)>,
    pub kind: RequestKind,
    /// When the server finished reading the request head.
    pub at: Instant,
}

impl RecordedRequest {
    /// Returns the first decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        http::parse_query(&self.query)
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// Returns the first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A media body that the server wrote in full to the connection: a 200
/// to a GET, or a 206 for the rest of a file. The bytes were handed to
/// the operating system, which does not prove that the client read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedBody {
    /// Path as requested, without the query string.
    pub path: String,
    /// Whether the body was sent for a `Range` request (status 206).
    pub partial: bool,
    /// When the last byte was written.
    pub at: Instant,
}

/// Returns the largest number of `times` that fall within one interval of
/// length `window`, over every placement of the interval. An instant
/// exactly `window` after another falls outside that one's interval.
pub fn max_in_window(times: &[Instant], window: Duration) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let mut best = 0;
    let mut first = 0;
    for last in 0..sorted.len() {
        while sorted[last].duration_since(sorted[first]) >= window {
            first += 1;
        }
        best = best.max(last - first + 1);
    }
    best
}

/// State shared by the accept thread, the watchdog and every connection.
struct Shared {
    config: Config,
    /// The served blog; locked because tests may edit posts between runs.
    fixtures: Mutex<Fixtures>,
    log: Mutex<Vec<RecordedRequest>>,
    completed: Mutex<Vec<CompletedBody>>,
    /// API quota counters; `None` enforces no quota.
    quota: Mutex<Option<QuotaState>>,
    /// Number of requests each fault of `config.faults` has failed.
    fault_hits: Mutex<Vec<u32>>,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
}

/// Locks `mutex`, also after a panic in another thread, because every
/// guarded value stays consistent between statements.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    fn stop(&self) {
        *lock(&self.stopped) = true;
        self.stop_signal.notify_all();
    }
}

/// A fake Tumblr listening on 127.0.0.1. Dropping it stops the server;
/// connections already open end after their current request or after 10 s
/// of idleness.
pub struct FakeTumblr {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
    watchdog: Option<JoinHandle<()>>,
}

impl FakeTumblr {
    /// Starts a server with `config`.
    ///
    /// # Panics
    ///
    /// Panics with the cause when the fixtures cannot be loaded or the
    /// socket cannot be bound. Use `try_start` to handle those errors.
    pub fn start(config: Config) -> Self {
        match Self::try_start(config) {
            Ok(server) => server,
            Err(error) => panic!("fake Tumblr failed to start: {error}"),
        }
    }

    /// Starts a server with `config`, loading its fixtures first.
    pub fn try_start(config: Config) -> io::Result<Self> {
        let fixtures = Fixtures::load(&config)?;
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let fault_count = config.faults.len();
        let lifetime = config.lifetime;
        let quota = Mutex::new(config.quota.as_ref().map(QuotaState::new));
        let shared = Arc::new(Shared {
            config,
            fixtures: Mutex::new(fixtures),
            log: Mutex::new(Vec::new()),
            completed: Mutex::new(Vec::new()),
            quota,
            fault_hits: Mutex::new(vec![0; fault_count]),
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
        });

        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name("fake-tumblr-accept".to_string())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        let watchdog_shared = Arc::clone(&shared);
        let watchdog = thread::Builder::new()
            .name("fake-tumblr-watchdog".to_string())
            .spawn(move || watch_lifetime(&watchdog_shared, addr, lifetime))?;

        Ok(Self {
            addr,
            shared,
            accept_thread: Some(accept_thread),
            watchdog: Some(watchdog),
        })
    }

    /// Returns `http://127.0.0.1:PORT`, with no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns the address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Returns the requests that were served as media files.
    pub fn media_requests(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.kind == RequestKind::Media)
            .collect()
    }

    /// Returns the posts that the posts route serves, in order.
    pub fn served_posts(&self) -> Vec<serde_json::Value> {
        lock(&self.shared.fixtures).posts().to_vec()
    }

    /// Sets field `field` of the first served post with id `id` to
    /// `value`, as when the blog's author edits the post. Returns whether
    /// the post exists.
    pub fn edit_post(&self, id: &str, field: &str, value: serde_json::Value) -> bool {
        lock(&self.shared.fixtures).edit_post(id, field, value)
    }

    /// Returns every media body written in full so far, in order.
    pub fn completed_media(&self) -> Vec<CompletedBody> {
        lock(&self.shared.completed).clone()
    }

    /// Returns the number of media bodies written in full, by path.
    pub fn completed_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for body in lock(&self.shared.completed).iter() {
            *counts.entry(body.path.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// Returns the largest number of requests of `kind` that arrived
    /// within one interval of length `window`.
    pub fn max_requests_in_window(&self, kind: RequestKind, window: Duration) -> usize {
        let times: Vec<Instant> = lock(&self.shared.log)
            .iter()
            .filter(|request| request.kind == kind)
            .map(|request| request.at)
            .collect();
        max_in_window(&times, window)
    }

    /// Ends the current hourly and daily quota windows, so that the next
    /// API request starts both with every call available. Does nothing
    /// without a quota.
    pub fn reset_quota(&self) {
        if let Some(quota) = lock(&self.shared.quota).as_mut() {
            quota.reset();
        }
    }

    /// Replaces the quota with `quota`, counting from zero in new windows;
    /// `None` removes it.
    pub fn set_quota(&self, quota: Option<Quota>) {
        *lock(&self.shared.quota) = quota.as_ref().map(QuotaState::new);
    }

    /// Returns the API calls counted in the current hourly and daily
    /// windows, or `None` without a quota.
    pub fn quota_used(&self) -> Option<(u64, u64)> {
        lock(&self.shared.quota).as_ref().map(QuotaState::used)
    }
}

impl Drop for FakeTumblr {
    fn drop(&mut self) {
        self.shared.stop();
        wake_accept(self.addr);
        for handle in [self.accept_thread.take(), self.watchdog.take()]
            .into_iter()
            .flatten()
        {
            // A panicked helper thread has nothing left to clean up.
            let _ = handle.join();
        }
    }
}

/// Connects to the listener so that a blocked `accept` returns and checks
/// the stop flag.
fn wake_accept(addr: SocketAddr) {
    // The connection fails only when the listener is already gone.
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}

fn watch_lifetime(shared: &Shared, addr: SocketAddr, lifetime: Duration) {
    let deadline = Instant::now() + lifetime;
    let mut stopped = lock(&shared.stopped);
    while !*stopped {
        let now = Instant::now();
        if now >= deadline {
            *stopped = true;
            break;
        }
        stopped = shared
            .stop_signal
            .wait_timeout(stopped, deadline - now)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    drop(stopped);
    wake_accept(addr);
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.is_stopped() {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let connection_shared = Arc::clone(shared);
        // A failed spawn drops the connection, which the client sees as a
        // reset.
        let _ = thread::Builder::new()
            .name("fake-tumblr-connection".to_string())
            .spawn(move || serve_connection(stream, &connection_shared));
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    // Without timeouts an abandoned connection would keep its thread.
    if stream.set_read_timeout(Some(IDLE_TIMEOUT)).is_err()
        || stream.set_write_timeout(Some(IDLE_TIMEOUT)).is_err()
    {
        return;
    }
    // Responses go out as several writes; with Nagle's algorithm the last
    // small one waits for the client's delayed ACK, about 40 ms on Linux.
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = BufWriter::new(&stream);

    loop {
        let head = match http::read_request(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => break,
            Err(error) if error.kind() == io::ErrorKind::InvalidData => {
                let response = Response::text(400, &format!("fake-tumblr: {error}"));
                let _ = http::write_response(&mut writer, &response, false, false);
                break;
            }
            // Timeouts and resets end the connection quietly.
            Err(_) => break,
        };
        record(shared, &head);

        let response = respond(shared, &head);
        let keep_alive = head.keep_alive() && !shared.is_stopped();
        let written =
            http::write_response(&mut writer, &response, head.method == "HEAD", keep_alive);
        if written.is_ok() {
            record_completion(shared, &head, &response);
        }
        if response.reset {
            reset_connection(writer, &stream);
            return;
        }
        if written.is_err() || !keep_alive || response.closes_connection() {
            break;
        }
    }
    drop(writer);
    let _ = stream.shutdown(Shutdown::Both);
}

/// Time between the last byte of a reset response and the reset. On Linux,
/// bytes that the client has not read yet when the RST arrives are lost,
/// so without the wait a client often sees no body at all.
const RESET_DELAY: Duration = Duration::from_millis(100);

/// Closes `stream` with a TCP reset after `RESET_DELAY`: with a linger
/// time of zero, closing the last handle of the socket sends RST instead
/// of FIN. The handle of the reading half closes when the connection's
/// thread returns.
fn reset_connection(writer: BufWriter<&TcpStream>, stream: &TcpStream) {
    drop(writer);
    thread::sleep(RESET_DELAY);
    // Without the option the close below is a normal one, which the
    // client also sees as a body cut short.
    let _ = socket2::SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

fn record(shared: &Shared, head: &RequestHead) {
    lock(&shared.log).push(RecordedRequest {
        method: head.method.clone(),
        path: head.path.clone(),
        query: head.query.clone(),
        headers: head.headers.clone(),
        kind: RequestKind::of_path(&head.path),
        at: Instant::now(),
    });
}

fn record_completion(shared: &Shared, head: &RequestHead, response: &Response) {
    let is_media_get =
        head.method == "GET" && RequestKind::of_path(&head.path) == RequestKind::Media;
    if !is_media_get || !matches!(response.status, 200 | 206) || !response.sends_whole_body() {
        return;
    }
    lock(&shared.completed).push(CompletedBody {
        path: head.path.clone(),
        partial: response.status == 206,
        at: Instant::now(),
    });
}

/// Builds the response to `head`: the active fault's, or the route's,
/// paced as the route family's settings ask.
fn respond(shared: &Shared, head: &RequestHead) -> Response {
    let kind = RequestKind::of_path(&head.path);
    let fault = match kind {
        RequestKind::Archive => None,
        RequestKind::Api | RequestKind::Media | RequestKind::Site => {
            active_fault(shared, &head.path)
        }
    };
    let mut response = match &fault {
        Some(FaultKind::Status(status)) => Response::text(
            *status,
            &format!("fake-tumblr: injected status {status} for {}", head.path),
        ),
        Some(FaultKind::RateLimited { retry_after_secs }) => {
            rate_limited(head).with_header("Retry-After", &retry_after_secs.to_string())
        }
        Some(FaultKind::RateLimitedUntil { retry_after_secs }) => {
            let until = SystemTime::now() + Duration::from_secs(u64::from(*retry_after_secs));
            rate_limited(head).with_header("Retry-After", &http_date(until))
        }
        _ => route(shared, head, kind),
    };
    response.pace = match kind {
        RequestKind::Api | RequestKind::Site => shared.config.api_pace,
        RequestKind::Media => shared.config.media_pace,
        RequestKind::Archive => Pace::default(),
    };
    match fault {
        Some(FaultKind::Truncated) => response.send_only = Some(response.body.len() / 2),
        Some(FaultKind::Reset) => {
            response.send_only = Some(response.body.len() / 2);
            response.reset = true;
        }
        Some(FaultKind::Slow(delay)) => response.pace.before_headers += delay,
        _ => {}
    }
    response
}

fn rate_limited(head: &RequestHead) -> Response {
    Response::text(
        429,
        &format!("fake-tumblr: injected rate limit for {}", head.path),
    )
}

fn route(shared: &Shared, head: &RequestHead, kind: RequestKind) -> Response {
    match kind {
        RequestKind::Api => api_route(shared, head),
        RequestKind::Archive => archive_lookup(shared, head),
        RequestKind::Media => media(shared, head),
        RequestKind::Site => site_page(shared, head),
    }
}

/// Serves the blog's own pages from the served posts: 404 for every page
/// when `not_found_blogs` lists the blog, the v1 read API, or a themed
/// page.
fn site_page(shared: &Shared, head: &RequestHead) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        return Response::text(405, "fake-tumblr: only GET and HEAD are served")
            .with_header("Allow", "GET, HEAD");
    }
    let fixtures = lock(&shared.fixtures);
    let blog = fixtures.blog();
    let name = blog["name"].as_str().unwrap_or_default();
    let posts = fixtures.posts();
    if api::listed(&shared.config.not_found_blogs, name) {
        return Response::text(404, &format!("fake-tumblr: blog {name} not found"));
    }
    if head.path == "/api/read/json" {
        return api_v1::read_json(blog, posts, head);
    }
    themed::respond(blog, posts, head)
        .unwrap_or_else(|| Response::text(404, &format!("fake-tumblr: no page at {}", head.path)))
}

/// Serves an API request, counting it against the quota when one is set
/// and the request carries the right key.
fn api_route(shared: &Shared, head: &RequestHead) -> Response {
    let fixtures = lock(&shared.fixtures);
    if !api::key_accepted(&shared.config, head) {
        return api::handle(&fixtures, &shared.config, head);
    }
    let admission = match lock(&shared.quota).as_mut() {
        Some(quota) => quota.admit(Instant::now()),
        None => return api::handle(&fixtures, &shared.config, head),
    };
    let mut response = if admission.allowed {
        api::handle(&fixtures, &shared.config, head)
    } else {
        api::limit_exceeded(&fixtures)
    };
    response.headers.extend(admission.headers);
    response
}

/// Builds the response to Internet Archive requests: an availability
/// response without snapshots, or the fake Wayback Machine's.
fn archive_lookup(shared: &Shared, head: &RequestHead) -> Response {
    if head.path.starts_with("/wayback/available") {
        let url = http::parse_query(&head.query)
            .into_iter()
            .find(|(key, _)| key == "url")
            .map(|(_, value)| value)
            .unwrap_or_default();
        return Response::json(200, &json!({"url": url, "archived_snapshots": {}}));
    }
    wayback::respond(&shared.config.wayback, &shared.config.fixtures_dir, head)
}

/// Serves a media file: its configured body, or the generated bytes of
/// its path or of the path it aliases, and for `Range: bytes=N-` or
/// `bytes=N-M` the requested part as 206 when range requests are enabled.
/// Other range forms get the whole file. An image page request gets the
/// image page instead.
fn media(shared: &Shared, head: &RequestHead) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        return Response::text(405, "fake-tumblr: only GET and HEAD are served")
            .with_header("Allow", "GET, HEAD");
    }
    if let Some(page) = image_page::respond(&shared.config.image_pages, head) {
        return page;
    }
    let body = match shared.config.media_files.get(&head.path) {
        Some(body) => body.clone(),
        None => {
            let fixtures = lock(&shared.fixtures);
            let source = fixtures.media_source(&head.path);
            match shared.config.media_len {
                Some(len) => media_body_of_len(source, len),
                None => media_body(source),
            }
        }
    };
    if !shared.config.range_requests {
        return Response::new(200, body.content_type, body.bytes);
    }
    let len = body.bytes.len();
    let Some((start, end)) = head.header("range").and_then(parse_byte_range) else {
        return Response::new(200, body.content_type, body.bytes)
            .with_header("Accept-Ranges", "bytes");
    };
    if start >= len {
        return Response::text(416, "fake-tumblr: range starts beyond the end of the file")
            .with_header("Content-Range", &format!("bytes */{len}"));
    }
    let end = end.map_or(len - 1, |end| end.min(len - 1));
    if end < start {
        return Response::new(200, body.content_type, body.bytes)
            .with_header("Accept-Ranges", "bytes");
    }
    Response::new(206, body.content_type, body.bytes[start..=end].to_vec())
        .with_header("Accept-Ranges", "bytes")
        .with_header("Content-Range", &format!("bytes {start}-{end}/{len}"))
}

/// Reads a single range `bytes=START-` or `bytes=START-END`.
fn parse_byte_range(value: &str) -> Option<(usize, Option<usize>)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let start = start.trim().parse().ok()?;
    let end = match end.trim() {
        "" => None,
        end => Some(end.parse().ok()?),
    };
    Some((start, end))
}

/// Returns the fault that decides this request, counting it against that
/// fault's limit.
fn active_fault(shared: &Shared, path: &str) -> Option<FaultKind> {
    let mut hits = lock(&shared.fault_hits);
    for (fault, hit_count) in shared.config.faults.iter().zip(hits.iter_mut()) {
        if !fault.path.matches(path) {
            continue;
        }
        match fault.times {
            None => return Some(fault.kind.clone()),
            Some(limit) if *hit_count < limit => {
                *hit_count += 1;
                return Some(fault.kind.clone());
            }
            Some(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_in_window_counts() {
        let start = Instant::now();
        let at = |millis: u64| start + Duration::from_millis(millis);
        let times = [
            at(0),
            at(100),
            at(900),
            at(999),
            at(1000),
            at(1500),
            at(2600),
        ];
        assert_eq!(
            max_in_window(&times, Duration::from_secs(1)),
            4,
            "0, 100, 900 and 999 ms share a window; 1000 ms starts the next"
        );
        assert_eq!(
            max_in_window(&times, Duration::from_millis(600)),
            3,
            "900, 999 and 1000 ms within 0.6 s"
        );
        assert_eq!(max_in_window(&[], Duration::from_secs(1)), 0, "no requests");
        let unsorted = [at(2000), at(0), at(2500), at(10)];
        assert_eq!(
            max_in_window(&unsorted, Duration::from_secs(1)),
            2,
            "order does not matter"
        );
    }

    #[test]
    fn parse_byte_range_forms() {
        assert_eq!(parse_byte_range("bytes=10-"), Some((10, None)), "open end");
        assert_eq!(
            parse_byte_range("bytes=0-99"),
            Some((0, Some(99))),
            "closed range"
        );
        assert_eq!(
            parse_byte_range("bytes=-5"),
            None,
            "suffix ranges unsupported"
        );
        assert_eq!(parse_byte_range("bytes=1-2,4-5"), None, "multiple ranges");
        assert_eq!(parse_byte_range("items=1-"), None, "other units");
    }
}
