//! Internet Archive fallback for media that Tumblr deleted: finds captures
//! of a media URL in the Wayback Machine's CDX index and names the raw
//! (`id_`) form of the best one.
//!
//! Lookups, in order, until one finds a capture: every size of the same
//! image on the same host (a CDX prefix query on the part of the path that
//! all sizes share, which also matches the exact URL); the exact URL, for
//! an index that answers the prefix query with nothing; the same path on
//! the bare `media.tumblr.com` host and on the `64.` shard, because
//! captures were made under whichever shard number the page used at the
//! time. Each lookup is one request to an index that allows few per
//! minute, so the first that finds a capture ends the search.

use reqwest::{Method, StatusCode};
use url::Url;

use crate::net::Http;

/// The Internet Archive's Wayback Machine.
pub const ROOT: &str = "https://web.archive.org";
/// Maximum number of captures read from one CDX response.
const CDX_LIMIT: u32 = 200;

/// One capture listed by the CDX index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    /// `YYYYMMDDhhmmss`.
    pub timestamp: String,
    pub original: String,
    pub length: Option<u64>,
}

impl Capture {
    /// The raw form that returns the archived bytes unchanged.
    pub fn raw_url(&self) -> String {
        format!("{ROOT}/web/{}id_/{}", self.timestamp, self.original)
    }

    /// Returns the address a person opens to see the capture.
    pub fn snapshot_url(&self) -> String {
        format!("{ROOT}/web/{}/{}", self.timestamp, self.original)
    }
}

/// Result of looking up a media URL in the archive.
#[derive(Debug)]
pub enum Lookup {
    Found(Capture),
    /// No capture with status 200 exists.
    NotArchived,
    /// The archive excludes the site (the CDX index returned 403).
    Excluded,
    /// A lookup failed for another reason, such as a 5xx.
    Failed(String),
}

/// Finds the best capture of `media_url`. The sibling sizes come first,
/// so a larger capture wins over a capture of the reported size; later
/// lookups are asked only while the earlier ones found nothing.
pub async fn find(http: &Http, media_url: &str) -> Lookup {
    let mut failure = None;
    let mut found = Vec::new();
    for (target, prefix) in lookups(media_url) {
        if !found.is_empty() {
            break;
        }
        let query = cdx_query(&target, prefix);
        match query_captures(http, &query).await {
            Ok(captures) => found.extend(captures),
            Err(Lookup::Excluded) => return Lookup::Excluded,
            Err(other) => failure = Some(other),
        }
    }
    match best_capture(found) {
        Some(best) => Lookup::Found(best),
        None => failure.unwrap_or(Lookup::NotArchived),
    }
}

async fn query_captures(http: &Http, query: &Url) -> Result<Vec<Capture>, Lookup> {
    let fetched = http
        .get(Method::GET, query, &[])
        .await
        .map_err(|error| Lookup::Failed(error.to_string()))?;
    let status = fetched.response.status();
    if status == StatusCode::FORBIDDEN {
        return Err(Lookup::Excluded);
    }
    if !status.is_success() {
        return Err(Lookup::Failed(format!(
            "the CDX index answered HTTP {} for {query}",
            status.as_u16()
        )));
    }
    let body = fetched.response.text().await.map_err(|error| {
        Lookup::Failed(format!(
            "reading the CDX answer for {query} failed: {}",
            error.without_url()
        ))
    })?;
    parse_cdx_json(&body).map_err(|cause| {
        Lookup::Failed(format!(
            "the CDX answer for {query} is not the expected JSON: {cause}"
        ))
    })
}

/// Returns the (URL, prefix?) lookups for a media URL, most specific first.
fn lookups(media_url: &str) -> Vec<(String, bool)> {
    let without_scheme = media_url
        .split_once("://")
        .map_or(media_url, |(_, rest)| rest);
    let without_query = without_scheme
        .split(['?', '#'])
        .next()
        .unwrap_or(without_scheme)
        .to_string();
    let exact = (without_query.clone(), false);
    let Some((host, path)) = without_query.split_once('/') else {
        return vec![exact];
    };
    let mut list = Vec::new();
    if let Some(prefix) = sibling_prefix(path) {
        list.push((format!("{host}/{prefix}"), true));
    }
    list.push(exact);
    if host.ends_with("media.tumblr.com") {
        for shard in ["media.tumblr.com", "64.media.tumblr.com"] {
            if shard != host {
                list.push((format!("{shard}/{path}"), false));
            }
        }
    }
    list
}

/// Returns the path prefix that every size of one Tumblr image shares:
/// `{hash}/tumblr_{token}_` for legacy names, `{hash}/{id}-{nn}/` for
/// current ones.
fn sibling_prefix(path: &str) -> Option<String> {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    if let Some(stem) = name.strip_prefix("tumblr_") {
        let stem = stem.rsplit_once('.').map_or(stem, |(stem, _)| stem);
        let (token, _) = stem.rsplit_once('_')?;
        let folder = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        return Some(format!("{folder}tumblr_{token}_"));
    }
    let parts: Vec<&str> = folder.split('/').collect();
    let bucket = parts.last()?;
    if parts.len() >= 3 && bucket.starts_with('s') && bucket.contains('x') {
        return Some(format!("{}/", parts[..parts.len() - 1].join("/")));
    }
    None
}

fn cdx_query(target: &str, prefix: bool) -> Url {
    let mut query =
        Url::parse(&format!("{ROOT}/cdx/search/cdx")).expect("the CDX endpoint is a valid URL");
    {
        let mut pairs = query.query_pairs_mut();
        pairs.append_pair("url", target);
        pairs.append_pair("output", "json");
        pairs.append_pair("filter", "statuscode:200");
        pairs.append_pair("fl", "timestamp,original,mimetype,statuscode,length");
        pairs.append_pair("limit", &CDX_LIMIT.to_string());
        if prefix {
            pairs.append_pair("matchType", "prefix");
        }
    }
    query
}

/// Parses a CDX response in `output=json` form: a header row of field names,
/// then one row per capture, all values strings. An empty row ends the
/// captures (a resume key may follow). Captures that are not status 200
/// or that are HTML pages are left out.
pub fn parse_cdx_json(body: &str) -> Result<Vec<Capture>, String> {
    if body.trim().is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Vec<String>> = serde_json::from_str(body).map_err(|error| error.to_string())?;
    let Some(header) = rows.first() else {
        return Ok(Vec::new());
    };
    let column = |name: &str| header.iter().position(|field| field == name);
    let (Some(timestamp), Some(original)) = (column("timestamp"), column("original")) else {
        return Err(format!(
            "the header row {header:?} lacks timestamp or original"
        ));
    };
    let (status, mimetype, length) = (column("statuscode"), column("mimetype"), column("length"));
    let mut captures = Vec::new();
    for row in rows.iter().skip(1) {
        if row.is_empty() {
            break;
        }
        let field =
            |index: Option<usize>| index.and_then(|index| row.get(index)).map(String::as_str);
        if field(status).is_some_and(|code| code != "200")
            || field(mimetype).is_some_and(|mime| mime.starts_with("text/"))
        {
            continue;
        }
        let (Some(timestamp), Some(original)) = (field(Some(timestamp)), field(Some(original)))
        else {
            continue;
        };
        let length = field(length).and_then(|length| length.parse().ok());
        captures.push(Capture {
            timestamp: timestamp.to_string(),
            original: original.to_string(),
            length,
        });
    }
    Ok(captures)
}

/// Picks the largest capture (by the size bucket in its URL, then by
/// length), and among equals the most recent.
pub fn best_capture(captures: Vec<Capture>) -> Option<Capture> {
    captures
        .into_iter()
        .max_by(|left, right| rank(left).cmp(&rank(right)))
}

fn rank(capture: &Capture) -> (u32, u64, String) {
    (
        size_in_url(&capture.original),
        capture.length.unwrap_or(0),
        capture.timestamp.clone(),
    )
}

/// Returns the width bucket that a Tumblr media URL names: `_1280` or `/s1280x1920/`.
fn size_in_url(url: &str) -> u32 {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    if let Some((_, size)) = stem.rsplit_once('_')
        && let Ok(width) = size.trim_end_matches("sq").parse::<u32>()
    {
        return width;
    }
    path.split('/')
        .filter_map(|part| {
            part.strip_prefix('s')?
                .split_once('x')?
                .0
                .parse::<u32>()
                .ok()
        })
        .next_back()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(timestamp: &str, original: &str, length: Option<u64>) -> Capture {
        Capture {
            timestamp: timestamp.into(),
            original: original.into(),
            length,
        }
    }

    #[test]
    fn cdx_rows_parsed() {
        let body = r#"[["timestamp","original","mimetype","statuscode","length"],
            ["20150101000000","https://64.media.tumblr.com/a/tumblr_xo1_500.jpg","image/jpeg","200","1000"],
            ["20160101000000","https://64.media.tumblr.com/a/tumblr_xo1_500.jpg","text/html","200","512"],
            ["20170101000000","https://64.media.tumblr.com/a/tumblr_xo1_500.jpg","image/jpeg","404","512"],
            [],
            ["resume-key"]]"#;
        let captures = parse_cdx_json(body).expect("valid answer");
        assert_eq!(
            captures,
            vec![capture(
                "20150101000000",
                "https://64.media.tumblr.com/a/tumblr_xo1_500.jpg",
                Some(1000)
            )]
        );
    }

    #[test]
    fn empty_answer_no_captures() {
        assert_eq!(parse_cdx_json("[]").expect("valid"), Vec::new());
        assert_eq!(parse_cdx_json("").expect("valid"), Vec::new());
        assert!(parse_cdx_json("<html>").is_err());
    }

    #[test]
    fn largest_then_newest_wins() {
        let small = capture(
            "20200101000000",
            "https://64.media.tumblr.com/a/tumblr_xo1_500.jpg",
            Some(5000),
        );
        let large_old = capture(
            "20150101000000",
            "https://64.media.tumblr.com/a/tumblr_xo1_1280.jpg",
            Some(9000),
        );
        let large_new = capture(
            "20180101000000",
            "https://64.media.tumblr.com/a/tumblr_xo1_1280.jpg",
            Some(9000),
        );
        assert_eq!(
            best_capture(vec![small, large_old, large_new.clone()]),
            Some(large_new)
        );
    }

    #[test]
    fn lookups_cover_siblings_and_shards() {
        let list = lookups("https://66.media.tumblr.com/abc/tumblr_xyzo1_500.jpg?x=1");
        assert_eq!(
            list,
            vec![
                ("66.media.tumblr.com/abc/tumblr_xyzo1_".to_string(), true),
                (
                    "66.media.tumblr.com/abc/tumblr_xyzo1_500.jpg".to_string(),
                    false
                ),
                (
                    "media.tumblr.com/abc/tumblr_xyzo1_500.jpg".to_string(),
                    false
                ),
                (
                    "64.media.tumblr.com/abc/tumblr_xyzo1_500.jpg".to_string(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn current_style_prefix() {
        assert_eq!(
            sibling_prefix("bd60/12d9-80/s2048x3072/9db0.jpg"),
            Some("bd60/12d9-80/".to_string())
        );
        assert_eq!(sibling_prefix("tumblr_abc.mp4"), None);
    }

    #[test]
    fn raw_and_snapshot_forms() {
        let found = capture(
            "20171124151315",
            "https://64.media.tumblr.com/a/b.jpg",
            None,
        );
        assert_eq!(
            found.raw_url(),
            "https://web.archive.org/web/20171124151315id_/https://64.media.tumblr.com/a/b.jpg"
        );
        assert_eq!(
            found.snapshot_url(),
            "https://web.archive.org/web/20171124151315/https://64.media.tumblr.com/a/b.jpg"
        );
    }

    #[test]
    fn documented_cdx_fixture_parsed() {
        let Some(dir) = fake_tumblr::fixtures_dir() else {
            eprintln!(
                "fixtures not found at {}; skipping",
                fake_tumblr::fixtures_path().display()
            );
            return;
        };
        let path = dir.join("wayback/cdx-json-resumekey-documented.json");
        let body = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        let captures = parse_cdx_json(&body).expect("the documented response parses");
        assert!(
            captures.is_empty(),
            "HTML captures are not media: {captures:?}"
        );
        let as_images = body.replace("text/html", "image/jpeg");
        let captures = parse_cdx_json(&as_images).expect("the edited answer parses");
        assert_eq!(
            captures.len(),
            5,
            "rows before the resume key: {captures:?}"
        );
        assert_eq!(
            captures[0],
            capture("19970126045828", "http://www.archive.org:80/", Some(1415))
        );
    }
}
