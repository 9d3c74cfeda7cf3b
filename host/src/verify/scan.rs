//! Compares the files on disk with the manifest.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Findings, Problem, entries_with_files};
use crate::manifest::{self, Manifest, MediaEntry, PostRecord};

/// Suffix of a download in progress.
const PART_SUFFIX: &str = ".part";
/// `Problem::kind` of a media file.
pub const MEDIA: &str = "media";
/// `Problem::kind` of a post's saved record.
pub const RECORD: &str = "record";

/// Checks every file the manifest names, hashing on as many threads as
/// the machine has cores, and lists the files it does not name.
pub async fn check(dir: &Path, manifest: &Manifest) -> Findings {
    let entries: Vec<MediaEntry> = entries_with_files(manifest).into_iter().cloned().collect();
    let records: Vec<PostRecord> = manifest
        .posts
        .iter()
        .filter(|post| post.record.is_some())
        .cloned()
        .collect();
    let known = known_files(manifest);
    let dir = dir.to_path_buf();
    let task = tokio::task::spawn_blocking(move || {
        let mut findings = check_files(&dir, &entries);
        check_records(&dir, &records, &mut findings);
        list_unknown(&dir, &known, &mut findings);
        findings
    });
    task.await.unwrap_or_else(|error| {
        tracing::error!(%error, "the file check stopped unexpectedly");
        Findings::default()
    })
}

fn check_files(dir: &Path, entries: &[MediaEntry]) -> Findings {
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let next = AtomicUsize::new(0);
    let problems = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.min(entries.len()).max(1) {
            scope.spawn(|| {
                while let Some(entry) = entries.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Some(problem) = check_entry(dir, entry) {
                        problems
                            .lock()
                            .unwrap_or_else(|poison| poison.into_inner())
                            .push(problem);
                    }
                }
            });
        }
    });
    let mut problems = problems
        .into_inner()
        .unwrap_or_else(|poison| poison.into_inner());
    problems.sort_by(|a, b| a.filename.cmp(&b.filename));
    let (missing, corrupt): (Vec<Problem>, Vec<Problem>) = problems
        .into_iter()
        .partition(|problem| problem.problem == "missing");
    Findings {
        files_checked: entries.len(),
        files_intact: entries.len() - missing.len() - corrupt.len(),
        missing,
        corrupt,
        ..Findings::default()
    }
}

/// Returns what is wrong with the file of `entry`, if anything.
fn check_entry(dir: &Path, entry: &MediaEntry) -> Option<Problem> {
    let filename = entry.filename.clone()?;
    let path = dir.join(&filename);
    let problem = |problem: &'static str, detail: String| Problem {
        kind: MEDIA,
        filename: filename.clone(),
        problem,
        detail,
        post_url: entry.post_url.clone(),
        original_url: entry.original_url.clone(),
    };
    let metadata = match fs::metadata(&path) {
        Ok(metadata) if metadata.is_file() => metadata,
        Ok(_) => return Some(problem("missing", "not a regular file".into())),
        Err(error) => return Some(problem("missing", error.to_string())),
    };
    if let Some(size) = entry.byte_size
        && metadata.len() != size
    {
        let detail = format!("{} bytes on disk, {size} in the manifest", metadata.len());
        return Some(problem("size", detail));
    }
    let Some(expected) = entry.checksum.as_deref() else {
        return Some(problem(
            "checksum",
            "the manifest records no checksum".into(),
        ));
    };
    match manifest::file_checksum(&path) {
        Ok(actual) if actual == expected => None,
        Ok(actual) => Some(problem(
            "checksum",
            format!("{actual} on disk, {expected} in the manifest"),
        )),
        Err(error) => Some(problem("missing", format!("cannot read the file: {error}"))),
    }
}

/// Checks the saved record of each post against its recorded SHA-256 and
/// adds the missing and changed ones to the findings.
fn check_records(dir: &Path, posts: &[PostRecord], findings: &mut Findings) {
    for post in posts {
        let Some(record) = post.record.clone() else {
            continue;
        };
        findings.files_checked += 1;
        let problem = |problem: &'static str, detail: String| Problem {
            kind: RECORD,
            filename: record.clone(),
            problem,
            detail,
            post_url: post.url.clone(),
            original_url: post.url.clone(),
        };
        let found = match manifest::file_checksum(&dir.join(&record)) {
            Err(error) => Some(problem("missing", error.to_string())),
            Ok(actual) => match post.record_checksum.as_deref() {
                Some(expected) if expected != actual => Some(problem(
                    "checksum",
                    format!("{actual} on disk, {expected} in the manifest"),
                )),
                _ => None,
            },
        };
        match found {
            Some(problem) if problem.problem == "missing" => findings.missing.push(problem),
            Some(problem) => findings.corrupt.push(problem),
            None => findings.files_intact += 1,
        }
    }
}

/// Files that the manifest or the archiver itself names: media, post
/// records and the manifest's own files.
fn known_files(manifest: &Manifest) -> HashSet<String> {
    let mut known: HashSet<String> = manifest
        .media
        .iter()
        .filter_map(|entry| entry.filename.clone())
        .collect();
    known.extend(manifest.posts.iter().filter_map(|post| post.record.clone()));
    known.extend(manifest::OWN_FILES.map(String::from));
    known
}

/// Adds the files under `dir` that are not in `known` and not pages of
/// the gallery to the findings.
fn list_unknown(dir: &Path, known: &HashSet<String>, findings: &mut Findings) {
    let mut pending = vec![String::new()];
    while let Some(relative) = pending.pop() {
        let Ok(entries) = fs::read_dir(dir.join(&relative)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = match relative.is_empty() {
                true => name,
                false => format!("{relative}/{name}"),
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(path);
            } else if path.ends_with(PART_SUFFIX) {
                findings.partial_downloads.push(path);
            } else if !known.contains(&path) && !crate::gallery::is_gallery_file(&path) {
                findings.not_in_manifest.push(path);
            }
        }
    }
    findings.not_in_manifest.sort();
    findings.partial_downloads.sort();
}
