//! `imported_chain_incomplete` — an imported certificate stored without its issuer.

use crate::checks::common::recipes;
use crate::checks::common::usage::imported_in_use;
use crate::checks::prelude::*;
use crate::pki::x509;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An in-use imported certificate whose stored chain does not contain its issuer (imported without --certificate-chain or with the wrong chain), so the endpoint serves an incomplete chain.",
        "保存されたチェーンに発行者の証明書が含まれていない、使用中のインポート証明書（--certificate-chain なし、または誤ったチェーンでインポートされたもの）。エンドポイントは不完全なチェーンを返します。",
    ),
    browser: label!(
        "Firefox, curl, mobile apps: SEC_ERROR_UNKNOWN_ISSUER / unable to get local issuer certificate. Chrome may hide it by fetching the intermediate via AIA, so it \"works on my machine\".",
        "Firefox、curl、モバイルアプリ: SEC_ERROR_UNKNOWN_ISSUER / unable to get local issuer certificate。Chrome は AIA 経由で中間証明書を取得して問題を隠すことがあるため、「自分の環境では動く」状態になりがちです。",
    ),
    fix: label!(
        "Re-import the certificate under the same ARN with --certificate-chain holding the intermediate certificate(s) from your CA.",
        "CA から入手した中間証明書を --certificate-chain に指定して、同じ ARN に再インポートします。",
    ),
};

declare_check!(
    ImportedChainIncomplete,
    "imported_chain_incomplete",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for (c, pem, leaf) in imported_in_use(inv) {
        if leaf.is_self_issued() {
            continue; // imported_self_signed reports it
        }
        let chain = pem
            .chain
            .as_deref()
            .map(x509::parse_pem)
            .and_then(Result::ok)
            .unwrap_or_default();
        if chain.iter().any(|ca| leaf.is_issued_by(ca)) {
            continue;
        }
        let stored: Vec<&str> = chain.iter().map(|c| c.subject.as_str()).collect();
        let (arn, name, issuer, region) = (&c.arn, &c.domain_name, &leaf.issuer, &c.region);
        let held = if stored.is_empty() {
            tr!(
                "the chain stored with it is empty",
                "一緒に保存されたチェーンは空です"
            )
        } else {
            let s = stored.join("; ");
            tr!(
                "the chain stored with it holds only {s}",
                "一緒に保存されたチェーンには {s} しか含まれていません"
            )
        };
        let (held_en, held_ja) = (&held.en, &held.ja);
        out.push(
            Finding::new(ImportedChainIncomplete::ID, Severity::High, &c.arn, &c.region)
                .hostname(&c.domain_name)
                .title(tr!(
                    "Imported certificate for {name} lacks its intermediate ({issuer})",
                    "インポートした {name} の証明書に中間証明書（{issuer}）がありません"
                ))
                .detail(tr!(
                    "{arn} is issued by {issuer}, but {held_en}. Visitors receive an incomplete chain.",
                    "{arn} の発行者は {issuer} ですが、{held_ja}。訪問者には不完全なチェーンが送られます。"
                ))
                .evidence("leaf_issuer", &leaf.issuer)
                .evidence("stored_chain_subjects", &stored)
                .evidence("aia_ca_issuers", &leaf.aia_ca_issuers)
                .step(tr!(
                    "Get the intermediate certificate(s) for this leaf from your CA (the bundle file they sent, or the AIA URL in the evidence), then re-import under the same ARN:",
                    "この証明書の中間証明書を CA から入手し（CA から届いたバンドルファイル、または証拠欄の AIA の URL）、同じ ARN に再インポートします:"
                ))
                .command(recipes::import_certificate(arn, region, "intermediates.pem")),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn imported(with_chain: bool) -> Inventory {
        let mut c = cert("imp", &["a.example.com"], 200);
        c.cert_type = "IMPORTED".into();
        c.in_use = Some(true);
        c.pem = Some(ca_issued_pem("a.example.com", with_chain));
        Inventory {
            certificates: vec![c],
            ..Default::default()
        }
    }

    #[test]
    fn missing_intermediate_is_flagged() {
        let f = run_check(&ImportedChainIncomplete, &imported(false));
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("Test Intermediate"));
    }

    #[test]
    fn stored_issuer_is_fine_and_self_signed_is_left_alone() {
        assert!(run_check(&ImportedChainIncomplete, &imported(true)).is_empty());
        let mut inv = imported(false);
        inv.certificates[0].pem = Some(self_signed_pem("a.example.com"));
        assert!(run_check(&ImportedChainIncomplete, &inv).is_empty());
    }
}
