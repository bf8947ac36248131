//! In-memory stand-ins for the organization boundary, keeping the same conditions the
//! DynamoDB adapter writes (a shard finishes once, a run is claimed once).

use super::*;
use crate::publish::sns::{Message, Publisher};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// A run and when it was claimed.
type Claimed = (RunRecord, Option<DateTime<Utc>>);

#[derive(Default)]
pub struct MemRuns {
    pub runs: Mutex<BTreeMap<String, Claimed>>,
    pub shards: Mutex<BTreeMap<(String, String), ShardRecord>>,
    /// Every `finish_shard` that counted.
    pub counted: Mutex<usize>,
}

impl RunStore for MemRuns {
    async fn create_run(&self, run: &RunRecord, accounts: &[String]) -> Result<bool, ApiError> {
        let mut runs = self.runs.lock().unwrap();
        let mut shards = self.shards.lock().unwrap();
        for a in accounts {
            shards
                .entry((run.run_id.clone(), a.clone()))
                .or_insert_with(|| ShardRecord::pending(a));
        }
        if runs.contains_key(&run.run_id) {
            return Ok(false);
        }
        runs.insert(run.run_id.clone(), (run.clone(), None));
        Ok(true)
    }
    async fn run(&self, run_id: &str) -> Result<Option<RunRecord>, ApiError> {
        Ok(self.runs.lock().unwrap().get(run_id).map(|r| r.0.clone()))
    }
    async fn shards(&self, run_id: &str) -> Result<Vec<ShardRecord>, ApiError> {
        Ok(self
            .shards
            .lock()
            .unwrap()
            .iter()
            .filter(|((r, _), _)| r == run_id)
            .map(|(_, s)| s.clone())
            .collect())
    }
    async fn shard(&self, run_id: &str, account: &str) -> Result<Option<ShardRecord>, ApiError> {
        Ok(self
            .shards
            .lock()
            .unwrap()
            .get(&(run_id.to_string(), account.to_string()))
            .cloned())
    }
    async fn finish_shard(&self, run_id: &str, shard: &ShardRecord) -> Result<bool, ApiError> {
        let mut shards = self.shards.lock().unwrap();
        let key = (run_id.to_string(), shard.account_id.clone());
        match shards.get(&key) {
            Some(s) if s.state == ShardState::Pending => {}
            _ => return Ok(false),
        }
        shards.insert(key, shard.clone());
        if let Some((run, _)) = self.runs.lock().unwrap().get_mut(run_id) {
            run.finished += 1;
        }
        *self.counted.lock().unwrap() += 1;
        Ok(true)
    }
    async fn claim(
        &self,
        run_id: &str,
        now: DateTime<Utc>,
        at_deadline: bool,
    ) -> Result<bool, ApiError> {
        let mut runs = self.runs.lock().unwrap();
        let Some((run, claimed)) = runs.get_mut(run_id) else {
            return Ok(false);
        };
        let ok = if at_deadline {
            (run.status == RunStatus::Open && run.deadline <= now)
                || (run.status == RunStatus::Publishing
                    && claimed.is_some_and(|c| c < now - chrono::Duration::minutes(16)))
        } else {
            run.status == RunStatus::Open && run.finished >= run.total
        };
        if ok {
            run.status = RunStatus::Publishing;
            *claimed = Some(now);
        }
        Ok(ok)
    }
    async fn published(&self, run_id: &str) -> Result<(), ApiError> {
        if let Some((run, _)) = self.runs.lock().unwrap().get_mut(run_id) {
            run.status = RunStatus::Published;
        }
        Ok(())
    }
    async fn overdue(&self, now: DateTime<Utc>) -> Result<Vec<String>, ApiError> {
        Ok(self
            .runs
            .lock()
            .unwrap()
            .values()
            .filter(|(r, _)| r.status != RunStatus::Published && r.deadline < now)
            .map(|(r, _)| r.run_id.clone())
            .collect())
    }
}

#[derive(Default)]
pub struct MemBucket {
    pub objects: Mutex<HashMap<String, String>>,
}

impl ReportStore for MemBucket {
    async fn put(&self, key: &str, body: String) -> Result<(), ApiError> {
        self.objects.lock().unwrap().insert(key.to_string(), body);
        Ok(())
    }
    async fn get(&self, key: &str) -> Result<String, ApiError> {
        self.objects
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .ok_or_else(|| ApiError::local("s3", "GetObject", None, "NoSuchKey"))
    }
    fn location(&self, key: &str) -> String {
        format!("s3://runs-bucket/{key}")
    }
}

#[derive(Default)]
pub struct MemQueue {
    pub sent: Mutex<Vec<(QueueMessage, std::time::Duration)>>,
}

impl ShardQueue for MemQueue {
    async fn send(
        &self,
        messages: &[QueueMessage],
        delay: std::time::Duration,
    ) -> Result<(), ApiError> {
        let mut sent = self.sent.lock().unwrap();
        sent.extend(messages.iter().map(|m| (m.clone(), delay)));
        Ok(())
    }
}

/// Accounts as Organizations would list them, or its failure.
pub struct FakeDirectory(pub Result<Vec<String>, ApiError>);

impl Directory for FakeDirectory {
    async fn active_accounts(&self) -> Result<Vec<String>, ApiError> {
        self.0.clone()
    }
}

/// Per account: the findings its scan returns, or why it cannot be scanned.
#[derive(Default)]
pub struct FakeScanner {
    pub accounts: HashMap<String, Result<Vec<crate::finding::Finding>, ScanError>>,
    pub scans: Mutex<Vec<String>>,
}

impl AccountScanner for FakeScanner {
    async fn scan(
        &self,
        run_id: &str,
        account: &str,
        regions: &[String],
        now: DateTime<Utc>,
        _deadline: Option<std::time::Instant>,
    ) -> Result<(Report, Vec<serde_json::Value>), ScanError> {
        self.scans.lock().unwrap().push(account.to_string());
        let findings = self
            .accounts
            .get(account)
            .cloned()
            .unwrap_or_else(|| Ok(Vec::new()))?;
        let mut r = Report::new(
            run_id.to_string(),
            Some(account.to_string()),
            super::fanin::org_trigger(1),
            now,
            crate::report::Scanned {
                regions: regions.to_vec(),
                certificates: 2,
                ..Default::default()
            },
            vec![],
            findings,
        );
        r.lang = crate::i18n::Lang::En;
        Ok((r, vec![serde_json::json!({ "account": account })]))
    }
}

/// Every SNS message published.
#[derive(Default)]
pub struct Sent(pub Mutex<Vec<Message>>);

impl Publisher for Sent {
    async fn publish(&self, _topic: &str, m: &Message) -> Result<String, ApiError> {
        let mut s = self.0.lock().unwrap();
        s.push(m.clone());
        Ok(format!("msg-{}", s.len()))
    }
}
