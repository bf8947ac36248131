//! Remediation recipes: the AWS CLI commands findings ask a person to run, built once so
//! every check spells the same fix the same way (flag order, placeholders, regions).

use crate::finding::Finding;
use crate::inventory::{Certificate, CertificateType};
use crate::tr;

/// The ALB action that answers with a permanent redirect to the same URL over HTTPS
/// (host, path and query spelled out as the request's own, so the command reads as what
/// it does).
pub const REDIRECT_TO_HTTPS: &str = "'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,Host=#{host},Path=/#{path},Query=#{query},StatusCode=HTTP_301}'";

/// Placeholder for the certificate a person has just requested.
pub const NEW_CERTIFICATE_ARN: &str = "NEW_CERTIFICATE_ARN";

fn region_arg(region: Option<&str>) -> String {
    region.map(|r| format!(" --region {r}")).unwrap_or_default()
}

/// `aws acm request-certificate` for `domain` (and further names), DNS-validated.
/// `region` is `None` where the finding cannot know it (a hostname without AWS).
pub fn request_certificate(domain: &str, sans: &[&str], region: Option<&str>) -> String {
    let sans = if sans.is_empty() {
        String::new()
    } else {
        format!(" --subject-alternative-names {}", sans.join(" "))
    };
    format!(
        "aws acm request-certificate --domain-name {domain}{sans} --validation-method DNS{}",
        region_arg(region)
    )
}

/// [`request_certificate`] with certificate-transparency logging explicitly on.
pub fn request_certificate_with_ct(domain: &str, region: Option<&str>) -> String {
    format!(
        "aws acm request-certificate --domain-name {domain} --validation-method DNS --options CertificateTransparencyLoggingPreference=ENABLED{}",
        region_arg(region)
    )
}

/// Re-imports a renewed certificate under the same ARN; `chain_file` names the PEM file
/// holding the intermediates.
pub fn import_certificate(arn: &str, region: &str, chain_file: &str) -> String {
    format!(
        "aws acm import-certificate --certificate-arn {arn} --certificate fileb://cert.pem --private-key fileb://key.pem --certificate-chain fileb://{chain_file} --region {region}"
    )
}

pub fn delete_certificate(arn: &str, region: &str) -> String {
    format!("aws acm delete-certificate --certificate-arn {arn} --region {region}")
}

/// `aws acm describe-certificate … --query QUERY` (what a person looks at next).
pub fn describe_certificate(arn: &str, region: &str, query: &str) -> String {
    format!(
        "aws acm describe-certificate --certificate-arn {arn} --region {region} --query {query}"
    )
}

/// Adds a certificate to an HTTPS listener's SNI list.
pub fn add_listener_certificate(listener_arn: &str, certificate_arn: &str, region: &str) -> String {
    format!(
        "aws elbv2 add-listener-certificates --listener-arn {listener_arn} --certificates CertificateArn={certificate_arn} --region {region}"
    )
}

/// Replaces a Classic Load Balancer listener's one certificate.
pub fn set_classic_listener_certificate(
    lb_name: &str,
    port: i32,
    certificate_arn: &str,
    region: &str,
) -> String {
    format!(
        "aws elb set-load-balancer-listener-ssl-certificate --load-balancer-name {lb_name} --load-balancer-port {port} --ssl-certificate-id {certificate_arn} --region {region}"
    )
}

/// Adds the HTTPS:443 listener a Classic Load Balancer lacks.
pub fn create_classic_https_listener(lb_name: &str, region: &str) -> String {
    format!(
        "aws elb create-load-balancer-listeners --load-balancer-name {lb_name} --listeners Protocol=HTTPS,LoadBalancerPort=443,InstanceProtocol=HTTP,InstancePort=80,SSLCertificateId={NEW_CERTIFICATE_ARN} --region {region}"
    )
}

/// Sets an API Gateway custom domain's TLS security policy to TLS 1.2.
pub fn api_domain_tls12(domain: &str, region: &str) -> String {
    format!(
        "aws apigateway update-domain-name --domain-name {domain} --patch-operations op=replace,path=/securityPolicy,value=TLS_1_2 --region {region}"
    )
}

/// Turns an HTTP listener's default action into the redirect to HTTPS; `region` is
/// `None` where the listener is only a placeholder.
pub fn redirect_listener(listener_arn: &str, region: Option<&str>) -> String {
    format!(
        "aws elbv2 modify-listener --listener-arn {listener_arn} --default-actions {REDIRECT_TO_HTTPS}{}",
        region_arg(region)
    )
}

/// Makes a listener rule that serves content redirect to HTTPS instead.
pub fn redirect_rule(rule_arn: &str, region: &str) -> String {
    format!(
        "aws elbv2 modify-rule --rule-arn {rule_arn} --actions {REDIRECT_TO_HTTPS} --region {region}"
    )
}

/// Creates the port-80 listener that only redirects to HTTPS.
pub fn create_redirect_listener(lb_arn: &str, region: &str) -> String {
    format!(
        "aws elbv2 create-listener --load-balancer-arn {lb_arn} --protocol HTTP --port 80 --default-actions {REDIRECT_TO_HTTPS} --region {region}"
    )
}

/// Adds the HTTPS:443 listener a load balancer lacks, with a certificate to pick.
pub fn create_https_listener(lb_arn: &str, region: &str) -> String {
    format!(
        "aws elbv2 create-listener --load-balancer-arn {lb_arn} --protocol HTTPS --port 443 --certificates CertificateArn={NEW_CERTIFICATE_ARN} --ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06 --default-actions Type=forward,TargetGroupArn=TARGET_GROUP_ARN --region {region}"
    )
}

/// Saves a distribution's config (and its ETag) for editing.
pub fn get_distribution_config(id: &str) -> String {
    format!("aws cloudfront get-distribution-config --id {id} > dist.json")
}

/// Uploads the edited `dist.json` saved by [`get_distribution_config`].
pub fn update_distribution(id: &str) -> String {
    format!(
        "aws cloudfront update-distribution --id {id} --if-match ETAG --distribution-config file://dist.json"
    )
}

/// The clean-up step for a certificate nothing uses.
pub fn cleanup_steps(f: Finding, c: &Certificate) -> Finding {
    f.step(tr!(
        "Delete it to keep the inventory clean:",
        "棚卸しを分かりやすく保つため、削除してください:"
    ))
    .command(delete_certificate(&c.arn, &c.region))
}

/// Steps to replace a certificate that will not (or did not) renew by itself.
pub fn replacement_steps(f: Finding, c: &Certificate) -> Finding {
    if c.cert_type == CertificateType::IamServer {
        return iam_replacement_steps(f, c);
    }
    if c.cert_type == CertificateType::Imported {
        return f
            .step(tr!(
                "Obtain a renewed certificate (and its intermediate chain) from your CA, then re-import it under the same ARN so every user picks it up:",
                "発行元の CA から更新後の証明書（と中間証明書チェーン）を入手し、同じ ARN に再インポートします。同じ ARN なら、使用中のリソースすべてに自動で反映されます:"
            ))
            .command(import_certificate(&c.arn, &c.region, "chain.pem"));
    }
    let names = other_names(c);
    f.step(tr!("Request a replacement:", "代わりの証明書をリクエストします:"))
        .command(request_certificate(&c.domain_name, &names, Some(&c.region)))
        .step(tr!(
            "Create the DNS validation CNAME records it asks for (console: Certificate Manager → the certificate → \"Create records in Route 53\").",
            "求められた DNS 検証用の CNAME レコードを作成します（コンソールの場合: Certificate Manager → 対象の証明書 →「Route 53 でレコードを作成」）。"
        ))
        .step(tr!(
            "Attach the new certificate where the old one is used (aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN, or the distribution's viewer certificate), then delete the old certificate.",
            "古い証明書を使っている箇所を新しい証明書に差し替え（aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN、またはディストリビューションのビューワー証明書）、その後で古い証明書を削除します。"
        ))
}

/// A certificate's names other than its domain name (the `--subject-alternative-names`
/// of a replacement).
fn other_names(c: &Certificate) -> Vec<&str> {
    c.sans
        .iter()
        .filter(|s| **s != c.domain_name)
        .map(String::as_str)
        .collect()
}

/// An IAM server certificate is replaced by an ACM one (which then renews itself), put
/// on the listeners that carry it.
fn iam_replacement_steps(f: Finding, c: &Certificate) -> Finding {
    let names = other_names(c);
    f.step(tr!(
        "IAM server certificates never renew. Request an ACM certificate for the same names (it renews itself while in use):",
        "IAM サーバー証明書が更新されることはありません。同じ名前の ACM 証明書をリクエストします（使用中は自動で更新されます）:"
    ))
    .command(request_certificate(&c.domain_name, &names, None))
    .step(tr!(
        "Once it is ISSUED, put it on each listener that carries the IAM certificate (aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN, or aws elb set-load-balancer-listener-ssl-certificate on a Classic Load Balancer); then delete the IAM one:",
        "発行済み（ISSUED）になったら、IAM 証明書を持つ各リスナーに設定し（aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN、Classic Load Balancer では aws elb set-load-balancer-listener-ssl-certificate）、その後で IAM 証明書を削除します:"
    ))
    .command(format!(
        "aws iam delete-server-certificate --server-certificate-name {}",
        c.arn.rsplit('/').next().unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_certificate_spells_names_and_region_in_one_order() {
        assert_eq!(
            request_certificate("a.example.com", &[], Some("eu-west-1")),
            "aws acm request-certificate --domain-name a.example.com --validation-method DNS --region eu-west-1"
        );
        assert_eq!(
            request_certificate("a.example.com", &["b.example.com", "c.example.com"], None),
            "aws acm request-certificate --domain-name a.example.com --subject-alternative-names b.example.com c.example.com --validation-method DNS"
        );
        assert!(
            request_certificate_with_ct("a.example.com", Some("us-east-1")).contains(
                "--options CertificateTransparencyLoggingPreference=ENABLED --region us-east-1"
            )
        );
    }

    #[test]
    fn listener_commands_share_one_redirect_action() {
        for cmd in [
            redirect_listener("arn:l", Some("us-east-1")),
            create_redirect_listener("arn:lb", "us-east-1"),
        ] {
            assert!(cmd.contains(REDIRECT_TO_HTTPS), "{cmd}");
            assert!(cmd.ends_with(" --region us-east-1"), "{cmd}");
        }
        assert!(!redirect_listener("HTTP_LISTENER_ARN", None).contains("--region"));
    }
}
