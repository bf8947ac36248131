//! Fan-in: one report for a whole organization run. The invocation that finishes the
//! last shard (or handles the run's deadline) claims the run with a conditional write,
//! merges the shard reports from `RUN_BUCKET`, names every account not scanned, stores
//! the whole report beside them and publishes it as a one-account run is published
//! (split only above SNS's size limit, one email).

use super::{Org, OrgError, ReportStore, RunStore, ShardQueue, ShardReport, ShardState};
use crate::finding::{Finding, FindingRecord};
use crate::inventory::{SkipKind, Skipped};
use crate::publish::notify::{self, NotifySettings};
use crate::publish::sns::Publisher;
use crate::publish::state::StateStore;
use crate::report::{AccountLine, Report, Scanned};
use crate::trigger::{Scope, Trigger};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What publishing a run did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FanIn {
    pub run_id: String,
    /// `published`, `below-threshold`, `no-topic`.
    pub status: &'static str,
    pub accounts: usize,
    pub accounts_not_scanned: usize,
    pub findings: usize,
    pub incomplete: bool,
    pub message_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_report: Option<String>,
    /// The run's EMF documents (findings per cause and severity, incomplete runs, the
    /// run's duration), printed by the invocation that published it.
    #[serde(skip)]
    pub metrics: Vec<serde_json::Value>,
}

/// Whether a run could be published now.
#[derive(Debug, Clone, PartialEq)]
pub enum Claimed {
    Published(Box<FanIn>),
    /// Someone else published it already.
    AlreadyPublished,
    /// Not claimable now (not all shards finished, or another invocation holds a fresh
    /// claim): try again later.
    NotYet,
}

/// The trigger an organization report names: the schedule that started the run.
pub fn org_trigger(accounts: usize) -> Trigger {
    Trigger {
        kind: "schedule",
        source: "aws.events".into(),
        detail_type: "Scheduled Event".into(),
        event_id: None,
        scope: Scope::Full,
        note: Some(format!("organization run over {accounts} account(s)")),
        left_out: Vec::new(),
    }
}

/// A shard report from the bucket, or why it cannot be used.
async fn read_shard<B: ReportStore>(bucket: &B, key: &str) -> Result<ShardReport, String> {
    let text = bucket.get(key).await.map_err(|e| {
        format!(
            "its shard report {} could not be read: {e}",
            bucket.location(key)
        )
    })?;
    serde_json::from_str::<ShardReport>(&text).map_err(|e| {
        format!(
            "its shard report {} is not a shard report: {e}",
            bucket.location(key)
        )
    })
}

fn merge_scanned(total: &mut Scanned, r: &ShardReport) {
    total.regions.extend(r.regions.iter().cloned());
    total.certificates += r.certificates;
    total.load_balancers += r.load_balancers;
    total.distributions += r.distributions;
    total.dns_records += r.dns_records;
    total.hostnames_probed += r.hostnames_probed;
}

/// The `scan_incomplete` finding naming the accounts not scanned (each account's own
/// gaps are in its shard's findings already).
fn not_scanned_finding(
    gaps: &[Skipped],
    nothing_read: bool,
    config: &crate::config::Config,
) -> Option<Finding> {
    let mut f = crate::checks::config::scan_incomplete::from_gaps(gaps, nothing_read)?;
    f.cause = crate::finding::Cause::ScanIncomplete;
    f.check = "scan_incomplete".into();
    f.key = "organization".into();
    f.assign_id();
    f.bound();
    f.localize(config.report_language);
    Some(f)
}

/// The state table seen through the accounts a run scanned: records of other accounts
/// (ids are prefixed with the account) are not loaded, so they are not announced as
/// resolved, and stay as they are.
struct ScannedAccounts<'a, T> {
    inner: &'a T,
    accounts: &'a [String],
}

impl<T: StateStore> StateStore for ScannedAccounts<'_, T> {
    async fn load(&self) -> Result<Vec<FindingRecord>, crate::aws::ApiError> {
        let all = self.inner.load().await?;
        Ok(all
            .into_iter()
            .filter(|r| {
                self.accounts.iter().any(|a| {
                    r.id.strip_prefix(a.as_str())
                        .is_some_and(|rest| rest.starts_with('-'))
                })
            })
            .collect())
    }
    async fn save(
        &self,
        upsert: &[FindingRecord],
        delete: &[String],
    ) -> Result<(), crate::aws::ApiError> {
        self.inner.save(upsert, delete).await
    }
}

impl<S, B, Q, P, T> Org<S, B, Q, P, T>
where
    S: RunStore,
    B: ReportStore,
    Q: ShardQueue,
    P: Publisher,
    T: StateStore,
{
    /// Claims `run_id` (when every shard is finished or, `at_deadline`, when its deadline
    /// passed) and publishes it.
    pub async fn publish_run(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
        at_deadline: bool,
    ) -> Result<Claimed, OrgError> {
        if !self
            .store
            .claim(run_id, now, at_deadline)
            .await
            .map_err(OrgError::Store)?
        {
            let run = self.store.run(run_id).await.map_err(OrgError::Store)?;
            return Ok(match run {
                Some(r) if r.status == super::RunStatus::Published => Claimed::AlreadyPublished,
                Some(_) => Claimed::NotYet,
                None => return Err(OrgError::UnknownRun(run_id.to_string())),
            });
        }
        let fan_in = self.publish_claimed(run_id, now).await?;
        self.store
            .published(run_id)
            .await
            .map_err(OrgError::Store)?;
        Ok(Claimed::Published(Box::new(fan_in)))
    }

    /// Merges and publishes a run this invocation has claimed.
    async fn publish_claimed(&self, run_id: &str, now: DateTime<Utc>) -> Result<FanIn, OrgError> {
        let config = &self.config;
        let mut shards = self.store.shards(run_id).await.map_err(OrgError::Store)?;
        shards.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let mut scanned = Scanned::default();
        let (mut findings, mut skipped, mut gaps, mut lines) = (vec![], vec![], vec![], vec![]);
        let mut done_accounts = Vec::new();
        let gap = |account: &str, reason: String| Skipped {
            what: format!("account {account}"),
            region: None,
            reason,
            kind: SkipKind::Gap,
            account: Some(account.to_string()),
        };
        for shard in &shards {
            let a = &shard.account_id;
            let read = match (shard.state, &shard.report_key) {
                (ShardState::Done, Some(key)) => Some(read_shard(&self.bucket, key).await),
                _ => None,
            };
            let not_scanned = match (shard.state, read) {
                (_, Some(Ok(r))) => {
                    let highest = r.findings.iter().map(|f| f.severity).max();
                    lines.push(AccountLine {
                        account: a.clone(),
                        status: "scanned".into(),
                        findings: r.findings.len(),
                        highest,
                        reason: None,
                    });
                    merge_scanned(&mut scanned, &r);
                    findings.extend(r.findings);
                    skipped.extend(r.skipped);
                    done_accounts.push(a.clone());
                    None
                }
                (_, Some(Err(why))) => Some(why),
                (ShardState::Skipped, None) => Some(
                    shard
                        .reason
                        .clone()
                        .unwrap_or_else(|| "skipped without a reason".into()),
                ),
                (_, None) => Some(format!(
                    "not scanned by the run's deadline (ORG_DEADLINE_MINUTES={}): its message was still queued, being retried, or in the shard queue's dead-letter queue",
                    config.org_deadline_minutes
                )),
            };
            if let Some(reason) = not_scanned {
                lines.push(AccountLine {
                    account: a.clone(),
                    status: "not-scanned".into(),
                    findings: 0,
                    highest: None,
                    reason: Some(reason.clone()),
                });
                gaps.push(gap(a, reason));
            }
        }
        scanned.regions.sort();
        scanned.regions.dedup();
        findings.extend(not_scanned_finding(&gaps, done_accounts.is_empty(), config));
        skipped.extend(gaps.iter().cloned());
        let mut report = Report::new(
            run_id.to_string(),
            None,
            org_trigger(shards.len()),
            now,
            scanned,
            skipped,
            findings,
        );
        // Shard findings arrive rendered in REPORT_LANGUAGE; only the fan-in's own were
        // localized above, so the report is not rendered again.
        report.lang = config.report_language;
        report.accounts = lines;
        if let Err(e) = crate::publish::archive::keep(&self.bucket, &mut report).await {
            tracing::warn!(run_id, error = %e, "the whole run's report could not be stored");
        }
        let started = self
            .store
            .run(run_id)
            .await
            .map_err(OrgError::Store)?
            .map_or(now, |r| r.started_at);
        let duration_ms = (now - started).num_milliseconds().max(0) as u128;
        self.deliver(report, &done_accounts, now, duration_ms).await
    }

    /// Publishes an organization report (quiet repeats over `scanned_accounts` only: an
    /// account not scanned this time has its notified findings neither resolved nor
    /// forgotten).
    pub async fn deliver(
        &self,
        report: Report,
        scanned_accounts: &[String],
        now: DateTime<Utc>,
        duration_ms: u128,
    ) -> Result<FanIn, OrgError> {
        let config = &self.config;
        let settings = NotifySettings {
            topic: config.findings_topic_arn.as_deref(),
            min_severity: config.min_severity,
            renotify_hours: config.renotify_hours,
        };
        let state = ScannedAccounts {
            inner: &self.state,
            accounts: scanned_accounts,
        };
        let delivered =
            notify::deliver(&self.publisher, &state, settings, &report, true, now).await?;
        let not_scanned = report
            .accounts
            .iter()
            .filter(|a| a.status != "scanned")
            .count();
        tracing::info!(run_id = %report.run_id, status = delivered.status, findings = report.summary.total, accounts = report.accounts.len(), not_scanned, incomplete = report.incomplete(), "organization run published");
        Ok(FanIn {
            run_id: report.run_id.clone(),
            status: delivered.status,
            accounts: report.accounts.len(),
            accounts_not_scanned: not_scanned,
            findings: report.summary.total,
            incomplete: report.incomplete(),
            message_ids: delivered.message_ids,
            full_report: report.full_report.clone(),
            metrics: crate::report::metrics::emf_documents(
                &report,
                &Default::default(),
                now,
                duration_ms,
            ),
        })
    }
}
