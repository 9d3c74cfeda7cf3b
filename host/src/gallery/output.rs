//! Writes gallery files so that none is ever seen half written: each goes
//! to a temporary file in its folder, then is renamed over the old one.
//! After a build, pages of an older build that this one did not write are
//! removed; only files the gallery owns are touched.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::{GalleryError, is_gallery_file};

/// Folders of gallery pages, whose stale `.html` files a build removes.
pub const PAGE_FOLDERS: [&str; 3] = ["page", "archive", "tagged"];

/// Suffix of a file being written; one left by an interrupted build is
/// removed by the next.
const TEMPORARY_SUFFIX: &str = ".gallery-tmp";

/// Files written by one build, relative to the blog folder.
pub struct SiteWriter {
    root: PathBuf,
    written: HashSet<String>,
    /// Files the manifest lists (media and records), which the gallery
    /// never writes over or removes.
    protected: HashSet<String>,
    pub bytes_written: u64,
}

impl SiteWriter {
    pub fn new(root: &Path, protected: HashSet<String>) -> Self {
        Self {
            root: root.to_path_buf(),
            written: HashSet::new(),
            protected,
            bytes_written: 0,
        }
    }

    /// Replaces the file at `relative` (`/`-separated) with `content`.
    pub fn write(&mut self, relative: &str, content: &str) -> Result<(), GalleryError> {
        debug_assert!(
            is_gallery_file(relative),
            "{relative} is not a gallery file"
        );
        let path = self.root.join(relative);
        if self.protected.contains(relative) {
            return Err(GalleryError::Conflict { path });
        }
        let write_error = |source| GalleryError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(write_error)?;
        }
        let temporary = temporary_path(&path);
        fs::write(&temporary, content).map_err(write_error)?;
        if let Err(source) = fs::rename(&temporary, &path) {
            let _ = fs::remove_file(&temporary);
            return Err(write_error(source));
        }
        self.written.insert(relative.to_string());
        self.bytes_written += content.len() as u64;
        Ok(())
    }

    /// Removes every page in `PAGE_FOLDERS` that this build did not write
    /// and every temporary file an interrupted build left. Files the
    /// manifest lists and files that are not `.html` pages stay. Returns
    /// the number of files removed.
    pub fn remove_stale(&self) -> Result<usize, GalleryError> {
        let mut removed = 0;
        for folder in PAGE_FOLDERS {
            let dir = self.root.join(folder);
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(GalleryError::Read { path: dir, source }),
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let relative = format!("{folder}/{name}");
                let is_page = name.ends_with(".html") || name.ends_with(TEMPORARY_SUFFIX);
                let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
                let keep = self.written.contains(&relative) || self.protected.contains(&relative);
                if !is_page || !is_file || keep {
                    continue;
                }
                let path = entry.path();
                fs::remove_file(&path).map_err(|source| GalleryError::Write { path, source })?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn files_written(&self) -> usize {
        self.written.len()
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(TEMPORARY_SUFFIX);
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(label: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("gallery-output-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn stale_pages_removed_others_kept() {
        let dir = scratch("stale");
        fs::create_dir_all(dir.join("tagged")).expect("tagged");
        fs::create_dir_all(dir.join("page")).expect("page");
        for old in ["tagged/old.html", "page/9.html", "page/5.html.gallery-tmp"] {
            fs::write(dir.join(old), "old").expect("old page");
        }
        fs::write(dir.join("tagged/notes.txt"), "user file").expect("user file");
        fs::write(dir.join("tagged/listed.html"), "media").expect("listed");
        fs::write(dir.join("1_a.jpg"), "media").expect("media");

        let protected = HashSet::from(["tagged/listed.html".to_string()]);
        let mut writer = SiteWriter::new(&dir, protected);
        writer.write("page/2.html", "new").expect("write");
        let removed = writer.remove_stale().expect("remove stale");

        assert_eq!(removed, 3);
        assert!(!dir.join("tagged/old.html").exists());
        assert!(!dir.join("page/9.html").exists());
        assert!(!dir.join("page/5.html.gallery-tmp").exists());
        assert_eq!(
            fs::read_to_string(dir.join("page/2.html")).expect("new"),
            "new"
        );
        assert!(dir.join("tagged/notes.txt").exists(), "non-page file kept");
        assert!(dir.join("tagged/listed.html").exists(), "listed file kept");
        assert!(dir.join("1_a.jpg").exists(), "media kept");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn gallery_files_recognised() {
        for name in [
            "index.html",
            "gallery.css",
            "page/2.html",
            "tagged/x_1a.html",
        ] {
            assert!(is_gallery_file(name), "{name}");
        }
        for name in [
            "1_a.jpg",
            "manifest.json",
            "posts/1.json",
            "page/a/b.html",
            "tagged/x.txt",
        ] {
            assert!(!is_gallery_file(name), "{name}");
        }
    }

    #[test]
    fn write_over_listed_file_rejected() {
        let dir = scratch("conflict");
        let protected = HashSet::from(["index.html".to_string()]);
        let mut writer = SiteWriter::new(&dir, protected);
        let error = writer.write("index.html", "page").expect_err("conflict");
        assert!(error.to_string().contains("index.html"), "{error}");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
