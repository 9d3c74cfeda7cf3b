//! The pages of a gallery: posts newest first in pages of
//! `POSTS_PER_PAGE` (`index.html`, `page/2.html`, …), the same per month
//! (`archive/2024-05.html`, `archive/2024-05.2.html`, …) and per tag
//! (`tagged/TAG.html`, …), and an index of months and one of tags.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use super::html::{escape, tag_file_stem};
use super::layout::{STYLE_SHEET, Site, pager};
use super::lookup::MediaIndex;
use super::manifest_view::{ManifestView, MediaView, PostView};
use super::output::SiteWriter;
use super::post::{BodySource, PostContext, article, month_of};
use super::{GalleryError, GallerySummary};

/// Posts on each page of a list.
pub const POSTS_PER_PAGE: usize = 50;

const STYLE: &str = include_str!("style.css");

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A list of posts shown in pages: all posts, one month's or one tag's.
struct Listing {
    title: String,
    /// `None` for the list of all posts; else the folder and file stem.
    place: Option<(&'static str, String)>,
    /// Indexes into the sorted posts.
    posts: Vec<usize>,
}

impl Listing {
    /// Returns the path of page `number` (1-based), relative to the blog
    /// folder.
    fn path(&self, number: usize) -> String {
        match (&self.place, number) {
            (None, 1) => "index.html".to_string(),
            (None, _) => format!("page/{number}.html"),
            (Some((folder, stem)), 1) => format!("{folder}/{stem}.html"),
            (Some((folder, stem)), _) => format!("{folder}/{stem}.{number}.html"),
        }
    }

    fn page_count(&self) -> usize {
        self.posts.len().div_ceil(POSTS_PER_PAGE).max(1)
    }
}

/// Posts sorted newest first and their articles, rendered once for pages
/// in a folder and, for the first page of all posts, once for the blog
/// folder.
struct Articles {
    nested: Vec<String>,
    top: HashMap<usize, String>,
}

impl Articles {
    fn get(&self, index: usize, prefix: &str) -> &str {
        match (prefix, self.top.get(&index)) {
            ("", Some(top)) => top,
            _ => &self.nested[index],
        }
    }
}

/// Writes every page of the gallery of `manifest` into `blog_dir`.
pub fn build(blog_dir: &Path, manifest: &ManifestView) -> Result<GallerySummary, GalleryError> {
    let posts = sorted_posts(&manifest.posts);
    let media_by_post = media_by_post(&manifest.media);
    let index = MediaIndex::new(&manifest.media);
    let context = PostContext {
        blog_dir,
        index: &index,
    };
    let media_of = |post: &PostView| {
        media_by_post
            .get(post.id.as_str())
            .cloned()
            .unwrap_or_default()
    };

    let (mut from_records, mut records_failed, mut record_media_missing) = (0, 0, 0);
    let mut nested = Vec::with_capacity(posts.len());
    for post in &posts {
        let (html, source) = article(post, &media_of(post), &context, "../");
        match source {
            BodySource::Record { missing_media } => {
                from_records += 1;
                record_media_missing += missing_media;
            }
            BodySource::RecordFailed => records_failed += 1,
            BodySource::Manifest => {}
        }
        nested.push(html);
    }
    let top = (0..posts.len().min(POSTS_PER_PAGE))
        .map(|at| (at, article(posts[at], &media_of(posts[at]), &context, "").0))
        .collect();
    let articles = Articles { nested, top };

    let site = Site {
        blog_name: manifest.blog.name.clone(),
        blog_title: manifest
            .blog
            .title
            .clone()
            .filter(|title| !title.trim().is_empty())
            .unwrap_or_else(|| manifest.blog.name.clone()),
        blog_url: manifest.blog.url.clone(),
    };
    let mut writer = SiteWriter::new(blog_dir, protected_files(manifest));
    writer.write(STYLE_SHEET, STYLE)?;

    let all = Listing {
        title: "Posts".to_string(),
        place: None,
        posts: (0..posts.len()).collect(),
    };
    write_listing(&mut writer, &site, &all, &articles)?;
    let months = month_listings(&posts);
    for listing in &months {
        write_listing(&mut writer, &site, listing, &articles)?;
    }
    writer.write(
        "archive/index.html",
        &site.page("Archive", "../", &archive_index(&months)),
    )?;
    let tags = tag_listings(&posts);
    for listing in &tags {
        write_listing(&mut writer, &site, listing, &articles)?;
    }
    writer.write(
        "tagged/index.html",
        &site.page("Tags", "../", &tag_index(&tags)),
    )?;

    let removed = writer.remove_stale()?;
    Ok(GallerySummary {
        index: blog_dir.join("index.html"),
        posts: posts.len(),
        posts_from_records: from_records,
        records_failed,
        record_media_missing,
        files_written: writer.files_written(),
        bytes_written: writer.bytes_written,
        stale_removed: removed,
    })
}

/// Returns each post once (the first of a repeated id), newest first; posts
/// of the same second are ordered by id, larger (newer) first.
fn sorted_posts(posts: &[PostView]) -> Vec<&PostView> {
    let mut seen = HashSet::new();
    let mut sorted: Vec<&PostView> = posts
        .iter()
        .filter(|post| seen.insert(post.id.as_str()))
        .collect();
    sorted.sort_by(|a, b| {
        b.timestamp
            .cmp(&a.timestamp)
            .then_with(|| b.id.len().cmp(&a.id.len()))
            .then_with(|| b.id.cmp(&a.id))
    });
    sorted
}

fn media_by_post(media: &[MediaView]) -> HashMap<&str, Vec<&MediaView>> {
    let mut by_post: HashMap<&str, Vec<&MediaView>> = HashMap::new();
    for entry in media {
        by_post
            .entry(entry.post_id.as_str())
            .or_default()
            .push(entry);
    }
    by_post
}

/// Returns the paths the manifest lists, which no page may replace.
fn protected_files(manifest: &ManifestView) -> HashSet<String> {
    let media = manifest
        .media
        .iter()
        .filter_map(|entry| entry.filename.clone());
    let records = manifest.posts.iter().filter_map(|post| post.record.clone());
    media.chain(records).collect()
}

fn write_listing(
    writer: &mut SiteWriter,
    site: &Site,
    listing: &Listing,
    articles: &Articles,
) -> Result<(), GalleryError> {
    let count = listing.page_count();
    for number in 1..=count {
        let path = listing.path(number);
        let prefix = if path.contains('/') { "../" } else { "" };
        let link = |target: usize| format!("{prefix}{}", listing.path(target));
        let navigation = pager(number, count, link);
        let mut body = navigation.clone();
        let start = (number - 1) * POSTS_PER_PAGE;
        let end = (start + POSTS_PER_PAGE).min(listing.posts.len());
        for &post in &listing.posts[start..end] {
            body.push_str(articles.get(post, prefix));
        }
        if listing.posts.is_empty() {
            body.push_str("<p class=\"empty\">No posts are archived yet.</p>\n");
        }
        body.push_str(&navigation);
        let title = if count > 1 {
            format!("{} (page {number} of {count})", listing.title)
        } else {
            listing.title.clone()
        };
        writer.write(&path, &site.page(&title, prefix, &body))?;
    }
    Ok(())
}

/// Returns one listing per month that has posts, newest month first.
fn month_listings(posts: &[&PostView]) -> Vec<Listing> {
    let mut months: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (at, post) in posts.iter().enumerate() {
        months.entry(month_of(post.timestamp)).or_default().push(at);
    }
    months
        .into_iter()
        .rev()
        .map(|(month, posts)| Listing {
            title: month_title(&month),
            place: Some(("archive", month)),
            posts,
        })
        .collect()
}

/// Formats `2024-05` as `May 2024`.
fn month_title(month: &str) -> String {
    let number: usize = month
        .get(5..7)
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    let name = MONTH_NAMES.get(number.wrapping_sub(1)).unwrap_or(&"");
    format!("{name} {}", month.get(..4).unwrap_or(month))
}

/// Returns one listing per tag, the most used first, then by tag text.
fn tag_listings(posts: &[&PostView]) -> Vec<Listing> {
    let mut tags: HashMap<&str, Vec<usize>> = HashMap::new();
    for (at, post) in posts.iter().enumerate() {
        let mut seen_in_post = HashSet::new();
        for tag in &post.tags {
            if seen_in_post.insert(tag.as_str()) {
                tags.entry(tag.as_str()).or_default().push(at);
            }
        }
    }
    let mut listings: Vec<Listing> = tags
        .into_iter()
        .map(|(tag, posts)| Listing {
            title: format!("#{tag}"),
            place: Some(("tagged", tag_file_stem(tag))),
            posts,
        })
        .collect();
    listings.sort_by(|a, b| {
        b.posts
            .len()
            .cmp(&a.posts.len())
            .then_with(|| a.title.cmp(&b.title))
    });
    listings
}

fn archive_index(months: &[Listing]) -> String {
    if months.is_empty() {
        return "<p class=\"empty\">No posts are archived yet.</p>\n".to_string();
    }
    let mut html = String::new();
    let mut year = "";
    for listing in months {
        let Some((_, month)) = &listing.place else {
            continue;
        };
        let this_year = month.get(..4).unwrap_or_default();
        if this_year != year {
            if !year.is_empty() {
                html.push_str("</ul></section>\n");
            }
            let _ = write!(
                html,
                "<section><h2>{}</h2><ul class=\"months\">",
                escape(this_year)
            );
            year = this_year;
        }
        let _ = write!(
            html,
            "<li><a href=\"{}.html\">{}</a> <span class=\"count\">{}</span></li>",
            escape(month),
            escape(&listing.title),
            post_count(listing.posts.len())
        );
    }
    html.push_str("</ul></section>\n");
    html
}

fn tag_index(tags: &[Listing]) -> String {
    if tags.is_empty() {
        return "<p class=\"empty\">No archived post has tags.</p>\n".to_string();
    }
    let mut html = String::from("<ul class=\"tag-index\">");
    for listing in tags {
        let Some((_, stem)) = &listing.place else {
            continue;
        };
        let _ = write!(
            html,
            "<li><a href=\"{stem}.html\">{}</a> <span class=\"count\">{}</span></li>",
            escape(&listing.title),
            post_count(listing.posts.len())
        );
    }
    html.push_str("</ul>\n");
    html
}

fn post_count(count: usize) -> String {
    if count == 1 {
        "1 post".to_string()
    } else {
        format!("{count} posts")
    }
}
