//! The organization run's AWS adapters: `RUN_TABLE` on DynamoDB ([`DynamoRuns`]),
//! `RUN_BUCKET` on S3 ([`S3Reports`], shared with the one-account run), `SHARD_QUEUE_URL` on SQS ([`SqsShards`]),
//! Organizations `ListAccounts` ([`OrgDirectory`]) and the per-account scan under an
//! assumed role ([`AssumeRoleScanner`]). Tested against moto (`scripts/org-e2e.py`).
//!
//! `RUN_TABLE` layout (string `pk`, string `sk`):
//! - `run#ID` / `run`: `total`, `finished`, `status`, `started_at`, `deadline`,
//!   `regions`, `claimed_at`;
//! - `run#ID` / `shard#ACCOUNT`: `state`, `reason`, `report_key`, `findings`;
//! - `open` / `DEADLINE#ID`: runs not published yet, by deadline (the overdue list is
//!   one `Query`, no scan and no index);
//!
//! each with `expires_at` (epoch seconds) for the table's TTL.

pub use crate::publish::archive::S3Reports;

use super::{
    AccountScanner, Directory, QueueMessage, RunRecord, RunStatus, RunStore, ScanError, ShardQueue,
    ShardRecord, ShardState,
};
use crate::aws::{ApiError, ApiErrorKind, api_err};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::HashMap;

/// Items outlive their run's deadline by this long (then the table's TTL removes them).
const KEEP_DAYS: i64 = 30;
/// A publishing claim older than this is taken over (its invocation died: Lambda's
/// longest timeout is 15 minutes).
const STALE_CLAIM_MINUTES: i64 = 16;

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}
fn get_s<'a>(item: &'a Item, k: &str) -> Option<&'a str> {
    item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str)
}
fn get_n(item: &Item, k: &str) -> Option<i64> {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn run_pk(run_id: &str) -> String {
    format!("run#{run_id}")
}
fn open_sk(deadline: DateTime<Utc>, run_id: &str) -> String {
    // Zero-padded so string order is time order.
    format!("{:012}#{run_id}", deadline.timestamp())
}

/// [`RunStore`] on DynamoDB.
pub struct DynamoRuns {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoRuns {
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> Self {
        DynamoRuns {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.to_string(),
        }
    }

    fn shard_item(&self, run: &RunRecord, account: &str) -> Item {
        let expires = run.deadline.timestamp() + KEEP_DAYS * 86_400;
        HashMap::from([
            ("pk".to_string(), s(run_pk(&run.run_id))),
            ("sk".to_string(), s(format!("shard#{account}"))),
            ("state".to_string(), s(ShardState::Pending.as_str())),
            ("findings".to_string(), n(0)),
            ("expires_at".to_string(), n(expires)),
        ])
    }

    /// An `UpdateItem` of the run's own item.
    fn run_update(
        &self,
        run_id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(run_pk(run_id)))
            .key("sk", s("run"))
    }

    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, ApiError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| api_err("dynamodb", "GetItem", None, e).on(&self.table))?;
        Ok(out.item)
    }
}

fn run_of(item: &Item) -> Option<RunRecord> {
    let run_id = get_s(item, "pk")?.strip_prefix("run#")?.to_string();
    let at = |k: &str| get_n(item, k).and_then(|t| Utc.timestamp_opt(t, 0).single());
    Some(RunRecord {
        run_id,
        started_at: at("started_at")?,
        deadline: at("deadline")?,
        regions: get_s(item, "regions")
            .unwrap_or_default()
            .split(',')
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect(),
        total: get_n(item, "total")? as usize,
        finished: get_n(item, "finished").unwrap_or(0) as usize,
        status: RunStatus::parse(get_s(item, "status")?)?,
    })
}

fn shard_of(item: &Item) -> Option<ShardRecord> {
    Some(ShardRecord {
        account_id: get_s(item, "sk")?.strip_prefix("shard#")?.to_string(),
        state: ShardState::parse(get_s(item, "state")?)?,
        reason: get_s(item, "reason").map(str::to_string),
        report_key: get_s(item, "report_key").map(str::to_string),
        findings: get_n(item, "findings").unwrap_or(0) as usize,
    })
}

/// Whether an SDK error is a condition that did not hold (someone else got there
/// first), which the callers answer with `false`, not an error.
fn condition_failed(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("ConditionalCheckFailedException") | Some("TransactionCanceledException")
    )
}

impl RunStore for DynamoRuns {
    async fn create_run(&self, run: &RunRecord, accounts: &[String]) -> Result<bool, ApiError> {
        use aws_sdk_dynamodb::error::ProvideErrorMetadata;
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let expires = run.deadline.timestamp() + KEEP_DAYS * 86_400;
        let mut item: Item = HashMap::from([
            ("pk".to_string(), s(run_pk(&run.run_id))),
            ("sk".to_string(), s("run")),
            ("total".to_string(), n(run.total)),
            ("finished".to_string(), n(0)),
            ("status".to_string(), s(RunStatus::Open.as_str())),
            ("started_at".to_string(), n(run.started_at.timestamp())),
            ("deadline".to_string(), n(run.deadline.timestamp())),
            ("expires_at".to_string(), n(expires)),
        ]);
        if !run.regions.is_empty() {
            item.insert("regions".into(), s(run.regions.join(",")));
        }
        let created = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if condition_failed(e.code()) => {
                // A retried invocation: add only the shards that are missing, never
                // resetting one a worker has finished.
                for a in accounts {
                    let put = self
                        .client
                        .put_item()
                        .table_name(&self.table)
                        .set_item(Some(self.shard_item(run, a)))
                        .condition_expression("attribute_not_exists(pk)")
                        .send()
                        .await;
                    match put {
                        Err(e) if !condition_failed(e.code()) => {
                            return Err(api_err("dynamodb", "PutItem", None, e).on(&self.table));
                        }
                        _ => {}
                    }
                }
                return Ok(false);
            }
            Err(e) => return Err(api_err("dynamodb", "PutItem", None, e).on(&self.table)),
        }
        let mut requests: Vec<WriteRequest> = Vec::new();
        let open = HashMap::from([
            ("pk".to_string(), s("open")),
            ("sk".to_string(), s(open_sk(run.deadline, &run.run_id))),
            ("run_id".to_string(), s(&run.run_id)),
            ("expires_at".to_string(), n(expires)),
        ]);
        for item in accounts
            .iter()
            .map(|a| self.shard_item(run, a))
            .chain([open])
        {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| ApiError::local("dynamodb", "BatchWriteItem", None, e.to_string()))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        crate::publish::state::batch_write(&self.client, &self.table, requests).await?;
        Ok(true)
    }

    async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, ApiError> {
        Ok(self
            .get(run_pk(run_id), "run")
            .await?
            .as_ref()
            .and_then(run_of))
    }

    async fn shard(&self, run_id: &str, account: &str) -> Result<Option<ShardRecord>, ApiError> {
        Ok(self
            .get(run_pk(run_id), &format!("shard#{account}"))
            .await?
            .as_ref()
            .and_then(shard_of))
    }

    async fn shards(&self, run_id: &str) -> Result<Vec<ShardRecord>, ApiError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :shard)")
            .expression_attribute_values(":pk", s(run_pk(run_id)))
            .expression_attribute_values(":shard", s("shard#"))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| api_err("dynamodb", "Query", None, e).on(&self.table))?;
            out.extend(shard_of(&item));
        }
        Ok(out)
    }

    async fn finish_shard(&self, run_id: &str, shard: &ShardRecord) -> Result<bool, ApiError> {
        use aws_sdk_dynamodb::error::ProvideErrorMetadata;
        use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
        let local = |m: String| ApiError::local("dynamodb", "TransactWriteItems", None, m);
        let mut set = "SET #state = :state, findings = :findings".to_string();
        let mut values: Item = HashMap::from([
            (":state".to_string(), s(shard.state.as_str())),
            (":findings".to_string(), n(shard.findings)),
            (":pending".to_string(), s(ShardState::Pending.as_str())),
        ]);
        if let Some(r) = &shard.reason {
            set.push_str(", reason = :reason");
            values.insert(":reason".into(), s(r));
        }
        if let Some(k) = &shard.report_key {
            set.push_str(", report_key = :key");
            values.insert(":key".into(), s(k));
        }
        let mark = Update::builder()
            .table_name(&self.table)
            .key("pk", s(run_pk(run_id)))
            .key("sk", s(format!("shard#{}", shard.account_id)))
            .update_expression(set)
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| local(e.to_string()))?;
        let count = Update::builder()
            .table_name(&self.table)
            .key("pk", s(run_pk(run_id)))
            .key("sk", s("run"))
            .update_expression("ADD finished :one")
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(|e| local(e.to_string()))?;
        let sent = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .transact_items(TransactWriteItem::builder().update(count).build())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            // The shard was no longer pending: counted by whoever finished it.
            Err(e) if condition_failed(e.code()) => Ok(false),
            Err(e) => Err(api_err("dynamodb", "TransactWriteItems", None, e).on(&self.table)),
        }
    }

    async fn claim(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
        at_deadline: bool,
    ) -> Result<bool, ApiError> {
        use aws_sdk_dynamodb::error::ProvideErrorMetadata;
        let Some(run) = self.run(run_id).await? else {
            return Ok(false);
        };
        let mut update = self
            .run_update(run_id)
            .update_expression("SET #status = :publishing, claimed_at = :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":publishing", s(RunStatus::Publishing.as_str()))
            .expression_attribute_values(":open", s(RunStatus::Open.as_str()))
            .expression_attribute_values(":now", n(now.timestamp()));
        update = if at_deadline {
            update
                .condition_expression(
                    "(#status = :open AND deadline <= :now) OR (#status = :publishing AND claimed_at < :stale)",
                )
                .expression_attribute_values(
                    ":stale",
                    n(now.timestamp() - STALE_CLAIM_MINUTES * 60),
                )
        } else {
            update
                .condition_expression("#status = :open AND finished >= :total")
                .expression_attribute_values(":total", n(run.total))
        };
        match update.send().await {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(e.code()) => Ok(false),
            Err(e) => Err(api_err("dynamodb", "UpdateItem", None, e).on(&self.table)),
        }
    }

    async fn published(&self, run_id: &str) -> Result<(), ApiError> {
        let run = self.run(run_id).await?;
        self.run_update(run_id)
            .update_expression("SET #status = :published")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":published", s(RunStatus::Published.as_str()))
            .send()
            .await
            .map_err(|e| api_err("dynamodb", "UpdateItem", None, e).on(&self.table))?;
        if let Some(run) = run {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s("open"))
                .key("sk", s(open_sk(run.deadline, run_id)))
                .send()
                .await
                .map_err(|e| api_err("dynamodb", "DeleteItem", None, e).on(&self.table))?;
        }
        Ok(())
    }

    async fn overdue(&self, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :open AND sk < :now")
            .expression_attribute_values(":open", s("open"))
            .expression_attribute_values(":now", s(format!("{:012}", now.timestamp())))
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| api_err("dynamodb", "Query", None, e).on(&self.table))?;
            out.extend(get_s(&item, "run_id").map(str::to_string));
        }
        Ok(out)
    }
}

/// [`ShardQueue`] on SQS (`SendMessageBatch`, 10 at a time; entries SQS refuses are
/// sent again, twice).
pub struct SqsShards {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsShards {
    pub fn new(config: &aws_config::SdkConfig, url: &str) -> Self {
        SqsShards {
            client: aws_sdk_sqs::Client::new(config),
            url: url.to_string(),
        }
    }
}

impl ShardQueue for SqsShards {
    async fn send(
        &self,
        messages: &[QueueMessage],
        delay: std::time::Duration,
    ) -> Result<(), ApiError> {
        use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
        let local = |m: String| ApiError::local("sqs", "SendMessageBatch", None, m);
        let delay = delay.as_secs().min(900) as i32;
        for chunk in messages.chunks(10) {
            let mut pending: Vec<(String, String)> = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    (
                        i.to_string(),
                        serde_json::to_string(m).expect("a queue message serializes"),
                    )
                })
                .collect();
            for attempt in 0..3 {
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
                }
                let entries = pending
                    .iter()
                    .map(|(id, body)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(id)
                            .message_body(body)
                            .delay_seconds(delay)
                            .build()
                            .map_err(|e| local(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| api_err("sqs", "SendMessageBatch", None, e).on(&self.url))?;
                let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
                pending.retain(|(id, _)| failed.contains(&id.as_str()));
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(local(format!(
                    "{} message(s) refused after 3 attempts",
                    pending.len()
                ))
                .on(&self.url));
            }
        }
        Ok(())
    }
}

/// [`Directory`] on Organizations.
pub struct OrgDirectory {
    client: aws_sdk_organizations::Client,
}

impl OrgDirectory {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        // Organizations' endpoint is in us-east-1 (aws partition).
        let conf = aws_sdk_organizations::config::Builder::from(config)
            .region(aws_config::Region::new("us-east-1"))
            .build();
        OrgDirectory {
            client: aws_sdk_organizations::Client::from_conf(conf),
        }
    }
}

impl Directory for OrgDirectory {
    async fn active_accounts(&self) -> Result<Vec<String>, ApiError> {
        use aws_sdk_organizations::types::{AccountState, AccountStatus};
        let mut pages = self.client.list_accounts().into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_err("organizations", "ListAccounts", None, e))?;
            for a in page.accounts() {
                // `State` replaces `Status`; an answer with only `Status` is read by it.
                let active = match (a.state(), a.status()) {
                    (Some(s), _) => *s == AccountState::Active,
                    #[allow(deprecated)]
                    (None, Some(s)) => *s == AccountStatus::Active,
                    (None, None) => false,
                };
                if active && let Some(id) = a.id() {
                    out.push(id.to_string());
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// [`AccountScanner`]: assumes `arn:aws:iam::ACCOUNT:role/ORG_ROLE_NAME` (aws-config's
/// assume-role provider, the session named after the run, refreshed before it expires)
/// and runs the one-account engine there — Security Hub imports in the member account,
/// under the assumed role; nothing is published to SNS from a shard.
pub struct AssumeRoleScanner<Q> {
    pub base: aws_config::SdkConfig,
    pub config: crate::config::Config,
    pub prober: std::sync::Arc<Q>,
}

/// `acm-doctor-RUN` in the characters and length STS accepts.
pub fn session_name(run_id: &str) -> String {
    let clean: String = run_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .collect();
    format!("acm-doctor-{clean}").chars().take(64).collect()
}

impl<Q: crate::probe::Prober> AccountScanner for AssumeRoleScanner<Q> {
    async fn scan(
        &self,
        run_id: &str,
        account: &str,
        regions: &[String],
        now: DateTime<Utc>,
        deadline: Option<std::time::Instant>,
    ) -> Result<(crate::report::Report, Vec<serde_json::Value>), ScanError> {
        use aws_sdk_sts::config::ProvideCredentials;
        let role = format!("arn:aws:iam::{account}:role/{}", self.config.org_role_name);
        let provider = aws_config::sts::AssumeRoleProvider::builder(&role)
            .session_name(session_name(run_id))
            .configure(&self.base)
            .build()
            .await;
        // Once up front, so a role that cannot be assumed is one named skip, not a
        // failed read per service and region.
        if let Err(e) = provider.provide_credentials().await {
            return Err(assume_role_failure(&role, &e));
        }
        let sdk = self
            .base
            .to_builder()
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
                provider,
            ))
            .build();
        let mut config = self.config.clone();
        config.scan_regions = regions.to_vec();
        config.findings_topic_arn = None;
        config.state_table = None;
        config.org_accounts = None;
        let engine = crate::handler::Engine {
            // The member role reads the account; the mute list is read with the
            // function's own role (the member role has no S3).
            reader: crate::inventory::sdk::SdkReader::new(sdk.clone()).with_own(self.base.clone()),
            publisher: crate::publish::sns::SnsPublisher::new(&sdk),
            prober: self.prober.clone(),
            state: crate::publish::state::NoState,
            hub: crate::publish::securityhub::SdkHub::new(&sdk),
            archive: crate::publish::archive::NoArchive,
            config,
        };
        let trigger = super::fanin::org_trigger(1);
        let outcome = engine
            .run_until(trigger, now, run_id.to_string(), deadline)
            .await
            .map_err(|e| ScanError::Retry(e.to_string()))?;
        let report = outcome
            .report
            .ok_or_else(|| ScanError::Retry("the scan produced no report".into()))?;
        Ok((report, outcome.metrics))
    }
}

/// Why a role could not be assumed: denied (or a region STS refuses) is final, the rest
/// is retried.
fn assume_role_failure(role: &str, e: &(dyn std::error::Error + 'static)) -> ScanError {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;
    let source = e
        .source()
        .and_then(|s| s.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>());
    let (kind, message) = match source {
        Some(sdk) => {
            let region_disabled = sdk
                .as_service_error()
                .is_some_and(|s| s.is_region_disabled_exception());
            let mapped = crate::aws::api_err_of("sts", "AssumeRole", None, sdk);
            let kind = if region_disabled {
                ApiErrorKind::AccessDenied
            } else {
                mapped.kind
            };
            (kind, mapped.message)
        }
        None => (
            ApiErrorKind::Other,
            aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
        ),
    };
    let why = format!("sts:AssumeRole {role}: {message}");
    match kind {
        ApiErrorKind::AccessDenied | ApiErrorKind::NotFound | ApiErrorKind::Other => {
            ScanError::Denied(why)
        }
        ApiErrorKind::Throttled | ApiErrorKind::Unavailable | ApiErrorKind::TimedOut => {
            ScanError::Retry(why)
        }
    }
}
