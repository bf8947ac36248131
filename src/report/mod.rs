//! Report: the `acm-doctor.report.v1` model — findings deduped and ordered, what was
//! scanned and skipped, the counts — rendered in one language. Each output format is its
//! own file: [`digest`] (email and subject), [`markdown`], [`table`], [`probe_text`],
//! [`asff`], [`sarif`], [`junit`], [`csv`], [`html`], [`metrics`] (EMF), [`catalog`];
//! [`schema`] holds the JSON Schemas the JSON outputs follow. Never judges.

use crate::finding::{Cause, Finding, Severity};
use crate::i18n::Lang;
use crate::inventory::{Inventory, Skipped};
use crate::trigger::Trigger;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

pub mod asff;
pub mod catalog;
pub mod csv;
pub mod digest;
pub mod escape;
pub mod filter;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod metrics;
pub mod mute;
pub mod probe_text;
pub mod sarif;
pub mod schema;
pub mod table;

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
    pub resolved: Vec<crate::finding::FindingRecord>,
    /// Findings still present but already notified within `RENOTIFY_HOURS`.
    #[serde(skip_serializing_if = "is_zero")]
    pub quiet: usize,
    /// Findings the mute list or an `acm-doctor:mute` tag kept out (and why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub muted: Vec<mute::Muted>,
    /// Muted findings not listed in `muted` (an SNS message lists at most 50; counted).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub muted_unlisted: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// Language of the findings' texts and the digest (`REPORT_LANGUAGE`).
    pub lang: Lang,
    /// An organization run's accounts, each scanned or not (and why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountLine>,
    /// Accounts not listed in `accounts` (an SNS message lists at most 50; counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_unlisted: Option<UnlistedAccounts>,
    /// Where the whole report is kept (`s3://RUN_BUCKET/KEY`), when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_report: Option<String>,
    /// Every certificate scanned, in use or not (the HTML report's expiry timeline).
    /// Not serialized: the report's header rides in every SNS part.
    #[serde(skip)]
    pub certificates: Vec<CertificateLine>,
}

/// One certificate as the HTML report's timeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateLine {
    pub arn: String,
    pub domain: String,
    pub region: String,
    pub not_after: Option<DateTime<Utc>>,
    pub in_use: bool,
}

impl CertificateLine {
    /// Every certificate of the inventory, soonest expiry first.
    pub fn of(inv: &Inventory) -> Vec<CertificateLine> {
        let mut out: Vec<CertificateLine> = inv
            .certificates
            .iter()
            .map(|c| CertificateLine {
                arn: c.arn.clone(),
                domain: c.domain_name.clone(),
                region: c.region.clone(),
                not_after: c.not_after,
                in_use: inv.is_in_use(c),
            })
            .collect();
        out.sort_by(|a, b| (a.not_after, &a.arn).cmp(&(b.not_after, &b.arn)));
        out
    }
}

/// One account of an organization run, as the report's header lists it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct AccountLine {
    pub account: String,
    /// `scanned` or `not-scanned`.
    pub status: String,
    pub findings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How many accounts a report leaves out of `accounts`, and how many of those were not
/// scanned (so the counts a reader sees stay whole).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UnlistedAccounts {
    pub accounts: usize,
    pub not_scanned: usize,
}

impl AccountLine {
    /// The order accounts are read in: not scanned first, then the most severe, the most
    /// findings, the account id.
    pub fn reading_order(a: &AccountLine, b: &AccountLine) -> std::cmp::Ordering {
        (a.status == "scanned")
            .cmp(&(b.status == "scanned"))
            .then(b.highest.cmp(&a.highest))
            .then(b.findings.cmp(&a.findings))
            .then(a.account.cmp(&b.account))
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Renders findings in `lang`: the one place a finding's texts are chosen for a reader
/// (checks write every language; reports, the probe's output and Security Hub read the
/// rendered fields).
pub fn localize(findings: &mut [Finding], lang: Lang) {
    for f in findings {
        f.localize(lang);
    }
}

/// Keeps one finding per id (the most severe) and orders them: severity first, then
/// cause, resource, hostname — so the same estate always reads the same way.
pub fn dedupe_and_order(findings: Vec<Finding>) -> Vec<Finding> {
    // Ids are unique per account (an organization run prefixes them with it).
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
            muted: Vec::new(),
            muted_unlisted: 0,
            part: None,
            lang: Lang::En,
            accounts: Vec::new(),
            accounts_unlisted: None,
            full_report: None,
            certificates: Vec::new(),
        }
    }

    /// Renders the report in `lang`: each finding's title, detail and steps, and the
    /// wording of every format drawn from the report.
    pub fn in_language(mut self, lang: Lang) -> Report {
        localize(&mut self.findings, lang);
        self.lang = lang;
        self
    }

    /// Whether the run could not see everything (a `scan_incomplete` finding).
    pub fn incomplete(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.cause == crate::finding::Cause::ScanIncomplete)
    }

    /// The same report carrying only `findings` (a part of a split, or what a run
    /// notifies), with the summary recounted.
    pub fn with_findings(&self, findings: Vec<Finding>) -> Report {
        // Every field but the findings, named, so the report's own findings are never
        // copied on the way (`..self.clone()` would clone them all, then drop them).
        let Report {
            schema,
            run_id,
            account,
            trigger,
            generated_at,
            scanned,
            skipped,
            summary: _,
            findings: _,
            resolved,
            quiet,
            muted,
            muted_unlisted,
            part,
            lang,
            accounts,
            accounts_unlisted,
            full_report,
            certificates,
        } = self;
        Report {
            schema,
            run_id: run_id.clone(),
            account: account.clone(),
            trigger: trigger.clone(),
            generated_at: *generated_at,
            scanned: scanned.clone(),
            skipped: skipped.clone(),
            summary: Summary::of(&findings),
            findings,
            resolved: resolved.clone(),
            quiet: *quiet,
            muted: muted.clone(),
            muted_unlisted: *muted_unlisted,
            part: *part,
            lang: *lang,
            accounts: accounts.clone(),
            accounts_unlisted: *accounts_unlisted,
            full_report: full_report.clone(),
            certificates: certificates.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("report serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{finding, report_of};

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
}
