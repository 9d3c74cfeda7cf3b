//! Confines file names that a policy returns to the blog's folder and makes
//! them safe on Windows and Linux.

use std::collections::HashMap;

/// Longest path component, in bytes: 255, the limit of common file
/// systems, less room for the `.part` suffix of a download in progress,
/// a `-N` suffix that resolves a collision, and an extension changed to
/// match the bytes received.
const MAX_COMPONENT_BYTES: usize = 255 - 24;
/// Maximum length of a relative path, in bytes.
const MAX_PATH_BYTES: usize = 1024;
const RESERVED_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Turns `name` into a relative `/`-separated path that stays inside the
/// blog's folder: `\` separates folders too, empty, `.` and `..`
/// components are dropped, characters invalid on Windows and control
/// characters become `_`, trailing dots and spaces are removed, reserved
/// device names get a `_` suffix, and each component is cut to 255 bytes
/// with its extension kept. Returns `media` for a name with nothing left.
pub fn sanitize_relative(name: &str) -> String {
    let mut components: Vec<String> = name
        .split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .map(sanitize_component)
        .filter(|part| !part.is_empty())
        .collect();
    if components.is_empty() {
        components.push("media".into());
    }
    let mut path = components.join("/");
    if path.len() > MAX_PATH_BYTES {
        let file = components.pop().unwrap_or_else(|| "media".into());
        let folders = truncate_on_char(
            &components.join("/"),
            MAX_PATH_BYTES.saturating_sub(file.len() + 1),
        )
        .trim_end_matches('/')
        .to_string();
        path = if folders.is_empty() {
            file
        } else {
            format!("{folders}/{file}")
        };
    }
    path
}

fn sanitize_component(part: &str) -> String {
    let replaced: String = part
        .chars()
        .map(|character| {
            if character.is_control() || "<>:\"|?*".contains(character) {
                '_'
            } else {
                character
            }
        })
        .collect();
    let trimmed = replaced
        .trim_end_matches(['.', ' '])
        .trim_start_matches(' ');
    if trimmed.is_empty() || trimmed.chars().all(|character| character == '.') {
        return String::new();
    }
    let stem = trimmed.split('.').next().unwrap_or(trimmed);
    let mut component = if RESERVED_NAMES
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(stem.trim_end()))
    {
        trimmed.replacen(stem, &format!("{stem}_"), 1)
    } else {
        trimmed.to_string()
    };
    if component.len() > MAX_COMPONENT_BYTES {
        component = shorten_keeping_extension(&component, MAX_COMPONENT_BYTES);
    }
    component
}

fn shorten_keeping_extension(name: &str, max: usize) -> String {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() && extension.len() <= 16 => {
            (stem, format!(".{extension}"))
        }
        _ => (name, String::new()),
    };
    let stem = truncate_on_char(stem, max - extension.len());
    format!("{stem}{extension}")
}

fn truncate_on_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Moves a media file name that would fall on a name the archiver writes
/// itself, such as `posts/1.json` or `index.html`, into the `media/`
/// folder, so a file-name template cannot overwrite a post record or a
/// gallery page.
pub fn avoid_archiver_names(name: String) -> String {
    let first = name.split('/').next().unwrap_or_default().to_lowercase();
    let taken = crate::manifest::OWN_FILES.contains(&first.as_str())
        || first == crate::crawl::RECORDS_FOLDER
        || crate::gallery::is_top_level_name(&first);
    match taken {
        true => format!("media/{name}"),
        false => name,
    }
}

/// Returns whether `name` is a relative `/`-separated path that stays
/// inside the folder it is joined to: no absolute path, no drive letter,
/// no `\\`, no empty, `.` or `..` component, no NUL. Names read back from a
/// manifest go through this check, because the file can be edited.
pub fn is_confined(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_PATH_BYTES + 64
        && !name.contains(['\\', ':', '\0'])
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// File names handed out in this archive, keyed case-insensitively
/// because Windows and macOS file systems compare names that way.
#[derive(Default)]
pub struct NameRegistry {
    owners: HashMap<String, String>,
}

impl NameRegistry {
    /// Records that `name` is the file of `url`.
    pub fn claim(&mut self, name: &str, url: &str) {
        self.owners.insert(name.to_lowercase(), url.to_string());
    }

    /// Returns `name`, or `name` with `-2`, `-3`, ... before its extension
    /// when another URL already has it, and claims the result for `url`.
    pub fn unique(&mut self, name: &str, url: &str) -> String {
        let mut candidate = name.to_string();
        let mut counter = 2;
        while let Some(owner) = self.owners.get(&candidate.to_lowercase()) {
            if owner == url {
                break;
            }
            candidate = with_suffix(name, counter);
            counter += 1;
        }
        self.claim(&candidate, url);
        candidate
    }
}

fn with_suffix(name: &str, counter: usize) -> String {
    let (folder, file) = match name.rsplit_once('/') {
        Some((folder, file)) => (format!("{folder}/"), file),
        None => (String::new(), name),
    };
    match file.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => {
            format!("{folder}{stem}-{counter}.{extension}")
        }
        _ => format!("{folder}{file}-{counter}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archiver_names_avoided() {
        assert_eq!(
            avoid_archiver_names("posts/1.json".into()),
            "media/posts/1.json"
        );
        assert_eq!(
            avoid_archiver_names("Index.html".into()),
            "media/Index.html"
        );
        assert_eq!(avoid_archiver_names("tagged".into()), "media/tagged");
        assert_eq!(
            avoid_archiver_names("2024/posts/1.jpg".into()),
            "2024/posts/1.jpg"
        );
        assert_eq!(avoid_archiver_names("postsx/1.jpg".into()), "postsx/1.jpg");
    }

    #[test]
    fn confined_cases() {
        for name in ["a.jpg", "2024/05/a.jpg", "posts/123.json", "日本語/🦊.png"] {
            assert!(is_confined(name), "{name:?} is confined");
        }
        for name in [
            "",
            "../a.jpg",
            "a/../../b",
            "/etc/passwd",
            "C:\\x.jpg",
            "c:x",
            "a//b",
            "./a",
            "a/",
            "a\0b",
        ] {
            assert!(!is_confined(name), "{name:?} leaves the folder");
        }
    }

    #[test]
    fn sanitize_cases() {
        let cases = [
            ("123_tumblr_abc_1280.jpg", "123_tumblr_abc_1280.jpg"),
            ("../../etc/passwd", "etc/passwd"),
            ("/abs/path.jpg", "abs/path.jpg"),
            ("C:\\Windows\\x.jpg", "C_/Windows/x.jpg"),
            ("a/./b/../c.png", "a/b/c.png"),
            ("con.jpg", "con_.jpg"),
            ("NUL", "NUL_"),
            ("name. ", "name"),
            ("what?<>|*.gif", "what_____.gif"),
            ("tab\there.jpg", "tab_here.jpg"),
            ("", "media"),
            ("..", "media"),
            ("日本語タグ/🦊.png", "日本語タグ/🦊.png"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize_relative(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn long_component_keeps_extension() {
        let name = format!("{}.jpg", "é".repeat(300));
        let sanitized = sanitize_relative(&name);
        assert!(
            sanitized.len() <= MAX_COMPONENT_BYTES,
            "length {}",
            sanitized.len()
        );
        assert!(sanitized.ends_with(".jpg"));
    }

    #[test]
    fn long_path_bounded() {
        let name = format!("{}/file.jpg", vec!["folder"; 400].join("/"));
        let sanitized = sanitize_relative(&name);
        assert!(
            sanitized.len() <= MAX_PATH_BYTES,
            "length {}",
            sanitized.len()
        );
        assert!(sanitized.ends_with("/file.jpg"));
    }

    #[test]
    fn registry_resolves_collisions() {
        let mut names = NameRegistry::default();
        assert_eq!(names.unique("a/x.jpg", "u1"), "a/x.jpg");
        assert_eq!(names.unique("a/X.JPG", "u2"), "a/X-2.JPG");
        assert_eq!(names.unique("a/x.jpg", "u3"), "a/x-3.jpg");
        assert_eq!(names.unique("a/x.jpg", "u1"), "a/x.jpg");
    }
}
