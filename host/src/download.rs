//! The download pool: `--concurrency` tokio workers that take jobs from a
//! bounded channel and fetch each media item into its file.
//!
//! Each job tries its candidate URLs best first (see `resolve`): a larger
//! rendition, the reported URL, a `.gifv` sibling, then smaller
//! renditions. When every Tumblr candidate returns 403, 404 or 410, the
//! Internet Archive is asked for a capture. The file type, and so the
//! extension, comes from the bytes received, not from the URL.

mod dedupe;
mod file;
mod sniff;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use reqwest::{Method, StatusCode};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use crate::interrupt::StopSignal;
use crate::manifest::{DownloadOutcome, ManifestSender, MediaEntry, MediaStatus};
use crate::net::Http;
use crate::paths::NameRegistry;
use crate::resolve::{self, Candidate, MediaFacts, Rendition};
use crate::wayback::{self, Lookup};
pub use dedupe::Deduplicator;
use file::{SaveError, Saved};

/// File names of the archive, shared by the crawl and the workers.
pub type SharedNames = Arc<Mutex<NameRegistry>>;

/// One media item to fetch into one file.
#[derive(Clone, Debug)]
pub struct DownloadJob {
    /// URL as the scraper reported it; the manifest key.
    pub url: String,
    /// `image`, `gif`, `video` or `audio`.
    pub kind: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Smaller renditions listed by the scraper, best first.
    pub fallbacks: Vec<String>,
    /// Path relative to the blog's folder.
    pub filename: String,
}

impl DownloadJob {
    /// Returns the job that downloads the file of `entry` again, into
    /// `filename`: the URL, renditions and size that the manifest recorded.
    pub fn again(entry: &MediaEntry, filename: String) -> Self {
        Self {
            url: entry.original_url.clone(),
            kind: entry.media_type.clone(),
            width: entry.width,
            height: entry.height,
            fallbacks: entry.fallback_urls.clone(),
            filename,
        }
    }
}

/// State that every worker shares.
#[derive(Clone)]
pub struct Workers {
    pub http: Http,
    pub dir: PathBuf,
    pub deduplicator: Deduplicator,
    pub names: SharedNames,
    /// Whether to look for deleted media in the Internet Archive.
    pub internet_archive: bool,
    pub stop: StopSignal,
}

/// Starts `count` workers that download jobs from `jobs` and report each
/// outcome to the manifest.
pub fn spawn_workers(
    count: usize,
    workers: Workers,
    jobs: mpsc::Receiver<DownloadJob>,
    manifest: ManifestSender,
) -> JoinSet<()> {
    let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
    let mut set = JoinSet::new();
    for _ in 0..count.max(1) {
        let (workers, jobs, manifest) = (workers.clone(), jobs.clone(), manifest.clone());
        set.spawn(async move {
            loop {
                if workers.stop.is_set() {
                    break;
                }
                let next = jobs.lock().await.recv().await;
                let Some(job) = next else {
                    break;
                };
                let mut stop = workers.stop.clone();
                // On Ctrl-C the download in progress is dropped: its
                // `.part` file stays, and its entry stays pending, so the
                // next run continues it.
                let mut outcome = tokio::select! {
                    outcome = workers.download(&job) => outcome,
                    () = stop.wait() => break,
                };
                workers.store_once(&mut outcome).await;
                crate::progress::media_finished(outcome.status.has_file());
                manifest.outcome(job.url.clone(), outcome).await;
            }
        });
    }
    set
}

/// Reason one candidate failed.
enum Failure {
    /// 403, 404 or 410: the file is gone from this URL.
    Gone(String),
    Other(String),
}

/// Facts of a saved file, before they become a manifest outcome.
struct Fetched {
    saved: Saved,
    filename: String,
    download_url: String,
    dimensions: Option<(u32, u32)>,
}

impl Workers {
    async fn download(&self, job: &DownloadJob) -> DownloadOutcome {
        let facts = MediaFacts {
            url: &job.url,
            kind: &job.kind,
            width: job.width,
            height: job.height,
            fallbacks: &job.fallbacks,
        };
        let mut notes = Vec::new();
        let mut all_gone = true;
        for (index, candidate) in resolve::candidates(&facts).into_iter().enumerate() {
            let upgrade = candidate.rendition == Rendition::Upgraded;
            let resumable = index == 0 && !candidate.image_page;
            let target = if candidate.image_page {
                match self.image_from_page(&candidate, &job.url).await {
                    Some(target) => target,
                    None => continue,
                }
            } else {
                candidate
            };
            match self.fetch(job, &target, resumable).await {
                Ok(fetched) => return self.downloaded(job, fetched, &target, notes),
                Err(Failure::Gone(note)) if upgrade => {
                    tracing::debug!(url = %target.url, %note, "no larger rendition")
                }
                Err(Failure::Gone(note)) => notes.push(note),
                Err(Failure::Other(note)) => {
                    if !upgrade {
                        all_gone = false;
                    }
                    notes.push(note);
                }
            }
        }
        let notes = compact_notes(notes);
        if all_gone && self.internet_archive {
            return self.recover(job, notes).await;
        }
        let status = if all_gone {
            MediaStatus::Missing
        } else {
            MediaStatus::Error
        };
        failed(job, status, notes.join("; "))
    }

    /// Asks Tumblr's image page for the URL of the original. Returns none
    /// when the page fails or names the reported URL itself; the reported
    /// URL is tried next either way.
    async fn image_from_page(&self, page: &Candidate, reported: &str) -> Option<Candidate> {
        let url = Url::parse(&page.url).ok()?;
        let headers: Vec<(String, String)> = page
            .accept
            .map(|accept| ("accept".to_string(), accept.to_string()))
            .into_iter()
            .collect();
        let fetched = match self.http.get(Method::GET, &url, &headers).await {
            Ok(fetched) => fetched,
            Err(error) => {
                tracing::debug!(url = %page.url, %error, "image page failed");
                return None;
            }
        };
        if !fetched.response.status().is_success() {
            tracing::debug!(url = %page.url, status = fetched.response.status().as_u16(), "image page failed");
            return None;
        }
        let html = fetched.response.text().await.ok()?;
        let original = resolve::image_from_page(&html)?;
        if original == reported {
            return None;
        }
        Some(Candidate {
            url: original,
            rendition: Rendition::Upgraded,
            image_page: false,
            accept: Some(resolve::IMAGE_ACCEPT),
        })
    }

    /// Fetches one candidate into the job's file, retrying a body that
    /// ends early.
    async fn fetch(
        &self,
        job: &DownloadJob,
        candidate: &Candidate,
        resumable: bool,
    ) -> Result<Fetched, Failure> {
        let url = Url::parse(&candidate.url)
            .map_err(|error| Failure::Other(format!("invalid URL {:?}: {error}", candidate.url)))?;
        let path = self.dir.join(&job.filename);
        let retry = self.http.retry_policy().clone();
        let mut attempt = 0;
        loop {
            // Only the first candidate continues a `.part` file: a part
            // written from another URL contains other bytes.
            let offset = if resumable {
                file::resumable_bytes(&path).await
            } else {
                0
            };
            let mut headers: Vec<(String, String)> = candidate
                .accept
                .map(|accept| ("accept".to_string(), accept.to_string()))
                .into_iter()
                .collect();
            if offset > 0 {
                headers.push(("range".to_string(), format!("bytes={offset}-")));
            }
            let fetched = self
                .http
                .get(Method::GET, &url, &headers)
                .await
                .map_err(|error| Failure::Other(error.to_string()))?;
            let status = fetched.response.status();
            if status == StatusCode::RANGE_NOT_SATISFIABLE && offset > 0 {
                // The `.part` file may already hold the whole body, when a
                // run stopped between the last byte and the rename.
                let total = file::unsatisfied_range_total(&fetched.response);
                let download_url = fetched.url.to_string();
                if total == Some(offset) {
                    let saved = file::finish_part(&path).await.map_err(Failure::Other)?;
                    return self.settle(job, saved, download_url).await;
                }
                file::discard_part(&path).await;
                continue;
            }
            if matches!(
                status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::GONE
            ) {
                return Err(Failure::Gone(format!(
                    "HTTP {} from {}",
                    status.as_u16(),
                    candidate.url
                )));
            }
            if !status.is_success() {
                return Err(Failure::Other(format!(
                    "HTTP {} from {}",
                    status.as_u16(),
                    candidate.url
                )));
            }
            let download_url = fetched.url.to_string();
            match file::save(fetched.response, &path, offset).await {
                Ok(saved) => return self.settle(job, saved, download_url).await,
                Err(SaveError::Body(message)) => {
                    let Some(delay) = retry.delay_for_error(attempt) else {
                        return Err(Failure::Other(format!("{}: {message}", candidate.url)));
                    };
                    tracing::debug!(url = %candidate.url, attempt = attempt + 1, %message, "body incomplete, fetching again");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(SaveError::Disk(message)) => return Err(Failure::Other(message)),
            }
        }
    }

    /// Checks that a saved file is not an HTML page (an error page served
    /// with status 200, or an archive page instead of a capture) and gives
    /// it the extension of its type when the bytes show one. A page is
    /// deleted and counts as a failure.
    async fn settle(
        &self,
        job: &DownloadJob,
        saved: Saved,
        download_url: String,
    ) -> Result<Fetched, Failure> {
        let path = self.dir.join(&job.filename);
        if sniff::looks_like_markup(&saved.head) {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(Failure::Other(format!(
                "{download_url} returned an HTML page instead of a media file"
            )));
        }
        let sniffed = sniff::sniff(&saved.head);
        let mut filename = job.filename.clone();
        let current = Path::new(&filename)
            .extension()
            .and_then(|extension| extension.to_str())
            .unwrap_or("");
        if let Some(sniffed) =
            sniffed.filter(|sniffed| !sniff::same_type(current, sniffed.extension))
        {
            let wanted = with_extension(&filename, sniffed.extension);
            let renamed = self
                .names
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .unique(&wanted, &job.url);
            match tokio::fs::rename(&path, self.dir.join(&renamed)).await {
                Ok(()) => filename = renamed,
                Err(error) => {
                    tracing::warn!(file = %filename, %error, "cannot give the file the extension of its type")
                }
            }
        }
        let dimensions = sniffed.and_then(|sniffed| sniffed.dimensions);
        Ok(Fetched {
            saved,
            filename,
            download_url,
            dimensions,
        })
    }

    fn downloaded(
        &self,
        job: &DownloadJob,
        fetched: Fetched,
        candidate: &Candidate,
        notes: Vec<String>,
    ) -> DownloadOutcome {
        let mut notes = notes;
        match candidate.rendition {
            Rendition::Upgraded => {
                notes.push(format!("upgraded from {} to {}", job.url, candidate.url))
            }
            Rendition::Gifv => notes.push(format!(
                "the GIF failed; saved its animated WebP form {}",
                candidate.url
            )),
            Rendition::Smaller => {
                notes.push(format!("saved a smaller rendition: {}", candidate.url))
            }
            Rendition::Reported => {}
        }
        tracing::debug!(url = %job.url, file = %fetched.filename, bytes = fetched.saved.size, "downloaded");
        DownloadOutcome {
            status: MediaStatus::Downloaded,
            filename: Some(fetched.filename),
            byte_size: Some(fetched.saved.size),
            checksum: Some(fetched.saved.checksum),
            download_url: Some(fetched.download_url),
            retrieved_from: Some("tumblr".into()),
            archive_snapshot_url: None,
            rendition: Some(candidate.rendition.name().to_string()),
            width: fetched.dimensions.map(|(width, _)| width),
            height: fetched.dimensions.map(|(_, height)| height),
            notes: (!notes.is_empty()).then(|| notes.join("; ")),
        }
    }

    /// Looks for a capture in the Internet Archive after Tumblr lost the
    /// file, and downloads its raw bytes.
    async fn recover(&self, job: &DownloadJob, mut notes: Vec<String>) -> DownloadOutcome {
        let capture = match wayback::find(&self.http, &job.url).await {
            Lookup::Found(capture) => capture,
            Lookup::NotArchived => {
                notes.push("the Internet Archive has no capture".into());
                return failed(job, MediaStatus::Missing, notes.join("; "));
            }
            Lookup::Excluded => {
                notes.push(
                    "the Internet Archive excludes this site (its CDX index answered 403)".into(),
                );
                return failed(job, MediaStatus::Missing, notes.join("; "));
            }
            Lookup::Failed(reason) => {
                notes.push(format!("the Internet Archive lookup failed: {reason}"));
                return failed(job, MediaStatus::Error, notes.join("; "));
            }
        };
        tracing::info!(url = %job.url, capture = %capture.timestamp, "deleted from Tumblr; downloading the Internet Archive capture");
        let raw = Candidate {
            url: capture.raw_url(),
            rendition: Rendition::Reported,
            image_page: false,
            accept: None,
        };
        match self.fetch(job, &raw, false).await {
            Ok(fetched) => {
                notes.push(format!(
                    "recovered from the Internet Archive capture of {}",
                    capture.timestamp
                ));
                let mut outcome = self.downloaded(job, fetched, &raw, notes);
                outcome.status = MediaStatus::Archived;
                outcome.retrieved_from = Some("internet_archive".into());
                outcome.archive_snapshot_url = Some(capture.snapshot_url());
                // Shards of Tumblr's media host serve the same files, so
                // the path alone shows whether the capture is this rendition.
                let same_url = url_path(&capture.original) == url_path(&job.url);
                outcome.rendition = Some(
                    if same_url {
                        "reported"
                    } else {
                        "archived-sibling"
                    }
                    .to_string(),
                );
                outcome
            }
            Err(Failure::Gone(note) | Failure::Other(note)) => {
                notes.push(format!("the Internet Archive capture failed: {note}"));
                failed(job, MediaStatus::Error, notes.join("; "))
            }
        }
    }

    /// Deletes a new file whose bytes the archive already contains and points
    /// the outcome at the existing file.
    async fn store_once(&self, outcome: &mut DownloadOutcome) {
        let (Some(checksum), Some(filename)) = (&outcome.checksum, &outcome.filename) else {
            return;
        };
        let Some(existing) = self.deduplicator.claim(checksum, filename) else {
            return;
        };
        if let Err(error) = tokio::fs::remove_file(self.dir.join(filename)).await {
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
}

fn failed(job: &DownloadJob, status: MediaStatus, notes: String) -> DownloadOutcome {
    tracing::warn!(url = %job.url, %notes, "media not downloaded");
    DownloadOutcome {
        status,
        filename: None,
        byte_size: None,
        checksum: None,
        download_url: None,
        retrieved_from: None,
        archive_snapshot_url: None,
        rendition: None,
        width: None,
        height: None,
        notes: Some(notes),
    }
}

/// Keeps the first two failure notes and counts the rest, so a deleted
/// image with eight renditions does not fill the manifest with eight
/// nearly identical lines.
fn compact_notes(mut notes: Vec<String>) -> Vec<String> {
    const KEPT: usize = 2;
    if notes.len() > KEPT + 1 {
        let more = notes.len() - KEPT;
        notes.truncate(KEPT);
        notes.push(format!("{more} smaller renditions failed the same way"));
    }
    notes
}

/// Returns the path of `url`, without scheme, host, query or fragment.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    rest.find('/').map_or("", |slash| &rest[slash..])
}

/// Replaces the extension of the last component of `filename`.
fn with_extension(filename: &str, extension: &str) -> String {
    let (folder, name) = match filename.rsplit_once('/') {
        Some((folder, name)) => (format!("{folder}/"), name),
        None => (String::new(), filename),
    };
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    format!("{folder}{stem}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::with_extension;

    #[test]
    fn extension_replaced() {
        assert_eq!(with_extension("1_a.gifv", "webp"), "1_a.webp");
        assert_eq!(with_extension("dir/1_a.png", "jpg"), "dir/1_a.jpg");
        assert_eq!(with_extension("noext", "mp4"), "noext.mp4");
        assert_eq!(with_extension("a.b/c", "gif"), "a.b/c.gif");
    }
}
