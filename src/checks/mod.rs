//! Checks: pure functions from inventory + probe facts + a clock to findings.
//!
//! One module per check, its id equal to its module name, all registered in [`CHECKS`].
//! Each module opens with what it detects, what the browser shows and how to fix it.
//! A check never does I/O and never fails: what it cannot judge it leaves alone.

use crate::config::Config;
use crate::i18n::Text;
use crate::inventory::Inventory;
use crate::probe::HostFacts;
use crate::tr;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;
use trust::TrustStore;

pub mod catalog;
pub mod ct_logs;
mod finding;
pub mod live;
pub mod pins;
pub mod trust;
pub mod x509;

pub use finding::*;

// Configuration checks (what AWS is set up to do).
pub mod alb_host_not_covered;
pub mod alb_http_not_redirected;
pub mod certificate_expired;
pub mod certificate_expiring;
pub mod certificate_unused;
pub mod cloudfront_alias_not_covered;
pub mod cloudfront_allows_http;
pub mod cloudfront_certificate_region;
pub mod ct_logging_disabled;
pub mod imported_chain_incomplete;
pub mod imported_self_signed;
pub mod legacy_tls_policy;
pub mod pinned_rotating_key;
pub mod private_certificate_public_endpoint;
pub mod renewal_failed;
pub mod renewal_ineligible;
pub mod validation_record_missing;

// Live checks (what a visitor gets, from the probe's facts).
pub mod dns_not_associated;
pub mod http_not_redirected_live;
pub mod mixed_content;
pub mod sct_count_below_policy;
pub mod served_certificate_expired;
pub mod served_certificate_stale;
pub mod served_chain_untrusted;
pub mod served_name_mismatch;

/// Everything a check may look at. Time is an input, never read from the clock.
pub struct Context<'a> {
    pub inventory: &'a Inventory,
    /// What the probe saw, one entry per hostname (empty when probing is off).
    pub hosts: &'a [HostFacts],
    /// Addresses the inventory's own DNS names (load balancers, distributions) resolve to.
    pub resource_addresses: &'a BTreeMap<String, Vec<IpAddr>>,
    /// The roots a browser (and the user's own clients) trust.
    pub trust: &'a TrustStore,
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    /// False in an event-scoped run: the inventory then holds only some certificates,
    /// so account-wide judgements (a pin that matches nothing) are left out.
    pub full_scan: bool,
}

/// The human text behind a check: the single source for the finding texts and the
/// catalog.
#[derive(Debug)]
pub struct CheckDoc {
    /// What the check detects.
    pub detects: &'static str,
    /// What a visitor's browser shows.
    pub browser: &'static str,
    /// How to fix it, in general terms (findings add the exact commands).
    pub fix: &'static str,
    /// The same three, in Japanese.
    pub detects_ja: &'static str,
    pub browser_ja: &'static str,
    pub fix_ja: &'static str,
}

impl CheckDoc {
    /// `(detects, browser, fix)` in `lang`.
    pub fn texts(&self, lang: crate::i18n::Lang) -> [&'static str; 3] {
        match lang {
            crate::i18n::Lang::En => [self.detects, self.browser, self.fix],
            crate::i18n::Lang::Ja => [self.detects_ja, self.browser_ja, self.fix_ja],
        }
    }
}

/// A check: a pure function over a [`Context`].
pub trait Check: Sync {
    /// Fine-grained id, equal to the module name.
    fn id(&self) -> &'static str;
    /// The cause among the eight (or an extra one) that this check diagnoses.
    fn cause(&self) -> Cause;
    fn doc(&self) -> &'static CheckDoc;
    /// `module_path!()` of the implementing module, to keep ids honest.
    fn module(&self) -> &'static str;
    fn run(&self, ctx: &Context) -> Vec<Finding>;
}

/// Declares a check's unit struct and the boilerplate of its [`Check`] impl; the module
/// supplies `fn run(ctx: &Context) -> Vec<Finding>` and `DOC`.
macro_rules! declare_check {
    ($ty:ident, $id:literal, $cause:expr) => {
        /// See the module documentation.
        pub struct $ty;
        impl $ty {
            pub const ID: &'static str = $id;
        }
        impl $crate::checks::Check for $ty {
            fn id(&self) -> &'static str {
                $id
            }
            fn cause(&self) -> $crate::checks::Cause {
                $cause
            }
            fn doc(&self) -> &'static $crate::checks::CheckDoc {
                &DOC
            }
            fn module(&self) -> &'static str {
                module_path!()
            }
            fn run(&self, ctx: &$crate::checks::Context) -> Vec<$crate::checks::Finding> {
                run(ctx)
            }
        }
    };
}
pub(crate) use declare_check;

/// Every check, in one list.
pub const CHECKS: &[&dyn Check] = &[
    &certificate_expired::CertificateExpired,
    &certificate_expiring::CertificateExpiring,
    &renewal_failed::RenewalFailed,
    &renewal_ineligible::RenewalIneligible,
    &validation_record_missing::ValidationRecordMissing,
    &certificate_unused::CertificateUnused,
    &alb_http_not_redirected::AlbHttpNotRedirected,
    &cloudfront_allows_http::CloudfrontAllowsHttp,
    &alb_host_not_covered::AlbHostNotCovered,
    &cloudfront_alias_not_covered::CloudfrontAliasNotCovered,
    &imported_self_signed::ImportedSelfSigned,
    &imported_chain_incomplete::ImportedChainIncomplete,
    &private_certificate_public_endpoint::PrivateCertificatePublicEndpoint,
    &ct_logging_disabled::CtLoggingDisabled,
    &pinned_rotating_key::PinnedRotatingKey,
    &cloudfront_certificate_region::CloudfrontCertificateRegion,
    &legacy_tls_policy::LegacyTlsPolicy,
    &served_name_mismatch::ServedNameMismatch,
    &served_certificate_expired::ServedCertificateExpired,
    &served_certificate_stale::ServedCertificateStale,
    &served_chain_untrusted::ServedChainUntrusted,
    &mixed_content::MixedContent,
    &http_not_redirected_live::HttpNotRedirectedLive,
    &dns_not_associated::DnsNotAssociated,
    &sct_count_below_policy::SctCountBelowPolicy,
];

/// Runs every check and gives each finding its stable id. A check that panics (a bug)
/// becomes a finding about itself instead of losing the other checks' findings.
pub fn run_all(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in CHECKS {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check.run(ctx)));
        match result {
            Ok(findings) => {
                for mut f in findings {
                    debug_assert_eq!(f.check, check.id());
                    f.cause = check.cause();
                    f.assign_id();
                    f.localize(ctx.config.report_language);
                    out.push(f);
                }
            }
            Err(_) => {
                tracing::error!(check = check.id(), "check panicked");
                let mut f = Finding::new(check.id(), Severity::Info, "acm-doctor", "-")
                    .title(tr!("Internal error in check {}", "チェック {} の内部エラー", check.id()))
                    .detail(tr!(
                        "This check crashed on the inventory; its findings are missing from this report. Other checks ran normally.",
                        "このチェックはインベントリの処理中に異常終了したため、その検出結果はこのレポートに含まれていません。他のチェックは正常に実行されています。"
                    ))
                    .step(tr!(
                        "Report this to the acm-doctor maintainers with the run id.",
                        "実行 ID を添えて acm-doctor のメンテナーに報告してください。"
                    ));
                f.cause = check.cause();
                f.assign_id();
                f.localize(ctx.config.report_language);
                out.push(f);
            }
        }
    }
    out
}

/// Days from `now` to `t`, rounded down (negative when past).
pub fn days_until(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (t - now).num_days()
}

/// Evidence helper: a map built from pairs.
pub fn evidence<I, K, V>(pairs: I) -> BTreeMap<String, serde_json::Value>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Serialize,
{
    pairs
        .into_iter()
        .map(|(k, v)| {
            (
                k.into(),
                serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect()
}

/// Severity of a finding, ordered from least to most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Why a browser would complain: the eight causes, plus extra TLS hygiene.
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
        }
    }

    /// The digest's heading for findings of this cause.
    pub fn heading(self, lang: crate::i18n::Lang) -> &'static str {
        let (en, ja) = match self {
            Cause::NameMismatch => (
                "Name mismatch: the certificate does not cover the hostname",
                "ホスト名の不一致: 証明書がホスト名をカバーしていない",
            ),
            Cause::Expired => (
                "Expired or expiring certificates",
                "有効期限切れ・期限切れ間近の証明書",
            ),
            Cause::Untrusted => ("Untrusted certificates", "信頼されない証明書"),
            Cause::MixedContent => (
                "Mixed content on HTTPS pages",
                "HTTPS ページの混在コンテンツ",
            ),
            Cause::NotAssociated => (
                "Certificates not attached where visitors arrive",
                "訪問者が到達する場所に証明書が関連付けられていない",
            ),
            Cause::HttpNotRedirected => (
                "HTTP not redirected to HTTPS",
                "HTTP から HTTPS へリダイレクトされない",
            ),
            Cause::Pinning => ("Pinned keys that will rotate", "更新で変わる鍵へのピン留め"),
            Cause::CertificateTransparency => (
                "Certificate transparency",
                "証明書の透明性（Certificate Transparency）",
            ),
            Cause::TlsConfiguration => ("TLS configuration", "TLS の設定"),
        };
        lang.pick(en, ja)
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod languages;
#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_id_equals_its_module_name() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CHECKS {
            let module = c.module().rsplit("::").next().unwrap();
            assert_eq!(c.id(), module, "check id must equal its module name");
            assert!(seen.insert(c.id()), "check {} registered twice", c.id());
            assert!(
                !c.doc().detects.is_empty()
                    && !c.doc().browser.is_empty()
                    && !c.doc().fix.is_empty()
            );
        }
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("Critical".parse::<Severity>().unwrap(), Severity::Critical);
        assert!("urgent".parse::<Severity>().is_err());
    }
}
