//! `--dry-run` lists what a run would download, as `URL<TAB>FILENAME`
//! lines on stdout, and touches neither the disk nor the media hosts.

use crate::support::{
    Scratch, archive_args, fixture_photos, photo_stem, run_archiver, start_fake, url_path,
};

#[test]
fn dry_run_lists_media() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("dry-run");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--dry-run".to_string());
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "dry run exit code\n{}", run.describe());

    let mut urls = Vec::new();
    for line in run.stdout.lines().filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 2, "line {line:?} is URL<TAB>FILENAME");
        let (url, filename) = (fields[0], fields[1]);
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "first field of {line:?} is a URL"
        );
        assert!(!filename.is_empty(), "line {line:?} names a file");
        urls.push(url);
    }
    assert!(
        !urls.is_empty(),
        "the dry run lists media\n{}",
        run.describe()
    );

    let photos = fixture_photos(&server);
    assert!(
        photos.len() >= 5,
        "the fixtures hold photo posts, found {}",
        photos.len()
    );
    for (post_id, photo) in &photos {
        let stem = photo_stem(url_path(photo));
        let listed = urls.iter().any(|url| url_path(url).starts_with(stem));
        assert!(listed, "photo {photo} of post {post_id} is listed");
    }

    assert!(
        !scratch.out().exists(),
        "the dry run creates no output folder"
    );
    let media = server.media_requests();
    assert!(
        media.is_empty(),
        "no media request during a dry run: {:?}",
        media.first()
    );
}

#[test]
fn dry_run_skips_archived_files() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("dry-run-archived");
    let args = archive_args(&server, &scratch.out());
    let full = run_archiver(&args, &scratch.dir, None);
    assert_eq!(full.code, Some(0), "archive exit code\n{}", full.describe());
    let manifest_before =
        std::fs::read(scratch.blog_dir().join("manifest.json")).expect("manifest");

    let mut dry = args.clone();
    dry.push("--dry-run".to_string());
    let run = run_archiver(&dry, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "dry run exit code\n{}", run.describe());
    assert_eq!(run.stdout.trim(), "", "nothing is left to download");
    let manifest_after = std::fs::read(scratch.blog_dir().join("manifest.json")).expect("manifest");
    assert_eq!(
        manifest_before, manifest_after,
        "the dry run leaves the manifest untouched"
    );
}
