//! Helpers for tumblr-archiver plugins. They use plain Rust types, so any
//! plugin can use them whatever WIT world it generates:
//! - `html` and `html_media` scan HTML fragments for tags, text and media,
//! - `tumblr_url` classifies Tumblr media URLs and `media` collects the
//!   media of a post without repeats,
//! - `json` reads lenient Tumblr JSON, `json_span` finds the exact text
//!   of each post object, and `http` reads response headers,
//! - `blog` parses blog names, `naming` builds safe file names, `date`
//!   handles UTC dates, and `text` shortens summaries,
//! - `tumblr_v1` reads the legacy v1 API (`/api/read/json`) into the
//!   plain `post` types, and `tumblr_v1_xml` reads its XML form
//!   (`/api/read`) into the same JSON shape.
//!
//! The `media` types mirror the WIT records `media`, `alternate`,
//! `dimensions` and `media-kind`. `impl_wit_conversions!` writes the `From`
//! conversions between them and a plugin's generated types, and
//! `impl_wit_post_conversions!` does the same for the `post` types.

pub mod blog;
pub mod date;
pub mod fixtures;
pub mod html;
pub mod html_media;
pub mod http;
pub mod json;
pub mod json_span;
pub mod media;
pub mod naming;
pub mod post;
pub mod text;
pub mod tumblr_url;
pub mod tumblr_v1;
pub mod tumblr_v1_xml;

/// Writes `From` conversions in both directions between the `media` types
/// of this crate and the types that `wit_bindgen::generate!` produced for
/// the WIT interface `tumblr-archiver:plugin/types`. Give it the path of
/// that generated module:
///
/// ```ignore
/// wit_bindgen::generate!({ path: "../../wit", world: "scraper" });
/// plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);
/// ```
///
/// The generated types belong to the calling crate, so these impls are
/// allowed there and nowhere else.
#[macro_export]
macro_rules! impl_wit_conversions {
    ($($types:ident)::+) => {
        impl ::core::convert::From<$crate::media::MediaKind> for $($types)::+::MediaKind {
            fn from(kind: $crate::media::MediaKind) -> Self {
                match kind {
                    $crate::media::MediaKind::Image => Self::Image,
                    $crate::media::MediaKind::Gif => Self::Gif,
                    $crate::media::MediaKind::Video => Self::Video,
                    $crate::media::MediaKind::Audio => Self::Audio,
                    $crate::media::MediaKind::Embed => Self::Embed,
                }
            }
        }

        impl ::core::convert::From<$($types)::+::MediaKind> for $crate::media::MediaKind {
            fn from(kind: $($types)::+::MediaKind) -> Self {
                match kind {
                    $($types)::+::MediaKind::Image => Self::Image,
                    $($types)::+::MediaKind::Gif => Self::Gif,
                    $($types)::+::MediaKind::Video => Self::Video,
                    $($types)::+::MediaKind::Audio => Self::Audio,
                    $($types)::+::MediaKind::Embed => Self::Embed,
                }
            }
        }

        impl ::core::convert::From<$crate::media::Dimensions> for $($types)::+::Dimensions {
            fn from(size: $crate::media::Dimensions) -> Self {
                Self {
                    width: size.width,
                    height: size.height,
                }
            }
        }

        impl ::core::convert::From<$($types)::+::Dimensions> for $crate::media::Dimensions {
            fn from(size: $($types)::+::Dimensions) -> Self {
                Self {
                    width: size.width,
                    height: size.height,
                }
            }
        }

        impl ::core::convert::From<$crate::media::Alternate> for $($types)::+::Alternate {
            fn from(rendition: $crate::media::Alternate) -> Self {
                Self {
                    url: rendition.url,
                    size: rendition.size.map(::core::convert::Into::into),
                }
            }
        }

        impl ::core::convert::From<$($types)::+::Alternate> for $crate::media::Alternate {
            fn from(rendition: $($types)::+::Alternate) -> Self {
                Self {
                    url: rendition.url,
                    size: rendition.size.map(::core::convert::Into::into),
                }
            }
        }

        impl ::core::convert::From<$crate::media::Media> for $($types)::+::Media {
            fn from(item: $crate::media::Media) -> Self {
                Self {
                    url: item.url,
                    kind: item.kind.into(),
                    size: item.size.map(::core::convert::Into::into),
                    alternates: item
                        .alternates
                        .into_iter()
                        .map(::core::convert::Into::into)
                        .collect(),
                    trail_blog: item.trail_blog,
                }
            }
        }

        impl ::core::convert::From<$($types)::+::Media> for $crate::media::Media {
            fn from(item: $($types)::+::Media) -> Self {
                Self {
                    url: item.url,
                    kind: item.kind.into(),
                    size: item.size.map(::core::convert::Into::into),
                    alternates: item
                        .alternates
                        .into_iter()
                        .map(::core::convert::Into::into)
                        .collect(),
                    trail_blog: item.trail_blog,
                }
            }
        }
    };
}

/// Writes `From` conversions from this crate's `post` types to the types
/// that `wit_bindgen::generate!` produced for `tumblr-archiver:plugin/types`.
/// The media conversions of `impl_wit_conversions!` must be in scope too,
/// so call both with the same path:
///
/// ```ignore
/// plugin_sdk::impl_wit_conversions!(crate::tumblr_archiver::plugin::types);
/// plugin_sdk::impl_wit_post_conversions!(crate::tumblr_archiver::plugin::types);
/// ```
#[macro_export]
macro_rules! impl_wit_post_conversions {
    ($($types:ident)::+) => {
        impl ::core::convert::From<$crate::post::ReblogSource> for $($types)::+::ReblogSource {
            fn from(source: $crate::post::ReblogSource) -> Self {
                Self {
                    from_blog: source.from_blog,
                    from_url: source.from_url,
                    root_blog: source.root_blog,
                    root_url: source.root_url,
                }
            }
        }

        impl ::core::convert::From<$crate::post::Post> for $($types)::+::Post {
            fn from(post: $crate::post::Post) -> Self {
                Self {
                    id: post.id,
                    url: post.url,
                    blog: post.blog,
                    timestamp: post.timestamp,
                    post_type: post.post_type,
                    tags: post.tags,
                    reblog: post.reblog.map(::core::convert::Into::into),
                    summary: post.summary,
                    media: post
                        .media
                        .into_iter()
                        .map(::core::convert::Into::into)
                        .collect(),
                }
            }
        }
    };
}
