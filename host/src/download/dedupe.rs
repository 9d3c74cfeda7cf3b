//! Stores identical files once: a download whose SHA-256 matches a file
//! already in the archive is deleted, and its entries point at that file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::manifest::MediaEntry;

/// The files of the archive by checksum, shared by the download workers.
#[derive(Clone, Default)]
pub struct Deduplicator {
    files: Arc<Mutex<HashMap<String, String>>>,
}

impl Deduplicator {
    /// Starts from `entries`, the files of earlier runs that are on disk.
    pub fn from_files<'a>(entries: impl Iterator<Item = &'a MediaEntry>) -> Self {
        let mut files = HashMap::new();
        for entry in entries {
            if let (Some(checksum), Some(filename)) = (&entry.checksum, &entry.filename) {
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
