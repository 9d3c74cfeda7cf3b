//! Field access on the JSON of a post record, tolerant of missing fields
//! and wrong types, which render as nothing.

use serde_json::Value;

/// Returns the string at `key`, or `None` when it is missing or not a string.
pub fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// Returns the string at `key` unless it is missing, not a string or blank.
pub fn text_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    str_at(value, key).filter(|text| !text.trim().is_empty())
}

/// Returns the array at `key`, or an empty slice.
pub fn array_at<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}
