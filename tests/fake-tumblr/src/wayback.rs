//! A fake Wayback Machine: the CDX search endpoint and the replay of
//! captures, built from the captures in `Config::wayback`.
//!
//! - `/cdx/search/cdx` (any path under `/cdx/`) lists the captures of the
//!   `url` parameter, exact or with `matchType=prefix` (or a trailing `*`),
//!   sorted by URL key and timestamp. It honours `output=json`, `fl`,
//!   `filter` and `limit`. `CdxMode` makes it return 403 for an excluded
//!   site or 503 instead.
//! - `/web/{timestamp}{modifier}/{url}` serves the capture of `url` taken
//!   at exactly that timestamp: the recorded bytes and status for a
//!   modifier such as `id_`, or an HTML replay page without one. Another
//!   timestamp gets 302 to the closest capture, and a URL without captures
//!   gets 404.
//!
//! URLs are compared without their scheme and default port, with the host
//! lowercased. The real index also lowercases paths and drops `www.`,
//! which the fake does not.

use std::fs;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::{RequestHead, Response, parse_query};
use crate::media::MediaBody;

/// Fields of a CDX row, in the order the real index lists them when `fl`
/// is absent.
pub const CDX_FIELDS: [&str; 7] = [
    "urlkey",
    "timestamp",
    "original",
    "mimetype",
    "statuscode",
    "digest",
    "length",
];

/// File of the fixtures folder whose text is the body of the CDX 403.
pub const EXCLUDED_BODY_FILE: &str = "wayback/cdx-403-blocked-site.txt";

/// Body of the CDX 403 when the fixtures lack `EXCLUDED_BODY_FILE`.
const EXCLUDED_BODY: &str = "org.archive.util.io.RuntimeIOException: \
org.archive.wayback.exception.AdministrativeAccessControlException: Blocked Site Error";

/// One capture of the fake archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    /// Capture time as 14 digits, `YYYYMMDDhhmmss`.
    pub timestamp: String,
    /// URL as captured, with its scheme.
    pub original: String,
    /// HTTP status the capture recorded; `/web/` replays it.
    pub status: u16,
    /// Bytes and `Content-Type` that the capture recorded.
    pub body: MediaBody,
}

impl Capture {
    /// Creates a capture with status 200.
    pub fn new(timestamp: &str, original: &str, body: MediaBody) -> Self {
        Self {
            timestamp: timestamp.to_string(),
            original: original.to_string(),
            status: 200,
            body,
        }
    }

    /// Sets the recorded status, such as 404 for a capture of an error.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Returns the path that serves the recorded bytes:
    /// `/web/{timestamp}id_/{original}`.
    pub fn raw_path(&self) -> String {
        format!("/web/{}id_/{}", self.timestamp, self.original)
    }

    fn field(&self, name: &str) -> Option<String> {
        let value = match name {
            "urlkey" => url_key(&self.original),
            "timestamp" => self.timestamp.clone(),
            "original" => self.original.clone(),
            "mimetype" => self.body.content_type.to_string(),
            "statuscode" => self.status.to_string(),
            "digest" => digest(&self.body.bytes),
            // The real index gives the length of the compressed WARC
            // record; the fake gives the length of the body.
            "length" => self.body.bytes.len().to_string(),
            _ => return None,
        };
        Some(value)
    }
}

/// How the CDX endpoint responds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CdxMode {
    /// Lists the matching captures.
    #[default]
    Index,
    /// Returns 403 with the archive's "Blocked Site Error" body, as for a
    /// site excluded from the Wayback Machine.
    Excluded,
    /// Returns 503 Service Unavailable.
    Unavailable,
}

/// Captures and CDX behaviour of the fake Wayback Machine. The default has
/// no captures, so every lookup finds nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wayback {
    pub captures: Vec<Capture>,
    pub cdx: CdxMode,
}

/// Builds the response to a request under `/cdx/` or `/web/`, reading the
/// body of the CDX 403 from `fixtures_dir` when it has one.
pub fn respond(wayback: &Wayback, fixtures_dir: &Path, head: &RequestHead) -> Response {
    if head.path.starts_with("/cdx/") {
        return cdx(wayback, fixtures_dir, head);
    }
    match head.path.strip_prefix("/web/") {
        Some(rest) => replay(wayback, rest, &head.query),
        None => Response::text(404, "fake-tumblr: unknown Wayback Machine path"),
    }
}

/// A parsed CDX query.
struct CdxQuery {
    /// Canonical form of the `url` parameter.
    target: String,
    prefix: bool,
    json: bool,
    fields: Vec<String>,
    /// `(negated, field, value)` of each `filter` parameter.
    filters: Vec<(bool, String, String)>,
    limit: Option<usize>,
}

fn cdx(wayback: &Wayback, fixtures_dir: &Path, head: &RequestHead) -> Response {
    match wayback.cdx {
        CdxMode::Index => {}
        CdxMode::Excluded => {
            let body = fs::read_to_string(fixtures_dir.join(EXCLUDED_BODY_FILE))
                .unwrap_or_else(|_| EXCLUDED_BODY.to_string());
            return Response::text(403, &body).with_header(
                "X-Archive-Wayback-Runtime-Error",
                "AdministrativeAccessControlException: Blocked Site Error",
            );
        }
        CdxMode::Unavailable => {
            return Response::text(503, "fake-tumblr: the CDX server is unavailable");
        }
    }
    let query = match parse_cdx_query(&head.query) {
        Ok(query) => query,
        Err(message) => return Response::text(400, &format!("fake-tumblr: {message}")),
    };

    let mut matches: Vec<&Capture> = wayback
        .captures
        .iter()
        .filter(|capture| {
            let url = canonical_url(&capture.original);
            if query.prefix {
                url.starts_with(&query.target)
            } else {
                url == query.target
            }
        })
        .filter(|capture| {
            query.filters.iter().all(|(negated, field, value)| {
                let equal = capture.field(field).as_deref() == Some(value.as_str());
                equal != *negated
            })
        })
        .collect();
    matches.sort_by_key(|capture| (url_key(&capture.original), capture.timestamp.clone()));
    if let Some(limit) = query.limit {
        matches.truncate(limit);
    }

    let rows: Vec<Vec<String>> = matches
        .iter()
        .map(|capture| {
            query
                .fields
                .iter()
                .map(|field| capture.field(field).unwrap_or_default())
                .collect()
        })
        .collect();
    if query.json {
        // The real index returns `[]`, without a header row, when nothing
        // matches.
        if rows.is_empty() {
            return Response::json(200, &Value::Array(Vec::new()));
        }
        let header = Value::from(query.fields.clone());
        let mut table = vec![header];
        table.extend(rows.into_iter().map(Value::from));
        return Response::json(200, &Value::Array(table));
    }
    let lines: String = rows.iter().map(|row| row.join(" ") + "\n").collect();
    Response::text(200, &lines)
}

fn parse_cdx_query(query: &str) -> Result<CdxQuery, String> {
    let mut parsed = CdxQuery {
        target: String::new(),
        prefix: false,
        json: false,
        fields: CDX_FIELDS.iter().map(|field| field.to_string()).collect(),
        filters: Vec::new(),
        limit: None,
    };
    let mut url = None;
    for (key, value) in parse_query(query) {
        match key.as_str() {
            "url" => url = Some(value),
            "output" => parsed.json = value == "json",
            "matchType" => match value.as_str() {
                "exact" => parsed.prefix = false,
                "prefix" => parsed.prefix = true,
                other => return Err(format!("matchType {other:?} is not supported")),
            },
            "fl" => {
                let fields: Vec<String> = value.split(',').map(str::to_string).collect();
                if let Some(unknown) = fields
                    .iter()
                    .find(|field| !CDX_FIELDS.contains(&field.as_str()))
                {
                    return Err(format!("unknown field {unknown:?} in fl"));
                }
                parsed.fields = fields;
            }
            // NOTE: the real index reads the value after the colon as a
            // regular expression; the fake compares it as plain text.
            "filter" => {
                let (negated, rule) = match value.strip_prefix('!') {
                    Some(rule) => (true, rule),
                    None => (false, value.as_str()),
                };
                let Some((field, expected)) = rule.split_once(':') else {
                    return Err(format!("invalid filter {value:?}: expected FIELD:VALUE"));
                };
                parsed
                    .filters
                    .push((negated, field.to_string(), expected.to_string()));
            }
            "limit" => {
                let limit = value
                    .parse()
                    .map_err(|_| format!("invalid limit {value:?}: expected a count"))?;
                parsed.limit = Some(limit);
            }
            _ => {}
        }
    }
    let Some(url) = url.filter(|url| !url.is_empty()) else {
        return Err("the url parameter is missing".to_string());
    };
    match url.strip_suffix('*') {
        Some(stem) => {
            parsed.prefix = true;
            parsed.target = canonical_url(stem);
        }
        None => parsed.target = canonical_url(&url),
    }
    Ok(parsed)
}

/// Serves `/web/{rest}`, where `rest` is `{timestamp}{modifier}/{url}` or,
/// without a timestamp, the URL alone (which redirects to the newest
/// capture).
fn replay(wayback: &Wayback, rest: &str, query: &str) -> Response {
    let (timestamp, modifier, url) = match rest.split_once('/') {
        Some((selector, url)) => match split_selector(selector) {
            Some((timestamp, modifier)) => (timestamp, modifier, url),
            None => ("", "", rest),
        },
        None => ("", "", rest),
    };
    let url = if query.is_empty() {
        url.to_string()
    } else {
        format!("{url}?{query}")
    };

    let target = canonical_url(&url);
    let mut captures: Vec<&Capture> = wayback
        .captures
        .iter()
        .filter(|capture| canonical_url(&capture.original) == target)
        .collect();
    captures.sort_by(|left, right| left.timestamp.cmp(&right.timestamp));
    let Some(newest) = captures.last() else {
        return Response::new(
            404,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html><body><p>The Wayback Machine has not archived {}.</p></body></html>",
                escape_html(&url)
            )
            .into_bytes(),
        );
    };

    if let Some(capture) = captures
        .iter()
        .find(|capture| capture.timestamp == timestamp)
    {
        if modifier.is_empty() {
            return Response::new(
                200,
                "text/html; charset=utf-8",
                replay_page(capture).into_bytes(),
            );
        }
        return Response::new(
            capture.status,
            capture.body.content_type,
            capture.body.bytes.clone(),
        )
        .with_header("Link", &format!("<{}>; rel=\"original\"", capture.original))
        .with_header("X-Archive-Src", "fake-tumblr");
    }

    let closest = if timestamp.is_empty() {
        newest
    } else {
        let requested = padded_timestamp(timestamp);
        captures
            .iter()
            .min_by_key(|capture| padded_timestamp(&capture.timestamp).abs_diff(requested))
            .unwrap_or(newest)
    };
    // The real archive sends an absolute `https://web.archive.org/…`
    // location; a path keeps every redirect on this server.
    Response::text(302, "")
        .with_header(
            "Location",
            &format!("/web/{}{modifier}/{}", closest.timestamp, closest.original),
        )
        .with_header(
            "X-Archive-Redirect-Reason",
            &format!("found capture at {}", closest.timestamp),
        )
}

/// Splits a replay selector such as `20150102030405id_` into timestamp
/// and modifier. Returns `None` unless it is 1 to 14 digits followed by
/// nothing or by letters ending in `_`.
fn split_selector(selector: &str) -> Option<(&str, &str)> {
    let digits = selector.bytes().take_while(u8::is_ascii_digit).count();
    let (timestamp, modifier) = selector.split_at(digits);
    let valid_modifier = modifier.is_empty()
        || (modifier.ends_with('_')
            && modifier[..modifier.len() - 1]
                .bytes()
                .all(|byte| byte.is_ascii_lowercase()));
    ((1..=14).contains(&digits) && valid_modifier).then_some((timestamp, modifier))
}

/// Returns the timestamp as a number of 14 digits, padding a shorter one
/// with zeros. The difference of two such numbers orders captures by
/// closeness only roughly, because the digits are not one unit of time.
fn padded_timestamp(timestamp: &str) -> u64 {
    let digits: String = timestamp
        .chars()
        .chain(std::iter::repeat('0'))
        .take(14)
        .collect();
    digits.parse().unwrap_or(0)
}

/// Returns the HTML page that shows a capture inside the archive's frame.
fn replay_page(capture: &Capture) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>\
<div id=\"wm-toolbar\">Capture of {original} at {timestamp}</div>\
<img src=\"/web/{timestamp}im_/{original}\"></body></html>",
        original = escape_html(&capture.original),
        timestamp = capture.timestamp
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Returns `url` without its scheme (and the slashes after it) and
/// without a default port, with the host lowercased.
pub fn canonical_url(url: &str) -> String {
    let rest = match url.split_once(':') {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|character| character.is_ascii_alphabetic())
                && rest.starts_with('/') =>
        {
            rest.trim_start_matches('/')
        }
        _ => url,
    };
    let (host, path) = match rest.find(['/', '?']) {
        Some(end) => rest.split_at(end),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let host = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(&host);
    format!("{host}{path}")
}

/// Returns the sort key of `url` in the real index's SURT form: the host's
/// labels reversed and joined by commas, `)`, then the path, e.g.
/// `com,tumblr,media,64)/abc/tumblr_x_500.jpg`.
pub fn url_key(url: &str) -> String {
    let canonical = canonical_url(url);
    let (host, path) = match canonical.find(['/', '?']) {
        Some(end) => canonical.split_at(end),
        None => (canonical.as_str(), "/"),
    };
    let labels: Vec<&str> = host.split('.').rev().collect();
    format!("{}){}", labels.join(","), path.to_ascii_lowercase())
}

/// Returns a 32-character base32 digest of `bytes`. The real index uses
/// the SHA-1 of the payload; the fake takes the first 20 bytes of SHA-256.
fn digest(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let hash = Sha256::digest(bytes);
    let mut encoded = String::with_capacity(32);
    // 20 bytes are 160 bits, exactly 32 groups of 5 bits.
    for group in 0..32 {
        let bit = group * 5;
        let pair = u16::from_be_bytes([hash[bit / 8], hash[bit / 8 + 1]]);
        let index = (pair >> (11 - bit % 8)) & 0x1F;
        encoded.push(char::from(ALPHABET[usize::from(index)]));
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_url_forms() {
        let cases = [
            (
                "https://64.media.tumblr.com/a/b.jpg",
                "64.media.tumblr.com/a/b.jpg",
            ),
            ("http://Example.COM:80/Path", "example.com/Path"),
            ("https:/example.com:443/x?y=1", "example.com/x?y=1"),
            ("example.com/x", "example.com/x"),
            ("vt.tumblr.com/tumblr_x_", "vt.tumblr.com/tumblr_x_"),
        ];
        for (url, expected) in cases {
            assert_eq!(canonical_url(url), expected, "canonical form of {url}");
        }
    }

    #[test]
    fn url_key_surt() {
        assert_eq!(
            url_key("https://64.media.tumblr.com/ABC/tumblr_x_500.jpg"),
            "com,tumblr,media,64)/abc/tumblr_x_500.jpg",
            "host reversed, path lowercased"
        );
        assert_eq!(url_key("http://example.com"), "com,example)/", "empty path");
    }

    #[test]
    fn digest_base32() {
        let value = digest(b"abc");
        assert_eq!(value.len(), 32, "length");
        assert!(
            value
                .bytes()
                .all(|byte| byte.is_ascii_uppercase() || (b'2'..=b'7').contains(&byte)),
            "base32 alphabet: {value}"
        );
        assert_ne!(value, digest(b"abd"), "different bytes, different digest");
    }

    #[test]
    fn split_selector_forms() {
        assert_eq!(
            split_selector("20150102030405id_"),
            Some(("20150102030405", "id_")),
            "timestamp and modifier"
        );
        assert_eq!(
            split_selector("2015"),
            Some(("2015", "")),
            "partial timestamp"
        );
        assert_eq!(split_selector("64.media.tumblr.com"), None, "a host");
        assert_eq!(split_selector("https:"), None, "a scheme");
        assert_eq!(split_selector("201501020304051id_"), None, "15 digits");
    }

    #[test]
    fn padded_timestamp_values() {
        assert_eq!(padded_timestamp("2015"), 20_150_000_000_000, "year only");
        assert_eq!(
            padded_timestamp("20150102030405"),
            20_150_102_030_405,
            "full timestamp"
        );
    }

    #[test]
    fn parse_cdx_query_errors() {
        assert!(parse_cdx_query("output=json").is_err(), "missing url");
        assert!(
            parse_cdx_query("url=a.com&matchType=domain").is_err(),
            "unsupported matchType"
        );
        assert!(
            parse_cdx_query("url=a.com&fl=nope").is_err(),
            "unknown field"
        );
        assert!(
            parse_cdx_query("url=a.com&filter=oops").is_err(),
            "filter without colon"
        );
        assert!(
            parse_cdx_query("url=a.com&limit=x").is_err(),
            "limit not a count"
        );
        let wildcard = parse_cdx_query("url=a.com/b*").expect("a trailing star parses");
        assert!(wildcard.prefix, "a trailing star asks for a prefix match");
        assert_eq!(
            wildcard.target, "a.com/b",
            "the star is not part of the prefix"
        );
    }
}
