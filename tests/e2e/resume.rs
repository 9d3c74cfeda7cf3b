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
