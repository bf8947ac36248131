//! `legacy_tls_policy` — an HTTPS listener, distribution or API Gateway custom domain
//! that still allows TLS 1.0/1.1.

use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An HTTPS/TLS listener whose SSL policy still allows TLS 1.0 or 1.1 (e.g. the default ELBSecurityPolicy-2016-08), a CloudFront distribution whose minimum protocol version is below TLSv1.2, or an API Gateway custom domain with security policy TLS_1_0.",
        "SSL ポリシーがまだ TLS 1.0 や 1.1 を許可している HTTPS/TLS リスナー（既定の ELBSecurityPolicy-2016-08 など）、最小プロトコルバージョンが TLSv1.2 未満の CloudFront ディストリビューション、またはセキュリティポリシーが TLS_1_0 の API Gateway カスタムドメイン。",
    ),
    browser: label!(
        "Current browsers are unaffected (they no longer offer TLS 1.0/1.1); old clients can be downgraded to weak protocols, and audits (Security Hub ELB.17, PCI DSS) flag it.",
        "現行のブラウザには影響しません（TLS 1.0/1.1 をもう使わないため）。古いクライアントは弱いプロトコルに格下げされる可能性があり、監査（Security Hub ELB.17、PCI DSS）で指摘されます。",
    ),
    fix: label!(
        "Use ELBSecurityPolicy-TLS13-1-2-2021-06 (or newer) on listeners, TLSv1.2_2021 on CloudFront and TLS_1_2 on API Gateway custom domains.",
        "リスナーには ELBSecurityPolicy-TLS13-1-2-2021-06（以降）を、CloudFront には TLSv1.2_2021 を、API Gateway カスタムドメインには TLS_1_2 を使います。",
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
    for d in &inv.api_domains {
        // TLS_1_0 is the one API Gateway policy that still negotiates TLS 1.0/1.1 (the
        // newer `SecurityPolicy_TLS13_…` and `TLS_1_2` do not).
        if d.security_policy.as_deref() != Some("TLS_1_0") {
            continue;
        }
        let name = &d.name;
        out.push(
            Finding::new(LegacyTlsPolicy::ID, Severity::Low, &d.arn, &d.region)
                .hostname(name)
                .title(tr!(
                    "API Gateway custom domain {name} allows TLS 1.0/1.1 (TLS_1_0)",
                    "API Gateway カスタムドメイン {name} が TLS 1.0/1.1 を許可しています（TLS_1_0）"
                ))
                .detail(tr!(
                    "The custom domain {name} has security policy TLS_1_0, which still negotiates TLS 1.0 and 1.1.",
                    "カスタムドメイン {name} のセキュリティポリシーは TLS_1_0 で、まだ TLS 1.0 と 1.1 で接続を確立します。"
                ))
                .evidence("security_policy", "TLS_1_0")
                .evidence("endpoint_type", &d.endpoint_type)
                .command(recipes::api_domain_tls12(name, &d.region)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    /// API Gateway's TLS_1_0 is flagged; its twin TLS_1_2 (and no policy read) is not.
    #[test]
    fn api_gateway_tls_1_0_is_flagged_tls_1_2_is_not() {
        let mut old = api_domain("api.example.com", "c");
        old.security_policy = Some("TLS_1_0".into());
        let mut unknown = api_domain("unknown.example.com", "c");
        unknown.security_policy = None;
        let inv = Inventory {
            api_domains: vec![old, api_domain("new.example.com", "c"), unknown],
            ..Default::default()
        };
        let f = run_check(&LegacyTlsPolicy, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].hostname.as_deref(), Some("api.example.com"));
        assert!(f[0].remediation[0].contains("value=TLS_1_2"));
    }

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
