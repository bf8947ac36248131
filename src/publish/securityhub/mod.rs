//! Security Hub (`SECURITY_HUB=true`): imports every current finding in ASFF with
//! `BatchImportFindings` (batches of 100), and — in full scans — resolves acm-doctor's
//! findings that Security Hub still holds as active but this scan no longer finds:
//! re-imported archived with compliance `PASSED`, then `BatchUpdateFindings` sets their
//! workflow to `RESOLVED` (providers cannot change an existing finding's workflow by
//! import). Resolution reads Security Hub itself, so it works without `STATE_TABLE`.
//! A Security Hub failure is logged and counted, never lost silently, and never costs
//! the SNS report.

use crate::aws::ApiError;
use crate::report::Report;
use crate::report::asff::{self, AsffFinding, AsffResource, ID_PREFIX, ts};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

/// `BatchImportFindings` and `BatchUpdateFindings` take at most 100 findings per call.
pub const BATCH: usize = 100;

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
    ) -> impl Future<Output = Result<Vec<AsffFinding>, ApiError>> + Send;
    /// `BatchImportFindings` for at most [`BATCH`] findings.
    fn import(
        &self,
        findings: &[AsffFinding],
    ) -> impl Future<Output = Result<Imported, ApiError>> + Send;
    /// `BatchUpdateFindings` `Workflow.Status=RESOLVED` for at most [`BATCH`] findings.
    fn mark_resolved(
        &self,
        product_arn: &str,
        ids: &[String],
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// No Security Hub (the default; `SECURITY_HUB` unset).
pub struct NoHub;

impl SecurityHub for NoHub {
    fn region(&self) -> String {
        String::new()
    }
    async fn active_findings(&self, _: &str) -> Result<Vec<AsffFinding>, ApiError> {
        Ok(Vec::new())
    }
    async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, ApiError> {
        Ok(Imported {
            success: findings.len(),
            failed: Vec::new(),
        })
    }
    async fn mark_resolved(&self, _: &str, _: &[String]) -> Result<(), ApiError> {
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

mod sdk;
pub use sdk::{SdkHub, from_sdk, to_sdk};

#[cfg(test)]
mod tests;
