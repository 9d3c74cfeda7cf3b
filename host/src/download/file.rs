//! Streams one response body to `NAME.part`, hashing it on the way, and
//! renames the file into place once its length is right.
//!
//! A `.part` file left by an interrupted run is continued with a `Range`
//! request when the server returns 206 for the same offset; otherwise it
//! is discarded and the download starts over.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::CONTENT_RANGE;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::sniff::HEAD_BYTES;
use crate::manifest::format_checksum;

/// A file saved in place.
pub struct Saved {
    pub size: u64,
    /// `sha256:` followed by 64 lowercase hex digits.
    pub checksum: String,
    /// The first bytes of the file, for `sniff`.
    pub head: Vec<u8>,
}

pub enum SaveError {
    /// The body ended early or the connection failed; worth a retry.
    Body(String),
    /// Reading or writing the file failed.
    Disk(String),
}

/// Returns the path where an unfinished download of `path` is kept.
pub fn part_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".part");
    path.with_file_name(name)
}

/// Size of the `.part` file of `path` that a `Range` request can continue.
pub async fn resumable_bytes(path: &Path) -> u64 {
    tokio::fs::metadata(part_path(path))
        .await
        .map(|metadata| metadata.len())
        .unwrap_or(0)
}

/// Saves `response` to `path`. `offset` is the size of the `.part` file
/// that the request asked to continue; a response other than a matching
/// 206 starts the file over.
pub async fn save(
    response: reqwest::Response,
    path: &Path,
    offset: u64,
) -> Result<Saved, SaveError> {
    let part = part_path(path);
    let disk_error = |error: std::io::Error| {
        SaveError::Disk(format!("cannot write {}: {error}", part.display()))
    };
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(disk_error)?;
    }
    let continues = offset > 0
        && response.status() == StatusCode::PARTIAL_CONTENT
        && range_start(&response) == Some(offset);
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut head = Vec::new();
    let mut file = if continues {
        received = hash_existing(&part, &mut hasher, &mut head)
            .await
            .map_err(disk_error)?;
        tokio::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .await
            .map_err(disk_error)?
    } else {
        tokio::fs::File::create(&part).await.map_err(disk_error)?
    };
    let expected = response.content_length().map(|length| length + received);

    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                // The bytes so far stay in `.part` for a `Range` retry.
                let _ = file.flush().await;
                return Err(SaveError::Body(format!(
                    "body failed after {received} bytes: {}",
                    error.without_url()
                )));
            }
        };
        hasher.update(&chunk);
        keep_head(&mut head, &chunk);
        received += chunk.len() as u64;
        crate::progress::bytes_received(chunk.len() as u64);
        file.write_all(&chunk).await.map_err(disk_error)?;
    }
    file.flush().await.map_err(disk_error)?;
    if let Some(expected) = expected.filter(|&expected| expected != received) {
        drop(file);
        let _ = tokio::fs::remove_file(&part).await;
        return Err(SaveError::Body(format!(
            "received {received} of {expected} bytes"
        )));
    }
    file.sync_all().await.map_err(disk_error)?;
    drop(file);
    tokio::fs::rename(&part, path).await.map_err(disk_error)?;
    Ok(Saved {
        size: received,
        checksum: format_checksum(&hasher.finalize()),
        head,
    })
}

fn keep_head(head: &mut Vec<u8>, chunk: &[u8]) {
    let room = HEAD_BYTES.saturating_sub(head.len());
    head.extend_from_slice(&chunk[..room.min(chunk.len())]);
}

/// Reads the length from the `Content-Range: bytes */TOTAL` of a 416
/// response.
pub fn unsatisfied_range_total(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    value.trim().strip_prefix("bytes */")?.trim().parse().ok()
}

/// Moves a `.part` file that contains the whole body into place.
pub async fn finish_part(path: &Path) -> Result<Saved, String> {
    let part = part_path(path);
    let error = |error: std::io::Error| format!("cannot finish {}: {error}", part.display());
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let size = hash_existing(&part, &mut hasher, &mut head)
        .await
        .map_err(error)?;
    tokio::fs::rename(&part, path).await.map_err(error)?;
    Ok(Saved {
        size,
        checksum: format_checksum(&hasher.finalize()),
        head,
    })
}

/// Deletes the `.part` file of `path`, so the next request starts over.
pub async fn discard_part(path: &Path) {
    let _ = tokio::fs::remove_file(part_path(path)).await;
}

/// Reads the first byte offset of a `Content-Range: bytes START-END/TOTAL`.
fn range_start(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let range = value.trim().strip_prefix("bytes ")?;
    range.split('-').next()?.trim().parse().ok()
}

async fn hash_existing(
    part: &Path,
    hasher: &mut Sha256,
    head: &mut Vec<u8>,
) -> std::io::Result<u64> {
    let mut file = tokio::fs::File::open(part).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0;
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(total);
        }
        hasher.update(&buffer[..read]);
        keep_head(head, &buffer[..read]);
        total += read as u64;
    }
}
