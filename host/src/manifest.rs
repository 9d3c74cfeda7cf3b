//! `manifest.json`: what was archived, from where, and how it went.
//!
//! The file is only ever replaced atomically (temporary file, fsync,
//! rename), so a crash leaves either the previous or the new manifest.
//! Every field is always present; unknown values are `null`.

mod journal;
mod state;
mod writer;

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::{self, NameRegistry};

pub use state::DownloadOutcome;
pub use writer::{ManifestSender, ManifestWriter, RunSummary};

pub const FILE_NAME: &str = "manifest.json";
/// Name of the file a snapshot is written to before it replaces the manifest.
pub const TEMPORARY_FILE_NAME: &str = ".manifest.json.tmp";
/// Files in a blog's folder that belong to the manifest.
pub const OWN_FILES: [&str; 3] = [FILE_NAME, journal::FILE_NAME, TEMPORARY_FILE_NAME];
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// Program and version that last wrote the file.
    pub generator: String,
    pub blog: BlogRecord,
    /// One record per run, oldest first.
    pub runs: Vec<RunRecord>,
    pub posts: Vec<PostRecord>,
    pub media: Vec<MediaEntry>,
    /// Position of the crawl, so an interrupted one can continue.
    #[serde(default)]
    pub crawl: Option<CrawlPosition>,
    /// Sequence number of the last journal event this file contains.
    #[serde(default)]
    pub journal_sequence: u64,
}

/// The requests a crawl still had to make when it was last saved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CrawlPosition {
    /// The scraper that made the requests; another scraper starts over.
    pub scraper: PluginRef,
    /// Whether the crawl reached its end.
    pub finished: bool,
    pub pending: Vec<SavedRequest>,
}

/// A scraper's request, saved as the scraper returned it (no API key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub context: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BlogRecord {
    pub name: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub total_posts: Option<u64>,
    /// Time of the newest post, in seconds since the Unix epoch.
    pub updated: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginRef {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: Option<String>,
    pub scraper: PluginRef,
    pub policy: PluginRef,
    pub outcome: RunOutcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// The run had not finished when the manifest was written.
    Running,
    /// Every kept media item is on disk or recorded as an embed.
    Complete,
    /// The crawl finished, but some media ended missing or failed.
    Incomplete,
    /// The crawl stopped on an error.
    Failed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReblogRecord {
    pub from_blog: String,
    pub from_url: Option<String>,
    pub root_blog: Option<String>,
    pub root_url: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PostRecord {
    pub id: String,
    pub url: String,
    pub blog: String,
    /// Seconds since the Unix epoch.
    pub timestamp: i64,
    /// The same time in RFC 3339, UTC.
    pub date: String,
    #[serde(rename = "type")]
    pub post_type: String,
    pub tags: Vec<String>,
    pub reblog: Option<ReblogRecord>,
    pub summary: String,
    /// Path of the post's raw record, relative to the blog's folder, such
    /// as `posts/123.json`; none when the scraper returned no record.
    #[serde(default)]
    pub record: Option<String>,
    /// Format name of the record: `tumblr-api-v2`, `tumblr-api-v1-json`,
    /// `tumblr-api-v1-xml`, `html`, or another scraper's format name.
    #[serde(default)]
    pub record_format: Option<String>,
    /// SHA-256 of the record file, formatted like `checksum` of media.
    #[serde(default)]
    pub record_checksum: Option<String>,
    /// Time, RFC 3339 UTC, when a run replaced the record with a changed
    /// version; none while the first saved version is kept.
    #[serde(default)]
    pub record_updated_at: Option<String>,
    /// Number of different versions of the record that runs have saved.
    /// Only the newest one is kept on disk.
    #[serde(default)]
    pub record_versions: u32,
    /// `original_url` of each media entry of the post, in the post's order.
    #[serde(default)]
    pub media: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaStatus {
    /// Queued; a run that stopped early left it unfinished.
    Pending,
    Downloaded,
    /// The server returned 403, 404 or 410 for every rendition.
    Missing,
    /// The download failed for another reason; `notes` gives it.
    Error,
    /// Tumblr no longer had it; the file came from the Internet Archive.
    Archived,
    /// The policy chose not to download it.
    Skipped,
    /// A third-party player, recorded but never downloaded.
    Embed,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MediaEntry {
    pub post_id: String,
    pub post_url: String,
    /// Publication time of the post, RFC 3339, UTC.
    pub timestamp: String,
    /// `image`, `gif`, `video`, `audio` or `embed`.
    pub media_type: String,
    /// Path relative to the blog's folder, `/`-separated. An entry that is
    /// not downloaded keeps the name its file will get; only `downloaded`
    /// entries have a file there.
    pub filename: Option<String>,
    pub byte_size: Option<u64>,
    /// `sha256:` followed by 64 lowercase hex digits.
    pub checksum: Option<String>,
    /// URL the scraper reported for the largest rendition.
    pub original_url: String,
    /// URL that delivered the file, after redirects.
    pub download_url: Option<String>,
    /// `tumblr` or `internet_archive`.
    pub retrieved_from: Option<String>,
    pub archive_snapshot_url: Option<String>,
    pub status: MediaStatus,
    pub notes: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Blog whose reblog-trail entry carried the media.
    pub trail_blog: Option<String>,
    /// Smaller renditions to try when `original_url` fails, best first.
    #[serde(default)]
    pub fallback_urls: Vec<String>,
    /// Relation of the file to `original_url`: `upgraded` (a larger
    /// rendition), `reported`, `gifv` (the animated WebP form of a GIF),
    /// `smaller`, or `archived-sibling` (another size, from the Internet
    /// Archive).
    #[serde(default)]
    pub rendition: Option<String>,
}

impl MediaStatus {
    /// Returns whether an entry with this status has its file in the archive.
    pub fn has_file(self) -> bool {
        matches!(self, MediaStatus::Downloaded | MediaStatus::Archived)
    }
}

/// A manifest that exists but cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "{path} is not a valid manifest: {cause}\nhint: move the file away to start a new archive in that folder; it was left untouched"
    )]
    Invalid { path: PathBuf, cause: String },

    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Manifest {
    pub fn new(blog: BlogRecord) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            generator: generator(),
            blog,
            runs: Vec::new(),
            posts: Vec::new(),
            media: Vec::new(),
            crawl: None,
            journal_sequence: 0,
        }
    }

    /// Loads the manifest in `dir` and replays the journal events it does
    /// not hold yet: the state a killed run left. Returns none when the
    /// folder has neither file.
    pub fn load_with_journal(dir: &Path) -> Result<Option<Self>, ManifestError> {
        let manifest = Self::load(dir)?;
        let after = manifest
            .as_ref()
            .map_or(0, |manifest| manifest.journal_sequence);
        let (events, last) = journal::read_after(dir, after)?;
        if events.is_empty() {
            return Ok(manifest);
        }
        tracing::info!(
            events = events.len(),
            "replaying the journal of an interrupted run"
        );
        let manifest = manifest.unwrap_or_else(|| Self::new(BlogRecord::default()));
        let mut state = state::ManifestState::new(manifest);
        for event in events {
            state.apply(event);
        }
        state.manifest.journal_sequence = last;
        if let Err(cause) = state.manifest.check_paths() {
            let path = dir.join(journal::FILE_NAME);
            return Err(ManifestError::Invalid { path, cause });
        }
        Ok(Some(state.manifest))
    }

    /// Loads the manifest in `dir`, or returns none when there is none.
    pub fn load(dir: &Path) -> Result<Option<Self>, ManifestError> {
        let path = dir.join(FILE_NAME);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ManifestError::Read { path, source }),
        };
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|error| ManifestError::Invalid {
                path: path.clone(),
                cause: error.to_string(),
            })?;
        if manifest.format_version != FORMAT_VERSION {
            let cause = format!(
                "format version {} is not {FORMAT_VERSION}, the version this program reads",
                manifest.format_version
            );
            return Err(ManifestError::Invalid { path, cause });
        }
        if let Err(cause) = manifest.check_paths() {
            return Err(ManifestError::Invalid { path, cause });
        }
        Ok(Some(manifest))
    }

    /// Checks that every file name the manifest records stays inside the
    /// blog's folder. A name that leaves it can only come from an edited
    /// file, and following it could read, replace or delete files
    /// anywhere the user can write.
    fn check_paths(&self) -> Result<(), String> {
        let media = self
            .media
            .iter()
            .filter_map(|entry| entry.filename.as_deref());
        let records = self.posts.iter().filter_map(|post| post.record.as_deref());
        match media.chain(records).find(|name| !paths::is_confined(name)) {
            Some(name) => Err(format!(
                "it names the file {name:?}, which is not a relative path inside the blog's folder; \
                 the file was edited by hand or by another program: correct or remove that entry"
            )),
            None => Ok(()),
        }
    }

    /// Writes the manifest into `dir` atomically: a temporary file that is
    /// flushed to disk, then renamed over `manifest.json`.
    pub fn save(&self, dir: &Path) -> Result<(), ManifestError> {
        let path = dir.join(FILE_NAME);
        let temporary = dir.join(TEMPORARY_FILE_NAME);
        let write_error = |source| ManifestError::Write {
            path: path.clone(),
            source,
        };
        // Serialized straight into the file: a buffer of the whole text
        // would be as large as the manifest again (40 MB at 10,000 posts).
        write_atomically_with(&path, &temporary, |file| {
            serde_json::to_writer_pretty(file, self).map_err(std::io::Error::other)
        })
        .map_err(write_error)
    }

    /// Returns the registry of the file names that the media entries have
    /// claimed, so new files get other names.
    pub fn file_names(&self) -> NameRegistry {
        let mut names = NameRegistry::default();
        for entry in &self.media {
            if let Some(filename) = &entry.filename {
                names.claim(filename, &entry.original_url);
            }
        }
        names
    }

    /// Media already on disk from earlier runs, by original URL: entries
    /// marked downloaded whose file still exists with the recorded size,
    /// and, with `verify`, whose SHA-256 still equals the recorded one.
    pub fn files_on_disk(&self, dir: &Path, verify: bool) -> HashMap<String, MediaEntry> {
        let mut found = HashMap::new();
        let mut verified: HashMap<String, bool> = HashMap::new();
        for entry in &self.media {
            if !entry.status.has_file() {
                continue;
            }
            let (Some(filename), Some(size)) = (&entry.filename, entry.byte_size) else {
                continue;
            };
            let path = dir.join(filename);
            let mut on_disk = fs::metadata(&path)
                .map(|metadata| metadata.len() == size)
                .unwrap_or(false);
            if on_disk && verify {
                on_disk = *verified
                    .entry(filename.clone())
                    .or_insert_with(|| checksum_matches(&path, entry.checksum.as_deref()));
            }
            if on_disk {
                found
                    .entry(entry.original_url.clone())
                    .or_insert_with(|| entry.clone());
            }
        }
        found
    }
}

/// Writes `bytes` to `path` atomically: to `temporary`, in the same
/// folder, flushed to disk and then renamed over `path`.
pub fn write_atomically(path: &Path, temporary: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, temporary, |file| {
        std::io::Write::write_all(file, bytes)
    })
}

/// Writes a file atomically like [`write_atomically`], with `write`
/// producing the content through a buffered writer.
pub fn write_atomically_with(
    path: &Path,
    temporary: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(File::create(temporary)?);
    write(&mut file)?;
    let file = file.into_inner().map_err(|error| error.into_error())?;
    file.sync_all()?;
    drop(file);
    fs::rename(temporary, path)?;
    // Makes the rename itself durable; not every platform can open a
    // directory for this, so a failure here is not an error.
    if let Some(directory) = path.parent().and_then(|dir| File::open(dir).ok()) {
        let _ = directory.sync_all();
    }
    Ok(())
}

/// Formats a SHA-256 digest as the manifest's `checksum` field:
/// `sha256:` followed by 64 lowercase hex digits.
pub fn format_checksum(digest: &[u8]) -> String {
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// Returns the SHA-256 of the file at `path` as a `checksum` field.
pub fn file_checksum(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut file = fs::File::open(path)?;
    std::io::copy(&mut file, &mut hasher)?;
    Ok(format_checksum(&hasher.finalize()))
}

/// Checks whether the file's SHA-256 equals the `expected` checksum field.
/// A mismatch is logged, because the file is downloaded again.
fn checksum_matches(path: &Path, expected: Option<&str>) -> bool {
    let Some(expected) = expected else {
        return false;
    };
    let matches = file_checksum(path).is_ok_and(|checksum| checksum == expected);
    if !matches {
        tracing::warn!(file = %path.display(), "the file does not match the checksum in the manifest; downloading it again");
    }
    matches
}

pub fn generator() -> String {
    concat!("tumblr-archiver ", env!("CARGO_PKG_VERSION")).to_string()
}

/// Formats seconds since the Unix epoch as RFC 3339, UTC.
pub fn format_timestamp(seconds: i64) -> String {
    let seconds = u64::try_from(seconds).unwrap_or(0);
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
    humantime::format_rfc3339_seconds(time).to_string()
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_formatted_utc() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(1_420_070_400), "2015-01-01T00:00:00Z");
    }

    /// A post entry as written before posts had raw records.
    const POST_WITHOUT_RECORD: &str = r#"{"id": "7", "url": "https://example-blog.tumblr.com/post/7",
        "blog": "example-blog", "timestamp": 0, "date": "1970-01-01T00:00:00Z", "type": "text",
        "tags": [], "reblog": null, "summary": ""}"#;

    #[test]
    fn post_without_record_fields_loads() {
        let post: PostRecord = serde_json::from_str(POST_WITHOUT_RECORD).expect("old post loads");
        assert_eq!(post.record, None);
        assert_eq!(post.record_format, None);
        assert_eq!(post.record_checksum, None);
        assert_eq!(post.record_updated_at, None);
        assert_eq!(post.record_versions, 0);
        assert!(post.media.is_empty());
    }

    #[test]
    fn journal_replay_keeps_record_fields() {
        let dir = std::env::temp_dir().join(format!("manifest-journal-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let mut post: PostRecord = serde_json::from_str(POST_WITHOUT_RECORD).expect("post");
        post.record = Some("posts/7.json".into());
        post.record_format = Some("tumblr-api-v2".into());
        post.record_checksum = Some(format_checksum(&[0xab; 32]));
        post.record_updated_at = Some("2026-01-02T03:04:05Z".into());
        post.record_versions = 3;
        post.media = vec!["https://64.media.tumblr.com/a_1280.jpg".into()];
        let mut journal = journal::Journal::open(&dir).expect("journal opens");
        journal
            .append(1, &state::Event::Post(post))
            .expect("event appended");
        drop(journal);

        let (events, last) = journal::read_after(&dir, 0).expect("journal reads");
        assert_eq!(last, 1);
        let mut replayed = state::ManifestState::new(Manifest::new(BlogRecord::default()));
        for event in events {
            replayed.apply(event);
        }
        let post = &replayed.manifest.posts[0];
        assert_eq!(post.record.as_deref(), Some("posts/7.json"));
        assert_eq!(post.record_format.as_deref(), Some("tumblr-api-v2"));
        assert_eq!(post.record_checksum, Some(format_checksum(&[0xab; 32])));
        assert_eq!(
            post.record_updated_at.as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        assert_eq!(post.record_versions, 3);
        assert_eq!(post.media, ["https://64.media.tumblr.com/a_1280.jpg"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn save_then_load_roundtrip() {
        let dir = std::env::temp_dir().join(format!("manifest-roundtrip-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let manifest = Manifest::new(BlogRecord {
            name: "example-blog".into(),
            ..Default::default()
        });
        manifest.save(&dir).expect("save");
        let loaded = Manifest::load(&dir)
            .expect("load")
            .expect("manifest present");
        assert_eq!(loaded.blog.name, "example-blog");
        assert!(!dir.join(TEMPORARY_FILE_NAME).exists());
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn corrupt_manifest_rejected() {
        let dir = std::env::temp_dir().join(format!("manifest-corrupt-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        fs::write(dir.join(FILE_NAME), b"{ not json").expect("write");
        let error = Manifest::load(&dir).expect_err("corrupt manifest must fail");
        assert!(error.to_string().contains("not a valid manifest"));
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
