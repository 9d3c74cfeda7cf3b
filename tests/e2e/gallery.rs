//! The offline gallery of a real archive. The binary archives a blog with
//! photos, a GIF, a video, audio, an embed and a missing photo from the
//! fake Tumblr. Headless Chromium then opens the pages as files and checks
//! that every image decodes, that the style sheet applies, and that no
//! page requests anything from the network. Screenshots of the pages go
//! to the test output folder.

mod chromium;

use std::fs;
use std::path::Path;

use fake_tumblr::{
    Fault, FaultKind, PathMatch, PhotoSize, photo_post, solid_gif, solid_png, text_post, video_post,
};
use serde_json::{Value, json};

use crate::support::{
    BLOG_FOLDER, Scratch, archive_args, media_entries, path_arg, read_manifest, run_archiver,
    start_fake, text,
};
use chromium::{Chromium, file_url};

/// Time of the newest post: 2024-05-03 14:03:20 UTC.
const NEWEST: i64 = 1_714_745_000;
const DAY: i64 = 86_400;
const MEDIA_HOST: &str = "https://64.media.tumblr.com";
/// Path prefix of the photo for which the fake server returns 404.
const MISSING_PHOTO: &str = "/a1b2/tumblr_gallerymissingo1";
const HOSTILE_TAGS: [&str; 3] = ["<b>bold</b>", "../up", "日本"];

fn photo(path: &str, width: u32, height: u32) -> Vec<PhotoSize> {
    vec![PhotoSize::new(
        &format!("{MEDIA_HOST}{path}"),
        width,
        height,
    )]
}

/// Returns the posts of the blog, newest first.
fn gallery_posts() -> Vec<Value> {
    let mut photos = photo_post(
        "example-blog",
        9006,
        NEWEST,
        &[
            photo("/a1b2/tumblr_galleryredo1_1280.png", 320, 200),
            photo("/a1b2/tumblr_gallerybluo2_1280.png", 240, 240),
        ],
    );
    let mut tags = vec![json!("cats")];
    tags.extend(HOSTILE_TAGS.iter().map(|tag| json!(tag)));
    photos["tags"] = Value::Array(tags);
    photos["reblogged_from_name"] = json!("source-blog");
    photos["reblogged_from_url"] = json!("https://source-blog.tumblr.com/post/77");

    let mut gif = photo_post(
        "example-blog",
        9005,
        NEWEST - DAY,
        &[photo("/a1b2/tumblr_gallerygifo1_1280.gif", 160, 90)],
    );
    gif["tags"] = json!(["cats"]);

    let missing = photo_post(
        "example-blog",
        9004,
        NEWEST - 2 * DAY,
        &[photo(&format!("{MISSING_PHOTO}_1280.png"), 100, 100)],
    );

    let mut audio = text_post("example-blog", 9003, NEWEST - 3 * DAY, "<p>a song</p>");
    audio["type"] = json!("audio");
    audio["audio_type"] = json!("tumblr");
    audio["audio_url"] = json!("https://a.tumblr.com/tumblr_galleryaudioo1.mp3");

    let video = video_post(
        "example-blog",
        9002,
        NEWEST - 40 * DAY,
        "https://vt.tumblr.com/tumblr_galleryvideo.mp4",
        480,
        270,
    );

    let mut embed = text_post("example-blog", 9001, NEWEST - 41 * DAY, "<p>a player</p>");
    embed["type"] = json!("audio");
    embed["audio_type"] = json!("spotify");
    embed["audio_url"] = json!("https://open.spotify.com/track/gallery");

    vec![photos, gif, missing, audio, video, embed]
}

/// Archives the blog into a scratch folder and returns the folder and the
/// binary's stderr.
fn archive() -> Option<(Scratch, String)> {
    let server = start_fake(|config| {
        config.posts = Some(gallery_posts());
        let red = solid_png(320, 200, [200, 70, 40]);
        let blue = solid_png(240, 240, [40, 90, 200]);
        let gif = solid_gif(160, 90, [40, 160, 60]);
        config
            .media_files
            .insert("/a1b2/tumblr_galleryredo1_1280.png".into(), red);
        config
            .media_files
            .insert("/a1b2/tumblr_gallerybluo2_1280.png".into(), blue);
        config
            .media_files
            .insert("/a1b2/tumblr_gallerygifo1_1280.gif".into(), gif);
        config.faults.push(Fault::always(
            PathMatch::Prefix(MISSING_PHOTO.into()),
            FaultKind::Status(404),
        ));
    })?;
    let scratch = Scratch::new("gallery");
    let mut args = archive_args(&server, &scratch.out());
    args.push("--no-internet-archive".into());
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(
        run.code,
        Some(3),
        "one photo is missing: {}",
        run.describe()
    );
    Some((scratch, run.stderr))
}

/// Saves a screenshot of `page` as `NAME.png` in the test output folder,
/// checks that the page requested nothing from the network, and prints
/// the screenshot's path.
fn save_screenshot(browser: &Chromium, work: &Path, page: &Path, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gallery");
    fs::create_dir_all(&dir).expect("create the screenshot folder");
    let shot = dir.join(format!("{name}.png"));
    let _ = fs::remove_file(&shot);
    let run = browser.run(
        work,
        name,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".into(),
        ],
        &file_url(page),
    );
    assert!(shot.is_file(), "screenshot {} written", shot.display());
    assert_eq!(
        run.page_requests,
        Vec::<String>::new(),
        "{} requests nothing",
        page.display()
    );
    eprintln!("screenshot of {}: {}", page.display(), shot.display());
}

#[test]
fn gallery_pages_of_archive() {
    let Some((scratch, stderr)) = archive() else {
        return;
    };
    let blog = scratch.blog_dir();
    let index = blog.join("index.html");
    assert!(
        stderr.contains(&format!("gallery written to {}", index.display())),
        "the run logs the gallery's path: {stderr}"
    );
    let manifest = read_manifest(&blog);
    let statuses: Vec<(String, String)> = media_entries(&manifest)
        .iter()
        .map(|entry| {
            (
                text(entry, "media_type").into(),
                text(entry, "status").into(),
            )
        })
        .collect();
    for (media_type, status) in [
        ("image", "downloaded"),
        ("gif", "downloaded"),
        ("video", "downloaded"),
        ("audio", "downloaded"),
        ("image", "missing"),
        ("embed", "embed"),
    ] {
        assert!(
            statuses.contains(&(media_type.into(), status.into())),
            "the archive has a {status} {media_type}: {statuses:?}"
        );
    }

    let page = fs::read_to_string(&index).expect("read index.html");
    assert!(page.starts_with("<!DOCTYPE html>"), "HTML5 doctype");
    assert!(page.contains("Content-Security-Policy"), "policy present");
    assert_eq!(page.matches("<article").count(), 6, "six posts on page 1");
    assert!(
        page.find("post-9006") < page.find("post-9001"),
        "newest first"
    );
    for element in ["video", "audio"] {
        let tags = opening_tags(&page, element);
        assert!(!tags.is_empty(), "{element} in place");
        for tag in tags {
            assert!(tag.contains(" controls"), "{element} has controls: {tag}");
            assert!(
                tag.contains("preload=\"none\""),
                "{element} loads nothing before play: {tag}"
            );
        }
    }
    assert!(page.contains("loading=\"lazy\""), "lazy images");
    // The placeholder names the URL as text; whether the post's record or
    // its manifest entries drew it decides the markup around it.
    assert!(
        page.contains("class=\"media-missing\""),
        "missing photo placeholder"
    );
    assert!(
        page.contains(&format!("{MEDIA_HOST}{MISSING_PHOTO}")),
        "missing photo named as text"
    );
    assert!(
        page.contains("href=\"https://open.spotify.com/track/gallery\""),
        "embed as a link"
    );
    assert!(page.contains("reblogged from"), "reblog source");
    assert!(page.contains("#&lt;b&gt;bold&lt;/b&gt;"), "tag escaped");
    assert!(!page.contains("<b>bold</b>"), "no raw tag markup");
    for attribute in ["src=\"http", "src=\"//", "href=\"//"] {
        assert!(
            !page.contains(attribute),
            "no remote resource ({attribute})"
        );
    }
    assert!(blog.join("archive/2024-05.html").is_file(), "month page");
    assert!(
        blog.join("archive/2024-03.html").is_file(),
        "older month page"
    );
    assert!(blog.join("tagged/cats.html").is_file(), "tag page");
    assert!(!blog.join("up.html").exists(), "../up stays inside tagged/");

    let Some(browser) = Chromium::find_or_skip() else {
        return;
    };
    check_images_load(&browser, &scratch.dir, &index, 3);
    check_control_counted(&browser, &scratch.dir);
    take_screenshots(&browser, &scratch.dir, &blog);
}

/// Loads `page` in an iframe of a wrapper page that counts its images
/// after loading them all, and checks the counts, the style sheet and that
/// no request went to the network.
fn check_images_load(browser: &Chromium, work: &Path, page: &Path, expected_images: usize) {
    let wrapper = work.join("count-images.html");
    let script = r#"<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="gallery" src="PAGE" style="width:1280px;height:4000px"></iframe>
<script>
const frame = document.getElementById('gallery');
frame.addEventListener('load', () => {
  const page = frame.contentDocument;
  const images = Array.from(page.images);
  images.forEach(image => { image.loading = 'eager'; });
  let polls = 0;
  const report = () => {
    const settled = images.every(image => image.complete);
    if (!settled && polls++ < 100) { setTimeout(report, 50); return; }
    const loaded = images.filter(image => image.complete && image.naturalWidth > 0).length;
    const radius = getComputedStyle(page.querySelector('article')).borderTopLeftRadius;
    const media = page.querySelectorAll('video[preload=none], audio[preload=none]').length;
    document.getElementById('result').textContent =
      `images=${images.length} loaded=${loaded} media=${media} radius=${radius}`;
  };
  report();
});
</script></body></html>"#;
    fs::write(&wrapper, script.replace("PAGE", &file_url(page))).expect("write the wrapper page");
    let run = browser.run(
        work,
        "images",
        &["--allow-file-access-from-files".into(), "--dump-dom".into()],
        &file_url(&wrapper),
    );
    let expected = format!("images={expected_images} loaded={expected_images} media=2 radius=6px");
    assert!(
        run.stdout.contains(&expected),
        "expected {expected} in the wrapper's DOM:\n{}",
        run.stdout
    );
    assert_eq!(
        run.page_requests,
        Vec::<String>::new(),
        "gallery pages request nothing"
    );
    eprintln!(
        "browser's own requests, blocked by the resolver rules: {:?}",
        run.browser_requests
    );
}

/// Checks that the request count includes a page's request: the remote
/// image of a control page is counted, and the resolver rules keep it
/// from leaving the machine.
fn check_control_counted(browser: &Chromium, work: &Path) {
    let control = work.join("control.html");
    let remote = "http://gallery-control.invalid/remote.png";
    fs::write(
        &control,
        format!("<!DOCTYPE html><html><body><img src=\"{remote}\" alt=\"\"></body></html>"),
    )
    .expect("write the control page");
    let run = browser.run(work, "control", &["--dump-dom".into()], &file_url(&control));
    assert_eq!(
        run.page_requests,
        vec![remote.to_string()],
        "the control's image is counted"
    );
}

fn take_screenshots(browser: &Chromium, work: &Path, blog: &Path) {
    for (name, page) in [
        ("index", "index.html"),
        ("month", "archive/2024-05.html"),
        ("tag", "tagged/cats.html"),
        ("tags", "tagged/index.html"),
    ] {
        save_screenshot(browser, work, &blog.join(page), name);
    }
}

#[test]
fn gallery_subcommand_rebuilds() {
    let Some((scratch, _)) = archive() else {
        return;
    };
    let blog = scratch.blog_dir();
    fs::remove_file(blog.join("index.html")).expect("remove index.html");
    fs::write(blog.join("tagged/stale.html"), "old").expect("stale page");

    let args = vec!["gallery".to_string(), path_arg(&blog)];
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert_eq!(
        run.stdout.trim(),
        blog.join("index.html").display().to_string()
    );
    assert!(blog.join("index.html").is_file(), "index.html rebuilt");
    assert!(
        !blog.join("tagged/stale.html").exists(),
        "stale page removed"
    );

    let args = vec!["gallery".to_string(), path_arg(&scratch.out())];
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(2), "{}", run.describe());
    let expected = scratch.out().join("manifest.json");
    assert!(
        run.stderr.contains(&expected.display().to_string()),
        "the error names the path: {}",
        run.stderr
    );
    assert!(run.stderr.contains(BLOG_FOLDER) || run.stderr.contains("archive/BLOG"));
}

/// The gallery of the recorded fixture blog, whose posts cover every post
/// type and both API formats: every post appears once across the pages of
/// all posts, and no page names a remote resource.
#[test]
fn gallery_of_fixture_blog() {
    let Some(server) = start_fake(|_| {}) else {
        return;
    };
    let scratch = Scratch::new("gallery-fixtures");
    let args = archive_args(&server, &scratch.out());
    let run = run_archiver(&args, &scratch.dir, None);
    assert!(matches!(run.code, Some(0 | 3)), "{}", run.describe());
    let blog = scratch.blog_dir();
    let manifest = read_manifest(&blog);
    let posts = manifest["posts"].as_array().expect("posts").len();
    assert!(posts > 0, "the fixture blog has posts");

    let mut pages = vec![blog.join("index.html")];
    for number in 2..=posts.div_ceil(50) {
        pages.push(blog.join(format!("page/{number}.html")));
    }
    let mut articles = 0;
    for page in &pages {
        let html = fs::read_to_string(page)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", page.display()));
        articles += html.matches("<article").count();
        for attribute in ["src=\"http", "src=\"//", "srcset=\"http", "poster=\"http"] {
            assert!(
                !html.contains(attribute),
                "{} has {attribute}",
                page.display()
            );
        }
    }
    assert_eq!(
        articles,
        posts,
        "one article per post across {} pages",
        pages.len()
    );

    if let Some(browser) = Chromium::find_or_skip() {
        save_screenshot(&browser, &scratch.dir, &blog.join("index.html"), "fixtures");
    }
}

/// Posts with a saved record, as the archiver keeps them in `posts/`: the
/// gallery renders the record, finds its media in the archive, and the
/// page still loads every image and nothing from the network.
#[test]
fn gallery_renders_saved_records() {
    let Some((scratch, _)) = archive() else {
        return;
    };
    let blog = scratch.blog_dir();
    let served = gallery_posts();
    let mut manifest = read_manifest(&blog);
    fs::create_dir_all(blog.join("posts")).expect("create posts/");
    for post in manifest["posts"].as_array_mut().expect("posts") {
        let id = text(post, "id").to_string();
        let record = served
            .iter()
            .find(|served| served["id_string"] == id.as_str())
            .unwrap_or_else(|| panic!("post {id} was served"));
        fs::write(blog.join(format!("posts/{id}.json")), record.to_string())
            .expect("write a record");
        post["record"] = json!(format!("posts/{id}.json"));
        post["record_format"] = json!("tumblr-api-v2");
    }
    fs::write(blog.join("manifest.json"), manifest.to_string()).expect("write the manifest");

    let args = vec!["gallery".to_string(), path_arg(&blog)];
    let run = run_archiver(&args, &scratch.dir, None);
    assert_eq!(run.code, Some(0), "{}", run.describe());
    assert!(
        run.stderr.contains("6 posts (6 from their saved records"),
        "every post rendered from its record: {}",
        run.stderr
    );
    let page = fs::read_to_string(blog.join("index.html")).expect("read index.html");
    assert!(page.contains("Post 9006"), "caption from the record");
    for attribute in ["src=\"http", "src=\"//", "poster=\"http"] {
        assert!(
            !page.contains(attribute),
            "no remote resource ({attribute})"
        );
    }
    assert!(
        page.contains("media-missing"),
        "the missing photo has a placeholder"
    );

    let Some(browser) = Chromium::find_or_skip() else {
        return;
    };
    check_images_load(&browser, &scratch.dir, &blog.join("index.html"), 3);
    save_screenshot(&browser, &scratch.dir, &blog.join("index.html"), "records");
}

/// Returns every opening tag of `element` in `page`, such as
/// `<video src="a.mp4" controls>`.
fn opening_tags<'a>(page: &'a str, element: &str) -> Vec<&'a str> {
    let start = format!("<{element} ");
    page.match_indices(&start)
        .filter_map(|(index, _)| {
            page[index..]
                .find('>')
                .map(|end| &page[index..=index + end])
        })
        .collect()
}
