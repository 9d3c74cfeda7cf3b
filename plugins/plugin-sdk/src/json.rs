//! Lenient accessors for the JSON of Tumblr responses. The API returns the
//! same field as a number in one post and a string in another (post ids,
//! widths), so every numeric accessor takes both.

use serde_json::Value;

use crate::media::Dimensions;

/// Returns the string at `key`, or `None` when it is missing, not a string
/// or empty.
pub fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// Returns the array at `key`, or an empty slice when it is missing or not
/// an array.
pub fn array_at<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Returns the unsigned integer at `key`, given as a JSON number or as a
/// string of digits.
pub fn u64_at(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Returns the signed integer at `key`, given as a JSON number or as a
/// string of digits.
pub fn i64_at(value: &Value, key: &str) -> Option<i64> {
    match value.get(key)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Returns the `u32` at `key`, or `None` when it is missing or too large.
pub fn u32_at(value: &Value, key: &str) -> Option<u32> {
    u64_at(value, key).and_then(|number| u32::try_from(number).ok())
}

/// Returns the decimal text of the id at `key`, given as a number or as a
/// string of digits.
pub fn id_at(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::Number(number) => number.as_u64().map(|id| id.to_string()),
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Some(text.clone())
        }
        _ => None,
    }
}

/// Returns the pixel size stored under `width_key` and `height_key`, when
/// both are positive.
pub fn dimensions_at(value: &Value, width_key: &str, height_key: &str) -> Option<Dimensions> {
    let width = u32_at(value, width_key)?;
    let height = u32_at(value, height_key)?;
    (width > 0 && height > 0).then_some(Dimensions { width, height })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_at_number_and_string() {
        let value = json!({"a": 665519684389441719u64, "b": "42", "c": "4x", "d": -1});
        assert_eq!(id_at(&value, "a").as_deref(), Some("665519684389441719"));
        assert_eq!(id_at(&value, "b").as_deref(), Some("42"));
        assert_eq!(id_at(&value, "c"), None);
        assert_eq!(id_at(&value, "d"), None);
    }

    #[test]
    fn dimensions_at_needs_both() {
        let value = json!({"width": "640", "height": 480, "w": 0, "h": 5});
        assert_eq!(
            dimensions_at(&value, "width", "height"),
            Some(Dimensions {
                width: 640,
                height: 480
            })
        );
        assert_eq!(dimensions_at(&value, "w", "h"), None);
        assert_eq!(dimensions_at(&value, "width", "missing"), None);
    }
}
