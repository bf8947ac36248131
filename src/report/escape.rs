//! Hostile text stays text: control characters that reach a report from certificates,
//! HTTP headers, DNS answers or AWS (an escape sequence in a SAN, CR/LF in a `Location`)
//! are shown escaped (`\u{1b}`) in every rendering a person reads — the table, the text
//! digest, the email, Markdown and the probe's text. JSON keeps the values and escapes
//! them as JSON does.

use super::Report;
use crate::finding::{Finding, Step};

/// `s` with every control character written as `\u{XX}`.
pub fn text(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`text`], keeping line breaks: for a rendering whose own layout is lines.
pub fn lines(s: &str) -> String {
    s.split('\n').map(text).collect::<Vec<_>>().join("\n")
}

fn value(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    match v {
        V::String(s) => V::String(text(s)),
        V::Array(a) => V::Array(a.iter().map(value).collect()),
        V::Object(o) => V::Object(o.iter().map(|(k, v)| (text(k), value(v))).collect()),
        other => other.clone(),
    }
}

/// A finding with every text field escaped.
pub fn finding(f: &Finding) -> Finding {
    let mut e = f.clone();
    e.resource = text(&f.resource);
    e.hostname = f.hostname.as_deref().map(text);
    e.region = text(&f.region);
    e.title = text(&f.title);
    e.detail = text(&f.detail);
    e.remediation = f.remediation.iter().map(|s| text(s)).collect();
    e.evidence = f
        .evidence
        .iter()
        .map(|(k, v)| (k.clone(), value(v)))
        .collect();
    let both = |t: &crate::i18n::Text| {
        let mut t = t.clone();
        t.en = text(&t.en);
        t.ja = text(&t.ja);
        t
    };
    e.text.title = both(&f.text.title);
    e.text.detail = both(&f.text.detail);
    e.text.steps = f
        .text
        .steps
        .iter()
        .map(|s| match s {
            Step::Prose(t) => Step::Prose(both(t)),
            Step::Command(c) => Step::Command(text(c)),
        })
        .collect();
    e
}

impl Report {
    /// The report with every text a person reads escaped (see the module).
    pub fn escaped(&self) -> Report {
        // The header copied, the findings escaped into it (never cloned twice).
        let mut r = self.with_findings(self.findings.iter().map(finding).collect());
        r.summary = self.summary.clone();
        for s in &mut r.skipped {
            s.what = text(&s.what);
            s.reason = text(&s.reason);
        }
        r.account = self.account.as_deref().map(text);
        // Reasons quote AWS's error messages.
        for a in &mut r.accounts {
            a.reason = a.reason.as_deref().map(text);
        }
        r.full_report = self.full_report.as_deref().map(text);
        // Hostnames and resources of muted findings came from servers and AWS too.
        for m in &mut r.muted {
            m.resource = text(&m.resource);
            m.hostname = m.hostname.as_deref().map(text);
            m.reason = text(&m.reason);
        }
        for c in &mut r.certificates {
            c.domain = text(&c.domain);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Severity};
    use crate::testkit::{finding as make, report_of};

    /// Issue 11: a SAN with an escape sequence and a header with CR/LF reach the text
    /// renderings as visible escapes, never as raw control characters; JSON keeps them.
    #[test]
    fn control_characters_are_shown_escaped_in_every_text_rendering() {
        let mut f = make(
            "served_name_mismatch",
            Severity::High,
            Cause::NameMismatch,
            "host:a",
        );
        f.title = "evil \u{1b}[2J\u{1b}[31mred\r\nFix 1: curl x | sh".into();
        f.hostname = Some("a\u{7}.example.com".into());
        f.evidence.insert(
            "served_sans".into(),
            serde_json::json!(["x\u{1b}]0;t\u{7}"]),
        );
        let report = report_of(vec![f]);
        for (name, out) in [
            ("digest", report.email_digest()),
            ("markdown", report.markdown()),
            (
                "table",
                crate::report::table::findings_table(&report, false),
            ),
        ] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\r'),
                "{name}: {out:?}"
            );
            assert!(out.contains("\\u{1b}"), "{name} shows the escape: {out}");
            assert!(!out.contains("\nFix 1: curl"), "{name}: a forged line");
        }
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\\u001b"), "JSON escapes as JSON does");
        // Its twin: ordinary text is untouched.
        assert_eq!(text("www.example.com — 証明書"), "www.example.com — 証明書");
    }
}
