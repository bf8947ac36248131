//! `renewal_ineligible` — an in-use certificate that ACM will not renew.
//!
//! **Detects** an in-use imported certificate (ACM never renews those) or an in-use
//! Amazon-issued one that ACM marks `INELIGIBLE`.
//! **Browser** shows `NET::ERR_CERT_DATE_INVALID` the day it expires, with no warning
//! from ACM's renewal machinery.
//! **Fix**: put a re-import in the calendar, or replace it with an Amazon-issued one.

use super::certificate_expired::usage_label;
use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "An in-use certificate that ACM will not renew: an imported certificate (never renewed by ACM) or an Amazon-issued one with RenewalEligibility INELIGIBLE.",
    browser: "Nothing until it expires; then NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox).",
    fix: "Replace an imported certificate with an Amazon-issued one (renewed automatically), or plan a re-import under the same ARN before NotAfter; for an ineligible Amazon-issued one, make sure it is attached to an integrated service and its DNS validation records exist.",
};

declare_check!(RenewalIneligible, "renewal_ineligible", Cause::Expired);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        if c.status != "ISSUED" || !inv.is_in_use(c) {
            continue;
        }
        let Some(na) = c.not_after else { continue };
        let days = days_until(ctx.now, na);
        if days <= ctx.config.expiry_warning_days {
            continue; // certificate_expiring already speaks, louder
        }
        let severity = if days <= 60 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let users: Vec<String> = inv.usages(&c.arn).iter().map(usage_label).collect();
        let f = match (c.cert_type.as_str(), c.renewal_eligibility.as_deref()) {
            ("IMPORTED", _) => Finding::new(RenewalIneligible::ID, severity, &c.arn, &c.region)
                .title(format!("Imported certificate for {} will not renew by itself (expires in {days} days)", c.domain_name))
                .detail(format!(
                    "{} is imported, so ACM will never renew it; it expires on {} and is used by {} resource(s).",
                    c.arn, na.format("%Y-%m-%d"), users.len().max(1)
                ))
                .step(format!(
                    "Prefer an Amazon-issued certificate: aws acm request-certificate --domain-name {} --validation-method DNS --region {} and attach it instead.",
                    c.domain_name, c.region
                ))
                .step(format!(
                    "Or, before {}, re-import the renewed certificate under the same ARN: aws acm import-certificate --certificate-arn {} --certificate fileb://cert.pem --private-key fileb://key.pem --certificate-chain fileb://chain.pem --region {}",
                    na.format("%Y-%m-%d"), c.arn, c.region
                )),
            ("AMAZON_ISSUED", Some("INELIGIBLE")) => Finding::new(RenewalIneligible::ID, severity.max(Severity::Medium), &c.arn, &c.region)
                .title(format!("ACM marks the in-use certificate for {} INELIGIBLE for renewal", c.domain_name))
                .detail(format!(
                    "{} is in use but ACM says it is not eligible for managed renewal; it will expire on {} unless replaced.",
                    c.arn, na.format("%Y-%m-%d")
                ))
                .step("Check that it is attached to an integrated service (ALB/NLB listener, CloudFront distribution) and not only referenced elsewhere.")
                .step(format!(
                    "Check its DNS validation records: aws acm describe-certificate --certificate-arn {} --region {} --query Certificate.DomainValidationOptions",
                    c.arn, c.region
                ))
                .step("If it still shows INELIGIBLE, request a new certificate and attach it before expiry."),
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
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;

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
    fn in_use_imported_certificate_is_flagged() {
        let f = run_check(
            &RenewalIneligible,
            &inv_with("IMPORTED", "INELIGIBLE", true, 200),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(
            run_check(
                &RenewalIneligible,
                &inv_with("IMPORTED", "INELIGIBLE", true, 50)
            )[0]
            .severity,
            Severity::Medium
        );
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
