//! A media file whose host returns 404 for every size ends as a
//! `missing` entry, the run exits 3, and every other file still arrives.

use fake_tumblr::{Fault, FaultKind, PathMatch};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, first_post, fixtures_or_skip,
    media_entries, post_id, read_manifest, run_archiver, start_fake, text, url_path,
};

#[test]
fn missing_media_incomplete() {
    if fixtures_or_skip().is_none() {
        return;
    }
    let photoset = first_post("posts-legacy-photoset.json");
    let photoset_id = post_id(&photoset);
    let photo_url = photoset["photos"][0]["original_size"]["url"]
        .as_str()
        .expect("the photoset's first photo has a URL")
        .to_string();
    // Every size of a legacy photo shares the hash folder, so failing the
    // folder leaves the host no smaller size to fall back to.
    let photo_path = url_path(&photo_url).to_string();
    let folder = match photo_path.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/"),
        None => panic!("photo path {photo_path} has a folder"),
    };

    let fault_folder = folder.clone();
    let Some(server) = start_fake(move |config| {
        config.faults = vec![Fault::always(
            PathMatch::Prefix(fault_folder),
            FaultKind::Status(404),
        )];
    }) else {
        return;
    };
    let scratch = Scratch::new("missing");
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(3),
        "exit code of an incomplete run\n{}",
        run.describe()
    );

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let entries = media_entries(&manifest);
    let failed = entries
        .iter()
        .find(|entry| {
            text(entry, "post_id") == photoset_id
                && url_path(text(entry, "original_url")) == photo_path
        })
        .unwrap_or_else(|| panic!("manifest lists {photo_url} of post {photoset_id}"));
    assert_eq!(
        failed["status"], "missing",
        "status of the 404 photo: {failed}"
    );
    assert!(
        text(failed, "notes").contains("404"),
        "notes of the 404 photo mention the status: {failed}"
    );
    let failed_file = text(failed, "filename");
    assert!(
        failed_file.is_empty() || !blog_dir.join(failed_file).exists(),
        "no file for the missing photo"
    );

    let others_bad: Vec<String> = entries
        .iter()
        .filter(|entry| !url_path(text(entry, "original_url")).starts_with(&folder))
        .filter(|entry| !matches!(text(entry, "status"), "downloaded" | "embed" | "skipped"))
        .map(|entry| format!("{} {}", text(entry, "status"), text(entry, "original_url")))
        .collect();
    assert!(
        others_bad.is_empty(),
        "every other media item downloaded: {others_bad:?}"
    );
    assert_downloads_match_files(&blog_dir, &manifest);

    let sibling_paths: Vec<String> = photoset["photos"]
        .as_array()
        .expect("photoset photos")
        .iter()
        .skip(1)
        .filter_map(|photo| photo["original_size"]["url"].as_str())
        .map(|url| url_path(url).to_string())
        .collect();
    for path in &sibling_paths {
        let done = entries.iter().any(|entry| {
            url_path(text(entry, "original_url")) == path && entry["status"] == "downloaded"
        });
        assert!(done, "photoset sibling {path} downloaded");
    }

    let runs = manifest["runs"].as_array().expect("runs is an array");
    assert_eq!(
        runs.last().map(|run| &run["outcome"]),
        Some(&serde_json::json!("incomplete")),
        "run outcome"
    );
}
