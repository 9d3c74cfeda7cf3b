//! Converts what plugins return into manifest records.

use crate::manifest::{BlogRecord, PostRecord, ReblogRecord, format_timestamp};
use crate::plugin::types::{BlogInfo, Post};

pub fn blog_record(info: &BlogInfo) -> BlogRecord {
    BlogRecord {
        name: info.name.clone(),
        title: Some(info.title.clone()),
        url: Some(info.url.clone()),
        total_posts: info.total_posts,
        updated: info.updated,
    }
}

pub fn post_record(post: &Post) -> PostRecord {
    PostRecord {
        id: post.id.clone(),
        url: post.url.clone(),
        blog: post.blog.clone(),
        timestamp: post.timestamp,
        date: format_timestamp(post.timestamp),
        post_type: post.post_type.clone(),
        tags: post.tags.clone(),
        reblog: post.reblog.as_ref().map(|source| ReblogRecord {
            from_blog: source.from_blog.clone(),
            from_url: source.from_url.clone(),
            root_blog: source.root_blog.clone(),
            root_url: source.root_url.clone(),
        }),
        // The interface promises at most 200 characters; a plugin that
        // sends more is cut here.
        summary: post.summary.chars().take(200).collect(),
        record: None,
        record_format: None,
        record_checksum: None,
        record_updated_at: None,
        record_versions: 0,
        media: post.media.iter().map(|item| item.url.clone()).collect(),
    }
}
