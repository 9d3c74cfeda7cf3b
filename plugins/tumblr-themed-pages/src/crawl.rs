//! The crawl over a blog's themed pages and its state in each request's
//! `context`.
//!
//! - Index pages `https://{blog}.tumblr.com/`, then `/page/2`, `/page/3`…
//!   give post ids and no posts. The host drops a post whose id it has
//!   seen, so a post is returned once, from its permalink page, where its
//!   time and tags are. Each index page requests the permalinks of its new
//!   ids and the next index page. The crawl ends at an index page with no
//!   post id that the page before it did not list, which also ends a theme
//!   that repeats its last page.
//! - A permalink page `/post/{id}` gives the post. When it holds photoset
//!   frames, the post waits in the context of the frame requests, one
//!   after another, and the last frame's response returns it.

use plugin_sdk::blog::{BlogId, parse_blog};
use plugin_sdk::http::{DEFAULT_RETRY_SECONDS, retry_after_seconds};
use plugin_sdk::media::{Dimensions, Media, MediaKind, MediaList, alternate};
use plugin_sdk::post::Post;
use serde::{Deserialize, Serialize};

use crate::html::{host_and_path, read_index, read_permalink, read_photoset};
use crate::tumblr_archiver::plugin::types::{
    BlogInfo, HttpRequest, HttpResponse, Page, PluginError, RawRecord,
};

/// Host pattern that `info` declares: every blog's own subdomain.
pub const BLOG_HOSTS: &str = "*.tumblr.com";

/// The host accepts at most 100 requests from one call, and one of them is
/// the next index page.
const MAX_PERMALINKS_PER_PAGE: usize = 99;

/// Crawl state, serialised as JSON into `HttpRequest::context`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// Blog name, such as `example-blog`.
    pub blog: String,
    pub step: Step,
}

/// The page that a request fetches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Step {
    /// Index page `number`, from 1. `previous_ids` are the post ids of the
    /// page before it.
    Index {
        number: u32,
        previous_ids: Vec<String>,
    },
    /// The permalink page of post `id`.
    Permalink { id: String },
    /// A photoset frame of `post`. `pending` are the frames still to fetch.
    Photoset {
        post: SavedPost,
        pending: Vec<String>,
    },
}

/// A post waiting for its photoset frames.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPost {
    pub id: String,
    pub url: String,
    pub timestamp: i64,
    pub post_type: String,
    pub tags: Vec<String>,
    pub summary: String,
    pub media: Vec<SavedMedia>,
    /// Outer HTML of the post's element, saved as the post's raw record.
    /// NOTE: while photoset frames are pending, this HTML travels in the
    /// request context, which the host also saves in the manifest's crawl
    /// position, so a large post makes both larger until the post is done.
    #[serde(default)]
    pub html: String,
}

/// A media item in `SavedPost`. Sizes of alternates are not kept, because
/// themed pages do not state them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMedia {
    pub url: String,
    /// `MediaKind::name`, such as `image`.
    pub kind: String,
    pub size: Option<(u32, u32)>,
    pub alternates: Vec<String>,
}

impl Context {
    fn request(&self, url: String) -> Result<HttpRequest, PluginError> {
        let context = serde_json::to_string(self).map_err(|error| {
            PluginError::Other(format!("failed to encode the crawl state: {error}"))
        })?;
        Ok(HttpRequest {
            method: "GET".to_owned(),
            url,
            headers: Vec::new(),
            context,
        })
    }

    /// Decodes the context of `request`.
    ///
    /// # Errors
    ///
    /// Returns `Other` when the context is not one that this plugin wrote.
    pub fn decode(request: &HttpRequest) -> Result<Context, PluginError> {
        serde_json::from_str(&request.context).map_err(|error| {
            PluginError::Other(format!(
                "invalid crawl state {:?} for {} ({error}); the host must return each request's \
                 context unchanged, so start the crawl again",
                request.context, request.url
            ))
        })
    }
}

fn site(blog: &str) -> String {
    format!("https://{blog}.tumblr.com")
}

fn index_url(blog: &str, number: u32) -> String {
    if number <= 1 {
        format!("{}/", site(blog))
    } else {
        format!("{}/page/{number}", site(blog))
    }
}

/// Validates `blog` and `options` and returns the request for the front
/// page.
///
/// # Errors
///
/// Returns `InvalidInput` for a malformed blog, a custom domain (this
/// plugin declares only `*.tumblr.com`) and any option, since it takes
/// none.
pub fn start(blog: &str, options: &[(String, String)]) -> Result<Vec<HttpRequest>, PluginError> {
    if let Some((key, _)) = options.first() {
        return Err(PluginError::InvalidInput(format!(
            "unknown option {key:?}: the tumblr-themed-pages scraper takes no options"
        )));
    }
    let name = match parse_blog(blog).map_err(PluginError::InvalidInput)? {
        BlogId::Name(name) => name,
        BlogId::Domain(domain) => {
            return Err(PluginError::InvalidInput(format!(
                "blog {domain:?} is a custom domain, but this scraper requests only \
                 {BLOG_HOSTS}; give the blog's Tumblr name instead, such as example-blog"
            )));
        }
    };
    let context = Context {
        step: Step::Index {
            number: 1,
            previous_ids: Vec::new(),
        },
        blog: name,
    };
    Ok(vec![context.request(index_url(&context.blog, 1))?])
}

/// Parses the response to one request, as the module documentation
/// describes.
///
/// # Errors
///
/// - `NotFound` for a 404 of the front page, which Tumblr sends for a
///   missing blog. A 404 of a later index page ends the crawl, and a 404
///   of a permalink skips that post.
/// - `Forbidden` for a 403, `RateLimited` for a 429 with the seconds of
///   `retry-after` (else 60), and `Other` for any other status outside
///   200–299 and for an invalid context.
/// - `BadResponse` for a front page that is not HTML.
pub fn parse(request: &HttpRequest, response: &HttpResponse) -> Result<Page, PluginError> {
    let context = Context::decode(request)?;
    let url = if response.url.is_empty() {
        request.url.as_str()
    } else {
        response.url.as_str()
    };
    let empty = Page {
        blog: None,
        posts: Vec::new(),
        next: Vec::new(),
        records: Vec::new(),
    };
    match (&context.step, response.status) {
        (_, 200..=299) => {}
        (Step::Index { number: 1, .. }, 404) => {
            return Err(PluginError::NotFound(format!(
                "blog {:?} was not found ({url} returned HTTP 404); check the name",
                context.blog
            )));
        }
        (Step::Index { .. } | Step::Permalink { .. }, 404) => return Ok(empty),
        // The post is returned with the media found so far, because a
        // photoset frame that failed should not lose the post.
        (Step::Photoset { .. }, 404 | 410) => {}
        (_, 403) => {
            return Err(PluginError::Forbidden(format!(
                "access to blog {:?} is forbidden ({url} returned HTTP 403)",
                context.blog
            )));
        }
        (_, 429) => {
            return Err(PluginError::RateLimited(
                retry_after_seconds(&response.headers).unwrap_or(DEFAULT_RETRY_SECONDS),
            ));
        }
        (_, status) => {
            return Err(PluginError::Other(format!(
                "unexpected HTTP {status} from {url}; try again later"
            )));
        }
    }
    let html = String::from_utf8_lossy(&response.body);
    match &context.step {
        Step::Index {
            number,
            previous_ids,
        } => parse_index(&context, *number, previous_ids, &html, url),
        Step::Permalink { id } => parse_permalink(&context, id, &html, url),
        Step::Photoset { post, pending } => {
            let media = if (200..=299).contains(&response.status) {
                read_photoset(&html, url)
            } else {
                Vec::new()
            };
            continue_photosets(&context.blog, post.clone(), media, pending.clone())
        }
    }
}

fn parse_index(
    context: &Context,
    number: u32,
    previous_ids: &[String],
    html: &str,
    url: &str,
) -> Result<Page, PluginError> {
    if number == 1 && !looks_like_html(html) {
        return Err(PluginError::BadResponse(format!(
            "the body from {url} is not an HTML page; expected the themed front page of blog {:?}",
            context.blog
        )));
    }
    let hosts = blog_hosts(&context.blog, url);
    let index = read_index(html, url, &hosts, number.saturating_add(1));
    let blog = (number == 1).then(|| BlogInfo {
        name: context.blog.clone(),
        title: index.title.clone(),
        url: index_url(&context.blog, 1),
        total_posts: None,
        updated: None,
    });
    let new_ids: Vec<&String> = index
        .post_ids
        .iter()
        .filter(|id| !previous_ids.contains(id))
        .collect();
    let mut next = Vec::new();
    if !new_ids.is_empty() {
        for id in new_ids.into_iter().take(MAX_PERMALINKS_PER_PAGE) {
            let permalink = Context {
                blog: context.blog.clone(),
                step: Step::Permalink { id: id.clone() },
            };
            next.push(permalink.request(format!("{}/post/{id}", site(&context.blog)))?);
        }
        let next_number = number.saturating_add(1);
        let following = Context {
            blog: context.blog.clone(),
            step: Step::Index {
                number: next_number,
                previous_ids: index.post_ids.clone(),
            },
        };
        let next_url = index
            .next_url
            .clone()
            .filter(|link| is_tumblr_https(link))
            .unwrap_or_else(|| index_url(&context.blog, next_number));
        next.push(following.request(next_url)?);
    }
    Ok(Page {
        blog,
        posts: Vec::new(),
        next,
        records: Vec::new(),
    })
}

/// Returns the hosts whose links belong to the blog: its own subdomain and
/// the host of the page, which differs after a redirect.
fn blog_hosts(blog: &str, page_url: &str) -> Vec<String> {
    let mut hosts = vec![format!("{blog}.tumblr.com")];
    if let Some((host, _)) = host_and_path(page_url)
        && !hosts.contains(&host)
    {
        hosts.push(host);
    }
    hosts
}

/// Returns whether a link may be requested as it is: `https` on a
/// `*.tumblr.com` host, as `info` declares.
fn is_tumblr_https(url: &str) -> bool {
    url.starts_with("https://")
        && host_and_path(url).is_some_and(|(host, _)| host.ends_with(".tumblr.com"))
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(2048)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html") || head.contains("<body")
}

fn parse_permalink(
    context: &Context,
    id: &str,
    html: &str,
    url: &str,
) -> Result<Page, PluginError> {
    let found = read_permalink(html, url, id);
    let has_kind = |kinds: &[MediaKind]| found.media.iter().any(|m| kinds.contains(&m.kind));
    let post_type = found.class_type.clone().unwrap_or_else(|| {
        // A video post shows a poster image too, so files decide first.
        let post_type = if has_kind(&[MediaKind::Video]) {
            "video"
        } else if has_kind(&[MediaKind::Audio]) {
            "audio"
        } else if !found.photoset_frames.is_empty() || has_kind(&[MediaKind::Image, MediaKind::Gif])
        {
            "photo"
        } else {
            "text"
        };
        post_type.to_owned()
    });
    let permalink = found
        .canonical
        .clone()
        .filter(|canonical| canonical.contains(&format!("/post/{id}")))
        .unwrap_or_else(|| url.to_owned());
    let post = SavedPost {
        id: id.to_owned(),
        url: permalink,
        timestamp: found.timestamp,
        post_type,
        tags: found.tags,
        summary: found.summary,
        media: found.media.iter().map(save_media).collect(),
        html: found.html,
    };
    let frames: Vec<String> = found
        .photoset_frames
        .into_iter()
        .map(|frame| frame.replacen("http://", "https://", 1))
        .filter(|frame| is_tumblr_https(frame))
        .collect();
    continue_photosets(&context.blog, post, Vec::new(), frames)
}

/// Adds `media` to `post`, then requests the first of `pending`, or returns
/// the post when no frame is left.
fn continue_photosets(
    blog: &str,
    mut post: SavedPost,
    media: Vec<Media>,
    mut pending: Vec<String>,
) -> Result<Page, PluginError> {
    if !media.is_empty() {
        let mut list = MediaList::default();
        for item in post.media.iter().map(restore_media).chain(media) {
            list.push(item);
        }
        post.media = list.into_vec().iter().map(save_media).collect();
    }
    if pending.is_empty() {
        let records = raw_record(&post).into_iter().collect();
        return Ok(Page {
            blog: None,
            posts: vec![finish_post(blog, post).into()],
            next: Vec::new(),
            records,
        });
    }
    let frame = pending.remove(0);
    let context = Context {
        blog: blog.to_owned(),
        step: Step::Photoset { post, pending },
    };
    Ok(Page {
        blog: None,
        posts: Vec::new(),
        next: vec![context.request(frame)?],
        records: Vec::new(),
    })
}

/// Format name of the records this scraper returns.
pub const RECORD_FORMAT: &str = "html";

/// Returns the post's HTML as its raw record, or `None` when the page had
/// no element for it.
fn raw_record(post: &SavedPost) -> Option<RawRecord> {
    (!post.html.is_empty()).then(|| RawRecord {
        post_id: post.id.clone(),
        format: RECORD_FORMAT.to_owned(),
        body: post.html.as_bytes().to_vec(),
    })
}

fn finish_post(blog: &str, saved: SavedPost) -> Post {
    Post {
        id: saved.id,
        url: saved.url,
        blog: blog.to_owned(),
        timestamp: saved.timestamp,
        post_type: saved.post_type,
        tags: saved.tags,
        reblog: None,
        summary: saved.summary,
        media: saved.media.iter().map(restore_media).collect(),
    }
}

fn save_media(item: &Media) -> SavedMedia {
    SavedMedia {
        url: item.url.clone(),
        kind: item.kind.name().to_owned(),
        size: item.size.map(|size| (size.width, size.height)),
        alternates: item.alternates.iter().map(|a| a.url.clone()).collect(),
    }
}

fn restore_media(saved: &SavedMedia) -> Media {
    Media {
        size: saved
            .size
            .map(|(width, height)| Dimensions { width, height }),
        alternates: saved
            .alternates
            .iter()
            .map(|url| alternate(url, None))
            .collect(),
        ..Media::new(
            &saved.url,
            MediaKind::from_name(&saved.kind).unwrap_or(MediaKind::Image),
        )
    }
}
