//! The listening server: accepts connections on 127.0.0.1, serves each on
//! its own thread, records every request, and stops when dropped or when
//! its lifetime runs out.

use std::io::{self, BufReader, BufWriter};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::api::{self, Fixtures};
use crate::config::{Config, FaultKind};
use crate::http::{self, RequestHead, Response};
use crate::media::media_body;

/// Time a kept-alive connection may stay idle before its thread ends.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a request was routed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// A Tumblr API route, under `/v2/`.
    Api,
    /// An Internet Archive lookup, under `/cdx/` or `/wayback/`. They
    /// always find no capture.
    Archive,
    /// Any other path, served as a media file.
    Media,
}

impl RequestKind {
    fn of_path(path: &str) -> Self {
        if path.starts_with("/v2/") {
            Self::Api
        } else if path.starts_with("/cdx/") || path.starts_with("/wayback/") {
            Self::Archive
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

/// State shared by the accept thread, the watchdog and every connection.
struct Shared {
    config: Config,
    fixtures: Fixtures,
    log: Mutex<Vec<RecordedRequest>>,
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
        let shared = Arc::new(Shared {
            config,
            fixtures,
            log: Mutex::new(Vec::new()),
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
        self.shared.fixtures.posts().to_vec()
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
        if written.is_err() || !keep_alive || response.closes_connection() {
            break;
        }
    }
    drop(writer);
    let _ = stream.shutdown(Shutdown::Both);
}

fn record(shared: &Shared, head: &RequestHead) {
    lock(&shared.log).push(RecordedRequest {
        method: head.method.clone(),
        path: head.path.clone(),
        query: head.query.clone(),
        headers: head.headers.clone(),
        kind: RequestKind::of_path(&head.path),
    });
}

fn respond(shared: &Shared, head: &RequestHead) -> Response {
    match RequestKind::of_path(&head.path) {
        RequestKind::Api => api::handle(&shared.fixtures, &shared.config, head),
        RequestKind::Archive => archive_lookup(head),
        RequestKind::Media => media(shared, head),
    }
}

/// Builds the "no capture" response to Internet Archive lookups: an empty
/// CDX result, or an availability response without snapshots.
fn archive_lookup(head: &RequestHead) -> Response {
    if head.path.starts_with("/wayback/available") {
        let url = http::parse_query(&head.query)
            .into_iter()
            .find(|(key, _)| key == "url")
            .map(|(_, value)| value)
            .unwrap_or_default();
        return Response::json(200, &json!({"url": url, "archived_snapshots": {}}));
    }
    let output_json = http::parse_query(&head.query)
        .iter()
        .any(|(key, value)| key == "output" && value == "json");
    if output_json {
        Response::json(200, &json!([]))
    } else {
        Response::text(200, "")
    }
}

fn media(shared: &Shared, head: &RequestHead) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        return Response::text(405, "fake-tumblr: only GET and HEAD are served")
            .with_header("Allow", "GET, HEAD");
    }
    let body = media_body(&head.path);
    let mut response = Response::new(200, body.content_type, body.bytes);

    let Some(fault) = active_fault(shared, &head.path) else {
        return response;
    };
    match fault {
        FaultKind::Status(status) => Response::text(
            status,
            &format!("fake-tumblr: injected status {status} for {}", head.path),
        ),
        FaultKind::RateLimited { retry_after_secs } => Response::text(
            429,
            &format!("fake-tumblr: injected rate limit for {}", head.path),
        )
        .with_header("Retry-After", &retry_after_secs.to_string()),
        FaultKind::Truncated => {
            response.send_only = Some(response.body.len() / 2);
            response
        }
    }
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
