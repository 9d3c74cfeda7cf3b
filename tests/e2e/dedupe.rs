//! Two posts whose photos have different URLs but the same bytes: the
//! archive stores one file, and both manifest entries point at it.

use fake_tumblr::{SyntheticBlog, photo_path, photo_url};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, downloaded, entries_for_path,
    file_checksums, read_manifest, run_archiver, served_checksum, start_synthetic, text,
};

#[test]
fn same_bytes_stored_once() {
    // The first photo of post 2 is served with the bytes of the first
    // photo of post 0.
    let blog = SyntheticBlog::new(4).same_bytes(0, 2);
    let Some(server) = start_synthetic(blog, |_| {}) else {
        return;
    };
    let scratch = Scratch::new("dedupe");
    let run = run_archiver(&archive_args(&server, &scratch.out()), &scratch.dir, None);
    assert_eq!(run.code, Some(0), "dedupe run\n{}", run.describe());

    let blog_dir = scratch.blog_dir();
    let manifest = read_manifest(&blog_dir);
    let source_path = photo_path(0, 0, 1280);
    let copy_path = photo_path(2, 0, 1280);
    assert_ne!(photo_url(0, 0), photo_url(2, 0), "the URLs differ");
    let source = entries_for_path(&manifest, &source_path);
    let copy = entries_for_path(&manifest, &copy_path);
    assert_eq!(source.len(), 1, "one entry for the source photo");
    assert_eq!(copy.len(), 1, "one entry for the copy");
    let (source, copy) = (&source[0], &copy[0]);

    assert_eq!(source["status"], "downloaded", "source status: {source}");
    assert_eq!(copy["status"], "downloaded", "copy status: {copy}");
    assert_eq!(
        text(source, "checksum"),
        served_checksum(&source_path),
        "checksum of the served bytes"
    );
    assert_eq!(
        text(copy, "checksum"),
        text(source, "checksum"),
        "both entries have one checksum"
    );
    assert_eq!(
        text(copy, "filename"),
        text(source, "filename"),
        "both entries name one file"
    );
    let noted = [source, copy]
        .iter()
        .filter(|entry| text(entry, "notes").contains("same bytes as"))
        .count();
    assert_eq!(noted, 1, "the later entry notes the shared file");

    let files = file_checksums(&blog_dir);
    let shared: Vec<&String> = files
        .iter()
        .filter(|(_, checksum)| checksum.as_str() == text(source, "checksum"))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        shared.len(),
        1,
        "one file holds the shared bytes: {shared:?}"
    );
    let mut distinct: Vec<&String> = files.values().collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        files.len(),
        "no two files hold the same bytes"
    );
    let mut named: Vec<String> = downloaded(&manifest)
        .iter()
        .map(|entry| text(entry, "filename").to_string())
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(named.len(), files.len(), "every file on disk is named once");
    assert_downloads_match_files(&blog_dir, &manifest);
}
