//! The HTML scanner: finds `http://` subresources and form targets on an HTTPS page,
//! streaming the body through lol_html (never building a DOM).

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
    ("form[action]", "action"),
    ("input[formaction]", "formaction"),
    ("button[formaction]", "formaction"),
];

/// A sink that discards the rewritten output: we only read.
struct Discard;
impl OutputSink for Discard {
    fn handle_chunk(&mut self, _: &[u8]) {}
}

fn is_plain_http(url: &str) -> bool {
    url.trim_start()
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
}

/// A streaming scanner: feed it body chunks, then take the findings.
pub struct Scanner {
    rewriter: HtmlRewriter<'static, Discard>,
    found: Arc<Mutex<Vec<InsecureRef>>>,
}

impl Scanner {
    pub fn new() -> Scanner {
        let found: Arc<Mutex<Vec<InsecureRef>>> = Arc::new(Mutex::new(Vec::new()));
        let mut settings = Settings::new_send();
        for (selector, attr) in LOADS {
            let found = found.clone();
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
                    if rel.split_whitespace().all(|r| {
                        matches!(
                            r,
                            "canonical"
                                | "alternate"
                                | "author"
                                | "help"
                                | "license"
                                | "next"
                                | "prev"
                                | "search"
                                | "bookmark"
                                | "external"
                                | "nofollow"
                                | "noopener"
                                | "noreferrer"
                                | "dns-prefetch"
                                | "preconnect"
                        )
                    }) {
                        return Ok(());
                    }
                    format!("link rel={rel}")
                } else {
                    tag
                };
                let urls: Vec<String> = if attr.ends_with("srcset") {
                    value
                        .split(',')
                        .filter_map(|c| c.split_whitespace().next())
                        .map(str::to_string)
                        .collect()
                } else {
                    vec![value]
                };
                let mut f = found.lock().unwrap_or_else(|p| p.into_inner());
                for url in urls.into_iter().filter(|u| is_plain_http(u)) {
                    if f.len() < 200 {
                        f.push(InsecureRef {
                            element: element.clone(),
                            attribute: attr.to_string(),
                            url: url.trim().to_string(),
                        });
                    }
                }
                Ok(())
            }));
        }
        Scanner {
            rewriter: HtmlRewriter::new(settings, Discard),
            found,
        }
    }

    /// Feeds a chunk; a parse error stops scanning (what was found so far stays).
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), String> {
        self.rewriter
            .write(chunk)
            .map_err(|e| format!("HTML scan stopped: {e}"))
    }

    pub fn finish(self) -> Vec<InsecureRef> {
        let _ = self.rewriter.end();
        let mut v = self.found.lock().unwrap_or_else(|p| p.into_inner()).clone();
        v.dedup();
        v
    }
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner::new()
    }
}

/// Scans a whole document (for tests and the CLI).
pub fn scan_html(html: &str) -> Vec<InsecureRef> {
    let mut s = Scanner::new();
    let _ = s.write(html.as_bytes());
    s.finish()
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
