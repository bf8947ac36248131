//! The real [`AwsReader`]: the AWS SDK for Rust, one client per service and region,
//! the SDK's standard retry (ACM's calls paced and retried by [`pace`]), and `AWS_ENDPOINT_URL` honoured (how tests reach moto). One file per
//! service: [`acm`], [`elbv2`], [`elb`] (Classic), [`apigateway`], [`iam`] (server
//! certificates), [`cloudfront`], [`route53`], [`tagging`] (the `acm-doctor:mute` tags).

mod acm;
mod apigateway;
mod cloudfront;
pub mod elb;
mod elbv2;
pub mod iam;
pub mod pace;
mod route53;
mod tagging;

use super::*;
use aws_config::{Region, SdkConfig};

/// [`AwsReader`] over the AWS SDK.
#[derive(Clone)]
pub struct SdkReader {
    base: SdkConfig,
    /// ACM's calls, paced per API and region for the whole run ([`pace`]).
    pace: std::sync::Arc<pace::Pace>,
    /// The function's own credentials, for the mute list in S3, when `base` is an
    /// assumed member-account role (an organization run's shard).
    own: Option<SdkConfig>,
}

impl SdkReader {
    pub fn new(base: SdkConfig) -> Self {
        SdkReader {
            base,
            pace: Default::default(),
            own: None,
        }
    }

    /// Reads S3 objects (the mute list) with `own` instead of the account's credentials.
    pub fn with_own(mut self, own: SdkConfig) -> Self {
        self.own = Some(own);
        self
    }

    /// ACM with the SDK's own retries off: throttled calls come back to [`pace`], which
    /// retries them at ACM's rate instead of in a burst of their own.
    pub(super) fn acm(&self, region: &str) -> aws_sdk_acm::Client {
        let conf = aws_sdk_acm::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_acm::Client::from_conf(conf)
    }

    pub(super) fn elb(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        let conf = aws_sdk_elasticloadbalancingv2::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
    }

    pub(super) fn classic_elb(&self, region: &str) -> aws_sdk_elasticloadbalancing::Client {
        let conf = aws_sdk_elasticloadbalancing::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_elasticloadbalancing::Client::from_conf(conf)
    }

    pub(super) fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        let conf = aws_sdk_apigateway::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_apigateway::Client::from_conf(conf)
    }

    pub(super) fn iam(&self) -> aws_sdk_iam::Client {
        // IAM is global, signed for us-east-1.
        let conf = aws_sdk_iam::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    pub(super) fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        // CloudFront's control plane is global, signed for us-east-1.
        let conf = aws_sdk_cloudfront::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_cloudfront::Client::from_conf(conf)
    }

    pub(super) fn route53(&self) -> aws_sdk_route53::Client {
        let conf = aws_sdk_route53::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_route53::Client::from_conf(conf)
    }
}

impl AwsReader for SdkReader {
    async fn list_certificates(&self, region: &str) -> Result<Vec<Certificate>, ApiError> {
        self.pace
            .run(pace::AcmCall::List, region, || {
                self.acm_list_certificates(region)
            })
            .await
    }
    async fn describe_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        let region = arn_region(arn).unwrap_or("us-east-1");
        self.pace
            .run(pace::AcmCall::Describe, region, || {
                self.acm_describe_certificate(arn)
            })
            .await
    }
    async fn get_certificate(&self, arn: &str) -> Result<CertificatePem, ApiError> {
        let region = arn_region(arn).unwrap_or("us-east-1");
        self.pace
            .run(pace::AcmCall::Get, region, || self.acm_get_certificate(arn))
            .await
    }
    async fn load_balancers(
        &self,
        region: &str,
    ) -> Result<(Vec<LoadBalancer>, Vec<ApiError>), ApiError> {
        self.elb_load_balancers(region).await
    }
    async fn classic_load_balancers(&self, region: &str) -> Result<Vec<LoadBalancer>, ApiError> {
        self.elb_classic_load_balancers(region).await
    }
    async fn api_domains(&self, region: &str) -> Result<Vec<ApiDomain>, ApiError> {
        self.apigateway_domains(region).await
    }
    async fn server_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        self.iam_server_certificate(arn).await
    }
    async fn distributions(&self) -> Result<Vec<Distribution>, ApiError> {
        self.cloudfront_distributions().await
    }
    async fn read_object(&self, bucket: &str, key: &str, max: usize) -> Result<String, ApiError> {
        let base = self.own.as_ref().unwrap_or(&self.base);
        crate::aws::s3_text(&crate::aws::s3_client(base), bucket, key, max).await
    }
    async fn dns_records(&self) -> Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError> {
        self.route53_dns_records().await
    }
    async fn mute_tags(&self, region: &str) -> Result<Vec<MuteTag>, ApiError> {
        self.tagged_mutes(region).await
    }
}

#[cfg(test)]
mod tests {
    /// The IAM action each adapter call needs (`api_err`'s service → IAM's prefix;
    /// Classic and v2 load balancers share `elasticloadbalancing:`, API Gateway reads are
    /// `apigateway:GET`, a batch send is `sqs:SendMessage`, and a DynamoDB transaction is
    /// authorized as the updates it holds).
    fn iam_action(service: &str, operation: &str) -> String {
        match (service, operation) {
            ("elbv2" | "elb", op) => format!("elasticloadbalancing:{op}"),
            ("apigateway", _) => "apigateway:GET".to_string(),
            ("sqs", "SendMessageBatch") => "sqs:SendMessage".to_string(),
            ("dynamodb", "TransactWriteItems") => "dynamodb:UpdateItem".to_string(),
            (other, op) => format!("{other}:{op}"),
        }
    }

    /// The IAM actions of every `api_err(` with a service and an operation (or `api_err_of`) in
    /// the files.
    fn calls_in(files: &[std::path::PathBuf]) -> Vec<String> {
        let mut calls = Vec::new();
        for path in files {
            let src = std::fs::read_to_string(path).unwrap();
            let flat: String = src.split_whitespace().collect::<Vec<_>>().join("");
            for part in flat
                .split("api_err(\"")
                .chain(flat.split("api_err_of(\""))
                .skip(1)
            {
                let mut fields = part.split('"');
                let service = fields.next().unwrap_or_default();
                let operation = fields.nth(1).unwrap_or_default();
                if !service.is_empty()
                    && !operation.is_empty()
                    && operation.chars().all(|c| c.is_ascii_alphabetic())
                {
                    calls.push(iam_action(service, operation));
                }
            }
        }
        calls.sort();
        calls.dedup();
        calls
    }

    fn read(path: &str) -> String {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// Every AWS call an adapter makes is allowed by the policies that run it, so a new
    /// read cannot ship as an AccessDenied in production: the inventory's reads by
    /// template.yaml (one account) and member-role.yaml (each member account of an
    /// organization run), the organization run's own calls by template.yaml.
    #[test]
    fn the_template_policy_allows_every_call_the_adapters_make() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/inventory/sdk");
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !p.ends_with("mod.rs")) // this test, no calls
            .collect();
        let reads = calls_in(&files);
        assert!(
            reads.len() >= 12,
            "the scan found the adapters' calls: {reads:?}"
        );
        let (template, member) = (read("template.yaml"), read("member-role.yaml"));
        for action in &reads {
            assert!(
                template.contains(action.as_str()),
                "template.yaml does not allow {action}"
            );
            assert!(
                member.contains(action.as_str()),
                "member-role.yaml does not allow {action}"
            );
        }
        // The calls made with the function's own role: the organization run's, the
        // report archive's (RUN_BUCKET) and the mute list's (MUTE_FILE, read in aws.rs).
        let own = |p: &str| format!("{}/{p}", env!("CARGO_MANIFEST_DIR")).into();
        let org = calls_in(&[
            own("src/org/sdk.rs"),
            own("src/publish/archive.rs"),
            own("src/aws.rs"),
        ]);
        assert!(
            org.len() >= 10,
            "the scan found the organization calls: {org:?}"
        );
        for action in &org {
            assert!(
                template.contains(action.as_str()),
                "template.yaml does not allow {action}"
            );
        }
        // The member role stays read-only.
        for write in ["sns:Publish", "dynamodb:", "s3:", "sqs:"] {
            assert!(!member.contains(write), "member-role.yaml allows {write}");
        }
    }
}
