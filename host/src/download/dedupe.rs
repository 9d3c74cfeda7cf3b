//! Stores identical files once: a download whose SHA-256 matches a file
//! already in the archive is deleted, and its entries point at that file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::manifest::Manifest;

/// The files of the archive by checksum, shared by the download workers.
#[derive(Clone, Default)]
pub struct Deduplicator {
    files: Arc<Mutex<HashMap<String, String>>>,
}

impl Deduplicator {
    /// Starts from the downloaded files of `manifest` that are on disk.
    pub fn from_manifest(manifest: &Manifest, dir: &Path) -> Self {
        let mut files = HashMap::new();
        for entry in &manifest.media {
            let (true, Some(checksum), Some(filename)) =
                (entry.status.has_file(), &entry.checksum, &entry.filename)
            else {
                continue;
            };
            if dir.join(filename).is_file() {
                files
                    .entry(checksum.clone())
                    .or_insert_with(|| filename.clone());
            }
        }
        Self {
            files: Arc::new(Mutex::new(files)),
        }
    }

    /// Registers `filename` with `checksum`, or returns the file that
    /// already has these bytes under another name.
    pub fn claim(&self, checksum: &str, filename: &str) -> Option<String> {
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        match files.get(checksum) {
            Some(existing) if existing != filename => Some(existing.clone()),
            Some(_) => None,
            None => {
                files.insert(checksum.to_string(), filename.to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_share_file() {
        let files = Deduplicator::default();
        assert_eq!(files.claim("sha256:aa", "a.jpg"), None);
        assert_eq!(files.claim("sha256:aa", "b.jpg"), Some("a.jpg".to_string()));
        assert_eq!(files.claim("sha256:aa", "a.jpg"), None);
        assert_eq!(files.claim("sha256:bb", "b.jpg"), None);
    }
}
