//! `certificate_expiring` — an ACM certificate close to its `NotAfter`.

use crate::checks::common::recipes::replacement_steps;
use crate::checks::common::usage::severity_for_days;
use crate::checks::common::usage::usage_labels;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An issued ACM certificate whose NotAfter falls within EXPIRY_WARNING_DAYS (default 30). Severity rises as the date nears: critical at 7 days or less.",
        "NotAfter が EXPIRY_WARNING_DAYS（既定 30 日）以内に迫った発行済みの ACM 証明書。期限が近づくほど重要度が上がり、残り 7 日以下で重大になります。",
    ),
    browser: label!(
        "Nothing yet; after NotAfter, NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox).",
        "今はまだ何も起きません。NotAfter を過ぎると NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "For an Amazon-issued certificate, find why managed renewal has not happened (missing DNS validation record, not in use, failed renewal) and fix that; for an imported one, re-import a renewed certificate under the same ARN.",
        "Amazon 発行の証明書なら、マネージド更新が行われていない原因（DNS 検証用レコードの欠落、未使用、更新の失敗）を突き止めて解消します。インポートした証明書なら、更新した証明書を同じ ARN に再インポートします。",
    ),
};

declare_check!(CertificateExpiring, "certificate_expiring", Cause::Expired);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        let Some(na) = c.not_after else { continue };
        if c.status == CertificateStatus::Expired || na <= ctx.now {
            continue; // certificate_expired reports it
        }
        let days = days_until(ctx.now, na);
        if days > ctx.settings.expiry_warning_days {
            continue;
        }
        let in_use = inv.is_in_use(c);
        let severity = if in_use {
            severity_for_days(days)
        } else {
            Severity::Low
        };
        let renewal = c.renewal.as_ref().map(|r| r.status.clone());
        let mut why = match (c.cert_type.as_str(), renewal.as_deref()) {
            ("IMPORTED", _) => tr!(
                "ACM never renews imported certificates.",
                "インポートした証明書を ACM が更新することはありません。"
            ),
            ("IAM_SERVER_CERTIFICATE", _) => tr!(
                "It is an IAM server certificate: AWS never renews those.",
                "IAM サーバー証明書のため、AWS が更新することはありません。"
            ),
            ("AMAZON_ISSUED", Some(s)) => tr!(
                "ACM renewal status is {s}.",
                "ACM のマネージド更新のステータスは {s} です。"
            ),
            ("AMAZON_ISSUED", None) if !in_use => tr!(
                "It is not in use, and ACM does not renew unused certificates.",
                "使用されていない証明書は ACM が更新しません。"
            ),
            _ => tr!(
                "ACM would normally have renewed it by now.",
                "通常であれば、この時点で ACM が更新を済ませているはずです。"
            ),
        };
        if !in_use {
            why.push(&tr!("Nothing uses it.", "どこにも使われていません。"));
        }
        let (arn, name) = (&c.arn, &c.domain_name);
        let date = na.format("%Y-%m-%d %H:%M UTC").to_string();
        let mut detail = tr!(
            "{arn} ({name}) expires on {date}.",
            "{arn}（{name}）の有効期限は {date} です。"
        );
        detail.push(&why);
        let f = Finding::new(CertificateExpiring::ID, severity, &c.arn, &c.region)
            .hostname(&c.domain_name)
            .title(tr!(
                "Certificate for {name} expires in {days} day(s)",
                "{name} の証明書はあと {days} 日で期限切れになります"
            ))
            .detail(detail)
            .evidence("not_after", na)
            .evidence("days_left", days)
            .evidence("type", &c.cert_type)
            .evidence("renewal_status", renewal)
            .evidence("renewal_eligibility", &c.renewal_eligibility)
            .evidence("in_use_by", usage_labels(inv, &c.arn));
        out.push(replacement_steps(f, c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, ListenerCertificate};
    use crate::testkit::*;

    fn in_use(days: i64) -> Inventory {
        let mut inv = Inventory::default();
        let mut c = cert("c", &["a.example.com"], days);
        c.in_use = Some(true);
        inv.certificates.push(c);
        inv
    }

    #[test]
    fn severity_rises_as_expiry_nears() {
        assert_eq!(
            run_check(&CertificateExpiring, &in_use(25))[0].severity,
            Severity::Medium
        );
        assert_eq!(
            run_check(&CertificateExpiring, &in_use(10))[0].severity,
            Severity::High
        );
        assert_eq!(
            run_check(&CertificateExpiring, &in_use(7))[0].severity,
            Severity::Critical
        );
        assert_eq!(
            run_check(&CertificateExpiring, &in_use(1))[0].severity,
            Severity::Critical
        );
    }

    #[test]
    fn outside_the_window_is_silent_and_window_is_configurable() {
        assert!(run_check(&CertificateExpiring, &in_use(31)).is_empty());
        let cfg = crate::config::Config {
            expiry_warning_days: 45,
            ..Default::default()
        };
        assert_eq!(run_with(&CertificateExpiring, &in_use(40), &cfg).len(), 1);
    }

    #[test]
    fn expired_certificates_are_left_to_certificate_expired() {
        assert!(run_check(&CertificateExpiring, &in_use(-1)).is_empty());
    }

    #[test]
    fn unused_is_low_and_imported_says_reimport() {
        let mut inv = Inventory::default();
        let mut c = cert("imp", &["a.example.com"], 5);
        c.cert_type = "IMPORTED".into();
        inv.certificates.push(c);
        let f = &run_check(&CertificateExpiring, &inv)[0];
        assert_eq!(f.severity, Severity::Low);
        assert!(
            f.remediation
                .iter()
                .any(|s| s.contains("import-certificate --certificate-arn"))
        );
        // Attached through a listener → in use even if ACM's flag lags.
        let mut lb = alb("a");
        let mut l = listener("a", 443, "HTTPS", forward());
        l.certificates.push(ListenerCertificate {
            arn: cert_arn("imp"),
            is_default: true,
        });
        lb.listeners.push(l);
        inv.load_balancers.push(lb);
        assert_eq!(
            run_check(&CertificateExpiring, &inv)[0].severity,
            Severity::Critical
        );
    }
}
