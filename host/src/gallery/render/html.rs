//! Escaping and the few URL checks that the renderer's own markup needs.

use ammonia::Url;

/// Escapes `text` for an HTML text node or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends `text` to `out`, escaping `&`, `<`, `>`, `"` and `'`.
pub fn push_escaped(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// Returns `url` when a link may point at it: an absolute http, https or
/// mailto URL. Other schemes (`javascript:`, `data:`, …) and relative URLs,
/// which would resolve against the gallery's own folder, return `None`.
pub fn link_target(url: &str) -> Option<&str> {
    let parsed = Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https" | "mailto").then_some(url.trim())
}

/// Returns an `<a>` element around `inner_html`, or `inner_html` alone when
/// `url` is not a [`link_target`].
pub fn link(url: &str, class: Option<&str>, inner_html: &str) -> String {
    let Some(target) = link_target(url) else {
        return inner_html.to_owned();
    };
    let class = class.map_or(String::new(), |class| format!(" class=\"{class}\""));
    format!(
        "<a{class} href=\"{}\" rel=\"noopener noreferrer\">{inner_html}</a>",
        escape(target)
    )
}

/// Returns `hex` when it is a CSS hex color (`#` and 3, 4, 6 or 8 hex
/// digits), the only form a `style` attribute in the output may hold.
pub fn css_color(hex: &str) -> Option<&str> {
    let digits = hex.strip_prefix('#')?;
    let valid = matches!(digits.len(), 3 | 4 | 6 | 8)
        && digits.chars().all(|digit| digit.is_ascii_hexdigit());
    valid.then_some(hex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_all_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn link_target_schemes() {
        assert_eq!(
            link_target("https://example.com/"),
            Some("https://example.com/")
        );
        assert_eq!(
            link_target("mailto:someone@example.com"),
            Some("mailto:someone@example.com")
        );
        assert_eq!(link_target("javascript:alert(1)"), None);
        assert_eq!(link_target(" JavaScript:alert(1)"), None);
        assert_eq!(link_target("data:text/html,<script>"), None);
        assert_eq!(link_target("/relative/path"), None);
        assert_eq!(link_target("//evil.example/x"), None);
    }

    #[test]
    fn css_color_forms() {
        assert_eq!(css_color("#00b8ff"), Some("#00b8ff"));
        assert_eq!(css_color("#fff"), Some("#fff"));
        assert_eq!(css_color("red"), None);
        assert_eq!(css_color("#00b8ff;background:url(x)"), None);
        assert_eq!(css_color("#12345"), None);
    }
}
