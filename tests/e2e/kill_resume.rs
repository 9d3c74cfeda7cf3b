//! Crash safety. The binary is killed with SIGKILL at several points of an
//! archive of a generated blog: during the crawl, during the downloads and
//! at fixed delays. The manifest must load after every kill. A last run
//! must end with the archive of an uninterrupted run, and fetch again only
//! the files that were in flight at each kill.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

use fake_tumblr::{FakeTumblr, Pace, RequestKind, SyntheticBlog};
use serde_json::Value;

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, entry_summary, file_checksums,
    files_under, media_entries, read_manifest, record_checksums, run_archiver, spawn_archiver,
    start_synthetic, text,
};

const POSTS: usize = 200;

/// Download workers of every run; `archive_args` passes the same number.
const CONCURRENCY: usize = 4;

/// Maximum wait for one kill point before the test gives up.
const KILL_POINT_TIMEOUT: Duration = Duration::from_secs(60);

/// When a run is killed.
#[derive(Clone, Copy, Debug)]
enum KillPoint {
    /// Once the server has received this many API requests in this run.
    ApiRequests(usize),
    /// Once the server has sent this many whole media bodies in this run.
    MediaBodies(usize),
    /// This long after the process started.
    After(Duration),
}

/// What one killed run did.
struct KillRecord {
    point: KillPoint,
    /// Whether the process was still running when the kill point came.
    killed: bool,
    elapsed: Duration,
    api_requests: usize,
    bodies: usize,
    manifest_present: bool,
    journal_lines: usize,
    /// Media paths whose whole body the server sent during this run.
    completed: BTreeSet<String>,
    /// Index of the first request of this run in the server's log.
    first_request: usize,
}

/// A running binary that is killed and reaped when dropped, so that a
/// failing assertion leaves no process behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // Both fail only when the process has already been reaped.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Slows the server so that a run of the whole blog takes a few seconds
/// and kills land while files are being written.
fn slow_server(blog: SyntheticBlog) -> Option<FakeTumblr> {
    start_synthetic(blog, |config| {
        config.api_pace = Pace {
            before_headers: Duration::from_millis(40),
            ..Pace::default()
        };
        config.media_pace = Pace {
            before_headers: Duration::from_millis(10),
            chunk_len: 4096,
            between_chunks: Duration::from_millis(6),
        };
    })
}

/// Returns the media paths whose whole body the server sent, from
/// `first` on in its list of completed bodies.
fn completed_since(server: &FakeTumblr, first: usize) -> BTreeSet<String> {
    server.completed_media()[first..]
        .iter()
        .map(|body| body.path.clone())
        .collect()
}

fn api_requests_since(server: &FakeTumblr, first: usize) -> usize {
    server.requests()[first..]
        .iter()
        .filter(|request| request.kind == RequestKind::Api)
        .count()
}

/// Waits until `point` is reached or the child exits, and panics after
/// `KILL_POINT_TIMEOUT`. Returns whether the child is still running.
fn wait_for(
    point: KillPoint,
    child: &mut Child,
    server: &FakeTumblr,
    first_request: usize,
    first_body: usize,
    started: Instant,
) -> bool {
    loop {
        if child
            .try_wait()
            .expect("poll the tumblr-archiver process")
            .is_some()
        {
            return false;
        }
        let reached = match point {
            KillPoint::ApiRequests(count) => api_requests_since(server, first_request) >= count,
            KillPoint::MediaBodies(count) => server.completed_media().len() - first_body >= count,
            KillPoint::After(delay) => started.elapsed() >= delay,
        };
        if reached {
            return true;
        }
        if started.elapsed() > KILL_POINT_TIMEOUT {
            panic!("kill point {point:?} not reached within {KILL_POINT_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Asserts that `manifest.json`, when present, parses, and that every
/// whole line of the journal parses. Returns whether the manifest exists
/// and the number of journal lines.
fn assert_manifest_loads(blog_dir: &Path, when: &str) -> (bool, usize) {
    let manifest_path = blog_dir.join("manifest.json");
    let present = manifest_path.exists();
    if present {
        let text = fs::read_to_string(&manifest_path)
            .unwrap_or_else(|error| panic!("{when}: cannot read manifest.json: {error}"));
        let parsed: Result<Value, _> = serde_json::from_str(&text);
        assert!(
            parsed.is_ok(),
            "{when}: manifest.json is valid JSON: {:?}",
            parsed.err()
        );
        let manifest = parsed.unwrap_or_default();
        assert!(
            manifest["media"].is_array(),
            "{when}: manifest.json has a media list"
        );
    }
    let journal = fs::read(blog_dir.join("manifest.journal")).unwrap_or_default();
    let text = String::from_utf8_lossy(&journal);
    let mut lines = 0;
    // A line without its newline was cut by the kill; only whole lines
    // must parse.
    for line in text
        .split_inclusive('\n')
        .filter(|line| line.ends_with('\n'))
    {
        let parsed: Result<Value, _> = serde_json::from_str(line.trim_end());
        assert!(
            parsed.is_ok(),
            "{when}: journal line {} is valid JSON: {line:?}",
            lines + 1
        );
        lines += 1;
    }
    (present, lines)
}

#[test]
fn kill_and_resume_matches() {
    let Some(server) = slow_server(SyntheticBlog::new(POSTS)) else {
        return;
    };
    let scratch = Scratch::new("kill");
    let args = archive_args(&server, &scratch.out());
    let blog_dir = scratch.blog_dir();
    let test_started = Instant::now();

    let points = [
        KillPoint::ApiRequests(3),
        KillPoint::MediaBodies(40),
        KillPoint::After(Duration::from_millis(250)),
        KillPoint::After(Duration::from_millis(500)),
        KillPoint::After(Duration::from_millis(750)),
        KillPoint::After(Duration::from_millis(1000)),
        KillPoint::After(Duration::from_millis(1300)),
    ];
    let mut records = Vec::new();
    for (number, point) in points.into_iter().enumerate() {
        let first_request = server.requests().len();
        let first_body = server.completed_media().len();
        let stderr_file = scratch.dir.join(format!("run-{number}.stderr"));
        let started = Instant::now();
        let mut child = Running(spawn_archiver(&args, &scratch.dir, &stderr_file));
        let running = wait_for(
            point,
            &mut child.0,
            &server,
            first_request,
            first_body,
            started,
        );
        if running {
            // `Child::kill` sends SIGKILL on Unix.
            child.0.kill().expect("kill the tumblr-archiver process");
        }
        let status = child.0.wait().expect("reap the tumblr-archiver process");
        let elapsed = started.elapsed();
        let when = format!("after kill {} ({point:?})", number + 1);
        let (manifest_present, journal_lines) = assert_manifest_loads(&blog_dir, &when);
        if !running {
            let stderr = fs::read_to_string(&stderr_file).unwrap_or_default();
            assert_eq!(
                status.code(),
                Some(0),
                "{when}: a run that ended before its kill completed\n{stderr}"
            );
        }
        records.push(KillRecord {
            point,
            killed: running,
            elapsed,
            api_requests: api_requests_since(&server, first_request),
            bodies: server.completed_media().len() - first_body,
            manifest_present,
            journal_lines,
            completed: completed_since(&server, first_body),
            first_request,
        });
        if !running {
            break;
        }
    }

    let final_first_request = server.requests().len();
    let last = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        last.code,
        Some(0),
        "the run after the kills completes\n{}",
        last.describe()
    );
    let manifest = read_manifest(&blog_dir);
    assert_downloads_match_files(&blog_dir, &manifest);

    // A path completed in run i and requested in any later run was fetched
    // again. Each kill may cost at most the downloads in flight.
    let requests = server.requests();
    let mut redone_per_kill = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let later_start = records
            .get(index + 1)
            .map_or(final_first_request, |next| next.first_request);
        let requested_later: BTreeSet<&str> = requests[later_start..]
            .iter()
            .filter(|request| request.kind == RequestKind::Media)
            .map(|request| request.path.as_str())
            .collect();
        let redone: Vec<&String> = record
            .completed
            .iter()
            .filter(|path| requested_later.contains(path.as_str()))
            .collect();
        redone_per_kill.push(redone.len());
        if record.killed {
            assert!(
                redone.len() <= CONCURRENCY,
                "kill {} ({:?}) cost {} downloads again, more than the {CONCURRENCY} in flight: {redone:?}",
                index + 1,
                record.point,
                redone.len()
            );
        } else {
            assert!(
                redone.is_empty(),
                "after a complete run nothing is fetched again: {redone:?}"
            );
        }
    }

    let Some(reference_server) = start_synthetic(SyntheticBlog::new(POSTS), |_| {}) else {
        return;
    };
    let reference = Scratch::new("kill-reference");
    let uninterrupted = run_archiver(
        &archive_args(&reference_server, &reference.out()),
        &reference.dir,
        None,
    );
    assert_eq!(
        uninterrupted.code,
        Some(0),
        "uninterrupted run\n{}",
        uninterrupted.describe()
    );
    assert_eq!(
        record_checksums(&blog_dir),
        record_checksums(&reference.blog_dir()),
        "the same post records as an uninterrupted run"
    );
    let reference_files = file_checksums(&reference.blog_dir());
    let resumed_files = file_checksums(&blog_dir);
    let names = |files: &BTreeMap<String, String>| files.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        names(&resumed_files),
        names(&reference_files),
        "the same file names as an uninterrupted run"
    );
    for (name, checksum) in &reference_files {
        let size = |dir: &Path| fs::metadata(dir.join(name)).map_or(0, |meta| meta.len());
        let notes: Vec<String> = media_entries(&manifest)
            .iter()
            .filter(|entry| text(entry, "filename") == name)
            .map(|entry| text(entry, "notes").to_string())
            .collect();
        assert_eq!(
            resumed_files.get(name),
            Some(checksum),
            "SHA-256 of {name} equals the uninterrupted run's ({} bytes after the kills, {} bytes uninterrupted, manifest notes {notes:?})",
            size(&blog_dir),
            size(&reference.blog_dir())
        );
    }
    let leftovers: Vec<String> = files_under(&blog_dir)
        .into_iter()
        .filter(|name| name.ends_with(".part") || name == "manifest.journal")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no part file or journal is left: {leftovers:?}"
    );
    assert_eq!(
        entry_summary(&manifest),
        entry_summary(&read_manifest(&reference.blog_dir())),
        "the manifest lists the media of an uninterrupted run"
    );
    assert_eq!(
        media_entries(&manifest).len(),
        reference_files.len(),
        "one entry per file"
    );

    let continued = server
        .completed_media()
        .iter()
        .filter(|body| body.partial)
        .count();
    let kills = records.iter().filter(|record| record.killed).count();
    eprintln!(
        "kill and resume: {POSTS} posts, {} files, {} runs ({kills} killed, then one to the end), {:.1} s",
        reference_files.len(),
        records.len() + 1,
        test_started.elapsed().as_secs_f64()
    );
    for (index, record) in records.iter().enumerate() {
        eprintln!(
            "  kill {}: {:?} at {} ms{}: {} API requests, {} bodies, manifest.json {}, {} journal lines, {} files fetched again",
            index + 1,
            record.point,
            record.elapsed.as_millis(),
            if record.killed { "" } else { " (ended first)" },
            record.api_requests,
            record.bodies,
            if record.manifest_present {
                "present"
            } else {
                "absent"
            },
            record.journal_lines,
            redone_per_kill[index]
        );
    }
    eprintln!(
        "  files fetched again in total: {}; downloads continued with Range: {continued}",
        redone_per_kill.iter().sum::<usize>()
    );
    assert!(
        kills >= 5,
        "at least five kills landed mid-run, got {kills}"
    );
}
