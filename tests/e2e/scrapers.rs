//! The three embedded scrapers on one blog: the API v2 with a key, the
//! legacy v1 API and the themed pages without one must download the same
//! media. Also the choice of scraper without a key, and a missing blog
//! through the v1 API.

use std::collections::BTreeSet;

use fake_tumblr::{
    FIRST_TIMESTAMP, FakeTumblr, MEDIA_ORIGIN, PhotoSize, photo_path, photo_post, post_id,
    text_post, video_post,
};
use serde_json::Value;

use crate::support::{
    API_KEY, BLOG, Run, Scratch, archive_args, assert_downloads_match_files, downloaded,
    read_manifest, run_archiver, start_fake, text,
};

const POSTS: usize = 30;

/// Number of photos of the photoset, post 2.
const PHOTOSET_LEN: usize = 3;

const VIDEO_URL: &str = "https://va.media.tumblr.com/tumblr_e2escrapers.mp4";

fn inline_image_url() -> String {
    format!("{MEDIA_ORIGIN}/0a1b2c3d4e5f60718293a4b5c6d7e8f9/tumblr_inline_e2escrapers_540.jpg")
}

fn photo_sizes(index: usize, photo: usize) -> Vec<PhotoSize> {
    vec![
        PhotoSize::new(
            &format!("{MEDIA_ORIGIN}{}", photo_path(index, photo, 1280)),
            1280,
            960,
        ),
        PhotoSize::new(
            &format!("{MEDIA_ORIGIN}{}", photo_path(index, photo, 500)),
            500,
            375,
        ),
    ]
}

/// Builds the blog, newest first: post 0 is a text post with an inline
/// image, post 1 a video, post 2 a photoset and every other post one photo
/// in two sizes.
fn blog_posts() -> Vec<Value> {
    (0..POSTS)
        .map(|index| {
            let id = post_id(index);
            let timestamp = FIRST_TIMESTAMP - 3600 * index as i64;
            match index {
                0 => text_post(
                    BLOG,
                    id,
                    timestamp,
                    &format!("<p>Inline <img src=\"{}\"></p>", inline_image_url()),
                ),
                1 => video_post(BLOG, id, timestamp, VIDEO_URL, 480, 270),
                2 => {
                    let photos: Vec<Vec<PhotoSize>> = (0..PHOTOSET_LEN)
                        .map(|photo| photo_sizes(index, photo))
                        .collect();
                    photo_post(BLOG, id, timestamp, &photos)
                }
                _ => photo_post(BLOG, id, timestamp, &[photo_sizes(index, 0)]),
            }
        })
        .collect()
}

/// Returns the original URLs that every scraper must download: the
/// largest size of each photo, the inline image and the video.
fn expected_urls() -> BTreeSet<String> {
    let mut urls = BTreeSet::new();
    urls.insert(inline_image_url());
    urls.insert(VIDEO_URL.to_string());
    for index in 2..POSTS {
        let count = if index == 2 { PHOTOSET_LEN } else { 1 };
        for photo in 0..count {
            urls.insert(format!("{MEDIA_ORIGIN}{}", photo_path(index, photo, 1280)));
        }
    }
    urls
}

/// Returns the archive arguments without `--api-key`, followed by `extra`.
fn keyless_args(server: &FakeTumblr, out: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = archive_args(server, out);
    let key_at = args
        .iter()
        .position(|arg| arg == "--api-key")
        .expect("archive_args passes --api-key");
    args.drain(key_at..key_at + 2);
    args.extend(extra.iter().map(|arg| arg.to_string()));
    args
}

/// Runs one archive of the blog into a new folder and returns the run
/// and the original URLs of the downloaded entries.
fn archive_with(label: &str, extra: &[&str], with_key: bool) -> Option<(Run, BTreeSet<String>)> {
    let server = start_fake(|config| config.posts = Some(blog_posts()))?;
    let scratch = Scratch::new(label);
    let args = if with_key {
        let mut args = archive_args(&server, &scratch.out());
        args.extend(extra.iter().map(|arg| arg.to_string()));
        args
    } else {
        keyless_args(&server, &scratch.out(), extra)
    };
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "{label} run\n{}", run.describe());
    let manifest = read_manifest(&scratch.blog_dir());
    assert_downloads_match_files(&scratch.blog_dir(), &manifest);
    let urls: BTreeSet<String> = downloaded(&manifest)
        .iter()
        .map(|entry| text(entry, "original_url").to_string())
        .collect();
    Some((run, urls))
}

#[test]
fn scrapers_same_media() {
    let Some((_, v2)) = archive_with("scrapers-v2", &["--scraper", "tumblr-api-v2"], true) else {
        return;
    };
    let Some((_, v1)) = archive_with("scrapers-v1", &["--scraper", "tumblr-api-v1"], false) else {
        return;
    };
    let Some((_, themed)) = archive_with(
        "scrapers-themed",
        &["--scraper", "tumblr-themed-pages"],
        false,
    ) else {
        return;
    };
    eprintln!(
        "downloaded media: tumblr-api-v2 {}, tumblr-api-v1 {}, tumblr-themed-pages {}",
        v2.len(),
        v1.len(),
        themed.len()
    );

    let expected = expected_urls();
    assert_eq!(v2, expected, "tumblr-api-v2 downloads every original");
    assert_eq!(v1, v2, "tumblr-api-v1 downloads what tumblr-api-v2 does");
    assert_eq!(
        themed, v2,
        "tumblr-themed-pages downloads what tumblr-api-v2 does"
    );
}

#[test]
fn default_scraper_without_key() {
    let Some(server) = start_fake(|config| {
        config.posts = Some(blog_posts().into_iter().skip(POSTS - 3).collect());
    }) else {
        return;
    };
    let scratch = Scratch::new("scrapers-default");
    let run = run_archiver(
        &keyless_args(&server, &scratch.out(), &[]),
        &scratch.dir,
        None,
    );
    assert_eq!(run.code, Some(0), "keyless run\n{}", run.describe());
    assert!(
        run.stderr.contains("tumblr-api-v1"),
        "stderr names the scraper\n{}",
        run.describe()
    );
    assert!(
        run.stderr.contains("no API key"),
        "stderr gives the reason\n{}",
        run.describe()
    );

    let v1_requests = server
        .requests()
        .iter()
        .filter(|request| request.path == "/api/read/json")
        .count();
    assert!(v1_requests >= 1, "the v1 API was requested");
    let api_requests = server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with("/v2/"))
        .count();
    assert_eq!(api_requests, 0, "the v2 API was not requested");

    let manifest = read_manifest(&scratch.blog_dir());
    assert_eq!(downloaded(&manifest).len(), 3, "three photos downloaded");
}

#[test]
fn v1_missing_blog_exits_4() {
    let Some(server) = start_fake(|config| {
        config.posts = Some(blog_posts());
        config.not_found_blogs = vec![BLOG.to_string()];
    }) else {
        return;
    };
    let scratch = Scratch::new("scrapers-missing");
    let args = keyless_args(&server, &scratch.out(), &["--scraper", "tumblr-api-v1"]);
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(4), "missing blog\n{}", run.describe());
    assert!(
        run.stderr.contains("not found"),
        "stderr says the blog was not found\n{}",
        run.describe()
    );
    assert!(
        !args.contains(&API_KEY.to_string()),
        "the run had no API key"
    );
}
