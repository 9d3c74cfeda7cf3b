//! Rewrites request origins, so the real plugins can run unchanged against
//! a local server or a mirror: `--redirect-origin https://api.tumblr.com=http://127.0.0.1:8080`.
//!
//! A rule's host may start with `*.` to match every host that ends with the
//! rest, at any depth. The first matching rule wins; the path and query of
//! the request are kept.

use url::Url;

#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    Exact(String),
    Suffix(String),
}

/// One `FROM=TO` rule.
#[derive(Clone, Debug)]
pub struct OriginRule {
    scheme: String,
    host: HostPattern,
    port: Option<u16>,
    target: Url,
}

impl std::str::FromStr for OriginRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = "expected FROM=TO with origins like https://api.tumblr.com=http://127.0.0.1:8080 (FROM may use *.example.com)";
        let (from, to) = text
            .split_once('=')
            .ok_or_else(|| format!("invalid origin rule {text:?}: {usage}"))?;
        let (scheme, authority) = split_origin(from)
            .ok_or_else(|| format!("invalid origin {from:?} in {text:?}: {usage}"))?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| format!("invalid port {port:?} in {from:?}: {usage}"))?;
                (host, Some(port))
            }
            None => (authority, None),
        };
        let host = host.to_ascii_lowercase();
        let host = match host.strip_prefix("*.") {
            Some(suffix) if !suffix.is_empty() => HostPattern::Suffix(suffix.to_string()),
            _ if host.is_empty() || host.contains('*') => {
                return Err(format!("invalid host in {from:?}: {usage}"));
            }
            _ => HostPattern::Exact(host),
        };
        let target = Url::parse(to)
            .map_err(|error| format!("invalid target {to:?} in {text:?}: {error}; {usage}"))?;
        let target_is_origin = matches!(target.scheme(), "http" | "https")
            && target.host().is_some()
            && target.path() == "/"
            && target.query().is_none();
        if !target_is_origin {
            return Err(format!(
                "invalid target {to:?} in {text:?}: it must be an http or https origin without a path; {usage}"
            ));
        }
        Ok(Self {
            scheme: scheme.to_ascii_lowercase(),
            host,
            port,
            target,
        })
    }
}

fn split_origin(origin: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = origin.split_once("://")?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let valid = matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@']);
    valid.then_some((scheme, authority))
}

impl OriginRule {
    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host_matches = match &self.host {
            HostPattern::Exact(exact) => host == exact,
            HostPattern::Suffix(suffix) => host
                .strip_suffix(suffix.as_str())
                .is_some_and(|rest| rest.ends_with('.')),
        };
        let port_matches = self
            .port
            .is_none_or(|port| url.port_or_known_default() == Some(port));
        url.scheme() == self.scheme && host_matches && port_matches
    }
}

/// The set of origin rules given on the command line.
#[derive(Clone, Debug, Default)]
pub struct OriginMap {
    rules: Vec<OriginRule>,
}

impl OriginMap {
    pub fn new(rules: Vec<OriginRule>) -> Self {
        Self { rules }
    }

    /// Returns the URL to connect to for `url`.
    pub fn map(&self, url: &Url) -> Url {
        let Some(rule) = self.rules.iter().find(|rule| rule.matches(url)) else {
            return url.clone();
        };
        let mut mapped = rule.target.clone();
        mapped.set_path(url.path());
        mapped.set_query(url.query());
        mapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(rules: &[&str], url: &str) -> String {
        let rules = rules
            .iter()
            .map(|rule| rule.parse().expect("test rule parses"))
            .collect();
        OriginMap::new(rules)
            .map(&Url::parse(url).expect("test URL parses"))
            .to_string()
    }

    #[test]
    fn exact_host_rewritten() {
        let mapped = map(
            &["https://api.tumblr.com=http://127.0.0.1:8080"],
            "https://api.tumblr.com/v2/blog/x/info?a=1",
        );
        assert_eq!(mapped, "http://127.0.0.1:8080/v2/blog/x/info?a=1");
    }

    #[test]
    fn wildcard_matches_any_depth() {
        let rules = ["https://*.tumblr.com=http://127.0.0.1:9"];
        assert_eq!(
            map(&rules, "https://64.media.tumblr.com/a/b.jpg"),
            "http://127.0.0.1:9/a/b.jpg"
        );
        assert_eq!(map(&rules, "https://tumblr.com/a"), "https://tumblr.com/a");
        assert_eq!(
            map(&rules, "https://nottumblr.com/a"),
            "https://nottumblr.com/a"
        );
    }

    #[test]
    fn scheme_must_match() {
        assert_eq!(
            map(
                &["https://a.tumblr.com=http://127.0.0.1:9"],
                "http://a.tumblr.com/x"
            ),
            "http://a.tumblr.com/x"
        );
    }

    #[test]
    fn malformed_rules_rejected() {
        for rule in [
            "https://a.com",
            "a.com=http://127.0.0.1:1",
            "https://a.com=ftp://x",
            "https://a.com=http://127.0.0.1:1/path",
            "https://*=http://127.0.0.1:1",
            "https://a.com:99999=http://127.0.0.1:1",
        ] {
            assert!(
                rule.parse::<OriginRule>().is_err(),
                "{rule} must be rejected"
            );
        }
    }
}
