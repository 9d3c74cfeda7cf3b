//! Best resolution and the Internet Archive fallback, end to end. Each case
//! serves posts whose media take one path through the resolver. The paths
//! are a larger legacy size, a failed upgrade, Tumblr's image page, the
//! `.gifv` form of a GIF, the unsuffixed original of a video, a capture in
//! the Wayback Machine, and no capture at all. The checks cover the
//! manifest entry (status, rendition, download URL, provenance, pixel
//! size, notes) and the file on disk, whose extension follows the bytes
//! received. One run of every case on one blog prints how many items took
//! each path.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use fake_tumblr::{
    Capture, CdxMode, Config, FakeTumblr, Fault, FaultKind, MediaBody, PathMatch, PhotoSize,
    RecordedRequest, RequestKind, jpeg_image, media_body, photo_post, video_post, webp_image,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{
    BLOG, Run, Scratch, archive_args, checksum, media_entries, read_manifest, run_archiver,
    start_fake, text, url_path,
};

/// Origin of every image URL of these posts.
const IMAGE_ORIGIN: &str = "https://64.media.tumblr.com";

/// Origin of every video URL of these posts.
const VIDEO_ORIGIN: &str = "https://vt.tumblr.com";

/// Origin of the Wayback Machine, as the manifest names it.
const WAYBACK_ORIGIN: &str = "https://web.archive.org";

/// Id of the post of case 0; case `n` has the id `n * 1000` lower.
const FIRST_CASE_POST_ID: u64 = 710_000_000_000_000_000;

/// Timestamp of the post of case 0; case `n` is `n` hours older.
const FIRST_CASE_TIMESTAMP: i64 = 1_650_000_000;

/// The expected manifest entry of one media item, and the file the
/// archive must contain for it.
struct Expected {
    original_url: String,
    status: &'static str,
    rendition: Option<&'static str>,
    download_url: Option<String>,
    retrieved_from: Option<&'static str>,
    archive_snapshot_url: Option<String>,
    /// Width and height read from the file; `None` leaves them unchecked.
    size: Option<(u32, u32)>,
    notes: Notes,
    /// Bytes and extension of the file; `None` when no file may exist.
    file: Option<(Vec<u8>, &'static str)>,
}

/// What the `notes` of an entry must be.
enum Notes {
    Absent,
    Contain(Vec<&'static str>),
    /// Contains every listed text and ends with the last one.
    EndWith(Vec<&'static str>),
}

/// Posts and server settings that take media through one path of the
/// resolver, and the entries the manifest must then have.
struct Case {
    posts: Vec<Value>,
    faults: Vec<Fault>,
    media_files: Vec<(String, MediaBody)>,
    image_pages: Vec<(String, String)>,
    captures: Vec<Capture>,
    expected: Vec<Expected>,
}

impl Case {
    fn new(posts: Vec<Value>) -> Self {
        Self {
            posts,
            faults: Vec::new(),
            media_files: Vec::new(),
            image_pages: Vec::new(),
            captures: Vec::new(),
            expected: Vec::new(),
        }
    }

    /// Adds this case's posts and settings to `config`.
    fn apply(&self, config: &mut Config) {
        config
            .posts
            .get_or_insert_with(Vec::new)
            .extend(self.posts.iter().cloned());
        config.faults.extend(self.faults.iter().cloned());
        config.media_files.extend(self.media_files.iter().cloned());
        config.image_pages.extend(self.image_pages.iter().cloned());
        config
            .wayback
            .captures
            .extend(self.captures.iter().cloned());
    }
}

/// Returns 64 hex digits that derive from `label`.
fn hex(label: &str) -> String {
    Sha256::digest(label.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Returns the path of a legacy photo in the size `size`:
/// `/{32 hex}/tumblr_{17 hex}o1_{size}.{extension}`. Every size of one
/// label shares the folder and token.
fn legacy_path(label: &str, size: u32, extension: &str) -> String {
    let digits = hex(label);
    format!(
        "{}tumblr_{}o1_{size}.{extension}",
        legacy_folder(label),
        &digits[32..49]
    )
}

/// Returns the folder that contains every size of a legacy photo.
fn legacy_folder(label: &str) -> String {
    format!("/{}/", &hex(label)[..32])
}

/// Returns the path of a current-style image in the size bucket `bucket`:
/// `/{32 hex}/{16 hex}-{2 hex}/{bucket}/{40 hex}.jpg`, where the last part
/// differs per bucket as on Tumblr.
fn current_path(label: &str, bucket: &str) -> String {
    format!(
        "{}{bucket}/{}.jpg",
        current_folder(label),
        &hex(&format!("{label} {bucket}"))[..40]
    )
}

fn current_folder(label: &str) -> String {
    let digits = hex(label);
    format!(
        "/{}/{}-{}/",
        &digits[..32],
        &digits[32..48],
        &digits[48..50]
    )
}

/// Returns the token of a video, 15 letters and digits as Tumblr's.
fn video_token(label: &str) -> String {
    hex(label)[..15].to_string()
}

fn post_id(case: usize) -> u64 {
    FIRST_CASE_POST_ID - 1000 * case as u64
}

fn photo_case_post(case: usize, photos: &[Vec<PhotoSize>]) -> Value {
    let timestamp = FIRST_CASE_TIMESTAMP - 3600 * case as i64;
    photo_post(BLOG, post_id(case), timestamp, photos)
}

fn video_case_post(case: usize, url: &str) -> Value {
    let timestamp = FIRST_CASE_TIMESTAMP - 3600 * case as i64;
    video_post(BLOG, post_id(case), timestamp, url, 480, 270)
}

fn image_url(path: &str) -> String {
    format!("{IMAGE_ORIGIN}{path}")
}

fn raw_capture_url(timestamp: &str, original: &str) -> String {
    format!("{WAYBACK_ORIGIN}/web/{timestamp}id_/{original}")
}

fn snapshot_url(timestamp: &str, original: &str) -> String {
    format!("{WAYBACK_ORIGIN}/web/{timestamp}/{original}")
}

/// Builds a `_500.jpg` legacy photo whose `_1280.jpg` exists and states
/// its size.
fn upgraded_legacy(case: usize) -> Case {
    let label = "upgraded legacy";
    let reported = image_url(&legacy_path(label, 500, "jpg"));
    let larger = legacy_path(label, 1280, "jpg");
    let larger_body = jpeg_image(1280, 960, &larger);
    let mut built = Case::new(vec![photo_case_post(
        case,
        &[vec![
            PhotoSize::new(&reported, 500, 375),
            PhotoSize::new(&image_url(&legacy_path(label, 250, "jpg")), 250, 188),
        ]],
    )]);
    built
        .media_files
        .push((larger.clone(), larger_body.clone()));
    built.expected.push(Expected {
        original_url: reported,
        status: "downloaded",
        rendition: Some("upgraded"),
        download_url: Some(image_url(&larger)),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        size: Some((1280, 960)),
        notes: Notes::Contain(vec!["upgraded from"]),
        file: Some((larger_body.bytes, "jpg")),
    });
    built
}

/// Builds a `_500.png` legacy photo whose `_1280.png` returns 404, so the
/// reported URL is downloaded. It delivers JPEG bytes, which are saved as
/// `.jpg`.
fn failed_upgrade(case: usize) -> Case {
    let label = "failed upgrade";
    let reported_path = legacy_path(label, 500, "png");
    let reported = image_url(&reported_path);
    let reported_body = jpeg_image(500, 400, &reported_path);
    let mut built = Case::new(vec![photo_case_post(
        case,
        &[vec![
            PhotoSize::new(&reported, 500, 400),
            PhotoSize::new(&image_url(&legacy_path(label, 250, "png")), 250, 200),
        ]],
    )]);
    built.faults.push(Fault::always(
        PathMatch::Exact(legacy_path(label, 1280, "png")),
        FaultKind::Status(404),
    ));
    built
        .media_files
        .push((reported_path, reported_body.clone()));
    built.expected.push(Expected {
        original_url: reported.clone(),
        status: "downloaded",
        rendition: Some("reported"),
        download_url: Some(reported),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        size: Some((500, 400)),
        notes: Notes::Absent,
        file: Some((reported_body.bytes, "jpg")),
    });
    built
}

/// Returns the URL of a current-style image capped at `s2048x3072`, its
/// image page path, and the photo's sizes as the API lists them.
fn capped_image(label: &str) -> (String, String, Vec<PhotoSize>) {
    let reported = image_url(&current_path(label, "s2048x3072"));
    let file = url_path(&reported)
        .rsplit('/')
        .next()
        .expect("the path has a file name")
        .to_string();
    let page = format!("{}s99999x99999/{file}", current_folder(label));
    let sizes = vec![
        PhotoSize::new(&reported, 2048, 2731),
        PhotoSize::new(&image_url(&current_path(label, "s1280x1920")), 1280, 1707),
    ];
    (reported, page, sizes)
}

/// Builds a current-style image capped at 2048 pixels wide whose image
/// page names a 3000 by 4000 original.
fn image_page_upgrade(case: usize) -> Case {
    let label = "image page";
    let (reported, page, sizes) = capped_image(label);
    let original_path = current_path(label, "s3000x4000");
    let original_body = jpeg_image(3000, 4000, &original_path);
    let mut built = Case::new(vec![photo_case_post(case, &[sizes])]);
    built.image_pages.push((page, image_url(&original_path)));
    built
        .media_files
        .push((original_path.clone(), original_body.clone()));
    built.expected.push(Expected {
        original_url: reported,
        status: "downloaded",
        rendition: Some("upgraded"),
        download_url: Some(image_url(&original_path)),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        size: Some((3000, 4000)),
        notes: Notes::Contain(vec!["upgraded from"]),
        file: Some((original_body.bytes, "jpg")),
    });
    built
}

/// Builds a capped current-style image whose image page returns 404, so
/// the reported URL is downloaded.
fn image_page_missing(case: usize) -> Case {
    let label = "image page missing";
    let (reported, _page, sizes) = capped_image(label);
    let reported_path = url_path(&reported).to_string();
    let reported_body = jpeg_image(2048, 2731, &reported_path);
    let mut built = Case::new(vec![photo_case_post(case, &[sizes])]);
    built
        .media_files
        .push((reported_path, reported_body.clone()));
    built.expected.push(Expected {
        original_url: reported.clone(),
        status: "downloaded",
        rendition: Some("reported"),
        download_url: Some(reported),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        size: Some((2048, 2731)),
        notes: Notes::Absent,
        file: Some((reported_body.bytes, "jpg")),
    });
    built
}

/// Builds a `.gif` that returns 404 while its `.gifv` form serves an
/// animated WebP, which is saved as `.webp`.
fn gif_to_gifv(case: usize) -> Case {
    let reported_path = legacy_path("gif to gifv", 400, "gif");
    let reported = image_url(&reported_path);
    let gifv_path = format!("{reported_path}v");
    let gifv_body = webp_image(400, 300, &gifv_path);
    let mut built = Case::new(vec![photo_case_post(
        case,
        &[vec![PhotoSize::new(&reported, 400, 300)]],
    )]);
    built.faults.push(Fault::always(
        PathMatch::Exact(reported_path),
        FaultKind::Status(404),
    ));
    built
        .media_files
        .push((gifv_path.clone(), gifv_body.clone()));
    built.expected.push(Expected {
        original_url: reported,
        status: "downloaded",
        rendition: Some("gifv"),
        download_url: Some(image_url(&gifv_path)),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        size: Some((400, 300)),
        notes: Notes::Contain(vec!["HTTP 404", "animated WebP"]),
        file: Some((gifv_body.bytes, "webp")),
    });
    built
}

/// Builds a `_480.mp4` video whose unsuffixed original exists.
fn video_original(case: usize) -> Case {
    let token = video_token("video original");
    let reported = format!("{VIDEO_ORIGIN}/tumblr_{token}_480.mp4");
    let original_path = format!("/tumblr_{token}.mp4");
    let mut built = Case::new(vec![video_case_post(case, &reported)]);
    built.expected.push(Expected {
        original_url: reported,
        status: "downloaded",
        rendition: Some("upgraded"),
        download_url: Some(format!("{VIDEO_ORIGIN}{original_path}")),
        retrieved_from: Some("tumblr"),
        archive_snapshot_url: None,
        // MP4 headers are not read, so the reported size stays.
        size: None,
        notes: Notes::Contain(vec!["upgraded from"]),
        file: Some((media_body(&original_path).bytes, "mp4")),
    });
    built
}

/// Builds one post with two photos whose every size returns 404. The first
/// photo has a capture of its own URL, and a newer capture of an error
/// page that the lookup filters out. The second photo only has captures of
/// other sizes, and the largest of them is taken.
fn archive_recovery(case: usize) -> Case {
    let exact_label = "archived exact";
    let exact = image_url(&legacy_path(exact_label, 500, "jpg"));
    let exact_body = jpeg_image(500, 375, "capture of the exact URL");
    let exact_time = "20160304050607";

    let sibling_label = "archived sibling";
    let sibling = image_url(&legacy_path(sibling_label, 500, "jpg"));
    let largest = image_url(&legacy_path(sibling_label, 1280, "jpg"));
    let largest_body = jpeg_image(1280, 960, "capture of the largest sibling");
    let largest_time = "20150101000000";

    let mut built = Case::new(vec![photo_case_post(
        case,
        &[
            vec![
                PhotoSize::new(&exact, 500, 375),
                PhotoSize::new(&image_url(&legacy_path(exact_label, 250, "jpg")), 250, 188),
            ],
            vec![
                PhotoSize::new(&sibling, 500, 375),
                PhotoSize::new(
                    &image_url(&legacy_path(sibling_label, 250, "jpg")),
                    250,
                    188,
                ),
            ],
        ],
    )]);
    for label in [exact_label, sibling_label] {
        built.faults.push(Fault::always(
            PathMatch::Prefix(legacy_folder(label)),
            FaultKind::Status(404),
        ));
    }
    built.captures = vec![
        Capture::new(exact_time, &exact, exact_body.clone()),
        Capture::new(
            "20200101000000",
            &exact,
            media_body("/archived-error-page.txt"),
        )
        .with_status(404),
        Capture::new(largest_time, &largest, largest_body.clone()),
        Capture::new(
            "20190101000000",
            &image_url(&legacy_path(sibling_label, 250, "jpg")),
            jpeg_image(250, 188, "capture of the smallest sibling"),
        ),
    ];
    built.expected.push(Expected {
        original_url: exact.clone(),
        status: "archived",
        rendition: Some("reported"),
        download_url: Some(raw_capture_url(exact_time, &exact)),
        retrieved_from: Some("internet_archive"),
        archive_snapshot_url: Some(snapshot_url(exact_time, &exact)),
        size: Some((500, 375)),
        notes: Notes::Contain(vec!["HTTP 404", "recovered from the Internet Archive"]),
        file: Some((exact_body.bytes, "jpg")),
    });
    built.expected.push(Expected {
        original_url: sibling,
        status: "archived",
        rendition: Some("archived-sibling"),
        download_url: Some(raw_capture_url(largest_time, &largest)),
        retrieved_from: Some("internet_archive"),
        archive_snapshot_url: Some(snapshot_url(largest_time, &largest)),
        size: Some((1280, 960)),
        notes: Notes::Contain(vec!["HTTP 404", "recovered from the Internet Archive"]),
        file: Some((largest_body.bytes, "jpg")),
    });
    built
}

/// Builds a `_480.mp4` video whose every form returns 404 and which the
/// archive never captured.
fn video_no_capture(case: usize) -> Case {
    let token = video_token("video without capture");
    let reported = format!("{VIDEO_ORIGIN}/tumblr_{token}_480.mp4");
    let mut built = Case::new(vec![video_case_post(case, &reported)]);
    built.faults.push(Fault::always(
        PathMatch::Prefix(format!("/tumblr_{token}")),
        FaultKind::Status(404),
    ));
    built.expected.push(missing(
        &reported,
        vec!["HTTP 404", "the Internet Archive has no capture"],
    ));
    built
}

/// Returns the expectation of an entry that ends `missing`.
fn missing(original_url: &str, notes: Vec<&'static str>) -> Expected {
    Expected {
        original_url: original_url.to_string(),
        status: "missing",
        rendition: None,
        download_url: None,
        retrieved_from: None,
        archive_snapshot_url: None,
        size: None,
        notes: Notes::EndWith(notes),
        file: None,
    }
}

/// Builds a legacy photo whose every size returns 404, with a capture of
/// its URL in the archive. Returns the case and the reported URL.
fn deleted_photo(case: usize, label: &str) -> (Case, String) {
    let reported = image_url(&legacy_path(label, 500, "jpg"));
    let mut built = Case::new(vec![photo_case_post(
        case,
        &[vec![PhotoSize::new(&reported, 500, 375)]],
    )]);
    built.faults.push(Fault::always(
        PathMatch::Prefix(legacy_folder(label)),
        FaultKind::Status(404),
    ));
    built.captures.push(Capture::new(
        "20140101000000",
        &reported,
        jpeg_image(500, 375, label),
    ));
    (built, reported)
}

/// The result of one archive run.
struct Outcome {
    server: FakeTumblr,
    run: Run,
    manifest: Value,
    scratch: Scratch,
}

/// Serves `cases` on one blog, after `configure` adjusts the server, and
/// archives it with `extra_args`. Returns `None` when the fixtures are
/// absent.
fn run_cases(
    label: &str,
    cases: &[&Case],
    configure: impl FnOnce(&mut Config),
    extra_args: &[&str],
) -> Option<Outcome> {
    let server = start_fake(|config| {
        for case in cases {
            case.apply(config);
        }
        configure(config);
    })?;
    let scratch = Scratch::new(label);
    let mut args = archive_args(&server, &scratch.out());
    // --rate applies to every host, and 50 per second keeps the Wayback
    // Machine's lookups fast.
    args.extend(["--rate".to_string(), "50".to_string()]);
    args.extend(extra_args.iter().map(|arg| arg.to_string()));
    let run = run_archiver(&args, &scratch.dir, None);
    let manifest = read_manifest(&scratch.blog_dir());
    Some(Outcome {
        server,
        run,
        manifest,
        scratch,
    })
}

/// Returns the one media entry of `manifest` whose `original_url` is `url`.
fn entry_for(manifest: &Value, url: &str) -> Value {
    let found: Vec<Value> = media_entries(manifest)
        .into_iter()
        .filter(|entry| text(entry, "original_url") == url)
        .collect();
    assert_eq!(found.len(), 1, "manifest entries for {url}: {found:?}");
    found[0].clone()
}

/// Checks the manifest entry and the file of `expected`.
fn check_entry(outcome: &Outcome, expected: &Expected) {
    let url = &expected.original_url;
    let entry = entry_for(&outcome.manifest, url);
    let describe = || format!("entry of {url}: {entry}\n{}", outcome.run.describe());
    assert_eq!(entry["status"], expected.status, "status; {}", describe());
    assert_eq!(
        entry["rendition"].as_str(),
        expected.rendition,
        "rendition; {}",
        describe()
    );
    assert_eq!(
        entry["download_url"].as_str(),
        expected.download_url.as_deref(),
        "download_url; {}",
        describe()
    );
    assert_eq!(
        entry["retrieved_from"].as_str(),
        expected.retrieved_from,
        "retrieved_from; {}",
        describe()
    );
    assert_eq!(
        entry["archive_snapshot_url"].as_str(),
        expected.archive_snapshot_url.as_deref(),
        "archive_snapshot_url; {}",
        describe()
    );
    if let Some((width, height)) = expected.size {
        assert_eq!(
            entry["width"].as_u64(),
            Some(u64::from(width)),
            "width; {}",
            describe()
        );
        assert_eq!(
            entry["height"].as_u64(),
            Some(u64::from(height)),
            "height; {}",
            describe()
        );
    }
    check_notes(&entry, &expected.notes, url);
    check_file(&outcome.scratch.blog_dir(), &entry, expected);
}

fn check_notes(entry: &Value, expected: &Notes, url: &str) {
    let notes = entry["notes"].as_str();
    let required = match expected {
        Notes::Absent => {
            assert_eq!(notes, None, "no notes for {url}: {entry}");
            return;
        }
        Notes::Contain(parts) | Notes::EndWith(parts) => parts,
    };
    let notes = notes.unwrap_or_else(|| panic!("notes for {url}: {entry}"));
    for part in required {
        assert!(
            notes.contains(part),
            "notes of {url} mention {part:?}: {notes}"
        );
    }
    if let (Notes::EndWith(_), Some(last)) = (expected, required.last()) {
        assert!(
            notes.ends_with(last),
            "notes of {url} end with {last:?}: {notes}"
        );
    }
}

fn check_file(blog_dir: &Path, entry: &Value, expected: &Expected) {
    let url = &expected.original_url;
    let filename = text(entry, "filename");
    let Some((bytes, extension)) = &expected.file else {
        assert!(
            filename.is_empty() || !blog_dir.join(filename).exists(),
            "no file for {url}: {entry}"
        );
        assert!(
            entry["checksum"].is_null(),
            "no checksum for {url}: {entry}"
        );
        return;
    };
    assert!(!filename.is_empty(), "a file name for {url}: {entry}");
    assert_eq!(
        Path::new(filename)
            .extension()
            .and_then(|extension| extension.to_str()),
        Some(*extension),
        "extension of {filename}, the file of {url}"
    );
    let on_disk = fs::read(blog_dir.join(filename))
        .unwrap_or_else(|error| panic!("file {filename} of {url}: {error}"));
    assert!(
        on_disk == *bytes,
        "bytes of {filename} ({} bytes) equal the {} bytes served for {url}",
        on_disk.len(),
        bytes.len()
    );
    assert_eq!(
        text(entry, "checksum"),
        checksum(bytes),
        "checksum of {filename}"
    );
    assert_eq!(
        entry["byte_size"].as_u64(),
        Some(bytes.len() as u64),
        "byte_size of {filename}"
    );
}

/// Returns the GET requests that the server received for `path`.
fn gets_of(server: &FakeTumblr, path: &str) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|request| request.method == "GET" && request.path == path)
        .collect()
}

fn cdx_requests(server: &FakeTumblr) -> Vec<RecordedRequest> {
    server
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/cdx/"))
        .collect()
}

/// Runs one case on its own and checks its entries and exit code.
fn run_single(label: &str, case: &Case, expected_code: i32) -> Option<Outcome> {
    let outcome = run_cases(label, &[case], |_| {}, &[])?;
    assert_eq!(
        outcome.run.code,
        Some(expected_code),
        "exit code\n{}",
        outcome.run.describe()
    );
    for expected in &case.expected {
        check_entry(&outcome, expected);
    }
    Some(outcome)
}

#[test]
fn upgrade_legacy_1280() {
    let case = upgraded_legacy(0);
    let Some(outcome) = run_single("upgrade-legacy", &case, 0) else {
        return;
    };
    let reported = url_path(&case.expected[0].original_url).to_string();
    assert!(
        gets_of(&outcome.server, &reported).is_empty(),
        "the reported _500 size is not fetched once _1280 succeeds"
    );
}

#[test]
fn upgrade_404_falls_back() {
    let case = failed_upgrade(1);
    let Some(outcome) = run_single("upgrade-404", &case, 0) else {
        return;
    };
    let larger = legacy_path("failed upgrade", 1280, "png");
    assert_eq!(
        gets_of(&outcome.server, &larger).len(),
        1,
        "the _1280 size was tried once"
    );
}

#[test]
fn image_page_original() {
    let case = image_page_upgrade(2);
    let Some(outcome) = run_single("image-page", &case, 0) else {
        return;
    };
    let page = &case.image_pages[0].0;
    let page_requests = gets_of(&outcome.server, page);
    assert_eq!(page_requests.len(), 1, "the image page was asked once");
    assert!(
        page_requests[0]
            .header("accept")
            .is_some_and(|accept| accept.starts_with("text/html")),
        "the image page was asked with an HTML Accept: {:?}",
        page_requests[0].headers
    );
    let reported = url_path(&case.expected[0].original_url).to_string();
    assert!(
        gets_of(&outcome.server, &reported).is_empty(),
        "the capped size is not fetched once the original arrived"
    );
}

#[test]
fn image_page_404_reported() {
    let case = image_page_missing(3);
    let Some(outcome) = run_single("image-page-404", &case, 0) else {
        return;
    };
    let (_, page, _) = capped_image("image page missing");
    assert_eq!(
        gets_of(&outcome.server, &page).len(),
        1,
        "the image page was asked before the reported URL"
    );
}

#[test]
fn gif_404_gifv_webp() {
    let case = gif_to_gifv(4);
    let Some(outcome) = run_single("gifv", &case, 0) else {
        return;
    };
    let gifv = &case.media_files[0].0;
    let requests = gets_of(&outcome.server, gifv);
    assert_eq!(requests.len(), 1, "the .gifv form was fetched once");
    assert!(
        requests[0]
            .header("accept")
            .is_some_and(|accept| accept.contains("image/webp")),
        "the .gifv form was asked with an image Accept: {:?}",
        requests[0].headers
    );
}

#[test]
fn video_unsuffixed_original() {
    let case = video_original(5);
    let Some(outcome) = run_single("video-original", &case, 0) else {
        return;
    };
    let reported = url_path(&case.expected[0].original_url).to_string();
    assert!(
        gets_of(&outcome.server, &reported).is_empty(),
        "the _480 transcode is not fetched once the original arrived"
    );
}

#[test]
fn deleted_photo_archived() {
    let case = archive_recovery(6);
    let Some(outcome) = run_single("archived", &case, 0) else {
        return;
    };
    let raw_paths: Vec<String> = outcome
        .server
        .requests()
        .into_iter()
        .filter(|request| request.path.starts_with("/web/"))
        .map(|request| request.path)
        .collect();
    assert_eq!(
        raw_paths.len(),
        2,
        "one capture fetched per photo: {raw_paths:?}"
    );
    for capture in [&case.captures[0], &case.captures[2]] {
        assert!(
            raw_paths.contains(&capture.raw_path()),
            "{} was fetched: {raw_paths:?}",
            capture.raw_path()
        );
    }
}

#[test]
fn deleted_video_missing() {
    let case = video_no_capture(7);
    let Some(outcome) = run_single("video-missing", &case, 3) else {
        return;
    };
    let token = video_token("video without capture");
    let lookups: Vec<(Option<String>, Option<String>)> = cdx_requests(&outcome.server)
        .iter()
        .map(|request| (request.query_param("url"), request.query_param("matchType")))
        .collect();
    assert_eq!(
        lookups,
        [
            (
                Some(format!("vt.tumblr.com/tumblr_{token}_")),
                Some("prefix".to_string())
            ),
            (Some(format!("vt.tumblr.com/tumblr_{token}_480.mp4")), None),
        ],
        "every size of the video, then the exact URL"
    );
    for request in cdx_requests(&outcome.server) {
        assert_eq!(
            request.query_param("output").as_deref(),
            Some("json"),
            "JSON output"
        );
        assert_eq!(
            request.query_param("filter").as_deref(),
            Some("statuscode:200"),
            "status filter"
        );
        assert_eq!(
            request.query_param("fl").as_deref(),
            Some("timestamp,original,mimetype,statuscode,length"),
            "field list"
        );
    }
}

#[test]
fn excluded_site_missing() {
    let (case, reported) = deleted_photo(8, "excluded site");
    let Some(outcome) = run_cases(
        "excluded",
        &[&case],
        |config| config.wayback.cdx = CdxMode::Excluded,
        &[],
    ) else {
        return;
    };
    assert_eq!(
        outcome.run.code,
        Some(3),
        "exit code\n{}",
        outcome.run.describe()
    );
    check_entry(
        &outcome,
        &missing(
            &reported,
            vec![
                "HTTP 404",
                "the Internet Archive excludes this site (its CDX index answered 403)",
            ],
        ),
    );
    assert_eq!(
        cdx_requests(&outcome.server).len(),
        1,
        "a 403 ends the lookups"
    );
}

#[test]
fn no_internet_archive_flag() {
    let (case, reported) = deleted_photo(9, "archive turned off");
    let Some(outcome) = run_cases("no-archive", &[&case], |_| {}, &["--no-internet-archive"])
    else {
        return;
    };
    assert_eq!(
        outcome.run.code,
        Some(3),
        "exit code\n{}",
        outcome.run.describe()
    );
    let entry = entry_for(&outcome.manifest, &reported);
    assert_eq!(entry["status"], "missing", "status: {entry}");
    assert!(
        entry["retrieved_from"].is_null(),
        "nothing retrieved: {entry}"
    );
    let notes = text(&entry, "notes");
    assert!(notes.contains("HTTP 404"), "notes name the 404: {notes}");
    assert!(
        !notes.contains("Internet Archive"),
        "notes do not mention the archive: {notes}"
    );
    let archive_requests: Vec<String> = outcome
        .server
        .requests()
        .into_iter()
        .filter(|request| request.kind == RequestKind::Archive)
        .map(|request| format!("{}?{}", request.path, request.query))
        .collect();
    assert!(
        archive_requests.is_empty(),
        "no request reached the Wayback Machine: {archive_requests:?}"
    );
}

#[test]
fn cdx_503_error() {
    let case = video_no_capture(10);
    let reported = case.expected[0].original_url.clone();
    let Some(outcome) = run_cases(
        "cdx-503",
        &[&case],
        |config| config.wayback.cdx = CdxMode::Unavailable,
        &[],
    ) else {
        return;
    };
    assert_eq!(
        outcome.run.code,
        Some(3),
        "exit code\n{}",
        outcome.run.describe()
    );

    let entry = entry_for(&outcome.manifest, &reported);
    assert_eq!(entry["status"], "error", "status: {entry}");
    assert!(entry["download_url"].is_null(), "no download: {entry}");
    let notes = text(&entry, "notes");
    assert!(
        notes.contains("the Internet Archive lookup failed"),
        "notes name the failed lookup: {notes}"
    );
    assert!(notes.contains("HTTP 503"), "notes name the status: {notes}");

    // The video has two lookups, the prefix and the exact URL, and each
    // 503 is retried, so the server receives more than two CDX requests.
    let attempts = cdx_requests(&outcome.server).len();
    assert!(
        attempts > 2,
        "503 responses are retried, {attempts} CDX requests"
    );
}

/// Counts the media entries of `manifest` by the path they took.
fn path_counts(manifest: &Value) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::from([
        ("upgraded", 0),
        ("fell back", 0),
        ("archived", 0),
        ("missing", 0),
    ]);
    for entry in media_entries(manifest) {
        let key = match (text(&entry, "status"), text(&entry, "rendition")) {
            ("downloaded", "upgraded") => "upgraded",
            ("downloaded", _) => "fell back",
            ("archived", _) => "archived",
            ("missing", _) => "missing",
            _ => continue,
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

#[test]
fn combined_run_counts() {
    let cases = [
        upgraded_legacy(0),
        failed_upgrade(1),
        image_page_upgrade(2),
        image_page_missing(3),
        gif_to_gifv(4),
        video_original(5),
        archive_recovery(6),
        video_no_capture(7),
    ];
    let case_refs: Vec<&Case> = cases.iter().collect();

    let Some(outcome) = run_cases("combined", &case_refs, |_| {}, &[]) else {
        return;
    };
    assert_eq!(
        outcome.run.code,
        Some(3),
        "exit code with one missing video\n{}",
        outcome.run.describe()
    );
    for expected in cases.iter().flat_map(|case| &case.expected) {
        check_entry(&outcome, expected);
    }

    let counts = path_counts(&outcome.manifest);
    eprintln!(
        "combined run: {} upgraded, {} fell back, {} recovered from the Internet Archive, {} missing",
        counts["upgraded"], counts["fell back"], counts["archived"], counts["missing"]
    );
    assert_eq!(counts["upgraded"], 3, "upgraded: {counts:?}");
    assert_eq!(counts["fell back"], 3, "fell back: {counts:?}");
    assert_eq!(counts["archived"], 2, "archived: {counts:?}");
    assert_eq!(counts["missing"], 1, "missing: {counts:?}");
    assert_eq!(
        media_entries(&outcome.manifest).len(),
        9,
        "one entry per media item"
    );
}
