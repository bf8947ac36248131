//! The email digest and the SNS subject: what a person reads, grouped by cause, most
//! severe first, each finding with where, why and the fix. Just over 400 lines with its
//! snapshot test, which pins both languages.

use super::Report;
use crate::finding::{Cause, Finding, Severity};
use crate::i18n::Lang;
use crate::label;
use std::fmt::Write as _;

impl Report {
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
        let sep = label!(", ", "、").get(self.lang);
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
            label!("nothing new", "新たな検出なし")
                .get(self.lang)
                .to_string()
        } else {
            label!("no findings", "検出なし").get(self.lang).to_string()
        };
        let part = self
            .part
            .filter(|p| p.of > 1)
            .map(|p| format!(" ({}/{})", p.index, p.of))
            .unwrap_or_default();
        let account = self.account_label(
            self.lang,
            label!("unknown account", "アカウント不明").get(self.lang),
        );
        let s = format!("acm-doctor: {counts}{part} - {account}");
        // SNS counts characters, not bytes; never cut inside a character.
        s.chars().take(99).collect()
    }

    /// Whose report this is: its account, an organization run's count of accounts
    /// (worded in `lang`), or `unknown`.
    fn account_label(&self, lang: Lang, unknown: &str) -> String {
        let unlisted = self.accounts_unlisted.map_or(0, |u| u.accounts);
        match (&self.account, self.accounts.len() + unlisted, lang) {
            (Some(a), _, _) => a.clone(),
            (None, 0, _) => unknown.to_string(),
            (None, n, Lang::En) => format!("{n} accounts"),
            (None, n, Lang::Ja) => format!("{n} アカウント"),
        }
    }

    /// The plain-text email a person reads: grouped by cause, most severe first, each
    /// finding with where, why and the fix; a footer with what was scanned and skipped.
    pub fn email_digest(&self) -> String {
        self.escaped().digest_text()
    }

    /// The one email of a run, at most about `max` bytes: the whole digest when it
    /// fits; otherwise a summary (findings per cause and account, what was not scanned,
    /// where the full report is), then the most severe findings in full while they fit,
    /// the rest counted. `parts` is how many JSON messages carry the report.
    pub fn email_summary(&self, max: usize, parts: usize) -> String {
        let e = self.escaped();
        // The whole digest prints every finding's id and resource: when those alone pass
        // `max` it cannot fit, and is not rendered (at 10,000 findings it is megabytes).
        let floor: usize = e
            .findings
            .iter()
            .map(|f| f.id.len() + f.resource.len())
            .sum();
        if floor <= max {
            let full = e.digest_text();
            if full.len() <= max {
                return full;
            }
        }
        let head = e.summary_block(parts);
        // The most severe first (findings are sorted): as many as fit, found by halving.
        let body = |k: usize| {
            let mut r = e.with_findings(e.findings[..k].to_vec());
            r.part = None;
            r.digest_body()
        };
        let (mut lo, mut hi) = (0, e.findings.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if head.len() + body(mid).len() + 512 <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let rest = e.findings.len() - lo;
        let tail = match self.lang {
            Lang::En => format!(
                "The {lo} most severe finding(s) are above in full; the other {rest} are counted in the summary and are in the full report.\n"
            ),
            Lang::Ja => format!(
                "上には重大度の高い {lo} 件を全文で載せています。残りの {rest} 件は概要で数え、完全なレポートに含まれています。\n"
            ),
        };
        format!("{head}{}{tail}", body(lo))
    }

    /// The opening of a summarised email: counts per cause and account, what was not
    /// scanned, and where the rest is.
    fn summary_block(&self, parts: usize) -> String {
        let l = self.lang;
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.subject());
        let _ = writeln!(out, "{}", self.run_line());
        let n = self.findings.len();
        let causes: Vec<String> = self
            .summary
            .by_cause
            .iter()
            .map(|(c, k)| format!("{} {k}", c.as_str()))
            .collect();
        let account = self.account_label(Lang::En, "-");
        let _ = match l {
            Lang::En => writeln!(
                out,
                "Summary: {n} finding(s) in account {account}; by cause: {}.",
                causes.join(", ")
            ),
            Lang::Ja => writeln!(
                out,
                "概要: アカウント {account} の検出事項 {n} 件。原因別: {}。",
                causes.join("、")
            ),
        };
        if !self.skipped.is_empty() {
            let k = self.skipped.len();
            let _ = match l {
                Lang::En => writeln!(out, "Not scanned: {k} item(s), listed at the end."),
                Lang::Ja => writeln!(out, "確認できなかったもの: {k} 件（末尾に一覧）。"),
            };
        }
        out.push_str(&self.accounts_block());
        if let Some(at) = &self.full_report {
            let _ = match l {
                Lang::En => writeln!(out, "The full report (every finding, as JSON) is at {at}."),
                Lang::Ja => writeln!(
                    out,
                    "完全なレポート（全検出事項の JSON）は {at} にあります。"
                ),
            };
        }
        let _ = match l {
            Lang::En => writeln!(
                out,
                "This run is too large for one email: the full report (every finding, as JSON) went to this topic's other subscribers in {parts} message(s), and `acm-doctor scan --format json` prints it.\n"
            ),
            Lang::Ja => writeln!(
                out,
                "この実行はメール 1 通に収まりません。完全なレポート（全検出事項の JSON）はこのトピックの他のサブスクライバーに {parts} 通で送られ、`acm-doctor scan --format json` でも出力できます。\n"
            ),
        };
        out
    }

    fn run_line(&self) -> String {
        let when = self.generated_at.format("%Y-%m-%d %H:%M UTC");
        match self.lang {
            Lang::En => format!(
                "Run {} ({} {}) at {when}\n",
                self.run_id, self.trigger.kind, self.trigger.detail_type
            ),
            Lang::Ja => format!(
                "実行 {}（{} {}）{when}\n",
                self.run_id, self.trigger.kind, self.trigger.detail_type
            ),
        }
    }

    /// [`Report::email_digest`] of an already escaped report.
    fn digest_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.subject());
        let _ = writeln!(out, "{}", self.run_line());
        out.push_str(&self.glance_block());
        out.push_str(&self.accounts_block());
        out.push_str(&self.digest_body());
        if let Some(at) = &self.full_report {
            let _ = match self.lang {
                Lang::En => writeln!(out, "The whole report (JSON) is also kept at {at}."),
                Lang::Ja => writeln!(out, "レポート全体（JSON）は {at} にも保存されています。"),
            };
        }
        out
    }

    /// The digest's opening, before the detail: counts per cause, the most urgent
    /// items (up to three), what was not scanned and what was muted. Empty for a run
    /// with nothing to say beyond "no findings".
    fn glance_block(&self) -> String {
        const URGENT: usize = 3;
        let l = self.lang;
        let gaps = self
            .skipped
            .iter()
            .filter(|s| s.kind == crate::inventory::SkipKind::Gap)
            .count();
        if self.findings.is_empty() && gaps == 0 && self.muted.is_empty() {
            return String::new();
        }
        let mut out = String::new();
        let causes: Vec<String> = self
            .summary
            .by_cause
            .iter()
            .map(|(c, k)| format!("{} {k}", c.as_str()))
            .collect();
        let n = self.findings.len();
        if n > 0 {
            let _ = match l {
                Lang::En => writeln!(out, "At a glance: {n} finding(s) - {}.", causes.join(", ")),
                Lang::Ja => writeln!(out, "概要: 検出 {n} 件 - {}。", causes.join("、")),
            };
            let _ = writeln!(out, "{}", label!("Most urgent:", "最優先:").get(l));
            for f in self.findings.iter().take(URGENT) {
                let at = f.hostname.as_deref().unwrap_or(&f.resource);
                let _ = writeln!(out, "  [{}] {} - {at}", f.severity.tag(l), f.title);
            }
        }
        if gaps > 0 {
            let _ = match l {
                Lang::En => writeln!(
                    out,
                    "Not scanned: {gaps} item(s) could not be checked (listed at the end); this is not a clean bill of health for them."
                ),
                Lang::Ja => writeln!(
                    out,
                    "確認できなかったもの: {gaps} 件（末尾に一覧）。これらが問題ないという意味ではありません。"
                ),
            };
        }
        if !self.muted.is_empty() {
            let m = self.muted.len() + self.muted_unlisted;
            let _ = match l {
                Lang::En => writeln!(
                    out,
                    "Muted: {m} finding(s) by the mute list (listed at the end)."
                ),
                Lang::Ja => writeln!(
                    out,
                    "ミュート: {m} 件（ミュートリストによる。末尾に一覧）。"
                ),
            };
        }
        out.push('\n');
        out
    }

    /// An organization run's opening: each account scanned (its findings and the most
    /// severe) or not (why); the 50 with the most to read first, the rest counted.
    fn accounts_block(&self) -> String {
        const SHOWN: usize = 50;
        if self.accounts.is_empty() {
            return String::new();
        }
        let l = self.lang;
        let mut out = String::new();
        let unlisted = self.accounts_unlisted.unwrap_or_default();
        let not = self
            .accounts
            .iter()
            .filter(|a| a.status != "scanned")
            .count()
            + unlisted.not_scanned;
        let n = self.accounts.len() + unlisted.accounts;
        let _ = match l {
            Lang::En => writeln!(out, "Accounts: {} scanned, {not} not scanned.", n - not),
            Lang::Ja => writeln!(
                out,
                "アカウント: スキャン済み {} 件、スキャンできず {not} 件。",
                n - not
            ),
        };
        // Not scanned first, then the most severe and most findings.
        let mut order: Vec<&crate::report::AccountLine> = self.accounts.iter().collect();
        order.sort_by(|a, b| crate::report::AccountLine::reading_order(a, b));
        for a in order.iter().take(SHOWN) {
            let line = match (&a.reason, a.highest, l) {
                (Some(why), _, Lang::En) => format!("not scanned: {why}"),
                (Some(why), _, Lang::Ja) => format!("スキャンできず: {why}"),
                (None, Some(h), Lang::En) => format!("{} finding(s), most severe {h}", a.findings),
                (None, Some(h), Lang::Ja) => {
                    format!("検出 {} 件（最も重大なもの: {}）", a.findings, h.label(l))
                }
                (None, None, Lang::En) => "no findings".into(),
                (None, None, Lang::Ja) => "検出なし".into(),
            };
            let _ = writeln!(out, "  {}  {line}", a.account);
        }
        if n > SHOWN {
            let rest = n - SHOWN;
            let _ = match l {
                Lang::En => writeln!(out, "  … and {rest} more account(s), in the JSON report."),
                Lang::Ja => writeln!(out, "  …ほか {rest} アカウント（JSON レポートに記載）。"),
            };
        }
        out.push('\n');
        out
    }

    /// The digest after its subject and run lines.
    fn digest_body(&self) -> String {
        let l = self.lang;
        let mut out = String::new();
        if self.findings.is_empty() && self.quiet == 0 {
            let _ = writeln!(
                out,
                "{}\n",
                label!(
                    "No findings: every checked site should open without a certificate warning.",
                    "検出事項はありません。確認したすべてのサイトが証明書の警告なしで開けるはずです。"
                ).get(l)
            );
        } else if self.findings.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                label!("No new findings.", "新たな検出事項はありません。").get(l)
            );
        }
        // Causes in the order of their most severe finding (findings are sorted).
        let mut causes: Vec<Cause> = Vec::new();
        for f in &self.findings {
            if !causes.contains(&f.cause) {
                causes.push(f.cause);
            }
        }
        let [hostname, resource, why, fix, id_label, check_label] = [
            label!("Hostname", "ホスト名"),
            label!("Resource", "リソース"),
            label!("Why", "原因"),
            label!("Fix", "対処"),
            label!("Finding id", "検出 ID"),
            label!("check", "チェック"),
        ]
        .map(|t| t.get(l));
        for cause in causes {
            let group: Vec<&Finding> = self.findings.iter().filter(|f| f.cause == cause).collect();
            let n = group.len();
            let _ = match l {
                Lang::En => writeln!(out, "== {} ({n}) ==", cause.heading().get(l)),
                Lang::Ja => writeln!(out, "== {}（{n} 件）==", cause.heading().get(l)),
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
                let _ = writeln!(out, "[{}] {}", label!("RESOLVED", "解決").get(l), r.title);
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
            label!("no region", "リージョンなし").get(l).to_string()
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
            let _ = writeln!(
                out,
                "{}",
                label!("Skipped: nothing.", "スキップ: なし。").get(l)
            );
        } else {
            let _ = writeln!(
                out,
                "{}",
                label!(
                    "Skipped (could not be checked):",
                    "スキップ（確認できなかったもの）:"
                )
                .get(l)
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
        if !self.muted.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                label!("Muted (not reported):", "ミュート（報告していないもの）:").get(l)
            );
            for m in &self.muted {
                let until = m
                    .until
                    .map(|u| match l {
                        Lang::En => format!(", until {u}"),
                        Lang::Ja => format!("、{u} まで"),
                    })
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - {} on {}{}: {}{until}",
                    m.check,
                    m.hostname.as_deref().unwrap_or(&m.resource),
                    m.account
                        .as_deref()
                        .map(|a| format!(" ({a})"))
                        .unwrap_or_default(),
                    m.reason
                );
            }
            if self.muted_unlisted > 0 {
                let rest = self.muted_unlisted;
                let _ = match l {
                    Lang::En => writeln!(out, "  … and {rest} more, in the JSON report."),
                    Lang::Ja => writeln!(out, "  …ほか {rest} 件（JSON レポートに記載）。"),
                };
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
}

#[cfg(test)]
mod tests {
    use crate::finding::{Cause, FindingRecord, Severity};
    use crate::i18n::Lang;
    use crate::inventory::{Inventory, Skipped};
    use crate::label;
    use crate::report::{Report, Scanned, account_of};
    use crate::testkit::{finding, report_of};
    use crate::trigger::Trigger;
    use std::collections::BTreeMap;

    #[test]
    fn subject_and_digest_when_only_a_fix_is_news() {
        let mut r = report_of(vec![]);
        r.quiet = 31;
        assert_eq!(r.subject(), "acm-doctor: nothing new - 123456789012");
        r.resolved.push(FindingRecord {
            id: "alb_http_not_redirected-1".into(),
            first_seen: crate::testkit::now(),
            last_notified: crate::testkit::now(),
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
            account: None,
            kind: Default::default(),
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

    /// The digest a person reads, pinned: any change to its wording or layout shows up
    /// in review as a snapshot diff.
    #[test]
    fn digest_and_markdown_snapshots() {
        use crate::checks::Context;
        use crate::pki::trust::TrustStore;
        use crate::testkit::*;
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
            account: None,
            kind: Default::default(),
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
            let index = crate::inventory::Index::new(&inv);
            let ctx = Context {
                inventory: &index,
                hosts: &[],
                resource_addresses: &addrs,
                trust: &trust,
                ct_logs: crate::pki::ct_logs::CtLogs::bundled(),
                now: now(),
                settings: config.check_settings(),
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
            r.resolved.push(FindingRecord {
                id: "cloudfront_allows_http-0123456789abcdef".into(),
                first_seen: now() - chrono::Duration::days(3),
                last_notified: now() - chrono::Duration::days(1),
                severity: Severity::Medium,
                check: "cloudfront_allows_http".into(),
                resource: "arn:aws:cloudfront::123456789012:distribution/E1CDN".into(),
                hostname: Some("cdn.example.com".into()),
                // Stored in the language of the run that first reported it.
                title: label!(
                        "CloudFront E1CDN serves plain HTTP on its default cache behavior",
                        "CloudFront E1CDN のデフォルトのキャッシュビヘイビアが平文の HTTP で応答しています",
                    )
                    .get(lang)
                    .into(),
            });
            r.quiet = 2;
            let l = lang.as_str();
            insta::assert_snapshot!(format!("digest_{l}"), r.email_digest());
            insta::assert_snapshot!(format!("markdown_{l}"), r.markdown());
        }
    }
}
