//! The coordinator: a scheduled event in organization mode → the accounts, the run and
//! its shards in `RUN_TABLE`, one SQS message per account and the run's deadline
//! message (SQS holds it back, up to its 15-minute limit). Every step is idempotent: a
//! retried invocation (same request id, same run id) records nothing twice, and a
//! shard message sent twice is scanned once (the worker checks the shard's state).
//! It also publishes runs left overdue (every worker crashed, the deadline message
//! went to the dead-letter queue): a run is never silently dropped.

use super::{
    Directory, Org, OrgError, QueueMessage, ReportStore, RunRecord, RunStatus, RunStore,
    ShardQueue, fanin,
};
use crate::config::OrgAccounts;
use crate::inventory::{SkipKind, Skipped};
use crate::publish::sns::Publisher;
use crate::publish::state::StateStore;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// SQS holds a message back at most this long (`DelaySeconds` ≤ 900).
pub const MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(900);

/// The coordinator's answer (the invocation's response).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Coordinated {
    pub role: &'static str,
    pub run_id: String,
    /// `fanned-out`, or `incomplete` when the accounts could not be listed (that report
    /// was published instead).
    pub status: &'static str,
    pub shards: usize,
    pub deadline: DateTime<Utc>,
    /// False when this run id was already recorded (a retried invocation).
    pub new_run: bool,
    /// Overdue runs this invocation published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overdue_published: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<fanin::FanIn>,
}

/// Queues the run's deadline message, held back until the deadline (or SQS's limit,
/// after which the worker that gets it early queues it again).
pub async fn send_deadline<Q: ShardQueue>(
    queue: &Q,
    run_id: &str,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), OrgError> {
    let delay = (deadline - now).to_std().unwrap_or_default().min(MAX_DELAY);
    queue
        .send(
            &[QueueMessage::Deadline {
                run_id: run_id.to_string(),
                deadline,
            }],
            delay,
        )
        .await
        .map_err(OrgError::Queue)
}

impl<S, B, Q, P, T> Org<S, B, Q, P, T>
where
    S: RunStore,
    B: ReportStore,
    Q: ShardQueue,
    P: Publisher,
    T: StateStore,
{
    /// Starts an organization run `run_id` at `now`.
    pub async fn coordinate<D>(
        &self,
        directory: &D,
        now: DateTime<Utc>,
        run_id: &str,
    ) -> Result<Coordinated, OrgError>
    where
        D: Directory,
    {
        let config = &self.config;
        let deadline = now + chrono::Duration::minutes(config.org_deadline_minutes);
        let overdue_published = self.sweep(now, run_id).await;
        let accounts = match &config.org_accounts {
            Some(OrgAccounts::List(ids)) => Ok(ids.clone()),
            Some(OrgAccounts::Organization) | None => directory.active_accounts().await,
        };
        let accounts = match accounts {
            Ok(a) if !a.is_empty() => a,
            failed => {
                // Nothing to fan out to: a report that says so, never a silent run.
                let reason = match failed {
                    Err(e) => e.to_string(),
                    Ok(_) => "the organization lists no ACTIVE account".to_string(),
                };
                tracing::error!(run_id, reason = %reason, "organization accounts not listed");
                let published = self.publish_unlisted(run_id, now, reason).await?;
                return Ok(Coordinated {
                    role: "coordinator",
                    run_id: run_id.to_string(),
                    status: "incomplete",
                    shards: 0,
                    deadline,
                    new_run: true,
                    overdue_published,
                    published: Some(published),
                });
            }
        };
        let run = RunRecord {
            run_id: run_id.to_string(),
            started_at: now,
            deadline,
            regions: config.scan_regions.clone(),
            total: accounts.len(),
            finished: 0,
            status: RunStatus::Open,
        };
        let new_run = self
            .store
            .create_run(&run, &accounts)
            .await
            .map_err(OrgError::Store)?;
        let shards: Vec<QueueMessage> = accounts
            .iter()
            .map(|a| QueueMessage::Shard {
                run_id: run_id.to_string(),
                account_id: a.clone(),
                regions: config.scan_regions.clone(),
            })
            .collect();
        self.queue
            .send(&shards, std::time::Duration::ZERO)
            .await
            .map_err(OrgError::Queue)?;
        send_deadline(&self.queue, run_id, deadline, now).await?;
        tracing::info!(run_id, shards = shards.len(), %deadline, new_run, "organization run fanned out");
        Ok(Coordinated {
            role: "coordinator",
            run_id: run_id.to_string(),
            status: "fanned-out",
            shards: shards.len(),
            deadline,
            new_run,
            overdue_published,
            published: None,
        })
    }

    /// Publishes every overdue run but `current`; failures are logged (the next schedule
    /// tries again), never fatal to the new run.
    async fn sweep(&self, now: DateTime<Utc>, current: &str) -> Vec<String> {
        let overdue = match self.store.overdue(now).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "overdue runs not listed");
                return Vec::new();
            }
        };
        let mut published = Vec::new();
        for run_id in overdue.iter().filter(|r| r.as_str() != current) {
            match self.publish_run(run_id, now, true).await {
                Ok(fanin::Claimed::Published(_)) => published.push(run_id.clone()),
                Ok(_) => {}
                Err(e) => tracing::warn!(run_id = %run_id, error = %e, "overdue run not published"),
            }
        }
        published
    }

    /// The report of a run whose accounts could not be listed.
    async fn publish_unlisted(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
        reason: String,
    ) -> Result<fanin::FanIn, OrgError> {
        let config = &self.config;
        let gap = Skipped {
            what: "organizations:ListAccounts".into(),
            region: None,
            reason,
            kind: SkipKind::Gap,
            account: None,
        };
        let mut f =
            crate::checks::config::scan_incomplete::from_gaps(std::slice::from_ref(&gap), true)
                .expect("a gap makes a finding");
        f.cause = crate::finding::Cause::ScanIncomplete;
        f.check = "scan_incomplete".into();
        f.key = "organization".into();
        let f = f.step(crate::tr!(
            "Organizations: the function's role needs organizations:ListAccounts, and the function must run in the management account or a delegated administrator account; or set ORG_ACCOUNTS to a comma list of account ids.",
            "Organizations: 関数のロールに organizations:ListAccounts が必要で、関数は管理アカウントか委任管理者アカウントで実行する必要があります。または ORG_ACCOUNTS にアカウント ID のカンマ区切りの一覧を設定します。"
        ));
        let mut f = f;
        f.assign_id();
        f.bound();
        let report = crate::report::Report::new(
            run_id.to_string(),
            None,
            fanin::org_trigger(0),
            now,
            Default::default(),
            vec![gap],
            vec![f],
        )
        .in_language(config.report_language);
        self.deliver(report, &[], now, 0).await
    }
}
