//! Tests of whole gallery builds on manifests written to a scratch folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};

use super::{GalleryError, build};

struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("gallery-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Post `i` is one hour older than post `i - 1`, has the tags `tags(i)`,
/// and `media_per_post` downloaded images.
fn manifest(posts: usize, media_per_post: usize, tags: impl Fn(usize) -> Vec<String>) -> Value {
    let newest = 1_714_745_000_i64;
    let mut post_list = Vec::with_capacity(posts);
    let mut media = Vec::with_capacity(posts * media_per_post);
    for i in 0..posts {
        let id = 900_000_000_000 - i as u64;
        post_list.push(json!({
            "id": id.to_string(), "url": format!("https://b.tumblr.com/post/{id}"),
            "blog": "b", "timestamp": newest - 3600 * i as i64, "date": "",
            "type": "photo", "tags": tags(i), "reblog": null, "summary": format!("post {i}"),
        }));
        for n in 0..media_per_post {
            media.push(json!({
                "post_id": id.to_string(), "media_type": "image", "status": "downloaded",
                "filename": format!("{id}_{n}.jpg"), "width": 1280, "height": 960,
                "original_url": format!("https://64.media.tumblr.com/h{i}/tumblr_t{i}o{n}_1280.jpg"),
            }));
        }
    }
    json!({
        "format_version": 1, "generator": "test",
        "blog": {"name": "b", "title": "B & co", "url": "https://b.tumblr.com/"},
        "runs": [], "posts": post_list, "media": media,
    })
}

fn write_manifest(dir: &Path, manifest: &Value) {
    fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write manifest");
}

fn read(dir: &Path, relative: &str) -> String {
    fs::read_to_string(dir.join(relative))
        .unwrap_or_else(|error| panic!("cannot read {relative}: {error}"))
}

#[test]
fn paging_51_posts_two_pages() {
    let scratch = Scratch::new("paging");
    write_manifest(&scratch.0, &manifest(51, 1, |_| Vec::new()));
    let summary = build(&scratch.0).expect("build");
    assert_eq!(summary.posts, 51);

    let first = read(&scratch.0, "index.html");
    let second = read(&scratch.0, "page/2.html");
    assert_eq!(first.matches("<article").count(), 50, "first page");
    assert_eq!(second.matches("<article").count(), 1, "second page");
    assert!(!scratch.0.join("page/3.html").exists(), "no third page");
    assert!(
        first.contains("href=\"page/2.html\""),
        "first page links the second"
    );
    assert!(
        second.contains("href=\"../index.html\""),
        "second links the first"
    );
    assert!(
        first.contains("src=\"900000000000_0.jpg\""),
        "root page uses root paths"
    );
    assert!(
        second.contains("src=\"../899999999950_0.jpg\""),
        "nested page goes up"
    );
    let newest = first.find("post-900000000000").expect("newest post");
    let older = first.find("post-899999999999").expect("older post");
    assert!(newest < older, "newest first");
}

#[test]
fn month_and_tag_pages_written() {
    let scratch = Scratch::new("months-tags");
    let hostile = ["../x", "<script>", "", "日本語", "index"];
    let long = "y".repeat(3000);
    let tags = |i: usize| {
        let mut tags = vec!["cats".to_string(), hostile[i % hostile.len()].to_string()];
        if i == 0 {
            tags.push(long.clone());
        }
        tags
    };
    write_manifest(&scratch.0, &manifest(60, 1, tags));
    build(&scratch.0).expect("build");

    let archive = read(&scratch.0, "archive/index.html");
    assert!(
        archive.contains("href=\"2024-05.html\">May 2024<"),
        "{archive}"
    );
    assert!(scratch.0.join("archive/2024-05.html").exists());
    let cats = read(&scratch.0, "tagged/cats.html");
    assert!(
        cats.contains("(page 1 of 2)"),
        "60 posts of a tag take two pages"
    );
    assert!(scratch.0.join("tagged/cats.2.html").exists());

    let tag_index = read(&scratch.0, "tagged/index.html");
    assert!(tag_index.contains("#&lt;script&gt;"), "tag text escaped");
    assert!(!tag_index.contains("<script>"), "no raw tag markup");
    let pages: Vec<String> = fs::read_dir(scratch.0.join("tagged"))
        .expect("tagged folder")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        pages.len(),
        1 + 2 + hostile.len() + 1,
        "index, cats ×2, hostile, long: {pages:?}"
    );
    for name in &pages {
        assert!(name.len() < 100, "file name {name:?} is short");
    }
    assert!(!scratch.0.join("x.html").exists(), "../x stays in tagged/");
}

#[test]
fn stale_pages_of_older_build_removed() {
    let scratch = Scratch::new("stale");
    write_manifest(&scratch.0, &manifest(120, 1, |_| vec!["old-tag".into()]));
    build(&scratch.0).expect("first build");
    assert!(scratch.0.join("page/3.html").exists());
    assert!(scratch.0.join("tagged/old-tag.html").exists());
    fs::write(scratch.0.join("900000000000_0.jpg"), "image").expect("media file");

    write_manifest(&scratch.0, &manifest(10, 1, |_| vec!["new-tag".into()]));
    let summary = build(&scratch.0).expect("second build");
    assert!(!scratch.0.join("page/2.html").exists(), "page 2 gone");
    assert!(!scratch.0.join("page/3.html").exists(), "page 3 gone");
    assert!(
        !scratch.0.join("tagged/old-tag.html").exists(),
        "old tag gone"
    );
    assert!(
        !scratch.0.join("tagged/old-tag.2.html").exists(),
        "old tag page 2 gone"
    );
    assert!(scratch.0.join("tagged/new-tag.html").exists());
    assert!(scratch.0.join("900000000000_0.jpg").exists(), "media kept");
    assert!(scratch.0.join("manifest.json").exists(), "manifest kept");
    assert!(
        summary.stale_removed >= 4,
        "removed {}",
        summary.stale_removed
    );
}

#[test]
fn missing_manifest_named_in_error() {
    let scratch = Scratch::new("no-manifest");
    let error = build(&scratch.0).expect_err("no manifest");
    assert!(
        matches!(error, GalleryError::NoManifest { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("manifest.json"), "{message}");
    assert!(
        message.contains("hint: pass the blog's folder"),
        "{message}"
    );
}

#[test]
fn invalid_manifest_rejected() {
    let scratch = Scratch::new("bad-manifest");
    fs::write(scratch.0.join("manifest.json"), "{ not json").expect("write");
    let error = build(&scratch.0).expect_err("invalid manifest");
    assert!(matches!(error, GalleryError::Invalid { .. }), "{error:?}");
    assert_eq!(
        read(&scratch.0, "manifest.json"),
        "{ not json",
        "left untouched"
    );
}

/// Builds the gallery of a blog of 20,000 posts and 50,000 media files and
/// prints the time and output size. A measured example, so it asserts the
/// result but not the time.
#[test]
fn large_blog_build_measured() {
    let scratch = Scratch::new("large");
    let tags = |i: usize| vec![format!("tag-{}", i % 40), "all".to_string()];
    let mut value = manifest(20_000, 2, tags);
    let media = value["media"].as_array_mut().expect("media");
    media.truncate(50_000 - 10_000);
    for i in 0..10_000 {
        let mut extra = media[i].clone();
        extra["filename"] = json!(format!("extra_{i}.gif"));
        extra["media_type"] = json!("gif");
        media.push(extra);
    }
    assert_eq!(media.len(), 50_000);
    write_manifest(&scratch.0, &value);

    let started = Instant::now();
    let summary = build(&scratch.0).expect("build");
    let elapsed = started.elapsed();
    println!(
        "gallery of 20,000 posts and 50,000 media: {:.2} s, {} files, {:.1} MB",
        elapsed.as_secs_f64(),
        summary.files_written,
        summary.bytes_written as f64 / 1_000_000.0
    );
    assert_eq!(summary.posts, 20_000);
    assert!(
        scratch.0.join("page/400.html").exists(),
        "20,000 / 50 = 400 pages"
    );
    assert!(!scratch.0.join("page/401.html").exists());
    let first = read(&scratch.0, "index.html");
    assert!(first.len() < 200_000, "first page is {} bytes", first.len());
}

#[test]
fn record_rendered_with_local_large_file() {
    let scratch = Scratch::new("record");
    fs::create_dir_all(scratch.0.join("posts")).expect("posts folder");
    let record = json!({
        "type": "photo", "id": 7, "tags": ["x"], "note_count": 3,
        "caption": "<p>hello <script>alert(1)</script></p>",
        "photos": [{
            "original_size": {"url": "https://64.media.tumblr.com/h/tumblr_abco1_500.jpg",
                              "width": 500, "height": 400},
            "alt_sizes": [],
        }],
    });
    fs::write(scratch.0.join("posts/7.json"), record.to_string()).expect("record");
    let manifest = json!({
        "format_version": 1,
        "blog": {"name": "b"},
        "posts": [
            {"id": "7", "url": "https://b.tumblr.com/post/7", "timestamp": 1_714_745_000,
             "type": "photo", "tags": ["x"], "summary": "from the manifest",
             "record": "posts/7.json", "record_format": "tumblr-api-v2"},
            {"id": "6", "url": "https://b.tumblr.com/post/6", "timestamp": 1_714_700_000,
             "type": "photo", "tags": [], "summary": "bad record",
             "record": "posts/6.json", "record_format": "tumblr-api-v2"},
        ],
        "media": [
            {"post_id": "7", "media_type": "image", "status": "downloaded",
             "filename": "7_abco1.jpg",
             "original_url": "https://64.media.tumblr.com/h/tumblr_abco1_1280.jpg"},
            {"post_id": "6", "media_type": "image", "status": "downloaded",
             "filename": "6_a.jpg", "original_url": "https://x.test/6.jpg"},
        ],
    });
    fs::write(scratch.0.join("posts/6.json"), "{ truncated").expect("bad record");
    write_manifest(&scratch.0, &manifest);

    let summary = build(&scratch.0).expect("build");
    assert_eq!(summary.posts_from_records, 1, "post 7 from its record");
    assert_eq!(summary.records_failed, 1, "post 6's record is invalid");
    let index = read(&scratch.0, "index.html");
    assert!(
        index.contains("src=\"7_abco1.jpg\""),
        "500 rendition finds the 1280 file: {index}"
    );
    assert!(index.contains("3 notes"), "note count from the record");
    assert!(!index.contains("<script>"), "record script removed");
    assert!(
        !index.contains("from the manifest"),
        "record replaces the summary"
    );
    assert!(
        index.contains("bad record"),
        "unreadable record falls back to the summary"
    );
    assert!(
        index.contains("src=\"6_a.jpg\""),
        "fallback shows the manifest's media"
    );
    let month = read(&scratch.0, "archive/2024-05.html");
    assert!(
        month.contains("src=\"../7_abco1.jpg\""),
        "nested page goes up"
    );
}
