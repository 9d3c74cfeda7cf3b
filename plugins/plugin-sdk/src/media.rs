//! Media records in plain Rust types, which mirror the `media` record of
//! the WIT package, and the media list of one post: the merge of one media
//! item seen more than once.
//!
//! When a post carries the same media twice (as `tumblr_url::media_key`
//! decides), the two items merge: the widest rendition becomes the URL,
//! every other rendition becomes an alternate, widest first, and the kind
//! and trail blog of the first occurrence stay.

use crate::tumblr_url::{absolute_url, identity_key, is_excluded, media_key, rendition_width};

/// Kind of content of a media file, as the WIT enum `media-kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MediaKind {
    /// A still image (JPEG, PNG, WebP).
    Image,
    /// An animated GIF, or its WebP or video rendering.
    Gif,
    /// A video file hosted by Tumblr.
    Video,
    /// An audio file hosted by Tumblr.
    Audio,
    /// A third-party player, which the host records but does not download.
    Embed,
}

impl MediaKind {
    /// Every kind, in the order of the WIT enum.
    pub const ALL: [MediaKind; 5] = [
        MediaKind::Image,
        MediaKind::Gif,
        MediaKind::Video,
        MediaKind::Audio,
        MediaKind::Embed,
    ];

    /// Returns the lowercase name of the kind, as the WIT enum spells it
    /// and the manifest records it: `image`, `gif`, `video`, `audio` or
    /// `embed`.
    pub fn name(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Gif => "gif",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Embed => "embed",
        }
    }

    /// Returns the kind that `name` spells, ignoring ASCII case and
    /// surrounding whitespace, or `None` for any other text.
    pub fn from_name(name: &str) -> Option<MediaKind> {
        let name = name.trim();
        MediaKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

/// Pixel size of an image or video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

/// A smaller rendition of the same media, kept as a fallback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternate {
    pub url: String,
    pub size: Option<Dimensions>,
}

/// One media file of a post, as the WIT record `media`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    /// URL of the largest known rendition.
    pub url: String,
    pub kind: MediaKind,
    /// Pixel size of `url`, when the source states it.
    pub size: Option<Dimensions>,
    /// Smaller renditions, largest first.
    pub alternates: Vec<Alternate>,
    /// Name of the blog whose reblog-trail entry carries this media, or
    /// `None` when the post's own content carries it.
    pub trail_blog: Option<String>,
}

impl Media {
    /// Builds an item of `kind` at `url` with no size, no alternates and no
    /// trail blog.
    pub fn new(url: &str, kind: MediaKind) -> Media {
        Media {
            url: url.to_owned(),
            kind,
            size: None,
            alternates: Vec::new(),
            trail_blog: None,
        }
    }
}

/// Builds an alternate for `url` with an optional pixel size.
pub fn alternate(url: &str, size: Option<Dimensions>) -> Alternate {
    Alternate {
        url: url.to_owned(),
        size,
    }
}

/// Orders the renditions of one media item: drops repeated URLs (keeping
/// the first stated size), makes the widest the URL (the earliest wins a
/// tie) and sorts the others widest first, keeping source order on ties.
fn arrange(item: &mut Media, extra: Vec<Alternate>) {
    let mut renditions: Vec<Alternate> =
        Vec::with_capacity(1 + item.alternates.len() + extra.len());
    let all = std::iter::once(alternate(&item.url, item.size))
        .chain(item.alternates.drain(..))
        .chain(extra);
    for rendition in all {
        let identity = identity_key(&rendition.url);
        match renditions
            .iter_mut()
            .find(|known| identity_key(&known.url) == identity)
        {
            Some(known) => {
                if known.size.is_none() {
                    known.size = rendition.size;
                }
            }
            None => renditions.push(rendition),
        }
    }
    let mut best = 0;
    for (index, rendition) in renditions.iter().enumerate() {
        if rendition_width(&rendition.url, rendition.size)
            > rendition_width(&renditions[best].url, renditions[best].size)
        {
            best = index;
        }
    }
    let chosen = renditions.remove(best);
    renditions.sort_by_key(|rendition| {
        std::cmp::Reverse(rendition_width(&rendition.url, rendition.size))
    });
    item.url = chosen.url;
    item.size = chosen.size;
    item.alternates = renditions;
}

/// The media of one post in order of first appearance, each media once.
#[derive(Debug, Default)]
pub struct MediaList {
    items: Vec<Media>,
    /// Media keys of every rendition of `items[i]`.
    keys: Vec<Vec<String>>,
}

impl MediaList {
    /// Adds `item`, or merges it into an earlier item that shares a media
    /// key with any of its renditions. Items whose URL is not absolute
    /// `http(s)` or is excluded by `is_excluded` are dropped, and so are
    /// such alternates.
    pub fn push(&mut self, mut item: Media) {
        let Some(url) = absolute_url(&item.url).filter(|url| !is_excluded(url)) else {
            return;
        };
        item.url = url;
        item.alternates = std::mem::take(&mut item.alternates)
            .into_iter()
            .filter_map(|rendition| {
                let url = absolute_url(&rendition.url).filter(|url| !is_excluded(url))?;
                Some(Alternate { url, ..rendition })
            })
            .collect();

        let mut keys: Vec<String> = Vec::new();
        for url in std::iter::once(&item.url).chain(item.alternates.iter().map(|a| &a.url)) {
            let key = media_key(url);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }

        let earlier = self
            .keys
            .iter()
            .position(|known| known.iter().any(|key| keys.contains(key)));
        match earlier {
            Some(index) => {
                let extra = std::iter::once(alternate(&item.url, item.size))
                    .chain(item.alternates)
                    .collect();
                arrange(&mut self.items[index], extra);
                for key in keys {
                    if !self.keys[index].contains(&key) {
                        self.keys[index].push(key);
                    }
                }
            }
            None => {
                arrange(&mut item, Vec::new());
                self.items.push(item);
                self.keys.push(keys);
            }
        }
    }

    /// Returns the items in order of first appearance.
    pub fn into_vec(self) -> Vec<Media> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(url: &str, width: Option<u32>) -> Media {
        Media {
            url: url.to_owned(),
            kind: MediaKind::Image,
            size: width.map(|width| Dimensions {
                width,
                height: width,
            }),
            alternates: Vec::new(),
            trail_blog: None,
        }
    }

    fn urls(item: &Media) -> Vec<&str> {
        std::iter::once(item.url.as_str())
            .chain(item.alternates.iter().map(|a| a.url.as_str()))
            .collect()
    }

    #[test]
    fn push_merges_renditions() {
        let small = "https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/741f1238f124f481-46/s640x960/aa.jpg";
        let large = "https://64.media.tumblr.com/0123456789abcdef0123456789abcdef/741f1238f124f481-46/s2048x3072/bb.jpg";
        let mut list = MediaList::default();
        list.push(image(small, None));
        list.push(Media {
            trail_blog: Some("other".to_owned()),
            ..image(large, Some(2048))
        });
        let items = list.into_vec();
        assert_eq!(items.len(), 1);
        assert_eq!(urls(&items[0]), [large, small]);
        assert_eq!(items[0].size.map(|size| size.width), Some(2048));
        assert_eq!(items[0].trail_blog, None);
    }

    #[test]
    fn push_same_url_twice() {
        let mut list = MediaList::default();
        list.push(image("http://example.com/1words6", None));
        list.push(image("https://example.com/1words6#x", Some(10)));
        let items = list.into_vec();
        assert_eq!(items.len(), 1);
        assert_eq!(urls(&items[0]), ["http://example.com/1words6"]);
        assert_eq!(items[0].size.map(|size| size.width), Some(10));
    }

    #[test]
    fn push_drops_excluded_and_relative() {
        let mut list = MediaList::default();
        list.push(image("https://64.media.tumblr.com/avatar_abc_64.png", None));
        list.push(image("/x.jpg", None));
        list.push(Media {
            alternates: vec![
                alternate("https://assets.tumblr.com/x.png", None),
                alternate("//x.test/b.jpg", None),
            ],
            ..image("https://x.test/a.jpg", None)
        });
        let items = list.into_vec();
        assert_eq!(items.len(), 1);
        assert_eq!(
            urls(&items[0]),
            ["https://x.test/a.jpg", "https://x.test/b.jpg"]
        );
    }

    #[test]
    fn push_sorts_alternates_widest_first() {
        let mut list = MediaList::default();
        list.push(Media {
            alternates: vec![
                alternate(
                    "https://x.test/s.jpg",
                    Some(Dimensions {
                        width: 100,
                        height: 1,
                    }),
                ),
                alternate(
                    "https://x.test/l.jpg",
                    Some(Dimensions {
                        width: 900,
                        height: 1,
                    }),
                ),
                alternate(
                    "https://x.test/m.jpg",
                    Some(Dimensions {
                        width: 500,
                        height: 1,
                    }),
                ),
            ],
            ..image("https://x.test/u.jpg", Some(400))
        });
        let items = list.into_vec();
        let expected = [
            "https://x.test/l.jpg",
            "https://x.test/m.jpg",
            "https://x.test/u.jpg",
            "https://x.test/s.jpg",
        ];
        assert_eq!(urls(&items[0]), expected);
    }
}
