//! Report: dedupes and orders findings, renders the JSON report and the plain-text
//! email digest, and splits reports that exceed SNS's message size. Never judges.

use crate::checks::{Cause, Finding, Severity};
use crate::i18n::Lang;
use crate::inventory::{Inventory, Skipped};
use crate::trigger::Trigger;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub mod asff;
pub mod metrics;
pub mod text;

pub const SCHEMA: &str = "acm-doctor.report.v1";

/// What the run looked at.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Scanned {
    pub regions: Vec<String>,
    pub certificates: usize,
    pub load_balancers: usize,
    pub distributions: usize,
    pub dns_records: usize,
    pub hostnames_probed: usize,
}

impl Scanned {
    pub fn of(inv: &Inventory, hostnames_probed: usize) -> Scanned {
        Scanned {
            regions: inv.regions.clone(),
            certificates: inv.certificates.len(),
            load_balancers: inv.load_balancers.len(),
            distributions: inv.distributions.len(),
            dns_records: inv.dns_records.len(),
            hostnames_probed,
        }
    }
}

/// Counts for the subject line and alarms.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub total: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_cause: BTreeMap<Cause, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary {
            total: findings.len(),
            ..Default::default()
        };
        for f in findings {
            *s.by_severity.entry(f.severity).or_default() += 1;
            *s.by_cause.entry(f.cause).or_default() += 1;
            s.highest = s.highest.max(Some(f.severity));
        }
        s
    }
}

/// Which part of a split report this is.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Part {
    pub index: usize,
    pub of: usize,
}

/// The `acm-doctor.report.v1` document.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub schema: &'static str,
    pub run_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub trigger: Trigger,
    pub generated_at: DateTime<Utc>,
    pub scanned: Scanned,
    pub skipped: Vec<Skipped>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Problems notified before that are gone now (announced once; `STATE_TABLE` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<crate::publish::state::Record>,
    /// Findings still present but already notified within `RENOTIFY_HOURS`.
    #[serde(skip_serializing_if = "is_zero")]
    pub quiet: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// Language of the findings' texts and the digest (`REPORT_LANGUAGE`).
    pub lang: Lang,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Keeps one finding per id (the most severe) and orders them: severity first, then
/// cause, resource, hostname — so the same estate always reads the same way.
pub fn dedupe_and_order(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_id: BTreeMap<String, Finding> = BTreeMap::new();
    for f in findings {
        match by_id.get(&f.id) {
            Some(existing) if existing.severity >= f.severity => {}
            _ => {
                by_id.insert(f.id.clone(), f);
            }
        }
    }
    let mut out: Vec<Finding> = by_id.into_values().collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.cause.cmp(&b.cause))
            .then(a.resource.cmp(&b.resource))
            .then(a.hostname.cmp(&b.hostname))
            .then(a.id.cmp(&b.id))
    });
    out
}

/// The AWS account, read off the first ARN that names one.
pub fn account_of(inv: &Inventory) -> Option<String> {
    inv.certificates
        .iter()
        .map(|c| c.arn.as_str())
        .chain(inv.load_balancers.iter().map(|l| l.arn.as_str()))
        .chain(inv.distributions.iter().map(|d| d.arn.as_str()))
        .filter_map(|a| a.split(':').nth(4))
        .find(|a| !a.is_empty())
        .map(str::to_string)
}

impl Report {
    pub fn new(
        run_id: String,
        account: Option<String>,
        trigger: Trigger,
        generated_at: DateTime<Utc>,
        scanned: Scanned,
        skipped: Vec<Skipped>,
        findings: Vec<Finding>,
    ) -> Report {
        let findings = dedupe_and_order(findings);
        Report {
            schema: SCHEMA,
            run_id,
            account,
            trigger,
            generated_at,
            scanned,
            skipped,
            summary: Summary::of(&findings),
            findings,
            resolved: Vec::new(),
            quiet: 0,
            part: None,
            lang: Lang::En,
        }
    }

    /// Marks the report as written in `lang` (the findings were localized by the checks
    /// stage; this sets the digest's own wording).
    pub fn in_language(mut self, lang: Lang) -> Report {
        self.lang = lang;
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("report serializes")
    }

    /// `acm-doctor: 2 critical, 3 high - 123456789012`; in Japanese
    /// `acm-doctor: 重大 2 件、高 3 件 - 123456789012`. Under 100 characters, no line
    /// breaks (SNS's limits for a subject).
    pub fn subject(&self) -> String {
        let ja = self.lang == Lang::Ja;
        let counts: Vec<String> = Severity::ALL_DESC
            .iter()
            .filter_map(|s| {
                self.summary.by_severity.get(s).map(|n| {
                    if ja {
                        format!("{} {n} 件", s.label(self.lang))
                    } else {
                        format!("{n} {s}")
                    }
                })
            })
            .collect();
        let sep = self.lang.pick(", ", "、");
        let mut counts = counts;
        if !self.resolved.is_empty() {
            let n = self.resolved.len();
            counts.push(if ja {
                format!("解決 {n} 件")
            } else {
                format!("{n} resolved")
            });
        }
        let counts = if !counts.is_empty() {
            counts.join(sep)
        } else if self.quiet > 0 {
            self.lang.pick("nothing new", "新たな検出なし").to_string()
        } else {
            self.lang.pick("no findings", "検出なし").to_string()
        };
        let part = self
            .part
            .filter(|p| p.of > 1)
            .map(|p| format!(" ({}/{})", p.index, p.of))
            .unwrap_or_default();
        let account = self
            .account
            .as_deref()
            .unwrap_or(self.lang.pick("unknown account", "アカウント不明"));
        let s = format!("acm-doctor: {counts}{part} - {account}");
        // SNS counts characters, not bytes; never cut inside a character.
        s.chars().take(99).collect()
    }

    /// The plain-text email a person reads: grouped by cause, most severe first, each
    /// finding with where, why and the fix; a footer with what was scanned and skipped.
    pub fn email_digest(&self) -> String {
        let l = self.lang;
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.subject());
        let when = self.generated_at.format("%Y-%m-%d %H:%M UTC");
        let _ = match l {
            Lang::En => writeln!(
                out,
                "Run {} ({} {}) at {when}\n",
                self.run_id, self.trigger.kind, self.trigger.detail_type
            ),
            Lang::Ja => writeln!(
                out,
                "実行 {}（{} {}）{when}\n",
                self.run_id, self.trigger.kind, self.trigger.detail_type
            ),
        };
        if self.findings.is_empty() && self.quiet == 0 {
            let _ = writeln!(
                out,
                "{}\n",
                l.pick(
                    "No findings: every checked site should open without a certificate warning.",
                    "検出事項はありません。確認したすべてのサイトが証明書の警告なしで開けるはずです。"
                )
            );
        } else if self.findings.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                l.pick("No new findings.", "新たな検出事項はありません。")
            );
        }
        // Causes in the order of their most severe finding (findings are sorted).
        let mut causes: Vec<Cause> = Vec::new();
        for f in &self.findings {
            if !causes.contains(&f.cause) {
                causes.push(f.cause);
            }
        }
        let (hostname, resource, why, fix, id_label, check_label) = match l {
            Lang::En => ("Hostname", "Resource", "Why", "Fix", "Finding id", "check"),
            Lang::Ja => (
                "ホスト名",
                "リソース",
                "原因",
                "対処",
                "検出 ID",
                "チェック",
            ),
        };
        for cause in causes {
            let group: Vec<&Finding> = self.findings.iter().filter(|f| f.cause == cause).collect();
            let n = group.len();
            let _ = match l {
                Lang::En => writeln!(out, "== {} ({n}) ==", cause.heading(l)),
                Lang::Ja => writeln!(out, "== {}（{n} 件）==", cause.heading(l)),
            };
            for f in group {
                let sev = f.severity.tag(l);
                let _ = writeln!(out, "\n[{sev}] {}", f.title);
                if let Some(h) = &f.hostname {
                    let _ = writeln!(out, "  {hostname}: {h}");
                }
                let _ = writeln!(out, "  {resource}: {} ({})", f.resource, f.region);
                let _ = writeln!(out, "  {why}: {}", f.detail);
                for (i, step) in f.numbered_steps().iter().enumerate() {
                    let label = format!("  {fix} {}: ", i + 1);
                    let indent = " ".repeat(crate::i18n::display_width(&label));
                    for (j, line) in step.iter().enumerate() {
                        let lead = if j == 0 {
                            label.as_str()
                        } else {
                            indent.as_str()
                        };
                        let _ = writeln!(out, "{lead}{line}");
                    }
                }
                let _ = writeln!(out, "  {id_label}: {} ({check_label} {})", f.id, f.check);
            }
            out.push('\n');
        }
        if !self.resolved.is_empty() {
            let n = self.resolved.len();
            let _ = match l {
                Lang::En => writeln!(out, "== Resolved since the last report ({n}) ==\n"),
                Lang::Ja => writeln!(out, "== 前回の報告以降に解決したもの（{n} 件）==\n"),
            };
            for r in &self.resolved {
                let _ = writeln!(out, "[{}] {}", l.pick("RESOLVED", "解決"), r.title);
                let _ = writeln!(
                    out,
                    "  {resource}: {}{}",
                    r.resource,
                    r.hostname
                        .as_deref()
                        .map(|h| format!(" ({h})"))
                        .unwrap_or_default()
                );
                let first = r.first_seen.format("%Y-%m-%d %H:%M UTC");
                let _ = match l {
                    Lang::En => writeln!(out, "  First seen {first}; finding id {}", r.id),
                    Lang::Ja => writeln!(out, "  初回検出 {first}、検出 ID {}", r.id),
                };
            }
            out.push('\n');
        }
        if self.quiet > 0 {
            let q = self.quiet;
            let _ = match l {
                Lang::En => writeln!(
                    out,
                    "{q} finding(s) still present were already reported recently and are not repeated.\n"
                ),
                Lang::Ja => writeln!(
                    out,
                    "このほか、最近報告済みでまだ残っている検出事項が {q} 件あります（繰り返し通知はしていません）。\n"
                ),
            };
        }
        let s = &self.scanned;
        let regions = if s.regions.is_empty() {
            l.pick("no region", "リージョンなし").to_string()
        } else {
            s.regions.join(", ")
        };
        let _ = writeln!(out, "--");
        let _ = match l {
            Lang::En => writeln!(
                out,
                "Scanned: {} certificate(s), {} load balancer(s), {} distribution(s), {} DNS record(s), {} hostname(s) probed in {regions}.",
                s.certificates,
                s.load_balancers,
                s.distributions,
                s.dns_records,
                s.hostnames_probed,
            ),
            Lang::Ja => writeln!(
                out,
                "スキャン対象（{regions}）: 証明書 {} 件、ロードバランサー {} 台、ディストリビューション {} 件、DNS レコード {} 件、接続確認したホスト名 {} 件。",
                s.certificates,
                s.load_balancers,
                s.distributions,
                s.dns_records,
                s.hostnames_probed,
            ),
        };
        if self.skipped.is_empty() {
            let _ = writeln!(out, "{}", l.pick("Skipped: nothing.", "スキップ: なし。"));
        } else {
            let _ = writeln!(
                out,
                "{}",
                l.pick(
                    "Skipped (could not be checked):",
                    "スキップ（確認できなかったもの）:"
                )
            );
            for sk in &self.skipped {
                let _ = writeln!(
                    out,
                    "  - {}{}: {}",
                    sk.what,
                    sk.region
                        .as_deref()
                        .map(|r| match l {
                            Lang::En => format!(" in {r}"),
                            Lang::Ja => format!("（{r}）"),
                        })
                        .unwrap_or_default(),
                    sk.reason
                );
            }
        }
        if let Some(p) = self.part.filter(|p| p.of > 1) {
            let _ = match l {
                Lang::En => writeln!(
                    out,
                    "This is part {} of {}; the other parts carry the other findings.",
                    p.index, p.of
                ),
                Lang::Ja => writeln!(
                    out,
                    "これは {} 通中 {} 通目です。残りの検出事項は他の通知に含まれています。",
                    p.of, p.index
                ),
            };
        }
        out
    }

    /// A Markdown table of the findings (for tickets and pull requests).
    pub fn markdown(&self) -> String {
        let header = self.lang.pick(
            "| severity | cause | hostname | title | fix |",
            "| 重要度 | 原因 | ホスト名 | 内容 | 対処 |",
        );
        let mut o = format!("## {}\n\n{header}\n|---|---|---|---|---|\n", self.subject());
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        for f in &self.findings {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                f.severity.label(self.lang),
                f.cause,
                cell(f.hostname.as_deref().unwrap_or("")),
                cell(&f.title),
                cell(f.first_fix())
            );
        }
        o
    }

    /// The SNS message body for `MessageStructure=json`: `default` is the JSON report,
    /// `email` the digest.
    pub fn sns_message(&self) -> String {
        serde_json::json!({ "default": self.to_json(), "email": self.email_digest() }).to_string()
    }

    /// Splits the report into parts whose SNS message fits in `max_bytes`, each a valid
    /// report carrying the same header. A single finding too large on its own is sent
    /// alone (SNS will refuse it; the error names it) rather than dropped silently.
    pub fn split(&self, max_bytes: usize) -> Vec<Report> {
        let mut chunks: Vec<Vec<Finding>> = Vec::new();
        self.split_into(self.findings.clone(), max_bytes, &mut chunks);
        if chunks.is_empty() {
            chunks.push(Vec::new());
        }
        let of = chunks.len();
        chunks
            .into_iter()
            .enumerate()
            .map(|(i, findings)| {
                let mut r = self.with_findings(findings);
                if of > 1 {
                    r.part = Some(Part { index: i + 1, of });
                }
                r
            })
            .collect()
    }

    fn with_findings(&self, findings: Vec<Finding>) -> Report {
        Report {
            summary: Summary::of(&findings),
            findings,
            ..self.clone()
        }
    }

    fn split_into(&self, findings: Vec<Finding>, max_bytes: usize, out: &mut Vec<Vec<Finding>>) {
        // Measure as a part ("part 10/10" is the longest marker we add).
        let mut probe = self.with_findings(findings.clone());
        probe.part = Some(Part {
            index: 999,
            of: 999,
        });
        if probe.sns_message().len() <= max_bytes || findings.len() <= 1 {
            out.push(findings);
            return;
        }
        let mut left = findings;
        let right = left.split_off(left.len() / 2);
        self.split_into(left, max_bytes, out);
        self.split_into(right, max_bytes, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::report_of;

    fn finding(check: &str, sev: Severity, cause: Cause, resource: &str) -> Finding {
        let mut f = Finding::new(check, sev, resource, "us-east-1")
            .title(format!("{check} on {resource}"))
            .detail("x".repeat(400))
            .step("do the thing");
        f.cause = cause;
        f.assign_id();
        f
    }

    #[test]
    fn dedupe_keeps_most_severe_and_orders_by_severity() {
        let a = finding(
            "certificate_expiring",
            Severity::Medium,
            Cause::Expired,
            "arn:1",
        );
        let mut a2 = a.clone();
        a2.severity = Severity::Critical;
        let b = finding(
            "legacy_tls_policy",
            Severity::Low,
            Cause::TlsConfiguration,
            "arn:2",
        );
        let c = finding(
            "alb_host_not_covered",
            Severity::High,
            Cause::NameMismatch,
            "arn:3",
        );
        let r = report_of(vec![b, a, c, a2]);
        assert_eq!(r.findings.len(), 3);
        let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
        assert_eq!(sev, vec![Severity::Critical, Severity::High, Severity::Low]);
        assert_eq!(
            r.subject(),
            "acm-doctor: 1 critical, 1 high, 1 low - 123456789012"
        );
        assert!(r.subject().is_ascii());
    }

    #[test]
    fn subject_and_digest_when_only_a_fix_is_news() {
        let mut r = report_of(vec![]);
        r.quiet = 31;
        assert_eq!(r.subject(), "acm-doctor: nothing new - 123456789012");
        r.resolved.push(crate::publish::state::Record {
            id: "alb_http_not_redirected-1".into(),
            first_seen: crate::checks::testkit::now(),
            last_notified: crate::checks::testkit::now(),
            severity: Severity::Medium,
            check: "alb_http_not_redirected".into(),
            resource: "arn:l".into(),
            hostname: None,
            title: "HTTP listener does not redirect".into(),
        });
        assert_eq!(r.subject(), "acm-doctor: 1 resolved - 123456789012");
        let d = r.email_digest();
        assert!(d.contains("No new findings."), "{d}");
        assert!(!d.contains("every checked site"), "{d}");
        let r = r.in_language(Lang::Ja);
        assert_eq!(r.subject(), "acm-doctor: 解決 1 件 - 123456789012");
        // SNS limits subjects to 100 characters, not bytes: never cut inside one.
        let mut long = r.clone();
        long.account = Some("あ".repeat(150));
        assert_eq!(long.subject().chars().count(), 99);
    }

    #[test]
    fn digest_groups_by_cause_and_lists_fixes_and_skips() {
        let mut r = report_of(vec![
            finding(
                "alb_host_not_covered",
                Severity::High,
                Cause::NameMismatch,
                "arn:3",
            ),
            finding(
                "certificate_expired",
                Severity::Critical,
                Cause::Expired,
                "arn:1",
            ),
        ]);
        r.skipped.push(Skipped {
            what: "elbv2:DescribeLoadBalancers".into(),
            region: Some("eu-west-1".into()),
            reason: "AccessDenied".into(),
        });
        let d = r.email_digest();
        let expired = d.find("== Expired").unwrap();
        let names = d.find("== Name mismatch").unwrap();
        assert!(expired < names, "most severe cause first");
        assert!(d.contains("Fix 1: do the thing"));
        assert!(d.contains("elbv2:DescribeLoadBalancers in eu-west-1: AccessDenied"));
    }

    #[test]
    fn split_parts_fit_and_keep_every_finding() {
        let findings: Vec<Finding> = (0..200)
            .map(|i| {
                finding(
                    "certificate_unused",
                    Severity::Low,
                    Cause::NotAssociated,
                    &format!("arn:{i}"),
                )
            })
            .collect();
        let r = report_of(findings);
        let parts = r.split(40_000);
        assert!(parts.len() > 1);
        let total: usize = parts.iter().map(|p| p.findings.len()).sum();
        assert_eq!(total, 200);
        for (i, p) in parts.iter().enumerate() {
            assert!(p.sns_message().len() <= 40_000);
            assert_eq!(
                p.part,
                Some(Part {
                    index: i + 1,
                    of: parts.len()
                })
            );
            let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
            assert_eq!(v["schema"], SCHEMA);
            assert_eq!(v["summary"]["total"], p.findings.len());
        }
        assert_eq!(r.split(10_000_000).len(), 1);
        assert_eq!(r.split(10_000_000)[0].part, None);
    }

    /// The digest a person reads, pinned: any change to its wording or layout shows up
    /// in review as a snapshot diff.
    #[test]
    fn digest_and_markdown_snapshots() {
        use crate::checks::testkit::*;
        use crate::checks::{Context, trust::TrustStore};
        let mut inv = Inventory::default();
        let mut c = cert(
            "61f50cd4-45b9-4259-b049-d0a53682fa4b",
            &["shop.example.com", "www.shop.example.com"],
            5,
        );
        c.in_use = Some(true);
        inv.certificates.push(c);
        let mut lb = alb("shop");
        lb.listeners.push(with_certs(
            listener("shop", 443, "HTTPS", forward()),
            "61f50cd4-45b9-4259-b049-d0a53682fa4b",
            &[],
        ));
        lb.listeners.push(listener("shop", 80, "HTTP", forward()));
        inv.dns_records
            .push(alias_record("blog.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        inv.regions = vec!["us-east-1".into()];
        inv.skipped.push(Skipped {
            what: "cloudfront:ListDistributions".into(),
            region: None,
            reason: "AccessDenied: not authorized".into(),
        });
        let trust = TrustStore::with_public_roots("");
        let addrs = BTreeMap::new();
        for lang in Lang::ALL {
            let config = crate::config::Config {
                report_language: lang,
                ..Default::default()
            };
            let ctx = Context {
                inventory: &inv,
                hosts: &[],
                resource_addresses: &addrs,
                trust: &trust,
                now: now(),
                config: &config,
                full_scan: true,
            };
            let findings = crate::checks::run_all(&ctx);
            let mut r = Report::new(
                "run-snapshot".into(),
                account_of(&inv),
                Trigger::manual(),
                now(),
                Scanned::of(&inv, 0),
                inv.skipped.clone(),
                findings,
            )
            .in_language(lang);
            // A problem fixed since the last report, and two kept quiet.
            r.resolved.push(crate::publish::state::Record {
                id: "cloudfront_allows_http-0123456789abcdef".into(),
                first_seen: now() - chrono::Duration::days(3),
                last_notified: now() - chrono::Duration::days(1),
                severity: Severity::Medium,
                check: "cloudfront_allows_http".into(),
                resource: "arn:aws:cloudfront::123456789012:distribution/E1CDN".into(),
                hostname: Some("cdn.example.com".into()),
                // Stored in the language of the run that first reported it.
                title: lang
                    .pick(
                        "CloudFront E1CDN serves plain HTTP on its default cache behavior",
                        "CloudFront E1CDN のデフォルトのキャッシュビヘイビアが平文の HTTP で応答しています",
                    )
                    .into(),
            });
            r.quiet = 2;
            let l = lang.as_str();
            insta::assert_snapshot!(format!("digest_{l}"), r.email_digest());
            insta::assert_snapshot!(format!("markdown_{l}"), r.markdown());
        }
    }
}
