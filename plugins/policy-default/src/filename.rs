//! File names of media items: renders the `filename` template for an item
//! and keeps the names of one post's items apart. A name is the same on
//! every run, unique within the blog, and valid on Windows and Linux.

use std::collections::BTreeSet;

use crate::template::{Template, Values, Variant};
use crate::tumblr_archiver::plugin::types::{Media, MediaKind, Post};

/// Returns the path of `item`, the media item at `index` in `post.media`,
/// relative to the blog's folder.
///
/// The name is `template` rendered for the item (see `template::Values`).
/// With the default template `{post_id}_{name}.{ext}` that is
/// `{id}_{basename}`:
///
/// - `id` is `plugin_sdk::naming::id_component(post.id)`: the id itself
///   when it is 1 to 40 ASCII letters, digits or `-`, as Tumblr's decimal
///   ids are, else a prefix and a hash.
/// - `basename` is `plugin_sdk::naming::url_basename(item.url)`: the last
///   path segment of the URL reduced to `[A-Za-z0-9._-]`, at most 100
///   bytes, with an extension for the kind when the URL has none, and never
///   a Windows device name.
/// - An embed, which the host records but does not download, has the name
///   `embed` and the extension `txt`, and always takes the indexed form,
///   `{id}_{index}_embed.txt`.
///
/// When an item of the same post at a lower index already has the name,
/// the item takes the indexed form (`{id}_{index}_{basename}`), and if even
/// that name is taken, `{id}_{index}_{n}_{basename}` with the smallest free
/// `n` from 2. `Template::render` shows where other templates put the
/// index. So the name depends only on the template, the post, `item`,
/// `index` and the items before it, and the host's post-id deduplication
/// makes names of different posts differ wherever the template contains
/// `{post_id}`.
///
/// NOTE: every call renders the names of all earlier items of the post, so
/// naming a whole post takes time quadratic in its number of media.
pub fn media_filename(template: &Template, post: &Post, item: &Media, index: u32) -> String {
    // A B-tree set rather than a hash set, because `HashSet` seeds its hasher
    // through a `wasi:random` import that nothing else here needs.
    let mut taken = BTreeSet::new();
    for (earlier_index, earlier) in post.media.iter().take(index as usize).enumerate() {
        let earlier_index = u32::try_from(earlier_index).unwrap_or(u32::MAX);
        let name = free_name(template, post, earlier, earlier_index, &taken);
        taken.insert(name);
    }
    free_name(template, post, item, index, &taken)
}

/// Returns the first form of `item`'s name that is not in `taken`.
fn free_name(
    template: &Template,
    post: &Post,
    item: &Media,
    index: u32,
    taken: &BTreeSet<String>,
) -> String {
    let values = Values::new(post, item, index);
    if item.kind != MediaKind::Embed {
        let plain = template.render(&values, Variant::Plain);
        if !taken.contains(&plain) {
            return plain;
        }
    }
    let indexed = template.render(&values, Variant::Indexed);
    if !taken.contains(&indexed) {
        return indexed;
    }
    // Ends because `taken` is finite.
    let mut n = 2usize;
    loop {
        let candidate = template.render(&values, Variant::Counted(n));
        if !taken.contains(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugin_sdk::naming::{MAX_COMPONENT_BYTES, fnv1a_64, id_component, is_device_name};
    use std::collections::HashSet;

    /// Name under the default template.
    fn default_name(post: &Post, item: &Media, index: u32) -> String {
        media_filename(&Template::default(), post, item, index)
    }

    const ID: &str = "700000000000000001";

    fn media(url: &str, kind: MediaKind) -> Media {
        Media {
            url: url.to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn post(id: &str, media: Vec<Media>) -> Post {
        Post {
            id: id.to_owned(),
            url: format!("https://example-blog.tumblr.com/post/{id}"),
            blog: "example-blog".to_owned(),
            timestamp: 1_700_000_000,
            post_type: "photo".to_owned(),
            tags: Vec::new(),
            reblog: None,
            summary: String::new(),
            media,
        }
    }

    /// Name of a post's only item.
    fn single(url: &str, kind: MediaKind) -> String {
        let item = media(url, kind);
        default_name(&post(ID, vec![item.clone()]), &item, 0)
    }

    /// Checks the properties every name must have on Windows and Linux.
    fn assert_portable(name: &str) {
        assert!(!name.is_empty(), "{name:?}");
        assert!(name.len() <= 255, "{name:?}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
            "{name:?}"
        );
        assert!(!name.contains(".."), "{name:?}");
        assert!(!name.ends_with('.'), "{name:?}");
        assert!(!name.starts_with('.'), "{name:?}");
        let first = name.split('.').next().unwrap_or("");
        assert!(!is_device_name(first), "{name:?}");
    }

    #[test]
    fn filename_legacy_url() {
        let name = single(
            "https://64.media.tumblr.com/abc/tumblr_xyz_1280.jpg",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}_tumblr_xyz_1280.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_new_style_url() {
        let hash = "0123456789abcdef0123456789abcdef01234567";
        let url = format!("https://64.media.tumblr.com/{hash}/s2048x3072/{hash}.png");
        let name = single(&url, MediaKind::Image);
        assert_eq!(name, format!("{ID}_{hash}.png"));
        assert_portable(&name);
    }

    #[test]
    fn filename_same_basename_two_posts() {
        let url = "https://64.media.tumblr.com/aaa/s640x960/0123456789abcdef.png";
        let item = media(url, MediaKind::Image);
        let first = default_name(&post("101", vec![item.clone()]), &item, 0);
        let second = default_name(&post("102", vec![item.clone()]), &item, 0);
        assert_eq!(first, "101_0123456789abcdef.png");
        assert_eq!(second, "102_0123456789abcdef.png");
    }

    #[test]
    fn filename_drops_query_and_fragment() {
        let name = single(
            "https://64.media.tumblr.com/abc/photo.jpg?size=large&x=1#frag",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}_photo.jpg"));
        let name = single("https://example.com/a/clip.mp4#t=10?x", MediaKind::Video);
        assert_eq!(name, format!("{ID}_clip.mp4"));
    }

    #[test]
    fn filename_url_ending_in_slash() {
        let name = single("https://example.com/photos/123/", MediaKind::Image);
        assert_eq!(name, format!("{ID}_media.jpg"));
        assert_portable(&name);
        let name = single("https://example.com", MediaKind::Gif);
        assert_eq!(name, format!("{ID}_media.gif"));
    }

    #[test]
    fn filename_long_basename() {
        let stem = "a".repeat(296);
        let url = format!("https://example.com/{stem}.jpeg");
        let name = single(&url, MediaKind::Image);
        let basename = name.strip_prefix(&format!("{ID}_")).unwrap_or("");
        assert_eq!(basename.len(), MAX_COMPONENT_BYTES);
        assert!(basename.ends_with(".jpeg"), "{basename}");
        assert_eq!(basename, format!("{}.jpeg", "a".repeat(95)));
        assert_portable(&name);
    }

    #[test]
    fn filename_long_unicode_basename() {
        // 300 characters of 2 bytes each, and no extension.
        let url = format!("https://example.com/{}", "é".repeat(300));
        let name = single(&url, MediaKind::Audio);
        let basename = name.strip_prefix(&format!("{ID}_")).unwrap_or("");
        assert_eq!(basename, format!("{}.mp3", "_".repeat(96)));
        assert_portable(&name);
    }

    #[test]
    fn filename_encoded_slash_and_dots() {
        let name = single(
            "https://example.com/a/..%2F..%2Fetc%2Fpasswd",
            MediaKind::Image,
        );
        assert_eq!(name, format!("{ID}__2F._2Fetc_2Fpasswd.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_dot_segments() {
        for url in [
            "https://example.com/a/..",
            "https://example.com/a/.",
            "https://example.com/a/%2E%2E",
            "https://example.com/a/...",
        ] {
            let name = single(url, MediaKind::Image);
            assert_eq!(name, format!("{ID}_media.jpg"), "{url}");
        }
    }

    #[test]
    fn filename_decodes_safe_escapes() {
        let name = single("https://example.com/my%20photo%2B1.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_my_photo_1.png"));
        // Invalid escapes stay literal, and `%` becomes `_`.
        let name = single("https://example.com/100%25%zz.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_100__zz.png"));
    }

    #[test]
    fn filename_keeps_raw_when_decoding_unsafe() {
        // `%00` decodes to a control character and `%FF` to invalid UTF-8.
        let name = single("https://example.com/a%00b.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_00b.png"));
        let name = single("https://example.com/a%FFb.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_FFb.png"));
        let name = single("https://example.com/a%5Cb.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_a_5Cb.png"));
    }

    #[test]
    fn filename_backslash_separates() {
        let name = single("https://example.com/a\\..\\b.png", MediaKind::Image);
        assert_eq!(name, format!("{ID}_b.png"));
    }

    #[test]
    fn filename_device_names() {
        let cases = [
            ("con.jpg", MediaKind::Image, "con_.jpg"),
            ("NUL", MediaKind::Image, "NUL_.jpg"),
            ("Com1.png", MediaKind::Image, "Com1_.png"),
            ("lpt9.tar.gz", MediaKind::Image, "lpt9_.tar.gz"),
            ("aux", MediaKind::Video, "aux_.mp4"),
            ("prn.", MediaKind::Audio, "prn_.mp3"),
            ("console.jpg", MediaKind::Image, "console.jpg"),
            ("COM10.jpg", MediaKind::Image, "COM10.jpg"),
        ];
        for (segment, kind, expected) in cases {
            let name = single(&format!("https://example.com/x/{segment}"), kind);
            assert_eq!(name, format!("{ID}_{expected}"), "{segment}");
            assert_portable(&name);
        }
    }

    #[test]
    fn filename_unicode() {
        let name = single("https://example.com/café%20日本.jpg", MediaKind::Image);
        assert_eq!(name, format!("{ID}_caf____.jpg"));
        let name = single("https://example.com/caf%C3%A9.jpg", MediaKind::Image);
        assert_eq!(name, format!("{ID}_caf_.jpg"));
        assert_portable(&name);
    }

    #[test]
    fn filename_adds_kind_extension() {
        let cases = [
            (MediaKind::Video, "tumblr_abc123.mp4"),
            (MediaKind::Audio, "tumblr_abc123.mp3"),
            (MediaKind::Gif, "tumblr_abc123.gif"),
            (MediaKind::Image, "tumblr_abc123.jpg"),
        ];
        for (kind, expected) in cases {
            let name = single("https://va.media.tumblr.com/tumblr_abc123", kind);
            assert_eq!(name, format!("{ID}_{expected}"), "{kind:?}");
        }
        // Neither a number nor an over-long suffix counts as an extension.
        let name = single("https://example.com/v1.2", MediaKind::Video);
        assert_eq!(name, format!("{ID}_v1.2.mp4"));
        let name = single("https://example.com/page.action", MediaKind::Image);
        assert_eq!(name, format!("{ID}_page.action.jpg"));
    }

    #[test]
    fn filename_same_basename_in_post() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/other.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/c/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/d/photo.jpg", MediaKind::Image),
        ];
        let post = post(ID, items.clone());
        let names: Vec<String> = (0..items.len())
            .map(|i| default_name(&post, &items[i], i as u32))
            .collect();
        assert_eq!(names[0], format!("{ID}_photo.jpg"));
        assert_eq!(names[1], format!("{ID}_other.jpg"));
        assert_eq!(names[2], format!("{ID}_2_photo.jpg"));
        assert_eq!(names[3], format!("{ID}_3_photo.jpg"));
    }

    #[test]
    fn filename_indexed_name_taken() {
        // Item 2's indexed name equals item 1's plain name.
        let items = vec![
            media("https://example.com/a/x.jpg", MediaKind::Image),
            media("https://example.com/a/2_x.jpg", MediaKind::Image),
            media("https://example.com/b/x.jpg", MediaKind::Image),
            media("https://example.com/embed/4_embed.txt", MediaKind::Image),
            media("https://www.youtube.com/embed/abc", MediaKind::Embed),
        ];
        let post = post(ID, items.clone());
        let names: Vec<String> = (0..items.len())
            .map(|i| default_name(&post, &items[i], i as u32))
            .collect();
        assert_eq!(names[0], format!("{ID}_x.jpg"));
        assert_eq!(names[1], format!("{ID}_2_x.jpg"));
        assert_eq!(names[2], format!("{ID}_2_2_x.jpg"));
        assert_eq!(names[3], format!("{ID}_4_embed.txt"));
        assert_eq!(names[4], format!("{ID}_4_2_embed.txt"));
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn filename_embed() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://www.youtube.com/watch?v=abc", MediaKind::Embed),
        ];
        let post = post(ID, items.clone());
        let name = default_name(&post, &items[1], 1);
        assert_eq!(name, format!("{ID}_1_embed.txt"));
        assert_portable(&name);
    }

    #[test]
    fn filename_stable() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/photo.jpg", MediaKind::Image),
        ];
        let post = post(ID, items.clone());
        let first = default_name(&post, &items[1], 1);
        let second = default_name(&post, &items[1], 1);
        assert_eq!(first, second);
        assert_eq!(first, format!("{ID}_1_photo.jpg"));
    }

    #[test]
    fn filename_odd_post_ids() {
        let item = media("https://example.com/photo.jpg", MediaKind::Image);
        let ids = ["../../etc", "a_b", "a:b", "", "CON", &"9".repeat(41)];
        let mut id_parts = HashSet::new();
        for id in ids {
            let name = default_name(&post(id, vec![item.clone()]), &item, 0);
            assert_portable(&name);
            let (id_part, rest) = name.split_once('_').unwrap_or(("", ""));
            assert_eq!(rest, "photo.jpg", "{id:?}");
            assert!(!id_part.is_empty(), "{id:?}");
            assert!(id_parts.insert(id_part.to_owned()), "{id:?} repeats");
        }
        assert_eq!(id_component("CON"), "CON");
        assert_eq!(
            id_component("a_b"),
            format!("a-b-h{:016x}", fnv1a_64(b"a_b"))
        );
    }

    /// Name of `item` at `index` of `post` under `template`.
    fn templated(template: &str, post: &Post, index: usize) -> String {
        let parsed = Template::parse(template);
        assert!(parsed.is_ok(), "{parsed:?}");
        let parsed = parsed.unwrap_or_default();
        media_filename(&parsed, post, &post.media[index], index as u32)
    }

    fn tagged(tags: &[&str]) -> Post {
        let item = media(
            "https://64.media.tumblr.com/a/tumblr_xyz_1280.jpg",
            MediaKind::Image,
        );
        Post {
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            ..post(ID, vec![item])
        }
    }

    /// Checks a path's components the way the host would, so that the
    /// host's sanitising leaves the path unchanged.
    fn assert_safe_path(path: &str) {
        for component in path.split('/') {
            assert!(!component.is_empty(), "{path:?}");
            assert!(component.len() <= 255, "{path:?}");
            assert!(
                !component
                    .chars()
                    .any(|c| c.is_control() || "\\<>:\"|?*".contains(c)),
                "{path:?}"
            );
            assert!(!component.starts_with(['.', ' ']), "{path:?}");
            assert!(!component.ends_with(['.', ' ']), "{path:?}");
            let first = component.split('.').next().unwrap_or("");
            assert!(!is_device_name(first), "{path:?}");
        }
    }

    #[test]
    fn placeholder_values() {
        let mut trail = media(
            "https://va.media.tumblr.com/tumblr_abc123",
            MediaKind::Video,
        );
        trail.trail_blog = Some("root-blog".to_owned());
        let own = media(
            "https://64.media.tumblr.com/a/tumblr_xyz_1280.png",
            MediaKind::Image,
        );
        let post = Post {
            tags: vec!["Art".to_owned(), "second".to_owned()],
            ..post(ID, vec![own, trail])
        };
        // 1700000000 is 2023-11-14 22:13:20 UTC.
        let cases = [
            ("{post_id}", 0, ID.to_owned()),
            ("x/{index}", 1, "x/1".to_owned()),
            ("{name}", 0, "tumblr_xyz_1280".to_owned()),
            ("{name}", 1, "tumblr_abc123".to_owned()),
            ("{ext}", 0, "png".to_owned()),
            ("{ext}", 1, "mp4".to_owned()),
            ("{kind}", 0, "image".to_owned()),
            ("{kind}", 1, "video".to_owned()),
            ("{blog}", 0, "example-blog".to_owned()),
            ("{blog}", 1, "1_example-blog".to_owned()),
            ("{trail_blog}", 0, "example-blog".to_owned()),
            ("{trail_blog}", 1, "root-blog".to_owned()),
            ("{date}", 0, "2023-11-14".to_owned()),
            ("{year}/{month}/{post_id}", 0, format!("2023/11/{ID}")),
            ("{tag}", 0, "Art".to_owned()),
        ];
        for (template, index, expected) in cases {
            assert_eq!(templated(template, &post, index), expected, "{template}");
        }
    }

    #[test]
    fn placeholder_embed_values() {
        let items = vec![media("https://www.youtube.com/embed/abc", MediaKind::Embed)];
        let post = post(ID, items);
        assert_eq!(
            templated("{kind}/{name}.{ext}", &post, 0),
            "embed/0_embed.txt"
        );
    }

    #[test]
    fn placeholder_untagged() {
        assert_eq!(
            templated("{tag}/{post_id}", &tagged(&[]), 0),
            format!("untagged/{ID}")
        );
    }

    #[test]
    fn placeholder_tag_scripts() {
        let bang = "!".repeat(58);
        for tag in ["Über", "日本語タグ", "🦊", bang.as_str(), "sample tag 1"] {
            let name = templated("{tag}/{post_id}.{ext}", &tagged(&[tag]), 0);
            assert_eq!(name, format!("{tag}/{ID}.jpg"), "{tag:?}");
            assert_safe_path(&name);
        }
    }

    #[test]
    fn placeholder_tags_stay_distinct() {
        let tags = [
            "a/b", "a_b", "a\\b", "a:b", "..", "CON", "", " a", "a~b", "a_b~x",
        ];
        let mut names = HashSet::new();
        for tag in tags {
            let name = templated("{tag}/{post_id}.{ext}", &tagged(&[tag]), 0);
            assert_safe_path(&name);
            assert_eq!(name.matches('/').count(), 1, "{tag:?} gave {name:?}");
            assert!(names.insert(name.clone()), "{tag:?} gave {name:?} twice");
        }
        let slash = templated("{tag}/{post_id}", &tagged(&["a/b"]), 0);
        let hash = format!("{:016x}", fnv1a_64(b"a/b"));
        assert_eq!(slash, format!("a_b~{hash}/{ID}"));
    }

    #[test]
    fn placeholder_long_tag_bounded() {
        let tag = "ä".repeat(300);
        let name = templated("{tag}/{post_id}", &tagged(&[&tag]), 0);
        let folder = name.split('/').next().unwrap_or("");
        assert!(folder.len() <= MAX_COMPONENT_BYTES, "{}", folder.len());
        assert!(folder.starts_with("ää"), "{folder}");
        assert_safe_path(&name);
    }

    #[test]
    fn placeholder_blog_values_sanitized() {
        let mut item = media("https://x.test/a.jpg", MediaKind::Image);
        item.trail_blog = Some("../evil".to_owned());
        let post = Post {
            blog: "con".to_owned(),
            ..post(ID, vec![item])
        };
        let name = templated("{blog}/{trail_blog}/{post_id}", &post, 0);
        assert_safe_path(&name);
        assert_eq!(name.matches('/').count(), 2, "{name}");
        assert!(name.starts_with("con_~"), "{name}");
        assert!(name.contains("/___evil~"), "{name}");
    }

    #[test]
    fn templated_collisions_without_post_id() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/photo.jpg", MediaKind::Image),
            media(
                "https://64.media.tumblr.com/c/1_photo.jpg",
                MediaKind::Image,
            ),
        ];
        let post = post(ID, items);
        let names: Vec<String> = (0..3)
            .map(|i| templated("{kind}/{name}.{ext}", &post, i))
            .collect();
        assert_eq!(
            names,
            [
                "image/photo.jpg",
                "image/1_photo.jpg",
                "image/2_1_photo.jpg"
            ]
        );
    }

    #[test]
    fn templated_collisions_after_post_id() {
        let items = vec![
            media("https://64.media.tumblr.com/a/photo.jpg", MediaKind::Image),
            media("https://64.media.tumblr.com/b/photo.jpg", MediaKind::Image),
        ];
        let post = post(ID, items);
        let name = templated("{date}/{post_id}-{name}.{ext}", &post, 1);
        assert_eq!(name, format!("2023-11-14/{ID}_1-photo.jpg"));
    }

    #[test]
    fn templated_counted_form() {
        // Item 1's indexed name equals item 0's plain name, so item 2 needs
        // the counted form.
        let items = vec![
            media("https://x.test/1_a.jpg", MediaKind::Image),
            media("https://x.test/a.jpg", MediaKind::Image),
            media("https://x.test/b/a.jpg", MediaKind::Image),
        ];
        let first = post(ID, items);
        let names: Vec<String> = (0..3)
            .map(|i| templated("{name}.{ext}", &first, i))
            .collect();
        assert_eq!(names, ["1_a.jpg", "a.jpg", "2_a.jpg"]);
        let items = vec![
            media("https://x.test/a.jpg", MediaKind::Image),
            media("https://x.test/1_a.jpg", MediaKind::Image),
            media("https://x.test/b/1_a.jpg", MediaKind::Image),
            media("https://x.test/c/a.jpg", MediaKind::Image),
        ];
        let second = post(ID, items);
        let names: Vec<String> = (0..4)
            .map(|i| templated("{name}.{ext}", &second, i))
            .collect();
        assert_eq!(names, ["a.jpg", "1_a.jpg", "2_1_a.jpg", "3_a.jpg"]);
    }

    #[test]
    fn templated_device_name_from_parts() {
        let items = vec![
            media("https://x.test/a.jpg", MediaKind::Image),
            media("https://x.test/b.jpg", MediaKind::Image),
        ];
        let post = post(ID, items);
        let name = templated("LPT{index}.{ext}", &post, 1);
        assert_eq!(name, "LPT1_.jpg");
    }
}
