//! `tumblr-archiver verify DIR`: checks an archive against its manifest.
//!
//! Every entry whose status records a file is checked for existence,
//! size and SHA-256. Files in the folder that nothing in the manifest
//! names are listed too. With `--repair`, missing and corrupt files are
//! downloaded again through the same pool as an archive run, and the
//! manifest records the new outcomes.

mod repair;
mod scan;

use std::path::Path;

use serde::Serialize;

use crate::cli::VerifyArgs;
use crate::console::{say_err, say_out};
use crate::manifest::{Manifest, MediaEntry};
use crate::report::{ExitStatus, Failure};

/// A problem with one file that the manifest names.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// `media` for a media file, `record` for a post's saved record.
    pub kind: &'static str,
    /// Path relative to the blog's folder.
    pub filename: String,
    /// `missing`, `size` (another size than recorded) or `checksum`.
    pub problem: &'static str,
    pub detail: String,
    pub post_url: String,
    pub original_url: String,
}

/// Result of checking an archive.
#[derive(Debug, Default, Serialize)]
pub struct Findings {
    /// Files the manifest names, each counted once.
    pub files_checked: usize,
    pub files_intact: usize,
    pub missing: Vec<Problem>,
    pub corrupt: Vec<Problem>,
    /// Files in the folder that the manifest does not name.
    pub not_in_manifest: Vec<String>,
    /// Unfinished downloads (`.part`), which the next run continues.
    pub partial_downloads: Vec<String>,
}

impl Findings {
    fn is_intact(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }

    /// Returns the number of bad post records, which only an archive run
    /// can fetch again.
    fn bad_records(&self) -> usize {
        let all = self.missing.iter().chain(&self.corrupt);
        all.filter(|problem| problem.kind == scan::RECORD).count()
    }

    /// Returns the number of missing or corrupt media files, which
    /// `--repair` downloads again.
    fn bad_media(&self) -> usize {
        self.missing.len() + self.corrupt.len() - self.bad_records()
    }
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    folder: String,
    #[serde(flatten)]
    findings: &'a Findings,
    /// With `--repair`: files downloaded again, and those still bad.
    repaired: Option<usize>,
    still_bad: Option<usize>,
    exit_status: u8,
}

pub async fn run(args: VerifyArgs) -> Result<ExitStatus, Failure> {
    let dir = args.dir.as_path();
    let manifest = load(dir)?;
    let findings = scan::check(dir, &manifest).await;
    if !args.json {
        print_findings(dir, &findings);
    }
    let mut repaired = None;
    let mut still_bad = None;
    let mut status = match findings.is_intact() {
        true => ExitStatus::Complete,
        false => ExitStatus::Incomplete,
    };
    if args.repair && findings.bad_media() > 0 {
        let outcome = repair::run(dir, manifest, &findings, &args.network).await?;
        if !args.json {
            say_err!(
                "repair: {} of {} files downloaded again; {} still missing or failed",
                outcome.repaired,
                outcome.attempted,
                outcome.attempted - outcome.repaired
            );
        }
        let bad_after = outcome.attempted - outcome.repaired + findings.bad_records();
        status = match bad_after {
            0 => ExitStatus::Complete,
            _ => ExitStatus::Incomplete,
        };
        repaired = Some(outcome.repaired);
        still_bad = Some(bad_after);
    }
    if args.json {
        let report = Report {
            folder: dir.display().to_string(),
            findings: &findings,
            repaired,
            still_bad,
            exit_status: status as u8,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => say_out!("{text}"),
            Err(error) => say_err!("error: cannot write the result as JSON: {error}"),
        }
    }
    Ok(status)
}

fn load(dir: &Path) -> Result<Manifest, Failure> {
    let usage = |message: String| Failure::new(ExitStatus::Usage, message);
    if !dir.is_dir() {
        return Err(usage(format!(
            "{} is not a folder\nhint: pass the blog's folder, OUT/BLOG, which holds manifest.json",
            dir.display()
        )));
    }
    match Manifest::load_with_journal(dir) {
        Ok(Some(manifest)) => Ok(manifest),
        Ok(None) => Err(usage(format!(
            "{} holds no {}\nhint: pass the blog's folder, OUT/BLOG (such as archive/example-blog), not the folder given with --out",
            dir.display(),
            crate::manifest::FILE_NAME
        ))),
        Err(error) => Err(Failure::new(ExitStatus::Error, error.to_string())),
    }
}

fn print_findings(dir: &Path, findings: &Findings) {
    for problem in findings.missing.iter().chain(&findings.corrupt) {
        say_err!(
            "{}: {} ({}; post {})",
            problem.problem,
            problem.filename,
            problem.detail,
            problem.post_url
        );
    }
    for file in &findings.not_in_manifest {
        say_err!("not in manifest: {file}");
    }
    for file in &findings.partial_downloads {
        say_err!("unfinished download: {file} (the next archive run continues it)");
    }
    say_err!(
        "{}: {} files checked, {} intact, {} missing, {} corrupt, {} not in the manifest",
        dir.display(),
        findings.files_checked,
        findings.files_intact,
        findings.missing.len(),
        findings.corrupt.len(),
        findings.not_in_manifest.len()
    );
    if findings.bad_media() > 0 {
        say_err!(
            "hint: `tumblr-archiver verify {} --repair` downloads the missing and corrupt media again",
            dir.display()
        );
    }
    if findings.bad_records() > 0 {
        say_err!(
            "hint: post records come from the blog's pages: run the archive of this blog again with --full to save them again"
        );
    }
}

/// Returns the entries that have a file, one per file name.
fn entries_with_files(manifest: &Manifest) -> Vec<&MediaEntry> {
    let mut seen = std::collections::HashSet::new();
    manifest
        .media
        .iter()
        .filter(|entry| entry.status.has_file())
        .filter(|entry| {
            entry
                .filename
                .as_ref()
                .is_some_and(|name| seen.insert(name.clone()))
        })
        .collect()
}
