//! Security Hub (`SECURITY_HUB=true`): imports every current finding in ASFF with
//! `BatchImportFindings` (batches of 100), and — in full scans — resolves acm-doctor's
//! findings that Security Hub still holds as active but this scan no longer finds:
//! re-imported archived with compliance `PASSED`, then `BatchUpdateFindings` sets their
//! workflow to `RESOLVED` (providers cannot change an existing finding's workflow by
//! import). Resolution reads Security Hub itself, so it works without `STATE_TABLE`.
//! A Security Hub failure is logged and counted, never lost silently, and never costs
//! the SNS report.

use crate::report::Report;
use crate::report::asff::{self, AsffFinding, AsffResource, ID_PREFIX, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// `BatchImportFindings` and `BatchUpdateFindings` take at most 100 findings per call.
pub const BATCH: usize = 100;

/// A Security Hub call that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("securityhub:{operation} failed: {message}")]
pub struct HubError {
    pub operation: &'static str,
    pub message: String,
}

/// What one `BatchImportFindings` call did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    pub success: usize,
    /// `(finding id, error)` for each finding Security Hub refused.
    pub failed: Vec<(String, String)>,
}

/// The Security Hub API as acm-doctor uses it.
pub trait SecurityHub: Send + Sync {
    /// The region findings are imported into (the function's own).
    fn region(&self) -> String;
    /// acm-doctor's findings that are active in Security Hub under `product_arn`.
    fn active_findings(
        &self,
        product_arn: &str,
    ) -> impl Future<Output = Result<Vec<AsffFinding>, HubError>> + Send;
    /// `BatchImportFindings` for at most [`BATCH`] findings.
    fn import(
        &self,
        findings: &[AsffFinding],
    ) -> impl Future<Output = Result<Imported, HubError>> + Send;
    /// `BatchUpdateFindings` `Workflow.Status=RESOLVED` for at most [`BATCH`] findings.
    fn mark_resolved(
        &self,
        product_arn: &str,
        ids: &[String],
    ) -> impl Future<Output = Result<(), HubError>> + Send;
}

/// No Security Hub (the default; `SECURITY_HUB` unset).
pub struct NoHub;

impl SecurityHub for NoHub {
    fn region(&self) -> String {
        String::new()
    }
    async fn active_findings(&self, _: &str) -> Result<Vec<AsffFinding>, HubError> {
        Ok(Vec::new())
    }
    async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, HubError> {
        Ok(Imported {
            success: findings.len(),
            failed: Vec::new(),
        })
    }
    async fn mark_resolved(&self, _: &str, _: &[String]) -> Result<(), HubError> {
        Ok(())
    }
}

/// What a run did in Security Hub (part of the run summary).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct HubSummary {
    /// Findings imported (current ones and resolved ones).
    pub imported: usize,
    /// Findings Security Hub refused, or that a failed call did not deliver.
    pub failed: usize,
    /// Findings archived as resolved.
    pub resolved: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Imports `report`'s findings into `hub`; in a full scan, also resolves acm-doctor's
/// active findings that are gone.
pub async fn sync<H: SecurityHub>(
    hub: &H,
    report: &Report,
    full_scan: bool,
    now: DateTime<Utc>,
) -> HubSummary {
    let mut summary = HubSummary::default();
    let Some(account) = report.account.as_deref() else {
        summary
            .errors
            .push("no AWS account in the inventory, so no product ARN to import under".into());
        tracing::error!(errors = ?summary.errors, "security hub import skipped");
        return summary;
    };
    let region = hub.region();
    let product_arn = asff::product_arn(&region, account);
    let mut current: Vec<AsffFinding> = report
        .findings
        .iter()
        .map(|f| asff::active(f, account, &region, now))
        .collect();
    let current_ids: BTreeSet<String> = current.iter().map(|f| f.id.clone()).collect();

    // What Security Hub holds already: keeps each finding's first CreatedAt, and (in
    // full scans only: event-scoped runs see part of the estate) finds the fixed ones.
    let mut gone = Vec::new();
    match hub.active_findings(&product_arn).await {
        Ok(previous) => {
            let first_seen: BTreeMap<&str, DateTime<Utc>> = previous
                .iter()
                .map(|p| (p.id.as_str(), p.created_at))
                .collect();
            for f in &mut current {
                if let Some(t) = first_seen.get(f.id.as_str()) {
                    f.created_at = *t;
                }
            }
            if full_scan {
                gone = previous
                    .iter()
                    .filter(|p| p.id.starts_with(ID_PREFIX) && !current_ids.contains(p.id.as_str()))
                    .map(|p| p.resolved(now, report.lang))
                    .collect();
            }
        }
        Err(e) => summary.errors.push(e.to_string()),
    }
    let gone_ids: BTreeSet<String> = gone.iter().map(|f| f.id.clone()).collect();

    let mut archived = Vec::new();
    let all: Vec<AsffFinding> = current.into_iter().chain(gone).collect();
    for batch in all.chunks(BATCH) {
        match hub.import(batch).await {
            Ok(done) => {
                summary.imported += done.success;
                summary.failed += done.failed.len();
                let refused: BTreeSet<&str> =
                    done.failed.iter().map(|(id, _)| id.as_str()).collect();
                for (id, error) in &done.failed {
                    tracing::error!(finding = %id, error = %error, "security hub refused a finding");
                }
                archived.extend(
                    batch
                        .iter()
                        .filter(|f| gone_ids.contains(&f.id) && !refused.contains(f.id.as_str()))
                        .map(|f| f.id.clone()),
                );
            }
            Err(e) => {
                summary.failed += batch.len();
                summary.errors.push(e.to_string());
            }
        }
    }
    summary.resolved = archived.len();
    for batch in archived.chunks(BATCH) {
        if let Err(e) = hub.mark_resolved(&product_arn, batch).await {
            summary.errors.push(e.to_string());
        }
    }
    if summary.errors.is_empty() && summary.failed == 0 {
        tracing::info!(
            imported = summary.imported,
            resolved = summary.resolved,
            "security hub updated"
        );
    } else {
        tracing::error!(imported = summary.imported, failed = summary.failed, errors = ?summary.errors, "security hub update incomplete");
    }
    summary
}

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

/// A short, readable error: the service's code and message, or the HTTP status when the
/// endpoint answered something that is not Security Hub (an emulator lacking the call).
fn sdk_error<E>(operation: &'static str, e: aws_sdk_securityhub::error::SdkError<E>) -> HubError
where
    E: aws_sdk_securityhub::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_securityhub::error::ProvideErrorMetadata;
    let message = match (e.code(), e.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_string(),
        _ => match e.raw_response() {
            Some(r) => format!("HTTP {} without a Security Hub error", r.status().as_u16()),
            None => aws_sdk_securityhub::error::DisplayErrorContext(&e).to_string(),
        },
    };
    HubError { operation, message }
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

    async fn active_findings(&self, product_arn: &str) -> Result<Vec<AsffFinding>, HubError> {
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
            let page = page.map_err(|e| sdk_error("GetFindings", e))?;
            // Filters are applied here too, for emulators that ignore them.
            out.extend(page.findings().iter().map(from_sdk).filter(|f| {
                f.product_arn == product_arn
                    && f.id.starts_with(ID_PREFIX)
                    && f.record_state == "ACTIVE"
            }));
        }
        Ok(out)
    }

    async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, HubError> {
        let out = self
            .client
            .batch_import_findings()
            .set_findings(Some(findings.iter().map(to_sdk).collect()))
            .send()
            .await
            .map_err(|e| sdk_error("BatchImportFindings", e))?;
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

    async fn mark_resolved(&self, product_arn: &str, ids: &[String]) -> Result<(), HubError> {
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
            .map_err(|e| sdk_error("BatchUpdateFindings", e))?;
        let unprocessed = out.unprocessed_findings();
        if unprocessed.is_empty() {
            Ok(())
        } else {
            Err(HubError {
                operation: "BatchUpdateFindings",
                message: format!(
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
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{now, report_of};
    use crate::checks::{Finding, Severity};
    use std::sync::Mutex;

    /// A Security Hub that remembers every call and holds findings by id.
    #[derive(Default)]
    struct FakeHub {
        held: Mutex<BTreeMap<String, AsffFinding>>,
        imports: Mutex<Vec<usize>>,
        resolved_calls: Mutex<Vec<Vec<String>>>,
        listed: Mutex<usize>,
        refuse: Vec<String>,
        fail_get: bool,
        fail_update: bool,
    }

    impl SecurityHub for FakeHub {
        fn region(&self) -> String {
            "us-east-1".into()
        }
        async fn active_findings(&self, product_arn: &str) -> Result<Vec<AsffFinding>, HubError> {
            *self.listed.lock().unwrap() += 1;
            if self.fail_get {
                return Err(HubError {
                    operation: "GetFindings",
                    message: "InvalidAccessException: not subscribed".into(),
                });
            }
            Ok(self
                .held
                .lock()
                .unwrap()
                .values()
                .filter(|f| f.product_arn == product_arn && f.record_state == "ACTIVE")
                .cloned()
                .collect())
        }
        async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, HubError> {
            assert!(findings.len() <= BATCH);
            self.imports.lock().unwrap().push(findings.len());
            let mut out = Imported::default();
            for f in findings {
                if self.refuse.contains(&f.id) {
                    out.failed
                        .push((f.id.clone(), "InvalidInput: too large".into()));
                } else {
                    self.held.lock().unwrap().insert(f.id.clone(), f.clone());
                    out.success += 1;
                }
            }
            Ok(out)
        }
        async fn mark_resolved(&self, _: &str, ids: &[String]) -> Result<(), HubError> {
            self.resolved_calls.lock().unwrap().push(ids.to_vec());
            if self.fail_update {
                return Err(HubError {
                    operation: "BatchUpdateFindings",
                    message: "AccessDenied".into(),
                });
            }
            Ok(())
        }
    }

    fn findings(n: usize) -> Vec<Finding> {
        (0..n)
            .map(|i| {
                let mut f = Finding::new(
                    "certificate_expiring",
                    Severity::High,
                    format!("arn:aws:acm:us-east-1:123456789012:certificate/c{i}"),
                    "us-east-1",
                )
                .title("expiring")
                .detail("soon")
                .step("renew");
                f.assign_id();
                f
            })
            .collect()
    }

    #[tokio::test]
    async fn imports_in_batches_of_one_hundred() {
        let hub = FakeHub::default();
        let s = sync(&hub, &report_of(findings(250)), true, now()).await;
        assert_eq!(*hub.imports.lock().unwrap(), vec![100, 100, 50]);
        assert_eq!((s.imported, s.failed, s.resolved), (250, 0, 0));
        assert!(s.errors.is_empty());
        let held = hub.held.lock().unwrap();
        assert!(held.values().all(|f| f.record_state == "ACTIVE"
            && f.compliance == "FAILED"
            && f.resource.kind == "AwsCertificateManagerCertificate"));
    }

    #[tokio::test]
    async fn a_finding_gone_from_a_full_scan_is_archived_and_resolved() {
        let hub = FakeHub::default();
        let all = findings(3);
        sync(&hub, &report_of(all.clone()), true, now()).await;
        let fixed = format!("acm-doctor/{}", all[1].id);
        let later = now() + chrono::Duration::hours(24);
        let fixed_report = report_of(vec![all[0].clone(), all[2].clone()]);
        let s = sync(&hub, &fixed_report, true, later).await;
        assert_eq!((s.imported, s.resolved), (3, 1));
        assert_eq!(
            *hub.resolved_calls.lock().unwrap(),
            vec![vec![fixed.clone()]]
        );
        let f = hub.held.lock().unwrap()[&fixed].clone();
        assert_eq!(
            (
                f.record_state.as_str(),
                f.compliance.as_str(),
                f.workflow.as_str()
            ),
            ("ARCHIVED", "PASSED", "RESOLVED")
        );
        assert_eq!(f.original_severity.as_deref(), Some("HIGH"));
        assert_eq!(f.updated_at, later);
        assert_eq!(f.created_at, now(), "first seen is kept");
        let kept = hub.held.lock().unwrap()[&format!("acm-doctor/{}", all[0].id)].clone();
        assert_eq!((kept.created_at, kept.updated_at), (now(), later));
        // Once archived it is not resolved again.
        let s = sync(&hub, &fixed_report, true, later).await;
        assert_eq!(s.resolved, 0);
    }

    #[tokio::test]
    async fn event_scoped_runs_never_resolve() {
        let hub = FakeHub::default();
        let all = findings(2);
        sync(&hub, &report_of(all.clone()), true, now()).await;
        let s = sync(&hub, &report_of(vec![all[0].clone()]), false, now()).await;
        assert_eq!((s.imported, s.resolved), (1, 0));
        assert_eq!(*hub.listed.lock().unwrap(), 2, "both read first-seen times");
        assert!(hub.resolved_calls.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn failures_are_counted_and_named_never_fatal() {
        let all = findings(3);
        let refused = format!("acm-doctor/{}", all[0].id);
        let hub = FakeHub {
            refuse: vec![refused.clone()],
            fail_get: true,
            ..Default::default()
        };
        let s = sync(&hub, &report_of(all.clone()), true, now()).await;
        assert_eq!((s.imported, s.failed), (2, 1));
        assert!(s.errors[0].contains("GetFindings"), "{:?}", s.errors);

        let hub = FakeHub {
            fail_update: true,
            ..Default::default()
        };
        sync(&hub, &report_of(all.clone()), true, now()).await;
        let s = sync(&hub, &report_of(vec![]), true, now()).await;
        assert_eq!(
            s.resolved, 3,
            "archived even when the workflow update fails"
        );
        assert!(s.errors.iter().any(|e| e.contains("BatchUpdateFindings")));

        let mut r = report_of(all);
        r.account = None;
        let s = sync(&FakeHub::default(), &r, true, now()).await;
        assert_eq!(s.imported, 0);
        assert!(s.errors[0].contains("account"));
    }

    #[test]
    fn sdk_conversion_round_trips() {
        let mut r = report_of(findings(1));
        r.findings[0].hostname = Some("shop.example.com".into());
        let f = asff::findings(&r, "us-east-1", now()).remove(0);
        assert_eq!(from_sdk(&to_sdk(&f)), f);
        let gone = f.resolved(now(), crate::i18n::Lang::Ja);
        assert!(gone.title.starts_with("解決済み: "));
        assert_eq!(from_sdk(&to_sdk(&gone)), gone);
    }

    /// moto has no BatchUpdateFindings: the request is checked against a recorded
    /// response instead.
    #[tokio::test]
    async fn mark_resolved_sends_workflow_resolved_for_each_id() {
        use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
        use aws_smithy_types::body::SdkBody;
        let response = |body: &str| {
            http::Response::builder()
                .status(200)
                .body(SdkBody::from(body.to_string()))
                .unwrap()
        };
        let request = || {
            http::Request::builder()
                .uri("https://securityhub.us-east-1.amazonaws.com/findings/batchupdate")
                .body(SdkBody::empty())
                .unwrap()
        };
        let replay = StaticReplayClient::new(vec![
            ReplayEvent::new(
                request(),
                response(
                    r#"{"ProcessedFindings":[{"Id":"acm-doctor/a","ProductArn":"p"}],"UnprocessedFindings":[]}"#,
                ),
            ),
            ReplayEvent::new(
                request(),
                response(
                    r#"{"ProcessedFindings":[],"UnprocessedFindings":[{"FindingIdentifier":{"Id":"acm-doctor/b","ProductArn":"p"},"ErrorCode":"FindingNotFound","ErrorMessage":"no such finding"}]}"#,
                ),
            ),
        ]);
        let conf = aws_sdk_securityhub::Config::builder()
            .behavior_version(aws_sdk_securityhub::config::BehaviorVersion::latest())
            .region(aws_sdk_securityhub::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_securityhub::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .http_client(replay.clone())
            .build();
        let hub = SdkHub::from_client(
            aws_sdk_securityhub::Client::from_conf(conf),
            "us-east-1".into(),
        );
        let product = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
        hub.mark_resolved(product, &["acm-doctor/a".into()])
            .await
            .unwrap();
        let err = hub
            .mark_resolved(product, &["acm-doctor/b".into()])
            .await
            .unwrap_err();
        assert!(
            err.message.contains("acm-doctor/b (no such finding)"),
            "{err}"
        );
        let sent: Vec<serde_json::Value> = replay
            .actual_requests()
            .map(|r| serde_json::from_slice(r.body().bytes().unwrap()).unwrap())
            .collect();
        assert_eq!(
            sent[0],
            serde_json::json!({
                "FindingIdentifiers": [{"Id": "acm-doctor/a", "ProductArn": product}],
                "Workflow": {"Status": "RESOLVED"}
            })
        );
        assert!(
            replay
                .actual_requests()
                .all(|r| r.uri().ends_with("/findings/batchupdate") && r.method() == "PATCH")
        );
    }
}
