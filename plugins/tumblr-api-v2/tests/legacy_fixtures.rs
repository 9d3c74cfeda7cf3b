//! Parses the recorded legacy-format posts (full `/posts` responses through
//! the exported `parse`, and the bare array of post objects through
//! `post::parse_post`) and compares every post with expectations read off
//! the JSON by hand.

mod common;

use common::{
    ExpectedPost, alternate_urls, assert_post, fixture, fixture_json, posts_request, response,
    size_of,
};
use tumblr_api_v2::TumblrApiV2;
use tumblr_api_v2::exports::tumblr_archiver::plugin::crawl::Guest;
use tumblr_api_v2::post::parse_post;
use tumblr_api_v2::tumblr_archiver::plugin::types::{MediaKind, Page};

use MediaKind::{Audio, Image, Video};

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

#[test]
fn mixed_2015_posts() {
    let Some(page) = parse_fixture("posts-legacy-mixed-2015.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 5);
    let expected = [
        ExpectedPost {
            id: "110533043644",
            post_type: "photo",
            timestamp: 1431032383,
            tags: &[],
            reblog: None,
            summary: "",
            media: &[(
                "https://40.media.tumblr.com/20bdd4355c73a32a2fa757eb70d32f84/tumblr_mr0e2mBimV4crehf7o1_1280.jpg",
                Image,
                None,
            )],
        },
        ExpectedPost {
            id: "114027703988",
            post_type: "photo",
            timestamp: 1424317110,
            tags: &[],
            // No `reblogged_*` fields: the parent is the last trail entry,
            // the root the entry marked `is_root_item`.
            reblog: Some((
                "blog-04",
                Some("https://blog-04.tumblr.com/post/119838946939"),
                Some("blog-02"),
                Some("https://blog-02.tumblr.com/post/114671711648"),
            )),
            summary: "Sit Adipiscing Occaecat is commodo, Occaecat a. 1301 sit Officia Sit Dolore, Occaecat Nostrud",
            media: &[(
                "https://41.media.tumblr.com/4788962c72f63a6d60fa24478ace248b/tumblr_eqmc4uFCaV7t93el3o1_1280.jpg",
                Image,
                None,
            )],
        },
        ExpectedPost {
            id: "99308686095",
            post_type: "link",
            timestamp: 1413234491,
            tags: &[],
            // The second trail entry is the post's own (`is_current_item`).
            reblog: Some((
                "blog-05",
                Some("https://blog-05.tumblr.com/post/99143297703"),
                Some("blog-05"),
                Some("https://blog-05.tumblr.com/post/99143297703"),
            )),
            summary: "Sit Voluptate Audio: Link Esse-Elit Magna As Laborum",
            // `photos[0]` and `link_image` are the same file.
            media: &[(
                "https://33.media.tumblr.com/tumblr_qp4mxedrrE1etbfsy_og.jpg",
                Image,
                None,
            )],
        },
        ExpectedPost {
            id: "91486036082",
            post_type: "answer",
            timestamp: 1404923333,
            tags: &[],
            reblog: None,
            summary: "Fugiat (note) dolore: Audio Magna my labore-deserunt do est. Non magna sed dolore ipsum sed \
                      gallery sed sed sint an sed veniam?...",
            media: &[],
        },
        ExpectedPost {
            id: "89863208128",
            post_type: "text",
            timestamp: 1403193653,
            tags: &["sample tag 1", "sample tag 2", "sample tag 3"],
            reblog: None,
            summary: "Cupidatat",
            media: &[],
        },
    ];
    for (post, expected) in page.posts.iter().zip(&expected) {
        assert_post(post, expected);
    }

    let photo = &page.posts[0].media[0];
    assert_eq!(size_of(photo), Some((1024, 683)));
    let hash = "20bdd4355c73a32a2fa757eb70d32f84/tumblr_mr0e2mBimV4crehf7o1";
    let expected_alternates = [
        format!("https://41.media.tumblr.com/{hash}_500.jpg"),
        format!("https://41.media.tumblr.com/{hash}_400.jpg"),
        format!("https://36.media.tumblr.com/{hash}_250.jpg"),
        format!("https://40.media.tumblr.com/{hash}_100.jpg"),
        format!("https://41.media.tumblr.com/{hash}_75sq.jpg"),
    ];
    assert_eq!(alternate_urls(photo), expected_alternates);
    assert_eq!(size_of(&page.posts[2].media[0]), Some((358, 358)));
    assert_eq!(
        page.posts[1].url,
        "http://example-blog.tumblr.com/post/114027703988/exercitation-consectetursit-sed-incididunt"
    );
    assert_eq!(page.posts[1].blog, "example-blog");
}

#[test]
fn mixed_2015_next_offset_by_posts_returned() {
    let Some(page) = parse_fixture("posts-legacy-mixed-2015.json", 20) else {
        return;
    };
    // Five posts of a reported 1155 on a page of 20: the short page does
    // not end the crawl, and the offset advances by five.
    let urls: Vec<&str> = page
        .next
        .iter()
        .map(|request| request.url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=20&offset=5&npf=true&reblog_info=true"
        ]
    );
}

#[test]
fn photoset_post() {
    let Some(page) = parse_fixture("posts-legacy-photoset.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    let m = "https://64.media.tumblr.com";
    let photos = [
        format!("{m}/f350f1335c8a4ffc99153a19d130395c/tumblr_tbcylhI5k34f2yi5co1"),
        format!("{m}/da2ab9fe2981b2a2fb591714a41c9dd9/tumblr_tbcylhI5k34f2yi5co2"),
        format!("{m}/d49c86ad7cb268c006208aa552e6884a/tumblr_tbcylhI5k34f2yi5co3"),
        format!("{m}/8a4d0f69e10e3bbb88d66c49d50c2f06/tumblr_tbcylhI5k34f2yi5co4"),
        format!("{m}/bd7c0792be7568bc3912c00f98cb84cd/tumblr_tbcylhI5k34f2yi5co5"),
    ];
    let urls: Vec<String> = photos
        .iter()
        .map(|base| format!("{base}_1280.jpg"))
        .collect();
    let rows: Vec<(&str, MediaKind, Option<&str>)> =
        urls.iter().map(|url| (url.as_str(), Image, None)).collect();
    assert_post(
        post,
        &ExpectedPost {
            id: "170240343241",
            post_type: "photo",
            timestamp: 1534769703,
            tags: &[],
            reblog: None,
            summary: "Esse sed Nulla\u{2019}a dolor non an exercitation! Esse blog eiusmod, sit chat ullamco sed \
                      \u{201c}a labore tempor,\u{201d} ea Esse nisi it...",
            media: &rows,
        },
    );
    let sizes: Vec<Option<(u32, u32)>> = post.media.iter().map(size_of).collect();
    assert_eq!(
        sizes,
        [
            Some((960, 1280)),
            Some((1280, 960)),
            Some((1280, 960)),
            Some((960, 1280)),
            Some((960, 1280))
        ]
    );
    for (item, base) in post.media.iter().zip(&photos) {
        let expected: Vec<String> = ["640", "540", "500", "400", "250", "100", "75sq"]
            .iter()
            .map(|size| format!("{base}_{size}.jpg"))
            .collect();
        assert_eq!(alternate_urls(item), expected, "alternates of {}", item.url);
    }
    assert_eq!(
        post.url,
        "https://www.example-blog.com/post/170240343241/anim-sed-cillum-dolor-non-an-exercitation-elit"
    );
}

#[test]
fn video_post() {
    let Some(page) = parse_fixture("posts-legacy-video.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    // The `player` HTML repeats the video and names a `_smart1` poster. It
    // is not read, so the video appears once and the thumbnail is the poster.
    assert_post(
        post,
        &ExpectedPost {
            id: "173105581065",
            post_type: "video",
            timestamp: 1534126086,
            tags: &[],
            reblog: None,
            summary: "Ullamco!",
            media: &[
                (
                    "https://va.media.tumblr.com/tumblr_mgqu0fjhNV3j6qg2b.mp4",
                    Video,
                    None,
                ),
                (
                    "https://64.media.tumblr.com/tumblr_mgqu0fjhNV3j6qg2b_frame1.jpg",
                    Image,
                    None,
                ),
            ],
        },
    );
    assert_eq!(size_of(&post.media[0]), None);
    assert_eq!(size_of(&post.media[1]), Some((360, 640)));
}

#[test]
fn npf_as_text_posts() {
    let Some(page) = parse_fixture("posts-legacy-npf-as-text.json", 2) else {
        return;
    };
    assert_eq!(page.posts.len(), 2);
    let m = "https://64.media.tumblr.com";

    // Post 1: `body` and `content_raw` hold one image with a full srcset;
    // the trail entry's `content` lists ten images at the 640 bucket only.
    let first_urls = [
        format!(
            "{m}/fdb67306b17d6a43ddefde1d5257dae9/741f1238f124f481-46/s2048x3072/9f25939719e5fbd9ff6cab75769a8beb685b5070.jpg"
        ),
        format!(
            "{m}/bd7ec46b57c31dd3bec0542b3216c70a/741f1238f124f481-db/s640x960/b713169fa9d5dfda20d517b081d8cebaa1b2bac3.jpg"
        ),
        format!(
            "{m}/932b130008ceb9739fb7628e1b9acc2c/741f1238f124f481-86/s640x960/6e235218c4771232c7e98f3ace97f8b4127e46e0.jpg"
        ),
        format!(
            "{m}/c6ce313d48a9bc9a29075bbc0743e1c2/741f1238f124f481-a5/s640x960/a7542f9a29b1e71a50049f6fc887b12b7f33d33a.jpg"
        ),
        format!(
            "{m}/3f80a04766b2b38ee2ca0c2edb02005c/741f1238f124f481-af/s640x960/379aaf07ffcf909174697a02197f2192089d866d.jpg"
        ),
        format!(
            "{m}/5c50fab872932b9b6ebb3af55ab870af/741f1238f124f481-66/s640x960/f91c827e6badd878afe08c8d4e4a72ea0ded9316.jpg"
        ),
        format!(
            "{m}/edceb4f530108e3025aae8045b3129cb/741f1238f124f481-b9/s640x960/9b41b9b2ba31b3efb51bce936e488901189bfd63.jpg"
        ),
        format!(
            "{m}/af7d4ed7a6356c346b3a7f6a4e1ee577/741f1238f124f481-e9/s640x960/37935c684bb07a54d3d33b1cad5619ad3a9a5380.jpg"
        ),
        format!(
            "{m}/9818886e88d581c7e31908a022fd1932/741f1238f124f481-9a/s640x960/5dfb825c19de48cfef1f1a35b6f3dc1d517358d9.jpg"
        ),
        format!(
            "{m}/f494487746472a78808ce69a7c68cfee/741f1238f124f481-8e/s640x960/ea52341c7b5ce80287366a8e4572e35a682038ce.jpg"
        ),
    ];
    let first_rows: Vec<(&str, MediaKind, Option<&str>)> = first_urls
        .iter()
        .map(|url| (url.as_str(), Image, None))
        .collect();
    assert_post(
        &page.posts[0],
        &ExpectedPost {
            id: "780055524644923942",
            post_type: "text",
            timestamp: 1751818256,
            tags: &[],
            reblog: None,
            summary: "Est lorem aliqua enim or Reblog Magna OF elit sed Commodo!",
            media: &first_rows,
        },
    );
    let first = &page.posts[0].media[0];
    assert_eq!(size_of(first), Some((2048, 1536)));
    let folder = format!("{m}/fdb67306b17d6a43ddefde1d5257dae9/741f1238f124f481-46");
    let expected_alternates: Vec<String> = [
        "s1280x1920/68917e0e43299371917500eacced1f6901ef0fbf.jpg",
        "s640x960/9b11e2b5efc3a846182402b2f82ac8b68c3af8f5.jpg",
        "s540x810/e68cd3a38b9512cd60479f5f49ade2844906d8f2.jpg",
        "s500x750/a58f526a3d0a1be582d4928743a38fee0806c3af.jpg",
        "s400x600/adc9aa63b9674b4eded68aa597feafd3af1b8d57.jpg",
        "s250x400/ccf7d39e268c76e2230201ba07f38a8c5ea7e1c3.jpg",
        "s100x200/4492ae176e16bd39687744d196694c166e8b5839.jpg",
        "s75x75_c1/4193d2352f70a8e3e4fd8f686bd5e0b3dd5642b7.jpg",
    ]
    .iter()
    .map(|tail| format!("{folder}/{tail}"))
    .collect();
    assert_eq!(alternate_urls(first), expected_alternates);
    for item in &page.posts[0].media[1..] {
        assert_eq!(size_of(item), None, "size of {}", item.url);
        assert!(item.alternates.is_empty(), "alternates of {}", item.url);
    }

    // Post 2: three images with srcsets in `body`, ten in the trail content.
    let second_urls = [
        format!(
            "{m}/58d84f7d861a08b873cdeee3c44a2990/b7dd246917d10ca2-bf/s2048x3072/7ba5d089ffa05d2c0850e2c2b7d7bd2d91ae2232.jpg"
        ),
        format!(
            "{m}/60fe4f6e754f52d63edf20c41be044cd/b7dd246917d10ca2-c6/s2048x3072/64c8aba2aca1f17d84a426e16334e1d49ac3e516.jpg"
        ),
        format!(
            "{m}/62030063565eb275c23262e0a6580472/b7dd246917d10ca2-f1/s2048x3072/5b516743271233e12b9594840d3d81f60d858729.jpg"
        ),
        format!(
            "{m}/1fc83dbb4f5dde70d6a8e5a1bb127cb8/b7dd246917d10ca2-98/s640x960/1def6e734141b3bdef93879a093fc6dbce3b0307.jpg"
        ),
        format!(
            "{m}/096e951bcd3b2f1abc632b73a5ff92a1/b7dd246917d10ca2-38/s640x960/dc6bc4a5383562542f6a0be4540fe4dd99329086.jpg"
        ),
        format!(
            "{m}/db37475c5d83bd8466300dd6b78dd569/b7dd246917d10ca2-17/s640x960/02b6a670f2c61335fa3cf5a776366542eaf7ac9d.jpg"
        ),
        format!(
            "{m}/22a97e8cf9c68cfd5b240bec635c1a91/b7dd246917d10ca2-3e/s640x960/0677455f8cddd2de7311fd1574a0ac65183d78e7.jpg"
        ),
        format!(
            "{m}/320ccf14b9d6c1df90ed01f8b3fdd9e8/b7dd246917d10ca2-29/s640x960/7e369bd9c0a3189a7ca191fc489c96adcbad31eb.jpg"
        ),
        format!(
            "{m}/c9b469a51112b747ea7c473ed5b86309/b7dd246917d10ca2-61/s640x960/0e292ac06a51b96d445ed108beb02ea26355f354.jpg"
        ),
        format!(
            "{m}/4db70bdc92282bba19c7772d1aa12cdc/b7dd246917d10ca2-7e/s640x960/befcce528f8334b37fcdbeda66f5edf7366e74fd.jpg"
        ),
    ];
    let second_rows: Vec<(&str, MediaKind, Option<&str>)> = second_urls
        .iter()
        .map(|url| (url.as_str(), Image, None))
        .collect();
    assert_post(
        &page.posts[1],
        &ExpectedPost {
            id: "783800332438218546",
            post_type: "text",
            timestamp: 1750266283,
            tags: &[],
            reblog: None,
            summary: "Ullamco est enim est dolore! Text enim Esse sed A pariatur or Irure Velit at sit nulla culpa \
                      elit est voluptate elit qui non...",
            media: &second_rows,
        },
    );
    let sizes: Vec<Option<(u32, u32)>> = page.posts[1].media[..3].iter().map(size_of).collect();
    assert_eq!(
        sizes,
        [Some((1536, 2048)), Some((1536, 2048)), Some((1884, 2048))]
    );
    for item in &page.posts[1].media[..3] {
        assert_eq!(item.alternates.len(), 8, "alternates of {}", item.url);
    }
    // Two posts on a page of two: a full page never ends the crawl.
    let urls: Vec<&str> = page
        .next
        .iter()
        .map(|request| request.url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "https://api.tumblr.com/v2/blog/example-blog.tumblr.com/posts?limit=2&offset=2&npf=true&reblog_info=true"
        ]
    );
}

#[test]
fn npf_video_as_text_post() {
    let Some(page) = parse_fixture("posts-legacy-npf-video-as-text.json", 20) else {
        return;
    };
    assert_eq!(page.posts.len(), 1);
    let post = &page.posts[0];
    // The `data-npf` JSON, the `<video poster>` and the `<source>` name the
    // same two files in `body`, `reblog.comment` and both trail fields.
    assert_post(
        post,
        &ExpectedPost {
            id: "650901820400578869",
            post_type: "text",
            timestamp: 1628601315,
            tags: &[],
            reblog: None,
            summary: "Nisi ok OFFICIA nulla, sed sed hi chat pariatur, sed post officia!",
            media: &[
                (
                    "https://va.media.tumblr.com/tumblr_yemhqronCe0t7ou4u_720.mp4",
                    Video,
                    None,
                ),
                (
                    "https://64.media.tumblr.com/tumblr_yemhqronCe0t7ou4u_frame1.jpg",
                    Image,
                    None,
                ),
            ],
        },
    );
    assert_eq!(size_of(&post.media[0]), Some((1920, 1080)));
    assert_eq!(size_of(&post.media[1]), Some((1920, 1080)));
}

fn as_strs(items: &[String]) -> Vec<&str> {
    items.iter().map(String::as_str).collect()
}

#[test]
fn post_objects_all_types() {
    let Some(value) = fixture_json("api-v2/legacy-post-objects-all-types.json") else {
        return;
    };
    let objects = value
        .as_array()
        .expect("the fixture is a bare array of posts");
    assert_eq!(objects.len(), 8);
    let posts: Vec<_> = objects
        .iter()
        .map(|object| parse_post(object).expect("every fixture post has an id"))
        .collect();
    let tags =
        |count: usize| -> Vec<String> { (1..=count).map(|n| format!("sample tag {n}")).collect() };
    let tags14 = tags(14);
    let tags6 = tags(6);
    let tags4 = tags(4);
    let tags15 = tags(15);
    let tags8 = tags(8);
    let (tags14, tags6, tags4, tags15, tags8) = (
        as_strs(&tags14),
        as_strs(&tags6),
        as_strs(&tags4),
        as_strs(&tags15),
        as_strs(&tags8),
    );

    let expected = [
        ExpectedPost {
            id: "133755858783",
            post_type: "text",
            timestamp: 1452892953,
            tags: &tags14,
            reblog: None,
            summary: "Mollit Laboris Velit Sed EST deserunt post sunt Incididunt Mollit & Officia --- Proident sed \
                      laboris http://example.com/1cillum",
            // An external image without extension, in `body`, `reblog.comment`
            // and the trail's `content_raw`.
            media: &[("http://example.com/1words6", Image, None)],
        },
        ExpectedPost {
            id: "137623263549",
            post_type: "photo",
            timestamp: 1452895302,
            tags: &tags6,
            reblog: None,
            summary: "Duis link on esse caption laborum Placeholder photo",
            media: &[(
                "https://41.media.tumblr.com/cf1980f1c8ee93758c753d659a6b1656/tumblr_z98t2iMLyB6c9kxa7o1_1280.jpg",
                Image,
                None,
            )],
        },
        ExpectedPost {
            id: "82916784190",
            post_type: "quote",
            timestamp: 1396891197,
            tags: &[],
            reblog: None,
            summary: "To sed 17 amet-nostrud example an sed AMET, sed gallery sed reprehenderit an occaecat non \
                      consectetur link qui commodo. Esse\u{2019}an...",
            media: &[],
        },
        ExpectedPost {
            id: "133932920329",
            post_type: "link",
            timestamp: 1452894516,
            tags: &tags4,
            reblog: None,
            summary: "Sint-Mollit Officia Words Est Est Dolore",
            // `link_image` is the `_540` rendition of the photo.
            media: &[(
                "https://41.media.tumblr.com/f564e2a8201a6c1dbc08e15a3cf1a4c2/tumblr_uixo0u2nc78i8zdow_r1_og_1280.jpg",
                Image,
                None,
            )],
        },
        ExpectedPost {
            id: "132394791104",
            post_type: "chat",
            timestamp: 1453097668,
            tags: &tags15,
            reblog: None,
            summary: "Occaecat: Voluptate text:*dolor a ipsum* LINK HI QUI. AMET SO ESSE EST, A MOLLIT NOSTRUD *words*",
            media: &[],
        },
        ExpectedPost {
            id: "25666770392",
            post_type: "audio",
            timestamp: 1340133065,
            tags: &[],
            reblog: Some((
                "blog-05",
                Some("https://blog-05.tumblr.com/post/25922372098"),
                Some("blog-05"),
                Some("https://blog-05.tumblr.com/post/25922372098"),
            )),
            summary: "Sit. Quote Anim (A-Qui.) occaecat Voluptate incididunt Quote Mollit of a words exercitation \
                      elit voluptate.",
            media: &[(
                "https://www.tumblr.com/audio_file/example-blog/25666770392/tumblr_l2hn95vA0W2kaqtiy",
                Audio,
                None,
            )],
        },
        ExpectedPost {
            id: "137758072015",
            post_type: "video",
            timestamp: 1452888454,
            tags: &tags8,
            reblog: None,
            summary: "Officia gallery tumblr. \u{1f413} Sit dolore my sed post! [sit Pariatur]",
            media: &[
                (
                    "https://vt.tumblr.com/tumblr_s70ritlBpj5r0dgbx.mp4",
                    Video,
                    None,
                ),
                (
                    "https://31.media.tumblr.com/tumblr_s70ritlBpj5r0dgbx_frame1.jpg",
                    Image,
                    None,
                ),
            ],
        },
        ExpectedPost {
            id: "137945897457",
            post_type: "answer",
            timestamp: 1453114310,
            tags: &tags6,
            reblog: None,
            summary: "Duis + aliqua velit",
            media: &[],
        },
    ];
    for (post, expected) in posts.iter().zip(&expected) {
        assert_post(post, expected);
    }

    let photo = &posts[1].media[0];
    assert_eq!(size_of(photo), Some((1080, 1080)));
    assert_eq!(alternate_urls(photo).len(), 5);
    let link = &posts[3].media[0];
    assert_eq!(size_of(link), Some((540, 304)));
    let base = "f564e2a8201a6c1dbc08e15a3cf1a4c2/tumblr_uixo0u2nc78i8zdow_r1_og";
    let expected_alternates = [
        format!("https://41.media.tumblr.com/{base}_540.jpg"),
        format!("https://36.media.tumblr.com/{base}_500.jpg"),
        format!("https://41.media.tumblr.com/{base}_400.jpg"),
        format!("https://41.media.tumblr.com/{base}_250.jpg"),
        format!("https://41.media.tumblr.com/{base}_100.jpg"),
        format!("https://40.media.tumblr.com/{base}_75sq.jpg"),
    ];
    assert_eq!(alternate_urls(link), expected_alternates);
    assert_eq!(size_of(&posts[6].media[1]), Some((426, 236)));
    assert_eq!(posts[6].blog, "blog-04");
}
