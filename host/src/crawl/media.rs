//! Turns one post into manifest records and download jobs, asking the
//! policy which media to keep and what to name them.

use super::records::post_record;
use super::session::{Known, Session};
use crate::download::DownloadJob;
use crate::manifest::{MediaEntry, MediaStatus, format_timestamp};
use crate::paths::{avoid_archiver_names, sanitize_relative};
use crate::plugin::types::{Media, MediaKind, Post, RawRecord};
use crate::plugin::{PluginCallError, Policy};

/// Records `post` when the policy keeps it, after saving its raw
/// `record`, and each of its media.
pub async fn handle_post(
    policy: &mut Policy,
    session: &mut Session,
    post: &Post,
    record: Option<&RawRecord>,
) -> Result<(), PluginCallError> {
    if !policy.keep_post(post)? {
        tracing::debug!(post = %post.id, "post skipped by policy");
        return Ok(());
    }
    let mut entry = post_record(post);
    if let Some(link) = session.save_record(&post.id, record) {
        link.apply(&mut entry);
    }
    session.post(entry).await;
    for (index, item) in post.media.iter().enumerate() {
        let mut entry = new_entry(post, item);
        if !policy.keep_media(post, item)? {
            entry.status = MediaStatus::Skipped;
            session.record(entry).await;
            continue;
        }
        if item.kind == MediaKind::Embed {
            entry.status = MediaStatus::Embed;
            session.record(entry).await;
            continue;
        }
        if !is_http(&item.url) {
            entry.status = MediaStatus::Error;
            entry.notes = Some(format!("not an http or https URL: {:?}", item.url));
            session.record(entry).await;
            continue;
        }
        match session.known(&item.url) {
            Some(Known::ThisRun(filename)) => {
                entry.filename = Some(filename);
                session.record(entry).await;
            }
            Some(Known::OnDisk(previous)) => {
                let filename = previous.filename.clone().unwrap_or_default();
                session.reuse(&item.url, &filename);
                copy_download(&mut entry, &previous);
                session.record(entry).await;
            }
            None => {
                let index = u32::try_from(index).unwrap_or(u32::MAX);
                let requested = policy.filename(post, item, index)?;
                let filename = session.assign_name(
                    &avoid_archiver_names(sanitize_relative(&requested)),
                    &item.url,
                );
                entry.filename = Some(filename.clone());
                let job = DownloadJob {
                    url: item.url.clone(),
                    kind: kind_name(item.kind).to_string(),
                    width: item.size.map(|size| size.width),
                    height: item.size.map(|size| size.height),
                    fallbacks: fallbacks(item),
                    filename,
                };
                session.enqueue(entry, job).await;
            }
        }
    }
    Ok(())
}

fn new_entry(post: &Post, item: &Media) -> MediaEntry {
    MediaEntry {
        post_id: post.id.clone(),
        post_url: post.url.clone(),
        timestamp: format_timestamp(post.timestamp),
        media_type: kind_name(item.kind).to_string(),
        filename: None,
        byte_size: None,
        checksum: None,
        original_url: item.url.clone(),
        download_url: None,
        retrieved_from: None,
        archive_snapshot_url: None,
        status: MediaStatus::Pending,
        notes: None,
        width: item.size.map(|size| size.width),
        height: item.size.map(|size| size.height),
        trail_blog: item.trail_blog.clone(),
        fallback_urls: fallbacks(item),
        rendition: None,
    }
}

fn copy_download(entry: &mut MediaEntry, previous: &MediaEntry) {
    entry.status = previous.status;
    entry.rendition = previous.rendition.clone();
    entry.width = previous.width.or(entry.width);
    entry.height = previous.height.or(entry.height);
    entry.filename = previous.filename.clone();
    entry.byte_size = previous.byte_size;
    entry.checksum = previous.checksum.clone();
    entry.download_url = previous.download_url.clone();
    entry.retrieved_from = previous.retrieved_from.clone();
    entry.archive_snapshot_url = previous.archive_snapshot_url.clone();
    entry.notes = previous.notes.clone();
}

/// The smaller renditions to fall back to, best first: each alternate
/// that is an http(s) URL, without repeats.
fn fallbacks(item: &Media) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for alternate in &item.alternates {
        if is_http(&alternate.url) && alternate.url != item.url && !urls.contains(&alternate.url) {
            urls.push(alternate.url.clone());
        }
    }
    urls
}

fn is_http(url: &str) -> bool {
    url::Url::parse(url)
        .is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some())
}

pub fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image",
        MediaKind::Gif => "gif",
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
        MediaKind::Embed => "embed",
    }
}
