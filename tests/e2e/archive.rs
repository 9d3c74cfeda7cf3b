//! A full archive of the fixture blog with the default plugins: the
//! manifest's shape, the files on disk, the requests the fake server saw,
//! and specific media known from the fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use serde_json::Value;

use crate::support::{
    API_KEY, Scratch, archive_args, assert_downloads_match_files, downloaded, files_under,
    first_post, is_gallery_file, media_entries, media_get_counts, post_id, read_manifest,
    run_archiver, served_post_ids, start_fake, text, url_path,
};

const TOP_FIELDS: [&str; 6] = [
    "format_version",
    "generator",
    "blog",
    "runs",
    "posts",
    "media",
];
const BLOG_FIELDS: [&str; 5] = ["name", "title", "url", "total_posts", "updated"];
const RUN_FIELDS: [&str; 5] = ["started_at", "finished_at", "scraper", "policy", "outcome"];
const POST_FIELDS: [&str; 15] = [
    "id",
    "url",
    "blog",
    "timestamp",
    "date",
    "type",
    "tags",
    "reblog",
    "summary",
    "record",
    "record_format",
    "record_checksum",
    "record_updated_at",
    "record_versions",
    "media",
];
const REBLOG_FIELDS: [&str; 4] = ["from_blog", "from_url", "root_blog", "root_url"];
const MEDIA_FIELDS: [&str; 16] = [
    "post_id",
    "post_url",
    "timestamp",
    "media_type",
    "filename",
    "byte_size",
    "checksum",
    "original_url",
    "download_url",
    "retrieved_from",
    "archive_snapshot_url",
    "status",
    "notes",
    "width",
    "height",
    "trail_blog",
];
const MEDIA_TYPES: [&str; 5] = ["image", "gif", "video", "audio", "embed"];
const MEDIA_STATUSES: [&str; 5] = ["downloaded", "missing", "error", "skipped", "embed"];

fn assert_fields(object: &Value, fields: &[&str], what: &str) {
    let map = object
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {object}"));
    for field in fields {
        assert!(
            map.contains_key(*field),
            "{what} lacks field {field}: {object}"
        );
    }
}

/// Asserts that every object of the manifest has every field, with values
/// of the documented forms.
fn assert_manifest_shape(manifest: &Value) {
    assert_fields(manifest, &TOP_FIELDS, "manifest");
    assert_eq!(manifest["format_version"], 1, "format_version");
    assert!(
        text(manifest, "generator").starts_with("tumblr-archiver "),
        "generator names the program: {}",
        manifest["generator"]
    );
    assert_fields(&manifest["blog"], &BLOG_FIELDS, "blog");

    let runs = manifest["runs"].as_array().expect("runs is an array");
    for run in runs {
        assert_fields(run, &RUN_FIELDS, "run");
        assert_fields(&run["scraper"], &["name", "version"], "run.scraper");
        assert_fields(&run["policy"], &["name", "version"], "run.policy");
    }

    for post in manifest["posts"].as_array().expect("posts is an array") {
        assert_fields(post, &POST_FIELDS, "post");
        assert!(post["tags"].is_array(), "tags is an array: {post}");
        if !post["reblog"].is_null() {
            assert_fields(&post["reblog"], &REBLOG_FIELDS, "post.reblog");
        }
    }

    for entry in media_entries(manifest) {
        assert_fields(&entry, &MEDIA_FIELDS, "media entry");
        let media_type = text(&entry, "media_type");
        assert!(
            MEDIA_TYPES.contains(&media_type),
            "media_type {media_type:?}"
        );
        let status = text(&entry, "status");
        assert!(
            MEDIA_STATUSES.contains(&status),
            "status {status:?} of {entry}"
        );
    }

    for entry in downloaded(manifest) {
        let checksum = text(&entry, "checksum");
        let hex = checksum.strip_prefix("sha256:").unwrap_or_default();
        assert!(
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "checksum {checksum:?} is sha256: and 64 lowercase hex digits"
        );
        assert_eq!(
            text(&entry, "retrieved_from"),
            "tumblr",
            "retrieved_from of {entry}"
        );
        let filename = text(&entry, "filename");
        assert!(
            !filename.starts_with('/')
                && !filename.contains('\\')
                && !filename.split('/').any(|part| part == ".."),
            "filename {filename:?} is relative with / separators"
        );
    }
}

/// Returns the downloaded entries of `post_id`.
fn downloads_of(manifest: &Value, post_id: &str) -> Vec<Value> {
    downloaded(manifest)
        .into_iter()
        .filter(|entry| text(entry, "post_id") == post_id)
        .collect()
}

/// Asserts that the fixture media chosen by hand were downloaded under the
/// right post.
fn assert_known_media(manifest: &Value) {
    let photoset = first_post("posts-legacy-photoset.json");
    let photoset_id = post_id(&photoset);
    let photoset_downloads = downloads_of(manifest, &photoset_id);
    let photos = photoset["photos"].as_array().expect("photoset photos");
    assert_eq!(photos.len(), 5, "the photoset fixture has five photos");
    for photo in photos {
        let url = photo["original_size"]["url"].as_str().expect("photo url");
        assert!(
            url.contains("_1280."),
            "fixture photo {url} is the _1280 size"
        );
        let found = photoset_downloads
            .iter()
            .any(|entry| url_path(text(entry, "original_url")) == url_path(url));
        assert!(
            found,
            "photoset photo {url} downloaded for post {photoset_id}"
        );
    }

    let video_post = first_post("posts-npf-video.json");
    let video_id = post_id(&video_post);
    let video_url = video_post["content"]
        .as_array()
        .expect("NPF content")
        .iter()
        .find(|block| block["type"] == "video")
        .and_then(|block| block["media"]["url"].as_str())
        .expect("the NPF video fixture has a video block with media.url");
    // The scraper may ask for the original instead of the `_720` transcode,
    // so the check needs only the token before the size suffix.
    let video_file = url_path(video_url).rsplit('/').next().unwrap_or_default();
    let video_token = video_file
        .rsplit_once('_')
        .map_or(video_file, |(token, _)| token);
    let video_found = downloads_of(manifest, &video_id).iter().any(|entry| {
        let original = text(entry, "original_url");
        text(entry, "media_type") == "video"
            && url_path(original).ends_with(".mp4")
            && original.contains(video_token)
    });
    assert!(
        video_found,
        "NPF video {video_url} downloaded for post {video_id}"
    );

    let image_post = first_post("posts-npf-image-paginated.json");
    let image_id = post_id(&image_post);
    let widest = image_post["content"][0]["media"]
        .as_array()
        .expect("NPF image media")
        .iter()
        .max_by_key(|media| media["width"].as_u64().unwrap_or(0))
        .and_then(|media| media["url"].as_str())
        .expect("the NPF image fixture lists sizes");
    let image_found = downloads_of(manifest, &image_id).iter().any(|entry| {
        text(entry, "media_type") == "image"
            && url_path(text(entry, "original_url")) == url_path(widest)
    });
    assert!(
        image_found,
        "widest NPF image {widest} downloaded for post {image_id}"
    );
}

/// Asserts that entries of one URL share one file, and that each file has
/// one checksum.
fn assert_dedup_consistent(manifest: &Value) {
    let mut by_url: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in downloaded(manifest) {
        let filename = text(&entry, "filename").to_string();
        by_url
            .entry(text(&entry, "original_url").to_string())
            .or_default()
            .insert(filename.clone());
        by_file
            .entry(filename)
            .or_default()
            .insert(text(&entry, "checksum").to_string());
    }
    for (url, files) in by_url {
        assert_eq!(
            files.len(),
            1,
            "entries of {url} name one file, got {files:?}"
        );
    }
    for (file, checksums) in by_file {
        assert_eq!(
            checksums.len(),
            1,
            "file {file} has one checksum, got {checksums:?}"
        );
    }
}

#[test]
fn archive_full_blog() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("full");
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(0),
        "full archive exit code\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    assert_manifest_shape(&manifest);
    assert_eq!(
        manifest["blog"]["name"], "example-blog",
        "blog name from the info response"
    );
    let runs = manifest["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1, "one run recorded");
    assert_eq!(runs[0]["outcome"], "complete", "run outcome");
    assert!(
        !runs[0]["finished_at"].is_null(),
        "finished_at set after the run"
    );

    let downloads = downloaded(&manifest);
    assert!(!downloads.is_empty(), "some media downloaded");
    assert_downloads_match_files(&blog_dir, &manifest);
    assert_dedup_consistent(&manifest);
    assert_known_media(&manifest);

    let all_files = files_under(&scratch.out());
    let leftovers: Vec<&String> = all_files
        .iter()
        .filter(|name| name.ends_with(".part") || name.ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no partial or temporary files: {leftovers:?}"
    );

    let mut on_disk = files_under(&blog_dir);
    on_disk.remove("manifest.json");
    on_disk.retain(|name| !is_gallery_file(name));
    let mut expected: BTreeSet<String> = downloads
        .iter()
        .map(|entry| text(entry, "filename").to_string())
        .collect();
    let posts = manifest["posts"]
        .as_array()
        .expect("manifest.posts is an array");
    for post in posts {
        expected.insert(text(post, "record").to_string());
    }
    assert_eq!(
        on_disk, expected,
        "files on disk are the downloaded filenames and the post records"
    );

    let repeated: Vec<(String, usize)> = media_get_counts(&server)
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .collect();
    assert!(
        repeated.is_empty(),
        "each media URL fetched at most once: {repeated:?}"
    );

    let embeds: Vec<Value> = media_entries(&manifest)
        .into_iter()
        .filter(|entry| entry["media_type"] == "embed")
        .collect();
    assert!(
        !embeds.is_empty(),
        "the fixtures' YouTube and SoundCloud players are recorded"
    );
    for embed in &embeds {
        assert_eq!(embed["status"], "embed", "status of embed {embed}");
    }
    let embed_paths: BTreeSet<&str> = embeds
        .iter()
        .map(|entry| url_path(text(entry, "original_url")))
        .collect();
    let fetched_embeds: Vec<String> = server
        .media_requests()
        .into_iter()
        .map(|request| request.path)
        .filter(|path| embed_paths.contains(path.as_str()))
        .collect();
    assert!(
        fetched_embeds.is_empty(),
        "no embed fetched: {fetched_embeds:?}"
    );

    let expected_ids = served_post_ids(&server);
    let posts = manifest["posts"].as_array().expect("posts is an array");
    let manifest_ids: BTreeSet<String> = posts
        .iter()
        .map(|post| text(post, "id").to_string())
        .collect();
    assert_eq!(
        posts.len(),
        expected_ids.len(),
        "one manifest post per served post"
    );
    assert_eq!(manifest_ids, expected_ids, "manifest post ids");

    for name in files_under(&scratch.out()) {
        let bytes = fs::read(scratch.out().join(&name)).expect("read an output file");
        let leaked = bytes
            .windows(API_KEY.len())
            .any(|window| window == API_KEY.as_bytes());
        assert!(!leaked, "API key written into {name}");
        assert!(!name.contains(API_KEY), "API key in file name {name}");
    }
}
