//! The journal beside `manifest.json`: every event of a run as one JSON
//! line, written before the event takes effect in memory.
//!
//! Each line carries a sequence number, and the manifest records the last
//! number it contains, so replaying the journal over the manifest applies
//! exactly the events the manifest misses. A line cut short by a crash is
//! the last line of the file and is ignored.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ManifestError;
use super::state::Event;

pub const FILE_NAME: &str = "manifest.journal";

#[derive(Serialize, Deserialize)]
struct Line {
    sequence: u64,
    #[serde(flatten)]
    event: Event,
}

/// The open journal of a run.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens the journal in `dir` for appending, creating it if needed.
    pub fn open(dir: &Path) -> Result<Self, ManifestError> {
        let path = dir.join(FILE_NAME);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| ManifestError::Write {
                path: path.clone(),
                source,
            })?;
        Ok(Self { path, file })
    }

    /// Appends one event and hands it to the operating system, so it
    /// survives the process being killed.
    pub fn append(&mut self, sequence: u64, event: &Event) -> Result<(), ManifestError> {
        let line = Line {
            sequence,
            event: event.clone(),
        };
        let mut bytes = serde_json::to_vec(&line)
            .map_err(|error| self.write_error(std::io::Error::other(error)))?;
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .map_err(|error| self.write_error(error))
    }

    /// Empties the journal once a snapshot contains all of its events.
    pub fn truncate(&mut self) -> Result<(), ManifestError> {
        self.file
            .set_len(0)
            .map_err(|error| self.write_error(error))
    }

    /// Deletes the journal at the end of a run, once the manifest holds
    /// every event.
    pub fn remove(self) -> Result<(), ManifestError> {
        drop(self.file);
        std::fs::remove_file(&self.path).map_err(|source| ManifestError::Write {
            path: self.path.clone(),
            source,
        })
    }

    fn write_error(&self, source: std::io::Error) -> ManifestError {
        ManifestError::Write {
            path: self.path.clone(),
            source,
        }
    }
}

/// Reads the events in `dir`'s journal with a sequence number above
/// `after`, in order. Returns the events and the last sequence number read.
pub fn read_after(dir: &Path, after: u64) -> Result<(Vec<Event>, u64), ManifestError> {
    let path = dir.join(FILE_NAME);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Vec::new(), after));
        }
        Err(source) => return Err(ManifestError::Read { path, source }),
    };
    let mut events = Vec::new();
    let mut last = after;
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| ManifestError::Read {
            path: path.clone(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(parsed) = serde_json::from_str::<Line>(&line) else {
            tracing::warn!(journal = %path.display(), line = number + 1, "ignoring an incomplete journal line, the last write of a run that was killed");
            break;
        };
        if parsed.sequence > last {
            last = parsed.sequence;
            events.push(parsed.event);
        }
    }
    Ok((events, last))
}
