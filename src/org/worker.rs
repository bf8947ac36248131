//! The worker: an SQS batch from the shard queue → for each account, assume its role
//! and scan it ([`AccountScanner`]), store the shard report in `RUN_BUCKET`, mark the
//! shard finished in `RUN_TABLE`, and — when that was the run's last shard — publish
//! the run ([`fanin`]). Answers with `batchItemFailures` (Lambda's partial batch
//! response), so only the records that should be retried come back:
//!
//! - a role that cannot be assumed is not retried: the shard is finished as skipped,
//!   with the account and the reason;
//! - a redelivered shard (a worker killed after finishing it, a duplicate send) is not
//!   scanned again: its state says it is finished;
//! - a record not started before the invocation's deadline, a throttled role, a bucket
//!   or table that failed are retried (and after the queue's redrive count, land in its
//!   dead-letter queue; the run's deadline names the account as not scanned).

use super::{
    AccountScanner, Org, OrgError, QueueMessage, ReportStore, RunStatus, RunStore, ScanError,
    ShardQueue, ShardRecord, ShardReport, ShardState, coordinator, fanin, shard_key,
};
use crate::publish::sns::Publisher;
use crate::publish::state::StateStore;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;

/// Records of one batch worked on at once (each account's regions are scanned in
/// parallel already; Lambda's concurrency is what scales out).
pub const RECORDS_AT_ONCE: usize = 2;

/// A record is not started with less than this left before the invocation's deadline:
/// it goes back to the queue instead of being cut off mid-scan.
pub const START_RESERVE: std::time::Duration = std::time::Duration::from_secs(60);

/// What became of one record.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordOutcome {
    pub message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `scanned`, `skipped`, `already-finished`, `late`, `deadline-requeued`,
    /// `published`, `retry`.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The run this record's invocation published, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<fanin::FanIn>,
    /// EMF documents to print: the account's scan and the run it published.
    #[serde(skip)]
    pub metrics: Vec<serde_json::Value>,
}

/// The worker's answer: Lambda reads `batchItemFailures`; the rest is for the log.
#[derive(Debug, Clone, Serialize)]
pub struct Worked {
    #[serde(flatten)]
    pub response: SqsBatchResponse,
    pub records: Vec<RecordOutcome>,
}

impl Worked {
    /// Every record's EMF documents, for the invocation to print.
    pub fn metrics(&self) -> Vec<serde_json::Value> {
        self.records
            .iter()
            .flat_map(|r| r.metrics.iter().cloned())
            .collect()
    }
}

fn retry(message_id: String, account: Option<String>, why: String) -> RecordOutcome {
    RecordOutcome {
        message_id,
        account,
        outcome: "retry",
        detail: Some(why),
        published: None,
        metrics: Vec::new(),
    }
}

/// A record's outcome, detail, the run it published, and the shard's EMF documents.
type Done = (
    &'static str,
    Option<String>,
    Option<fanin::FanIn>,
    Vec<serde_json::Value>,
);

impl<S, B, Q, P, T> Org<S, B, Q, P, T>
where
    S: RunStore,
    B: ReportStore,
    Q: ShardQueue,
    P: Publisher,
    T: StateStore,
{
    /// Works one SQS batch.
    pub async fn handle_batch<A>(
        &self,
        scanner: &A,
        event: &SqsEvent,
        now: DateTime<Utc>,
        deadline: Option<std::time::Instant>,
    ) -> Worked
    where
        A: AccountScanner,
    {
        let records: Vec<RecordOutcome> = futures::stream::iter(event.records.iter())
            .map(|m| async move {
                let id = m.message_id.clone().unwrap_or_default();
                let late = deadline.is_some_and(|d| {
                    d.saturating_duration_since(std::time::Instant::now()) < START_RESERVE
                });
                if late {
                    return retry(
                        id,
                        None,
                        "not started: the invocation's deadline is near".into(),
                    );
                }
                let body = m.body.as_deref().unwrap_or_default();
                match serde_json::from_str::<QueueMessage>(body) {
                    Ok(msg) => self.work(scanner, id, msg, now, deadline).await,
                    Err(e) => {
                        // Returned, so after the redrive count it is in the dead-letter queue
                        // (and its alarm), not dropped.
                        tracing::error!(message_id = %id, error = %e, "not a shard message");
                        retry(id, None, format!("not a shard message: {e}"))
                    }
                }
            })
            .buffered(RECORDS_AT_ONCE)
            .collect()
            .await;
        let mut response = SqsBatchResponse::default();
        for r in records.iter().filter(|r| r.outcome == "retry") {
            response.add_failure(r.message_id.clone());
        }
        Worked { response, records }
    }
    async fn work<A>(
        &self,
        scanner: &A,
        message_id: String,
        msg: QueueMessage,
        now: DateTime<Utc>,
        deadline: Option<std::time::Instant>,
    ) -> RecordOutcome
    where
        A: AccountScanner,
    {
        let outcome = match &msg {
            QueueMessage::Shard {
                run_id,
                account_id,
                regions,
            } => {
                self.work_shard(scanner, run_id, account_id, regions, now, deadline)
                    .await
            }
            QueueMessage::Deadline { run_id, deadline } => {
                self.at_deadline(run_id, *deadline, now).await
            }
        };
        let account = match &msg {
            QueueMessage::Shard { account_id, .. } => Some(account_id.clone()),
            QueueMessage::Deadline { .. } => None,
        };
        match outcome {
            Ok((outcome, detail, published, mut metrics)) => {
                tracing::info!(message_id = %message_id, account = ?account, outcome, detail = ?detail, "shard record");
                metrics.extend(published.iter().flat_map(|p| p.metrics.iter().cloned()));
                RecordOutcome {
                    message_id,
                    account,
                    outcome,
                    detail,
                    published,
                    metrics,
                }
            }
            Err(e) => {
                tracing::warn!(message_id = %message_id, account = ?account, error = %e, "shard record returned to the queue");
                retry(message_id, account, e.to_string())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn work_shard<A>(
        &self,
        scanner: &A,
        run_id: &str,
        account: &str,
        regions: &[String],
        now: DateTime<Utc>,
        deadline: Option<std::time::Instant>,
    ) -> Result<Done, OrgError>
    where
        A: AccountScanner,
    {
        let run = self
            .store
            .run(run_id)
            .await
            .map_err(OrgError::Store)?
            .ok_or_else(|| OrgError::UnknownRun(run_id.to_string()))?;
        if run.status == RunStatus::Published {
            // Published at its deadline without this account (named there as not scanned);
            // the next scheduled run covers it.
            return Ok((
                "late",
                Some("the run was published at its deadline without this account".into()),
                None,
                Vec::new(),
            ));
        }
        let existing = self
            .store
            .shard(run_id, account)
            .await
            .map_err(OrgError::Store)?;
        if existing
            .as_ref()
            .is_some_and(|s| s.state != ShardState::Pending)
        {
            // A redelivery: never scanned (or counted) twice; publish if a crash came
            // between the last shard and the publish.
            let published = self.publish_if_last(run_id, now).await?;
            return Ok(("already-finished", None, published, Vec::new()));
        }
        let (record, outcome, detail, metrics) =
            match scanner.scan(run_id, account, regions, now, deadline).await {
                Ok((report, metrics)) => {
                    let shard = ShardReport::of(report, account);
                    let key = shard_key(run_id, account);
                    let findings = shard.findings.len();
                    let body = serde_json::to_string(&shard).expect("a shard report serializes");
                    self.bucket.put(&key, body).await.map_err(OrgError::Store)?;
                    (
                        ShardRecord {
                            state: ShardState::Done,
                            report_key: Some(key),
                            findings,
                            ..ShardRecord::pending(account)
                        },
                        "scanned",
                        Some(format!("{findings} finding(s)")),
                        metrics,
                    )
                }
                Err(ScanError::Denied(why)) => (
                    ShardRecord {
                        state: ShardState::Skipped,
                        reason: Some(why.clone()),
                        ..ShardRecord::pending(account)
                    },
                    "skipped",
                    Some(why),
                    Vec::new(),
                ),
                Err(ScanError::Retry(why)) => return Err(OrgError::Retry(why)),
            };
        let counted = self
            .store
            .finish_shard(run_id, &record)
            .await
            .map_err(OrgError::Store)?;
        let published = self.publish_if_last(run_id, now).await?;
        Ok((
            if counted { outcome } else { "already-finished" },
            detail,
            published,
            metrics,
        ))
    }

    /// Publishes the run when every shard is finished and nobody has claimed it.
    async fn publish_if_last(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<fanin::FanIn>, OrgError> {
        let Some(run) = self.store.run(run_id).await.map_err(OrgError::Store)? else {
            return Err(OrgError::UnknownRun(run_id.to_string()));
        };
        if run.status != RunStatus::Open || run.finished < run.total {
            return Ok(None);
        }
        Ok(match self.publish_run(run_id, now, false).await? {
            fanin::Claimed::Published(f) => Some(*f),
            _ => None,
        })
    }

    /// The run's deadline message: early (SQS holds a message at most 15 minutes) it is
    /// queued again; at the deadline the run is published with what is done. A claim held
    /// by another invocation returns the message, so a crash while publishing is retried.
    async fn at_deadline(
        &self,
        run_id: &str,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Done, OrgError> {
        if now < deadline {
            coordinator::send_deadline(&self.queue, run_id, deadline, now).await?;
            return Ok((
                "deadline-requeued",
                Some(format!("due at {deadline}")),
                None,
                Vec::new(),
            ));
        }
        match self.publish_run(run_id, now, true).await? {
            fanin::Claimed::Published(f) => Ok(("published", None, Some(*f), Vec::new())),
            fanin::Claimed::AlreadyPublished => Ok(("already-finished", None, None, Vec::new())),
            fanin::Claimed::NotYet => Err(OrgError::Retry(format!(
                "run {run_id} is being published by another invocation; checked again when this message returns"
            ))),
        }
    }
}
