//! `certificate_unused` — an issued certificate attached to nothing.

use crate::checks::common::hosts::destinations;
use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::hostname::covered_by;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An issued certificate that no integrated service (load balancer listener, CloudFront distribution, API Gateway, …) uses. It cannot be installed on an EC2 instance, and ACM does not renew unused Amazon-issued certificates. An exported certificate is deployed outside AWS and is never reported here.",
        "どの統合サービス（ロードバランサーのリスナー、CloudFront ディストリビューション、API Gateway など）にも使われていない発行済みの証明書。EC2 インスタンスにはインストールできず、使われていない Amazon 発行の証明書は ACM が更新しません。エクスポートした証明書は AWS の外で使われているため、ここでは報告しません。",
    ),
    browser: label!(
        "Visitors get whatever the endpoint really serves, often another certificate: NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
        "訪問者にはエンドポイントが実際に返す証明書（多くは別の証明書）が届きます: NET::ERR_CERT_COMMON_NAME_INVALID（Chrome、Edge）/ SSL_ERROR_BAD_CERT_DOMAIN（Firefox）。",
    ),
    fix: label!(
        "Attach it to the listener (aws elbv2 add-listener-certificates) or distribution it was requested for, or delete it if nothing needs it.",
        "本来リクエストした目的のリスナー（aws elbv2 add-listener-certificates）またはディストリビューションに関連付けます。不要なら削除します。",
    ),
};

declare_check!(
    CertificateUnused,
    "certificate_unused",
    Cause::NotAssociated
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        if c.status != CertificateStatus::Issued
            || inv.is_in_use(c)
            || c.not_after.is_some_and(|na| na <= ctx.now)
        {
            continue;
        }
        // Route 53 names this certificate covers that lead to a destination (load balancer,
        // distribution, API Gateway domain) no certificate of which covers them: it was probably meant for
        // those. Names the resource already serves with another covering certificate
        // mean this one was rotated away.
        let mut meant_for = Vec::new();
        let mut rotated_away = Vec::new();
        for d in destinations(inv) {
            for (host, _) in d.hostnames(inv).into_owned() {
                if covered_by(&c.sans, &host) {
                    let entry = serde_json::json!({"hostname": host, "resource": d.arn()});
                    if d.carries(inv, &host) {
                        rotated_away.push(entry);
                    } else {
                        meant_for.push(entry);
                    }
                }
            }
        }
        let (severity, tail) = if !meant_for.is_empty() {
            (
                Severity::Medium,
                tr!(
                    "Hostnames it covers are served by resources that use another certificate — it was probably meant to be attached there.",
                    "この証明書がカバーするホスト名は別の証明書を使うリソースで配信されています。本来はそちらに関連付けるつもりだった可能性があります。"
                ),
            )
        } else if !rotated_away.is_empty() {
            (
                Severity::Low,
                tr!(
                    "The names it covers are already served by another certificate on the same resources: it was rotated away and is safe to delete.",
                    "この証明書がカバーするホスト名は、同じリソースで別の証明書によってすでに配信されています。差し替え済みの古い証明書で、削除して問題ありません。"
                ),
            )
        } else if c.cert_type == CertificateType::AmazonIssued {
            (
                Severity::Low,
                tr!(
                    "ACM will not renew it while it is unused.",
                    "使用されていない間、ACM はこの証明書を更新しません。"
                ),
            )
        } else {
            (Severity::Info, Text::default())
        };
        let (arn, name, region) = (&c.arn, &c.domain_name, &c.region);
        let sans = if c.sans.is_empty() {
            c.domain_name.clone()
        } else {
            c.sans.join(", ")
        };
        let mut detail = tr!(
            "{arn} ({sans}) is issued but no load balancer, distribution or other integrated service uses it; a public ACM certificate cannot be installed on an EC2 instance.",
            "{arn}（{sans}）は発行済みですが、ロードバランサー、ディストリビューション、その他の ACM 統合サービスのどれにも使われていません。なお、ACM のパブリック証明書は EC2 インスタンスにはインストールできません。"
        );
        detail.push(&tail);
        let mut f = Finding::new(CertificateUnused::ID, severity, &c.arn, &c.region)
            .hostname(&c.domain_name)
            .title(tr!(
                "Certificate for {name} is not attached to anything",
                "{name} の証明書がどのリソースにも関連付けられていません"
            ))
            .detail(detail)
            .evidence("sans", &c.sans)
            .evidence("type", &c.cert_type)
            .evidence("hostnames_it_covers", &meant_for)
            .evidence("served_by_another_certificate", &rotated_away);
        if let Some(first) = meant_for.first() {
            let res = first["resource"].as_str().unwrap_or_default();
            if res.contains(":loadbalancer/") {
                f = f
                    .step(tr!(
                        "Attach it to the HTTPS listener of {res}:",
                        "{res} の HTTPS リスナーに追加します:"
                    ))
                    .command(recipes::add_listener_certificate(
                        "LISTENER_ARN",
                        arn,
                        region,
                    ));
            } else {
                f = f.step(tr!(
                    "Set it as the viewer certificate of {res} (CloudFront console: the distribution → General → Edit → Custom SSL certificate).",
                    "{res} のビューワー証明書に設定します（CloudFront コンソール: 対象のディストリビューション → 一般 → 編集 → カスタム SSL 証明書）。"
                ));
            }
        } else if !rotated_away.is_empty() {
            f = recipes::cleanup_steps(f, c);
        } else {
            f = f
                .step(tr!(
                    "Attach it to the ALB/NLB listener or CloudFront distribution that should serve these names (EC2 instances cannot use public ACM certificates).",
                    "これらのホスト名を配信すべき ALB/NLB のリスナーか CloudFront ディストリビューションに関連付けます（EC2 インスタンスでは ACM のパブリック証明書を使えません）。"
                ))
                .step(tr!(
                    "If nothing needs it, delete it:",
                    "不要であれば削除します:"
                ))
                .command(recipes::delete_certificate(arn, region));
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    #[test]
    fn unused_certificate_is_reported_and_used_one_is_not() {
        let mut inv = Inventory::default();
        inv.certificates
            .push(cert("unused", &["a.example.com"], 200));
        inv.certificates.push(cert("used", &["b.example.com"], 200));
        let mut lb = alb("b");
        lb.listeners.push(with_certs(
            listener("b", 443, "HTTPS", forward()),
            "used",
            &[],
        ));
        inv.load_balancers.push(lb);
        let f = run_check(&CertificateUnused, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].resource, cert_arn("unused"));
        assert_eq!(f[0].severity, Severity::Low);
    }

    /// Regression (real estates): an exported certificate, installed outside AWS, was
    /// "unused" and advised for deletion.
    #[test]
    fn exported_certificate_is_not_unused_and_its_twin_still_is() {
        let mut inv = Inventory::default();
        let mut c = cert("exported", &["vpn.example.com"], 200);
        c.exported = true;
        inv.certificates.push(c);
        inv.certificates
            .push(cert("plain", &["spare.example.com"], 200));
        let f = run_check(&CertificateUnused, &inv);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].resource, cert_arn("plain"));
    }

    #[test]
    fn in_use_by_another_service_counts_as_used() {
        let mut inv = Inventory::default();
        let mut c = cert("apigw", &["api.example.com"], 200);
        c.in_use_by = vec!["arn:aws:apigateway:us-east-1::/domainnames/api.example.com".into()];
        inv.certificates.push(c);
        assert!(run_check(&CertificateUnused, &inv).is_empty());
    }

    /// Regression (real estates): the certificate replaced at the last rotation was
    /// "meant for" the load balancer that already serves its names, with advice to
    /// attach it.
    #[test]
    fn a_rotated_away_certificate_is_low_and_safe_to_delete() {
        let mut inv = Inventory::default();
        inv.certificates
            .push(cert("previous", &["shop.example.com"], 200));
        let mut current = cert(
            "current",
            &["shop.example.com", "www.shop.example.com"],
            300,
        );
        current.in_use = Some(true);
        inv.certificates.push(current);
        let mut lb = alb("shop");
        lb.listeners.push(with_certs(
            listener("shop", 443, "HTTPS", forward()),
            "current",
            &[],
        ));
        inv.dns_records
            .push(alias_record("shop.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        let f = run_check(&CertificateUnused, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].first_fix().starts_with("aws acm delete-certificate"),
            "{:?}",
            f[0].remediation
        );
        assert!(
            f[0].remediation
                .iter()
                .all(|s| !s.contains("add-listener-certificates"))
        );
    }

    #[test]
    fn certificate_meant_for_a_routed_hostname_is_medium() {
        let mut inv = Inventory::default();
        inv.certificates
            .push(cert("new", &["shop.example.com"], 200));
        inv.certificates
            .push(cert("old", &["old.example.com"], 200));
        let mut lb = alb("shop");
        lb.listeners.push(with_certs(
            listener("shop", 443, "HTTPS", forward()),
            "old",
            &[],
        ));
        inv.dns_records
            .push(alias_record("shop.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        let f = run_check(&CertificateUnused, &inv);
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].first_fix().contains("add-listener-certificates"));
    }
}
