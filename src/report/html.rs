//! HTML (`--format html`): one self-contained page (inline CSS and SVG, no script, no
//! request anywhere — its Content-Security-Policy says `default-src 'none'`), built
//! with maud, which escapes every text it is given. It shows, in the report's language:
//! the counts, an expiry timeline of every certificate scanned (in use or not), a
//! hostname × check grid, and the findings grouped by cause with their steps, commands
//! in copy-pasteable blocks.

use super::{CertificateLine, Report};
use crate::finding::{Cause, Finding, Severity};
use crate::i18n::Lang;
use chrono::{DateTime, Duration, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use std::collections::{BTreeMap, BTreeSet};

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1200px}\
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #d0d7de}\
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}\
.critical{background:#8b0000;color:#fff}.high{background:#d1242f;color:#fff}.medium{background:#fb8f44}\
.low{background:#fff8c5}.info{background:#ddf4ff}.sev{font-weight:600;border-radius:4px;padding:1px 6px}\
pre{background:#f6f8fa;padding:8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;user-select:all}\
.finding{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:10px 0}\
.muted{color:#59636e}.counts td{text-align:right}svg text{font:11px system-ui,sans-serif}\
.wide{overflow-x:auto}";

struct Words {
    title: &'static str,
    timeline: &'static str,
    grid: &'static str,
    by_cause: &'static str,
    none: &'static str,
    not_seen: &'static str,
    in_use: &'static str,
    unused: &'static str,
    hostname: &'static str,
    no_certs: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::En => Words {
            title: "acm-doctor report",
            timeline: "Certificate expiry",
            grid: "Hostnames × checks",
            by_cause: "Findings by cause",
            none: "No findings.",
            not_seen: "Not scanned",
            in_use: "in use",
            unused: "not in use",
            hostname: "hostname",
            no_certs: "No certificates in this report.",
        },
        Lang::Ja => Words {
            title: "acm-doctor レポート",
            timeline: "証明書の有効期限",
            grid: "ホスト名 × チェック",
            by_cause: "原因別の検出事項",
            none: "検出事項はありません。",
            not_seen: "スキャンできなかったもの",
            in_use: "使用中",
            unused: "未使用",
            hostname: "ホスト名",
            no_certs: "このレポートに証明書はありません。",
        },
    }
}

fn sev(s: Severity, lang: Lang) -> Markup {
    html! { span class={ "sev " (s.as_str()) } { (s.label(lang)) } }
}

/// Days from `now` to `at`, rounded down.
fn days(now: DateTime<Utc>, at: DateTime<Utc>) -> i64 {
    (at - now).num_days()
}

/// An SVG bar per certificate from the report's time to its expiry, on one scale from
/// 30 days ago to the latest expiry (at least a year ahead); red when expired or within
/// 7 days, orange within 30, green after.
fn timeline(certs: &[CertificateLine], now: DateTime<Utc>, w: &Words) -> Markup {
    if certs.is_empty() {
        return html! { p.muted { (w.no_certs) } };
    }
    let start = now - Duration::days(30);
    let end = certs
        .iter()
        .filter_map(|c| c.not_after)
        .max()
        .unwrap_or(now)
        .max(now + Duration::days(365));
    let span = (end - start).num_seconds().max(1) as f64;
    let (label_w, bar_w, row) = (420.0, 640.0, 16.0);
    let x = |t: DateTime<Utc>| label_w + bar_w * ((t - start).num_seconds().max(0) as f64 / span);
    let height = row * certs.len() as f64 + 24.0;
    let now_x = x(now);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(label_w + bar_w + 10.0) height=(height) role="img" {
            line x1=(now_x) y1="0" x2=(now_x) y2=(height) stroke="#1b1f24" stroke-dasharray="3,3" {}
            @for (i, c) in certs.iter().enumerate() {
                @let y = row * i as f64 + 4.0;
                @let left = c.not_after.map(|t| days(now, t));
                @let color = match left { Some(d) if d < 7 => "#d1242f", Some(d) if d < 30 => "#fb8f44", Some(_) => "#2da44e", None => "#8c959f" };
                text x="0" y=(y + 11.0) {
                    (c.domain) " · " (c.region) " · " (if c.in_use { w.in_use } else { w.unused })
                    @if let Some(d) = left { " · " (d) "d" }
                }
                @if let Some(t) = c.not_after {
                    @let (a, b) = if t < now { (x(t), now_x) } else { (now_x, x(t)) };
                    rect x=(a) y=(y + 2.0) width=((b - a).max(2.0)) height=(row - 5.0) fill=(color) {
                        title { (c.arn) " — " (t.format("%Y-%m-%d")) }
                    }
                }
            }
            text x=(now_x + 3.0) y=(height - 4.0) { (now.format("%Y-%m-%d")) }
        }
    }
}

/// Rows: every hostname with a finding; columns: every check that found something on a
/// hostname; a cell: the most severe finding of that check there.
fn grid(findings: &[Finding], lang: Lang, w: &Words) -> Markup {
    let mut cells: BTreeMap<(&str, &str), Severity> = BTreeMap::new();
    let mut checks: BTreeSet<&str> = BTreeSet::new();
    for f in findings {
        if let Some(h) = &f.hostname {
            checks.insert(&f.check);
            let e = cells
                .entry((h.as_str(), f.check.as_str()))
                .or_insert(f.severity);
            *e = (*e).max(f.severity);
        }
    }
    let hosts: BTreeSet<&str> = cells.keys().map(|(h, _)| *h).collect();
    if hosts.is_empty() {
        return html! { p.muted { (w.none) } };
    }
    html! {
        table {
            tr { th { (w.hostname) } @for c in &checks { th { code { (c) } } } }
            @for h in &hosts {
                tr {
                    td { (h) }
                    @for c in &checks {
                        @match cells.get(&(*h, *c)) {
                            Some(s) => td class=(s.as_str()) { (s.label(lang)) },
                            None => td {},
                        }
                    }
                }
            }
        }
    }
}

fn finding(f: &Finding, lang: Lang) -> Markup {
    let steps: Vec<(bool, &str)> = f
        .remediation
        .iter()
        .enumerate()
        .map(|(i, r)| (f.step_is_command(i), r.as_str()))
        .collect();
    html! {
        div.finding id=(f.id) {
            p { (sev(f.severity, lang)) " " strong { (f.title) } }
            p.muted {
                code { (f.check) } " · " (f.resource)
                @if let Some(h) = &f.hostname { " · " (h) }
                @if let Some(a) = &f.account { " · " (a) }
            }
            p { (f.detail) }
            ol {
                @for (command, s) in steps {
                    li { @if command { pre { code { (s) } } } @else { (s) } }
                }
            }
        }
    }
}

impl Report {
    /// The report as one self-contained HTML page.
    pub fn html(&self) -> String {
        let r = self.escaped();
        let lang = r.lang;
        let w = words(lang);
        let mut by_cause: BTreeMap<Cause, Vec<&Finding>> = BTreeMap::new();
        for f in &r.findings {
            by_cause.entry(f.cause).or_default().push(f);
        }
        let gaps: Vec<_> = r
            .skipped
            .iter()
            .filter(|s| s.kind == crate::inventory::SkipKind::Gap)
            .collect();
        let page = html! {
            (DOCTYPE)
            html lang=(match lang { Lang::En => "en", Lang::Ja => "ja" }) {
                head {
                    meta charset="utf-8";
                    meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (w.title) " — " (r.subject()) }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    h1 { (r.subject()) }
                    p.muted {
                        (r.generated_at.format("%Y-%m-%d %H:%M UTC")) " · run " (r.run_id)
                        @if let Some(a) = &r.account { " · " (a) }
                        " · " (r.scanned.regions.join(", "))
                    }
                    table.counts {
                        tr { @for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] { th { (sev(s, lang)) } } }
                        tr { @for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] { td { (r.summary.by_severity.get(&s).copied().unwrap_or(0)) } } }
                    }
                    @if !gaps.is_empty() {
                        h2 { (w.not_seen) }
                        ul { @for g in &gaps { li { code { (g.what) } @if let Some(reg) = &g.region { " (" (reg) ")" } ": " (g.reason) } } }
                    }
                    h2 { (w.timeline) }
                    div.wide { (timeline(&r.certificates, r.generated_at, &w)) }
                    h2 { (w.grid) }
                    div.wide { (grid(&r.findings, lang, &w)) }
                    h2 { (w.by_cause) }
                    @if by_cause.is_empty() { p { (w.none) } }
                    @for (cause, fs) in &by_cause {
                        h3 { (cause.as_str()) " (" (fs.len()) ")" }
                        @for f in fs { (finding(f, lang)) }
                    }
                }
            }
        };
        page.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    fn with_certs() -> Report {
        let mut r = testkit::sample_report();
        let now = testkit::now();
        r.certificates = vec![
            CertificateLine {
                arn: testkit::cert_arn("old"),
                domain: "old.example.com".into(),
                region: "us-east-1".into(),
                not_after: Some(now - Duration::days(3)),
                in_use: true,
            },
            CertificateLine {
                arn: testkit::cert_arn("spare"),
                domain: "spare.example.com".into(),
                region: "us-east-1".into(),
                not_after: Some(now + Duration::days(200)),
                in_use: false,
            },
        ];
        r
    }

    #[test]
    fn the_page_has_the_timeline_the_grid_and_every_finding() {
        let r = with_certs();
        let page = r.html();
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("old.example.com") && page.contains("spare.example.com"));
        assert!(
            page.contains("not in use"),
            "an unused certificate is on the timeline too"
        );
        assert!(page.contains("<th><code>alb_host_not_covered</code></th>"));
        for f in &r.findings {
            assert!(page.contains(&format!("id=\"{}\"", f.id)), "{}", f.check);
        }
    }

    /// Self-contained: no script, and nothing a browser would fetch (the only URL is
    /// SVG's namespace, which is not a request).
    #[test]
    fn the_page_requests_nothing() {
        let page = with_certs().html();
        assert!(!page.contains("<script"));
        assert!(!page.contains(" src="));
        let urls: Vec<&str> = page
            .match_indices("://")
            .map(|(i, _)| &page[i.saturating_sub(5)..(i + 25).min(page.len())])
            .collect();
        assert!(
            urls.iter()
                .all(|u| u.contains("http://www.w3.org/2000/svg")),
            "{urls:?}"
        );
        assert!(page.contains("default-src 'none'"));
    }

    /// Text a server chose is escaped: it cannot become markup.
    #[test]
    fn hostile_text_is_escaped() {
        let mut f = testkit::finding(
            "served_name_mismatch",
            Severity::High,
            Cause::NameMismatch,
            "host:x",
        );
        f.title = "<script>alert(1)</script>".into();
        f.hostname = Some("<img src=x>".into());
        let page = testkit::report_of(vec![f]).html();
        assert!(
            !page.contains("<script>") && !page.contains("<img"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;"));
    }

    /// The twin: a clean report says so, in Japanese too.
    #[test]
    fn a_clean_report_says_no_findings() {
        let mut r = testkit::sample_report().with_findings(vec![]);
        assert!(r.html().contains("No findings."));
        r.lang = Lang::Ja;
        assert!(r.html().contains("検出事項はありません。"));
    }
}
