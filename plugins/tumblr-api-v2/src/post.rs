//! Post records from the post objects of `/posts` responses, in either
//! format: id, permalink, blog, time, type, tags, reblog source, summary,
//! and media through `npf` or `legacy`.

use serde_json::Value;

use plugin_sdk::blog::parse_blog;
use plugin_sdk::html::plain_text;
use plugin_sdk::json::{array_at, i64_at, id_at, str_at};
use plugin_sdk::text::{SUMMARY_MAX_CHARS, collapse_whitespace, truncate_chars};

use crate::tumblr_archiver::plugin::types::{Post, ReblogSource};
use crate::{legacy, npf};

/// Legacy fields whose text can stand for the post when `summary` and
/// `title` are empty, in order of preference.
const LEGACY_TEXT_FIELDS: &[&str] = &[
    "body",
    "caption",
    "answer",
    "question",
    "text",
    "description",
];

/// Returns the post's id from `id_string`, or from `id` when that is
/// missing.
#[must_use]
pub fn post_id(post: &Value) -> Option<String> {
    id_at(post, "id_string").or_else(|| id_at(post, "id"))
}

/// Returns whether `post` is in NPF: it has a `content` array. Legacy posts
/// have no top-level `content`.
pub fn is_npf(post: &Value) -> bool {
    post.get("content").is_some_and(Value::is_array)
}

/// Parses one post object of either format. Returns `None` when it has no
/// decimal id (`id_string`, else `id`), because the host keys posts by id.
///
/// `post_type` is the API's `type` as given, so NPF posts are `blocks`.
/// The NPF `original_type` is not used: it is `regular` for most posts made
/// in the current editor, images or not.
pub fn parse_post(post: &Value) -> Option<Post> {
    let id = post_id(post)?;
    let blog = str_at(post, "blog_name")
        .or_else(|| post.get("blog").and_then(|blog| str_at(blog, "name")))
        .unwrap_or_default()
        .to_owned();
    let tags = array_at(post, "tags")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let media = if is_npf(post) {
        npf::post_media(post)
    } else {
        legacy::post_media(post)
    };
    let media = media.into_iter().map(Into::into).collect();
    Some(Post {
        id,
        url: str_at(post, "post_url").unwrap_or_default().to_owned(),
        blog,
        timestamp: i64_at(post, "timestamp").unwrap_or(0),
        post_type: str_at(post, "type").unwrap_or_default().to_owned(),
        tags,
        reblog: reblog_source(post),
        summary: summary(post),
        media,
    })
}

/// Returns where a reblog came from, or `None` for an original post.
///
/// Sources in order of preference:
/// 1. `reblogged_from_name` with `reblogged_from_url` and the
///    `reblogged_root_*` fields, which the API sends with
///    `reblog_info=true`.
/// 2. `parent_post_url` for the parent, whose blog name is read from that
///    URL.
/// 3. The `trail`: the last entry that is not the post's own
///    (`is_current_item`) is taken as the parent.
///
/// When a field is missing, the root is the trail entry marked
/// `is_root_item`, else the first entry. URLs that the API does not give are
/// built as `https://{blog}.tumblr.com/post/{id}` from a trail entry.
///
/// NOTE: without the `reblogged_from_*` fields the parent is a guess: a
/// blog that reblogged without adding content has no trail entry, so the
/// trail names the last blog that added something.
pub fn reblog_source(post: &Value) -> Option<ReblogSource> {
    let trail: Vec<&Value> = array_at(post, "trail")
        .iter()
        .filter(|entry| entry.get("is_current_item").and_then(Value::as_bool) != Some(true))
        .collect();
    let root_entry = trail
        .iter()
        .find(|entry| entry.get("is_root_item").and_then(Value::as_bool) == Some(true))
        .or(trail.first())
        .copied();
    let parent_entry = trail.last().copied();

    let parent_url = str_at(post, "parent_post_url");
    let from_blog = str_at(post, "reblogged_from_name")
        .map(str::to_owned)
        .or_else(|| {
            parent_url
                .and_then(|url| parse_blog(url).ok())
                .map(|blog| blog.short_name().to_owned())
        })
        .or_else(|| {
            parent_entry
                .and_then(npf::trail_blog_name)
                .map(str::to_owned)
        })?;
    let from_url = str_at(post, "reblogged_from_url")
        .or(parent_url)
        .map(str::to_owned)
        .or_else(|| parent_entry.and_then(entry_url));
    let root_blog = str_at(post, "reblogged_root_name")
        .map(str::to_owned)
        .or_else(|| root_entry.and_then(npf::trail_blog_name).map(str::to_owned));
    let root_url = str_at(post, "reblogged_root_url")
        .map(str::to_owned)
        .or_else(|| root_entry.and_then(entry_url));
    Some(ReblogSource {
        from_blog,
        from_url,
        root_blog,
        root_url,
    })
}

/// Builds the permalink of a trail entry from its blog name and post id.
fn entry_url(entry: &Value) -> Option<String> {
    let blog = npf::trail_blog_name(entry)?;
    let id = entry.get("post").and_then(|post| id_at(post, "id"))?;
    Some(format!("https://{blog}.tumblr.com/post/{id}"))
}

/// Returns the post's summary: the API's `summary`, else (NPF) the text
/// blocks of the content and then of the trail, else (legacy) `title` and
/// then the plain text of the first non-empty HTML field. Whitespace runs
/// become one space, and the result is cut to `SUMMARY_MAX_CHARS`
/// characters.
pub fn summary(post: &Value) -> String {
    let text = str_at(post, "summary")
        .map(collapse_whitespace)
        .filter(|text| !text.is_empty())
        .or_else(|| fallback_text(post))
        .unwrap_or_default();
    truncate_chars(&text, SUMMARY_MAX_CHARS)
}

fn fallback_text(post: &Value) -> Option<String> {
    let non_empty = |text: String| (!text.is_empty()).then_some(text);
    if is_npf(post) {
        let own = non_empty(collapse_whitespace(&npf::blocks_text(array_at(
            post, "content",
        ))));
        return own.or_else(|| {
            array_at(post, "trail").iter().find_map(|entry| {
                non_empty(collapse_whitespace(&npf::blocks_text(array_at(
                    entry, "content",
                ))))
            })
        });
    }
    if let Some(title) = str_at(post, "title").map(plain_text).and_then(non_empty) {
        return Some(title);
    }
    LEGACY_TEXT_FIELDS
        .iter()
        .filter_map(|field| str_at(post, field))
        .find_map(|html| non_empty(plain_text(html)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_fallbacks() {
        let npf_post =
            json!({"summary": "", "content": [{"type": "text", "text": "  own\n text "}]});
        assert_eq!(summary(&npf_post), "own text");
        let npf_reblog = json!({"content": [], "trail": [{"content": [{"type": "text", "text": "from trail"}]}]});
        assert_eq!(summary(&npf_reblog), "from trail");
        let legacy_post = json!({"title": null, "body": "<p>Hello &amp; <b>bye</b></p>"});
        assert_eq!(summary(&legacy_post), "Hello & bye");
        let titled = json!({"title": "Title", "body": "<p>Body</p>"});
        assert_eq!(summary(&titled), "Title");
        let long = json!({"summary": "x".repeat(300)});
        assert_eq!(summary(&long).len(), 200);
    }

    #[test]
    fn parse_post_needs_id() {
        assert!(parse_post(&json!({"type": "text"})).is_none());
        assert!(parse_post(&json!({"id": "abc"})).is_none());
        let post = parse_post(&json!({"id": 12, "type": "text", "tags": ["a", 3, "b"]}));
        assert_eq!(post.as_ref().map(|p| p.id.as_str()), Some("12"));
        assert_eq!(
            post.map(|p| p.tags),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn reblog_source_from_parent_url() {
        let post = json!({
            "parent_post_url": "https://www.tumblr.com/blog/view/parent-blog/123",
            "trail": [
                {"blog": {"name": "root-blog"}, "post": {"id": "1"}},
                {"blog": {"name": "middle-blog"}, "post": {"id": 2}}
            ]
        });
        let source = reblog_source(&post);
        assert_eq!(
            source,
            Some(ReblogSource {
                from_blog: "parent-blog".to_owned(),
                from_url: Some("https://www.tumblr.com/blog/view/parent-blog/123".to_owned()),
                root_blog: Some("root-blog".to_owned()),
                root_url: Some("https://root-blog.tumblr.com/post/1".to_owned()),
            })
        );
    }

    #[test]
    fn reblog_source_broken_trail_entry() {
        let post = json!({"trail": [{"broken_blog_name": "gone-blog", "post": {}}]});
        let source = reblog_source(&post);
        assert_eq!(
            source.as_ref().map(|s| s.from_blog.as_str()),
            Some("gone-blog")
        );
        assert_eq!(source.and_then(|s| s.from_url), None);
    }

    #[test]
    fn reblog_source_original_post() {
        assert_eq!(reblog_source(&json!({"trail": []})), None);
        let own_only = json!({"trail": [{"blog": {"name": "me"}, "is_current_item": true, "is_root_item": true}]});
        assert_eq!(reblog_source(&own_only), None);
    }
}
