//! The offline gallery: static HTML pages in the blog's folder that show
//! the archived posts with their media, built from `manifest.json`. The
//! pages load nothing from the network and need no server or script, so
//! they work when opened as files.

mod html;
mod layout;
mod lookup;
mod manifest_view;
mod output;
mod post;
pub mod render;
mod site;

use std::path::{Path, PathBuf};

/// Files of the gallery outside `output::PAGE_FOLDERS`.
const TOP_FILES: [&str; 2] = ["index.html", layout::STYLE_SHEET];

use crate::console::{say_err, say_out};
use crate::report::{ExitStatus, Failure};

/// Counts and paths of one gallery build.
#[derive(Debug)]
pub struct GallerySummary {
    /// The first page, `index.html` in the blog folder.
    pub index: PathBuf,
    pub posts: usize,
    /// Posts whose body came from their saved record.
    pub posts_from_records: usize,
    /// Posts whose record could not be read or rendered, and which show
    /// the manifest's media and summary instead.
    pub records_failed: usize,
    /// Media that the rendered records name and the archive does not have.
    pub record_media_missing: usize,
    pub files_written: usize,
    pub bytes_written: u64,
    /// Pages of an earlier build that this one no longer has.
    pub stale_removed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    #[error(
        "no manifest found at {path}\nhint: pass the blog's folder, the one that contains manifest.json, such as archive/BLOG"
    )]
    NoManifest { path: PathBuf },

    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{path} is not a valid manifest: {cause}\nhint: the gallery is built from the manifest that an archive run writes; `tumblr-archiver verify` on the same folder shows what is wrong with it, and the existing gallery pages were left as they were"
    )]
    Invalid { path: PathBuf, cause: String },

    #[error(
        "cannot write {path}: {source}\nhint: check that the folder is writable and the disk has free space"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "the gallery page {path} would replace a file that the manifest lists\nhint: change the policy's filename template so no media file is named like a gallery page"
    )]
    Conflict { path: PathBuf },
}

/// Builds the gallery of the blog folder `blog_dir` from its manifest,
/// replacing the pages of an earlier build.
pub fn build(blog_dir: &Path) -> Result<GallerySummary, GalleryError> {
    let manifest = manifest_view::ManifestView::load(blog_dir)?;
    let summary = site::build(blog_dir, &manifest)?;
    if summary.records_failed > 0 {
        tracing::warn!(
            "{} of {} post records in {} could not be read or rendered, so those posts show only their media and summary; run with TUMBLR_ARCHIVER_LOG=debug to see each post and error",
            summary.records_failed,
            summary.records_failed + summary.posts_from_records,
            blog_dir.display()
        );
    }
    Ok(summary)
}

/// Returns whether `name`, a file or folder directly in a blog folder, is
/// one that gallery builds write.
pub fn is_top_level_name(name: &str) -> bool {
    TOP_FILES.contains(&name) || output::PAGE_FOLDERS.contains(&name)
}

/// Returns whether `relative`, a `/`-separated path in a blog folder, is
/// a file that gallery builds write: `index.html`, the style sheet, or a
/// page under `page/`, `archive/` or `tagged/`.
pub fn is_gallery_file(relative: &str) -> bool {
    if TOP_FILES.contains(&relative) {
        return true;
    }
    let Some((folder, name)) = relative.split_once('/') else {
        return false;
    };
    output::PAGE_FOLDERS.contains(&folder) && !name.contains('/') && name.ends_with(".html")
}

/// Runs `tumblr-archiver gallery DIR`: builds the gallery and prints where
/// its first page is.
pub fn run_command(dir: &Path) -> Result<ExitStatus, Failure> {
    let summary = build(dir).map_err(|error| {
        let status = match error {
            GalleryError::NoManifest { .. } => ExitStatus::Usage,
            _ => ExitStatus::Error,
        };
        Failure::new(status, error.to_string())
    })?;
    say_out!("{}", summary.index.display());
    say_err!(
        "gallery written: {} posts ({} from their saved records, which name {} media not in the archive) in {} files, {:.1} MB, {} old pages removed; open {}",
        summary.posts,
        summary.posts_from_records,
        summary.record_media_missing,
        summary.files_written,
        summary.bytes_written as f64 / 1_000_000.0,
        summary.stale_removed,
        summary.index.display()
    );
    Ok(ExitStatus::Complete)
}

/// Builds the gallery after an archive run into `blog_dir`. A failure is
/// logged as a warning and never changes the run's exit status, because
/// the archive itself is complete.
pub fn rebuild_after_archive(blog_dir: &Path) {
    match build(blog_dir) {
        Ok(summary) => tracing::info!(
            posts = summary.posts,
            from_records = summary.posts_from_records,
            "gallery written to {}",
            summary.index.display()
        ),
        Err(GalleryError::NoManifest { .. }) => {}
        Err(error) => tracing::warn!(
            "cannot build the gallery in {}: {error}\nhint: the archive is intact; run `tumblr-archiver gallery {}` to try again",
            blog_dir.display(),
            blog_dir.display()
        ),
    }
}

#[cfg(test)]
mod tests;
