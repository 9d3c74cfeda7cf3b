//! Paging through a generated blog whose posts partly share one timestamp:
//! every post and every photo lands in the manifest exactly once.

use std::collections::BTreeMap;

use fake_tumblr::{RequestKind, SyntheticBlog, photo_count, photo_url, post_id};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, manifest_post_ids, media_entries,
    read_manifest, run_archiver, start_synthetic, text,
};

const POSTS: usize = 60;
const PAGE_SIZE: usize = 20;

#[test]
fn shared_timestamps_all_posts() {
    // Twenty posts that straddle the first page boundary share one
    // timestamp, so paging by time would lose or repeat some.
    let blog = SyntheticBlog::new(POSTS).share_timestamp(15..35);
    let Some(server) = start_synthetic(blog, |_| {}) else {
        return;
    };
    let scratch = Scratch::new("pagination");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--plugin-opt".to_string());
    args.push(format!("page-size={PAGE_SIZE}"));
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "paging run\n{}", run.describe());

    let manifest = read_manifest(&scratch.blog_dir());
    let mut post_counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in manifest_post_ids(&manifest) {
        *post_counts.entry(id).or_insert(0) += 1;
    }
    for index in 0..POSTS {
        let id = post_id(index).to_string();
        assert_eq!(
            post_counts.get(&id),
            Some(&1),
            "post {index} (id {id}) appears once"
        );
    }
    assert_eq!(post_counts.len(), POSTS, "no other posts");

    let mut url_counts: BTreeMap<String, usize> = BTreeMap::new();
    for entry in media_entries(&manifest) {
        *url_counts
            .entry(text(&entry, "original_url").to_string())
            .or_insert(0) += 1;
    }
    let mut photos = 0;
    for index in 0..POSTS {
        for photo in 0..photo_count(index) {
            photos += 1;
            let url = photo_url(index, photo);
            assert_eq!(
                url_counts.get(&url),
                Some(&1),
                "photo {photo} of post {index} listed once"
            );
        }
    }
    assert_eq!(url_counts.len(), photos, "no other media entries");
    assert_downloads_match_files(&scratch.blog_dir(), &manifest);

    let pages: Vec<String> = server
        .requests()
        .iter()
        .filter(|request| request.kind == RequestKind::Api && request.path.ends_with("/posts"))
        .map(|request| request.query_param("offset").unwrap_or_default())
        .collect();
    assert_eq!(
        pages,
        ["0", "20", "40", "60"],
        "pages requested by offset, ending with an empty page"
    );
}
