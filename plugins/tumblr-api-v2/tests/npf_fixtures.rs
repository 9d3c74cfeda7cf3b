//! Parses the recorded NPF `/posts` responses through the exported `parse`
//! and compares every post with expectations read off the JSON by hand.

mod common;

use common::{
    ExpectedPost, alternate_urls, assert_post, fixture, posts_request, response, size_of,
};
use tumblr_api_v2::TumblrApiV2;
use tumblr_api_v2::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v2::tumblr_archiver::plugin::types::{MediaKind, Page};

use MediaKind::{Audio, Embed, Gif, Image, Video};

/// Parses fixture `name` as the answer to a `/posts` request at offset 0.
fn parse_fixture(name: &str, page_size: u32) -> Option<Page> {
    let body = fixture(&format!("api-v2/{name}"))?;
    let request = posts_request(page_size, 0, None);
    let result = TumblrApiV2::parse(request.clone(), response(&request, 200, &[], body));
    match result {
        Ok(page) => Some(page),
        Err(error) => panic!("{name}: parse failed: {error:?}"),
    }
}

const PAGINATED_LARGEST: &str = "https://64.media.tumblr.com/bd60dda5d0877043068e5d5420e31af1/12d9d92681833d29-80/s2048x3072/9db0c7a9b9c70ea5a047e6bda724f5130e971676.jpg";

#[test]
fn image_paginated_post() {
    let Some(page) = parse_fixture("posts-npf-image-paginated.json", 1) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    assert_post(
        post,
        &ExpectedPost {
            id: "665519684389441719",
            post_type: "blocks",
            timestamp: 1631767427,
            tags: &[],
            reblog: None,
            summary: "",
            media: &[(PAGINATED_LARGEST, Image, None)],
        },
    );
    assert_eq!(
        post.url,
        "https://example-comics.tumblr.com/post/665519684389441719"
    );
    assert_eq!(post.blog, "example-comics");
    let item = &post.media[0];
    assert_eq!(size_of(item), Some((1600, 1600)));
    let prefix = "https://64.media.tumblr.com/bd60dda5d0877043068e5d5420e31af1/12d9d92681833d29-80";
    let expected_alternates: Vec<String> = [
        "s1280x1920/13d08f071aa55174a87ef408fb31f1d713d3ae09.jpg",
        "s640x960/fdb35e35e5d047314e8e846aa45e80f0896db2b6.jpg",
        "s540x810/56e5a6a41325044c1014a9110632d1c65cae6adf.jpg",
        "s500x750/d751e8a3ca08b5c0d9dc6e33480dd743cb69d29b.jpg",
        "s400x600/c0475ffc0005002f213c6f02825e55415a6b534e.jpg",
        "s250x400/4a4f91924b887f3ca83088c84dcdfd33167b56a6.jpg",
        "s100x200/97cee85289a9de97df83ec05461bf85dd94bdef9.jpg",
        "s75x75_c1/7791bf208b193431eb6012d10843d32a0b44ceba.jpg",
    ]
    .iter()
    .map(|tail| format!("{prefix}/{tail}"))
    .collect();
    assert_eq!(alternate_urls(item), expected_alternates);
    let sizes: Vec<Option<(u32, u32)>> = item
        .alternates
        .iter()
        .map(|alternate| alternate.size.map(|size| (size.width, size.height)))
        .collect();
    let expected_sizes = [1280, 640, 540, 500, 400, 250, 100, 75].map(|side| Some((side, side)));
    assert_eq!(sizes, expected_sizes);
}

#[test]
fn image_paginated_next_by_offset() {
    let Some(page) = parse_fixture("posts-npf-image-paginated.json", 1) else {
        return;
    };
    let urls: Vec<&str> = page
        .next
        .iter()
        .map(|request| request.url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=1&offset=1&npf=true&reblog_info=true"
        ]
    );
    assert!(page.blog.is_none());
}

#[test]
fn video_post() {
    let Some(page) = parse_fixture("posts-npf-video.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    assert_post(
        post,
        &ExpectedPost {
            id: "725459714773287980",
            post_type: "blocks",
            timestamp: 1689430784,
            tags: &[],
            reblog: None,
            summary: "sunt veniam or est est video elit a dolor of sed mollit mollit",
            media: &[
                (
                    "https://va.media.tumblr.com/tumblr_olth2byoLx2ey93jn_720.mp4",
                    Video,
                    None,
                ),
                (
                    "https://64.media.tumblr.com/tumblr_olth2byoLx2ey93jn_frame1.jpg",
                    Image,
                    None,
                ),
            ],
        },
    );
    assert_eq!(size_of(&post.media[0]), Some((1920, 1080)));
    assert_eq!(size_of(&post.media[1]), Some((1920, 1080)));
    assert!(post.media[0].alternates.is_empty());
    // One post of a reported total of one, on a page of 20: the crawl ends.
    assert!(page.next.is_empty());
}

#[test]
fn ask_layout_post() {
    let Some(page) = parse_fixture("posts-npf-ask-layout.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    assert_post(
        post,
        &ExpectedPost {
            id: "737644498562326612",
            post_type: "blocks",
            timestamp: 1698179965,
            tags: &[],
            reblog: None,
            summary: "sunt text elit qui",
            media: &[
                (
                    "https://64.media.tumblr.com/f7ea8666a0e1e82cf2714bbd04f5d276/9d941c67be162156-67/s1280x1920/308bb86acea174470130ad0e204e6be266b94d25.png",
                    Image,
                    None,
                ),
                (
                    "https://64.media.tumblr.com/35fbdd7c765a119aa0bbe91c392164ed/9d941c67be162156-40/s1280x1920/36482227ffdc6dc55613e1731f45e8f78775aa33.jpg",
                    Image,
                    None,
                ),
            ],
        },
    );
    assert_eq!(size_of(&post.media[0]), Some((700, 465)));
    assert_eq!(size_of(&post.media[1]), Some((1080, 757)));
    assert_eq!(post.media[0].alternates.len(), 7);
    assert_eq!(post.media[1].alternates.len(), 7);
    assert!(page.next.is_empty());
}

#[test]
fn block_showcase_post() {
    let Some(page) = parse_fixture("posts-npf-block-showcase.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    let m = "https://64.media.tumblr.com";
    let expected_media = [
        // Block 2: PNG with alt text.
        format!(
            "{m}/38152eef2ad2b730cbc15537b5c1d975/ed87ef95c392e264-64/s640x960/044efe84f22f59fb5353576bdc7395cb8fa5a545.png"
        ),
        // Block 10: GIF. Its 44.media `_f1` posters are not items.
        format!(
            "{m}/5e54820e993dffe753ad37f5ffeb2594/ed87ef95c392e264-f1/s250x400/cecf654993ca04ca500185d083f7b554bc64e695.gif"
        ),
        // Blocks 11 to 13: the three images of one row.
        format!(
            "{m}/fba1325f4d766fd3f98561303be92516/ed87ef95c392e264-7f/s500x750/0844e8fb70fbb051cf0b4f6a613055ac5e963283.png"
        ),
        format!(
            "{m}/b59e0ec0d5ea9103c0f2133b66d71683/ed87ef95c392e264-43/s500x750/652002864cc50be798cd888e76cb7982f82898be.png"
        ),
        format!(
            "{m}/e9021c884a80cbb2d526cbaa39259a4f/ed87ef95c392e264-85/s500x750/6071d5c701a98a2e9ebd728ba6876399b311eccb.png"
        ),
        // Block 14: GIF.
        format!(
            "{m}/d55422eba6b4da1e8827ff55d241a4c3/ed87ef95c392e264-82/s640x960/59423cc451ff4b1f255d4497329ab944a7b54cce.gif"
        ),
        // Block 15: JPEG with a link attribution.
        format!(
            "{m}/57bb6a5fa78045807b3d591fc85f66b7/ed87ef95c392e264-a7/s1280x1920/e95fec957f93ab794769cb30153da5ea1ad88490.jpg"
        ),
        // Block 16: link poster. Block 17 is a link without a poster.
        format!(
            "{m}/8f7596235da8eebeed8aeadffbaba449/ed87ef95c392e264-62/s1280x1920/efa963e54994355fed4bcba706b27751fc56cc85.jpg"
        ),
        // Block 18: native audio (`media.url`), then its cover art.
        format!(
            "{m}/6eb40fe4de200f04046b556e95c14f9b/ed87ef95c392e264-6c/d187225c660ae2e63f480fe32cd2739e6e721a46.mp3"
        ),
        format!(
            "{m}/2941b0c0f223f40fd85e09a24a9bf3ae/ed87ef95c392e264-e1/s250x400/07e2ed3dd77ee98db50a4b6fb93c12a0c78e33e1.jpg"
        ),
        // Block 19: native video without a poster.
        "https://va.media.tumblr.com/tumblr_c8fibooSr85gd08xv.mp4".to_owned(),
        // Block 20 is a poll. Block 21: YouTube embed and its thumbnail.
        "https://www.youtube.com/watch?v=Xq3vT8mLk2w".to_owned(),
        format!(
            "{m}/cd3cfaf76a02aea977ad80f63ed383fc/ed87ef95c392e264-f1/s500x750/7eaecbead3856b19e9df9d9bf055439034659291.jpg"
        ),
        // Block 22: SoundCloud embed (its `media.url` is on soundcloud.com) and cover.
        "https://soundcloud.com/sample-musician/lips".to_owned(),
        format!(
            "{m}/491796f167c617ac4282468bf02f49cb/ed87ef95c392e264-4a/s100x200/8e48a4c6e662afb9769e54127e27816057691949.jpg"
        ),
    ];
    let kinds = [
        Image, Gif, Image, Image, Image, Gif, Image, Image, Audio, Image, Video, Embed, Image,
        Embed, Image,
    ];
    let rows: Vec<(&str, MediaKind, Option<&str>)> = expected_media
        .iter()
        .zip(kinds)
        .map(|(url, kind)| (url.as_str(), kind, None))
        .collect();
    assert_post(
        post,
        &ExpectedPost {
            id: "731636337161375946",
            post_type: "blocks",
            timestamp: 1697044184,
            tags: &["sample tag 1", "sample tag 2", "sample tag 3"],
            reblog: None,
            summary: "Sit Pariatur Enim Anim a2",
            media: &rows,
        },
    );
    let sizes: Vec<Option<(u32, u32)>> = post.media.iter().map(size_of).collect();
    let expected_sizes = [
        Some((560, 200)),
        Some((112, 112)),
        Some((500, 500)),
        Some((500, 500)),
        Some((500, 500)),
        Some((640, 640)),
        Some((838, 894)),
        Some((1050, 549)),
        None,
        Some((170, 258)),
        Some((750, 544)),
        None,
        Some((480, 360)),
        None,
        Some((100, 100)),
    ];
    assert_eq!(sizes, expected_sizes);
    let gif_alternates = [
        format!(
            "{m}/5e54820e993dffe753ad37f5ffeb2594/ed87ef95c392e264-f1/s100x200/de7666ad9cc41e0c76685646368a0689bca27391.gif"
        ),
        format!(
            "{m}/5e54820e993dffe753ad37f5ffeb2594/ed87ef95c392e264-f1/s75x75_c1/30e12a5a336bb5ca19e884d05f9aacd023294a09.gif"
        ),
    ];
    assert_eq!(alternate_urls(&post.media[1]), gif_alternates);
    // The audio block's own `url` differs from `media.url` and is kept as a fallback.
    let audio_fallback = format!(
        "{m}/6eb40fe4de200f04046b556e95c14f9b/9cd058b9a187058c-be/2b43b26b39224a4c3128af2af8311ec2575c28e1.mp3"
    );
    assert_eq!(alternate_urls(&post.media[8]), [audio_fallback.as_str()]);
}

#[test]
fn reblog_trail_post() {
    let Some(page) = parse_fixture("posts-npf-reblog-trail.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    assert_post(
        post,
        &ExpectedPost {
            id: "781901652167038013",
            post_type: "blocks",
            timestamp: 1745469289,
            tags: &[],
            reblog: Some((
                "reblogger-blog",
                Some("https://www.tumblr.com/blog/view/reblogger-blog/789402796507676832"),
                Some("sample-artist"),
                Some(
                    "https://sample-artist.tumblr.com/post/171020835769/be-ullamco-quote-or-sit-sed-elit-a-duis-sit",
                ),
            )),
            summary: "*be, ullamco quote or sit sed elit a duis-sit proident quote*:",
            media: &[
                (
                    "https://64.media.tumblr.com/369f2e6a4d1d1f37789f990de3470430/tumblr_inline_tbix2wy3oR3m26d3p_500.gif",
                    Gif,
                    Some("sample-artist"),
                ),
                (
                    "https://64.media.tumblr.com/7cf87e86a67a5bff2b442e74612d3787/tumblr_inline_xhragtMwJH8pwf6d3_500.gif",
                    Gif,
                    Some("inactive-blog"),
                ),
            ],
        },
    );
    assert_eq!(
        post.url,
        "https://example-blog.tumblr.com/post/781901652167038013/adipiscing-example-eiusmod-excepteur"
    );
    assert_eq!(size_of(&post.media[0]), Some((428, 284)));
    assert_eq!(size_of(&post.media[1]), Some((450, 250)));
    let base = "https://64.media.tumblr.com/369f2e6a4d1d1f37789f990de3470430/tumblr_inline_tbix2wy3oR3m26d3p";
    let expected_alternates =
        ["400", "250", "100", "75sq"].map(|size| format!("{base}_{size}.gif"));
    assert_eq!(alternate_urls(&post.media[0]), expected_alternates);
}
