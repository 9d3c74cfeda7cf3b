//! The download pool: `--concurrency` tokio workers that take jobs from a
//! bounded channel, stream each file to `NAME.part` while computing its
//! SHA-256, check the length, and rename it into place.
//!
//! A job lists candidate URLs, best first; the next one is tried when one
//! answers an error. A body cut short is fetched again, never kept.

mod dedupe;
mod file;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use url::Url;

use crate::manifest::{DownloadOutcome, ManifestSender, MediaStatus};
use crate::net::Http;
pub use dedupe::Deduplicator;
use file::SaveError;

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
    deduplicator: Deduplicator,
) -> JoinSet<()> {
    let jobs = Arc::new(Mutex::new(jobs));
    let mut workers = JoinSet::new();
    for _ in 0..count.max(1) {
        let (http, dir, jobs, manifest) =
            (http.clone(), dir.clone(), jobs.clone(), manifest.clone());
        let deduplicator = deduplicator.clone();
        workers.spawn(async move {
            loop {
                let next = jobs.lock().await.recv().await;
                let Some(job) = next else {
                    break;
                };
                let mut outcome = download(&http, &dir, &job).await;
                store_once(&deduplicator, &dir, &mut outcome).await;
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
    for (index, candidate) in job.candidates.iter().enumerate() {
        match fetch_candidate(http, dir, job, candidate, index == 0).await {
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
    primary: bool,
) -> Result<DownloadOutcome, Failure> {
    let url = Url::parse(candidate)
        .map_err(|error| Failure::Other(format!("invalid URL {candidate:?}: {error}")))?;
    let retry = http.retry_policy().clone();
    let mut attempt = 0;
    loop {
        let path = dir.join(&job.filename);
        // Only the primary URL continues a `.part` file: a part written
        // from another rendition holds other bytes.
        let offset = if primary {
            file::resumable_bytes(&path).await
        } else {
            0
        };
        let headers = if offset > 0 {
            vec![("range".to_string(), format!("bytes={offset}-"))]
        } else {
            Vec::new()
        };
        let fetched = http
            .get(Method::GET, &url, &headers)
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
        match file::save(fetched.response, &path, offset).await {
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

/// Deletes a new file whose bytes the archive already holds and points
/// the outcome at the existing file.
async fn store_once(deduplicator: &Deduplicator, dir: &Path, outcome: &mut DownloadOutcome) {
    let (Some(checksum), Some(filename)) = (&outcome.checksum, &outcome.filename) else {
        return;
    };
    let Some(existing) = deduplicator.claim(checksum, filename) else {
        return;
    };
    if let Err(error) = tokio::fs::remove_file(dir.join(filename)).await {
        tracing::warn!(file = %filename, %error, "cannot remove a duplicate file; keeping it");
        return;
    }
    let note = format!("same bytes as {existing}, stored once");
    outcome.notes = Some(match outcome.notes.take() {
        Some(notes) => format!("{notes}; {note}"),
        None => note,
    });
    outcome.filename = Some(existing);
}
