//! Organization runs (`ORG_ACCOUNTS`): one scheduled run over every account of an AWS
//! Organization, fanned out on AWS's own machinery (an SQS queue and Lambda's event
//! source mapping), never a scheduler of ours. One binary, one function; the event and
//! the environment choose the role ([`Role::of`]):
//!
//! - [`coordinator`]: a scheduled event → the accounts (Organizations or a list), the
//!   run and its shards recorded in `RUN_TABLE`, one SQS message per account, and one
//!   deadline message SQS holds back until `ORG_DEADLINE_MINUTES` are up.
//! - [`worker`]: an SQS batch → per account, assume `ORG_ROLE_NAME`, scan its regions
//!   with the one-account engine, store the shard report in `RUN_BUCKET`, mark the
//!   shard finished (one transaction, so no count is lost), answer `batchItemFailures`.
//! - [`fanin`]: whoever finishes the last shard (or handles the deadline) claims the run
//!   with a conditional write and publishes one report for every account.
//!
//! One shard per account, not per region: the checks join across regions (Route 53 →
//! load balancers anywhere, CloudFront → us-east-1). Storage, queue, directory and the
//! per-account scan sit behind the traits below; [`sdk`] has the AWS adapters.

pub mod coordinator;
pub mod fanin;
pub mod sdk;
pub mod worker;

pub use crate::publish::archive::{ReportStore, report_key};

use crate::aws::ApiError;
use crate::report::Report;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::future::Future;

/// What the function is asked to be by one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A batch from the shard queue.
    Worker,
    /// A scheduled event with `ORG_ACCOUNTS` set.
    Coordinator,
    /// Everything else: the one-account run, exactly as without `ORG_ACCOUNTS`.
    Account,
}

impl Role {
    /// The role for `event`: an SQS batch is a worker's (whatever the configuration, so
    /// a misconfigured worker says so instead of scanning its own account); a scheduled
    /// event in organization mode is the coordinator's.
    pub fn of(event: &serde_json::Value, org_mode: bool) -> Role {
        let sqs = event
            .get("Records")
            .and_then(|r| r.as_array())
            .is_some_and(|r| {
                r.iter()
                    .any(|m| m.get("eventSource").and_then(|s| s.as_str()) == Some("aws:sqs"))
            });
        let scheduled =
            event.get("detail-type").and_then(|d| d.as_str()) == Some("Scheduled Event");
        if sqs {
            Role::Worker
        } else if org_mode && scheduled {
            Role::Coordinator
        } else {
            Role::Account
        }
    }
}

/// One message on the shard queue (`kind` tags the body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum QueueMessage {
    /// Scan one account's regions for a run.
    Shard {
        run_id: String,
        account_id: String,
        regions: Vec<String>,
    },
    /// The run's deadline: publish it with what is done, naming the missing accounts.
    Deadline {
        run_id: String,
        deadline: DateTime<Utc>,
    },
}

/// A run as `RUN_TABLE` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    pub run_id: String,
    pub started_at: DateTime<Utc>,
    /// After it, the run is published with what is done (`ORG_DEADLINE_MINUTES`).
    pub deadline: DateTime<Utc>,
    pub regions: Vec<String>,
    /// Shards in the run, and how many are finished (done or skipped).
    pub total: usize,
    pub finished: usize,
    pub status: RunStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Open,
    /// Claimed by one invocation for publishing (a stale claim may be taken over).
    Publishing,
    Published,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Open => "open",
            RunStatus::Publishing => "publishing",
            RunStatus::Published => "published",
        }
    }
    pub fn parse(s: &str) -> Option<RunStatus> {
        [RunStatus::Open, RunStatus::Publishing, RunStatus::Published]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One account of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardRecord {
    pub account_id: String,
    pub state: ShardState,
    /// Why a skipped shard was not scanned.
    pub reason: Option<String>,
    /// Where a done shard's report is in `RUN_BUCKET`.
    pub report_key: Option<String>,
    pub findings: usize,
}

impl ShardRecord {
    pub fn pending(account_id: &str) -> ShardRecord {
        ShardRecord {
            account_id: account_id.to_string(),
            state: ShardState::Pending,
            reason: None,
            report_key: None,
            findings: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardState {
    Pending,
    /// Scanned; its report is in the bucket.
    Done,
    /// Finished without a scan (the role could not be assumed): not retried.
    Skipped,
}

impl ShardState {
    pub fn as_str(self) -> &'static str {
        match self {
            ShardState::Pending => "pending",
            ShardState::Done => "done",
            ShardState::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> Option<ShardState> {
        [ShardState::Pending, ShardState::Done, ShardState::Skipped]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// What a worker stores for one account: the one-account report's parts the fan-in
/// merges (findings and skips already name the account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardReport {
    pub schema: String,
    pub run_id: String,
    pub account: String,
    pub generated_at: DateTime<Utc>,
    pub regions: Vec<String>,
    pub certificates: usize,
    pub load_balancers: usize,
    pub distributions: usize,
    pub dns_records: usize,
    pub hostnames_probed: usize,
    pub skipped: Vec<crate::inventory::Skipped>,
    pub findings: Vec<crate::finding::Finding>,
}

pub const SHARD_SCHEMA: &str = "acm-doctor.shard.v1";

impl ShardReport {
    /// The shard of `account` from its one-account report: every finding and skip is
    /// marked with the account, and finding ids are made unique across accounts (a
    /// `host:NAME` resource carries no account; quiet repeats key on the id).
    pub fn of(report: Report, account: &str) -> ShardReport {
        let findings = report
            .findings
            .into_iter()
            .map(|mut f| {
                f.account = Some(account.to_string());
                f.id = format!("{account}-{}", f.id);
                f
            })
            .collect();
        let skipped = report
            .skipped
            .into_iter()
            .map(|mut s| {
                s.account = Some(account.to_string());
                s
            })
            .collect();
        ShardReport {
            schema: SHARD_SCHEMA.into(),
            run_id: report.run_id,
            account: account.to_string(),
            generated_at: report.generated_at,
            regions: report.scanned.regions,
            certificates: report.scanned.certificates,
            load_balancers: report.scanned.load_balancers,
            distributions: report.scanned.distributions,
            dns_records: report.scanned.dns_records,
            hostnames_probed: report.scanned.hostnames_probed,
            skipped,
            findings,
        }
    }
}

/// Where a shard's report is kept in `RUN_BUCKET`.
pub fn shard_key(run_id: &str, account: &str) -> String {
    format!("runs/{run_id}/accounts/{account}.json")
}

/// `RUN_TABLE`: the runs and their shards.
pub trait RunStore: Send + Sync {
    /// Records a new run and a pending shard per account; `false` when the run was
    /// already recorded (a retried invocation), which is left as it is.
    fn create_run(
        &self,
        run: &RunRecord,
        accounts: &[String],
    ) -> impl Future<Output = Result<bool, ApiError>> + Send;
    fn run(&self, run_id: &str)
    -> impl Future<Output = Result<Option<RunRecord>, ApiError>> + Send;
    fn shards(
        &self,
        run_id: &str,
    ) -> impl Future<Output = Result<Vec<ShardRecord>, ApiError>> + Send;
    fn shard(
        &self,
        run_id: &str,
        account: &str,
    ) -> impl Future<Output = Result<Option<ShardRecord>, ApiError>> + Send;
    /// Marks a pending shard finished (done or skipped) and counts it in the run, in
    /// one transaction; `false` when it was no longer pending (a redelivered message),
    /// and nothing is counted twice.
    fn finish_shard(
        &self,
        run_id: &str,
        shard: &ShardRecord,
    ) -> impl Future<Output = Result<bool, ApiError>> + Send;
    /// Claims the run for publishing, once: when every shard is finished, or (with
    /// `at_deadline`) when its deadline is past or another claim went stale. `false`
    /// when the run is not (or no longer) claimable.
    fn claim(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
        at_deadline: bool,
    ) -> impl Future<Output = Result<bool, ApiError>> + Send;
    /// Marks a claimed run published (it leaves the overdue list).
    fn published(&self, run_id: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// Runs not published whose deadline is before `now`.
    fn overdue(
        &self,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;
}

/// `SHARD_QUEUE_URL`.
pub trait ShardQueue: Send + Sync {
    /// Sends every message, delivered after `delay` (at most 15 minutes, SQS's limit).
    fn send(
        &self,
        messages: &[QueueMessage],
        delay: std::time::Duration,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// The organization's accounts.
pub trait Directory: Send + Sync {
    /// Every ACTIVE account (Organizations `ListAccounts`, all pages).
    fn active_accounts(&self) -> impl Future<Output = Result<Vec<String>, ApiError>> + Send;
}

/// Why an account's shard was not scanned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// The role cannot be assumed (AccessDenied, a region disabled for STS): retrying
    /// fails the same way, so the shard is finished as skipped, with the reason.
    #[error("{0}")]
    Denied(String),
    /// A failure a retry may not meet (throttled, unreachable): the message is returned
    /// to the queue.
    #[error("{0}")]
    Retry(String),
}

/// The scan of one account: assume its role, run the one-account engine; its report
/// and its EMF documents (days to expiry per certificate, the nearest in use, …).
pub trait AccountScanner: Send + Sync {
    fn scan(
        &self,
        run_id: &str,
        account: &str,
        regions: &[String],
        now: DateTime<Utc>,
        deadline: Option<std::time::Instant>,
    ) -> impl Future<Output = Result<(Report, Vec<serde_json::Value>), ScanError>> + Send;
}

/// The organization side of the function: where runs are recorded, stored, queued
/// and published (the whole run's report goes to `FINDINGS_TOPIC_ARN`, with the quiet
/// repeats of `STATE_TABLE`, as a one-account run's does).
pub struct Org<S, B, Q, P, T = crate::publish::state::NoState> {
    pub store: S,
    pub bucket: B,
    pub queue: Q,
    pub publisher: P,
    pub state: T,
    pub config: crate::config::Config,
}

/// Why an organization invocation failed as a whole (a retry may succeed: every step is
/// idempotent). Everything about one account becomes a skip or a retried message.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("RUN_TABLE: {0}")]
    Store(ApiError),
    #[error("SHARD_QUEUE_URL: {0}")]
    Queue(ApiError),
    #[error(transparent)]
    Publish(#[from] crate::publish::sns::PublishError),
    #[error("run {0} is not in RUN_TABLE (expired, or another deployment's)")]
    UnknownRun(String),
    /// One record to try again later (a throttled role, a run being published).
    #[error("{0}")]
    Retry(String),
}

impl OrgError {
    /// The Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            OrgError::UnknownRun(_) => "NonRetryable.UnknownRun",
            _ => "Retryable.OrganizationRun",
        }
    }
}

#[cfg(test)]
pub(crate) mod fakes;
#[cfg(test)]
mod tests;
