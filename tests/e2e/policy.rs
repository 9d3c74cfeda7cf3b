//! A policy loaded from disk with `--plugin` replaces the default policy:
//! the test plugin keeps only the first image or GIF of each post and names
//! it `first/{post id}.{ext}`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, downloaded, path_arg, read_manifest,
    run_archiver, start_fake, text,
};

#[test]
fn policy_plugin_from_disk() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let plugin = Path::new(env!("PLUGIN_WASM_DIR")).join("policy_first_image.wasm");
    assert!(
        plugin.is_file(),
        "test plugin built at {}",
        plugin.display()
    );

    let scratch = Scratch::new("policy");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--plugin".to_string());
    args.push(path_arg(&plugin));
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(0),
        "archive with the policy plugin\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let runs = manifest["runs"].as_array().expect("runs is an array");
    assert_eq!(
        runs.last().map(|run| &run["policy"]["name"]),
        Some(&serde_json::json!("first-image-policy")),
        "the run records the plugin's policy"
    );

    let downloads = downloaded(&manifest);
    assert!(!downloads.is_empty(), "the policy keeps some images");
    assert_downloads_match_files(&blog_dir, &manifest);

    let mut per_post: BTreeMap<String, usize> = BTreeMap::new();
    for entry in &downloads {
        let post_id = text(entry, "post_id");
        let filename = text(entry, "filename");
        assert!(
            filename.starts_with("first/"),
            "filename {filename:?} is in first/"
        );
        let expected_stem = format!("first/{post_id}.");
        assert!(
            filename.starts_with(&expected_stem),
            "filename {filename:?} is named after post {post_id}"
        );
        let media_type = text(entry, "media_type");
        assert!(
            media_type == "image" || media_type == "gif",
            "only images and GIFs downloaded, got {media_type} in {filename}"
        );
        *per_post.entry(post_id.to_string()).or_insert(0) += 1;
    }
    let crowded: Vec<(&String, &usize)> =
        per_post.iter().filter(|(_, count)| **count > 1).collect();
    assert!(
        crowded.is_empty(),
        "at most one download per post: {crowded:?}"
    );

    let media_fetched: Vec<String> = server
        .media_requests()
        .into_iter()
        .map(|request| request.path)
        .filter(|path| path.ends_with(".mp4") || path.ends_with(".mp3"))
        .collect();
    assert!(
        media_fetched.is_empty(),
        "no video or audio fetched: {media_fetched:?}"
    );
}
