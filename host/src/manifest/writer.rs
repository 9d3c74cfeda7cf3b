//! The single owner of `manifest.json` during a run.
//!
//! The crawl and the download workers send events over a channel; this
//! task applies them to the in-memory manifest and rewrites the file every
//! few seconds and at the end. The same media URL in several posts is
//! downloaded once: its outcome is applied to every entry that names it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{
    BlogRecord, Manifest, ManifestError, MediaEntry, MediaStatus, PostRecord, RunOutcome,
    RunRecord, now_rfc3339,
};

/// Time between two snapshots of the manifest during a run.
const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(5);
const CHANNEL_CAPACITY: usize = 1024;

/// Result of downloading one media URL.
#[derive(Clone, Debug)]
pub struct DownloadOutcome {
    pub status: MediaStatus,
    pub filename: Option<String>,
    pub byte_size: Option<u64>,
    pub checksum: Option<String>,
    pub download_url: Option<String>,
    pub retrieved_from: Option<String>,
    pub notes: Option<String>,
}

enum Event {
    Blog(BlogRecord),
    Post(PostRecord),
    Media(MediaEntry),
    Outcome {
        url: String,
        outcome: DownloadOutcome,
    },
    Finish {
        failed: bool,
    },
}

/// Counts for the end-of-run summary.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    pub posts: usize,
    pub counts: HashMap<MediaStatus, usize>,
    pub bytes: u64,
    pub outcome: Option<RunOutcome>,
    /// Failed or missing entries: post URL, media URL and notes.
    pub failures: Vec<(String, String, String)>,
}

impl RunSummary {
    pub fn count(&self, status: MediaStatus) -> usize {
        self.counts.get(&status).copied().unwrap_or(0)
    }
}

/// Handle through which the run sends manifest events.
#[derive(Clone)]
pub struct ManifestSender {
    sender: mpsc::Sender<Event>,
}

impl ManifestSender {
    pub async fn blog(&self, blog: BlogRecord) {
        self.send(Event::Blog(blog)).await;
    }

    pub async fn post(&self, post: PostRecord) {
        self.send(Event::Post(post)).await;
    }

    pub async fn media(&self, entry: MediaEntry) {
        self.send(Event::Media(entry)).await;
    }

    pub async fn outcome(&self, url: String, outcome: DownloadOutcome) {
        self.send(Event::Outcome { url, outcome }).await;
    }

    async fn send(&self, event: Event) {
        // The writer only stops after `finish`, so a send can fail only
        // after the writer already failed; that error surfaces in `finish`.
        let _ = self.sender.send(event).await;
    }
}

pub struct ManifestWriter {
    sender: ManifestSender,
    task: JoinHandle<Result<RunSummary, ManifestError>>,
}

impl ManifestWriter {
    /// Starts the writer for `dir`, continuing `manifest`, and records a new
    /// run in it.
    pub fn start(
        dir: PathBuf,
        mut manifest: Manifest,
        run: RunRecord,
    ) -> Result<Self, ManifestError> {
        manifest.runs.push(run);
        manifest.generator = super::generator();
        manifest.save(&dir)?;
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let state = WriterState::new(dir, manifest);
        let task = tokio::spawn(state.run(receiver));
        Ok(Self {
            sender: ManifestSender { sender },
            task,
        })
    }

    pub fn sender(&self) -> ManifestSender {
        self.sender.clone()
    }

    /// Closes the run: records its outcome and writes the final manifest.
    pub async fn finish(self, failed: bool) -> Result<RunSummary, ManifestError> {
        self.sender.send(Event::Finish { failed }).await;
        drop(self.sender);
        match self.task.await {
            Ok(result) => result,
            Err(error) => Err(ManifestError::Write {
                path: PathBuf::from(super::FILE_NAME),
                source: std::io::Error::other(error),
            }),
        }
    }
}

struct WriterState {
    dir: PathBuf,
    manifest: Manifest,
    posts_by_id: HashMap<String, usize>,
    media_by_key: HashMap<(String, String), usize>,
    entries_by_url: HashMap<String, Vec<usize>>,
    outcomes: HashMap<String, DownloadOutcome>,
    posts_this_run: usize,
    dirty: bool,
}

impl WriterState {
    fn new(dir: PathBuf, manifest: Manifest) -> Self {
        let mut state = Self {
            dir,
            posts_by_id: HashMap::new(),
            media_by_key: HashMap::new(),
            entries_by_url: HashMap::new(),
            outcomes: HashMap::new(),
            posts_this_run: 0,
            dirty: false,
            manifest,
        };
        for (index, post) in state.manifest.posts.iter().enumerate() {
            state.posts_by_id.insert(post.id.clone(), index);
        }
        for (index, entry) in state.manifest.media.iter().enumerate() {
            state
                .media_by_key
                .insert((entry.post_id.clone(), entry.original_url.clone()), index);
            state
                .entries_by_url
                .entry(entry.original_url.clone())
                .or_default()
                .push(index);
        }
        state
    }

    async fn run(
        mut self,
        mut receiver: mpsc::Receiver<Event>,
    ) -> Result<RunSummary, ManifestError> {
        let mut ticker = tokio::time::interval(SNAPSHOT_INTERVAL);
        ticker.tick().await;
        let mut failed = true;
        loop {
            tokio::select! {
                event = receiver.recv() => match event {
                    Some(Event::Finish { failed: run_failed }) => { failed = run_failed; break; }
                    Some(event) => self.apply(event),
                    None => break,
                },
                _ = ticker.tick() => self.snapshot().await?,
            }
        }
        let summary = self.close_run(failed);
        self.snapshot().await?;
        Ok(summary)
    }

    fn apply(&mut self, event: Event) {
        self.dirty = true;
        match event {
            Event::Blog(blog) => self.manifest.blog = blog,
            Event::Post(post) => self.add_post(post),
            Event::Media(entry) => self.add_media(entry),
            Event::Outcome { url, outcome } => self.record_outcome(url, outcome),
            Event::Finish { .. } => {}
        }
    }

    fn add_post(&mut self, post: PostRecord) {
        self.posts_this_run += 1;
        match self.posts_by_id.get(&post.id) {
            Some(&index) => self.manifest.posts[index] = post,
            None => {
                self.posts_by_id
                    .insert(post.id.clone(), self.manifest.posts.len());
                self.manifest.posts.push(post);
            }
        }
    }

    fn add_media(&mut self, mut entry: MediaEntry) {
        if let Some(outcome) = self.outcomes.get(&entry.original_url) {
            apply_outcome(&mut entry, outcome);
        }
        let key = (entry.post_id.clone(), entry.original_url.clone());
        let url = entry.original_url.clone();
        let index = match self.media_by_key.get(&key) {
            Some(&index) => {
                self.manifest.media[index] = entry;
                index
            }
            None => {
                let index = self.manifest.media.len();
                self.manifest.media.push(entry);
                self.media_by_key.insert(key, index);
                index
            }
        };
        let indexes = self.entries_by_url.entry(url).or_default();
        if !indexes.contains(&index) {
            indexes.push(index);
        }
    }

    fn record_outcome(&mut self, url: String, outcome: DownloadOutcome) {
        for &index in self.entries_by_url.get(&url).into_iter().flatten() {
            let entry = &mut self.manifest.media[index];
            if entry.status == MediaStatus::Pending {
                apply_outcome(entry, &outcome);
            }
        }
        self.outcomes.insert(url, outcome);
    }

    /// Fills in the last run's end and outcome, and counts the results.
    fn close_run(&mut self, failed: bool) -> RunSummary {
        let mut summary = RunSummary {
            posts: self.posts_this_run,
            ..Default::default()
        };
        for entry in &self.manifest.media {
            *summary.counts.entry(entry.status).or_default() += 1;
            if entry.status == MediaStatus::Downloaded {
                summary.bytes += entry.byte_size.unwrap_or(0);
            }
            if matches!(
                entry.status,
                MediaStatus::Missing | MediaStatus::Error | MediaStatus::Pending
            ) {
                let notes = entry.notes.clone().unwrap_or_default();
                summary
                    .failures
                    .push((entry.post_url.clone(), entry.original_url.clone(), notes));
            }
        }
        let outcome = if failed {
            RunOutcome::Failed
        } else if summary.failures.is_empty() {
            RunOutcome::Complete
        } else {
            RunOutcome::Incomplete
        };
        if let Some(run) = self.manifest.runs.last_mut() {
            run.finished_at = Some(now_rfc3339());
            run.outcome = outcome;
        }
        summary.outcome = Some(outcome);
        self.dirty = true;
        summary
    }

    async fn snapshot(&mut self) -> Result<(), ManifestError> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        let manifest = self.manifest.clone();
        let dir = self.dir.clone();
        let result = tokio::task::spawn_blocking(move || manifest.save(&dir)).await;
        match result {
            Ok(saved) => saved,
            Err(error) => Err(ManifestError::Write {
                path: self.dir.join(super::FILE_NAME),
                source: std::io::Error::other(error),
            }),
        }
    }
}

fn apply_outcome(entry: &mut MediaEntry, outcome: &DownloadOutcome) {
    entry.status = outcome.status;
    entry.byte_size = outcome.byte_size;
    entry.checksum = outcome.checksum.clone();
    entry.download_url = outcome.download_url.clone();
    entry.retrieved_from = outcome.retrieved_from.clone();
    entry.notes = outcome.notes.clone();
    if outcome.filename.is_some() {
        entry.filename = outcome.filename.clone();
    }
}
