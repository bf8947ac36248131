//! `private_certificate_public_endpoint` — a private-CA certificate on a public site.
//!
//! **Detects** a `PRIVATE` (AWS Private CA) certificate on an internet-facing load
//! balancer or on a CloudFront distribution.
//! **Browser** shows `NET::ERR_CERT_AUTHORITY_INVALID` / `SEC_ERROR_UNKNOWN_ISSUER` for
//! every visitor whose device does not trust the private root.
//! **Fix**: use a public Amazon-issued certificate for public endpoints.

use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};
use crate::inventory::Usage;

pub const DOC: CheckDoc = CheckDoc {
    detects: "A PRIVATE certificate (issued by AWS Private CA) attached to an internet-facing load balancer or to a CloudFront distribution.",
    browser: "NET::ERR_CERT_AUTHORITY_INVALID (Chrome, Edge) / SEC_ERROR_UNKNOWN_ISSUER (Firefox) for every visitor whose device does not trust your private root.",
    fix: "Request a public certificate (aws acm request-certificate without --certificate-authority-arn) and attach it instead; keep private certificates for internal load balancers.",
};

declare_check!(
    PrivateCertificatePublicEndpoint,
    "private_certificate_public_endpoint",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in inv.certificates.iter().filter(|c| c.cert_type == "PRIVATE") {
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
                    (
                        listener_arn.clone(),
                        format!("internet-facing load balancer {}", lb.name),
                    )
                }
                Usage::Distribution { arn } => {
                    (arn.clone(), format!("CloudFront distribution {arn}"))
                }
                Usage::InUseBy { .. } => continue,
            };
            out.push(
                Finding::new(PrivateCertificatePublicEndpoint::ID, Severity::High, &resource, &c.region)
                    .hostname(&c.domain_name)
                    .key(&c.arn)
                    .title(format!("Private-CA certificate for {} is served on a public endpoint", c.domain_name))
                    .detail(format!(
                        "{} is issued by a private CA and attached to the {what}. Only devices that trust your private root accept it.",
                        c.arn
                    ))
                    .evidence("certificate", &c.arn)
                    .evidence("type", &c.cert_type)
                    .step(format!(
                        "aws acm request-certificate --domain-name {} --validation-method DNS --region {}  (a public certificate)",
                        c.domain_name, c.region
                    ))
                    .step("Attach it in place of the private certificate (aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN, or the distribution's viewer certificate)."),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;

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
