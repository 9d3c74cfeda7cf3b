//! Reading the headers of an HTTP response as the host hands them to
//! `parse`: a list of name and value pairs with lowercase names.

/// Seconds to wait after an HTTP 429 that has no numeric `retry-after`
/// header.
pub const DEFAULT_RETRY_SECONDS: u32 = 60;

/// Returns the value of the first header called `name`, compared
/// case-insensitively, or `None` when the response has no such header.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Returns the seconds of a numeric `retry-after` header, capped at
/// `u32::MAX`, or `None` when the header is missing or is an HTTP date.
pub fn retry_after_seconds(headers: &[(String, String)]) -> Option<u32> {
    let seconds = header(headers, "retry-after")?.trim().parse::<u64>().ok()?;
    Some(u32::try_from(seconds).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn header_case_insensitive() {
        let list = headers(&[("Content-Type", "text/html"), ("content-type", "x")]);
        assert_eq!(header(&list, "content-type"), Some("text/html"));
        assert_eq!(header(&list, "etag"), None);
    }

    #[test]
    fn retry_after_forms() {
        let cases = [
            (vec![("retry-after", "120")], Some(120)),
            (vec![("Retry-After", " 7 ")], Some(7)),
            (vec![("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")], None),
            (vec![("retry-after", "99999999999")], Some(u32::MAX)),
            (vec![("retry-after", "-5")], None),
            (vec![], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(
                retry_after_seconds(&headers(&pairs)),
                expected,
                "headers {pairs:?}"
            );
        }
    }
}
