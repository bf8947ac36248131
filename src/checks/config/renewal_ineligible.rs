//! `renewal_ineligible` — an in-use certificate that ACM will not renew.

use crate::checks::common::recipes;
use crate::checks::common::usage::{severity_for_days, usage_labels};
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An in-use certificate that ACM will not renew: an imported certificate (never renewed by ACM) or an Amazon-issued one with RenewalEligibility INELIGIBLE.",
        "ACM が更新しない使用中の証明書: インポートした証明書（ACM は一切更新しません）、または RenewalEligibility が INELIGIBLE の Amazon 発行の証明書。",
    ),
    browser: label!(
        "Nothing until it expires; then NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox).",
        "期限切れまでは何も起きません。期限切れ後は NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "Replace an imported certificate with an Amazon-issued one (renewed automatically), or plan a re-import under the same ARN before NotAfter; for an ineligible Amazon-issued one, make sure it is attached to an integrated service and its DNS validation records exist.",
        "インポートした証明書は自動更新される Amazon 発行の証明書に置き換えるか、NotAfter より前に同じ ARN へ再インポートする計画を立てます。対象外とされた Amazon 発行の証明書は、統合サービスに関連付けられていることと DNS 検証用レコードがあることを確認します。",
    ),
};

declare_check!(RenewalIneligible, "renewal_ineligible", Cause::Expired);

/// ACM's own approaching-expiration events start 45 days out for imported certificates
/// (EventBridge events reference for ACM, `domain-facts.md`); before that an imported
/// certificate in use is healthy, not a finding.
const IMPORTED_WARNING_DAYS: i64 = 45;

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        if c.status != CertificateStatus::Issued || !inv.is_in_use(c) {
            continue;
        }
        let Some(na) = c.not_after else { continue };
        let days = days_until(ctx.now, na);
        if days <= ctx.settings.expiry_warning_days {
            continue; // certificate_expiring already speaks, louder
        }
        let imported = matches!(
            c.cert_type,
            CertificateType::Imported | CertificateType::IamServer
        );
        if imported && days > IMPORTED_WARNING_DAYS {
            continue; // a healthy imported certificate far from expiry is not news
        }
        let severity = if imported {
            // Only a person can renew it: louder as the date nears.
            severity_for_days(days)
        } else if days <= 60 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let users = usage_labels(inv, &c.arn);
        let (arn, name, region) = (&c.arn, &c.domain_name, &c.region);
        let date = na.format("%Y-%m-%d").to_string();
        let n = users.len().max(1);
        let f = match (&c.cert_type, c.renewal_eligibility.as_deref()) {
            (CertificateType::Imported, _) => Finding::new(RenewalIneligible::ID, severity, &c.arn, &c.region)
                .title(tr!(
                    "Imported certificate for {name} will not renew by itself (expires in {days} days)",
                    "インポートした {name} の証明書は自動では更新されません（あと {days} 日で期限切れ）"
                ))
                .detail(tr!(
                    "{arn} is imported, so ACM will never renew it; it expires on {date} and is used by {n} resource(s).",
                    "{arn} はインポートした証明書のため、ACM が更新することはありません。有効期限は {date} で、{n} 件のリソースが使っています。"
                ))
                .step(tr!(
                    "Prefer an Amazon-issued certificate, and attach it instead:",
                    "できれば Amazon 発行の証明書に切り替え、こちらを関連付けます:"
                ))
                .command(recipes::request_certificate(name, &[], Some(region)))
                .step(tr!(
                    "Or, before {date}, re-import the renewed certificate under the same ARN:",
                    "または {date} より前に、更新した証明書を同じ ARN に再インポートします:"
                ))
                .command(recipes::import_certificate(arn, region, "chain.pem")),
            (CertificateType::IamServer, _) => {
                let f = Finding::new(RenewalIneligible::ID, severity, &c.arn, &c.region)
                    .title(tr!(
                        "IAM server certificate for {name} will not renew by itself (expires in {days} days)",
                        "{name} の IAM サーバー証明書は自動では更新されません（あと {days} 日で期限切れ）"
                    ))
                    .detail(tr!(
                        "{arn} is an IAM server certificate: AWS never renews it; it expires on {date} and is used by {n} resource(s).",
                        "{arn} は IAM サーバー証明書のため、AWS が更新することはありません。有効期限は {date} で、{n} 件のリソースが使っています。"
                    ));
                recipes::replacement_steps(f, c)
            }
            (CertificateType::AmazonIssued, Some("INELIGIBLE")) => Finding::new(RenewalIneligible::ID, severity.max(Severity::Medium), &c.arn, &c.region)
                .title(tr!(
                    "ACM marks the in-use certificate for {name} INELIGIBLE for renewal",
                    "使用中の {name} の証明書が、ACM でマネージド更新の対象外（INELIGIBLE）になっています"
                ))
                .detail(tr!(
                    "{arn} is in use but ACM says it is not eligible for managed renewal; it will expire on {date} unless replaced.",
                    "{arn} は使用中ですが、ACM はマネージド更新の対象外と判定しています。差し替えない限り {date} に期限切れになります。"
                ))
                .step(tr!(
                    "Check that it is attached to an integrated service (ALB/NLB listener, CloudFront distribution) and not only referenced elsewhere.",
                    "ACM 統合サービス（ALB/NLB のリスナー、CloudFront ディストリビューション）に関連付けられているか、他の場所から参照されているだけではないかを確認します。"
                ))
                .step(tr!("Check its DNS validation records:", "DNS 検証用レコードを確認します:"))
                .command(recipes::describe_certificate(arn, region, "Certificate.DomainValidationOptions"))
                .step(tr!(
                    "If it still shows INELIGIBLE, request a new certificate and attach it before expiry.",
                    "それでも INELIGIBLE のままなら、新しい証明書をリクエストし、期限切れ前に差し替えてください。"
                )),
            _ => continue,
        };
        out.push(
            f.hostname(&c.domain_name)
                .evidence("type", &c.cert_type)
                .evidence("renewal_eligibility", &c.renewal_eligibility)
                .evidence("not_after", na)
                .evidence("days_left", days)
                .evidence("in_use_by", users),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn inv_with(cert_type: &str, eligibility: &str, in_use: bool, days: i64) -> Inventory {
        let mut inv = Inventory::default();
        let mut c = cert("c", &["a.example.com"], days);
        c.cert_type = cert_type.into();
        c.renewal_eligibility = Some(eligibility.into());
        c.in_use = Some(in_use);
        inv.certificates.push(c);
        inv
    }

    #[test]
    fn in_use_imported_certificate_is_flagged_from_45_days_louder_as_it_nears() {
        let f = run_check(
            &RenewalIneligible,
            &inv_with("IMPORTED", "INELIGIBLE", true, 40),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        // With a short EXPIRY_WARNING_DAYS this check is the one that speaks near the end.
        let config = Config {
            expiry_warning_days: 7,
            ..Default::default()
        };
        let near = run_with(
            &RenewalIneligible,
            &inv_with("IMPORTED", "INELIGIBLE", true, 12),
            &config,
        );
        assert_eq!(near[0].severity, Severity::High);
    }

    /// Regression (real estates): every healthy imported certificate in use was a low
    /// finding, months before anyone needed to act.
    #[test]
    fn healthy_imported_certificate_far_from_expiry_stays_clean() {
        for days in [46, 50, 200] {
            assert!(
                run_check(
                    &RenewalIneligible,
                    &inv_with("IMPORTED", "INELIGIBLE", true, days)
                )
                .is_empty(),
                "{days} days"
            );
        }
    }

    #[test]
    fn in_use_ineligible_amazon_certificate_is_flagged() {
        assert_eq!(
            run_check(
                &RenewalIneligible,
                &inv_with("AMAZON_ISSUED", "INELIGIBLE", true, 200)
            )
            .len(),
            1
        );
    }

    #[test]
    fn eligible_or_unused_or_expiring_is_silent() {
        assert!(
            run_check(
                &RenewalIneligible,
                &inv_with("AMAZON_ISSUED", "ELIGIBLE", true, 200)
            )
            .is_empty()
        );
        assert!(
            run_check(
                &RenewalIneligible,
                &inv_with("IMPORTED", "INELIGIBLE", false, 200)
            )
            .is_empty()
        );
        assert!(
            run_check(
                &RenewalIneligible,
                &inv_with("IMPORTED", "INELIGIBLE", true, 10)
            )
            .is_empty()
        );
    }
}
