//! A `.part` file that a killed run left behind, rebuilt by hand so that
//! each case is exact: the archive of one photo is finished, then its
//! manifest entry is set back to `pending` and the file replaced by a
//! `.part`. The next run must end with the served bytes, continuing the
//! part with a `Range` request where the server allows it and starting
//! over otherwise.

use std::fs;
use std::path::{Path, PathBuf};

use fake_tumblr::{Config, FakeTumblr, SyntheticBlog, media_body, photo_path};
use serde_json::Value;

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, entries_for_path, files_under,
    read_manifest, run_archiver, served_checksum, start_synthetic, text, url_path,
};

/// What the `.part` file holds before the second run.
#[derive(Clone, Copy, Debug)]
enum PartContent {
    /// The first half of the served bytes.
    Prefix,
    /// Every served byte: the run was killed after the last write and
    /// before the rename.
    Complete,
    /// Half as many bytes as the file, none of them the served ones.
    Foreign,
}

/// The outcome of a second run over a rebuilt `.part` file.
struct Resumed {
    server: FakeTumblr,
    scratch: Scratch,
    /// Size of the `.part` file before the second run.
    part_len: usize,
    /// Index of the second run's first request in the server's log.
    first_request: usize,
}

/// Archives a one-post blog, turns its photo back into a `.part` file
/// holding `content`, and runs the binary again.
fn resume_from_part(
    label: &str,
    content: PartContent,
    configure: impl FnOnce(&mut Config),
) -> Option<Resumed> {
    let server = start_synthetic(SyntheticBlog::new(1), configure)?;
    let scratch = Scratch::new(label);
    let args = archive_args(&server, &scratch.out());
    let first = run_archiver(&args, &scratch.dir, None);
    assert_eq!(first.code, Some(0), "first run\n{}", first.describe());

    let blog_dir = scratch.blog_dir();
    let path = photo_path(0, 0, 1280);
    let manifest_path = blog_dir.join("manifest.json");
    let mut manifest = read_manifest(&blog_dir);
    let mut filename = String::new();
    for entry in manifest["media"]
        .as_array_mut()
        .expect("manifest.media is an array")
    {
        if url_path(text(entry, "original_url")) != path {
            continue;
        }
        filename = text(entry, "filename").to_string();
        entry["status"] = Value::from("pending");
        for field in ["checksum", "byte_size", "download_url", "retrieved_from"] {
            entry[field] = Value::Null;
        }
    }
    assert!(
        !filename.is_empty(),
        "the first run named a file for {path}"
    );
    fs::write(&manifest_path, manifest.to_string()).expect("rewrite manifest.json");

    let served = media_body(&path).bytes;
    let part = match content {
        PartContent::Prefix => served[..served.len() / 2].to_vec(),
        PartContent::Complete => served.clone(),
        PartContent::Foreign => vec![0x5A; served.len() / 2],
    };
    let file = blog_dir.join(&filename);
    fs::remove_file(&file).expect("remove the finished file");
    fs::write(part_path(&file), &part).expect("write the part file");

    let first_request = server.requests().len();
    let second = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        second.code,
        Some(0),
        "run over a {content:?} part file\n{}",
        second.describe()
    );
    Some(Resumed {
        server,
        scratch,
        part_len: part.len(),
        first_request,
    })
}

/// Returns where the archiver keeps the unfinished download of `file`.
fn part_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    file.with_file_name(name)
}

/// Asserts that the archive ends with the served bytes of the photo, no
/// `.part` file, and no request for its smaller size in the second run.
fn assert_served_bytes(resumed: &Resumed, case: &str) {
    let blog_dir = resumed.scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let path = photo_path(0, 0, 1280);
    let entries = entries_for_path(&manifest, &path);
    assert_eq!(entries.len(), 1, "{case}: one entry for the photo");
    let entry = &entries[0];
    assert_eq!(entry["status"], "downloaded", "{case}: status: {entry}");
    assert_eq!(
        text(entry, "checksum"),
        served_checksum(&path),
        "{case}: the file holds the served bytes of the largest size: {entry}"
    );
    assert_downloads_match_files(&blog_dir, &manifest);

    let leftovers: Vec<String> = files_under(&blog_dir)
        .into_iter()
        .filter(|name| name.ends_with(".part"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{case}: no part file left: {leftovers:?}"
    );
    let smaller = photo_path(0, 0, 500);
    let fell_back = resumed.server.requests()[resumed.first_request..]
        .iter()
        .any(|request| request.path == smaller);
    assert!(!fell_back, "{case}: the smaller size was never requested");
}

/// Returns the `Range` headers of the second run's requests for the photo.
fn ranges_sent(resumed: &Resumed) -> Vec<Option<String>> {
    let path = photo_path(0, 0, 1280);
    resumed.server.requests()[resumed.first_request..]
        .iter()
        .filter(|request| request.path == path)
        .map(|request| request.header("range").map(str::to_string))
        .collect()
}

#[test]
fn part_prefix_continued() {
    let Some(resumed) = resume_from_part("part-prefix", PartContent::Prefix, |_| {}) else {
        return;
    };
    let expected = format!("bytes={}-", resumed.part_len);
    assert_eq!(
        ranges_sent(&resumed),
        [Some(expected)],
        "one request continues the part file"
    );
    let partial = resumed
        .server
        .completed_media()
        .iter()
        .filter(|body| body.partial)
        .count();
    assert_eq!(partial, 1, "the rest of the file came as a 206");
    assert_served_bytes(&resumed, "prefix");
}

#[test]
fn part_complete_restarted() {
    let Some(resumed) = resume_from_part("part-complete", PartContent::Complete, |_| {}) else {
        return;
    };
    let ranges = ranges_sent(&resumed);
    assert_eq!(
        ranges.first(),
        Some(&Some(format!("bytes={}-", resumed.part_len))),
        "the first request asks for the bytes after the part file"
    );
    // The server answers 416 Range Not Satisfiable, because the part
    // already holds every byte. The archiver then has to start over (or
    // keep the part) rather than fall back to a smaller rendition.
    assert_served_bytes(&resumed, "complete");
}

#[test]
fn part_without_ranges_restarted() {
    let Some(resumed) = resume_from_part("part-foreign", PartContent::Foreign, |config| {
        config.range_requests = false;
    }) else {
        return;
    };
    let ranges = ranges_sent(&resumed);
    assert_eq!(ranges.len(), 1, "one request, answered with the whole file");
    assert_served_bytes(&resumed, "foreign bytes, no range support");
}
