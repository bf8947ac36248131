//! The whole report kept in S3 (`RUN_BUCKET`): an organization run's shard and run
//! reports, and, when a bucket is configured, every one-account run's report — so the
//! email digest can name where the whole report is while it summarises, and machines
//! read one object instead of SNS parts.

use crate::aws::{ApiError, api_err};
use crate::report::Report;
use std::future::Future;

/// `RUN_BUCKET`: reports by key.
pub trait ReportStore: Send + Sync {
    fn put(&self, key: &str, body: String) -> impl Future<Output = Result<(), ApiError>> + Send;
    fn get(&self, key: &str) -> impl Future<Output = Result<String, ApiError>> + Send;
    /// `s3://BUCKET/KEY`, as a report names it.
    fn location(&self, key: &str) -> String;
    /// Whether reports are kept at all ([`NoArchive`] says no).
    fn configured(&self) -> bool {
        true
    }
}

/// Where a run's whole report is kept in `RUN_BUCKET`.
pub fn report_key(run_id: &str) -> String {
    format!("runs/{run_id}/report.json")
}

/// No bucket: reports go only to SNS.
pub struct NoArchive;

impl ReportStore for NoArchive {
    async fn put(&self, key: &str, _body: String) -> Result<(), ApiError> {
        Err(ApiError::local(
            "s3",
            "PutObject",
            None,
            format!("no RUN_BUCKET for {key}"),
        ))
    }
    async fn get(&self, key: &str) -> Result<String, ApiError> {
        Err(ApiError::local(
            "s3",
            "GetObject",
            None,
            format!("no RUN_BUCKET for {key}"),
        ))
    }
    fn location(&self, key: &str) -> String {
        key.to_string()
    }
    fn configured(&self) -> bool {
        false
    }
}

/// A bucket when one is configured (`RUN_BUCKET` is optional in one-account mode).
impl<B: ReportStore> ReportStore for Option<B> {
    async fn put(&self, key: &str, body: String) -> Result<(), ApiError> {
        match self {
            Some(b) => b.put(key, body).await,
            None => NoArchive.put(key, body).await,
        }
    }
    async fn get(&self, key: &str) -> Result<String, ApiError> {
        match self {
            Some(b) => b.get(key).await,
            None => NoArchive.get(key).await,
        }
    }
    fn location(&self, key: &str) -> String {
        self.as_ref()
            .map_or_else(|| key.to_string(), |b| b.location(key))
    }
    fn configured(&self) -> bool {
        self.as_ref().is_some_and(|b| b.configured())
    }
}

/// Stores `report` as the run's whole report and sets its `full_report` to where it is;
/// `Ok(None)` without a bucket. A failed write leaves `full_report` unset (the report is
/// still published over SNS, in parts) and says why.
pub async fn keep<B: ReportStore>(
    store: &B,
    report: &mut Report,
) -> Result<Option<String>, ApiError> {
    if !store.configured() {
        return Ok(None);
    }
    let key = report_key(&report.run_id);
    let at = store.location(&key);
    report.full_report = Some(at.clone());
    match store.put(&key, report.to_json()).await {
        Ok(()) => Ok(Some(at)),
        Err(e) => {
            report.full_report = None;
            Err(e)
        }
    }
}

/// The largest report read back (a shard report of a very large account is a few MiB).
const MAX_REPORT: usize = 256 * 1024 * 1024;

/// [`ReportStore`] on S3.
pub struct S3Reports {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Reports {
    pub fn new(config: &aws_config::SdkConfig, bucket: &str) -> Self {
        S3Reports {
            client: crate::aws::s3_client(config),
            bucket: bucket.to_string(),
        }
    }
}

impl ReportStore for S3Reports {
    async fn put(&self, key: &str, body: String) -> Result<(), ApiError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(body.into_bytes().into())
            .send()
            .await
            .map_err(|e| api_err("s3", "PutObject", None, e).on(&self.location(key)))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<String, ApiError> {
        crate::aws::s3_text(&self.client, &self.bucket, key, MAX_REPORT).await
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}
