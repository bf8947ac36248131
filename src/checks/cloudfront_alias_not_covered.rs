//! `cloudfront_alias_not_covered` — a CloudFront alias its viewer certificate does not
//! cover.
//!
//! **Detects** an alternate domain name (alias), or a Route 53 name pointing at the
//! distribution, that is not in the viewer certificate's SANs — including aliases on a
//! distribution still using the default `*.cloudfront.net` certificate.
//! **Browser** shows `NET::ERR_CERT_COMMON_NAME_INVALID` / `SSL_ERROR_BAD_CERT_DOMAIN`.
//! **Fix**: attach a us-east-1 ACM certificate that covers every alias.

use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};
use crate::hostname::covered_by;

pub const DOC: CheckDoc = CheckDoc {
    detects: "A CloudFront alias (or a Route 53 name pointing at the distribution) that the viewer certificate does not cover, including aliases on a distribution that still uses the default *.cloudfront.net certificate.",
    browser: "NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
    fix: "Request an ACM certificate in us-east-1 that covers every alias and set it as the distribution's viewer certificate (sni-only, TLSv1.2_2021).",
};

declare_check!(
    CloudfrontAliasNotCovered,
    "cloudfront_alias_not_covered",
    Cause::NameMismatch
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for d in &inv.distributions {
        let vc = &d.viewer_certificate;
        let (names, cert_desc): (Vec<String>, String) = match &vc.acm_certificate_arn {
            Some(arn) => match inv.certificate(arn) {
                Some(c) => (c.sans.clone(), arn.clone()),
                None => continue,
            },
            None if vc.cloudfront_default_certificate => (
                vec!["*.cloudfront.net".to_string()],
                "the default *.cloudfront.net certificate".into(),
            ),
            None => continue, // IAM server certificate: names unknown here
        };
        for (host, source) in inv.distribution_hostnames(d) {
            if covered_by(&names, &host) {
                continue;
            }
            let mut all: Vec<String> = d.aliases.clone();
            if !all.contains(&host) {
                all.push(host.clone());
            }
            out.push(
                Finding::new(CloudfrontAliasNotCovered::ID, Severity::High, &d.arn, "global")
                    .hostname(&host)
                    .title(format!("{host} is served by CloudFront {} with a certificate that does not cover it", d.id))
                    .detail(format!(
                        "{host} ({source}) reaches distribution {} ({}), whose viewer certificate is {cert_desc} covering only {}.",
                        d.id,
                        d.domain_name,
                        names.join(", ")
                    ))
                    .evidence("distribution", &d.id)
                    .evidence("viewer_certificate", &vc.acm_certificate_arn)
                    .evidence("covered_names", &names)
                    .evidence("hostname_source", &source)
                    .step(format!(
                        "aws acm request-certificate --region us-east-1 --validation-method DNS --domain-name {} {}",
                        all[0],
                        if all.len() > 1 { format!("--subject-alternative-names {}", all[1..].join(" ")) } else { String::new() }
                    ))
                    .step(format!(
                        "Once issued, set it on the distribution: aws cloudfront get-distribution-config --id {} > dist.json, set ViewerCertificate to {{\"ACMCertificateArn\": NEW_ARN, \"SSLSupportMethod\": \"sni-only\", \"MinimumProtocolVersion\": \"TLSv1.2_2021\"}}, then aws cloudfront update-distribution --id {} --if-match ETAG --distribution-config file://dist.json",
                        d.id, d.id
                    ))
                    .step("Console: CloudFront → the distribution → General → Settings → Edit → Custom SSL certificate."),
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

    #[test]
    fn alias_outside_the_certificate_is_caught() {
        let inv = Inventory {
            certificates: vec![cert("c", &["www.example.com"], 200)],
            distributions: vec![distribution(
                "E1",
                &["www.example.com", "static.example.com"],
                Some("c"),
            )],
            ..Default::default()
        };
        let f = run_check(&CloudfrontAliasNotCovered, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].hostname.as_deref(), Some("static.example.com"));
        assert!(f[0].remediation[0].contains("--subject-alternative-names static.example.com"));
    }

    #[test]
    fn default_certificate_never_covers_aliases() {
        let inv = Inventory {
            distributions: vec![distribution("E2", &["cdn.example.com"], None)],
            ..Default::default()
        };
        assert_eq!(run_check(&CloudfrontAliasNotCovered, &inv).len(), 1);
    }

    #[test]
    fn wildcard_certificate_covers_one_label() {
        let inv = Inventory {
            certificates: vec![cert("c", &["*.example.com"], 200)],
            distributions: vec![distribution(
                "E3",
                &["cdn.example.com", "a.cdn.example.com"],
                Some("c"),
            )],
            ..Default::default()
        };
        let f = run_check(&CloudfrontAliasNotCovered, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].hostname.as_deref(), Some("a.cdn.example.com"));
    }
}
