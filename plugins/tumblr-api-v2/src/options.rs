//! Plugin options: `page-size` (posts per request) and `format` (whether to
//! request posts as NPF blocks or as legacy HTML fields), their help text and
//! their validation.

use serde::{Deserialize, Serialize};

use crate::tumblr_archiver::plugin::types::OptionSpec;

/// Option key for the number of posts per request.
pub const PAGE_SIZE_KEY: &str = "page-size";
/// Option key for the post format.
pub const FORMAT_KEY: &str = "format";
/// Posts per request when the user gives no `page-size`. The API's
/// documentation names 20 as the largest `limit`, but the API returns up
/// to 50; a server that returns fewer is still paged to the end, because
/// the next offset counts the posts that came back. Fewer, larger pages
/// spend less of the hourly API quota.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest `limit` that the `/posts` endpoint accepts.
pub const MAX_PAGE_SIZE: u32 = 50;

/// How the API returns posts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Neue Post Format blocks, requested with `npf=true`.
    #[default]
    Npf,
    /// The older HTML fields (`body`, `caption`, `photos`, …).
    Legacy,
}

/// Validated plugin options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Posts per request, within `1..=MAX_PAGE_SIZE`.
    pub page_size: u32,
    pub format: Format,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            page_size: DEFAULT_PAGE_SIZE,
            format: Format::Npf,
        }
    }
}

/// Returns the option descriptions for `plugin-info`.
pub fn option_specs() -> Vec<OptionSpec> {
    vec![
        OptionSpec {
            name: PAGE_SIZE_KEY.to_owned(),
            help: format!("Posts per API request, from 1 to {MAX_PAGE_SIZE}"),
            default_value: Some(DEFAULT_PAGE_SIZE.to_string()),
        },
        OptionSpec {
            name: FORMAT_KEY.to_owned(),
            help: "Post format to request: npf (content blocks) or legacy (HTML fields)".to_owned(),
            default_value: Some("npf".to_owned()),
        },
    ]
}

/// Parses the `--plugin-opt` pairs. A key given twice takes its last value.
///
/// # Errors
///
/// Returns a message naming the key and its accepted values when a key is
/// unknown or a value is out of range.
pub fn parse_options(options: &[(String, String)]) -> Result<Settings, String> {
    let mut settings = Settings::default();
    for (key, value) in options {
        match key.as_str() {
            PAGE_SIZE_KEY => settings.page_size = parse_page_size(value)?,
            FORMAT_KEY => settings.format = parse_format(value)?,
            _ => {
                return Err(format!(
                    "unknown option {key:?}: this plugin accepts {PAGE_SIZE_KEY} \
                     (1 to {MAX_PAGE_SIZE}) and {FORMAT_KEY} (npf or legacy)"
                ));
            }
        }
    }
    Ok(settings)
}

fn parse_page_size(value: &str) -> Result<u32, String> {
    match value.trim().parse::<u32>() {
        Ok(size) if (1..=MAX_PAGE_SIZE).contains(&size) => Ok(size),
        _ => Err(format!(
            "invalid {PAGE_SIZE_KEY} {value:?}: give a whole number from 1 to {MAX_PAGE_SIZE}"
        )),
    }
}

fn parse_format(value: &str) -> Result<Format, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "npf" => Ok(Format::Npf),
        "legacy" => Ok(Format::Legacy),
        _ => Err(format!(
            "invalid {FORMAT_KEY} {value:?}: give npf (content blocks) or legacy (HTML fields)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn parse_options_defaults() {
        let settings = parse_options(&[]);
        assert_eq!(
            settings,
            Ok(Settings {
                page_size: 50,
                format: Format::Npf
            })
        );
    }

    #[test]
    fn parse_options_valid_values() {
        let cases = [
            (vec![("page-size", "1")], 1, Format::Npf),
            (vec![("page-size", "50")], 50, Format::Npf),
            (vec![("page-size", " 35 ")], 35, Format::Npf),
            (vec![("format", "legacy")], 50, Format::Legacy),
            (vec![("format", "NPF")], 50, Format::Npf),
            (
                vec![("format", "legacy"), ("page-size", "7")],
                7,
                Format::Legacy,
            ),
            (vec![("page-size", "7"), ("page-size", "9")], 9, Format::Npf),
        ];
        for (input, page_size, format) in cases {
            let settings = parse_options(&pairs(&input));
            assert_eq!(
                settings,
                Ok(Settings { page_size, format }),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn parse_options_bad_page_size() {
        for value in ["0", "51", "abc", "", "-1", "2.5", "99999999999"] {
            let message = parse_options(&pairs(&[("page-size", value)]))
                .err()
                .unwrap_or_default();
            assert!(message.contains("page-size"), "value {value:?}: {message}");
            assert!(message.contains("1 to 50"), "value {value:?}: {message}");
        }
    }

    #[test]
    fn parse_options_bad_format() {
        for value in ["xml", "", "json"] {
            let message = parse_options(&pairs(&[("format", value)]))
                .err()
                .unwrap_or_default();
            assert!(message.contains("format"), "value {value:?}: {message}");
            assert!(
                message.contains("npf") && message.contains("legacy"),
                "{message}"
            );
        }
    }

    #[test]
    fn parse_options_unknown_key() {
        let message = parse_options(&pairs(&[("limit", "5")]))
            .err()
            .unwrap_or_default();
        assert!(message.contains("\"limit\""), "{message}");
        assert!(
            message.contains("page-size") && message.contains("format"),
            "{message}"
        );
    }

    #[test]
    fn option_specs_names_and_defaults() {
        let specs = option_specs();
        let names: Vec<&str> = specs.iter().map(|spec| spec.name.as_str()).collect();
        assert_eq!(names, ["page-size", "format"]);
        assert_eq!(specs[0].default_value.as_deref(), Some("50"));
        assert_eq!(specs[1].default_value.as_deref(), Some("npf"));
    }
}
