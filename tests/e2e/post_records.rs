//! Each post's raw record: saved as `posts/{id}.json` byte for byte as the
//! fake server sent it, linked from the manifest, replaced when the post
//! changes between runs and left alone when it does not. A scraper built
//! against interface 0.1.0 still archives media, without records.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, checksum, downloaded, files_under,
    media_entries, path_arg, post_id, read_manifest, run_archiver, served_post_ids, start_fake,
    text,
};

/// The tumblr-api-v2 scraper as built against interface 0.1.0.
const RELEASED_SCRAPER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/plugins/scraper-tumblr-api-v2-wit-0.1.0.wasm"
);

/// Warning that a 0.1.0 scraper gets once per run.
const NO_RECORDS_WARNING: &str = "cannot return a post's raw data";

fn manifest_posts(manifest: &Value) -> Vec<Value> {
    manifest["posts"]
        .as_array()
        .expect("manifest.posts is an array")
        .clone()
}

fn manifest_post(manifest: &Value, id: &str) -> Value {
    manifest_posts(manifest)
        .into_iter()
        .find(|post| post["id"] == id)
        .unwrap_or_else(|| panic!("post {id} is in the manifest"))
}

/// Returns the modification time and inode of `path`, which a rewrite
/// through a temporary file and a rename both change.
fn file_identity(path: &Path) -> (std::time::SystemTime, u64) {
    use std::os::unix::fs::MetadataExt;
    let metadata = fs::metadata(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (
        metadata.modified().expect("modification time"),
        metadata.ino(),
    )
}

fn record_path(blog_dir: &Path, post: &Value) -> PathBuf {
    blog_dir.join(text(post, "record"))
}

#[test]
fn records_match_served_posts() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("records");
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(run.code, Some(0), "archive exit code\n{}", run.describe());
    assert!(
        !run.stderr.contains(NO_RECORDS_WARNING),
        "no warning with a 0.2.0 scraper\n{}",
        run.describe()
    );
    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    // A post id that repeats on the server is archived from its first copy.
    let mut served = server.served_posts();
    let mut ids = std::collections::HashSet::new();
    served.retain(|post| ids.insert(post_id(post)));
    assert_eq!(
        manifest_posts(&manifest).len(),
        served.len(),
        "one manifest post per served post"
    );

    for served_post in &served {
        let id = post_id(served_post);
        let post = manifest_post(&manifest, &id);
        assert_eq!(
            post["record"],
            format!("posts/{id}.json"),
            "post {id} record path"
        );
        assert_eq!(
            post["record_format"], "tumblr-api-v2",
            "post {id} record format"
        );
        assert_eq!(post["record_versions"], 1, "post {id} record versions");
        assert_eq!(
            post["record_updated_at"],
            Value::Null,
            "post {id} never updated"
        );
        // The fake server writes each post object as `Value::to_string`.
        let expected = served_post.to_string();
        let saved = fs::read(record_path(&blog_dir, &post)).expect("record file exists");
        assert_eq!(
            String::from_utf8_lossy(&saved),
            expected,
            "post {id} record is the served post object"
        );
        assert_eq!(
            text(&post, "record_checksum"),
            checksum(&saved),
            "post {id} checksum"
        );

        let entry_urls: Vec<Value> = media_entries(&manifest)
            .into_iter()
            .filter(|entry| entry["post_id"] == id.as_str())
            .map(|entry| entry["original_url"].clone())
            .collect();
        assert_eq!(
            post["media"],
            Value::Array(entry_urls),
            "post {id} media links"
        );
    }
}

#[test]
fn edited_post_replaced_next_run() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("records-edit");
    let args = archive_args(&server, &scratch.out());
    let first = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        first.code,
        Some(0),
        "first run exit code\n{}",
        first.describe()
    );
    let blog_dir = scratch.blog_dir();
    let before = read_manifest(&blog_dir);

    let served = server.served_posts();
    let edited_id = post_id(&served[0]);
    let unchanged_id = post_id(&served[1]);
    let edited_path = record_path(&blog_dir, &manifest_post(&before, &edited_id));
    let unchanged_path = record_path(&blog_dir, &manifest_post(&before, &unchanged_id));
    let unchanged_identity = file_identity(&unchanged_path);
    let old_text = fs::read_to_string(&edited_path).expect("edited post's record");

    let new_summary = json!("This post was edited after the first run.");
    assert!(
        server.edit_post(&edited_id, "summary", new_summary),
        "post {edited_id} exists"
    );
    let second = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        second.code,
        Some(0),
        "second run exit code\n{}",
        second.describe()
    );
    let after = read_manifest(&blog_dir);

    let new_text = fs::read_to_string(&edited_path).expect("edited post's record");
    let edited_served = server
        .served_posts()
        .into_iter()
        .find(|post| post_id(post) == edited_id)
        .expect("edited post is served");
    assert_ne!(new_text, old_text, "the record changed");
    assert_eq!(
        new_text,
        edited_served.to_string(),
        "the record is the newest version"
    );
    let edited = manifest_post(&after, &edited_id);
    assert_eq!(
        edited["record_versions"], 2,
        "the manifest counts two versions"
    );
    assert!(
        edited["record_updated_at"]
            .as_str()
            .is_some_and(|time| !time.is_empty()),
        "the manifest says when the record was replaced: {edited}"
    );
    assert_eq!(
        text(&edited, "record_checksum"),
        checksum(new_text.as_bytes()),
        "the checksum is the new version's"
    );

    assert_eq!(
        file_identity(&unchanged_path),
        unchanged_identity,
        "unchanged record not rewritten"
    );
    let unchanged = manifest_post(&after, &unchanged_id);
    assert_eq!(
        unchanged["record_versions"], 1,
        "unchanged post has one version"
    );
    assert_eq!(
        unchanged["record_updated_at"],
        Value::Null,
        "unchanged post never updated"
    );
}

#[test]
fn released_scraper_archives_without_records() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("records-released");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--plugin".to_string());
    args.push(path_arg(Path::new(RELEASED_SCRAPER)));
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "archive exit code\n{}", run.describe());
    assert_eq!(
        run.stderr.matches(NO_RECORDS_WARNING).count(),
        1,
        "one warning per run\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    assert!(!downloaded(&manifest).is_empty(), "media downloaded");
    assert_downloads_match_files(&blog_dir, &manifest);
    assert!(!blog_dir.join("posts").exists(), "no records folder");

    let posts = manifest_posts(&manifest);
    assert_eq!(
        posts.len(),
        served_post_ids(&server).len(),
        "every post recorded"
    );
    for post in &posts {
        assert_eq!(
            post["record"],
            Value::Null,
            "post {} has no record",
            post["id"]
        );
    }
    let names = files_under(&blog_dir);
    assert!(
        !names.iter().any(|name| name.starts_with("posts/")),
        "{names:?}"
    );
}

#[test]
fn released_scraper_inspect_names_interface() {
    let scratch = Scratch::new("records-inspect");
    let run = run_archiver(
        &[
            "plugin".to_string(),
            "inspect".to_string(),
            RELEASED_SCRAPER.to_string(),
        ],
        &scratch.dir,
        None,
    );
    assert_eq!(run.code, Some(0), "inspect exit code\n{}", run.describe());
    assert!(
        run.stdout.contains("tumblr-archiver:plugin@0.1.0"),
        "inspect shows the interface version\n{}",
        run.describe()
    );
}

#[test]
fn other_scrapers_save_records() {
    // (scraper, record format, file extension)
    let cases = [
        ("tumblr-api-v1", "tumblr-api-v1-json", "json"),
        ("tumblr-themed-pages", "html", "html"),
    ];
    for (scraper, format, extension) in cases {
        let Some(server) = start_fake(|_| {}) else {
            return;
        };
        let scratch = Scratch::new(&format!("records-{scraper}"));
        let mut args = archive_args(&server, &scratch.out());
        args.extend(["--scraper".to_string(), scraper.to_string()]);
        let run = run_archiver(&args, &scratch.dir, None);
        assert_eq!(run.code, Some(0), "{scraper} exit code\n{}", run.describe());
        let blog_dir = scratch.blog_dir();
        let posts = manifest_posts(&read_manifest(&blog_dir));
        assert!(!posts.is_empty(), "{scraper}: posts recorded");
        for post in &posts {
            let id = text(post, "id");
            assert_eq!(post["record_format"], format, "{scraper}: post {id} format");
            assert_eq!(
                post["record"],
                format!("posts/{id}.{extension}"),
                "{scraper}: post {id} record path"
            );
            let saved = fs::read_to_string(record_path(&blog_dir, post)).expect("record file");
            assert!(
                saved.contains(id),
                "{scraper}: post {id} record names its post"
            );
        }
    }
}
