//! Parsers of flag values, shared by the command line and the config file.

use std::time::Duration;

pub fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "invalid plugin option {text:?}: expected KEY=VALUE, such as reblogs=exclude"
        )),
    }
}

/// Accepts any path, the empty one included, which turns a file off.
pub fn path_or_empty(text: &str) -> Result<std::path::PathBuf, String> {
    Ok(std::path::PathBuf::from(text))
}

pub fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate.is_finite() => Ok(rate),
        _ => Err(format!(
            "invalid rate {text:?}: expected requests per second, a number greater than 0 such as 2 or 0.5"
        )),
    }
}

pub fn duration(text: &str) -> Result<Duration, String> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|error| {
        format!("invalid duration {text:?}: {error}; use seconds or a value such as 90m or 3h")
    })
}

pub fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 3600.0 => Ok(seconds),
        _ => Err(format!(
            "invalid number of seconds {text:?}: expected a number greater than 0 and at most 3600"
        )),
    }
}

/// Parses a whole number from `min` to `max`.
pub fn number_in(text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(format!(
            "invalid number {text:?}: expected a whole number from {min} to {max}"
        )),
    }
}

pub fn concurrency(text: &str) -> Result<u16, String> {
    number_in(text, 1, 64).map(|number| number as u16)
}

pub fn plugin_memory(text: &str) -> Result<u32, String> {
    number_in(text, 16, 4096).map(|number| number as u32)
}

pub fn max_posts(text: &str) -> Result<u64, String> {
    number_in(text, 1, u64::MAX)
}

/// Checks a date in the form YYYY-MM-DD and returns it trimmed.
pub fn date(text: &str) -> Result<String, String> {
    let invalid = || format!("invalid date {text:?}: expected YYYY-MM-DD, such as 2015-09-08");
    let trimmed = text.trim();
    let parts: Vec<&str> = trimmed.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(invalid());
    };
    let digits = |part: &str, width: usize| {
        part.len() == width && part.bytes().all(|byte| byte.is_ascii_digit())
    };
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return Err(invalid());
    }
    let month: u32 = month.parse().map_err(|_| invalid())?;
    let day: u32 = day.parse().map_err(|_| invalid())?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(invalid());
    }
    Ok(trimmed.to_string())
}

/// Post types that the built-in policy's `types` option accepts; `blocks`
/// is Tumblr's name for a post in its block format.
const POST_TYPES: [&str; 9] = [
    "text", "photo", "quote", "link", "chat", "audio", "video", "answer", "blocks",
];

/// Checks a comma-separated list of post types, in any letter case.
pub fn types(text: &str) -> Result<String, String> {
    let expected = || {
        format!(
            "expected a comma-separated list of {}",
            POST_TYPES.join(", ")
        )
    };
    let names: Vec<String> = text
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return Err(format!("invalid post types {text:?}: {}", expected()));
    }
    if let Some(unknown) = names
        .iter()
        .find(|name| !POST_TYPES.contains(&name.as_str()))
    {
        return Err(format!("unknown post type {unknown:?}: {}", expected()));
    }
    Ok(names.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_parsed() {
        assert_eq!(
            key_value("reblogs=exclude"),
            Ok(("reblogs".into(), "exclude".into()))
        );
        assert_eq!(key_value("kinds=a=b"), Ok(("kinds".into(), "a=b".into())));
        assert!(key_value("novalue").is_err());
        assert!(key_value("=x").is_err());
    }

    #[test]
    fn dates_checked() {
        assert_eq!(date(" 2015-09-08"), Ok("2015-09-08".to_string()));
        for bad in [
            "2015-9-8",
            "15-09-08",
            "2015-13-01",
            "2015-01-32",
            "yesterday",
            "",
        ] {
            assert!(date(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn types_checked() {
        assert_eq!(types("Photo, video"), Ok("photo,video".to_string()));
        let error = types("photo,gif").unwrap_err();
        assert!(error.contains("\"gif\""), "{error}");
        assert!(types(" , ").is_err());
    }

    #[test]
    fn ranges_checked() {
        assert_eq!(concurrency("8"), Ok(8));
        assert!(concurrency("0").is_err());
        assert!(concurrency("65").is_err());
        assert_eq!(plugin_memory("16"), Ok(16));
        assert!(plugin_memory("4097").is_err());
        assert!(max_posts("0").is_err());
    }
}
