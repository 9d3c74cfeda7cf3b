//! Tumblr's API quotas against a generated blog. A used-up hourly quota
//! makes the run wait for the reset and finish. A used-up daily quota stops
//! the crawl with exit status 8 and keeps what was found, and a later run
//! finishes the archive.

use std::time::{Duration, Instant};

use fake_tumblr::{Quota, RequestKind, SyntheticBlog, post_id};

use crate::support::{
    Scratch, archive_args, assert_downloads_match_files, entry_summary, file_checksums,
    manifest_post_ids, media_entries, read_manifest, run_archiver, start_synthetic, text,
};

/// Returns `archive_args` with the given page size.
fn args_with_page_size(
    server: &fake_tumblr::FakeTumblr,
    scratch: &Scratch,
    page_size: u32,
) -> Vec<String> {
    let mut args = archive_args(server, &scratch.out());
    args.push("--plugin-opt".to_string());
    args.push(format!("page-size={page_size}"));
    args
}

/// Returns the ids of the first `count` generated posts, newest first.
fn first_ids(count: usize) -> Vec<String> {
    (0..count).map(|index| post_id(index).to_string()).collect()
}

/// Returns the `offset` parameter of a saved request URL.
fn offset_of(url: &str) -> Option<u64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("offset="))
        .and_then(|offset| offset.parse().ok())
}

#[test]
fn hourly_quota_waits() {
    // Ten posts in pages of two take seven API calls (the info, five full
    // pages and an empty one), so a quota of three calls per 2 s window
    // runs out twice.
    let Some(server) = start_synthetic(SyntheticBlog::new(10), |config| {
        config.quota = Some(Quota {
            hourly_limit: 3,
            hourly_window: Duration::from_secs(2),
            ..Quota::default()
        });
    }) else {
        return;
    };
    let scratch = Scratch::new("hourly");
    let started = Instant::now();
    let run = run_archiver(
        &args_with_page_size(&server, &scratch, 2),
        &scratch.dir,
        None,
    );
    let elapsed = started.elapsed();
    assert_eq!(
        run.code,
        Some(0),
        "the run waits for the hourly reset and completes\n{}",
        run.describe()
    );
    assert!(
        run.stderr
            .contains("the hourly API quota is used up, resuming in"),
        "stderr tells about the wait\n{}",
        run.describe()
    );
    assert!(
        elapsed >= Duration::from_secs(2),
        "the run waited for at least one reset, took {elapsed:?}"
    );

    let manifest = read_manifest(&scratch.blog_dir());
    let mut ids = manifest_post_ids(&manifest);
    ids.sort();
    let mut expected = first_ids(10);
    expected.sort();
    assert_eq!(ids, expected, "every post archived");
    assert_eq!(manifest["crawl"]["finished"], true, "the crawl finished");
    assert_downloads_match_files(&scratch.blog_dir(), &manifest);

    let api_calls = server
        .requests()
        .iter()
        .filter(|request| request.kind == RequestKind::Api)
        .count();
    assert!(
        api_calls >= 7,
        "the info, five pages and the empty page were requested ({api_calls} API requests)"
    );
}

#[test]
fn daily_quota_stops_and_resumes() {
    // Thirty posts in pages of five: a daily quota of four calls serves
    // the info and three pages (fifteen posts), then runs out.
    let quota = Quota {
        daily_limit: 4,
        daily_window: Duration::from_secs(3 * 3600),
        ..Quota::default()
    };
    let Some(server) = start_synthetic(SyntheticBlog::new(30), move |config| {
        config.quota = Some(quota);
    }) else {
        return;
    };
    let scratch = Scratch::new("daily");
    let args = args_with_page_size(&server, &scratch, 5);
    let first = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        first.code,
        Some(8),
        "exit status of a used-up daily quota\n{}",
        first.describe()
    );
    assert!(
        first.stderr.contains("daily"),
        "stderr names the daily quota\n{}",
        first.describe()
    );
    assert!(
        first.stderr.contains("resets in"),
        "stderr names the reset time\n{}",
        first.describe()
    );
    assert!(
        first.stderr.contains("--max-wait"),
        "stderr names --max-wait\n{}",
        first.describe()
    );

    let blog_dir = scratch.blog_dir();
    let stopped = read_manifest(&blog_dir);
    let crawl = &stopped["crawl"];
    assert_eq!(
        crawl["finished"], false,
        "the crawl is not finished: {crawl}"
    );
    let pending = crawl["pending"].as_array().cloned().unwrap_or_default();
    assert!(!pending.is_empty(), "pending requests are saved: {crawl}");
    let archived = manifest_post_ids(&stopped);
    assert_eq!(
        archived,
        first_ids(15),
        "the posts of the three served pages, in order"
    );
    let next_offset = pending
        .first()
        .and_then(|request| offset_of(text(request, "url")));
    assert_eq!(
        next_offset,
        Some(15),
        "the saved request continues after the archived posts: {pending:?}"
    );
    let listed = media_entries(&stopped);
    assert!(!listed.is_empty(), "media of the archived posts are listed");
    let not_downloaded: Vec<String> = listed
        .iter()
        .filter(|entry| entry["status"] != "downloaded")
        .map(|entry| format!("{} {}", text(entry, "status"), text(entry, "original_url")))
        .collect();
    assert!(
        not_downloaded.is_empty(),
        "media already listed are downloaded: {not_downloaded:?}"
    );
    assert_downloads_match_files(&blog_dir, &stopped);

    // A new day: the quota starts over, with room for the rest of the
    // crawl and the incremental pass (four calls would run out again).
    server.set_quota(Some(Quota::default()));
    let second = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        second.code,
        Some(0),
        "the run after the reset completes\n{}",
        second.describe()
    );
    let finished = read_manifest(&blog_dir);
    assert_eq!(finished["crawl"]["finished"], true, "the crawl finished");
    let mut ids = manifest_post_ids(&finished);
    ids.sort();
    let mut expected = first_ids(30);
    expected.sort();
    assert_eq!(ids, expected, "every post archived once");
    assert_downloads_match_files(&blog_dir, &finished);

    let Some(reference) = start_synthetic(SyntheticBlog::new(30), |_| {}) else {
        return;
    };
    let reference_scratch = Scratch::new("daily-reference");
    let uninterrupted = run_archiver(
        &args_with_page_size(&reference, &reference_scratch, 5),
        &reference_scratch.dir,
        None,
    );
    assert_eq!(
        uninterrupted.code,
        Some(0),
        "uninterrupted run\n{}",
        uninterrupted.describe()
    );
    assert_eq!(
        file_checksums(&blog_dir),
        file_checksums(&reference_scratch.blog_dir()),
        "the resumed archive has the files of an uninterrupted run"
    );
    assert_eq!(
        entry_summary(&finished),
        entry_summary(&read_manifest(&reference_scratch.blog_dir())),
        "the resumed manifest lists the media of an uninterrupted run"
    );
}
