//! `served_certificate_stale` — the endpoint serves another certificate than the ACM

use crate::checks::common::hosts::{
    expected_certificates, front_door, normalize_serial, resource_for_host,
    serves_valid_certificate,
};
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The certificate a hostname serves is not the ACM certificate its load balancer listener or CloudFront distribution is configured with: DNS leads elsewhere, or an old certificate is still deployed.",
        "ホスト名が返す証明書が、そのロードバランサーのリスナーや CloudFront ディストリビューションに設定された ACM 証明書と異なる状態: DNS が別の場所を指しているか、古い証明書がまだ配置されています。",
    ),
    browser: label!(
        "Whatever the stale certificate causes, typically NET::ERR_CERT_DATE_INVALID after a renewal that never reached the endpoint.",
        "古い証明書が引き起こす症状すべて。典型的には、エンドポイントに届かなかった更新の後の NET::ERR_CERT_DATE_INVALID です。",
    ),
    fix: label!(
        "Make the hostname's DNS record point at the load balancer or distribution that carries the current certificate, or attach the current certificate where the name is actually served.",
        "ホスト名の DNS レコードを現在の証明書を持つロードバランサーかディストリビューションに向けるか、実際にそのホスト名を配信している場所に現在の証明書を関連付けます。",
    ),
};

declare_check!(
    ServedCertificateStale,
    "served_certificate_stale",
    Cause::Expired
);

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        let Some(Ok(leaf)) = h.served_leaf() else {
            continue;
        };
        let expected = expected_certificates(ctx.inventory, &h.hostname);
        let serials: Vec<String> = expected
            .iter()
            .filter_map(|c| c.serial.as_deref())
            .map(normalize_serial)
            .collect();
        if serials.is_empty() || serials.contains(&normalize_serial(&leaf.serial_hex)) {
            continue;
        }
        if front_door(ctx.inventory, h).is_some() && serves_valid_certificate(ctx, h) {
            continue; // a CDN's own valid certificate is not stale (dns_not_associated names it)
        }
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let host = &h.hostname;
        let arns = expected
            .iter()
            .map(|c| c.arn.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let want = serials.join(", ");
        let at = h.tls.address.as_deref().unwrap_or("?");
        let got = normalize_serial(&leaf.serial_hex);
        let subject = &leaf.subject;
        let until = chrono::DateTime::from_timestamp(leaf.not_after, 0)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        out.push(
            Finding::new(ServedCertificateStale::ID, Severity::High, &resource, &region)
                .hostname(&h.hostname)
                .title(tr!(
                    "{host} serves a different certificate than AWS is configured with",
                    "{host} が AWS の設定とは別の証明書を配信しています"
                ))
                .detail(tr!(
                    "AWS says {host} should get {arns} (serial {want}), but the endpoint at {at} served serial {got} ({subject}, valid until {until}). DNS may lead elsewhere, or an old certificate is still deployed.",
                    "AWS の設定では {host} には {arns}（シリアル {want}）が返るはずですが、{at} のエンドポイントが返したのはシリアル {got}（{subject}、有効期限 {until}）でした。DNS が別の場所を指しているか、古い証明書がまだ配置されている可能性があります。"
                ))
                .evidence("expected_certificates", expected.iter().map(|c| &c.arn).collect::<Vec<_>>())
                .evidence("expected_serials", &serials)
                .evidence("served_serial", normalize_serial(&leaf.serial_hex))
                .evidence("cname_chain", &h.dns.cname_chain)
                .evidence("addresses", &h.dns.addresses)
                .step(tr!(
                    "Check where {host} resolves and point it at the load balancer or distribution that carries the certificate:",
                    "{host} の名前解決先を確認し、証明書を持つロードバランサーかディストリビューションに向けます:"
                ))
                .command(format!("dig +short {host} CNAME; dig +short {host} A"))
                .step(tr!(
                    "If DNS is right, attach the current certificate to the listener or distribution that actually serves the name.",
                    "DNS が正しければ、このホスト名を実際に配信しているリスナーかディストリビューションに現在の証明書を関連付けます。"
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testkit::*;

    fn setup(serial_matches: bool) -> Vec<Finding> {
        let der = test_ca().leaf(&LeafSpec::new(&["shop.example.com"]));
        let served = crate::pki::x509::parse_der(&der).unwrap();
        let mut c = cert("c", &["shop.example.com"], 80);
        c.serial = Some(if serial_matches {
            served.serial_hex.clone()
        } else {
            "0a:0b".into()
        });
        let inv = shop_estate(c);
        let h = host_serving("shop.example.com", vec![der, test_ca().inter_der.clone()]);
        run_live(&ServedCertificateStale, &inv, &[h], &Config::default())
    }

    #[test]
    fn a_front_doors_valid_certificate_is_not_stale() {
        let der = test_ca().leaf(&LeafSpec::new(&["shop.example.com"]));
        let mut c = cert("c", &["shop.example.com"], 80);
        c.serial = Some("0a:0b".into());
        let inv = shop_estate(c);
        let mut h = host_serving("shop.example.com", vec![der, test_ca().inter_der.clone()]);
        h.dns.cname_chain = vec!["shop.example.com.edgekey.net".into()];
        assert!(run_live(&ServedCertificateStale, &inv, &[h], &Config::default()).is_empty());
    }

    #[test]
    fn other_serial_than_acm_is_stale() {
        let f = setup(false);
        assert_eq!(f.len(), 1);
        assert!(f[0].resource.contains(":loadbalancer/"));
    }

    #[test]
    fn the_configured_certificate_is_fine() {
        assert!(setup(true).is_empty());
    }
}
