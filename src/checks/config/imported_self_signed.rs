//! `imported_self_signed` — a self-signed certificate imported into ACM and in use.

use crate::checks::common::recipes;
use crate::checks::common::usage::imported_in_use;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An in-use imported certificate that is self-signed (its issuer is itself).",
        "自己署名（発行者が自分自身）の、使用中のインポート証明書。",
    ),
    browser: label!(
        "NET::ERR_CERT_AUTHORITY_INVALID (Chrome, Edge) / MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT (Firefox).",
        "NET::ERR_CERT_AUTHORITY_INVALID（Chrome、Edge）/ MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT（Firefox）。",
    ),
    fix: label!(
        "Replace it with an Amazon-issued public certificate (aws acm request-certificate), attach that instead, and delete the self-signed one.",
        "Amazon 発行のパブリック証明書（aws acm request-certificate）に置き換えて関連付け、自己署名証明書は削除します。",
    ),
};

declare_check!(ImportedSelfSigned, "imported_self_signed", Cause::Untrusted);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for (c, _, leaf) in imported_in_use(inv) {
        if !leaf.is_self_issued() {
            continue;
        }
        let (arn, name, subject) = (&c.arn, &c.domain_name, &leaf.subject);
        out.push(
            Finding::new(ImportedSelfSigned::ID, Severity::High, &c.arn, &c.region)
                .hostname(&c.domain_name)
                .title(tr!(
                    "Self-signed certificate for {name} is in use",
                    "{name} で自己署名証明書が使われています"
                ))
                .detail(tr!(
                    "{arn} was imported as a self-signed certificate (subject = issuer = {subject}). No browser trusts it.",
                    "{arn} は自己署名証明書としてインポートされています（サブジェクト = 発行者 = {subject}）。この証明書を信頼するブラウザはありません。"
                ))
                .evidence("subject", &leaf.subject)
                .evidence("issuer", &leaf.issuer)
                .evidence("serial", &leaf.serial_hex)
                .step(tr!(
                    "Request a public certificate from ACM (free, renewed automatically) and create the validation record it lists:",
                    "ACM でパブリック証明書をリクエストし（無料で自動更新されます）、表示される検証用レコードを作成します:"
                ))
                .command(recipes::request_certificate(name, &[], Some(&c.region)))
                .step(tr!(
                    "Attach the new certificate to the listeners/distributions that use this one, then delete this one.",
                    "この証明書を使っているリスナーやディストリビューションを新しい証明書に差し替えてから、この証明書を削除します。"
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{CertificatePem, Inventory};
    use crate::testkit::*;

    fn imported(pem: CertificatePem, in_use: bool) -> Inventory {
        let mut c = cert("imp", &["a.example.com"], 200);
        c.cert_type = "IMPORTED".into();
        c.in_use = Some(in_use);
        c.pem = Some(pem);
        Inventory {
            certificates: vec![c],
            ..Default::default()
        }
    }

    #[test]
    fn self_signed_in_use_is_flagged() {
        let f = run_check(
            &ImportedSelfSigned,
            &imported(self_signed_pem("a.example.com"), true),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn ca_issued_or_unused_is_silent() {
        assert!(
            run_check(
                &ImportedSelfSigned,
                &imported(ca_issued_pem("a.example.com", true), true)
            )
            .is_empty()
        );
        assert!(
            run_check(
                &ImportedSelfSigned,
                &imported(self_signed_pem("a.example.com"), false)
            )
            .is_empty()
        );
    }
}
