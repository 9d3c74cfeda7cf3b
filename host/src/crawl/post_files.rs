//! Saves each post's raw record as `posts/{id}.{extension}` in the blog's
//! folder, and keeps the newest version when a post changes between runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::manifest::{Manifest, PostRecord, format_checksum, now_rfc3339, write_atomically};
use crate::plugin::types::RawRecord;

/// Folder of the record files, inside the blog's folder.
pub const FOLDER: &str = "posts";

/// The record fields of a post's manifest entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordLink {
    pub path: String,
    pub format: String,
    pub checksum: String,
    pub updated_at: Option<String>,
    pub versions: u32,
}

impl RecordLink {
    /// Copies the link into the record fields of `post`.
    pub fn apply(&self, post: &mut PostRecord) {
        post.record = Some(self.path.clone());
        post.record_format = Some(self.format.clone());
        post.record_checksum = Some(self.checksum.clone());
        post.record_updated_at = self.updated_at.clone();
        post.record_versions = self.versions;
    }
}

/// The record files of one blog's folder, with the links that the
/// manifest held when the run started.
pub struct PostFiles {
    dir: PathBuf,
    links: HashMap<String, RecordLink>,
}

impl PostFiles {
    pub fn new(dir: &Path, manifest: &Manifest) -> Self {
        let links = manifest
            .posts
            .iter()
            .filter_map(|post| Some((post.id.clone(), link_of(post)?)))
            .collect();
        Self {
            dir: dir.to_path_buf(),
            links,
        }
    }

    /// Returns the link of post `id` after saving `record`, or the link
    /// from an earlier run when there is no record.
    ///
    /// The file is written, atomically, only when it does not contain
    /// these bytes yet. A record whose SHA-256 differs from the saved one
    /// replaces the file and counts as a new version. A failed write is
    /// logged and keeps the earlier link, so the run goes on with the
    /// post's media.
    pub fn save(&mut self, id: &str, record: Option<&RawRecord>) -> Option<RecordLink> {
        let previous = self.links.get(id).cloned();
        let Some(record) = record else {
            return previous;
        };

        let checksum = format_checksum(&Sha256::digest(&record.body));
        let relative = format!("{FOLDER}/{id}.{}", extension(&record.format));
        let path = self.dir.join(&relative);
        if let Some(previous) = &previous
            && previous.checksum == checksum
            && previous.path == relative
            && has_size(&path, record.body.len())
        {
            return Some(previous.clone());
        }
        if let Err(error) = self.write(id, &path, &record.body) {
            tracing::error!(post = id, file = %path.display(), %error, "saving the post's raw record failed; check that the folder is writable and the disk has space");
            return previous;
        }

        let changed = previous
            .as_ref()
            .is_some_and(|previous| previous.checksum != checksum);
        if let Some(previous) = &previous
            && previous.path != relative
            && is_record_path(&previous.path)
        {
            // The format changed, so the older file has another extension.
            let _ = std::fs::remove_file(self.dir.join(&previous.path));
        }

        let link = RecordLink {
            path: relative,
            format: record.format.clone(),
            checksum,
            updated_at: match (&previous, changed) {
                (_, true) => Some(now_rfc3339()),
                (Some(previous), false) => previous.updated_at.clone(),
                (None, false) => None,
            },
            versions: match &previous {
                Some(previous) if changed => previous.versions.saturating_add(1),
                Some(previous) => previous.versions.max(1),
                None => 1,
            },
        };
        if changed {
            tracing::info!(
                post = id,
                file = %link.path,
                "the post changed since the last run; its record now holds the newest version"
            );
        }
        self.links.insert(id.to_string(), link.clone());
        Some(link)
    }

    fn write(&self, id: &str, path: &Path, body: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(self.dir.join(FOLDER))?;
        let temporary = self.dir.join(FOLDER).join(format!(".{id}.tmp"));
        write_atomically(path, &temporary, body)
    }
}

/// Returns the file extension for a record format, as the WIT
/// `raw-record` documentation lists.
pub fn extension(format: &str) -> &'static str {
    if format == "tumblr-api-v2" || format.ends_with("-json") || format == "json" {
        "json"
    } else if format.ends_with("-xml") || format == "xml" {
        "xml"
    } else if format == "html" || format.ends_with("-html") {
        "html"
    } else {
        "bin"
    }
}

fn link_of(post: &PostRecord) -> Option<RecordLink> {
    Some(RecordLink {
        path: post.record.clone()?,
        format: post.record_format.clone().unwrap_or_default(),
        checksum: post.record_checksum.clone().unwrap_or_default(),
        updated_at: post.record_updated_at.clone(),
        versions: post.record_versions,
    })
}

/// Returns whether `path`, read from a manifest, names a file directly
/// inside the records folder, so removing it cannot reach other files.
fn is_record_path(path: &str) -> bool {
    path.strip_prefix(FOLDER)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|name| {
            !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
        })
}

fn has_size(path: &Path, size: usize) -> bool {
    std::fs::metadata(path).is_ok_and(|metadata| metadata.len() == size as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_by_format() {
        let cases = [
            ("tumblr-api-v2", "json"),
            ("tumblr-api-v1-json", "json"),
            ("tumblr-api-v1-xml", "xml"),
            ("html", "html"),
            ("my-site-html", "html"),
            ("protobuf", "bin"),
        ];
        for (format, expected) in cases {
            assert_eq!(extension(format), expected, "{format}");
        }
    }

    fn record(body: &str) -> RawRecord {
        RawRecord {
            post_id: "42".into(),
            format: "tumblr-api-v2".into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn save_keeps_newest_version() {
        let dir = std::env::temp_dir().join(format!("post-files-{}", std::process::id()));
        let manifest = Manifest::new(crate::manifest::BlogRecord::default());
        let mut files = PostFiles::new(&dir, &manifest);
        let path = dir.join("posts/42.json");

        let first = files
            .save("42", Some(&record("{\"v\":1}")))
            .expect("first link");
        assert_eq!(first.path, "posts/42.json");
        assert_eq!(first.versions, 1);
        assert_eq!(first.updated_at, None);
        assert_eq!(std::fs::read_to_string(&path).expect("file"), "{\"v\":1}");

        let same = files
            .save("42", Some(&record("{\"v\":1}")))
            .expect("same link");
        assert_eq!(same, first, "an unchanged record keeps its link");

        let changed = files
            .save("42", Some(&record("{\"v\":2}")))
            .expect("new link");
        assert_eq!(changed.versions, 2);
        assert!(changed.updated_at.is_some(), "a replaced record has a time");
        assert_ne!(changed.checksum, first.checksum);
        assert_eq!(std::fs::read_to_string(&path).expect("file"), "{\"v\":2}");

        assert_eq!(
            files.save("42", None),
            Some(changed),
            "no record keeps the link"
        );
        assert_eq!(
            files.save("43", None),
            None,
            "a post never saved has no link"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.join(FOLDER))
            .expect("folder")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(leftovers, ["42.json"], "no temporary file is left");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn record_path_stays_in_folder() {
        assert!(is_record_path("posts/123.json"));
        assert!(!is_record_path("posts/../manifest.json"));
        assert!(!is_record_path("posts/a/b.json"));
        assert!(!is_record_path("../posts/1.json"));
        assert!(!is_record_path("postsx/1.json"));
        assert!(!is_record_path("posts/"));
    }
}
