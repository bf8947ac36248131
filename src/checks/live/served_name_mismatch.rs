//! `served_name_mismatch` — the certificate a visitor receives does not cover the name.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::hostname::served_leaf_covers;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The certificate the endpoint actually serves for a hostname does not cover it: no SAN matches (a wildcard covers one label; the subject CN is ignored).",
        "エンドポイントがホスト名に対して実際に返す証明書が、そのホスト名をカバーしていない状態: 一致する SAN がありません（ワイルドカードがカバーするのは 1 ラベルだけで、サブジェクトの CN は無視されます）。",
    ),
    browser: label!(
        "NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
        "NET::ERR_CERT_COMMON_NAME_INVALID（Chrome、Edge）/ SSL_ERROR_BAD_CERT_DOMAIN（Firefox）。",
    ),
    fix: label!(
        "Serve a certificate whose subject alternative names include the hostname: add one to the listener's SNI list or the distribution, or fix the DNS record that sends the name to the wrong endpoint.",
        "サブジェクト代替名にそのホスト名を含む証明書を配信します。リスナーの SNI リストやディストリビューションに追加するか、ホスト名を誤ったエンドポイントに向けている DNS レコードを修正します。",
    ),
};

declare_check!(
    ServedNameMismatch,
    "served_name_mismatch",
    Cause::NameMismatch
);

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        let Some(Ok(leaf)) = h.served_leaf() else {
            continue;
        };
        if served_leaf_covers(&h.tls.served_chain[0], &h.hostname) {
            continue;
        }
        let cn_only = leaf.dns_names.is_empty()
            && leaf
                .subject
                .to_ascii_lowercase()
                .contains(&format!("cn={}", h.hostname));
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let (host, subject) = (&h.hostname, &leaf.subject);
        let detail = if cn_only {
            tr!(
                "The served certificate names {host} only in its subject CN; browsers ignore the CN and require a SAN entry.",
                "配信中の証明書は {host} をサブジェクトの CN にしか記載していません。ブラウザは CN を見ず、SAN（サブジェクト代替名）への記載を必須としています。"
            )
        } else if leaf.dns_names.is_empty() {
            tr!(
                "Visitors of {host} receive a certificate that names no host at all (no SAN extension; subject {subject}).",
                "{host} の訪問者に返される証明書には、ホスト名が 1 つも記載されていません（SAN 拡張なし、サブジェクト {subject}）。"
            )
        } else {
            let covers = leaf.dns_names.join(", ");
            tr!(
                "Visitors of {host} receive a certificate for {covers} (subject {subject}).",
                "{host} の訪問者に返されるのは {covers} 用の証明書です（サブジェクト {subject}）。"
            )
        };
        out.push(
            Finding::new(ServedNameMismatch::ID, Severity::High, &resource, &region)
                .hostname(&h.hostname)
                .title(tr!(
                    "{host} serves a certificate that does not cover the name",
                    "{host} で配信されている証明書がこのホスト名をカバーしていません"
                ))
                .detail(detail)
                .evidence("served_sans", &leaf.dns_names)
                .evidence("served_subject", &leaf.subject)
                .evidence("served_serial", &leaf.serial_hex)
                .evidence("address", &h.tls.address)
                .step(tr!(
                    "Request a certificate for the name in the endpoint's region (us-east-1 for CloudFront):",
                    "エンドポイントと同じリージョン（CloudFront なら us-east-1）で、このホスト名の証明書をリクエストします:"
                ))
                .command(recipes::request_certificate(host, &[], None))
                .step(tr!(
                    "Attach it: aws elbv2 add-listener-certificates --listener-arn LISTENER_ARN --certificates CertificateArn=NEW_ARN, or set it on the CloudFront distribution.",
                    "関連付けます: aws elbv2 add-listener-certificates --listener-arn LISTENER_ARN --certificates CertificateArn=NEW_ARN、または CloudFront ディストリビューションに設定します。"
                ))
                .step(tr!(
                    "If the name should not reach this endpoint at all, correct its DNS record.",
                    "このホスト名がそもそもこのエンドポイントに来るべきでないなら、DNS レコードを修正してください。"
                )),
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

    fn served(host: &str, spec: LeafSpec) -> Vec<Finding> {
        let h = host_serving(host, test_ca().chain(&spec));
        run_live(
            &ServedNameMismatch,
            &Inventory::default(),
            &[h],
            &Config::default(),
        )
    }

    #[test]
    fn wrong_name_is_reported_with_the_names_it_covers() {
        let f = served("shop.example.com", LeafSpec::new(&["www.example.com"]));
        assert_eq!(f.len(), 1);
        assert!(f[0].detail.contains("www.example.com"));
    }

    #[test]
    fn one_label_wildcard_hits_and_two_label_misses() {
        assert!(served("a.example.com", LeafSpec::new(&["*.example.com"])).is_empty());
        assert_eq!(
            served("a.b.example.com", LeafSpec::new(&["*.example.com"])).len(),
            1
        );
        assert!(
            served("A.Example.COM", LeafSpec::new(&["a.example.com"])).is_empty()
                || served("a.example.com", LeafSpec::new(&["A.EXAMPLE.com"])).is_empty()
        );
    }

    #[test]
    fn cn_only_certificate_is_a_mismatch() {
        let mut spec = LeafSpec::new(&[]);
        spec.cn = Some("legacy.example.com".into());
        let f = served("legacy.example.com", spec);
        assert_eq!(f.len(), 1);
        assert!(f[0].detail.contains("subject CN"));
    }
}
