//! `verify --repair`: downloads missing and corrupt files again.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::Findings;
use crate::cli::NetworkArgs;
use crate::download::{self, Deduplicator, DownloadJob, Workers};
use crate::manifest::{
    Manifest, ManifestSender, ManifestWriter, MediaEntry, MediaStatus, PluginRef, RunOutcome,
    RunRecord,
};
use crate::report::{ExitStatus, Failure};

/// Name recorded as the scraper and policy of a repair run.
const REPAIR_RUN: &str = "verify --repair";

pub struct RepairOutcome {
    /// Files the repair tried to download.
    pub attempted: usize,
    /// Files now on disk with their recorded size and checksum.
    pub repaired: usize,
}

/// Downloads every missing or corrupt file of `findings` again. A corrupt
/// file is replaced only once the new download is complete, so a failed
/// repair leaves it as it was.
pub async fn run(
    dir: &Path,
    manifest: Manifest,
    findings: &Findings,
    network: &NetworkArgs,
) -> Result<RepairOutcome, Failure> {
    let bad: HashSet<&str> = findings
        .missing
        .iter()
        .chain(&findings.corrupt)
        .filter(|problem| problem.kind == super::scan::MEDIA)
        .map(|problem| problem.filename.as_str())
        .collect();
    let jobs = repair_jobs(&manifest, &bad);
    // The manifest applies an outcome only to pending entries, so every
    // entry of a bad file is marked pending before its download.
    let reset: Vec<MediaEntry> = bad_entries(&manifest, &bad)
        .map(|entry| MediaEntry {
            status: MediaStatus::Pending,
            notes: None,
            ..entry.clone()
        })
        .collect();
    let pool = workers_for(dir, &manifest, &bad, network)?;

    let run = RunRecord {
        started_at: crate::manifest::now_rfc3339(),
        finished_at: None,
        scraper: repair_ref(),
        policy: repair_ref(),
        outcome: RunOutcome::Running,
    };
    let writer = ManifestWriter::start(dir.to_path_buf(), manifest, run)
        .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;
    let manifest_events = writer.sender();
    for entry in reset {
        manifest_events.media(entry).await;
    }
    let urls: Vec<String> = jobs.iter().map(|job| job.url.clone()).collect();
    download_all(
        jobs,
        pool,
        usize::from(network.concurrency),
        manifest_events,
    )
    .await;

    let summary = writer
        .finish(false)
        .await
        .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;
    let failed: HashSet<&str> = summary
        .failures
        .iter()
        .map(|failed| failed.media_url.as_str())
        .collect();
    let repaired = urls
        .iter()
        .filter(|url| !failed.contains(url.as_str()))
        .count();
    Ok(RepairOutcome {
        attempted: urls.len(),
        repaired,
    })
}

/// Returns the download pool of a repair. Files that are intact take part
/// in deduplication, and every recorded name stays claimed.
fn workers_for(
    dir: &Path,
    manifest: &Manifest,
    bad: &HashSet<&str>,
    network: &NetworkArgs,
) -> Result<Workers, Failure> {
    let intact = manifest.media.iter().filter(|entry| {
        entry.status.has_file()
            && entry
                .filename
                .as_deref()
                .is_some_and(|name| !bad.contains(name))
    });
    Ok(Workers {
        http: crate::http_client(network, None, std::time::Duration::ZERO)?,
        dir: dir.to_path_buf(),
        deduplicator: Deduplicator::from_files(intact),
        names: Arc::new(Mutex::new(manifest.file_names())),
        internet_archive: !network.no_internet_archive,
        stop: crate::interrupt::StopSignal::listen(),
    })
}

/// Runs `jobs` through `concurrency` workers and waits for all of them.
async fn download_all(
    jobs: Vec<DownloadJob>,
    pool: Workers,
    concurrency: usize,
    manifest: ManifestSender,
) {
    let (sender, receiver) = mpsc::channel(concurrency * 4);
    let mut workers = download::spawn_workers(concurrency, pool, receiver, manifest);
    for job in jobs {
        tracing::info!(file = %job.filename, url = %job.url, "downloading again");
        if sender.send(job).await.is_err() {
            break;
        }
    }
    drop(sender);
    while let Some(result) = workers.join_next().await {
        if let Err(error) = result {
            tracing::error!(%error, "a download worker stopped unexpectedly");
        }
    }
}

/// Returns the entries with a file whose name is in `bad`.
fn bad_entries<'a>(
    manifest: &'a Manifest,
    bad: &'a HashSet<&str>,
) -> impl Iterator<Item = &'a MediaEntry> {
    manifest.media.iter().filter(|entry| {
        entry.status.has_file()
            && entry
                .filename
                .as_deref()
                .is_some_and(|name| bad.contains(name))
    })
}

/// Builds one download job per bad file name, from the first entry that
/// names it.
fn repair_jobs(manifest: &Manifest, bad: &HashSet<&str>) -> Vec<DownloadJob> {
    let mut seen = HashSet::new();
    bad_entries(manifest, bad)
        .filter_map(|entry| {
            let filename = entry.filename.as_deref()?;
            seen.insert(filename)
                .then(|| DownloadJob::again(entry, filename.to_string()))
        })
        .collect()
}

fn repair_ref() -> PluginRef {
    PluginRef {
        name: REPAIR_RUN.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}
