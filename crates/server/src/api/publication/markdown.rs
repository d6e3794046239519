//! The policy's Markdown as HTML that cannot carry markup of its own: raw HTML in the
//! source is shown as text, and links and images keep only http(s), mailto, relative
//! and fragment targets (no `javascript:` or `data:`).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let scheme = lower.split_once(':').map(|(s, _)| s).filter(|s| !s.contains(['/', '?', '#']));
    match scheme {
        None | Some("http" | "https" | "mailto") => url,
        Some(_) => CowStr::Borrowed("#"),
    }
}

pub(crate) fn markdown_to_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html_and_raw_html_stays_text() {
        let html = markdown_to_html("# Title\n\nSome *text*.\n\n<script>alert(1)</script>\n\nInline <b>bold</b>.");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    }

    #[test]
    fn only_safe_link_targets_survive() {
        let html =
            markdown_to_html("[a](javascript:alert(1)) [b](https://x.example/p) [c](/privacy) [d](DATA:text/html,x)");
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(!html.to_ascii_lowercase().contains("data:"), "{html}");
        assert!(html.contains("href=\"https://x.example/p\""), "{html}");
        assert!(html.contains("href=\"/privacy\""), "{html}");
    }
}
