//! Rendering tests on the recorded Tumblr responses (through the
//! `TUMBLR_FIXTURES` folder lookup) and on hostile posts written here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use scraper::{ElementRef, Html};
use serde_json::{Value, json};

use super::html::escape;
use super::{LocalMedia, MediaLookup, RenderError, RenderedPost, render_record};

/// An archive without media files.
struct EmptyArchive;

impl MediaLookup for EmptyArchive {
    fn local(&self, _url: &str) -> Option<LocalMedia> {
        None
    }
}

/// An archive that contains exactly the files it was given, by URL, as the
/// gallery's manifest lookup does.
#[derive(Default)]
struct Archive(HashMap<String, LocalMedia>);

impl Archive {
    fn with(mut self, url: &str, path: &str, media_type: &str) -> Self {
        let local = LocalMedia {
            path: path.to_owned(),
            media_type: media_type.to_owned(),
        };
        self.0.insert(url.to_owned(), local);
        self
    }

    /// Returns an archive that contains every http(s) URL found in `value`,
    /// each under `media/` with a name made from its position.
    fn holding_every_url_in(value: &Value) -> Self {
        let mut urls = Vec::new();
        collect_urls(value, &mut urls);
        let mut archive = Archive::default();
        for (index, url) in urls.iter().enumerate() {
            let media_type = match url.rsplit('.').next().unwrap_or("") {
                "mp4" => "video",
                "mp3" => "audio",
                "gif" => "gif",
                _ => "image",
            };
            archive = archive.with(url, &format!("media/{index}.bin"), media_type);
        }
        archive
    }
}

impl MediaLookup for Archive {
    fn local(&self, url: &str) -> Option<LocalMedia> {
        self.0.get(url).cloned()
    }
}

/// Collects every http(s) URL in the strings of `value`, also inside HTML.
fn collect_urls(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            for (start, _) in text.match_indices("http") {
                let url: String = text[start..]
                    .chars()
                    .take_while(|c| {
                        !c.is_whitespace() && !matches!(c, '"' | '\'' | '<' | '>' | ',')
                    })
                    .collect();
                if url.starts_with("http://") || url.starts_with("https://") {
                    out.push(url);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_urls(item, out)),
        Value::Object(fields) => fields.values().for_each(|item| collect_urls(item, out)),
        _ => {}
    }
}

fn fixtures() -> Option<PathBuf> {
    let dir = fake_tumblr::fixtures_dir();
    if dir.is_none() {
        eprintln!(
            "skipping: Tumblr fixtures not found at {} (set {})",
            fake_tumblr::fixtures_path().display(),
            fake_tumblr::FIXTURES_ENV
        );
    }
    dir
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// Returns the post objects of an API v2 fixture: `response.posts`, or the
/// file itself when it is a bare array of posts.
fn posts_of(file: &Value) -> Vec<Value> {
    match file {
        Value::Array(posts) => posts.clone(),
        _ => file
            .pointer("/response/posts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    }
}

fn v2_posts(dir: &Path, name: &str) -> Vec<Value> {
    posts_of(&read_json(&dir.join("api-v2").join(name)))
}

fn render(post: &Value, media: &dyn MediaLookup) -> RenderedPost {
    render_record("tumblr-api-v2", &post.to_string(), media, "")
        .unwrap_or_else(|error| panic!("post {} failed to render: {error}", post["id"]))
}

/// Checks that `html` runs no script and loads nothing. It has no
/// script-like element, no event attribute and no `style` with `url(`.
/// Every `src` and `poster` is a local path under `prefix`, and every
/// `href` is on a link, with an http, https or mailto URL or a local path.
fn assert_safe(html: &str, prefix: &str) {
    let fragment = Html::parse_fragment(html);
    for node in fragment.root_element().descendants() {
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        let forbidden = [
            "script", "style", "iframe", "object", "embed", "link", "meta", "base", "form", "svg",
            "math", "source", "track", "frame", "frameset", "input", "button",
        ];
        assert!(!forbidden.contains(&name), "<{name}> in {html}");
        for (attribute, value) in element.value().attrs() {
            assert!(
                !attribute.starts_with("on"),
                "event attribute {attribute} in {html}"
            );
            assert!(!attribute.starts_with("data"), "{attribute} in {html}");
            let is_local = |value: &str| {
                let path = value.strip_prefix(prefix).unwrap_or(":");
                !path.is_empty() && !path.contains(':') && !path.starts_with('/')
            };
            match attribute {
                "src" | "poster" => {
                    assert!(
                        is_local(value),
                        "{attribute}={value} is not under {prefix:?}"
                    );
                }
                "href" => {
                    assert_eq!(name, "a", "href on <{name}>");
                    let lower = value.trim().to_ascii_lowercase();
                    assert!(
                        lower.starts_with("http://")
                            || lower.starts_with("https://")
                            || lower.starts_with("mailto:")
                            || is_local(value),
                        "href={value}"
                    );
                }
                "style" => assert!(!value.contains("url"), "style={value}"),
                "srcset" | "background" | "action" | "formaction" | "xlink:href" | "data" => {
                    panic!("{attribute}={value} in {html}")
                }
                _ => {}
            }
        }
    }
}

/// Returns the number of `media-missing` placeholders for files. Those of
/// third-party players and embedded pages read "(not archived)" and are not
/// counted.
fn file_placeholders(html: &str) -> usize {
    html.split("<div class=\"media-missing\">")
        .skip(1)
        .filter(|rest| {
            !rest
                .split("</div>")
                .next()
                .unwrap_or("")
                .contains("(not archived)")
        })
        .count()
}

#[test]
fn every_fixture_post_renders() {
    let Some(dir) = fixtures() else { return };
    let mut files = 0;
    let mut posts = 0;
    for entry in std::fs::read_dir(dir.join("api-v2")).expect("api-v2 folder is readable") {
        let path = entry.expect("api-v2 entry is readable").path();
        let file = read_json(&path);
        let file_posts = posts_of(&file);
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if file_posts.is_empty() {
            // The two files of the folder that hold no posts.
            assert!(
                matches!(name, "blog-info.json" | "error-responses.json"),
                "{name} has no posts"
            );
            continue;
        }
        files += 1;
        for post in &file_posts {
            let empty = render(post, &EmptyArchive);
            assert!(
                !empty.body_html.is_empty(),
                "{name}: post {} is empty",
                post["id"]
            );
            assert_safe(&empty.body_html, "");
            assert_eq!(
                empty.missing_media,
                file_placeholders(&empty.body_html),
                "{name}"
            );

            let archive = Archive::holding_every_url_in(post);
            let full = render_record("tumblr-api-v2", &post.to_string(), &archive, "../")
                .expect("post renders with every file archived");
            assert_safe(&full.body_html, "../");
            assert!(
                !full.body_html.contains("src=\"http"),
                "{name}: {}",
                full.body_html
            );
            assert!(!full.body_html.contains("poster=\"http"), "{name}");
            assert_eq!(full.missing_media, 0, "{name}: {}", full.body_html);
            assert_eq!(full.tags, empty.tags);
            posts += 1;
        }
    }
    assert!(files >= 11, "only {files} fixture files with posts");
    assert!(posts >= 20, "only {posts} fixture posts");
}

/// Returns the showcase post and its content blocks.
fn showcase(dir: &Path) -> (Value, Vec<Value>) {
    let post = v2_posts(dir, "posts-npf-block-showcase.json").remove(0);
    let blocks = post["content"]
        .as_array()
        .expect("showcase has content")
        .clone();
    (post, blocks)
}

/// Returns the escaped code points `start..end` of a text block.
fn text_range(block: &Value, start: usize, end: usize) -> String {
    let text: String = block["text"]
        .as_str()
        .expect("text block has text")
        .chars()
        .skip(start)
        .take(end - start)
        .collect();
    escape(&text)
}

#[test]
fn showcase_text_subtypes() {
    let Some(dir) = fixtures() else { return };
    let (post, blocks) = showcase(&dir);
    let html = render(&post, &EmptyArchive).body_html;
    let text = |index: usize| escape(blocks[index]["text"].as_str().expect("text block"));

    for (index, block) in blocks.iter().enumerate() {
        let expected = match block["subtype"].as_str() {
            Some("heading1") if block.get("formatting").is_none() => {
                format!("<h1>{}</h1>", text(index))
            }
            Some("unordered-list-item") => format!("<ul><li>{}</li></ul>", text(index)),
            Some("ordered-list-item") => format!("<ol><li>{}</li></ol>", text(index)),
            Some("indented") => format!(
                "<blockquote class=\"indented\"><p>{}</p></blockquote>",
                text(index)
            ),
            Some("chat") => format!(
                "<div class=\"chat\"><p class=\"chat-line\">{}</p></div>",
                text(index)
            ),
            Some("quirky") => format!("<p class=\"quirky\">{}</p>", text(index)),
            _ => continue,
        };
        assert!(html.contains(&expected), "missing {expected}");
    }
    let last = blocks.len() - 1;
    assert!(html.contains(&format!("<p>{}</p>", text(last))));
}

#[test]
fn showcase_formatting_types() {
    let Some(dir) = fixtures() else { return };
    let (post, blocks) = showcase(&dir);
    let html = render(&post, &EmptyArchive).body_html;

    let block = &blocks[1];
    assert!(html.contains(&format!("<b>{}</b>", text_range(block, 11, 33))));
    assert!(html.contains(&format!("<i>{}</i>", text_range(block, 45, 53))));
    // Three ranges meet at 210 and 215: small, then small with italic
    // inside, then small again.
    assert!(html.contains(&format!(
        "<small>{}</small><small><i>{}</i></small><small>{}</small>",
        text_range(block, 159, 210),
        text_range(block, 210, 215),
        text_range(block, 215, 281)
    )));

    let heading = &blocks[3];
    assert!(html.contains(&format!(
        "<h1><span style=\"color: #00b8ff\">{}</span></h1>",
        text_range(heading, 0, 12)
    )));

    let links = &blocks[9];
    assert!(html.contains(&format!(
        "<a href=\"https://tumblr.com/\" rel=\"noopener noreferrer\">{}</a>",
        text_range(links, 41, 79)
    )));
    assert!(html.contains(&format!(
        "<a class=\"mention\" href=\"https://www.tumblr.com/blog/view/example-blog/\" rel=\"noopener noreferrer\">{}</a>",
        text_range(links, 115, 128)
    )));
}

#[test]
fn showcase_blocks_and_rows() {
    let Some(dir) = fixtures() else { return };
    let (post, blocks) = showcase(&dir);
    let empty = render(&post, &EmptyArchive);
    let html = &empty.body_html;

    // Image blocks and Tumblr-hosted audio and video are files. The
    // YouTube and SoundCloud blocks are players.
    let files = blocks
        .iter()
        .filter(|block| {
            block["type"] == "image"
                || (matches!(block["type"].as_str(), Some("audio" | "video"))
                    && block["provider"] == "tumblr")
        })
        .count();
    assert_eq!(empty.missing_media, files);
    assert_eq!(file_placeholders(html), files);

    let first_image = blocks[2]["media"][0]["url"].as_str().expect("image url");
    assert!(html.contains(&format!(
        "<div class=\"media-missing\">image not archived: <code>{first_image}</code></div>"
    )));
    assert!(
        html.contains("<p class=\"attribution\"><a href=\"https://sample-artist.tumblr.com/post/")
    );
    assert!(html.contains(">via sample-artist</a></p>"));
    assert!(html.contains("<div class=\"media-missing\">youtube video player (not archived): <a href=\"https://www.youtube.com/watch?v="));
    assert!(html.contains("<div class=\"media-missing\">soundcloud audio player (not archived): "));
    assert!(
        html.contains("<a class=\"link-card\" href=\"https://href.li/?https://www.nytimes.com/")
    );
    assert!(html.contains("<div class=\"poll\"><p>A blog!</p><ul><li>A amet QUI!</li>"));

    // The rows layout puts several images side by side in one row.
    let row_start = html
        .find("<div class=\"npf-row\">")
        .expect("a row of images");
    let row = &html[row_start..];
    let wide_row = post["layout"][0]["display"]
        .as_array()
        .expect("rows layout")
        .iter()
        .map(|display| display["blocks"].as_array().expect("row blocks"))
        .find(|indexes| indexes.len() > 1)
        .expect("the showcase has a row of several blocks");
    for index in wide_row {
        let index = usize::try_from(index.as_u64().expect("block index")).expect("index fits");
        let url = blocks[index]["media"][0]["url"]
            .as_str()
            .expect("image url");
        let position = row.find(url).expect("row holds the image");
        assert!(
            position < row.find("</figure></div>").expect("row ends"),
            "block {index} outside the row"
        );
    }
    assert_eq!(html.matches("<div class=\"npf-row\">").count(), 1);

    // The archive kept a smaller rendition of the first image, the audio
    // and the video.
    let small = blocks[2]["media"][4]["url"]
        .as_str()
        .expect("small rendition");
    let audio = blocks[18]["media"]["url"].as_str().expect("audio url");
    let video = blocks[19]["media"]["url"].as_str().expect("video url");
    let archive = Archive::default()
        .with(small, "media/first.png", "image")
        .with(audio, "media/track.mp3", "audio")
        .with(video, "media/clip.mp4", "video");
    let rendered =
        render_record("tumblr-api-v2", &post.to_string(), &archive, "../").expect("renders");
    let alt = escape(blocks[2]["alt_text"].as_str().expect("alt text"));
    assert!(rendered.body_html.contains(&format!(
        "<img src=\"../media/first.png\" alt=\"{alt}\" loading=\"lazy\">"
    )));
    assert!(
        rendered
            .body_html
            .contains("<audio src=\"../media/track.mp3\" controls")
    );
    assert!(
        rendered
            .body_html
            .contains("<video src=\"../media/clip.mp4\" controls")
    );
    assert_eq!(rendered.missing_media, files - 3);
}

#[test]
fn reblog_trail_in_order() {
    let Some(dir) = fixtures() else { return };
    let post = v2_posts(&dir, "posts-npf-reblog-trail.json").remove(0);
    let html = render(&post, &EmptyArchive).body_html;
    assert!(html.starts_with("<div class=\"trail\">"));
    // The reblog adds no content of its own.
    assert!(!html.contains("post-body"));

    let mut last = 0;
    for entry in post["trail"].as_array().expect("trail") {
        let name = entry["blog"]["name"].as_str().expect("trail blog name");
        let heading = format!("<div class=\"trail-entry\"><p class=\"trail-blog\">{name}</p>");
        let position = html
            .find(&heading)
            .unwrap_or_else(|| panic!("no entry for {name}"));
        assert!(position >= last, "{name} out of order");
        last = position;
    }
    assert!(
        html.contains(
            "<p><span style=\"color: #ff62ce\"><b>TEXT QUI NOTE SIT VELIT</b></span></p>"
        )
    );
    assert!(html.contains(">@mentioned-one</a> <a class=\"mention\""));
}

#[test]
fn broken_trail_entries() {
    let post = json!({
        "id": "1", "type": "blocks", "tags": [],
        "content": [{"type": "text", "text": "my comment"}],
        "layout": [],
        "trail": [
            {"broken_blog_name": "old-broken-blog", "content": [{"type": "text", "text": "root"}], "layout": []},
            {"content": [{"type": "text", "text": "orphan"}], "layout": []},
            {"blog": {"name": "parent-blog"}, "post": {"id": "2"}, "content": [{"type": "text", "text": "parent"}], "layout": []}
        ]
    });
    let html = render(&post, &EmptyArchive).body_html;
    assert_eq!(
        html,
        "<div class=\"trail\">\
         <div class=\"trail-entry deleted\"><p class=\"trail-blog\">old-broken-blog (post no longer available)</p><p>root</p></div>\
         <div class=\"trail-entry deleted\"><p class=\"trail-blog\">deleted post</p><p>orphan</p></div>\
         <div class=\"trail-entry\"><p class=\"trail-blog\">parent-blog</p><p>parent</p></div>\
         </div><div class=\"post-body\"><p>my comment</p></div>"
    );
}

#[test]
fn ask_layout_with_asker() {
    let Some(dir) = fixtures() else { return };
    let post = v2_posts(&dir, "posts-npf-ask-layout.json").remove(0);
    let html = render(&post, &EmptyArchive).body_html;
    let question = escape(post["content"][0]["text"].as_str().expect("asked text"));
    assert!(html.starts_with(&format!(
        "<div class=\"post-body\"><div class=\"ask\"><p class=\"asker\">\
         <a href=\"https://www.tumblr.com/blog/view/example-blog\" rel=\"noopener noreferrer\">example-blog</a> asked:</p>\
         <p>{question}</p></div><div class=\"npf-row\">"
    )));
}

#[test]
fn older_rows_form_in_trail() {
    let post = json!({
        "id": "1", "type": "blocks", "content": [],
        "trail": [{
            "blog": {"name": "parent-blog"},
            "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "second"}],
            "layout": [{"type": "rows", "rows": [[1, 0]]}]
        }]
    });
    let html = render(&post, &EmptyArchive).body_html;
    assert!(
        html.contains("<div class=\"npf-row\"><p>second</p><p>first</p></div>"),
        "{html}"
    );
}

#[test]
fn anonymous_ask() {
    let post = json!({
        "id": "1", "type": "blocks",
        "content": [{"type": "text", "text": "why?"}, {"type": "text", "text": "because"}],
        "layout": [{"type": "ask", "blocks": [0]}]
    });
    let html = render(&post, &EmptyArchive).body_html;
    assert_eq!(
        html,
        "<div class=\"post-body\"><div class=\"ask\"><p class=\"asker\">Anonymous asked:</p><p>why?</p></div><p>because</p></div>"
    );
}

#[test]
fn npf_subtypes_not_in_showcase() {
    let post = json!({
        "id": "1", "type": "blocks",
        "content": [
            {"type": "text", "subtype": "heading2", "text": "Section"},
            {"type": "text", "subtype": "quote", "text": "Quoted words"},
            {"type": "text", "text": "struck", "formatting": [{"type": "strikethrough", "start": 0, "end": 6}]}
        ]
    });
    let html = render(&post, &EmptyArchive).body_html;
    assert_eq!(
        html,
        "<div class=\"post-body\"><h2>Section</h2><blockquote class=\"quote\"><p>Quoted words</p></blockquote><p><s>struck</s></p></div>"
    );
}

/// Returns the first legacy post of `post_type` in the all-types fixture.
fn legacy_post(dir: &Path, post_type: &str) -> Value {
    v2_posts(dir, "legacy-post-objects-all-types.json")
        .into_iter()
        .find(|post| post["type"] == post_type)
        .unwrap_or_else(|| panic!("no {post_type} post in the fixture"))
}

#[test]
fn legacy_chat() {
    let Some(dir) = fixtures() else { return };
    let post = legacy_post(&dir, "chat");
    let html = render(&post, &EmptyArchive).body_html;
    let mut expected = String::from("<div class=\"chat\">");
    for line in post["dialogue"].as_array().expect("dialogue") {
        expected.push_str(&format!(
            "<p class=\"chat-line\"><b>{}</b> {}</p>",
            escape(line["label"].as_str().expect("label")),
            escape(line["phrase"].as_str().expect("phrase"))
        ));
    }
    expected.push_str("</div>");
    assert_eq!(html, expected);
}

#[test]
fn legacy_quote_with_source() {
    let Some(dir) = fixtures() else { return };
    let post = legacy_post(&dir, "quote");
    let html = render(&post, &EmptyArchive).body_html;
    let text = escape(post["text"].as_str().expect("quote text"));
    assert!(html.starts_with(&format!(
        "<blockquote class=\"quote\">{text}</blockquote><div class=\"quote-source\">"
    )));
    assert!(
        html.contains("<a href=\"http://example.com/\" rel=\"noopener noreferrer\">eiusmod</a>")
    );
}

#[test]
fn legacy_link_card() {
    let Some(dir) = fixtures() else { return };
    let post = legacy_post(&dir, "link");
    let image = post["link_image"].as_str().expect("link image");
    let archive = Archive::default().with(image, "media/og.jpg", "image");
    let html = render(&post, &archive).body_html;
    let url = post["url"].as_str().expect("link url");
    let title = escape(post["title"].as_str().expect("title"));
    assert!(html.starts_with(&format!(
        "<a class=\"link-card\" href=\"{url}\" rel=\"noopener noreferrer\"><img src=\"media/og.jpg\" alt=\"\" loading=\"lazy\"><strong>{title}</strong>"
    )));
}

#[test]
fn legacy_answer_and_trail() {
    let Some(dir) = fixtures() else { return };
    let post = legacy_post(&dir, "answer");
    let html = render(&post, &EmptyArchive).body_html;
    let question = escape(post["question"].as_str().expect("question"));
    assert!(html.starts_with(&format!(
        "<div class=\"ask\"><p class=\"asker\">Anonymous asked:</p>{question}</div>"
    )));
    // The only trail entry is the post's own answer.
    assert!(!html.contains("class=\"trail\""));
    assert!(html.contains("<div class=\"post-body\"><p>“Sed it sit words?”"));

    let reblog = v2_posts(&dir, "posts-legacy-mixed-2015.json").remove(1);
    let html = render(&reblog, &EmptyArchive).body_html;
    let root = html
        .find("<p class=\"trail-blog\">blog-02</p>")
        .expect("root entry");
    let parent = html
        .find("<p class=\"trail-blog\">blog-04</p>")
        .expect("parent entry");
    assert!(root < parent);
    assert!(html.contains("<p><i>Sit Adipiscing Occaecat</i> is commodo"));
}

#[test]
fn legacy_media_local_and_missing() {
    let Some(dir) = fixtures() else { return };
    let video = legacy_post(&dir, "video");
    let video_url = video["video_url"].as_str().expect("video url");
    let thumbnail = video["thumbnail_url"].as_str().expect("thumbnail");
    let archive = Archive::default()
        .with(video_url, "media/v.mp4", "video")
        .with(thumbnail, "media/v.jpg", "image");
    let html = render(&video, &archive).body_html;
    assert!(html.starts_with("<video src=\"media/v.mp4\" poster=\"media/v.jpg\" controls"));

    // The text post's body holds an image on another site.
    let text = legacy_post(&dir, "text");
    let rendered = render(&text, &EmptyArchive);
    assert!(
        rendered
            .body_html
            .contains("image not archived: <code>http://example.com/1words6</code>")
    );
    assert!(!rendered.body_html.contains("<img"));
    assert_eq!(rendered.missing_media, 1);

    // A photo's archived file is its 500 px size.
    let photo = legacy_post(&dir, "photo");
    let small = photo["photos"][0]["alt_sizes"][1]["url"]
        .as_str()
        .expect("500 px size");
    let archive = Archive::default().with(small, "media/p.jpg", "image");
    let rendered = render(&photo, &archive);
    assert!(
        rendered
            .body_html
            .starts_with("<figure><img src=\"media/p.jpg\"")
    );
    assert_eq!(rendered.missing_media, 0);
}

#[test]
fn npf_html_in_legacy_body() {
    let Some(dir) = fixtures() else { return };
    let post = v2_posts(&dir, "posts-legacy-npf-as-text.json").remove(0);
    let body = post["body"].as_str().expect("body");
    let start = body.find("s2048x3072").expect("largest size in srcset");
    let url_start = body[..start].rfind("https://").expect("url start");
    let url_end = start + body[start..].find(' ').expect("url end");
    let archive = Archive::default().with(&body[url_start..url_end], "media/big.jpg", "image");
    let html = render(&post, &archive).body_html;
    assert!(html.contains("<div class=\"npf-row\"><figure><img src=\"media/big.jpg\""));
    assert_safe(&html, "");

    let post = v2_posts(&dir, "posts-legacy-npf-video-as-text.json").remove(0);
    let archive = Archive::holding_every_url_in(&post);
    let rendered = render(&post, &archive);
    assert!(rendered.body_html.contains("<video src=\"media/"));
    assert_eq!(rendered.missing_media, 0);
}

#[test]
fn hostile_npf_post() {
    let post = json!({
        "id": "1", "type": "blocks", "tags": ["<script>alert(1)</script>"],
        "content": [
            {"type": "text", "text": "<script>alert(1)</script><img src=x onerror=alert(2)>",
             "formatting": [{"type": "link", "start": 0, "end": 8, "url": "javascript:alert(3)"},
                            {"type": "color", "start": 0, "end": 8, "hex": "#000;background:url(https://evil.example/c)"}]},
            {"type": "image", "media": [{"url": "javascript:alert(4)"}, {"url": "https://evil.example/i.png"}],
             "alt_text": "\" onerror=\"alert(5)"},
            {"type": "video", "provider": "youtube", "url": "javascript:alert(6)",
             "embed_html": "<iframe src=\"https://evil.example/frame\"></iframe>"},
            {"type": "link", "url": "javascript:alert(7)", "title": "<b>t</b>"},
            {"type": "unknown-block", "html": "<script>alert(8)</script>"}
        ]
    });
    let rendered = render(&post, &EmptyArchive);
    let html = &rendered.body_html;
    assert_safe(html, "");
    assert!(html.contains(
        "<p><span><span>&lt;script&gt;</span></span>alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;</p>"
    ));
    assert!(!html.contains("javascript:alert(3)\""));
    assert!(html.contains("image not archived: <code>javascript:alert(4)</code>"));
    assert!(html.contains("<div class=\"link-card\"><strong>&lt;b&gt;t&lt;/b&gt;</strong></div>"));
    assert_eq!(rendered.missing_media, 1);
    assert_eq!(rendered.tags, vec!["<script>alert(1)</script>".to_owned()]);
}

#[test]
fn hostile_legacy_body() {
    let body = "<p>hi<img src=x onerror=alert(1)></p>\
        <iframe src=\"https://evil.example/frame\"></iframe>\
        <p style=\"background:url(https://evil.example/x)\" onclick=\"alert(2)\">styled</p>\
        <a href=\"javascript:alert(3)\">js link</a> <a href=\"//evil.example/x\">proto</a>\
        <a href=\"https://example.com/ok\" onmouseover=\"alert(4)\">ok</a>\
        <script>alert(5)</script><style>body{background:url(https://evil.example/s)}</style>\
        <svg onload=\"alert(6)\"><image href=\"https://evil.example/svg\"/></svg>\
        <object data=\"https://evil.example/o\"></object><embed src=\"https://evil.example/e\">\
        <form action=\"https://evil.example/f\"><input name=q></form>\
        <video poster=\"https://evil.example/p.jpg\"><source src=\"https://evil.example/v.mp4\"></video>\
        <img srcset=\"https://evil.example/a.jpg 1x\">\
        <link rel=stylesheet href=\"https://evil.example/css\"><meta http-equiv=refresh content=\"0;url=https://evil.example\">\
        <div data-src=\"https://evil.example/lazy.jpg\">lazy</div>\
        <math><mi xlink:href=\"javascript:alert(7)\">m</mi></math>\
        <noscript><img src=\"https://evil.example/n.jpg\"></noscript>";
    let post = json!({"id": "1", "type": "text", "body": body});
    let rendered = render(&post, &EmptyArchive);
    let html = &rendered.body_html;
    assert_safe(html, "");
    assert!(
        html.contains(
            "<p>hi<div class=\"media-missing\">image not archived: <code>x</code></div></p>"
        ) || html.contains("image not archived: <code>x</code>")
    );
    assert!(html.contains("<a href=\"https://example.com/ok\" rel=\"noopener noreferrer\">ok</a>"));
    assert!(html.contains("<a rel=\"noopener noreferrer\">js link</a>"));
    assert!(html.contains("<p>styled</p>"));
    assert!(!html.contains("evil.example/s"));
    assert!(html.contains("video not archived: <code>https://evil.example/v.mp4</code>"));
    assert!(html.contains("image not archived: <code>https://evil.example/lazy.jpg</code>"));
    // x, the video, the srcset image and the lazy image.
    assert_eq!(rendered.missing_media, 4);

    // The same HTML is safe with a prefix, and when the archive has files.
    let archive = Archive::default().with("https://evil.example/v.mp4", "media/v.mp4", "video");
    let rendered =
        render_record("tumblr-api-v2", &post.to_string(), &archive, "../").expect("renders");
    assert_safe(&rendered.body_html, "../");
    assert!(
        rendered
            .body_html
            .contains("<video src=\"../media/v.mp4\" controls")
    );
}

#[test]
fn deeply_nested_html() {
    // Past the parser's limit of unclosed tags: shown as text.
    let body = "<div>".repeat(100_000) + "<img src=x onerror=alert(1)>deep";
    let post = json!({"id": "1", "type": "text", "body": body});
    let html = render(&post, &EmptyArchive).body_html;
    assert_safe(&html, "");
    assert!(html.ends_with("&lt;img src=x onerror=alert(1)&gt;deep</p></div>"));

    // Under it, nesting past the writer's depth keeps the text only.
    let body = "<b>".repeat(1_000) + "<img src=x>deep";
    let post = json!({"id": "1", "type": "text", "body": body});
    let rendered = render(&post, &EmptyArchive);
    assert_safe(&rendered.body_html, "");
    assert!(rendered.body_html.contains("deep"));
    assert_eq!(rendered.missing_media, 0);
}

#[test]
fn hostile_local_path_is_not_linked() {
    let post = json!({"id": "1", "type": "blocks",
        "content": [{"type": "image", "media": [{"url": "https://64.media.tumblr.com/a.jpg"}]}]});
    let archive = Archive::default().with(
        "https://64.media.tumblr.com/a.jpg",
        "//evil.example/a.jpg",
        "image",
    );
    let rendered = render(&post, &archive);
    assert_safe(&rendered.body_html, "");
    assert_eq!(rendered.missing_media, 1);
}

#[test]
fn v1_json_posts() {
    let Some(dir) = fixtures() else { return };
    let script = std::fs::read_to_string(dir.join("api-v1/read-json-2015.js")).expect("v1 fixture");
    let json =
        &script[script.find('{').expect("object start")..=script.rfind('}').expect("object end")];
    let read: Value = serde_json::from_str(json).expect("v1 JSON");
    let posts = read["posts"].as_array().expect("posts");
    assert!(!posts.is_empty());
    for post in posts {
        let rendered = render_record("tumblr-api-v1-json", &post.to_string(), &EmptyArchive, "")
            .expect("v1 post renders");
        assert_safe(&rendered.body_html, "");
        assert_eq!(
            rendered.missing_media,
            file_placeholders(&rendered.body_html)
        );
        let archive = Archive::holding_every_url_in(post);
        let full =
            render_record("tumblr-api-v1-json", &post.to_string(), &archive, "").expect("renders");
        assert_eq!(full.missing_media, 0, "{}", full.body_html);
    }
    let quote = posts
        .iter()
        .find(|post| post["type"] == "quote")
        .expect("a quote post");
    let html = render_record("tumblr-api-v1-json", &quote.to_string(), &EmptyArchive, "")
        .expect("quote renders")
        .body_html;
    assert!(html.starts_with("<blockquote class=\"quote\">sit placeholder laboris chat aliqua post.</blockquote><div class=\"quote-source\"><p><a href="));
    let photoset = posts
        .iter()
        .find(|post| post["photos"].as_array().is_some_and(|p| p.len() > 1));
    let html = render_record(
        "tumblr-api-v1-json",
        &photoset.expect("a photoset").to_string(),
        &EmptyArchive,
        "",
    )
    .expect("photoset renders")
    .body_html;
    assert!(html.starts_with("<div class=\"npf-row\"><figure><div class=\"media-missing\">"));
}

#[test]
fn v1_xml_posts() {
    let Some(dir) = fixtures() else { return };
    let xml =
        std::fs::read_to_string(dir.join("api-v1/read-xml-2021.xml")).expect("v1 XML fixture");
    let mut rest = xml.as_str();
    let mut count = 0;
    while let Some(start) = rest.find("<post ") {
        let end = start + rest[start..].find("</post>").expect("post closes") + "</post>".len();
        let record = &rest[start..end];
        let rendered = render_record("tumblr-api-v1-xml", record, &EmptyArchive, "")
            .expect("XML post renders");
        assert_safe(&rendered.body_html, "");
        assert!(
            rendered.body_html.contains("<div class=\"post-body\"><p>"),
            "{}",
            rendered.body_html
        );
        assert_eq!(rendered.note_count, Some(0));
        assert!(!rendered.tags.is_empty());
        count += 1;
        rest = &rest[end..];
    }
    assert_eq!(count, 2);
}

#[test]
fn themed_page_html() {
    let Some(dir) = fixtures() else { return };
    let page =
        std::fs::read_to_string(dir.join("html/themed-blog-index-2013.html")).expect("themed page");
    let rendered = render_record("html", &page, &EmptyArchive, "").expect("page renders");
    assert_safe(&rendered.body_html, "");
    assert!(rendered.body_html.contains("Sample"));
}

#[test]
fn record_errors() {
    let error =
        render_record("tumblr-api-v3", "{}", &EmptyArchive, "").expect_err("unknown format");
    assert!(matches!(error, RenderError::UnknownFormat(ref format) if format == "tumblr-api-v3"));
    assert!(error.to_string().contains("tumblr-api-v3"));

    let error = render_record("tumblr-api-v2", "<html>", &EmptyArchive, "").expect_err("not JSON");
    assert!(matches!(error, RenderError::InvalidJson { .. }));
    assert!(error.to_string().contains("not valid JSON"));

    let error = render_record("tumblr-api-v1-xml", "<tumblr></tumblr>", &EmptyArchive, "")
        .expect_err("no post element");
    assert!(matches!(error, RenderError::NoXmlPost));

    let error =
        render_record("tumblr-api-v1-json", "[1]", &EmptyArchive, "").expect_err("not an object");
    assert!(error.to_string().contains("an array"));
}
