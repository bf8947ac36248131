//! `cloudfront_certificate_region` — a CloudFront viewer certificate outside us-east-1.

use crate::aws::arn_region;
use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A CloudFront distribution whose viewer certificate ARN is in a region other than us-east-1 (CloudFront only uses ACM certificates from us-east-1).",
        "ビューワー証明書の ARN が us-east-1 以外のリージョンにある CloudFront ディストリビューション（CloudFront が使えるのは us-east-1 の ACM 証明書だけです）。",
    ),
    browser: label!(
        "The distribution keeps serving another certificate, often *.cloudfront.net: NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
        "ディストリビューションは別の証明書（多くは *.cloudfront.net）を返し続けます: NET::ERR_CERT_COMMON_NAME_INVALID（Chrome、Edge）/ SSL_ERROR_BAD_CERT_DOMAIN（Firefox）。",
    ),
    fix: label!(
        "Request (or import) the certificate in us-east-1 and set that ARN as the distribution's viewer certificate.",
        "us-east-1 で証明書をリクエスト（またはインポート）し、その ARN をディストリビューションのビューワー証明書に設定します。",
    ),
};

declare_check!(
    CloudfrontCertificateRegion,
    "cloudfront_certificate_region",
    Cause::TlsConfiguration
);

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &ctx.inventory.distributions {
        let Some(arn) = &d.viewer_certificate.acm_certificate_arn else {
            continue;
        };
        let Some(region) = arn_region(arn) else {
            continue;
        };
        if region == "us-east-1" {
            continue;
        }
        let first = d
            .aliases
            .first()
            .cloned()
            .unwrap_or_else(|| "YOUR_DOMAIN".into());
        let id = &d.id;
        out.push(
            Finding::new(CloudfrontCertificateRegion::ID, Severity::High, &d.arn, "global")
                .title(tr!(
                    "CloudFront {id} references a certificate in {region}, not us-east-1",
                    "CloudFront {id} が us-east-1 ではなく {region} の証明書を参照しています"
                ))
                .detail(tr!(
                    "Distribution {id} points at {arn}; CloudFront only accepts ACM certificates from us-east-1.",
                    "ディストリビューション {id} は {arn} を参照していますが、CloudFront が使えるのは us-east-1 の ACM 証明書だけです。"
                ))
                .evidence("viewer_certificate", arn)
                .evidence("certificate_region", region)
                .command(recipes::request_certificate(&first, &[], Some("us-east-1")))
                .step(tr!(
                    "Set the new us-east-1 ARN as the viewer certificate of {id} (aws cloudfront update-distribution, or console: General → Edit → Custom SSL certificate).",
                    "新しい us-east-1 の証明書の ARN を {id} のビューワー証明書に設定します（aws cloudfront update-distribution、またはコンソールの 一般 → 編集 → カスタム SSL 証明書）。"
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
    fn certificate_outside_us_east_1_is_flagged() {
        let mut d = distribution("E1", &["cdn.example.com"], Some("c"));
        d.viewer_certificate.acm_certificate_arn =
            Some("arn:aws:acm:eu-west-1:123456789012:certificate/c".into());
        assert_eq!(
            run_check(
                &CloudfrontCertificateRegion,
                &Inventory {
                    distributions: vec![d],
                    ..Default::default()
                }
            )
            .len(),
            1
        );
        let d = distribution("E2", &["cdn.example.com"], Some("c"));
        assert!(
            run_check(
                &CloudfrontCertificateRegion,
                &Inventory {
                    distributions: vec![d],
                    ..Default::default()
                }
            )
            .is_empty()
        );
    }
}
