//! `private_certificate_public_endpoint` — a private-CA certificate on a public site.

use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::inventory::Usage;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A PRIVATE certificate (issued by AWS Private CA) attached to an internet-facing load balancer or to a CloudFront distribution.",
        "インターネット向けロードバランサーや CloudFront ディストリビューションに関連付けられた PRIVATE 証明書（AWS Private CA の発行）。",
    ),
    browser: label!(
        "NET::ERR_CERT_AUTHORITY_INVALID (Chrome, Edge) / SEC_ERROR_UNKNOWN_ISSUER (Firefox) for every visitor whose device does not trust your private root.",
        "自社のプライベートルートを信頼していない端末の訪問者全員に NET::ERR_CERT_AUTHORITY_INVALID（Chrome、Edge）/ SEC_ERROR_UNKNOWN_ISSUER（Firefox）。",
    ),
    fix: label!(
        "Request a public certificate (aws acm request-certificate without --certificate-authority-arn) and attach it instead; keep private certificates for internal load balancers.",
        "パブリック証明書（--certificate-authority-arn を付けない aws acm request-certificate）をリクエストして差し替えます。プライベート証明書は内部向けロードバランサーで使います。",
    ),
};

declare_check!(
    PrivateCertificatePublicEndpoint,
    "private_certificate_public_endpoint",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in inv
        .certificates
        .iter()
        .filter(|c| c.cert_type == CertificateType::Private)
    {
        for u in inv.usages(&c.arn) {
            let (resource, what) = match &u {
                Usage::Listener {
                    lb_arn,
                    listener_arn,
                    ..
                } => {
                    let Some(lb) = inv.load_balancers.iter().find(|lb| &lb.arn == lb_arn) else {
                        continue;
                    };
                    if !lb.is_internet_facing() {
                        continue;
                    }
                    let name = &lb.name;
                    (
                        listener_arn.clone(),
                        tr!(
                            "internet-facing load balancer {name}",
                            "インターネット向けロードバランサー {name}"
                        ),
                    )
                }
                Usage::Distribution { arn } => (
                    arn.clone(),
                    tr!(
                        "CloudFront distribution {arn}",
                        "CloudFront ディストリビューション {arn}"
                    ),
                ),
                Usage::ApiDomain { arn } => {
                    let Some(d) = inv.api_domains.iter().find(|d| &d.arn == arn) else {
                        continue;
                    };
                    if d.is_private() {
                        continue;
                    }
                    let name = &d.name;
                    (
                        arn.clone(),
                        tr!(
                            "API Gateway custom domain {name}",
                            "API Gateway カスタムドメイン {name}"
                        ),
                    )
                }
                Usage::InUseBy { .. } | Usage::Exported => continue,
            };
            let (arn, name) = (&c.arn, &c.domain_name);
            let (what_en, what_ja) = (&what.en, &what.ja);
            out.push(
                Finding::new(PrivateCertificatePublicEndpoint::ID, Severity::High, &resource, &c.region)
                    .hostname(&c.domain_name)
                    .key(&c.arn)
                    .title(tr!(
                        "Private-CA certificate for {name} is served on a public endpoint",
                        "プライベート CA が発行した {name} の証明書が公開エンドポイントで配信されています"
                    ))
                    .detail(tr!(
                        "{arn} is issued by a private CA and attached to the {what_en}. Only devices that trust your private root accept it.",
                        "{arn} はプライベート CA の発行で、{what_ja} に関連付けられています。受け入れられるのは、自社のプライベートルートを信頼している端末だけです。"
                    ))
                    .evidence("certificate", &c.arn)
                    .evidence("type", &c.cert_type)
                    .step(tr!(
                        "Request a public certificate for the name:",
                        "このホスト名のパブリック証明書をリクエストします:"
                    ))
                    .command(recipes::request_certificate(name, &[], Some(&c.region)))
                    .step(tr!(
                        "Attach it in place of the private certificate (aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN, or the distribution's viewer certificate).",
                        "プライベート証明書の代わりに関連付けます（aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN、またはディストリビューションのビューワー証明書）。"
                    )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn setup(scheme: &str) -> Inventory {
        let mut c = cert("pca", &["app.example.com"], 200);
        c.cert_type = "PRIVATE".into();
        let mut lb = alb("app");
        lb.scheme = scheme.into();
        lb.listeners.push(with_certs(
            listener("app", 443, "HTTPS", forward()),
            "pca",
            &[],
        ));
        Inventory {
            certificates: vec![c],
            load_balancers: vec![lb],
            ..Default::default()
        }
    }

    #[test]
    fn private_cert_on_internet_facing_alb_is_flagged() {
        assert_eq!(
            run_check(&PrivateCertificatePublicEndpoint, &setup("internet-facing")).len(),
            1
        );
    }

    #[test]
    fn private_cert_on_internal_alb_is_fine() {
        assert!(run_check(&PrivateCertificatePublicEndpoint, &setup("internal")).is_empty());
    }

    #[test]
    fn private_cert_on_cloudfront_is_flagged() {
        let mut inv = setup("internal");
        inv.distributions
            .push(distribution("E9", &["app.example.com"], Some("pca")));
        assert_eq!(run_check(&PrivateCertificatePublicEndpoint, &inv).len(), 1);
    }
}
