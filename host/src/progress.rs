//! Live progress of a run on stderr: posts found, media done, queued and
//! failed, bytes, transfer rate and an estimate of the time left.
//!
//! Counters are process-wide, so the crawl, the download workers and the
//! network layer report without passing a handle around. A status line is
//! drawn only when stderr is a terminal and the run is not quiet. Without
//! it, a plain log line reports the counters every 30 seconds. Log lines
//! are written through [`LogWriter`], which hides the status line while a
//! line is printed, so the two never mix.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Time between two redraws of the status line.
const REDRAW_INTERVAL: Duration = Duration::from_millis(250);
/// Time between two log lines of progress when no status line is drawn.
const LOG_INTERVAL: Duration = Duration::from_secs(30);
/// Width of the window over which the transfer rate is measured.
const RATE_WINDOW: Duration = Duration::from_secs(5);

static STATE: OnceLock<State> = OnceLock::new();

#[derive(Default)]
struct Counters {
    posts_found: AtomicU64,
    /// Posts the blog reports; 0 while unknown.
    total_posts: AtomicU64,
    media_queued: AtomicU64,
    media_done: AtomicU64,
    media_failed: AtomicU64,
    bytes: AtomicU64,
}

struct State {
    counters: Counters,
    bar: Option<ProgressBar>,
    started: Instant,
    /// A temporary message, such as a wait, and when it expires.
    notice: Mutex<Option<(String, Instant)>>,
    /// Byte counts sampled at redraws, oldest first, for the rate.
    samples: Mutex<Vec<(Instant, u64)>>,
    running: AtomicBool,
}

/// Starts counting, and draws the status line when `draw` is set and
/// stderr is a terminal. Call once, inside the async runtime.
pub fn start(draw: bool) {
    let bar = (draw && io::stderr().is_terminal()).then(new_bar);
    let state = State {
        counters: Counters::default(),
        bar,
        started: Instant::now(),
        notice: Mutex::new(None),
        samples: Mutex::new(Vec::new()),
        running: AtomicBool::new(true),
    };
    if STATE.set(state).is_err() {
        return;
    }
    tokio::spawn(refresh());
}

fn new_bar() -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
    let style = ProgressStyle::with_template("{spinner} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    bar
}

/// Redraws the status line, or logs the counters now and then, until
/// [`stop`] is called.
async fn refresh() {
    let Some(state) = STATE.get() else {
        return;
    };
    let mut last_log = Instant::now();
    while state.running.load(Ordering::Relaxed) {
        tokio::time::sleep(REDRAW_INTERVAL).await;
        let line = state.line();
        match &state.bar {
            Some(bar) => {
                bar.set_message(line);
                bar.tick();
            }
            None if last_log.elapsed() >= LOG_INTERVAL => {
                last_log = Instant::now();
                tracing::info!("progress: {line}");
            }
            None => {}
        }
    }
}

/// Removes the status line; counting stops.
pub fn stop() {
    if let Some(state) = STATE.get() {
        state.running.store(false, Ordering::Relaxed);
        if let Some(bar) = &state.bar {
            bar.finish_and_clear();
        }
    }
}

fn add(select: impl Fn(&Counters) -> &AtomicU64, amount: u64) {
    if let Some(state) = STATE.get() {
        select(&state.counters).fetch_add(amount, Ordering::Relaxed);
    }
}

/// Counts a post the crawl had not seen before in this run.
pub fn post_found() {
    add(|counters| &counters.posts_found, 1);
}

/// Records the number of posts the blog reports.
pub fn total_posts(total: u64) {
    if let Some(state) = STATE.get() {
        state.counters.total_posts.store(total, Ordering::Relaxed);
    }
}

/// Counts a media file handed to the download workers.
pub fn media_queued() {
    add(|counters| &counters.media_queued, 1);
}

/// Counts a finished download: `saved` when the file is on disk.
pub fn media_finished(saved: bool) {
    match saved {
        true => add(|counters| &counters.media_done, 1),
        false => add(|counters| &counters.media_failed, 1),
    }
}

/// Counts bytes received for media files.
pub fn bytes_received(bytes: u64) {
    add(|counters| &counters.bytes, bytes);
}

/// Shows `message` in the status line for `duration`, such as a wait for
/// a rate limit. Without a status line, nothing is shown: the caller logs
/// what the user has to know.
pub fn notice(message: String, duration: Duration) {
    if let Some(state) = STATE.get()
        && state.bar.is_some()
    {
        let mut notice = state.notice.lock().unwrap_or_else(|e| e.into_inner());
        *notice = Some((message, Instant::now() + duration));
    }
}

impl State {
    fn line(&self) -> String {
        let counters = &self.counters;
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let (found, total) = (load(&counters.posts_found), load(&counters.total_posts));
        let (done, failed) = (load(&counters.media_done), load(&counters.media_failed));
        let queued = load(&counters.media_queued);
        let bytes = load(&counters.bytes);
        let rate = self.rate(bytes);
        let posts = match total {
            0 => format!("{found} posts"),
            total => format!("{found}/{total} posts"),
        };
        let waiting = queued.saturating_sub(done + failed);
        let mut line = format!(
            "{posts} · media {done} done, {waiting} queued, {failed} failed · {}, {}/s",
            format_bytes(bytes),
            format_bytes(rate as u64)
        );
        if let Some(eta) = self.eta(found, total, done + failed, queued) {
            line.push_str(&format!(" · ~{} left", format_duration(eta)));
        }
        let notice = self.notice.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((message, until)) = notice.as_ref()
            && Instant::now() < *until
        {
            line.push_str(" · ");
            line.push_str(message);
        }
        line
    }

    /// Bytes per second over the last few seconds.
    fn rate(&self, bytes: u64) -> f64 {
        let now = Instant::now();
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.push((now, bytes));
        samples.retain(|(at, _)| now.duration_since(*at) <= RATE_WINDOW);
        let (first_at, first_bytes) = samples[0];
        let seconds = now.duration_since(first_at).as_secs_f64();
        if seconds < 0.5 {
            return 0.0;
        }
        (bytes - first_bytes) as f64 / seconds
    }

    /// Estimates the time left from the media finished so far. The media of
    /// posts not found yet are extrapolated from the posts found, so the
    /// estimate exists only once the blog's post count is known.
    fn eta(&self, found: u64, total: u64, finished: u64, queued: u64) -> Option<Duration> {
        if found == 0 || total == 0 || finished == 0 {
            return None;
        }
        let expected_media = queued as f64 * (total.max(found) as f64 / found as f64);
        let remaining = (expected_media - finished as f64).max(0.0);
        let per_item = self.started.elapsed().as_secs_f64() / finished as f64;
        Some(Duration::from_secs_f64(remaining * per_item))
    }
}

fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Writes log lines to stderr, hiding the status line while it writes.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let bar = STATE.get().and_then(|state| state.bar.as_ref());
        match bar {
            Some(bar) => bar.suspend(|| io::stderr().write(buffer)),
            None => io::stderr().write(buffer),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_formatted() {
        assert_eq!(format_bytes(999), "999 B");
        assert_eq!(format_bytes(1_500), "1.5 kB");
        assert_eq!(format_bytes(55_600_000), "55.6 MB");
        assert_eq!(format_bytes(3_000_000_000), "3.0 GB");
    }

    #[test]
    fn durations_formatted() {
        assert_eq!(format_duration(Duration::from_secs(42)), "42 s");
        assert_eq!(format_duration(Duration::from_secs(125)), "2 min 5 s");
        assert_eq!(format_duration(Duration::from_secs(7_500)), "2 h 5 min");
    }
}
