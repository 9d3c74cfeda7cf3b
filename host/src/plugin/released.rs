//! Conversions between the Rust types of the released interface 0.1.0 and
//! the current ones, so the rest of the host works with one set of types.
//!
//! Every record except `page` has the same fields in both versions, and
//! 0.1.0 pages carry no raw records.

use super::bindings::types as current;
use super::bindings::v0_1::types as old;

impl From<&current::HttpRequest> for old::HttpRequest {
    fn from(request: &current::HttpRequest) -> Self {
        Self {
            method: request.method.clone(),
            url: request.url.clone(),
            headers: request.headers.clone(),
            context: request.context.clone(),
        }
    }
}

impl From<&current::HttpResponse> for old::HttpResponse {
    fn from(response: &current::HttpResponse) -> Self {
        Self {
            url: response.url.clone(),
            status: response.status,
            headers: response.headers.clone(),
            body: response.body.clone(),
        }
    }
}

impl From<old::HttpRequest> for current::HttpRequest {
    fn from(request: old::HttpRequest) -> Self {
        Self {
            method: request.method,
            url: request.url,
            headers: request.headers,
            context: request.context,
        }
    }
}

impl From<old::Page> for current::Page {
    fn from(page: old::Page) -> Self {
        Self {
            blog: page.blog.map(Into::into),
            posts: page.posts.into_iter().map(Into::into).collect(),
            next: page.next.into_iter().map(Into::into).collect(),
            records: Vec::new(),
        }
    }
}

impl From<old::BlogInfo> for current::BlogInfo {
    fn from(info: old::BlogInfo) -> Self {
        Self {
            name: info.name,
            title: info.title,
            url: info.url,
            total_posts: info.total_posts,
            updated: info.updated,
        }
    }
}

impl From<old::Post> for current::Post {
    fn from(post: old::Post) -> Self {
        Self {
            id: post.id,
            url: post.url,
            blog: post.blog,
            timestamp: post.timestamp,
            post_type: post.post_type,
            tags: post.tags,
            reblog: post.reblog.map(|source| current::ReblogSource {
                from_blog: source.from_blog,
                from_url: source.from_url,
                root_blog: source.root_blog,
                root_url: source.root_url,
            }),
            summary: post.summary,
            media: post.media.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<old::Media> for current::Media {
    fn from(media: old::Media) -> Self {
        Self {
            url: media.url,
            kind: media.kind.into(),
            size: media.size.map(dimensions),
            alternates: media
                .alternates
                .into_iter()
                .map(|alternate| current::Alternate {
                    url: alternate.url,
                    size: alternate.size.map(dimensions),
                })
                .collect(),
            trail_blog: media.trail_blog,
        }
    }
}

fn dimensions(size: old::Dimensions) -> current::Dimensions {
    current::Dimensions {
        width: size.width,
        height: size.height,
    }
}

impl From<old::MediaKind> for current::MediaKind {
    fn from(kind: old::MediaKind) -> Self {
        match kind {
            old::MediaKind::Image => Self::Image,
            old::MediaKind::Gif => Self::Gif,
            old::MediaKind::Video => Self::Video,
            old::MediaKind::Audio => Self::Audio,
            old::MediaKind::Embed => Self::Embed,
        }
    }
}

impl From<old::PluginError> for current::PluginError {
    fn from(error: old::PluginError) -> Self {
        match error {
            old::PluginError::NotFound(text) => Self::NotFound(text),
            old::PluginError::LoginRequired(text) => Self::LoginRequired(text),
            old::PluginError::Unauthorized(text) => Self::Unauthorized(text),
            old::PluginError::Forbidden(text) => Self::Forbidden(text),
            old::PluginError::RateLimited(seconds) => Self::RateLimited(seconds),
            old::PluginError::BadResponse(text) => Self::BadResponse(text),
            old::PluginError::InvalidInput(text) => Self::InvalidInput(text),
            old::PluginError::Other(text) => Self::Other(text),
        }
    }
}

impl From<old::PluginInfo> for current::PluginInfo {
    fn from(info: old::PluginInfo) -> Self {
        Self {
            name: info.name,
            version: info.version,
            description: info.description,
            hosts: info.hosts,
            needs_api_key: info.needs_api_key,
            options: info
                .options
                .into_iter()
                .map(|option| current::OptionSpec {
                    name: option.name,
                    help: option.help,
                    default_value: option.default_value,
                })
                .collect(),
        }
    }
}

impl From<old::LogLevel> for current::LogLevel {
    fn from(level: old::LogLevel) -> Self {
        match level {
            old::LogLevel::Error => Self::Error,
            old::LogLevel::Warn => Self::Warn,
            old::LogLevel::Info => Self::Info,
            old::LogLevel::Debug => Self::Debug,
            old::LogLevel::Trace => Self::Trace,
        }
    }
}
