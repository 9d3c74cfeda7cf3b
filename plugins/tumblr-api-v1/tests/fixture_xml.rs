//! Runs a recorded `/api/read` XML page (two posts of two, anonymised)
//! through the exported `start` with `format=xml` and `parse`. The test
//! checks the blog facts, the end of paging, every post field and every
//! media item against values read off the file by hand.
//!
//! Fixtures are read from the folder in `TUMBLR_FIXTURES`, by default
//! `fixtures/tumblr` of the shared folder next to the repository. When that
//! folder is missing the tests print that they are skipped and pass, except
//! when `CI` is `true`, where they fail.

use tumblr_api_v1::TumblrApiV1;
use tumblr_api_v1::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v1::tumblr_archiver::plugin::types::{
    Alternate, BlogInfo, Dimensions, HttpResponse, Media, MediaKind, Page,
};

use plugin_sdk::fixtures::fixture;

/// Parses `body` as the response to the first request of an XML crawl.
fn respond_xml(body: Vec<u8>) -> Page {
    let options = vec![("format".to_owned(), "xml".to_owned())];
    let request = match TumblrApiV1::start("example-blog".to_owned(), options) {
        Ok(mut requests) if requests.len() == 1 => requests.remove(0),
        other => panic!("start gave {other:?}"),
    };
    assert_eq!(
        request.url,
        "https://example-blog.tumblr.com/api/read?start=0&num=50"
    );
    let response = HttpResponse {
        url: request.url.clone(),
        status: 200,
        headers: Vec::new(),
        body,
    };
    match TumblrApiV1::parse(request, response) {
        Ok(page) => page,
        Err(error) => panic!("parse failed: {error:?}"),
    }
}

#[test]
fn read_xml_2021_posts() {
    let Some(body) = fixture("api-v1/read-xml-2021.xml") else {
        return;
    };
    let page = respond_xml(body);

    assert_eq!(
        page.blog,
        Some(BlogInfo {
            name: "example-blog".to_owned(),
            title: "Example Blog".to_owned(),
            url: "https://example-blog.tumblr.com/".to_owned(),
            total_posts: Some(2),
            updated: Some(1_620_286_685),
        })
    );
    // Both of the two posts came on this page, so paging ends.
    assert_eq!(page.next.len(), 0);
    assert_eq!(page.posts.len(), 2);

    let photo = &page.posts[0];
    assert_eq!(photo.id, "658810803082446451");
    assert_eq!(
        photo.url,
        "https://example-blog.tumblr.com/post/658810803082446451/sample-title-n-sit-amet-nisi-finibus-elit"
    );
    assert_eq!(photo.blog, "example-blog");
    assert_eq!(photo.timestamp, 1_620_286_685);
    assert_eq!(photo.post_type, "photo");
    assert_eq!(photo.tags, ["sample tag"]);
    assert_eq!(photo.reblog, None);
    // The caption's text, its paragraphs joined by spaces, cut at 200
    // characters.
    assert_eq!(
        photo.summary,
        "Sample Title In sit amet nisi finibus elit interdum facilisis. Vestibulum sed justo \
         vitae erat volutpat suscipit. Aliquam dapibus diam ut massa tincidunt, eu varius nisl \
         luctus. Donec condimentum hend"
    );

    // The 1280 and 500 fields name the same `s500x750` file, and the
    // 460-pixel upload fits that bucket, so the URL has the post's
    // `width` and `height`.
    let base = "https://64.media.tumblr.com/8e88ee65a553c2674e0042c49514000a/13aef53a03755c00-72";
    let smaller = [
        "s400x600/d1af8dcdae44ee84c6755ed1f321bb5e427f10ff.png",
        "s250x400/5737822ad11daf4c4e3d058872fea326fd8c2f98.png",
        "s100x200/f820dd55f6ffe2c4d247502e4d588c80f3618091.png",
        "s75x75_c1/dd1c838bffaa2ed601a7806749950dc0397a0d59.png",
    ];
    let expected = Media {
        url: format!("{base}/s500x750/e4bc592ade3c21d7c5114277208940f0e71c865e.png"),
        kind: MediaKind::Image,
        size: Some(Dimensions {
            width: 460,
            height: 350,
        }),
        alternates: smaller
            .iter()
            .map(|path| Alternate {
                url: format!("{base}/{path}"),
                size: None,
            })
            .collect(),
        trail_blog: None,
    };
    assert_eq!(photo.media, [expected]);

    let text = &page.posts[1];
    assert_eq!(text.id, "650698490402144655");
    assert_eq!(
        text.url,
        "https://example-blog.tumblr.com/post/650698490402144655/a-second-post"
    );
    assert_eq!(text.blog, "example-blog");
    assert_eq!(text.timestamp, 1_620_285_929);
    assert_eq!(text.post_type, "text");
    assert_eq!(text.tags, ["testing"]);
    assert_eq!(text.reblog, None);
    assert_eq!(text.summary, "A Second Post");
    assert_eq!(text.media, []);
}
