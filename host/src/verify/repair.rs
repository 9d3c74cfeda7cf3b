//! `verify --repair`: downloads missing and corrupt files again.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::Findings;
use crate::cli::NetworkArgs;
use crate::download::{self, Deduplicator, DownloadJob, Workers};
use crate::manifest::{
    Manifest, ManifestWriter, MediaEntry, MediaStatus, PluginRef, RunOutcome, RunRecord,
};
use crate::paths::NameRegistry;
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
    let reset: Vec<MediaEntry> = manifest
        .media
        .iter()
        .filter(|entry| {
            entry.status.has_file()
                && entry
                    .filename
                    .as_deref()
                    .is_some_and(|name| bad.contains(name))
        })
        .map(|entry| MediaEntry {
            status: MediaStatus::Pending,
            notes: None,
            ..entry.clone()
        })
        .collect();
    let http = crate::http_client(network, None, std::time::Duration::ZERO)?;
    let mut names = NameRegistry::default();
    for entry in &manifest.media {
        if let Some(filename) = &entry.filename {
            names.claim(filename, &entry.original_url);
        }
    }
    let intact = manifest.media.iter().filter(|entry| {
        entry.status.has_file()
            && entry
                .filename
                .as_deref()
                .is_some_and(|name| !bad.contains(name))
    });
    let deduplicator = Deduplicator::from_files(intact);
    let run = RunRecord {
        started_at: crate::manifest::now_rfc3339(),
        finished_at: None,
        scraper: repair_ref(),
        policy: repair_ref(),
        outcome: RunOutcome::Running,
    };
    let writer = ManifestWriter::start(dir.to_path_buf(), manifest, run)
        .map_err(|error| Failure::new(ExitStatus::Error, error.to_string()))?;
    let concurrency = usize::from(network.concurrency);
    let (sender, receiver) = mpsc::channel(concurrency * 4);
    let pool = Workers {
        http,
        dir: dir.to_path_buf(),
        deduplicator,
        names: Arc::new(Mutex::new(names)),
        internet_archive: !network.no_internet_archive,
        stop: crate::interrupt::StopSignal::listen(),
    };
    let manifest_events = writer.sender();
    for entry in reset {
        manifest_events.media(entry).await;
    }
    let mut workers = download::spawn_workers(concurrency, pool, receiver, manifest_events);
    let attempted = jobs.len();
    let urls: Vec<String> = jobs.iter().map(|job| job.url.clone()).collect();
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
        attempted,
        repaired,
    })
}

/// One download job per bad file name, from the first entry naming it.
fn repair_jobs(manifest: &Manifest, bad: &HashSet<&str>) -> Vec<DownloadJob> {
    let mut seen = HashSet::new();
    manifest
        .media
        .iter()
        .filter(|entry| entry.status.has_file())
        .filter_map(|entry| {
            let filename = entry.filename.as_deref()?;
            (bad.contains(filename) && seen.insert(filename)).then(|| DownloadJob {
                url: entry.original_url.clone(),
                kind: entry.media_type.clone(),
                width: entry.width,
                height: entry.height,
                fallbacks: entry.fallback_urls.clone(),
                filename: filename.to_string(),
            })
        })
        .collect()
}

fn repair_ref() -> PluginRef {
    PluginRef {
        name: REPAIR_RUN.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}
