//! Checks: pure functions from inventory + probe facts + a clock to findings.
//!
//! One module per check, its id equal to its module name, under [`config`] (what AWS is
//! set up to do) or [`live`] (what a visitor gets), all registered in [`CHECKS`]. Each
//! check's `DOC` says what it detects, what the browser shows and how to fix it; helpers
//! several checks share live in [`common`]. A check never does I/O and never fails: what
//! it cannot judge it leaves alone.

use crate::config::CheckSettings;
use crate::finding::{Cause, Finding, Severity};
use crate::i18n::{Label, Lang};
use crate::inventory::{Inventory, Usage};
use crate::pki::trust::TrustStore;
use crate::probe::HostFacts;
use crate::tr;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub mod common;
pub mod config;
pub mod live;
pub mod prelude;

/// Everything a check may look at. Time is an input, never read from the clock.
pub struct Context<'a> {
    /// The inventory, indexed for the per-host questions (it derefs to the inventory).
    pub inventory: &'a crate::inventory::Index<'a>,
    /// What the probe saw, one entry per hostname (empty when probing is off).
    pub hosts: &'a [HostFacts],
    /// Addresses the inventory's own DNS names (load balancers, distributions) resolve to.
    pub resource_addresses: &'a BTreeMap<String, Vec<IpAddr>>,
    /// The roots a browser (and the user's own clients) trust.
    pub trust: &'a TrustStore,
    /// The CT log list SCTs are judged with (bundled, or `CT_LOG_LIST`'s).
    pub ct_logs: &'a crate::pki::ct_logs::CtLogs,
    pub now: DateTime<Utc>,
    /// The settings checks may read (never the whole configuration).
    pub settings: CheckSettings<'a>,
    /// False in an event-scoped run: the inventory then holds only some certificates,
    /// so account-wide judgements (a pin that matches nothing) are left out.
    pub full_scan: bool,
}

/// The human text behind a check: the single source for its catalog entry and the
/// check's documentation.
#[derive(Debug)]
pub struct CheckDoc {
    /// What the check detects.
    pub detects: Label,
    /// What a visitor's browser shows.
    pub browser: Label,
    /// How to fix it, in general terms (findings add the exact commands).
    pub fix: Label,
}

impl CheckDoc {
    /// `(detects, browser, fix)` in `lang`.
    pub fn texts(&self, lang: Lang) -> [&'static str; 3] {
        [self.detects, self.browser, self.fix].map(|l| l.get(lang))
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
            fn cause(&self) -> $crate::finding::Cause {
                $cause
            }
            fn doc(&self) -> &'static $crate::checks::CheckDoc {
                &DOC
            }
            fn module(&self) -> &'static str {
                module_path!()
            }
            fn run(&self, ctx: &$crate::checks::Context) -> Vec<$crate::finding::Finding> {
                run(ctx)
            }
        }
    };
}
pub(crate) use declare_check;

/// Every check, in one list.
pub const CHECKS: &[&dyn Check] = &[
    &config::certificate_expired::CertificateExpired,
    &config::certificate_expiring::CertificateExpiring,
    &config::renewal_failed::RenewalFailed,
    &config::renewal_ineligible::RenewalIneligible,
    &config::validation_record_missing::ValidationRecordMissing,
    &config::certificate_unused::CertificateUnused,
    &config::alb_http_not_redirected::AlbHttpNotRedirected,
    &config::cloudfront_allows_http::CloudfrontAllowsHttp,
    &config::alb_host_not_covered::AlbHostNotCovered,
    &config::cloudfront_alias_not_covered::CloudfrontAliasNotCovered,
    &config::imported_self_signed::ImportedSelfSigned,
    &config::imported_chain_incomplete::ImportedChainIncomplete,
    &config::private_certificate_public_endpoint::PrivateCertificatePublicEndpoint,
    &config::certificate_revoked_or_inactive::CertificateRevokedOrInactive,
    &config::ct_logging_disabled::CtLoggingDisabled,
    &config::pinned_rotating_key::PinnedRotatingKey,
    &config::cloudfront_certificate_region::CloudfrontCertificateRegion,
    &config::dns_record_loop::DnsRecordLoop,
    &config::scan_incomplete::ScanIncomplete,
    &config::legacy_tls_policy::LegacyTlsPolicy,
    &live::served_name_mismatch::ServedNameMismatch,
    &live::served_certificate_expired::ServedCertificateExpired,
    &live::served_certificate_stale::ServedCertificateStale,
    &live::served_chain_untrusted::ServedChainUntrusted,
    &live::mixed_content::MixedContent,
    &live::http_not_redirected_live::HttpNotRedirectedLive,
    &live::dns_not_associated::DnsNotAssociated,
    &live::https_unreachable::HttpsUnreachable,
    &live::sct_count_below_policy::SctCountBelowPolicy,
];

/// Runs every check, stamps each finding with its check's id and cause, and gives it its
/// stable id. A check that panics (a bug) becomes a finding about itself instead of
/// losing the other checks' findings. Findings are in every language; the report renders
/// them in one.
pub fn run_all(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in CHECKS {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check.run(ctx)));
        let findings = result.unwrap_or_else(|_| {
            tracing::error!(check = check.id(), "check panicked");
            vec![internal_error(check.id())]
        });
        let live = check.module().contains("::live::");
        for mut f in findings {
            f.check = check.id().to_string();
            f.cause = check.cause();
            f.assign_id();
            f.bound();
            // What could not be seen is news in any run, scoped or not.
            if ctx.full_scan
                || f.cause == Cause::ScanIncomplete
                || concerns_the_scoped_certificates(ctx.inventory, &f, live)
            {
                out.push(f);
            }
        }
    }
    out
}

/// In an event-scoped run (the inventory holds only the event's certificates and what
/// uses them) a finding is kept when it is about those certificates: filed under one,
/// about a hostname one covers, or — for configuration checks — about a load balancer
/// (any of its listeners) or distribution that uses one. What a visitor gets on the
/// other sites sharing that load balancer is left to the scheduled scan.
fn concerns_the_scoped_certificates(inv: &Inventory, f: &Finding, live: bool) -> bool {
    inv.certificates.iter().any(|c| {
        f.resource == c.arn
            || f.hostname
                .as_deref()
                .is_some_and(|h| crate::pki::hostname::covered_by(&c.sans, h))
            || !live
                && inv.usages(&c.arn).iter().any(|u| match u {
                    // The load balancer itself or any of its listeners (its HTTP one too).
                    Usage::Listener { lb_arn, .. } => {
                        f.resource == *lb_arn
                            || inv
                                .load_balancer_of_listener(&f.resource)
                                .is_some_and(|lb| lb.arn == *lb_arn)
                    }
                    Usage::Distribution { arn }
                    | Usage::ApiDomain { arn }
                    | Usage::InUseBy { arn } => f.resource == *arn,
                    Usage::Exported => false,
                })
    })
}

/// The finding that stands in for a check that crashed.
fn internal_error(id: &str) -> Finding {
    Finding::new(id, Severity::Info, "acm-doctor", "-")
        .title(tr!("Internal error in check {}", "チェック {} の内部エラー", id))
        .detail(tr!(
            "This check crashed on the inventory; its findings are missing from this report. Other checks ran normally.",
            "このチェックはインベントリの処理中に異常終了したため、その検出結果はこのレポートに含まれていません。他のチェックは正常に実行されています。"
        ))
        .step(tr!(
            "Report this to the acm-doctor maintainers with the run id.",
            "実行 ID を添えて acm-doctor のメンテナーに報告してください。"
        ))
}

#[cfg(test)]
mod languages;

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (real estates): an ACM event for one site's certificate reported what
    /// visitors get on the other sites sharing its load balancer.
    #[test]
    fn an_event_scoped_run_reports_only_its_certificate_and_its_names() {
        use crate::testkit::*;
        let mut inv = Inventory::default();
        let mut c = cert("shop", &["shop.example.com"], 5);
        c.in_use = Some(true);
        inv.certificates.push(c);
        let mut lb = alb("shared");
        lb.listeners.push(with_certs(
            listener("shared", 443, "HTTPS", forward()),
            "shop",
            &[],
        ));
        lb.listeners.push(listener("shared", 80, "HTTP", forward()));
        for name in ["shop.example.com", "blog.example.com"] {
            inv.dns_records.push(alias_record(name, &lb.dns_name));
        }
        inv.load_balancers.push(lb);
        // Both names answer plain HTTP on port 80.
        let hosts: Vec<HostFacts> = ["shop.example.com", "blog.example.com"]
            .iter()
            .map(|name| {
                let mut h = host_serving(name, test_ca().chain(&LeafSpec::new(&[name])));
                h.http.attempted = true;
                h.http.status = Some(200);
                h
            })
            .collect();
        let trust = TrustStore::with_public_roots(&test_ca().root_pem);
        let config = crate::config::Config::default();
        let run = |full_scan| {
            let index = crate::inventory::Index::new(&inv);
            let ctx = Context {
                inventory: &index,
                hosts: &hosts,
                resource_addresses: &BTreeMap::new(),
                trust: &trust,
                ct_logs: crate::pki::ct_logs::CtLogs::bundled(),
                now: now(),
                settings: config.check_settings(),
                full_scan,
            };
            run_all(&ctx)
                .into_iter()
                .map(|f| (f.check, f.hostname.unwrap_or_default()))
                .collect::<Vec<_>>()
        };
        let live = |host: &str| ("http_not_redirected_live".to_string(), host.to_string());
        let full = run(true);
        assert!(full.contains(&live("blog.example.com")), "{full:?}");
        let scoped = run(false);
        assert!(!scoped.contains(&live("blog.example.com")), "{scoped:?}");
        // Its twin: what is about the certificate, its name and its load balancer stays.
        assert!(scoped.contains(&live("shop.example.com")), "{scoped:?}");
        for check in ["certificate_expiring", "alb_http_not_redirected"] {
            assert!(
                scoped.iter().any(|(c, _)| c == check),
                "{check}: {scoped:?}"
            );
        }
    }

    #[test]
    fn every_check_id_equals_its_module_name() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CHECKS {
            let module = c.module().rsplit("::").next().unwrap();
            assert_eq!(c.id(), module, "check id must equal its module name");
            assert!(seen.insert(c.id()), "check {} registered twice", c.id());
            for lang in Lang::ALL {
                assert!(
                    c.doc().texts(lang).iter().all(|t| !t.is_empty()),
                    "{} lacks documentation in {lang:?}",
                    c.id()
                );
            }
        }
    }
}
