//! The finding: what a check reports, with everything a person needs to act on it —
//! shared vocabulary every stage may import (severity, cause, the finding and its
//! texts, the record of a finding already notified). Over 400 lines because it is the
//! one vocabulary file the issue asked for; half of it is the two enums' labels.

use crate::i18n::{Label, Lang, Text};
use crate::label;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One problem on one resource (and hostname, where there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs: derived from the check, resource, hostname and key only.
    pub id: String,
    pub cause: Cause,
    /// The check's id (its module name).
    pub check: String,
    pub severity: Severity,
    /// ARN of the resource (or `host:NAME` for a hostname with no AWS resource).
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    pub region: String,
    /// The AWS account the resource is in, in an organization run (`ORG_ACCOUNTS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub title: String,
    pub detail: String,
    /// Steps a person can follow, in order.
    pub remediation: Vec<String>,
    pub evidence: BTreeMap<String, serde_json::Value>,
    /// Distinguishes several findings of one check on one resource and hostname (a
    /// cache behavior's path, a pin); part of the id, not shown.
    #[serde(skip)]
    pub key: String,
    /// The texts in every language; `title`, `detail` and `remediation` hold the one
    /// the run reports in (English until [`Finding::localize`]).
    #[serde(skip)]
    pub text: Texts,
}

/// A finding's wording in every language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    pub title: Text,
    pub detail: Text,
    pub steps: Vec<Step>,
}

/// One remediation step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Something to read, written in each language.
    Prose(Text),
    /// A command to paste: the same in every language.
    Command(String),
}

impl Step {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Step::Prose(t) => t.get(lang),
            Step::Command(c) => c,
        }
    }
}

impl Finding {
    /// Starts a finding; the cause and id are filled in by `checks::run_all`.
    pub fn new(
        check: &str,
        severity: Severity,
        resource: impl Into<String>,
        region: impl Into<String>,
    ) -> Finding {
        Finding {
            id: String::new(),
            cause: Cause::TlsConfiguration,
            check: check.to_string(),
            severity,
            resource: resource.into(),
            hostname: None,
            region: region.into(),
            account: None,
            title: String::new(),
            detail: String::new(),
            remediation: Vec::new(),
            evidence: BTreeMap::new(),
            key: String::new(),
            text: Texts::default(),
        }
    }
    pub fn hostname(mut self, h: impl Into<String>) -> Self {
        self.hostname = Some(h.into());
        self
    }
    pub fn title(mut self, t: impl Into<Text>) -> Self {
        self.text.title = t.into();
        self.title = self.text.title.en.clone();
        self
    }
    pub fn detail(mut self, d: impl Into<Text>) -> Self {
        self.text.detail = d.into();
        self.detail = self.text.detail.en.clone();
        self
    }
    /// A step to read, in every language.
    pub fn step(mut self, s: impl Into<Text>) -> Self {
        let s = s.into();
        self.remediation.push(s.en.clone());
        self.text.steps.push(Step::Prose(s));
        self
    }
    /// A command to run (AWS CLI), the same in every language.
    pub fn command(mut self, c: impl Into<String>) -> Self {
        let c = c.into();
        self.remediation.push(c.clone());
        self.text.steps.push(Step::Command(c));
        self
    }
    /// Several steps at once (a recipe shared by several findings).
    pub fn steps(mut self, steps: &[Step]) -> Self {
        for s in steps {
            self = match s {
                Step::Prose(t) => self.step(t.clone()),
                Step::Command(c) => self.command(c.clone()),
            };
        }
        self
    }
    /// Renders `title`, `detail` and `remediation` in `lang`.
    pub fn localize(&mut self, lang: Lang) {
        self.title = self.text.title.get(lang).to_string();
        self.detail = self.text.detail.get(lang).to_string();
        self.remediation = self
            .text
            .steps
            .iter()
            .map(|s| s.get(lang).to_string())
            .collect();
    }
    pub fn evidence(mut self, k: &str, v: impl Serialize) -> Self {
        self.evidence.insert(
            k.to_string(),
            serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
        );
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.key = k.into();
        self
    }

    /// The remediation steps as `1. …`, `2. …` lines (the machine formats' fix text).
    pub fn numbered_lines(&self) -> Vec<String> {
        self.remediation
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect()
    }

    /// The remediation as numbered steps: a command that follows a step ending in ':'
    /// belongs to that step (it is what the step asks to run).
    /// Whether remediation step `i` is a command to paste (known only while the
    /// structured steps are at hand: a finding read back from JSON has only strings).
    pub fn step_is_command(&self, i: usize) -> bool {
        self.text.steps.len() == self.remediation.len()
            && matches!(self.text.steps.get(i), Some(Step::Command(_)))
    }

    /// The remediation as numbered steps: a command that follows a step ending in ':'
    /// belongs to that step (it is what the step asks to run).
    pub fn numbered_steps(&self) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = Vec::new();
        for (i, s) in self.remediation.iter().enumerate() {
            let attach = self.step_is_command(i)
                && out
                    .last()
                    .and_then(|g| g.last())
                    .is_some_and(|prev| prev.ends_with(':') || prev.ends_with('：'));
            match out.last_mut() {
                Some(group) if attach => group.push(s),
                _ => out.push(vec![s]),
            }
        }
        out
    }

    /// The one line a table shows: the first command to run, else the first step.
    pub fn first_fix(&self) -> &str {
        self.remediation
            .iter()
            .enumerate()
            .find(|(i, _)| matches!(self.text.steps.get(*i), Some(Step::Command(_))))
            .or_else(|| self.remediation.iter().enumerate().next())
            .map(|(_, s)| s.as_str())
            .unwrap_or("")
    }

    /// Computes the stable id: the same problem on the same resource keeps its id
    /// across runs, whatever its severity or wording, so state and dedupe can rely on it.
    pub fn assign_id(&mut self) {
        let mut h = Sha256::new();
        for part in [
            self.check.as_str(),
            self.resource.as_str(),
            self.hostname.as_deref().unwrap_or(""),
            self.key.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        self.id = format!("{}-{}", self.check, hex(&digest[..8]));
    }

    /// Holds the finding to a size one SNS message always fits (a hostile page's
    /// 1.5 MiB URL once made a finding SNS refused, retry after retry): each text at most
    /// [`MAX_TEXT`] bytes, each evidence string [`MAX_EVIDENCE_STRING`], each list
    /// [`MAX_EVIDENCE_ITEMS`] items, the whole evidence [`MAX_EVIDENCE`]; what is cut
    /// says so.
    pub fn bound(&mut self) {
        clip(&mut self.resource, MAX_TEXT);
        for t in [&mut self.title, &mut self.detail] {
            clip(t, MAX_TEXT);
        }
        for t in [&mut self.text.title, &mut self.text.detail] {
            clip(&mut t.en, MAX_TEXT);
            clip(&mut t.ja, MAX_TEXT);
        }
        self.remediation.iter_mut().for_each(|s| clip(s, MAX_TEXT));
        for step in &mut self.text.steps {
            match step {
                Step::Prose(t) => {
                    clip(&mut t.en, MAX_TEXT);
                    clip(&mut t.ja, MAX_TEXT);
                }
                Step::Command(c) => clip(c, MAX_TEXT),
            }
        }
        self.evidence.values_mut().for_each(bound_value);
        let size = serde_json::to_string(&self.evidence).map_or(0, |s| s.len());
        if size > MAX_EVIDENCE {
            self.evidence = BTreeMap::from([(
                "evidence_omitted".to_string(),
                serde_json::Value::String(format!(
                    "{size} bytes of evidence, more than {MAX_EVIDENCE}; run `acm-doctor probe HOST --json` for all of it"
                )),
            )]);
        }
    }
}

/// Longest title, detail, step or resource kept (bytes).
pub const MAX_TEXT: usize = 4 * 1024;
/// Longest evidence string kept (bytes): a URL or a header, not a page.
pub const MAX_EVIDENCE_STRING: usize = 2 * 1024;
/// Most items kept of one evidence list.
pub const MAX_EVIDENCE_ITEMS: usize = 50;
/// Largest evidence kept for one finding (bytes of JSON).
pub const MAX_EVIDENCE: usize = 48 * 1024;

/// Cuts `s` to at most `max` bytes (on a character boundary), saying how much was cut.
pub fn clip(s: &mut String, max: usize) {
    if s.len() <= max {
        return;
    }
    let total = s.len();
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push_str(&format!("… [truncated: {total} bytes]"));
}

fn bound_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => clip(s, MAX_EVIDENCE_STRING),
        serde_json::Value::Array(items) => {
            if items.len() > MAX_EVIDENCE_ITEMS {
                let more = items.len() - MAX_EVIDENCE_ITEMS;
                items.truncate(MAX_EVIDENCE_ITEMS);
                items.push(serde_json::Value::String(format!("… and {more} more")));
            }
            items.iter_mut().for_each(bound_value);
        }
        serde_json::Value::Object(map) => map.values_mut().for_each(bound_value),
        _ => {}
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Severity of a finding, ordered from least to most urgent.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    /// The word a report in `lang` uses (Security Hub's Japanese console labels for ja).
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::Lang;
        match (lang, self) {
            (Lang::En, s) => s.as_str(),
            (Lang::Ja, Severity::Critical) => "重大",
            (Lang::Ja, Severity::High) => "高",
            (Lang::Ja, Severity::Medium) => "中",
            (Lang::Ja, Severity::Low) => "低",
            (Lang::Ja, Severity::Info) => "情報",
        }
    }
    /// The tag a text report puts before a finding: `[HIGH]`'s word in English,
    /// [`Severity::label`] in Japanese.
    pub fn tag(self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::En => self.as_str().to_uppercase(),
            crate::i18n::Lang::Ja => self.label(lang).to_string(),
        }
    }
    pub const ALL_DESC: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err("expected one of critical, high, medium, low, info".into()),
        }
    }
}

/// Why a browser would complain: the eight causes, plus extra TLS hygiene, and a scan
/// that could not see everything (never a clean verdict for what was not seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    NameMismatch,
    Expired,
    Untrusted,
    MixedContent,
    NotAssociated,
    HttpNotRedirected,
    Pinning,
    CertificateTransparency,
    TlsConfiguration,
    ScanIncomplete,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::NameMismatch => "name-mismatch",
            Cause::Expired => "expired",
            Cause::Untrusted => "untrusted",
            Cause::MixedContent => "mixed-content",
            Cause::NotAssociated => "not-associated",
            Cause::HttpNotRedirected => "http-not-redirected",
            Cause::Pinning => "pinning",
            Cause::CertificateTransparency => "certificate-transparency",
            Cause::TlsConfiguration => "tls-configuration",
            Cause::ScanIncomplete => "scan-incomplete",
        }
    }

    /// The digest's heading for findings of this cause.
    pub fn heading(self) -> Label {
        match self {
            Cause::NameMismatch => label!(
                "Name mismatch: the certificate does not cover the hostname",
                "ホスト名の不一致: 証明書がホスト名をカバーしていない"
            ),
            Cause::Expired => label!(
                "Expired or expiring certificates",
                "有効期限切れ・期限切れ間近の証明書"
            ),
            Cause::Untrusted => label!("Untrusted certificates", "信頼されない証明書"),
            Cause::MixedContent => label!(
                "Mixed content on HTTPS pages",
                "HTTPS ページの混在コンテンツ"
            ),
            Cause::NotAssociated => label!(
                "Certificates not attached where visitors arrive",
                "訪問者が到達する場所に証明書が関連付けられていない"
            ),
            Cause::HttpNotRedirected => label!(
                "HTTP not redirected to HTTPS",
                "HTTP から HTTPS へリダイレクトされない"
            ),
            Cause::Pinning => label!("Pinned keys that will rotate", "更新で変わる鍵へのピン留め"),
            Cause::CertificateTransparency => label!(
                "Certificate transparency",
                "証明書の透明性（Certificate Transparency）"
            ),
            Cause::TlsConfiguration => label!("TLS configuration", "TLS の設定"),
            Cause::ScanIncomplete => {
                label!("Not everything could be checked", "確認できなかったもの")
            }
        }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding as it was notified: what the state table holds per finding id, and what a
/// report carries for a problem announced as resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    pub id: String,
    pub first_seen: DateTime<Utc>,
    pub last_notified: DateTime<Utc>,
    pub severity: Severity,
    pub check: String,
    pub resource: String,
    pub hostname: Option<String>,
    pub title: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tr;

    #[test]
    fn commands_join_the_step_that_introduces_them_in_every_language() {
        let mut f = Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1")
            .step(tr!(
                "Request a replacement:",
                "代わりの証明書をリクエストします:"
            ))
            .command("aws acm request-certificate --domain-name a.example.com")
            .step(tr!("Attach it.", "関連付けます。"))
            .command("aws elbv2 add-listener-certificates");
        assert_eq!(
            f.first_fix(),
            "aws acm request-certificate --domain-name a.example.com"
        );
        for lang in Lang::ALL {
            f.localize(lang);
            let steps = f.numbered_steps();
            assert_eq!(steps.len(), 3, "{lang:?}: {steps:?}");
            assert_eq!(steps[0].len(), 2);
            assert_eq!(
                steps[0][1],
                "aws acm request-certificate --domain-name a.example.com"
            );
            assert_eq!(steps[2], vec!["aws elbv2 add-listener-certificates"]);
        }
        assert_eq!(f.remediation[0], "代わりの証明書をリクエストします:");
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("Critical".parse::<Severity>().unwrap(), Severity::Critical);
        assert!("urgent".parse::<Severity>().is_err());
    }

    #[test]
    fn id_is_stable_and_ignores_wording_and_severity() {
        let mut a =
            Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1").title("A");
        let mut b = Finding::new(
            "certificate_expired",
            Severity::Critical,
            "arn:x",
            "us-east-1",
        )
        .title("B");
        a.assign_id();
        b.assign_id();
        assert_eq!(a.id, b.id);
        let mut c = Finding::new("certificate_expired", Severity::High, "arn:y", "us-east-1");
        c.assign_id();
        assert_ne!(a.id, c.id);
        let mut d = Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1")
            .hostname("a.example.com");
        d.assign_id();
        assert_ne!(a.id, d.id);
    }

    /// Issue 11: a hostile page's 1.5 MiB URL cannot make one finding larger than SNS
    /// takes; what is cut says so. Its twin: an ordinary finding is left as it is.
    #[test]
    fn a_huge_finding_is_bounded_and_says_what_was_cut() {
        let url = format!("http://cdn.example.com/{}", "a".repeat(1536 * 1024));
        let refs: Vec<String> = (0..500)
            .map(|i| format!("http://x.example.com/{i}"))
            .collect();
        let mut f = Finding::new("mixed_content", Severity::High, "host:x", "-")
            .title(format!("loads {url}"))
            .detail(url.clone())
            .command(format!("curl {url}"))
            .evidence("url", &url)
            .evidence("refs", &refs);
        f.bound();
        let size = serde_json::to_string(&f).unwrap().len();
        assert!(size < 64 * 1024, "{size}");
        assert!(
            f.title.ends_with("bytes]"),
            "{}",
            &f.title[f.title.len() - 40..]
        );
        assert!(f.text.detail.ja.contains("[truncated: "));
        assert!(f.remediation[0].len() < MAX_TEXT + 64);
        assert_eq!(
            f.evidence["refs"].as_array().unwrap().len(),
            MAX_EVIDENCE_ITEMS + 1
        );
        assert!(
            f.evidence["url"]
                .as_str()
                .unwrap()
                .contains("[truncated: 1572887 bytes]")
        );
        // Twin: a finding of ordinary size is unchanged.
        let ok = Finding::new("mixed_content", Severity::High, "host:x", "-")
            .title("loads http://cdn.example.com/app.js")
            .evidence("refs", &refs[..3]);
        let mut bounded = ok.clone();
        bounded.bound();
        assert_eq!(bounded, ok);
    }
}
