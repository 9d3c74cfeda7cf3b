//! A second run over a finished archive trusts the files on disk: it
//! downloads nothing again and keeps every media entry.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, media_entries, media_get_counts,
    read_manifest, run_archiver, start_fake, text,
};

/// Returns what identifies a media entry and its result.
fn entry_keys(manifest: &Value) -> BTreeSet<(String, String, String, String)> {
    media_entries(manifest)
        .iter()
        .map(|entry| {
            (
                text(entry, "post_id").to_string(),
                text(entry, "original_url").to_string(),
                text(entry, "filename").to_string(),
                text(entry, "status").to_string(),
            )
        })
        .collect()
}

#[test]
fn second_run_downloads_nothing() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("second-run");
    let args = archive_args(&server, &scratch.out());

    let first = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        first.code,
        Some(0),
        "first run exit code\n{}",
        first.describe()
    );
    let blog_dir = scratch.blog_dir();
    let first_manifest = read_manifest(&blog_dir);
    let first_counts = media_get_counts(&server);
    let first_media_requests = server.media_requests().len();
    assert!(!first_counts.is_empty(), "the first run downloads media");

    let second = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        second.code,
        Some(0),
        "second run exit code\n{}",
        second.describe()
    );
    assert_eq!(
        media_get_counts(&server),
        first_counts,
        "no media fetched again"
    );
    assert_eq!(
        server.media_requests().len(),
        first_media_requests,
        "no media request of any method in the second run"
    );

    let second_manifest = read_manifest(&blog_dir);
    assert_eq!(
        media_entries(&second_manifest).len(),
        media_entries(&first_manifest).len(),
        "media entry count kept"
    );
    assert_eq!(
        entry_keys(&second_manifest),
        entry_keys(&first_manifest),
        "every media entry kept with its file and status"
    );
    assert_downloads_match_files(&blog_dir, &second_manifest);

    let runs = second_manifest["runs"]
        .as_array()
        .expect("runs is an array");
    assert_eq!(runs.len(), 2, "both runs recorded");
    assert_eq!(runs[1]["outcome"], "complete", "second run outcome");
}

#[test]
fn verify_redownloads_corrupt_file() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("verify");
    let args = archive_args(&server, &scratch.out());
    let first = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        first.code,
        Some(0),
        "first run exit code\n{}",
        first.describe()
    );
    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let entry = media_entries(&manifest)
        .into_iter()
        .find(|entry| text(entry, "status") == "downloaded")
        .expect("a downloaded entry");
    let filename = text(&entry, "filename").to_string();
    let path = blog_dir.join(&filename);
    let mut bytes = std::fs::read(&path).expect("read the file");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xFF;
    std::fs::write(&path, &bytes).expect("corrupt the file, keeping its size");
    let requests_before = server.media_requests().len();

    let trusting = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        trusting.code,
        Some(0),
        "run without --verify\n{}",
        trusting.describe()
    );
    assert_eq!(
        server.media_requests().len(),
        requests_before,
        "without --verify, a file of the recorded size is trusted"
    );

    let mut verify_args = args.clone();
    verify_args.push("--verify".to_string());
    let verifying = run_archiver(&verify_args, &scratch.dir, None);
    assert_eq!(
        verifying.code,
        Some(0),
        "run with --verify\n{}",
        verifying.describe()
    );
    assert!(
        server.media_requests().len() > requests_before,
        "--verify fetches the corrupt file again"
    );
    assert!(
        verifying.stderr.contains("does not match the checksum"),
        "the mismatch is reported\n{}",
        verifying.describe()
    );
    assert_downloads_match_files(&blog_dir, &read_manifest(&blog_dir));
}
