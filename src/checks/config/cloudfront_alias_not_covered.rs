//! `cloudfront_alias_not_covered` — a CloudFront alias its viewer certificate does not

use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::hostname::covered_by;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A CloudFront alias (or a Route 53 name pointing at the distribution) that the viewer certificate does not cover, including aliases on a distribution that still uses the default *.cloudfront.net certificate.",
        "ビューワー証明書がカバーしていない CloudFront の代替ドメイン名（またはディストリビューションを指す Route 53 のホスト名）。デフォルトの *.cloudfront.net 証明書のままのディストリビューションに設定された代替ドメイン名も含みます。",
    ),
    browser: label!(
        "NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
        "NET::ERR_CERT_COMMON_NAME_INVALID（Chrome、Edge）/ SSL_ERROR_BAD_CERT_DOMAIN（Firefox）。",
    ),
    fix: label!(
        "Request an ACM certificate in us-east-1 that covers every alias and set it as the distribution's viewer certificate (sni-only, TLSv1.2_2021).",
        "すべての代替ドメイン名をカバーする ACM 証明書を us-east-1 でリクエストし、ディストリビューションのビューワー証明書に設定します（sni-only、TLSv1.2_2021）。",
    ),
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
                "*.cloudfront.net (CloudFront default)".into(),
            ),
            None => continue, // IAM server certificate: names unknown here
        };
        let (id, domain) = (&d.id, &d.domain_name);
        let covered = names.join(", ");
        for (host, source) in inv.distribution_hostnames(d).into_owned() {
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
                    .title(tr!(
                        "{host} is served by CloudFront {id} with a certificate that does not cover it",
                        "{host} を配信する CloudFront {id} の証明書がこのホスト名をカバーしていません"
                    ))
                    .detail(tr!(
                        "{host} ({source}) reaches distribution {id} ({domain}), whose viewer certificate is {cert_desc} covering only {covered}.",
                        "{host}（{source}）はディストリビューション {id}（{domain}）に届きますが、そのビューワー証明書 {cert_desc} がカバーしているのは {covered} だけです。"
                    ))
                    .evidence("distribution", &d.id)
                    .evidence("viewer_certificate", &vc.acm_certificate_arn)
                    .evidence("covered_names", &names)
                    .evidence("hostname_source", &source)
                    .step(tr!(
                        "Request a certificate in us-east-1 (CloudFront uses only that region) that covers every alias:",
                        "すべての代替ドメイン名をカバーする証明書を us-east-1 でリクエストします（CloudFront が使えるのはこのリージョンの証明書だけです）:"
                    ))
                    .command(recipes::request_certificate(&all[0], &all[1..].iter().map(String::as_str).collect::<Vec<_>>(), Some("us-east-1")))
                    .step(tr!(
                        "Once issued, save the distribution config and note its ETag:",
                        "発行されたら、ディストリビューションの設定を保存し、ETag を控えます:"
                    ))
                    .command(recipes::get_distribution_config(id))
                    .step(tr!(
                        "In dist.json keep only DistributionConfig and set ViewerCertificate to {{\"ACMCertificateArn\": NEW_ARN, \"SSLSupportMethod\": \"sni-only\", \"MinimumProtocolVersion\": \"TLSv1.2_2021\"}}, then:",
                        "dist.json は DistributionConfig の中身だけを残し、ViewerCertificate を {{\"ACMCertificateArn\": NEW_ARN, \"SSLSupportMethod\": \"sni-only\", \"MinimumProtocolVersion\": \"TLSv1.2_2021\"}} に書き換えてから、次を実行します:"
                    ))
                    .command(recipes::update_distribution(id))
                    .step(tr!(
                        "Console: CloudFront → the distribution → General → Settings → Edit → Custom SSL certificate.",
                        "コンソールの場合: CloudFront → 対象のディストリビューション → 一般 → 設定 → 編集 → カスタム SSL 証明書。"
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
        assert!(
            f[0].first_fix()
                .contains("--subject-alternative-names static.example.com")
        );
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
