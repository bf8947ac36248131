//! `legacy_tls_policy` — an HTTPS listener or distribution that still allows TLS 1.0/1.1.

use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An HTTPS/TLS listener whose SSL policy still allows TLS 1.0 or 1.1 (e.g. the default ELBSecurityPolicy-2016-08), or a CloudFront distribution whose minimum protocol version is below TLSv1.2.",
        "SSL ポリシーがまだ TLS 1.0 や 1.1 を許可している HTTPS/TLS リスナー（既定の ELBSecurityPolicy-2016-08 など）、または最小プロトコルバージョンが TLSv1.2 未満の CloudFront ディストリビューション。",
    ),
    browser: label!(
        "Current browsers are unaffected (they no longer offer TLS 1.0/1.1); old clients can be downgraded to weak protocols, and audits (Security Hub ELB.17, PCI DSS) flag it.",
        "現行のブラウザには影響しません（TLS 1.0/1.1 をもう使わないため）。古いクライアントは弱いプロトコルに格下げされる可能性があり、監査（Security Hub ELB.17、PCI DSS）で指摘されます。",
    ),
    fix: label!(
        "Use ELBSecurityPolicy-TLS13-1-2-2021-06 (or newer) on listeners and TLSv1.2_2021 on CloudFront.",
        "リスナーには ELBSecurityPolicy-TLS13-1-2-2021-06（以降）を、CloudFront には TLSv1.2_2021 を使います。",
    ),
};

declare_check!(
    LegacyTlsPolicy,
    "legacy_tls_policy",
    Cause::TlsConfiguration
);

/// ELB policies that still negotiate TLS 1.0 or 1.1.
const LEGACY_ELB_POLICIES: &[&str] = &[
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-1-PQ-2025-09",
];

pub fn elb_policy_allows_legacy(policy: &str) -> bool {
    LEGACY_ELB_POLICIES.contains(&policy)
}

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for lb in &inv.load_balancers {
        for l in lb.https_listeners() {
            let Some(policy) = l
                .ssl_policy
                .as_deref()
                .filter(|p| elb_policy_allows_legacy(p))
            else {
                continue;
            };
            let (name, proto, port, arn) = (&lb.name, &l.protocol, l.port, &l.arn);
            out.push(
                Finding::new(LegacyTlsPolicy::ID, Severity::Low, &l.arn, &lb.region)
                    .title(tr!(
                        "{name} listener {proto}:{port} allows TLS 1.0/1.1 ({policy})",
                        "{name} のリスナー {proto}:{port} が TLS 1.0/1.1 を許可しています（{policy}）"
                    ))
                    .detail(tr!(
                        "The security policy {policy} on {arn} still negotiates TLS 1.0 and/or 1.1.",
                        "{arn} のセキュリティポリシー {policy} は、まだ TLS 1.0 や 1.1 で接続を確立します。"
                    ))
                    .evidence("ssl_policy", policy)
                    .evidence("load_balancer", &lb.arn)
                    .command(format!(
                        "aws elbv2 modify-listener --listener-arn {arn} --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06 --region {}",
                        lb.region
                    )),
            );
        }
    }
    for d in &inv.distributions {
        let Some(v) = d.viewer_certificate.minimum_protocol_version.as_deref() else {
            continue;
        };
        if d.viewer_certificate.cloudfront_default_certificate
            || !matches!(v, "SSLv3" | "TLSv1" | "TLSv1_2016" | "TLSv1.1_2016")
        {
            continue; // the default certificate forces TLSv1 and cannot be changed
        }
        let id = &d.id;
        out.push(
            Finding::new(LegacyTlsPolicy::ID, Severity::Low, &d.arn, "global")
                .title(tr!(
                    "CloudFront {id} allows protocols below TLS 1.2 ({v})",
                    "CloudFront {id} が TLS 1.2 未満のプロトコルを許可しています（{v}）"
                ))
                .detail(tr!(
                    "Distribution {id} has MinimumProtocolVersion {v}.",
                    "ディストリビューション {id} の MinimumProtocolVersion が {v} です。"
                ))
                .evidence("minimum_protocol_version", v)
                .step(tr!(
                    "Set ViewerCertificate.MinimumProtocolVersion to TLSv1.2_2021 (aws cloudfront update-distribution --id {id} …, or console: General → Edit → Security policy).",
                    "ViewerCertificate.MinimumProtocolVersion を TLSv1.2_2021 に変更します（aws cloudfront update-distribution --id {id} …、またはコンソールの 一般 → 編集 → セキュリティポリシー）。"
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

    #[test]
    fn default_2016_policy_is_flagged_tls13_is_not() {
        let mut lb = alb("x");
        let mut l = listener("x", 443, "HTTPS", forward());
        l.ssl_policy = Some("ELBSecurityPolicy-2016-08".into());
        lb.listeners.push(l);
        let mut l2 = listener("x", 8443, "HTTPS", forward());
        l2.ssl_policy = Some("ELBSecurityPolicy-TLS13-1-2-2021-06".into());
        lb.listeners.push(l2);
        let f = run_check(
            &LegacyTlsPolicy,
            &Inventory {
                load_balancers: vec![lb],
                ..Default::default()
            },
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("443"));
    }

    #[test]
    fn cloudfront_tlsv1_is_flagged() {
        let mut d = distribution("E1", &["a.example.com"], Some("c"));
        d.viewer_certificate.minimum_protocol_version = Some("TLSv1_2016".into());
        assert_eq!(
            run_check(
                &LegacyTlsPolicy,
                &Inventory {
                    distributions: vec![d],
                    ..Default::default()
                }
            )
            .len(),
            1
        );
    }
}
