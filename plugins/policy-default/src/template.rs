//! The `filename` option: a template such as `{post_id}_{name}.{ext}` whose
//! placeholders stand for values of the post and the media item. It is
//! parsed and checked once by `configure`, and rendered into a relative
//! path with `/` between folders for every media item.

use std::fmt::Write as _;

use plugin_sdk::date::Date;
use plugin_sdk::naming::{
    self, UrlBasename, first_tag_component, id_component, safe_component, url_basename,
};

use crate::tumblr_archiver::plugin::types::{Media, MediaKind, Post};

/// Option key of the template.
pub const FILENAME_KEY: &str = "filename";

/// The template that gives the names this policy has always given.
pub const DEFAULT_TEMPLATE: &str = "{post_id}_{name}.{ext}";

/// Maximum length of a template, in bytes.
const MAX_TEMPLATE_BYTES: usize = 256;

/// A value that a template can insert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    PostId,
    Index,
    Name,
    Ext,
    Kind,
    Blog,
    TrailBlog,
    Date,
    Year,
    Month,
    Tag,
}

/// Every placeholder with its name and the help text of the option.
const PLACEHOLDERS: [(&str, Placeholder, &str); 11] = [
    ("post_id", Placeholder::PostId, "the post id"),
    (
        "index",
        Placeholder::Index,
        "the position of the item in the post, from 0",
    ),
    (
        "name",
        Placeholder::Name,
        "the file name in the URL, without extension",
    ),
    (
        "ext",
        Placeholder::Ext,
        "the extension in the URL, else one for the kind",
    ),
    (
        "kind",
        Placeholder::Kind,
        "image, gif, video, audio or embed",
    ),
    ("blog", Placeholder::Blog, "the post's blog"),
    (
        "trail_blog",
        Placeholder::TrailBlog,
        "the reblog-trail blog that carries the item, else the post's blog",
    ),
    ("date", Placeholder::Date, "the post's UTC date, YYYY-MM-DD"),
    ("year", Placeholder::Year, "YYYY"),
    ("month", Placeholder::Month, "MM"),
    ("tag", Placeholder::Tag, "the post's first tag, or untagged"),
];

/// Returns the placeholder list for messages: `{post_id}, {index}, …`.
pub fn placeholder_list() -> String {
    let names: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(name, _, _)| format!("{{{name}}}"))
        .collect();
    names.join(", ")
}

/// Returns the help text of the `filename` option, one line.
pub fn help() -> String {
    let described: Vec<String> = PLACEHOLDERS
        .iter()
        .map(|(name, _, meaning)| format!("{{{name}}} ({meaning})"))
        .collect();
    format!(
        "File name template, relative to the blog's folder, where / starts a folder. \
         Placeholders: {}. Every value becomes a safe name of at most 100 bytes",
        described.join(", ")
    )
}

/// One part of a path component: literal text or a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A parsed and checked template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Path components in order; the last one is the file name.
    components: Vec<Vec<Piece>>,
}

impl Default for Template {
    /// Returns `DEFAULT_TEMPLATE` in parsed form.
    fn default() -> Self {
        Template {
            components: vec![vec![
                Piece::Value(Placeholder::PostId),
                Piece::Text("_".to_owned()),
                Piece::Value(Placeholder::Name),
                Piece::Text(".".to_owned()),
                Piece::Value(Placeholder::Ext),
            ]],
        }
    }
}

/// Form of a name, which keeps it apart from the name of an earlier item
/// of the same post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The template as written.
    Plain,
    /// The item's index added to the file name.
    Indexed,
    /// The index and a counter from 2 added to the file name.
    Counted(usize),
}

/// The values of one media item, each already a safe path component.
pub struct Values {
    post_id: String,
    index: u32,
    basename: UrlBasename,
    kind: &'static str,
    blog: String,
    trail_blog: String,
    date: Date,
    tag: String,
}

impl Values {
    /// Computes the values of `item`, the item at `index` of `post`.
    pub fn new(post: &Post, item: &Media, index: u32) -> Values {
        let kind: plugin_sdk::media::MediaKind = item.kind.into();
        let basename = match item.kind {
            MediaKind::Embed => UrlBasename {
                stem: "embed".to_owned(),
                extension: "txt".to_owned(),
            },
            _ => url_basename(&item.url, kind),
        };
        let trail_blog = item.trail_blog.as_deref().unwrap_or(&post.blog);
        let tag = first_tag_component(&post.tags);
        Values {
            post_id: id_component(&post.id),
            index,
            basename,
            kind: kind.name(),
            blog: safe_component(&post.blog),
            trail_blog: safe_component(trail_blog),
            date: Date::from_timestamp(post.timestamp),
            tag,
        }
    }

    fn write(&self, placeholder: Placeholder, out: &mut String) {
        // Writing to a `String` cannot fail, so the results are ignored.
        let _ = match placeholder {
            Placeholder::PostId => write!(out, "{}", self.post_id),
            Placeholder::Index => write!(out, "{}", self.index),
            Placeholder::Name => write!(out, "{}", self.basename.stem),
            Placeholder::Ext => write!(out, "{}", self.basename.extension),
            Placeholder::Kind => write!(out, "{}", self.kind),
            Placeholder::Blog => write!(out, "{}", self.blog),
            Placeholder::TrailBlog => write!(out, "{}", self.trail_blog),
            Placeholder::Date => write!(out, "{}", self.date),
            Placeholder::Year => write!(out, "{:04}", self.date.year),
            Placeholder::Month => write!(out, "{:02}", self.date.month),
            Placeholder::Tag => write!(out, "{}", self.tag),
        };
    }
}

impl Template {
    /// Parses and checks `text`.
    ///
    /// # Errors
    ///
    /// Returns a message that quotes `text` and states what is wrong. For an
    /// unknown placeholder it lists the valid ones.
    pub fn parse(text: &str) -> Result<Template, String> {
        let invalid = |reason: String| {
            format!("invalid value `{text}` for option `{FILENAME_KEY}`: {reason}")
        };
        if text.is_empty() {
            return Err(invalid(format!(
                "the template is empty; give one such as {DEFAULT_TEMPLATE}"
            )));
        }
        if text.len() > MAX_TEMPLATE_BYTES {
            return Err(invalid(format!(
                "the template is {} bytes long; give at most {MAX_TEMPLATE_BYTES}",
                text.len()
            )));
        }
        let mut components = Vec::new();
        for component in text.split('/') {
            let pieces = parse_component(component).map_err(invalid)?;
            check_component(component, &pieces).map_err(invalid)?;
            components.push(pieces);
        }
        let has_value = components
            .last()
            .is_some_and(|file| file.iter().any(|piece| matches!(piece, Piece::Value(_))));
        if !has_value {
            return Err(invalid(
                "the file name after the last / has no placeholder, so every file would get \
                 the same name; add one such as {post_id} or {name}"
                    .to_owned(),
            ));
        }
        Ok(Template { components })
    }

    /// Renders the path of an item with `values`, in the form `variant`.
    ///
    /// `Indexed` and `Counted` change only the file name: they insert
    /// `_{index}` (or `_{index}_{n}`) right after its first `{post_id}`, or,
    /// when the file name has no `{post_id}`, put `{index}_` (or
    /// `{index}_{n}_`) in front of it. So the default template gives
    /// `{post_id}_{index}_{name}.{ext}`.
    pub fn render(&self, values: &Values, variant: Variant) -> String {
        let mut path = String::new();
        let last = self.components.len().saturating_sub(1);
        for (position, pieces) in self.components.iter().enumerate() {
            if position > 0 {
                path.push('/');
            }
            let mut component = String::new();
            let marker = match variant {
                Variant::Plain => None,
                Variant::Indexed => Some(values.index.to_string()),
                Variant::Counted(n) => Some(format!("{}_{n}", values.index)),
            };
            let marker = marker.filter(|_| position == last);
            let after_id = pieces
                .iter()
                .position(|piece| *piece == Piece::Value(Placeholder::PostId));
            if let (Some(marker), None) = (&marker, after_id) {
                let _ = write!(component, "{marker}_");
            }
            for (index, piece) in pieces.iter().enumerate() {
                match piece {
                    Piece::Text(text) => component.push_str(text),
                    Piece::Value(placeholder) => values.write(*placeholder, &mut component),
                }
                if let Some(marker) = &marker
                    && after_id == Some(index)
                {
                    let _ = write!(component, "_{marker}");
                }
            }
            path.push_str(&naming::avoid_device_name(component));
        }
        path
    }
}

/// Splits one path component of a template into pieces.
fn parse_component(component: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = component;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            Some(start) if rest[start..].starts_with('}') => {
                return Err("a `}` has no matching `{`; braces only enclose placeholders".into());
            }
            Some(start) => {
                if start > 0 {
                    pieces.push(Piece::Text(rest[..start].to_owned()));
                }
                let after = &rest[start + 1..];
                let end = after
                    .find(['{', '}'])
                    .filter(|end| after[*end..].starts_with('}'))
                    .ok_or_else(|| {
                        "a `{` is not closed by `}`; braces only enclose placeholders".to_owned()
                    })?;
                let name = &after[..end];
                let placeholder = PLACEHOLDERS
                    .iter()
                    .find(|(known, _, _)| *known == name)
                    .map(|(_, placeholder, _)| *placeholder)
                    .ok_or_else(|| {
                        format!(
                            "unknown placeholder `{{{name}}}`; valid placeholders are {}",
                            placeholder_list()
                        )
                    })?;
                pieces.push(Piece::Value(placeholder));
                rest = &after[end + 1..];
            }
            None => {
                pieces.push(Piece::Text(rest.to_owned()));
                rest = "";
            }
        }
    }
    Ok(pieces)
}

/// Checks the literal text of one component: no empty component, no `.` or
/// `..`, no character that is invalid in a file name, no dot or space at
/// either end, and no literal Windows device name.
fn check_component(component: &str, pieces: &[Piece]) -> Result<(), String> {
    if pieces.is_empty() {
        return Err(
            "it has an empty folder name (a leading, trailing or doubled /); write folders \
             as name/ without empty parts"
                .to_owned(),
        );
    }
    for piece in pieces {
        let Piece::Text(text) = piece else {
            continue;
        };
        if let Some(bad) = text
            .chars()
            .find(|c| c.is_control() || matches!(c, '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        {
            return Err(format!(
                "the character {bad:?} is not allowed in a file name; use / between folders \
                 and avoid \\ < > : \" | ? * and control characters"
            ));
        }
    }
    let starts_with_text =
        matches!(pieces.first(), Some(Piece::Text(text)) if text.starts_with(['.', ' ']));
    let ends_with_text =
        matches!(pieces.last(), Some(Piece::Text(text)) if text.ends_with(['.', ' ']));
    if starts_with_text || ends_with_text {
        return Err(format!(
            "the part `{component}` starts or ends with a dot or a space, which Windows drops \
             or hides; move the dot or space inside the name"
        ));
    }
    let literal_only = pieces.iter().all(|piece| matches!(piece, Piece::Text(_)));
    let first = component.split('.').next().unwrap_or(component);
    if literal_only && naming::is_device_name(first) {
        return Err(format!(
            "the folder name `{component}` is reserved on Windows; choose another name"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_default_template() {
        assert_eq!(Template::parse(DEFAULT_TEMPLATE), Ok(Template::default()));
        assert_eq!(Template::default().components[0].len(), 5);
    }

    #[test]
    fn parse_every_placeholder() {
        for (name, placeholder, _) in PLACEHOLDERS {
            let template = Template::parse(&format!("x/{{{name}}}"));
            let file = template.map(|t| t.components[1].clone());
            assert_eq!(file, Ok(vec![Piece::Value(placeholder)]), "{name}");
        }
    }

    #[test]
    fn parse_rejections() {
        // (template, words the message must contain)
        let cases: &[(&str, &[&str])] = &[
            ("", &["empty"]),
            (
                "{post}_{name}",
                &[
                    "unknown placeholder `{post}`",
                    "{post_id}",
                    "{trail_blog}",
                    "{tag}",
                ],
            ),
            ("{POST_ID}", &["unknown placeholder `{POST_ID}`"]),
            ("{post_id", &["not closed"]),
            ("{post_id{name}}", &["not closed"]),
            ("post_id}", &["no matching"]),
            ("/{post_id}", &["empty folder name"]),
            ("a//{post_id}", &["empty folder name"]),
            ("{post_id}/", &["empty folder name"]),
            ("../{post_id}", &["dot"]),
            ("./{post_id}", &["dot"]),
            ("{tag}./{post_id}", &["dot"]),
            ("{post_id}.", &["dot"]),
            (" {post_id}", &["space"]),
            ("a\\{post_id}", &["not allowed"]),
            ("a:{post_id}", &["not allowed"]),
            ("a\t{post_id}", &["not allowed"]),
            ("con/{post_id}", &["reserved"]),
            ("LPT1.x/{post_id}", &["reserved"]),
            ("{post_id}/photo.jpg", &["no placeholder"]),
        ];
        for (text, words) in cases {
            let Err(message) = Template::parse(text) else {
                panic!("{text:?} was accepted");
            };
            assert!(message.contains("`filename`"), "{text:?}: {message}");
            for word in *words {
                assert!(message.contains(word), "{text:?}: {message}");
            }
        }
        let long = format!("{}{{post_id}}", "a".repeat(MAX_TEMPLATE_BYTES));
        let message = Template::parse(&long).err().unwrap_or_default();
        assert!(message.contains("at most 256"), "{message}");
    }

    #[test]
    fn parse_accepts_folders_and_text() {
        for text in [
            "{blog}/{year}/{month}/{post_id}_{index}.{ext}",
            "{tag}/{date} {post_id}.{ext}",
            "by kind/{kind}/{name}.{ext}",
            "{trail_blog}/{post_id}",
            "console/{post_id}",
            "a~b/{name}",
        ] {
            assert!(Template::parse(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn help_lists_every_placeholder() {
        let text = help();
        for (name, _, _) in PLACEHOLDERS {
            assert!(text.contains(&format!("{{{name}}}")), "{name}: {text}");
        }
        assert!(!text.contains('\n'));
    }
}
