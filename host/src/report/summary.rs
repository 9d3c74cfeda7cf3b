//! The end-of-run summary, as text on stderr or as JSON on stdout.

use std::time::Duration;

use serde::Serialize;

use super::ExitStatus;
use crate::console::{say_err, say_out};
use crate::crawl::CrawlReport;
use crate::manifest::{MediaStatus, RunSummary};

/// Failures listed in the text summary; the JSON summary lists them all.
const FAILURES_SHOWN: usize = 20;

/// The summary of one run. Media counts cover the whole archive, earlier
/// runs included, because that is what the folder holds.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Blog folder, or none when the run stopped before opening it.
    pub folder: Option<String>,
    /// `complete`, `incomplete`, `failed` or `interrupted`.
    pub outcome: &'static str,
    pub exit_status: u8,
    pub elapsed_seconds: f64,
    pub posts_seen_this_run: usize,
    pub posts_in_archive: usize,
    pub media: MediaCounts,
    /// Bytes of the media files in the archive.
    pub bytes: u64,
    pub failures: Vec<FailedItem>,
    /// The error that stopped the run early.
    pub error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct MediaCounts {
    pub downloaded: usize,
    pub internet_archive: usize,
    pub skipped_by_policy: usize,
    pub embeds: usize,
    pub missing: usize,
    pub failed: usize,
    /// Queued but not finished, as when a run was stopped.
    pub pending: usize,
}

#[derive(Debug, Serialize)]
pub struct FailedItem {
    pub post_id: String,
    pub post_url: String,
    pub media_url: String,
    /// `missing`, `error` or `pending`.
    pub status: MediaStatus,
    pub notes: String,
}

impl Summary {
    pub fn new(report: &CrawlReport, elapsed: Duration, status: ExitStatus) -> Self {
        let empty = RunSummary::default();
        let summary = report.summary.as_ref().unwrap_or(&empty);
        let media = MediaCounts {
            downloaded: summary.count(MediaStatus::Downloaded),
            internet_archive: summary.count(MediaStatus::Archived),
            skipped_by_policy: summary.count(MediaStatus::Skipped),
            embeds: summary.count(MediaStatus::Embed),
            missing: summary.count(MediaStatus::Missing),
            failed: summary.count(MediaStatus::Error),
            pending: summary.count(MediaStatus::Pending),
        };
        let failures = summary
            .failures
            .iter()
            .map(|failed| FailedItem {
                post_id: failed.post_id.clone(),
                post_url: failed.post_url.clone(),
                media_url: failed.media_url.clone(),
                status: failed.status,
                notes: failed.notes.clone(),
            })
            .collect();
        Self {
            folder: report.dir.as_ref().map(|dir| dir.display().to_string()),
            outcome: outcome_name(status),
            exit_status: status as u8,
            elapsed_seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            posts_seen_this_run: report.posts_seen,
            posts_in_archive: summary.posts,
            media,
            bytes: summary.bytes,
            failures,
            error: report.error.as_ref().map(ToString::to_string),
        }
    }

    /// Prints the summary as one JSON object on stdout.
    pub fn print_json(&self) {
        match serde_json::to_string_pretty(self) {
            Ok(text) => say_out!("{text}"),
            Err(error) => say_err!("error: cannot write the summary as JSON: {error}"),
        }
    }

    /// Prints the summary as text on stderr.
    pub fn print_text(&self) {
        let media = &self.media;
        say_err!(
            "{} {} in {:.1} s",
            self.outcome,
            self.folder.as_deref().unwrap_or("(no folder)"),
            self.elapsed_seconds
        );
        say_err!(
            "  posts: {} seen in this run, {} in the archive",
            self.posts_seen_this_run,
            self.posts_in_archive
        );
        say_err!(
            "  media: {} downloaded, {} from the Internet Archive ({:.1} MB in all), {} skipped by policy, {} embeds, {} missing, {} failed, {} not finished",
            media.downloaded,
            media.internet_archive,
            self.bytes as f64 / 1_000_000.0,
            media.skipped_by_policy,
            media.embeds,
            media.missing,
            media.failed,
            media.pending,
        );
        for failed in self.failures.iter().take(FAILURES_SHOWN) {
            let reason = match (failed.notes.is_empty(), failed.status) {
                (false, _) => failed.notes.as_str(),
                (true, MediaStatus::Pending) => "not finished; the next run continues it",
                (true, _) => "no reason recorded",
            };
            say_err!(
                "  not archived: {} (post {}, {}): {reason}",
                failed.media_url,
                failed.post_id,
                failed.post_url,
            );
        }
        if self.failures.len() > FAILURES_SHOWN {
            say_err!(
                "  ... and {} more; `--json` or the manifest lists them all",
                self.failures.len() - FAILURES_SHOWN
            );
        }
    }
}

fn outcome_name(status: ExitStatus) -> &'static str {
    match status {
        ExitStatus::Complete => "complete",
        ExitStatus::Incomplete => "incomplete",
        ExitStatus::Interrupted => "interrupted",
        _ => "failed",
    }
}

/// Prints a failure that ended the run before any summary existed, as JSON
/// on stdout, so a `--json` caller always gets one object.
pub fn print_failure_json(status: ExitStatus, message: &str) {
    let object = serde_json::json!({
        "outcome": "failed",
        "exit_status": status as u8,
        "error": message,
    });
    say_out!("{object:#}");
}
