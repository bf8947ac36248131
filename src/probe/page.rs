//! The HTML scanner: finds `http://` subresources and form targets on an HTTPS page,
//! streaming the body through lol_html (never building a DOM), as browsers see them:
//! `<link>` only for relations that load something, URLs resolved against `<base href>`,
//! CSS in `<style>` and `style=` (`@import`, `url()`), loopback hosts not mixed (W3C
//! Mixed Content: they are potentially trustworthy), and a
//! `<meta http-equiv=Content-Security-Policy>` that upgrades or blocks them recorded.

use super::InsecureRef;
use lol_html::send::{HtmlRewriter, Settings};
use lol_html::{OutputSink, element};
use std::sync::{Arc, Mutex};

/// (selector, attribute) pairs whose URL the browser loads as part of the page.
const LOADS: &[(&str, &str)] = &[
    ("script[src]", "src"),
    ("link[href]", "href"),
    ("iframe[src]", "src"),
    ("frame[src]", "src"),
    ("object[data]", "data"),
    ("embed[src]", "src"),
    ("img[src]", "src"),
    ("img[srcset]", "srcset"),
    ("audio[src]", "src"),
    ("video[src]", "src"),
    ("video[poster]", "poster"),
    ("source[src]", "src"),
    ("source[srcset]", "srcset"),
    ("track[src]", "src"),
    ("input[src]", "src"),
    ("form[action]", "action"),
    ("input[formaction]", "formaction"),
    ("button[formaction]", "formaction"),
];

/// A sink that discards the rewritten output: we only read.
struct Discard;
impl OutputSink for Discard {
    fn handle_chunk(&mut self, _: &[u8]) {}
}

/// `<link rel>` values that make the browser fetch the target (HTML Standard, link
/// types): everything else (`profile`, `pingback`, `EditURI`, `wlwmanifest`, `shortlink`,
/// `alternate`, `canonical`, `me`, `webmention`, …) loads nothing.
const LOADING_RELS: &[&str] = &[
    "stylesheet",
    "icon",
    "apple-touch-icon",
    "apple-touch-icon-precomposed",
    "mask-icon",
    "preload",
    "modulepreload",
    "prefetch",
    "manifest",
];

/// An `http://` URL to a host that is not loopback (`localhost`, `127.0.0.0/8`, `[::1]`
/// are potentially trustworthy origins, never mixed content).
fn is_plain_http(url: &str) -> bool {
    let u = url.trim_start();
    if !u
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        return false;
    }
    let rest = &u[7..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or_default()
            .trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or_default()
    }
    .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    !loopback
}

/// Whether a URL is relative (no scheme, not protocol-relative): `<base href>` applies.
fn is_relative(url: &str) -> bool {
    let u = url.trim_start();
    !u.starts_with("//")
        && !u.starts_with('#')
        && !u
            .split(['/', '?', '#'])
            .next()
            .is_some_and(|first| first.contains(':'))
}

/// `url(…)` and `@import` targets in a CSS text.
fn css_urls(css: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let lower = css.to_ascii_lowercase();
    let unquote = |s: &str| {
        s.trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .trim()
            .to_string()
    };
    let mut at = 0;
    while let Some(i) = lower[at..].find("url(") {
        let start = at + i + 4;
        let end = lower[start..].find(')').map_or(css.len(), |e| start + e);
        out.push(("url()", unquote(&css[start..end])));
        at = end.min(css.len());
    }
    let mut at = 0;
    while let Some(i) = lower[at..].find("@import") {
        let start = at + i + 7;
        let rest = css[start..].trim_start();
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'')
            && let Some(end) = rest[1..].find(q)
        {
            out.push(("@import", rest[1..1 + end].to_string()));
        }
        at = start;
    }
    out
}

/// What the page's own `<meta http-equiv>` and `<base>` say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageSignals {
    /// `Content-Security-Policy: upgrade-insecure-requests` in a meta element.
    pub upgrade_insecure_requests: bool,
    /// `block-all-mixed-content` in a meta element.
    pub block_all_mixed_content: bool,
    /// `<base href>` (the first one counts).
    pub base: Option<String>,
}

impl PageSignals {
    /// Reads a CSP value (header or meta) for the two mixed-content directives.
    pub fn apply_csp(&mut self, policy: &str) {
        for directive in policy.split(';') {
            match directive.trim().to_ascii_lowercase().as_str() {
                "upgrade-insecure-requests" => self.upgrade_insecure_requests = true,
                "block-all-mixed-content" => self.block_all_mixed_content = true,
                _ => {}
            }
        }
    }
}

/// A streaming scanner: feed it body chunks, then take the findings.
pub struct Scanner {
    rewriter: HtmlRewriter<'static, Discard>,
    found: Arc<Mutex<Vec<InsecureRef>>>,
    signals: Arc<Mutex<PageSignals>>,
}

/// Records one `http://` reference (at most 200 per page).
fn push(found: &Mutex<Vec<InsecureRef>>, element: &str, attribute: &str, url: &str) {
    let mut f = found.lock().unwrap_or_else(|p| p.into_inner());
    if f.len() < 200 {
        f.push(InsecureRef {
            element: element.to_string(),
            attribute: attribute.to_string(),
            url: url.trim().to_string(),
        });
    }
}

impl Scanner {
    pub fn new() -> Scanner {
        let found: Arc<Mutex<Vec<InsecureRef>>> = Arc::new(Mutex::new(Vec::new()));
        let signals: Arc<Mutex<PageSignals>> = Arc::new(Mutex::new(PageSignals::default()));
        let mut settings = Settings::new_send();
        {
            let signals = signals.clone();
            settings =
                settings.append_element_content_handler(element!("meta[http-equiv]", move |el| {
                    let equiv = el.get_attribute("http-equiv").unwrap_or_default();
                    if equiv.eq_ignore_ascii_case("content-security-policy") {
                        let content = el.get_attribute("content").unwrap_or_default();
                        signals
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .apply_csp(&content);
                    }
                    Ok(())
                }));
        }
        {
            let signals = signals.clone();
            settings = settings.append_element_content_handler(element!("base[href]", move |el| {
                let mut s = signals.lock().unwrap_or_else(|p| p.into_inner());
                if s.base.is_none() {
                    s.base = el.get_attribute("href");
                }
                Ok(())
            }));
        }
        {
            // CSS in <style> blocks: text arrives in chunks; joined per element (bounded).
            let found = found.clone();
            let buf: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
            settings =
                settings.append_element_content_handler(lol_html::text!("style", move |t| {
                    let mut b = buf.lock().unwrap_or_else(|p| p.into_inner());
                    if b.len() < 256 * 1024 {
                        b.push_str(t.as_str());
                    }
                    if t.last_in_text_node() {
                        for (how, url) in css_urls(&b) {
                            if is_plain_http(&url) {
                                push(&found, &format!("style {how}"), "style", &url);
                            }
                        }
                        b.clear();
                    }
                    Ok(())
                }));
        }
        {
            let found = found.clone();
            settings = settings.append_element_content_handler(element!("[style]", move |el| {
                let css = el.get_attribute("style").unwrap_or_default();
                for (how, url) in css_urls(&css) {
                    if is_plain_http(&url) {
                        push(&found, &format!("style {how}"), "style", &url);
                    }
                }
                Ok(())
            }));
        }
        for (selector, attr) in LOADS {
            let found = found.clone();
            let signals = signals.clone();
            let attr: &'static str = attr;
            settings = settings.append_element_content_handler(element!(*selector, move |el| {
                let Some(value) = el.get_attribute(attr) else {
                    return Ok(());
                };
                let tag = el.tag_name().to_ascii_lowercase();
                let element = if tag == "link" {
                    // Only links the page loads: stylesheets, icons, preloads, manifests.
                    let rel = el
                        .get_attribute("rel")
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !rel.split_whitespace().any(|r| LOADING_RELS.contains(&r)) {
                        return Ok(());
                    }
                    format!("link rel={rel}")
                } else if tag == "input" {
                    // Only an image button loads its src.
                    if !el
                        .get_attribute("type")
                        .is_some_and(|t| t.eq_ignore_ascii_case("image"))
                    {
                        return Ok(());
                    }
                    "input type=image".to_string()
                } else {
                    tag
                };
                let base = signals
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .base
                    .clone()
                    .filter(|b| is_plain_http(b));
                let urls: Vec<String> = if attr.ends_with("srcset") {
                    value
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_string)
                        .collect()
                } else {
                    vec![value]
                };
                for url in urls {
                    // A relative URL under an http:// <base> is fetched over http.
                    let url = match &base {
                        Some(b) if is_relative(&url) => join(b, &url),
                        _ => url,
                    };
                    if is_plain_http(&url) {
                        push(&found, &element, attr, &url);
                    }
                }
                Ok(())
            }));
        }
        Scanner {
            rewriter: HtmlRewriter::new(settings, Discard),
            found,
            signals,
        }
    }

    /// What the page's meta elements and base said, so far.
    pub fn signals(&self) -> PageSignals {
        self.signals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Feeds a chunk; a parse error stops scanning (what was found so far stays).
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.rewriter
            .write(chunk)
            .map_err(|e| format!("HTML scan stopped: {e}"))
    }

    pub fn finish(self) -> Vec<InsecureRef> {
        let _ = self.rewriter.end();
        drop(self.signals);
        let mut v = self.found.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.dedup();
        v
    }
}

/// A relative URL joined to an absolute base (enough to name the http:// it becomes).
fn join(base: &str, rel: &str) -> String {
    let base = base.trim();
    if rel.starts_with('/') {
        let scheme_end = base.find("://").map_or(0, |i| i + 3);
        let host_end = base[scheme_end..]
            .find('/')
            .map_or(base.len(), |i| scheme_end + i);
        format!("{}{rel}", &base[..host_end])
    } else {
        let dir = match base.rfind('/') {
            Some(i) if i > base.find("://").map_or(0, |j| j + 2) => &base[..=i],
            _ => return format!("{base}/{rel}"),
        };
        format!("{dir}{rel}")
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Scans a whole document (for tests and the CLI).
pub fn scan_html(html: &str) -> Vec<InsecureRef> {
    scan_html_with_signals(html).0
}

/// Scans a whole document and says what its meta CSP and base said.
pub fn scan_html_with_signals(html: &str) -> (Vec<InsecureRef>, PageSignals) {
    let mut s = Scanner::new();
    let _ = s.write(html.as_bytes());
    let signals = s.signals();
    (s.finish(), signals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plain_http_loads_and_forms_only() {
        let html = r#"<html><head>
            <script src="http://cdn.example.com/app.js"></script>
            <link rel="stylesheet" href="HTTP://cdn.example.com/site.css">
            <link rel="canonical" href="http://www.example.com/">
            <script src="//cdn.example.com/ok.js"></script>
            <script src="https://cdn.example.com/ok.js"></script>
            </head><body>
            <img src="http://img.example.com/logo.png" srcset="https://a/1x.png 1x, http://b/2x.png 2x">
            <a href="http://example.com/">a plain link is fine</a>
            <form action="http://example.com/login" method="post"></form>
            <video><source src="http://media.example.com/v.mp4"></video>
            <iframe src="http://ads.example.com/"></iframe>
            </body></html>"#;
        let found = scan_html(html);
        let got: Vec<(&str, &str)> = found
            .iter()
            .map(|r| (r.element.as_str(), r.url.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("script", "http://cdn.example.com/app.js"),
                ("link rel=stylesheet", "HTTP://cdn.example.com/site.css"),
                ("img", "http://img.example.com/logo.png"),
                ("img", "http://b/2x.png"),
                ("form", "http://example.com/login"),
                ("source", "http://media.example.com/v.mp4"),
                ("iframe", "http://ads.example.com/"),
            ]
        );
    }

    /// Regression (real estates): a WordPress head (`profile`, `pingback`, `EditURI`,
    /// `wlwmanifest`, `shortlink`, `alternate`, the REST API link) loads nothing, and was
    /// mixed content. Its twin: the stylesheet, icon and preload beside them do load.
    #[test]
    fn link_relations_that_load_nothing_are_not_mixed() {
        let html = r#"<head>
            <link rel="profile" href="http://gmpg.org/xfn/11">
            <link rel="pingback" href="http://blog.example.com/xmlrpc.php">
            <link rel="EditURI" type="application/rsd+xml" href="http://blog.example.com/xmlrpc.php?rsd">
            <link rel="wlwmanifest" href="http://blog.example.com/wp-includes/wlwmanifest.xml">
            <link rel="shortlink" href="http://blog.example.com/?p=1">
            <link rel="alternate" type="application/rss+xml" href="http://blog.example.com/feed/">
            <link rel="https://api.w.org/" href="http://blog.example.com/wp-json/">
            <link rel="me" href="http://social.example/@me"><link rel="webmention" href="http://wm.example/">
            <link rel="stylesheet" href="http://blog.example.com/style.css">
            <link rel="shortcut icon" href="http://blog.example.com/favicon.ico">
            <link rel="preload" as="font" href="http://blog.example.com/f.woff2">
            </head>"#;
        let got: Vec<String> = scan_html(html).into_iter().map(|r| r.element).collect();
        assert_eq!(
            got,
            [
                "link rel=stylesheet",
                "link rel=shortcut icon",
                "link rel=preload"
            ]
        );
    }

    #[test]
    fn loopback_is_not_mixed_and_base_href_applies_to_relative_urls() {
        let html = r#"<base href="http://static.example.com/assets/">
            <script src="http://localhost:3000/dev.js"></script>
            <script src="http://127.0.0.1/x.js"></script><img src="http://[::1]/i.png">
            <script src="app.js"></script><img src="/logo.png"><img src="https://ok.example/i.png">
            <input type="image" src="http://img.example.com/go.png"><input type="text" src="http://x/">"#;
        let got: Vec<(String, String)> = scan_html(html)
            .into_iter()
            .map(|r| (r.element, r.url))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "script".into(),
                    "http://static.example.com/assets/app.js".into()
                ),
                ("img".into(), "http://static.example.com/logo.png".into()),
                (
                    "input type=image".into(),
                    "http://img.example.com/go.png".into()
                ),
            ]
        );
        // Its twin: an https base keeps relative URLs secure.
        assert!(
            scan_html(r#"<base href="https://s.example.com/"><script src="a.js"></script>"#)
                .is_empty()
        );
    }

    #[test]
    fn css_in_style_blocks_and_attributes_is_scanned() {
        let html = r#"<style>@import "http://fonts.example.com/a.css"; body{background:url('http://img.example.com/bg.png')} .ok{background:url(/x.png)}</style>
            <div style="background-image: url(http://img.example.com/d.png)"></div>"#;
        let got: Vec<(String, String)> = scan_html(html)
            .into_iter()
            .map(|r| (r.element, r.url))
            .collect();
        assert_eq!(
            got,
            [
                ("style url()".into(), "http://img.example.com/bg.png".into()),
                (
                    "style @import".into(),
                    "http://fonts.example.com/a.css".into()
                ),
                ("style url()".into(), "http://img.example.com/d.png".into()),
            ]
        );
    }

    #[test]
    fn a_meta_csp_upgrade_is_recorded() {
        let (_, s) = scan_html_with_signals(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src https:; upgrade-insecure-requests">"#,
        );
        assert!(s.upgrade_insecure_requests && !s.block_all_mixed_content);
        let (_, s) = scan_html_with_signals(
            r#"<meta http-equiv="refresh" content="upgrade-insecure-requests">"#,
        );
        assert!(!s.upgrade_insecure_requests);
    }

    #[test]
    fn chunked_input_gives_the_same_answer() {
        let html = r#"<p>x</p><script src="http://cdn.example.com/app.js"></script>"#;
        let mut s = Scanner::new();
        for b in html.as_bytes().chunks(3) {
            s.write(b).unwrap();
        }
        assert_eq!(s.finish().len(), 1);
    }
}
