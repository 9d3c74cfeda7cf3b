//! The output side of a run: the blog's folder, the manifest writer and
//! the download pool, or in a dry run just a listing on stdout.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::{CrawlConfig, CrawlError};
use crate::download::{self, DownloadJob};
use crate::manifest::{
    BlogRecord, Manifest, ManifestSender, ManifestWriter, MediaEntry, PluginRef, PostRecord,
    RunOutcome, RunRecord, RunSummary,
};
use crate::net::Http;
use crate::paths::{NameRegistry, sanitize_relative};
use crate::plugin::{PluginLabel, PluginSet};

/// Jobs waiting per download worker before the crawl has to wait.
const JOBS_PER_WORKER: usize = 4;

pub struct Session {
    names: NameRegistry,
    /// Media URLs handed out in this run, with their file names.
    assigned: HashMap<String, String>,
    archive: Option<Archive>,
}

struct Archive {
    dir: PathBuf,
    writer: ManifestWriter,
    manifest: ManifestSender,
    jobs: mpsc::Sender<DownloadJob>,
    workers: JoinSet<()>,
    /// Files from earlier runs that are still on disk, by original URL.
    on_disk: HashMap<String, MediaEntry>,
}

impl Session {
    /// Opens the blog's folder `OUT/NAME` (created if needed), continues
    /// its manifest and starts the download workers. A dry run touches
    /// nothing on disk.
    pub fn open(
        config: &CrawlConfig,
        blog_name: &str,
        plugins: &PluginSet,
        http: &Http,
    ) -> Result<Self, CrawlError> {
        let mut session = Self {
            names: NameRegistry::default(),
            assigned: HashMap::new(),
            archive: None,
        };
        if config.dry_run {
            return Ok(session);
        }
        let folder = sanitize_relative(&blog_name.replace(['/', '\\'], "_"));
        let dir = config.out.join(folder);
        std::fs::create_dir_all(&dir).map_err(|error| {
            anyhow::anyhow!("cannot create the output folder {}: {error}", dir.display())
        })?;

        let manifest = Manifest::load(&dir)?.unwrap_or_else(|| {
            Manifest::new(BlogRecord {
                name: blog_name.to_string(),
                ..Default::default()
            })
        });
        let on_disk = manifest.files_on_disk(&dir);
        for entry in &manifest.media {
            if let Some(filename) = &entry.filename {
                session.names.claim(filename, &entry.original_url);
            }
        }
        let run = RunRecord {
            started_at: crate::manifest::now_rfc3339(),
            finished_at: None,
            scraper: plugin_ref(plugins.scraper.label()),
            policy: plugin_ref(plugins.policy.label()),
            outcome: RunOutcome::Running,
        };
        let writer = ManifestWriter::start(dir.clone(), manifest, run)?;
        let manifest = writer.sender();
        let (jobs, receiver) = mpsc::channel(config.concurrency.max(1) * JOBS_PER_WORKER);
        let workers = download::spawn_workers(
            config.concurrency,
            http.clone(),
            dir.clone(),
            receiver,
            manifest.clone(),
        );
        tracing::info!(folder = %dir.display(), workers = config.concurrency, "archiving");
        session.archive = Some(Archive {
            dir,
            writer,
            manifest,
            jobs,
            workers,
            on_disk,
        });
        Ok(session)
    }

    pub fn dir(&self) -> Option<&Path> {
        self.archive.as_ref().map(|archive| archive.dir.as_path())
    }

    pub async fn blog(&self, blog: BlogRecord) {
        if let Some(archive) = &self.archive {
            archive.manifest.blog(blog).await;
        }
    }

    pub async fn post(&self, post: PostRecord) {
        if let Some(archive) = &self.archive {
            archive.manifest.post(post).await;
        }
    }

    /// Records a media entry that needs no download.
    pub async fn record(&self, entry: MediaEntry) {
        if let Some(archive) = &self.archive {
            archive.manifest.media(entry).await;
        }
    }

    /// Returns the file name already given to `url` in this run, or the
    /// entry of a file from an earlier run that is still on disk.
    pub fn known(&self, url: &str) -> Option<Known> {
        if let Some(filename) = self.assigned.get(url) {
            return Some(Known::ThisRun(filename.clone()));
        }
        let archive = self.archive.as_ref()?;
        archive
            .on_disk
            .get(url)
            .map(|entry| Known::OnDisk(Box::new(entry.clone())))
    }

    /// Notes that `url` is on disk from an earlier run under `filename`.
    pub fn reuse(&mut self, url: &str, filename: &str) {
        self.assigned.insert(url.to_string(), filename.to_string());
    }

    /// Makes `filename` unique in the archive and claims it for `url`.
    pub fn assign_name(&mut self, filename: &str, url: &str) -> String {
        let name = self.names.unique(filename, url);
        self.assigned.insert(url.to_string(), name.clone());
        name
    }

    /// Records `entry` and queues its download, waiting while the queue is
    /// full. A dry run prints `URL<TAB>FILENAME` instead.
    pub async fn enqueue(&mut self, entry: MediaEntry, job: DownloadJob) {
        let Some(archive) = &self.archive else {
            let mut stdout = std::io::stdout().lock();
            let _ = writeln!(stdout, "{}\t{}", job.url, job.filename);
            return;
        };
        archive.manifest.media(entry).await;
        // The workers hold the receiver until this sender is dropped.
        let _ = archive.jobs.send(job).await;
    }

    /// Waits for the queued downloads and writes the final manifest.
    pub async fn finish(self, failed: bool) -> Result<Option<RunSummary>, CrawlError> {
        let Some(archive) = self.archive else {
            return Ok(None);
        };
        let Archive {
            writer,
            manifest,
            jobs,
            mut workers,
            ..
        } = archive;
        drop(jobs);
        while let Some(result) = workers.join_next().await {
            if let Err(error) = result {
                tracing::error!(%error, "a download worker stopped unexpectedly");
            }
        }
        drop(manifest);
        Ok(Some(writer.finish(failed).await?))
    }
}

/// A media URL that already has a file.
pub enum Known {
    ThisRun(String),
    OnDisk(Box<MediaEntry>),
}

fn plugin_ref(label: &PluginLabel) -> PluginRef {
    PluginRef {
        name: label.name.clone(),
        version: label.version.clone(),
    }
}
