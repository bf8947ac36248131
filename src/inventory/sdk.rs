//! The real [`AwsReader`]: the AWS SDK for Rust, one client per service and region,
//! adaptive retry, and `AWS_ENDPOINT_URL` honoured (how tests reach moto).

use super::*;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig};
use aws_sdk_acm::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_acm::types::KeyAlgorithm;
use aws_smithy_types_convert::date_time::DateTimeExt;

/// Loads the shared SDK configuration from the default chain (env, profile, IMDS,
/// Lambda's role), with adaptive retry so throttling slows the scan instead of
/// failing it.
pub async fn load_sdk_config(profile: Option<&str>, region: Option<&str>) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(6));
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    loader.load().await
}

/// [`AwsReader`] over the AWS SDK.
#[derive(Clone)]
pub struct SdkReader {
    base: SdkConfig,
}

impl SdkReader {
    pub fn new(base: SdkConfig) -> Self {
        SdkReader { base }
    }

    fn acm(&self, region: &str) -> aws_sdk_acm::Client {
        let conf = aws_sdk_acm::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_acm::Client::from_conf(conf)
    }

    fn elb(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        let conf = aws_sdk_elasticloadbalancingv2::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
    }

    fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        // CloudFront's control plane is global, signed for us-east-1.
        let conf = aws_sdk_cloudfront::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_cloudfront::Client::from_conf(conf)
    }

    fn route53(&self) -> aws_sdk_route53::Client {
        let conf = aws_sdk_route53::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .build();
        aws_sdk_route53::Client::from_conf(conf)
    }
}

/// Maps an SDK error to an [`ApiError`] that names the call.
fn api_err<E>(
    service: &'static str,
    operation: &'static str,
    region: Option<&str>,
    err: E,
) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let kind = match code.as_str() {
        "ThrottlingException"
        | "Throttling"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "PriorRequestNotComplete" => ApiErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "ExpiredToken" => ApiErrorKind::AccessDenied,
        "ResourceNotFoundException"
        | "NoSuchDistribution"
        | "LoadBalancerNotFound"
        | "ListenerNotFound" => ApiErrorKind::NotFound,
        "" => ApiErrorKind::Unavailable,
        _ => ApiErrorKind::Other,
    };
    let message = match err.message() {
        Some(m) if !code.is_empty() => format!("{code}: {m}"),
        _ => DisplayErrorContext(&err).to_string(),
    };
    ApiError {
        service,
        operation,
        region: region.map(str::to_string),
        kind,
        message,
    }
}

fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    t.to_chrono_utc().ok()
}

/// ACM's wire form is `RSA-2048` while the enum says `RSA_2048`: compare normalised.
pub fn normalize_key_algorithm(raw: &str) -> String {
    raw.replace('-', "_")
}

fn key_algorithm(k: Option<&KeyAlgorithm>) -> Option<String> {
    k.map(|k| normalize_key_algorithm(k.as_str()))
}

fn all_key_types() -> Vec<KeyAlgorithm> {
    // Without these the default silently hides ECDSA and RSA-3072/4096 certificates.
    [
        "RSA_1024",
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "EC_prime256v1",
        "EC_secp384r1",
        "EC_secp521r1",
    ]
    .into_iter()
    .map(KeyAlgorithm::from)
    .collect()
}

fn validation(v: &aws_sdk_acm::types::DomainValidation) -> DomainValidation {
    DomainValidation {
        domain_name: v.domain_name().to_string(),
        method: v.validation_method().map(|m| m.as_str().to_string()),
        status: v.validation_status().map(|s| s.as_str().to_string()),
        record: v.resource_record().map(|r| ResourceRecord {
            name: normalize(r.name()),
            rtype: r.r#type().as_str().to_string(),
            value: normalize(r.value()),
        }),
    }
}

impl AwsReader for SdkReader {
    async fn list_certificates(&self, region: &str) -> Result<Vec<Certificate>, ApiError> {
        let client = self.acm(region);
        let filters = aws_sdk_acm::types::Filters::builder()
            .set_key_types(Some(all_key_types()))
            .build();
        let mut pages = client
            .list_certificates()
            .includes(filters)
            .max_items(1000)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_err("acm", "ListCertificates", Some(region), e))?;
            for s in page.certificate_summary_list() {
                let Some(arn) = s.certificate_arn() else {
                    continue;
                };
                out.push(Certificate {
                    arn: arn.to_string(),
                    region: region.to_string(),
                    domain_name: s.domain_name().unwrap_or_default().to_string(),
                    sans: s.subject_alternative_name_summaries().to_vec(),
                    cert_type: s
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    status: s
                        .status()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    not_before: s.not_before().and_then(to_chrono),
                    not_after: s.not_after().and_then(to_chrono),
                    in_use: s.in_use(),
                    renewal_eligibility: s.renewal_eligibility().map(|r| r.as_str().to_string()),
                    key_algorithm: key_algorithm(s.key_algorithm()),
                    ..Default::default()
                });
            }
        }
        Ok(out)
    }

    async fn describe_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        let region = arn_region(arn).unwrap_or("us-east-1");
        let resp = self
            .acm(region)
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(|e| api_err("acm", "DescribeCertificate", Some(region), e))?;
        let Some(c) = resp.certificate() else {
            return Err(ApiError {
                service: "acm",
                operation: "DescribeCertificate",
                region: Some(region.to_string()),
                kind: ApiErrorKind::Other,
                message: "response had no Certificate".into(),
            });
        };
        Ok(Certificate {
            arn: arn.to_string(),
            region: region.to_string(),
            domain_name: c.domain_name().unwrap_or_default().to_string(),
            sans: c.subject_alternative_names().to_vec(),
            cert_type: c
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            status: c
                .status()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            not_before: c.not_before().and_then(to_chrono),
            not_after: c.not_after().and_then(to_chrono),
            in_use: None,
            in_use_by: c.in_use_by().to_vec(),
            renewal_eligibility: c.renewal_eligibility().map(|r| r.as_str().to_string()),
            key_algorithm: key_algorithm(c.key_algorithm()),
            serial: c.serial().map(str::to_string),
            issuer: c.issuer().map(str::to_string),
            failure_reason: c.failure_reason().map(|r| r.as_str().to_string()),
            renewal: c.renewal_summary().map(|r| RenewalSummary {
                status: r.renewal_status().as_str().to_string(),
                reason: r.renewal_status_reason().map(|s| s.as_str().to_string()),
                updated_at: to_chrono(r.updated_at()),
                validations: r
                    .domain_validation_options()
                    .iter()
                    .map(validation)
                    .collect(),
            }),
            validations: c
                .domain_validation_options()
                .iter()
                .map(validation)
                .collect(),
            // Deprecated in the 2026 model, but a DISABLED flag on an existing certificate
            // still says it may lack SCTs (domain-facts.md).
            #[allow(deprecated)]
            ct_logging: c
                .options()
                .and_then(|o| o.certificate_transparency_logging_preference())
                .map(|p| p.as_str().to_string()),
            described: true,
            pem: None,
        })
    }

    async fn get_certificate(&self, arn: &str) -> Result<CertificatePem, ApiError> {
        let region = arn_region(arn).unwrap_or("us-east-1");
        let resp = self
            .acm(region)
            .get_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(|e| api_err("acm", "GetCertificate", Some(region), e))?;
        Ok(CertificatePem {
            certificate: resp.certificate().unwrap_or_default().to_string(),
            chain: resp
                .certificate_chain()
                .map(str::to_string)
                .filter(|c| !c.trim().is_empty()),
        })
    }

    async fn load_balancers(
        &self,
        region: &str,
    ) -> Result<(Vec<LoadBalancer>, Vec<ApiError>), ApiError> {
        let client = self.elb(region);
        let mut pages = client.describe_load_balancers().into_paginator().send();
        let mut lbs = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_err("elbv2", "DescribeLoadBalancers", Some(region), e))?;
            for lb in page.load_balancers() {
                lbs.push(LoadBalancer {
                    arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
                    name: lb.load_balancer_name().unwrap_or_default().to_string(),
                    region: region.to_string(),
                    dns_name: normalize(lb.dns_name().unwrap_or_default()),
                    scheme: lb
                        .scheme()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    lb_type: lb
                        .r#type()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    listeners: Vec::new(),
                });
            }
        }
        let mut failures = Vec::new();
        let results =
            futures::future::join_all(lbs.iter().map(|lb| listeners_of(&client, region, &lb.arn)))
                .await;
        for (lb, res) in lbs.iter_mut().zip(results) {
            let (listeners, errs) = res;
            lb.listeners = listeners;
            failures.extend(errs);
        }
        Ok((lbs, failures))
    }

    async fn distributions(&self) -> Result<Vec<Distribution>, ApiError> {
        let client = self.cloudfront();
        let mut marker: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let resp = client
                .list_distributions()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| api_err("cloudfront", "ListDistributions", None, e))?;
            let Some(list) = resp.distribution_list() else {
                break;
            };
            for d in list.items() {
                out.push(distribution(d));
            }
            match list.next_marker() {
                Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }

    async fn dns_records(&self) -> Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError> {
        let client = self.route53();
        let mut zones = Vec::new();
        let mut pages = client.list_hosted_zones().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_err("route53", "ListHostedZones", None, e))?;
            for z in page.hosted_zones() {
                zones.push((z.id().to_string(), normalize(z.name())));
            }
        }
        let mut records = Vec::new();
        let mut failures = Vec::new();
        for (zone_id, zone_name) in zones {
            match zone_records(&client, &zone_id, &zone_name).await {
                Ok(r) => records.extend(r),
                Err(e) => failures.push(e),
            }
        }
        Ok((records, failures))
    }
}

async fn zone_records(
    client: &aws_sdk_route53::Client,
    zone_id: &str,
    zone_name: &str,
) -> Result<Vec<DnsRecord>, ApiError> {
    use aws_sdk_route53::types::RrType;
    let mut out = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = client.list_resource_record_sets().hosted_zone_id(zone_id);
        if let Some((name, rtype, ident)) = start.take() {
            req = req
                .start_record_name(name)
                .start_record_type(rtype)
                .set_start_record_identifier(ident);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| api_err("route53", "ListResourceRecordSets", None, e))?;
        for rr in resp.resource_record_sets() {
            let rtype = rr.r#type().as_str().to_string();
            let values: Vec<String> = rr
                .resource_records()
                .iter()
                .map(|v| v.value().to_string())
                .collect();
            let (target, alias) = match (rr.alias_target(), rtype.as_str()) {
                (Some(a), _) => (normalize(a.dns_name()), true),
                (None, "CNAME") => (
                    values.first().map(|v| normalize(v)).unwrap_or_default(),
                    false,
                ),
                _ => (String::new(), false),
            };
            out.push(DnsRecord {
                zone_id: zone_id.trim_start_matches("/hostedzone/").to_string(),
                zone_name: zone_name.to_string(),
                name: normalize(&rr.name().replace("\\052", "*")),
                rtype,
                target,
                alias,
                values,
            });
        }
        if resp.is_truncated() {
            match (resp.next_record_name(), resp.next_record_type()) {
                (Some(n), Some(t)) => {
                    start = Some((
                        n.to_string(),
                        t.clone(),
                        resp.next_record_identifier().map(str::to_string),
                    ))
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    Ok(out)
}

fn distribution(d: &aws_sdk_cloudfront::types::DistributionSummary) -> Distribution {
    let vc = d.viewer_certificate();
    Distribution {
        id: d.id().to_string(),
        arn: d.arn().to_string(),
        domain_name: normalize(d.domain_name()),
        aliases: d.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        enabled: d.enabled(),
        viewer_certificate: ViewerCertificate {
            acm_certificate_arn: vc.and_then(|v| v.acm_certificate_arn()).map(str::to_string),
            cloudfront_default_certificate: vc
                .and_then(|v| v.cloud_front_default_certificate())
                .unwrap_or(false),
            iam_certificate_id: vc.and_then(|v| v.iam_certificate_id()).map(str::to_string),
            ssl_support_method: vc
                .and_then(|v| v.ssl_support_method())
                .map(|m| m.as_str().to_string()),
            minimum_protocol_version: vc
                .and_then(|v| v.minimum_protocol_version())
                .map(|m| m.as_str().to_string()),
        },
        default_behavior: CacheBehavior {
            path_pattern: "*".into(),
            viewer_protocol_policy: d
                .default_cache_behavior()
                .map(|b| b.viewer_protocol_policy().as_str().to_string())
                .unwrap_or_default(),
        },
        behaviors: d
            .cache_behaviors()
            .map(|cb| {
                cb.items()
                    .iter()
                    .map(|b| CacheBehavior {
                        path_pattern: b.path_pattern().to_string(),
                        viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn action(a: &aws_sdk_elasticloadbalancingv2::types::Action) -> Action {
    use aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum as T;
    match a.r#type() {
        Some(T::Forward) => Action::Forward {
            target: a
                .target_group_arn()
                .map(str::to_string)
                .or_else(|| {
                    a.forward_config()
                        .and_then(|f| f.target_groups().first())
                        .and_then(|t| t.target_group_arn())
                        .map(str::to_string)
                })
                .unwrap_or_default(),
        },
        Some(T::Redirect) => {
            let r = a.redirect_config();
            Action::Redirect {
                protocol: r.and_then(|r| r.protocol()).map(str::to_string),
                port: r.and_then(|r| r.port()).map(str::to_string),
                host: r.and_then(|r| r.host()).map(str::to_string),
                path: r.and_then(|r| r.path()).map(str::to_string),
                status_code: r
                    .and_then(|r| r.status_code())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }
        }
        Some(T::FixedResponse) => Action::FixedResponse {
            status_code: a
                .fixed_response_config()
                .and_then(|f| f.status_code())
                .unwrap_or_default()
                .to_string(),
        },
        other => Action::Other {
            kind: other.map(|t| t.as_str().to_string()).unwrap_or_default(),
        },
    }
}

/// Listeners of one load balancer with their rules and certificates. Failures of the
/// per-listener reads are returned beside what could be read.
async fn listeners_of(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    region: &str,
    lb_arn: &str,
) -> (Vec<Listener>, Vec<ApiError>) {
    let mut errors = Vec::new();
    let mut listeners = Vec::new();
    let mut pages = client
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for l in page.listeners() {
                    listeners.push(Listener {
                        arn: l.listener_arn().unwrap_or_default().to_string(),
                        port: l.port().unwrap_or_default(),
                        protocol: l
                            .protocol()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default(),
                        ssl_policy: l.ssl_policy().map(str::to_string),
                        default_actions: l.default_actions().iter().map(action).collect(),
                        rules: Vec::new(),
                        certificates: l
                            .certificates()
                            .iter()
                            .filter_map(|c| c.certificate_arn())
                            .map(|arn| ListenerCertificate {
                                arn: arn.to_string(),
                                is_default: true,
                            })
                            .collect(),
                    });
                }
            }
            Err(e) => {
                errors.push(api_err("elbv2", "DescribeListeners", Some(region), e));
                return (listeners, errors);
            }
        }
    }
    for l in listeners.iter_mut() {
        match rules_of(client, &l.arn).await {
            Ok(rules) => l.rules = rules,
            Err(e) => errors.push(api_err("elbv2", "DescribeRules", Some(region), e)),
        }
        if l.is_tls() {
            match listener_certificates(client, &l.arn).await {
                // DescribeListeners shows only the default; this adds the SNI list.
                Ok(certs) if !certs.is_empty() => l.certificates = certs,
                Ok(_) => {}
                Err(e) => errors.push(api_err(
                    "elbv2",
                    "DescribeListenerCertificates",
                    Some(region),
                    e,
                )),
            }
        }
    }
    (listeners, errors)
}

type ElbError<E> = aws_sdk_elasticloadbalancingv2::error::SdkError<E>;

async fn rules_of(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    listener_arn: &str,
) -> Result<
    Vec<Rule>,
    ElbError<aws_sdk_elasticloadbalancingv2::operation::describe_rules::DescribeRulesError>,
> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let resp = client
            .describe_rules()
            .listener_arn(listener_arn)
            .set_marker(marker.clone())
            .send()
            .await?;
        for r in resp.rules() {
            if r.is_default().unwrap_or(false) {
                continue; // the default rule repeats the listener's default actions
            }
            let mut rule = Rule {
                arn: r.rule_arn().unwrap_or_default().to_string(),
                priority: r.priority().unwrap_or_default().to_string(),
                actions: r.actions().iter().map(action).collect(),
                ..Default::default()
            };
            for c in r.conditions() {
                match c.field().unwrap_or_default() {
                    "host-header" => {
                        let mut v: Vec<String> = c
                            .host_header_config()
                            .map(|h| h.values().to_vec())
                            .unwrap_or_default();
                        if v.is_empty() {
                            v = c.values().to_vec();
                        }
                        rule.host_headers.extend(v);
                    }
                    "path-pattern" => {
                        let mut v: Vec<String> = c
                            .path_pattern_config()
                            .map(|h| h.values().to_vec())
                            .unwrap_or_default();
                        if v.is_empty() {
                            v = c.values().to_vec();
                        }
                        rule.path_patterns.extend(v);
                    }
                    other => rule.other_conditions.push(other.to_string()),
                }
            }
            out.push(rule);
        }
        match resp.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

async fn listener_certificates(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    listener_arn: &str,
) -> Result<
    Vec<ListenerCertificate>,
    ElbError<aws_sdk_elasticloadbalancingv2::operation::describe_listener_certificates::DescribeListenerCertificatesError>,
>{
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let resp = client
            .describe_listener_certificates()
            .listener_arn(listener_arn)
            .set_marker(marker.clone())
            .send()
            .await?;
        for c in resp.certificates() {
            if let Some(arn) = c.certificate_arn() {
                out.push(ListenerCertificate {
                    arn: arn.to_string(),
                    is_default: c.is_default().unwrap_or(false),
                });
            }
        }
        match resp.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}
