//! ACM: `ListCertificates` (every key type), `DescribeCertificate`, `GetCertificate`.

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;
use aws_sdk_acm::types::KeyAlgorithm;
use aws_smithy_types_convert::date_time::DateTimeExt;
use chrono::{DateTime, Utc};

/// The fields `ListCertificates`' summary and `DescribeCertificate` share, mapped once
/// (the two SDK types name them alike); each caller adds what only its call returns.
macro_rules! certificate {
    ($arn:expr, $region:expr, $c:expr) => {
        Certificate {
            arn: $arn.to_string(),
            region: $region.to_string(),
            domain_name: $c.domain_name().unwrap_or_default().to_string(),
            cert_type: $c.r#type().map(|t| t.as_str().into()).unwrap_or_default(),
            status: $c.status().map(|t| t.as_str().into()).unwrap_or_default(),
            not_before: $c.not_before().and_then(to_chrono),
            not_after: $c.not_after().and_then(to_chrono),
            renewal_eligibility: $c.renewal_eligibility().map(|r| r.as_str().to_string()),
            key_algorithm: key_algorithm($c.key_algorithm()),
            ..Default::default()
        }
    };
}

fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    t.to_chrono_utc().ok()
}

/// ACM's wire form is `RSA-2048` while the enum says `RSA_2048`: compare normalised.
fn normalize_key_algorithm(raw: &str) -> String {
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

impl SdkReader {
    pub(super) async fn acm_list_certificates(
        &self,
        region: &str,
    ) -> Result<Vec<Certificate>, ApiError> {
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
                    sans: s.subject_alternative_name_summaries().to_vec(),
                    in_use: s.in_use(),
                    exported: s.exported().unwrap_or(false),
                    ..certificate!(arn, region, s)
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn acm_describe_certificate(
        &self,
        arn: &str,
    ) -> Result<Certificate, ApiError> {
        let region = arn_region(arn).unwrap_or("us-east-1");
        let resp = self
            .acm(region)
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(|e| api_err("acm", "DescribeCertificate", Some(region), e))?;
        let Some(c) = resp.certificate() else {
            return Err(ApiError::local(
                "acm",
                "DescribeCertificate",
                Some(region),
                "response had no Certificate",
            ));
        };
        Ok(Certificate {
            sans: c.subject_alternative_names().to_vec(),
            in_use_by: c.in_use_by().to_vec(),
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
            ..certificate!(arn, region, c)
        })
    }

    pub(super) async fn acm_get_certificate(&self, arn: &str) -> Result<CertificatePem, ApiError> {
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
}
