//! The output side of a run: the blog's folder, the manifest writer and
//! the download pool, or in a dry run just a listing on stdout.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::post_files::{PostFiles, RecordLink};
use super::{CrawlConfig, CrawlError};
use crate::download::{self, Deduplicator, DownloadJob, SharedNames, Workers};
use crate::manifest::{
    BlogRecord, CrawlPosition, Manifest, ManifestSender, ManifestWriter, MediaEntry, MediaStatus,
    PluginRef, PostRecord, RunOutcome, RunRecord, RunSummary,
};
use crate::net::Http;
use crate::paths::{NameRegistry, sanitize_relative};
use crate::plugin::types::RawRecord;
use crate::plugin::{PluginLabel, PluginSet};
use std::sync::MutexGuard;

/// Jobs waiting per download worker before the crawl has to wait.
const JOBS_PER_WORKER: usize = 4;

pub struct Session {
    names: SharedNames,
    /// Media URLs handed out in this run, with their file names.
    assigned: HashMap<String, String>,
    archive: Option<Archive>,
    /// In a dry run, the files of an existing archive, by original URL.
    dry_run_on_disk: HashMap<String, MediaEntry>,
}

struct Archive {
    dir: PathBuf,
    writer: ManifestWriter,
    manifest: ManifestSender,
    jobs: mpsc::Sender<DownloadJob>,
    workers: JoinSet<()>,
    /// Files from earlier runs that are still on disk, by original URL.
    on_disk: HashMap<String, MediaEntry>,
    /// Entries that earlier runs queued or failed, to download again.
    unfinished: Vec<MediaEntry>,
    /// Post ids in the manifest when the run started.
    archived_posts: HashSet<String>,
    saved_position: Option<CrawlPosition>,
    total_posts: Option<u64>,
    post_files: PostFiles,
}

impl Session {
    /// Opens the blog's folder `OUT/NAME` (created if needed), continues
    /// its manifest and journal, and starts the download workers. A dry run
    /// touches nothing on disk.
    pub fn open(
        config: &CrawlConfig,
        blog_name: &str,
        plugins: &PluginSet,
        http: &Http,
    ) -> Result<Self, CrawlError> {
        let mut session = Self {
            names: SharedNames::default(),
            assigned: HashMap::new(),
            archive: None,
            dry_run_on_disk: HashMap::new(),
        };
        let folder = sanitize_relative(&blog_name.replace(['/', '\\'], "_"));
        let dir = config.out.join(folder);
        if config.dry_run {
            // A dry run reads an existing archive, so it lists only what a
            // real run would download, and writes nothing.
            if let Some(manifest) = Manifest::load_with_journal(&dir)? {
                session.dry_run_on_disk = manifest.files_on_disk(&dir, config.verify);
            }
            return Ok(session);
        }
        std::fs::create_dir_all(&dir).map_err(|error| anyhow::anyhow!("cannot create the output folder {}: {error}\nhint: choose another folder with --out", dir.display()))?;

        let blog = BlogRecord {
            name: blog_name.to_string(),
            ..Default::default()
        };
        let manifest = Manifest::load_with_journal(&dir)?.unwrap_or_else(|| Manifest::new(blog));
        let on_disk = manifest.files_on_disk(&dir, config.verify);
        *session.lock_names() = manifest.file_names();
        let unfinished = unfinished_entries(&manifest, &on_disk);
        let archived_posts = manifest.posts.iter().map(|post| post.id.clone()).collect();
        let saved_position = manifest.crawl.clone();
        let total_posts = manifest.blog.total_posts;
        let post_files = PostFiles::new(&dir, &manifest);
        let deduplicator = Deduplicator::from_files(on_disk.values());
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
        let pool = Workers {
            http: http.clone(),
            dir: dir.clone(),
            deduplicator,
            names: session.names.clone(),
            internet_archive: config.internet_archive,
            stop: config.stop.clone(),
        };
        let workers = download::spawn_workers(config.concurrency, pool, receiver, manifest.clone());
        tracing::info!(folder = %dir.display(), workers = config.concurrency, "archiving");
        session.archive = Some(Archive {
            dir,
            writer,
            manifest,
            jobs,
            workers,
            on_disk,
            unfinished,
            archived_posts,
            saved_position,
            total_posts,
            post_files,
        });
        Ok(session)
    }

    fn lock_names(&self) -> MutexGuard<'_, NameRegistry> {
        self.names
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub fn dir(&self) -> Option<&Path> {
        self.archive.as_ref().map(|archive| archive.dir.as_path())
    }

    /// Returns the last run's crawl position, if the manifest recorded it.
    pub fn saved_position(&self) -> Option<&CrawlPosition> {
        self.archive.as_ref()?.saved_position.as_ref()
    }

    /// Returns whether the post was in the manifest when the run started.
    pub fn is_archived_post(&self, id: &str) -> bool {
        self.archive
            .as_ref()
            .is_some_and(|archive| archive.archived_posts.contains(id))
    }

    /// Number of posts the blog reported, from this run or an earlier one.
    pub fn total_posts(&self) -> Option<u64> {
        self.archive.as_ref()?.total_posts
    }

    /// Queues again the media that earlier runs queued but did not finish,
    /// or that failed with an error; a crawl that resumes from a saved
    /// position would not see their posts again.
    pub async fn requeue_unfinished(&mut self) {
        let Some(archive) = self.archive.as_mut() else {
            return;
        };
        let unfinished = std::mem::take(&mut archive.unfinished);
        if !unfinished.is_empty() {
            tracing::info!(
                count = unfinished.len(),
                "downloading media that an earlier run left unfinished or failed"
            );
        }
        for mut entry in unfinished {
            let Some(filename) = entry.filename.clone() else {
                continue;
            };
            self.assigned
                .insert(entry.original_url.clone(), filename.clone());
            let job = DownloadJob::again(&entry, filename);
            entry.status = MediaStatus::Pending;
            entry.notes = None;
            let Some(archive) = self.archive.as_ref() else {
                return;
            };
            archive.manifest.media(entry).await;
            let _ = archive.jobs.send(job).await;
            crate::progress::media_queued();
        }
    }

    pub async fn blog(&mut self, blog: BlogRecord) {
        if let Some(archive) = self.archive.as_mut() {
            archive.total_posts = blog.total_posts.or(archive.total_posts);
            if let Some(total) = archive.total_posts {
                crate::progress::total_posts(total);
            }
            archive.manifest.blog(blog).await;
        }
    }

    pub async fn post(&self, post: PostRecord) {
        if let Some(archive) = &self.archive {
            archive.manifest.post(post).await;
        }
    }

    /// Saves the raw record of post `id` and returns the link for its
    /// manifest entry; see `PostFiles::save`. A dry run saves nothing.
    pub fn save_record(&mut self, id: &str, record: Option<&RawRecord>) -> Option<RecordLink> {
        self.archive.as_mut()?.post_files.save(id, record)
    }

    /// Records a media entry that needs no download.
    pub async fn record(&self, entry: MediaEntry) {
        if let Some(archive) = &self.archive {
            archive.manifest.media(entry).await;
        }
    }

    /// Saves the crawl position, after the events of its last page.
    pub async fn save_position(&self, position: CrawlPosition) {
        if let Some(archive) = &self.archive {
            archive.manifest.crawl(position).await;
        }
    }

    /// Returns the file name already given to `url` in this run, or the
    /// entry of a file from an earlier run that is still on disk.
    pub fn known(&self, url: &str) -> Option<Known> {
        if let Some(filename) = self.assigned.get(url) {
            return Some(Known::ThisRun(filename.clone()));
        }
        let on_disk = match &self.archive {
            Some(archive) => &archive.on_disk,
            None => &self.dry_run_on_disk,
        };
        on_disk
            .get(url)
            .map(|entry| Known::OnDisk(Box::new(entry.clone())))
    }

    /// Notes that `url` is on disk from an earlier run under `filename`.
    pub fn reuse(&mut self, url: &str, filename: &str) {
        self.assigned.insert(url.to_string(), filename.to_string());
    }

    /// Makes `filename` unique in the archive and claims it for `url`.
    pub fn assign_name(&mut self, filename: &str, url: &str) -> String {
        let name = self.lock_names().unique(filename, url);
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
        crate::progress::media_queued();
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

/// Entries to download again: queued but unfinished, failed with an
/// error, or marked downloaded while the file is gone or has another size.
/// One entry per URL.
fn unfinished_entries(
    manifest: &Manifest,
    on_disk: &HashMap<String, MediaEntry>,
) -> Vec<MediaEntry> {
    let mut seen = HashSet::new();
    manifest
        .media
        .iter()
        .filter(|entry| match entry.status {
            MediaStatus::Pending | MediaStatus::Error => true,
            MediaStatus::Downloaded | MediaStatus::Archived => {
                !on_disk.contains_key(&entry.original_url)
            }
            _ => false,
        })
        .filter(|entry| entry.filename.is_some() && !on_disk.contains_key(&entry.original_url))
        .filter(|entry| seen.insert(entry.original_url.clone()))
        .cloned()
        .collect()
}

fn plugin_ref(label: &PluginLabel) -> PluginRef {
    PluginRef {
        name: label.name.clone(),
        version: label.version.clone(),
    }
}
