//! `ct_logging_disabled` — an in-use public certificate with CT logging turned off.
//!
//! **Detects** `CertificateTransparencyLoggingPreference = DISABLED` on an in-use
//! Amazon-issued certificate (the option is deprecated, but a certificate issued with
//! it may carry no SCTs).
//! **Browser**: Chrome and Safari refuse it: `NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED`.
//! **Fix**: request a new certificate with CT logging enabled and attach it.

use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "An in-use Amazon-issued certificate whose CertificateTransparencyLoggingPreference is DISABLED: it may have been issued without the SCTs that browsers require.",
    browser: "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED (Chrome, Edge); Safari refuses the connection too.",
    fix: "Request a replacement certificate with CT logging enabled (the default) and attach it; then delete the old one.",
};

declare_check!(
    CtLoggingDisabled,
    "ct_logging_disabled",
    Cause::CertificateTransparency
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        // Private-CA certificates chain to roots browsers exempt from CT; imported
        // certificates carry whatever SCTs their CA embedded (the live probe checks).
        if c.cert_type != "AMAZON_ISSUED"
            || c.ct_logging.as_deref() != Some("DISABLED")
            || !inv.is_in_use(c)
        {
            continue;
        }
        out.push(
            Finding::new(CtLoggingDisabled::ID, Severity::High, &c.arn, &c.region)
                .hostname(&c.domain_name)
                .title(format!("Certificate for {} has certificate transparency logging disabled", c.domain_name))
                .detail(format!(
                    "{} is in use with CertificateTransparencyLoggingPreference=DISABLED. A public certificate without SCTs is rejected by Chrome and Safari.",
                    c.arn
                ))
                .evidence("ct_logging_preference", &c.ct_logging)
                .step(format!(
                    "aws acm request-certificate --domain-name {} --validation-method DNS --options CertificateTransparencyLoggingPreference=ENABLED --region {}",
                    c.domain_name, c.region
                ))
                .step("Attach the new certificate where this one is used, then delete this one."),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;

    fn setup(pref: &str, in_use: bool, cert_type: &str) -> Inventory {
        let mut c = cert("ct", &["a.example.com"], 200);
        c.ct_logging = Some(pref.into());
        c.in_use = Some(in_use);
        c.cert_type = cert_type.into();
        Inventory {
            certificates: vec![c],
            ..Default::default()
        }
    }

    #[test]
    fn disabled_in_use_is_flagged() {
        assert_eq!(
            run_check(
                &CtLoggingDisabled,
                &setup("DISABLED", true, "AMAZON_ISSUED")
            )
            .len(),
            1
        );
    }

    #[test]
    fn enabled_unused_or_private_is_silent() {
        assert!(run_check(&CtLoggingDisabled, &setup("ENABLED", true, "AMAZON_ISSUED")).is_empty());
        assert!(
            run_check(
                &CtLoggingDisabled,
                &setup("DISABLED", false, "AMAZON_ISSUED")
            )
            .is_empty()
        );
        assert!(run_check(&CtLoggingDisabled, &setup("DISABLED", true, "PRIVATE")).is_empty());
    }
}
