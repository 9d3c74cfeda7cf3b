//! The download pool: `--concurrency` tokio workers that take jobs from a
//! bounded channel, stream each file to `NAME.part` while computing its
//! SHA-256, check the length, and rename it into place.
//!
//! A job lists candidate URLs, best first; the next one is tried when one
//! answers an error. A body cut short is fetched again, never kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use url::Url;

use crate::manifest::{DownloadOutcome, ManifestSender, MediaStatus};
use crate::net::Http;

/// One media URL to fetch into one file.
#[derive(Clone, Debug)]
pub struct DownloadJob {
    /// URL as the scraper reported it; the manifest key.
    pub url: String,
    /// URLs to try in order: `url` first, then smaller renditions.
    pub candidates: Vec<String>,
    /// Path relative to the blog's folder.
    pub filename: String,
}

/// Starts `count` workers that download jobs from `jobs` into `dir` and
/// report each outcome to the manifest.
pub fn spawn_workers(
    count: usize,
    http: Http,
    dir: PathBuf,
    jobs: mpsc::Receiver<DownloadJob>,
    manifest: ManifestSender,
) -> JoinSet<()> {
    let jobs = Arc::new(Mutex::new(jobs));
    let mut workers = JoinSet::new();
    for _ in 0..count.max(1) {
        let (http, dir, jobs, manifest) =
            (http.clone(), dir.clone(), jobs.clone(), manifest.clone());
        workers.spawn(async move {
            loop {
                let next = jobs.lock().await.recv().await;
                let Some(job) = next else {
                    break;
                };
                let outcome = download(&http, &dir, &job).await;
                manifest.outcome(job.url.clone(), outcome).await;
            }
        });
    }
    workers
}

/// Why one candidate failed.
enum Failure {
    /// 403, 404 or 410: the file is gone from this URL.
    Gone(String),
    Other(String),
}

async fn download(http: &Http, dir: &Path, job: &DownloadJob) -> DownloadOutcome {
    let mut notes = Vec::new();
    let mut all_gone = true;
    for candidate in &job.candidates {
        match fetch_candidate(http, dir, job, candidate).await {
            Ok(mut outcome) => {
                if candidate != &job.url {
                    notes.push(format!("saved a smaller rendition: {candidate}"));
                }
                outcome.notes = (!notes.is_empty()).then(|| notes.join("; "));
                tracing::debug!(url = %job.url, file = %job.filename, bytes = outcome.byte_size, "downloaded");
                return outcome;
            }
            Err(Failure::Gone(note)) => notes.push(note),
            Err(Failure::Other(note)) => {
                all_gone = false;
                notes.push(note);
            }
        }
    }
    let status = if all_gone {
        MediaStatus::Missing
    } else {
        MediaStatus::Error
    };
    let notes = notes.join("; ");
    tracing::warn!(url = %job.url, %notes, "media not downloaded");
    DownloadOutcome {
        status,
        filename: None,
        byte_size: None,
        checksum: None,
        download_url: None,
        retrieved_from: None,
        notes: Some(notes),
    }
}

async fn fetch_candidate(
    http: &Http,
    dir: &Path,
    job: &DownloadJob,
    candidate: &str,
) -> Result<DownloadOutcome, Failure> {
    let url = Url::parse(candidate)
        .map_err(|error| Failure::Other(format!("invalid URL {candidate:?}: {error}")))?;
    let retry = http.retry_policy().clone();
    let mut attempt = 0;
    loop {
        let fetched = http
            .get(Method::GET, &url, &[])
            .await
            .map_err(|error| Failure::Other(error.to_string()))?;
        let status = fetched.response.status();
        if matches!(
            status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::GONE
        ) {
            return Err(Failure::Gone(format!(
                "HTTP {} from {candidate}",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(Failure::Other(format!(
                "HTTP {} from {candidate}",
                status.as_u16()
            )));
        }
        let download_url = fetched.url.to_string();
        match save_body(fetched.response, &dir.join(&job.filename)).await {
            Ok((byte_size, checksum)) => {
                return Ok(DownloadOutcome {
                    status: MediaStatus::Downloaded,
                    filename: Some(job.filename.clone()),
                    byte_size: Some(byte_size),
                    checksum: Some(checksum),
                    download_url: Some(download_url),
                    retrieved_from: Some("tumblr".into()),
                    notes: None,
                });
            }
            Err(SaveError::Body(message)) => {
                let Some(delay) = retry.delay_for_error(attempt) else {
                    return Err(Failure::Other(format!("{candidate}: {message}")));
                };
                tracing::debug!(url = %candidate, attempt = attempt + 1, %message, "body incomplete, fetching again");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(SaveError::Disk(message)) => return Err(Failure::Other(message)),
        }
    }
}

enum SaveError {
    /// The body ended early or the connection failed; worth a retry.
    Body(String),
    /// Writing the file failed.
    Disk(String),
}

/// Streams `response` to `path` with a `.part` suffix, then renames it.
/// Returns the size and the `sha256:` checksum.
async fn save_body(response: reqwest::Response, path: &Path) -> Result<(u64, String), SaveError> {
    let expected = response.content_length();
    let part = part_path(path);
    let disk_error = |error: std::io::Error| {
        SaveError::Disk(format!("cannot write {}: {error}", part.display()))
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(disk_error)?;
    }
    let mut file = tokio::fs::File::create(&part).await.map_err(disk_error)?;
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                drop(file);
                let _ = tokio::fs::remove_file(&part).await;
                return Err(SaveError::Body(format!(
                    "body failed after {received} bytes: {}",
                    error.without_url()
                )));
            }
        };
        hasher.update(&chunk);
        received += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(disk_error)?;
    }
    if let Some(expected) = expected.filter(|&expected| expected != received) {
        drop(file);
        let _ = tokio::fs::remove_file(&part).await;
        return Err(SaveError::Body(format!(
            "received {received} of {expected} bytes"
        )));
    }
    file.flush().await.map_err(disk_error)?;
    file.sync_all().await.map_err(disk_error)?;
    drop(file);
    tokio::fs::rename(&part, path).await.map_err(disk_error)?;
    let checksum = format!("sha256:{}", hex(&hasher.finalize()));
    Ok((received, checksum))
}

fn part_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    path.with_file_name(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
