//! Media downloads against failing servers. Transient failures are
//! retried until every file arrives and the run exits 0: 429 with and
//! without `Retry-After`, 5xx, a connection reset mid-body, a body shorter
//! than its `Content-Length`, and a response slower than `--timeout`.
//! Final failures (403, 404, 410 and other 4xx) end as `missing` or
//! `error` entries and the run exits 3.

use std::time::{Duration, Instant};

use fake_tumblr::{FakeTumblr, Fault, FaultKind, PathMatch, SyntheticBlog, photo_path};
use serde_json::Value;

use crate::support::{
    Run, Scratch, archive_args, assert_downloads_match_files, entries_for_path, media_entries,
    media_get_counts, read_manifest, run_archiver, served_checksum, start_synthetic, text,
};

/// Width of the size that the generated posts list first.
const LARGE: u32 = 1280;

/// Returns the folder of photo `photo` of post `index`, which contains
/// every size of that photo.
fn photo_folder(index: usize, photo: usize) -> String {
    let path = photo_path(index, photo, LARGE);
    match path.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/"),
        None => panic!("generated path {path} has no folder"),
    }
}

/// Returns the only manifest entry of the first photo of post `index`.
fn entry_of(manifest: &Value, index: usize) -> Value {
    let path = photo_path(index, 0, LARGE);
    let entries = entries_for_path(manifest, &path);
    assert_eq!(
        entries.len(),
        1,
        "one manifest entry for {path}: {entries:?}"
    );
    entries[0].clone()
}

fn run_with(server: &FakeTumblr, scratch: &Scratch, extra: &[&str]) -> Run {
    let mut args = archive_args(server, &scratch.out());
    args.extend(extra.iter().map(|arg| arg.to_string()));
    run_archiver(&args, &scratch.dir, None)
}

#[test]
fn transient_faults_recover() {
    // (post index, fault, failing requests before the file is served)
    let faults = [
        (
            0,
            FaultKind::RateLimited {
                retry_after_secs: 1,
            },
            1,
        ),
        (1, FaultKind::Status(429), 2),
        (
            2,
            FaultKind::RateLimitedUntil {
                retry_after_secs: 1,
            },
            1,
        ),
        (3, FaultKind::Status(500), 1),
        (4, FaultKind::Status(503), 2),
        (5, FaultKind::Reset, 1),
        (6, FaultKind::Truncated, 1),
        (7, FaultKind::Slow(Duration::from_secs(3)), 1),
    ];
    let configured = faults.clone();
    let Some(server) = start_synthetic(SyntheticBlog::new(9), move |config| {
        config.faults = configured
            .iter()
            .map(|(index, kind, times)| {
                Fault::first(
                    *times,
                    PathMatch::Exact(photo_path(*index, 0, LARGE)),
                    kind.clone(),
                )
            })
            .collect();
    }) else {
        return;
    };
    let scratch = Scratch::new("transient");
    let started = Instant::now();
    let run = run_with(&server, &scratch, &["--timeout", "1"]);
    let elapsed = started.elapsed();
    assert_eq!(
        run.code,
        Some(0),
        "every fault is transient, so the run completes\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let not_downloaded: Vec<String> = media_entries(&manifest)
        .iter()
        .filter(|entry| entry["status"] != "downloaded")
        .map(|entry| format!("{} {}", text(entry, "status"), text(entry, "original_url")))
        .collect();
    assert!(
        not_downloaded.is_empty(),
        "every media entry downloaded: {not_downloaded:?}"
    );
    assert_downloads_match_files(&blog_dir, &manifest);

    let gets = media_get_counts(&server);
    let completed = server.completed_counts();
    for (index, kind, times) in &faults {
        let path = photo_path(*index, 0, LARGE);
        let entry = entry_of(&manifest, *index);
        assert_eq!(
            text(&entry, "checksum"),
            served_checksum(&path),
            "file of {kind:?} holds the served bytes"
        );
        assert_eq!(
            gets.get(&path).copied().unwrap_or(0),
            *times as usize + 1,
            "{kind:?}: each failure retried once, then one success"
        );
        assert_eq!(
            completed.get(&path).copied().unwrap_or(0),
            1,
            "{kind:?}: one complete body"
        );
    }
    assert!(
        elapsed < Duration::from_secs(30),
        "retries finish within 30 s, took {elapsed:?}"
    );
}

#[test]
fn reset_continues_with_range() {
    let path = photo_path(0, 0, LARGE);
    let fault_path = path.clone();
    let Some(server) = start_synthetic(SyntheticBlog::new(1), move |config| {
        config.faults = vec![Fault::first(
            1,
            PathMatch::Exact(fault_path),
            FaultKind::Reset,
        )];
    }) else {
        return;
    };
    let scratch = Scratch::new("reset-range");
    let run = run_with(&server, &scratch, &[]);
    assert_eq!(run.code, Some(0), "reset recovered\n{}", run.describe());

    let requests: Vec<_> = server
        .media_requests()
        .into_iter()
        .filter(|request| request.path == path)
        .collect();
    assert_eq!(requests.len(), 2, "one cut request and one retry");
    let range = requests[1].header("range").unwrap_or_default().to_string();
    assert!(
        range.starts_with("bytes=") && range != "bytes=0-",
        "the retry continues the part file with a Range request, sent {range:?}"
    );
    let partial: Vec<bool> = server
        .completed_media()
        .iter()
        .filter(|body| body.path == path)
        .map(|body| body.partial)
        .collect();
    assert_eq!(partial, [true], "the rest of the file came as a 206");

    let manifest = read_manifest(&scratch.blog_dir());
    assert_eq!(
        text(&entry_of(&manifest, 0), "checksum"),
        served_checksum(&path),
        "the continued file holds the served bytes"
    );
    assert_downloads_match_files(&scratch.blog_dir(), &manifest);
}

#[test]
fn gone_media_missing() {
    // (post index, status, expected manifest status)
    let cases = [
        (0, 403, "missing"),
        (1, 404, "missing"),
        (2, 410, "missing"),
        (3, 400, "error"),
    ];
    let configured = cases;
    let Some(server) = start_synthetic(SyntheticBlog::new(6), move |config| {
        config.faults = configured
            .iter()
            .map(|(index, status, _)| {
                Fault::always(
                    PathMatch::Prefix(photo_folder(*index, 0)),
                    FaultKind::Status(*status),
                )
            })
            .collect();
    }) else {
        return;
    };
    let scratch = Scratch::new("gone");
    let run = run_with(&server, &scratch, &[]);
    assert_eq!(
        run.code,
        Some(3),
        "some media stayed missing, so the run is incomplete\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    for (index, status, expected) in cases {
        let entry = entry_of(&manifest, index);
        assert_eq!(
            text(&entry, "status"),
            expected,
            "status after HTTP {status}: {entry}"
        );
        assert!(
            text(&entry, "notes").contains(&status.to_string()),
            "notes name HTTP {status}: {entry}"
        );
        let filename = text(&entry, "filename");
        assert!(
            filename.is_empty() || !blog_dir.join(filename).exists(),
            "no file after HTTP {status}: {filename}"
        );
    }

    let failed_folders: Vec<String> = cases
        .iter()
        .map(|(index, _, _)| photo_folder(*index, 0))
        .collect();
    let others_bad: Vec<String> = media_entries(&manifest)
        .iter()
        .filter(|entry| {
            let url = text(entry, "original_url");
            !failed_folders
                .iter()
                .any(|folder| url.contains(folder.as_str()))
        })
        .filter(|entry| entry["status"] != "downloaded")
        .map(|entry| format!("{} {}", text(entry, "status"), text(entry, "original_url")))
        .collect();
    assert!(
        others_bad.is_empty(),
        "every other media entry downloaded: {others_bad:?}"
    );
    assert_downloads_match_files(&blog_dir, &manifest);

    let gets = media_get_counts(&server);
    let final_path = photo_path(3, 0, LARGE);
    assert_eq!(
        gets.get(&final_path).copied().unwrap_or(0),
        1,
        "a 400 is final and not retried"
    );
}
