//! Blog identifiers: turns what a user types (a name, a `*.tumblr.com`
//! address, a `www.tumblr.com` URL or a custom domain) into a Tumblr blog
//! name or a custom domain, such as the API v2 accepts in
//! `/v2/blog/{identifier}/…`.

use std::fmt;

/// Maximum length of a Tumblr blog name.
pub const MAX_NAME_LEN: usize = 32;

/// First path segments of `www.tumblr.com` that are site pages, not blogs.
const RESERVED_PATHS: &[&str] = &[
    "dashboard",
    "explore",
    "following",
    "inbox",
    "likes",
    "login",
    "register",
    "search",
    "settings",
    "tagged",
];

/// A blog, by Tumblr name or by custom domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlogId {
    /// A blog name such as `example-blog`, lowercase.
    Name(String),
    /// A custom domain such as `www.example-blog.com`, lowercase.
    Domain(String),
}

impl BlogId {
    /// Returns the identifier for API paths: `{name}.tumblr.com` for a
    /// Tumblr name, the domain itself for a custom domain.
    pub fn api_identifier(&self) -> String {
        match self {
            BlogId::Name(name) => format!("{name}.tumblr.com"),
            BlogId::Domain(domain) => domain.clone(),
        }
    }

    /// Returns the blog name, or the domain for a custom domain.
    pub fn short_name(&self) -> &str {
        match self {
            BlogId::Name(name) | BlogId::Domain(name) => name,
        }
    }
}

impl fmt::Display for BlogId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.short_name())
    }
}

/// Parses a blog as the user typed it. Surrounding whitespace is ignored.
///
/// Accepted forms: `name`, `name.tumblr.com`, `http(s)://name.tumblr.com/…`,
/// `[https://][www.]tumblr.com/name[/…]`, `…tumblr.com/blog/view/name[/…]`,
/// `…tumblr.com/blog/name[/…]`, and a custom domain with or without scheme
/// and path, such as `www.example-blog.com` or `https://example.com/`.
///
/// # Errors
///
/// Returns a message that quotes `input` and lists the accepted forms when
/// `input` matches none of them.
pub fn parse_blog(input: &str) -> Result<BlogId, String> {
    parse_trimmed(input.trim()).ok_or_else(|| invalid_blog_message(input))
}

fn invalid_blog_message(input: &str) -> String {
    format!(
        "invalid blog {input:?}: give a blog name of 1 to {MAX_NAME_LEN} letters, digits or \
         hyphens (not starting or ending with a hyphen) such as example-blog, or \
         example-blog.tumblr.com, https://example-blog.tumblr.com/, \
         https://www.tumblr.com/example-blog, or a custom domain such as www.example.com"
    )
}

fn parse_trimmed(input: &str) -> Option<BlogId> {
    if input.is_empty() || !input.is_ascii() {
        return None;
    }
    let lower = input.to_ascii_lowercase();
    let (has_scheme, rest) = match lower.split_once("://") {
        Some(("http" | "https", rest)) => (true, rest),
        Some(_) => return None,
        None => (false, lower.as_str()),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.is_empty() || authority.contains(['@', ':']) {
        return None;
    }

    if authority == "tumblr.com" || authority == "www.tumblr.com" {
        return name_from_site_path(path).map(BlogId::Name);
    }
    if let Some(name) = authority.strip_suffix(".tumblr.com") {
        return valid_name(name).then(|| BlogId::Name(name.to_owned()));
    }
    if !authority.contains('.') {
        // A bare word is a blog name. A bare word followed by a path is
        // neither a name nor a URL.
        let bare = !has_scheme && path.is_empty();
        return (bare && valid_name(authority)).then(|| BlogId::Name(authority.to_owned()));
    }
    valid_domain(authority).then(|| BlogId::Domain(authority.to_owned()))
}

/// Reads the blog name from a `www.tumblr.com` path: `/name/…`,
/// `/blog/view/name/…` or `/blog/name/…`.
fn name_from_site_path(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    let mut name = segments.next()?;
    if name == "blog" {
        name = segments.next()?;
        if name == "view" {
            name = segments.next()?;
        }
    }
    if RESERVED_PATHS.contains(&name) {
        return None;
    }
    valid_name(name).then(|| name.to_owned())
}

/// Returns whether `name` is a Tumblr blog name: 1 to 32 ASCII letters,
/// digits and hyphens, not starting or ending with a hyphen.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Returns whether `domain` is a DNS name with at least two labels and a
/// top-level label that is not all digits, which rules out IPv4 addresses.
fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_level_ok = labels
        .last()
        .is_some_and(|label| label.bytes().any(|b| b.is_ascii_alphabetic()));
    domain.len() <= 253 && labels.len() >= 2 && labels.iter().all(label_ok) && top_level_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> BlogId {
        BlogId::Name(text.to_owned())
    }

    fn domain(text: &str) -> BlogId {
        BlogId::Domain(text.to_owned())
    }

    #[test]
    fn parse_blog_accepted_forms() {
        let long_name = "a".repeat(MAX_NAME_LEN);
        let cases: Vec<(&str, BlogId)> = vec![
            ("example-blog", name("example-blog")),
            ("Example-Blog", name("example-blog")),
            ("  example-blog\n", name("example-blog")),
            ("x", name("x")),
            ("b2", name("b2")),
            (long_name.as_str(), name(&long_name)),
            ("example-blog.tumblr.com", name("example-blog")),
            ("EXAMPLE-BLOG.TUMBLR.COM", name("example-blog")),
            ("https://example-blog.tumblr.com", name("example-blog")),
            ("https://example-blog.tumblr.com/", name("example-blog")),
            (
                "http://example-blog.tumblr.com/post/123/slug",
                name("example-blog"),
            ),
            (
                "https://example-blog.tumblr.com/tagged/art?x=1",
                name("example-blog"),
            ),
            ("https://example-blog.tumblr.com#top", name("example-blog")),
            ("example-blog.tumblr.com/archive", name("example-blog")),
            ("https://www.tumblr.com/example-blog", name("example-blog")),
            ("https://www.tumblr.com/example-blog/", name("example-blog")),
            (
                "https://www.tumblr.com/example-blog/725459714773287980",
                name("example-blog"),
            ),
            ("https://tumblr.com/example-blog", name("example-blog")),
            ("tumblr.com/example-blog", name("example-blog")),
            (
                "www.tumblr.com/example-blog?source=share",
                name("example-blog"),
            ),
            (
                "www.tumblr.com/blog/view/example-blog",
                name("example-blog"),
            ),
            (
                "https://www.tumblr.com/blog/view/example-blog/725459714773287980",
                name("example-blog"),
            ),
            (
                "https://www.tumblr.com/blog/example-blog",
                name("example-blog"),
            ),
            ("www.example-blog.com", domain("www.example-blog.com")),
            ("WWW.Example-Blog.com", domain("www.example-blog.com")),
            ("https://example.com/", domain("example.com")),
            ("http://example.com", domain("example.com")),
            (
                "https://www.example-blog.com/post/170240343241/slug",
                domain("www.example-blog.com"),
            ),
            ("blog.example.co.uk", domain("blog.example.co.uk")),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_blog(input), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn parse_blog_malformed_inputs() {
        let too_long = "a".repeat(MAX_NAME_LEN + 1);
        let too_long_host = format!("{too_long}.tumblr.com");
        let inputs = [
            "",
            "   ",
            "a b",
            "-x",
            "x-",
            "under_score",
            "http://",
            "https://",
            "ftp://x",
            "ftp://example.com",
            too_long.as_str(),
            too_long_host.as_str(),
            "user@host",
            "https://user@example.com/",
            "../x",
            "./x",
            "x/y",
            "/x",
            "example.com:8080",
            "https://example.com:8080/",
            "127.0.0.1",
            "example..com",
            "-bad.example.com",
            "a.b.tumblr.com",
            ".tumblr.com",
            "tumblr.com",
            "https://www.tumblr.com/",
            "https://www.tumblr.com/dashboard",
            "https://www.tumblr.com/blog/view/",
            "https://www.tumblr.com/bad_name",
            "blög",
            "javascript:alert(1)",
        ];
        for input in inputs {
            let result = parse_blog(input);
            assert!(result.is_err(), "input {input:?} gave {result:?}");
        }
    }

    #[test]
    fn parse_blog_error_quotes_input() {
        let message = parse_blog("a b").err().unwrap_or_default();
        assert!(message.contains("\"a b\""), "{message}");
        assert!(message.contains("example-blog.tumblr.com"), "{message}");
        assert!(message.contains("custom domain"), "{message}");
    }

    #[test]
    fn api_identifier_per_kind() {
        assert_eq!(
            name("example-blog").api_identifier(),
            "example-blog.tumblr.com"
        );
        assert_eq!(
            domain("www.example.com").api_identifier(),
            "www.example.com"
        );
    }
}
