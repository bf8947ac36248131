//! [`SecurityHub`] on the AWS SDK: ASFF to and from the SDK's types, paging `GetFindings`,
//! batch imports and workflow updates.

use super::*;
use crate::aws::api_err;

/// [`SecurityHub`] on the AWS SDK.
pub struct SdkHub {
    client: aws_sdk_securityhub::Client,
    region: String,
}

impl SdkHub {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SdkHub::from_client(
            aws_sdk_securityhub::Client::new(config),
            config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into()),
        )
    }

    pub fn from_client(client: aws_sdk_securityhub::Client, region: String) -> Self {
        SdkHub { client, region }
    }
}

/// Our finding as the SDK's type.
pub fn to_sdk(f: &AsffFinding) -> aws_sdk_securityhub::types::AwsSecurityFinding {
    use aws_sdk_securityhub::types::*;
    let mut resource = Resource::builder()
        .r#type(&f.resource.kind)
        .id(&f.resource.id)
        .partition(Partition::Aws)
        .region(&f.resource.region);
    if let Some(h) = &f.resource.hostname {
        resource = resource.details(ResourceDetails::builder().other("Hostname", h).build());
    }
    let mut severity = Severity::builder().label(SeverityLabel::from(f.severity.as_str()));
    if let Some(o) = &f.original_severity {
        severity = severity.original(o);
    }
    let mut b = AwsSecurityFinding::builder()
        .schema_version("2018-10-08")
        .id(&f.id)
        .product_arn(&f.product_arn)
        .generator_id(&f.generator_id)
        .aws_account_id(&f.account)
        .set_types(Some(f.types.clone()))
        .created_at(ts(f.created_at))
        .updated_at(ts(f.updated_at))
        .severity(severity.build())
        .title(&f.title)
        .description(&f.description)
        .resources(resource.build())
        .set_product_fields(Some(f.product_fields.clone().into_iter().collect()))
        .compliance(
            Compliance::builder()
                .status(ComplianceStatus::from(f.compliance.as_str()))
                .build(),
        )
        .workflow(
            Workflow::builder()
                .status(WorkflowStatus::from(f.workflow.as_str()))
                .build(),
        )
        .record_state(RecordState::from(f.record_state.as_str()));
    if let Some(r) = &f.remediation {
        b = b.remediation(
            Remediation::builder()
                .recommendation(Recommendation::builder().text(r).build())
                .build(),
        );
    }
    b.build()
}

/// The SDK's finding as ours (what acm-doctor wrote earlier, read back).
pub fn from_sdk(f: &aws_sdk_securityhub::types::AwsSecurityFinding) -> AsffFinding {
    let time = |s: Option<&str>| {
        s.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    let r = f.resources().first();
    AsffFinding {
        id: f.id().unwrap_or_default().into(),
        product_arn: f.product_arn().unwrap_or_default().into(),
        generator_id: f.generator_id().unwrap_or_default().into(),
        account: f.aws_account_id().unwrap_or_default().into(),
        types: f.types().to_vec(),
        created_at: time(f.created_at()),
        updated_at: time(f.updated_at()),
        severity: f
            .severity()
            .and_then(|s| s.label())
            .map(|l| l.as_str().to_string())
            .unwrap_or_else(|| "INFORMATIONAL".into()),
        original_severity: f.severity().and_then(|s| s.original()).map(str::to_string),
        title: f.title().unwrap_or_default().into(),
        description: f.description().unwrap_or_default().into(),
        remediation: f
            .remediation()
            .and_then(|r| r.recommendation())
            .and_then(|r| r.text())
            .map(str::to_string),
        resource: AsffResource {
            kind: r.and_then(|r| r.r#type()).unwrap_or("Other").into(),
            id: r.and_then(|r| r.id()).unwrap_or_default().into(),
            region: r.and_then(|r| r.region()).unwrap_or_default().into(),
            hostname: r
                .and_then(|r| r.details())
                .and_then(|d| d.other())
                .and_then(|o| o.get("Hostname"))
                .cloned(),
        },
        product_fields: f
            .product_fields()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        compliance: f
            .compliance()
            .and_then(|c| c.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        workflow: f
            .workflow()
            .and_then(|w| w.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        record_state: f
            .record_state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
    }
}

impl SecurityHub for SdkHub {
    fn region(&self) -> String {
        self.region.clone()
    }

    async fn active_findings(&self, product_arn: &str) -> Result<Vec<AsffFinding>, ApiError> {
        use aws_sdk_securityhub::types::{
            AwsSecurityFindingFilters, StringFilter, StringFilterComparison,
        };
        let filter = |value: &str, comparison: StringFilterComparison| {
            StringFilter::builder()
                .value(value)
                .comparison(comparison)
                .build()
        };
        let filters = AwsSecurityFindingFilters::builder()
            .product_arn(filter(product_arn, StringFilterComparison::Equals))
            .generator_id(filter(ID_PREFIX, StringFilterComparison::Prefix))
            .record_state(filter("ACTIVE", StringFilterComparison::Equals))
            .build();
        let mut pages = self
            .client
            .get_findings()
            .filters(filters)
            .max_results(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_err("securityhub", "GetFindings", Some(&self.region), e))?;
            // Filters are applied here too, for emulators that ignore them.
            out.extend(page.findings().iter().map(from_sdk).filter(|f| {
                f.product_arn == product_arn
                    && f.id.starts_with(ID_PREFIX)
                    && f.record_state == "ACTIVE"
            }));
        }
        Ok(out)
    }

    async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, ApiError> {
        let out = self
            .client
            .batch_import_findings()
            .set_findings(Some(findings.iter().map(to_sdk).collect()))
            .send()
            .await
            .map_err(|e| api_err("securityhub", "BatchImportFindings", Some(&self.region), e))?;
        Ok(Imported {
            success: out.success_count().unwrap_or_default() as usize,
            failed: out
                .failed_findings()
                .iter()
                .map(|f| {
                    (
                        f.id().unwrap_or_default().to_string(),
                        format!(
                            "{}: {}",
                            f.error_code().unwrap_or_default(),
                            f.error_message().unwrap_or_default()
                        ),
                    )
                })
                .collect(),
        })
    }

    async fn mark_resolved(&self, product_arn: &str, ids: &[String]) -> Result<(), ApiError> {
        use aws_sdk_securityhub::types::{
            AwsSecurityFindingIdentifier, WorkflowStatus, WorkflowUpdate,
        };
        let out = self
            .client
            .batch_update_findings()
            .set_finding_identifiers(Some(
                ids.iter()
                    .map(|id| {
                        AwsSecurityFindingIdentifier::builder()
                            .id(id)
                            .product_arn(product_arn)
                            .build()
                    })
                    .collect(),
            ))
            .workflow(
                WorkflowUpdate::builder()
                    .status(WorkflowStatus::Resolved)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| api_err("securityhub", "BatchUpdateFindings", Some(&self.region), e))?;
        let unprocessed = out.unprocessed_findings();
        if unprocessed.is_empty() {
            Ok(())
        } else {
            Err(ApiError::local(
                "securityhub",
                "BatchUpdateFindings",
                Some(&self.region),
                format!(
                    "{} finding(s) not updated: {}",
                    unprocessed.len(),
                    unprocessed
                        .iter()
                        .map(|u| format!(
                            "{} ({})",
                            u.finding_identifier()
                                .and_then(|i| i.id())
                                .unwrap_or_default(),
                            u.error_message().unwrap_or_default()
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }
}
