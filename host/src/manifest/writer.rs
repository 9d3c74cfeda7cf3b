//! The single owner of `manifest.json` during a run.
//!
//! The crawl and the download workers send events over a channel. This
//! task appends each one to the journal, applies it to the manifest in
//! memory, and rewrites `manifest.json` every few seconds and at the end.
//! The same media URL in several posts is downloaded once: its outcome is
//! applied to every entry that names it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::journal::Journal;
use super::state::{DownloadOutcome, Event, ManifestState};
use super::{
    BlogRecord, CrawlPosition, Manifest, ManifestError, MediaEntry, MediaStatus, PostRecord,
    RunOutcome, RunRecord, now_rfc3339,
};

/// Time between two snapshots of the manifest during a run.
const SNAPSHOT_INTERVAL: Duration = Duration::from_secs(5);
const CHANNEL_CAPACITY: usize = 1024;

enum Message {
    Event(Box<Event>),
    Finish { failed: bool },
}

/// Counts for the end-of-run summary.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    pub counts: HashMap<MediaStatus, usize>,
    pub bytes: u64,
    pub outcome: Option<RunOutcome>,
    /// Posts in the archive.
    pub posts: usize,
    /// Failed or missing entries: post id, post URL, media URL and notes.
    pub failures: Vec<Failed>,
}

#[derive(Clone, Debug)]
pub struct Failed {
    pub post_id: String,
    pub post_url: String,
    pub media_url: String,
    pub status: MediaStatus,
    pub notes: String,
}

impl RunSummary {
    pub fn count(&self, status: MediaStatus) -> usize {
        self.counts.get(&status).copied().unwrap_or(0)
    }
}

/// Handle through which the run sends manifest events.
#[derive(Clone)]
pub struct ManifestSender {
    sender: mpsc::Sender<Message>,
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

    pub async fn crawl(&self, position: CrawlPosition) {
        self.send(Event::Crawl(position)).await;
    }

    async fn send(&self, event: Event) {
        // The writer only stops after `finish`, so a send can fail only
        // after the writer already failed; that error surfaces in `finish`.
        let _ = self.sender.send(Message::Event(Box::new(event))).await;
    }
}

pub struct ManifestWriter {
    sender: ManifestSender,
    task: JoinHandle<Result<RunSummary, ManifestError>>,
}

impl ManifestWriter {
    /// Starts the writer for `dir`, continuing `manifest` (already merged
    /// with its journal), and records a new run in it.
    pub fn start(
        dir: PathBuf,
        mut manifest: Manifest,
        run: RunRecord,
    ) -> Result<Self, ManifestError> {
        manifest.runs.push(run);
        manifest.generator = super::generator();
        manifest.save(&dir)?;
        let mut journal = Journal::open(&dir)?;
        journal.truncate()?;
        let (sender, receiver) = mpsc::channel(CHANNEL_CAPACITY);
        let writer = Writer {
            dir,
            sequence: manifest.journal_sequence,
            state: ManifestState::new(manifest),
            journal,
            dirty: false,
        };
        let task = tokio::spawn(writer.run(receiver));
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
        let _ = self.sender.sender.send(Message::Finish { failed }).await;
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

struct Writer {
    dir: PathBuf,
    sequence: u64,
    state: ManifestState,
    journal: Journal,
    dirty: bool,
}

impl Writer {
    async fn run(
        mut self,
        mut receiver: mpsc::Receiver<Message>,
    ) -> Result<RunSummary, ManifestError> {
        let mut ticker = tokio::time::interval(SNAPSHOT_INTERVAL);
        ticker.tick().await;
        let mut failed = true;
        loop {
            tokio::select! {
                message = receiver.recv() => match message {
                    Some(Message::Finish { failed: run_failed }) => { failed = run_failed; break; }
                    Some(Message::Event(event)) => self.apply(*event)?,
                    None => break,
                },
                _ = ticker.tick() => self.snapshot().await?,
            }
        }
        let summary = self.close_run(failed);
        self.snapshot().await?;
        self.journal.remove()?;
        Ok(summary)
    }

    fn apply(&mut self, event: Event) -> Result<(), ManifestError> {
        self.sequence += 1;
        self.journal.append(self.sequence, &event)?;
        self.state.apply(event);
        self.dirty = true;
        Ok(())
    }

    /// Fills in the last run's end and outcome, and counts the results.
    fn close_run(&mut self, failed: bool) -> RunSummary {
        let manifest = &mut self.state.manifest;
        let mut summary = RunSummary {
            posts: manifest.posts.len(),
            ..RunSummary::default()
        };
        for entry in &manifest.media {
            *summary.counts.entry(entry.status).or_default() += 1;
            if entry.status.has_file() {
                summary.bytes += entry.byte_size.unwrap_or(0);
            }
            if matches!(
                entry.status,
                MediaStatus::Missing | MediaStatus::Error | MediaStatus::Pending
            ) {
                summary.failures.push(Failed {
                    post_id: entry.post_id.clone(),
                    post_url: entry.post_url.clone(),
                    media_url: entry.original_url.clone(),
                    status: entry.status,
                    notes: entry.notes.clone().unwrap_or_default(),
                });
            }
        }
        let outcome = if failed {
            RunOutcome::Failed
        } else if summary.failures.is_empty() {
            RunOutcome::Complete
        } else {
            RunOutcome::Incomplete
        };
        if let Some(run) = manifest.runs.last_mut() {
            run.finished_at = Some(now_rfc3339());
            run.outcome = outcome;
        }
        summary.outcome = Some(outcome);
        self.dirty = true;
        summary
    }

    /// Writes `manifest.json` with every event so far, then empties the
    /// journal. A crash between the two leaves journal lines that the
    /// manifest already holds; their sequence numbers make replay skip them.
    async fn snapshot(&mut self) -> Result<(), ManifestError> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        self.state.manifest.journal_sequence = self.sequence;
        // Saved in place rather than from a copy on a blocking thread: a
        // copy doubled the memory that the manifest takes. Other tasks
        // move to another worker thread meanwhile.
        tokio::task::block_in_place(|| self.state.manifest.save(&self.dir))?;
        self.journal.truncate()
    }
}
