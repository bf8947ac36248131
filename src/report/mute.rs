//! The mute list: findings people have decided to live with for a while, kept out of
//! what is reported and counted in the report's `muted` list (never dropped unseen).
//!
//! Two sources, applied the same way:
//! - a YAML file (`MUTE_FILE`: a path, or `s3://BUCKET/KEY` for the Lambda; the CLI's
//!   `--mute-file`), each entry a check (or `*`) × resource ARN glob × hostname glob ×
//!   account, with a `reason` and an `until` date after which it stops muting:
//!
//!   ```yaml
//!   mutes:
//!     - check: served_chain_untrusted
//!       hostname: "*.staging.example.com"
//!       reason: staging uses the corporate CA (ticket OPS-123)
//!       until: 2027-03-31
//!   ```
//! - the resource tag `acm-doctor:mute=<check>[,<check>…]` (or `*`) on a certificate,
//!   load balancer or distribution, which mutes those checks on that resource.
//!
//! A `scan_incomplete` finding cannot be muted: a run that could not see is never made
//! to look clean.

use super::Report;
use crate::checks::CHECKS;
use crate::finding::Finding;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The tag that mutes checks on the resource it is on.
pub use crate::inventory::MUTE_TAG as TAG;

pub use crate::config::MAX_MUTE_FILE;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    mutes: Vec<Entry>,
}

/// One entry of the file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    check: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    account: Option<String>,
    reason: String,
    until: NaiveDate,
}

/// Why a mute file cannot be used (nothing is muted by it then).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MuteError {
    #[error("the mute file is not valid YAML of the expected shape: {0}")]
    Syntax(String),
    #[error("mute entry {index}: {reason}")]
    Entry { index: usize, reason: String },
}

#[derive(Debug, Clone)]
struct Rule {
    check: Option<String>,
    resource: Option<glob::Pattern>,
    hostname: Option<glob::Pattern>,
    account: Option<String>,
    reason: String,
    until: Option<NaiveDate>,
}

impl Rule {
    /// `account`: the finding's (an organization run's) or else the report's.
    fn matches(&self, f: &Finding, account: Option<&str>, today: NaiveDate) -> bool {
        let opts = glob::MatchOptions {
            case_sensitive: false,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        self.until.is_none_or(|u| today <= u)
            && self.check.as_ref().is_none_or(|c| *c == f.check)
            && self
                .resource
                .as_ref()
                .is_none_or(|p| p.matches_with(&f.resource, opts))
            && self.hostname.as_ref().is_none_or(|p| {
                f.hostname
                    .as_deref()
                    .is_some_and(|h| p.matches_with(h, opts))
            })
            && self
                .account
                .as_ref()
                .is_none_or(|a| account == Some(a.as_str()))
    }
}

/// A parsed mute list (file entries and tags).
#[derive(Debug, Clone, Default)]
pub struct MuteList {
    rules: Vec<Rule>,
}

/// A finding kept out of the report, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Muted {
    pub id: String,
    pub check: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

fn known_check(c: &str) -> bool {
    c == "*" || CHECKS.iter().any(|k| k.id() == c)
}

/// The finding resources a tag on `resource` covers: the resource itself and, for a
/// load balancer, its listeners and their rules (where most of its findings are, and
/// what people tag is the load balancer): ELB v2 `loadbalancer/app/NAME/ID` covers
/// `listener/app/NAME/ID/…`, a Classic `loadbalancer/NAME` covers `loadbalancer/NAME/…`.
fn covered_by(resource: &str) -> Vec<glob::Pattern> {
    let exact = glob::Pattern::escape(resource);
    let mut out = vec![exact.clone()];
    if let Some((head, rest)) = resource.split_once(":loadbalancer/") {
        if rest.matches('/').count() >= 2 {
            // v2: app/, net/ or gwy/ NAME/ID.
            for kind in ["listener", "listener-rule"] {
                out.push(format!(
                    "{}:{kind}/{}/*",
                    glob::Pattern::escape(head),
                    glob::Pattern::escape(rest)
                ));
            }
        } else if !rest.contains('/') {
            out.push(format!("{exact}/*"));
        }
    }
    out.into_iter()
        .filter_map(|p| glob::Pattern::new(&p).ok())
        .collect()
}

impl MuteList {
    /// Parses a mute file; every entry is checked (a known check or `*`, globs that
    /// compile, a reason, an `until` date, and something to match besides the check).
    pub fn parse(text: &str) -> Result<MuteList, MuteError> {
        let file: File =
            serde_yaml_ng::from_str(text).map_err(|e| MuteError::Syntax(e.to_string()))?;
        let mut rules = Vec::new();
        for (i, e) in file.mutes.into_iter().enumerate() {
            let index = i + 1;
            let bad = |reason: String| MuteError::Entry { index, reason };
            if !known_check(&e.check) {
                return Err(bad(format!(
                    "no check is called {:?} (`acm-doctor catalog` lists them)",
                    e.check
                )));
            }
            if e.check == "scan_incomplete" {
                return Err(bad(
                    "scan_incomplete cannot be muted: a run that could not see must say so".into(),
                ));
            }
            if e.reason.trim().is_empty() {
                return Err(bad("a reason is required".into()));
            }
            if e.resource.is_none() && e.hostname.is_none() && e.account.is_none() {
                return Err(bad("name a resource, a hostname or an account to mute (a whole check is turned off with --exclude-checks)".into()));
            }
            let pattern = |field: &str, v: &Option<String>| {
                v.as_deref()
                    .map(|p| {
                        glob::Pattern::new(p).map_err(|err| bad(format!("{field} {p:?}: {err}")))
                    })
                    .transpose()
            };
            rules.push(Rule {
                check: (e.check != "*").then_some(e.check),
                resource: pattern("resource", &e.resource)?,
                hostname: pattern("hostname", &e.hostname)?,
                account: e.account,
                reason: e.reason,
                until: Some(e.until),
            });
        }
        Ok(MuteList { rules })
    }

    /// Adds the tag `acm-doctor:mute=VALUE` found on `resource`. Unknown check names in
    /// the value are returned (the tag is honoured for the others).
    pub fn add_tag(&mut self, resource: &str, value: &str) -> Vec<String> {
        let mut unknown = Vec::new();
        for c in value
            .split([',', ' ', '/'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if !known_check(c) || c == "scan_incomplete" {
                unknown.push(c.to_string());
                continue;
            }
            for pattern in covered_by(resource) {
                self.rules.push(Rule {
                    check: (c != "*").then(|| c.to_string()),
                    resource: Some(pattern),
                    hostname: None,
                    account: None,
                    reason: format!("tag {TAG}={value} on {resource}"),
                    until: None,
                });
            }
        }
        unknown
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Entries whose `until` date has passed at `now` (they no longer mute).
    pub fn expired(&self, now: DateTime<Utc>) -> usize {
        let today = now.date_naive();
        self.rules
            .iter()
            .filter(|r| r.until.is_some_and(|u| today > u))
            .count()
    }
}

impl Report {
    /// The report without the findings `list` mutes at `now`, which are listed in
    /// `muted` instead (the counts follow).
    pub fn muting(mut self, list: &MuteList, now: DateTime<Utc>) -> Report {
        if list.is_empty() {
            return self;
        }
        let today = now.date_naive();
        let mut kept = Vec::new();
        for f in std::mem::take(&mut self.findings) {
            let account = f.account.clone().or_else(|| self.account.clone());
            let rule = (f.check != "scan_incomplete")
                .then(|| {
                    list.rules
                        .iter()
                        .find(|r| r.matches(&f, account.as_deref(), today))
                })
                .flatten();
            match rule {
                Some(r) => self.muted.push(Muted {
                    id: f.id.clone(),
                    check: f.check.clone(),
                    resource: f.resource.clone(),
                    hostname: f.hostname.clone(),
                    account: f.account.clone(),
                    reason: r.reason.clone(),
                    until: r.until,
                }),
                None => kept.push(f),
            }
        }
        self.summary = super::Summary::of(&kept);
        self.findings = kept;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Severity};
    use crate::testkit;

    const FILE: &str = "mutes:\n  - check: mixed_content\n    hostname: \"*.example.com\"\n    reason: the CMS team fixes it in January (WEB-42)\n    until: 2026-12-31\n  - check: \"*\"\n    resource: \"arn:aws:elasticloadbalancing:*:loadbalancer/app/old/*\"\n    reason: decommissioned in Q1\n    until: 2027-03-31\n";

    #[test]
    fn entries_mute_matching_findings_and_the_report_counts_them() {
        let list = MuteList::parse(FILE).unwrap();
        let r = testkit::sample_report().muting(&list, testkit::now());
        let checks: Vec<&str> = r.findings.iter().map(|f| f.check.as_str()).collect();
        assert_eq!(checks, ["certificate_expired", "alb_host_not_covered"]);
        assert_eq!(r.muted.len(), 2);
        assert_eq!(r.muted[0].check, "mixed_content");
        assert!(r.muted[0].reason.contains("WEB-42"));
        assert_eq!(r.summary.total, 2);
    }

    /// The twin: past its `until` an entry mutes nothing, and says it expired.
    #[test]
    fn an_expired_entry_mutes_nothing() {
        let list = MuteList::parse(FILE).unwrap();
        let later = testkit::now() + chrono::Duration::days(500);
        let r = testkit::sample_report().muting(&list, later);
        assert_eq!(r.findings.len(), 4);
        assert!(r.muted.is_empty());
        assert_eq!(list.expired(later), 2);
        assert_eq!(list.expired(testkit::now()), 0);
    }

    #[test]
    fn a_tag_mutes_its_checks_on_its_resource_only() {
        let r = testkit::sample_report();
        let lb = r.findings[1].resource.clone();
        let mut list = MuteList::default();
        assert_eq!(
            list.add_tag(&lb, "alb_host_not_covered,nonsense"),
            ["nonsense"]
        );
        let out = r.clone().muting(&list, testkit::now());
        assert_eq!(out.findings.len(), 3);
        assert!(out.muted[0].reason.contains("acm-doctor:mute"));
        // Another check on the same resource stays.
        let mut other = MuteList::default();
        other.add_tag(&lb, "legacy_tls_policy");
        assert_eq!(r.muting(&other, testkit::now()).findings.len(), 4);
    }

    /// A tag on a load balancer covers its listeners' findings; the twins: a load
    /// balancer whose name starts the same, and another one's listener, stay reported.
    #[test]
    fn a_load_balancer_tag_covers_its_listeners_only() {
        let acct = "arn:aws:elasticloadbalancing:us-east-1:123456789012";
        let f = |resource: String| {
            testkit::finding(
                "alb_host_not_covered",
                Severity::High,
                Cause::NameMismatch,
                &resource,
            )
        };
        let report = testkit::report_of(vec![
            f(format!(
                "{acct}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2"
            )),
            f(format!(
                "{acct}:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
            )),
            f(format!(
                "{acct}:listener/app/shop2/50dc6c495c0c9188/f2f7dc8efc522ab2"
            )),
            f(format!(
                "{acct}:listener/app/shop/60dc6c495c0c9188/f2f7dc8efc522ab2"
            )),
            f(format!("{acct}:loadbalancer/classic/listener/443")),
            f(format!("{acct}:loadbalancer/classic2/listener/443")),
        ]);
        let mut list = MuteList::default();
        list.add_tag(
            &format!("{acct}:loadbalancer/app/shop/50dc6c495c0c9188"),
            "*",
        );
        list.add_tag(
            &format!("{acct}:loadbalancer/classic"),
            "alb_host_not_covered",
        );
        let out = report.muting(&list, testkit::now());
        let mut kept: Vec<&str> = out
            .findings
            .iter()
            .map(|f| f.resource.strip_prefix(acct).unwrap())
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            [
                ":listener/app/shop/60dc6c495c0c9188/f2f7dc8efc522ab2",
                ":listener/app/shop2/50dc6c495c0c9188/f2f7dc8efc522ab2",
                ":loadbalancer/classic2/listener/443",
            ]
        );
        assert_eq!(out.muted.len(), 3);
    }

    #[test]
    fn scan_incomplete_is_never_muted() {
        let f = testkit::finding(
            "scan_incomplete",
            Severity::High,
            Cause::ScanIncomplete,
            "acm-doctor",
        );
        let mut list = MuteList::default();
        list.add_tag("acm-doctor", "*");
        let r = testkit::report_of(vec![f]).muting(&list, testkit::now());
        assert!(r.incomplete());
        assert!(MuteList::parse("mutes:\n  - check: scan_incomplete\n    account: \"111111111111\"\n    reason: x\n    until: 2027-01-01\n").is_err());
    }

    #[test]
    fn bad_files_are_errors_that_say_which_entry() {
        for (text, want) in [
            ("mutes: [", "not valid YAML"),
            (
                "mutes:\n  - check: nope\n    hostname: a\n    reason: r\n    until: 2027-01-01\n",
                "entry 1",
            ),
            (
                "mutes:\n  - check: mixed_content\n    reason: r\n    until: 2027-01-01\n",
                "name a resource",
            ),
            (
                "mutes:\n  - check: mixed_content\n    hostname: a\n    reason: \" \"\n    until: 2027-01-01\n",
                "reason",
            ),
            (
                "mutes:\n  - check: mixed_content\n    hostname: a\n    reason: r\n",
                "until",
            ),
            (
                "mutes:\n  - check: mixed_content\n    hostname: \"[\"\n    reason: r\n    until: 2027-01-01\n",
                "hostname",
            ),
            (
                "mutes:\n  - check: mixed_content\n    hostname: a\n    reason: r\n    until: 2027-01-01\n    typo: 1\n",
                "typo",
            ),
        ] {
            let e = MuteList::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
