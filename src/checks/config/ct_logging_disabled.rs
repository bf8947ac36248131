//! `ct_logging_disabled` — an in-use public certificate with CT logging turned off.

use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An in-use Amazon-issued certificate whose CertificateTransparencyLoggingPreference is DISABLED: it may have been issued without the SCTs that browsers require.",
        "CertificateTransparencyLoggingPreference が DISABLED になっている、使用中の Amazon 発行の証明書。ブラウザが要求する SCT なしで発行されている可能性があります。",
    ),
    browser: label!(
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED (Chrome, Edge); Safari refuses the connection too.",
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED（Chrome、Edge）。Safari も接続を拒否します。",
    ),
    fix: label!(
        "Request a replacement certificate with CT logging enabled (the default) and attach it; then delete the old one.",
        "CT ログを有効にした（既定の設定の）代わりの証明書をリクエストして関連付け、古い証明書を削除します。",
    ),
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
        if c.cert_type != CertificateType::AmazonIssued
            || c.ct_logging.as_deref() != Some("DISABLED")
            || !inv.is_in_use(c)
        {
            continue;
        }
        let (arn, name) = (&c.arn, &c.domain_name);
        out.push(
            Finding::new(CtLoggingDisabled::ID, Severity::High, &c.arn, &c.region)
                .hostname(&c.domain_name)
                .title(tr!(
                    "Certificate for {name} has certificate transparency logging disabled",
                    "{name} の証明書で証明書の透明性（CT）ログが無効になっています"
                ))
                .detail(tr!(
                    "{arn} is in use with CertificateTransparencyLoggingPreference=DISABLED. A public certificate without SCTs is rejected by Chrome and Safari.",
                    "{arn} は CertificateTransparencyLoggingPreference=DISABLED のまま使われています。SCT を持たないパブリック証明書は Chrome と Safari に拒否されます。"
                ))
                .evidence("ct_logging_preference", &c.ct_logging)
                .step(tr!(
                    "Request a new certificate with CT logging on (an existing certificate cannot get SCTs afterwards):",
                    "CT ログを有効にした新しい証明書をリクエストします（発行済みの証明書に後から SCT を付けることはできません）:"
                ))
                .command(recipes::request_certificate_with_ct(name, Some(&c.region)))
                .step(tr!(
                    "Attach the new certificate where this one is used, then delete this one.",
                    "この証明書を使っている箇所を新しい証明書に差し替えてから、この証明書を削除します。"
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

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
