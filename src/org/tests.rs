//! The organization run over fakes: fan-out, workers, fan-in, deadline, redelivery.

use super::fakes::*;
use super::*;
use crate::config::{Config, OrgAccounts};
use crate::finding::{Cause, Severity};
use crate::testkit::{finding, now};
use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::Value;

const A: &str = "111111111111";
const B: &str = "222222222222";
const C: &str = "333333333333";

type TestOrg = Org<MemRuns, MemBucket, MemQueue, Sent>;

fn org(accounts: &[&str]) -> TestOrg {
    let config = Config {
        org_accounts: Some(OrgAccounts::List(
            accounts.iter().map(|a| a.to_string()).collect(),
        )),
        scan_regions: vec!["us-east-1".into(), "eu-west-1".into()],
        findings_topic_arn: Some("arn:aws:sns:us-east-1:999999999999:findings".into()),
        ..Config::default()
    };
    Org {
        store: MemRuns::default(),
        bucket: MemBucket::default(),
        queue: MemQueue::default(),
        publisher: Sent::default(),
        state: crate::publish::state::NoState,
        config,
    }
}

/// The same hostname's finding in every account: ids must not merge across accounts.
fn www_finding() -> crate::finding::Finding {
    finding(
        "dns_not_associated",
        Severity::High,
        Cause::NotAssociated,
        "host:www.example.com",
    )
}

fn scanner(entries: &[(&str, Result<Vec<crate::finding::Finding>, ScanError>)]) -> FakeScanner {
    FakeScanner {
        accounts: entries
            .iter()
            .map(|(a, r)| (a.to_string(), r.clone()))
            .collect(),
        ..Default::default()
    }
}

/// The queued messages as one SQS event (ids `m0`, `m1`, …), delayed ones left out
/// unless `with_delayed`.
fn batch(org: &TestOrg, with_delayed: bool) -> SqsEvent {
    let sent = org.queue.sent.lock().unwrap();
    let bodies: Vec<(String, String)> = sent
        .iter()
        .filter(|(_, d)| with_delayed || d.is_zero())
        .enumerate()
        .map(|(i, (m, _))| (format!("m{i}"), serde_json::to_string(m).unwrap()))
        .collect();
    let refs: Vec<(&str, &str)> = bodies
        .iter()
        .map(|(i, b)| (i.as_str(), b.as_str()))
        .collect();
    event_of(&refs)
}

/// An SQS event as Lambda sends it (its types are non-exhaustive: built from JSON).
fn event_of(messages: &[(&str, &str)]) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            serde_json::json!({
                "messageId": id, "receiptHandle": "r", "body": body, "attributes": {},
                "messageAttributes": {}, "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:999999999999:shards", "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "Records": records })).unwrap()
}

/// The reports published (part 1 of each run carries the header).
fn published(org: &TestOrg) -> Vec<Value> {
    org.publisher
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|m| {
            let body: Value = serde_json::from_str(&m.body).unwrap();
            serde_json::from_str(body["default"].as_str().unwrap()).unwrap()
        })
        .collect()
}

async fn start(org: &TestOrg, run: &str) -> coordinator::Coordinated {
    org.coordinate(&FakeDirectory(Ok(vec![])), now(), run)
        .await
        .unwrap()
}

#[test]
fn the_event_and_the_environment_choose_the_role() {
    let sqs = serde_json::json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]});
    let scheduled = serde_json::json!({"detail-type": "Scheduled Event", "source": "aws.events"});
    let acm = serde_json::json!({"detail-type": "ACM Certificate Approaching Expiration"});
    assert_eq!(Role::of(&sqs, true), Role::Worker);
    assert_eq!(Role::of(&sqs, false), Role::Worker);
    assert_eq!(Role::of(&scheduled, true), Role::Coordinator);
    // Healthy twins: one-account mode stays exactly as it was.
    assert_eq!(Role::of(&scheduled, false), Role::Account);
    assert_eq!(Role::of(&acm, true), Role::Account);
}

#[tokio::test]
async fn a_run_fans_out_one_shard_per_account_and_publishes_one_report() {
    let org = org(&[A, B, C]);
    let started = start(&org, "run-1").await;
    assert_eq!((started.status, started.shards), ("fanned-out", 3));
    {
        let sent = org.queue.sent.lock().unwrap();
        assert_eq!(sent.len(), 4, "three shards and the deadline");
        assert!(
            matches!(&sent[0].0, QueueMessage::Shard { account_id, regions, .. }
            if account_id == A && regions.len() == 2)
        );
        assert!(matches!(&sent[3], (QueueMessage::Deadline { .. }, d) if d.as_secs() == 14 * 60));
    }
    let denied = format!("sts:AssumeRole arn:aws:iam::{C}:role/acm-doctor-scan: AccessDenied: no");
    let scan = scanner(&[
        (A, Ok(vec![www_finding()])),
        (B, Ok(vec![www_finding()])),
        (C, Err(ScanError::Denied(denied.clone()))),
    ]);
    let worked = org
        .handle_batch(&scan, &batch(&org, false), now(), None)
        .await;
    assert!(
        worked.response.batch_item_failures.is_empty(),
        "a denied account is not retried: {:?}",
        worked.records
    );
    let reports = published(&org);
    assert_eq!(reports.len(), 1, "one report for the whole run");
    let r = &reports[0];
    assert_eq!(r["run_id"], "run-1");
    let findings = r["findings"].as_array().unwrap();
    let www: Vec<&Value> = findings
        .iter()
        .filter(|f| f["check"] == "dns_not_associated")
        .collect();
    let mut accounts: Vec<&str> = www.iter().map(|f| f["account"].as_str().unwrap()).collect();
    accounts.sort();
    assert_eq!(
        accounts,
        [A, B],
        "each account's finding once, under its account"
    );
    assert_ne!(www[0]["id"], www[1]["id"]);
    let skipped = r["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["account"] == C && s["reason"].as_str().unwrap().contains("AccessDenied")),
        "{skipped:?}"
    );
    let incomplete: Vec<&Value> = findings
        .iter()
        .filter(|f| f["check"] == "scan_incomplete")
        .collect();
    assert_eq!(incomplete.len(), 1);
    assert!(
        incomplete[0]["title"]
            .as_str()
            .unwrap()
            .contains("1 account")
    );
    assert_eq!(r["accounts"].as_array().unwrap().len(), 3);
    assert_eq!(
        r["full_report"], "s3://runs-bucket/runs/run-1/report.json",
        "the whole report is kept in the bucket"
    );
    assert!(
        org.bucket
            .objects
            .lock()
            .unwrap()
            .contains_key("runs/run-1/report.json")
    );
    // The email opens with the accounts.
    let email = org.publisher.0.lock().unwrap()[0].body.clone();
    let email: Value = serde_json::from_str(&email).unwrap();
    let email = email["email"].as_str().unwrap();
    assert!(
        email.contains("Accounts: 2 scanned, 1 not scanned."),
        "{email}"
    );
    assert!(
        email.contains(&format!("{C}  not scanned: sts:AssumeRole")),
        "{email}"
    );
}

/// The invocation prints each account's EMF documents and, when it published the run,
/// the run's (findings per cause, incomplete runs): the dashboard and alarms see
/// organization runs too.
#[tokio::test]
async fn a_worker_hands_back_the_metrics_of_its_accounts_and_the_run() {
    let org = org(&[A, C]);
    start(&org, "run-1").await;
    let scan = scanner(&[
        (A, Ok(vec![www_finding()])),
        (C, Err(ScanError::Denied("AccessDenied".into()))),
    ]);
    let worked = org
        .handle_batch(&scan, &batch(&org, false), now(), None)
        .await;
    let metrics = worked.metrics();
    assert!(
        metrics.iter().any(|m| m["account"] == A),
        "A's own documents"
    );
    assert!(
        !metrics.iter().any(|m| m["account"] == C),
        "nothing scanned in C"
    );
    assert!(
        metrics.iter().any(|m| m["IncompleteRuns"] == 1),
        "the run (C not scanned) is an incomplete run: {metrics:?}"
    );
    assert!(
        metrics
            .iter()
            .any(|m| m["Cause"] == "not-associated" && m["Findings"] == 1)
    );
}

#[tokio::test]
async fn every_account_scanned_cleanly_is_a_complete_run() {
    let org = org(&[A, B]);
    start(&org, "run-1").await;
    let scan = scanner(&[(A, Ok(vec![])), (B, Ok(vec![]))]);
    let worked = org
        .handle_batch(&scan, &batch(&org, false), now(), None)
        .await;
    assert!(worked.response.batch_item_failures.is_empty());
    let run = org.store.run("run-1").await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Published);
    let report: Value =
        serde_json::from_str(&org.bucket.objects.lock().unwrap()["runs/run-1/report.json"])
            .unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    assert!(report["skipped"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_redelivered_shard_is_neither_scanned_nor_counted_twice() {
    let org = org(&[A, B]);
    start(&org, "run-1").await;
    let scan = scanner(&[(A, Ok(vec![www_finding()]))]);
    let first = event_of(&[(
        "m0",
        &serde_json::to_string(&QueueMessage::Shard {
            run_id: "run-1".into(),
            account_id: A.into(),
            regions: vec!["us-east-1".into()],
        })
        .unwrap(),
    )]);
    org.handle_batch(&scan, &first, now(), None).await;
    let again = org.handle_batch(&scan, &first, now(), None).await;
    assert_eq!(again.records[0].outcome, "already-finished");
    assert_eq!(*scan.scans.lock().unwrap(), [A]);
    assert_eq!(*org.store.counted.lock().unwrap(), 1);
    assert_eq!(org.store.run("run-1").await.unwrap().unwrap().finished, 1);
    assert!(published(&org).is_empty(), "B is not done yet");
}

#[tokio::test]
async fn a_throttled_role_goes_back_to_the_queue_and_nothing_is_published() {
    let org = org(&[A]);
    start(&org, "run-1").await;
    let scan = scanner(&[(A, Err(ScanError::Retry("Throttling".into())))]);
    let worked = org
        .handle_batch(&scan, &batch(&org, false), now(), None)
        .await;
    assert_eq!(worked.response.batch_item_failures.len(), 1);
    assert_eq!(worked.response.batch_item_failures[0].item_identifier, "m0");
    let shard = org.store.shard("run-1", A).await.unwrap().unwrap();
    assert_eq!(shard.state, ShardState::Pending);
    assert!(published(&org).is_empty());
}

#[tokio::test]
async fn the_deadline_publishes_what_is_done_and_names_the_missing_account() {
    let org = org(&[A, B]);
    start(&org, "run-1").await;
    let scan = scanner(&[(A, Ok(vec![www_finding()]))]);
    // Only A's message is worked; B's worker died and its message is still hidden.
    let mut only_a = batch(&org, false);
    only_a.records.truncate(1);
    org.handle_batch(&scan, &only_a, now(), None).await;
    assert!(published(&org).is_empty());
    let deadline = now() + chrono::Duration::minutes(14);
    let due = event_of(&[(
        "d",
        &serde_json::to_string(&QueueMessage::Deadline {
            run_id: "run-1".into(),
            deadline,
        })
        .unwrap(),
    )]);
    // Early (SQS holds a message at most 15 minutes): queued again for the rest.
    let early = org.handle_batch(&scan, &due, now(), None).await;
    assert_eq!(early.records[0].outcome, "deadline-requeued");
    assert!(published(&org).is_empty());
    let at = deadline + chrono::Duration::seconds(1);
    let worked = org.handle_batch(&scan, &due, at, None).await;
    assert_eq!(worked.records[0].outcome, "published");
    let reports = published(&org);
    assert_eq!(reports.len(), 1);
    let skipped = reports[0]["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["account"] == B
            && s["reason"]
                .as_str()
                .unwrap()
                .contains("ORG_DEADLINE_MINUTES")),
        "{skipped:?}"
    );
    // B's late message is not scanned into a run already published, nor published again.
    let late = batch(&org, false);
    let worked = org.handle_batch(&scan, &late, at, None).await;
    assert!(worked.records.iter().all(|r| r.outcome != "retry"));
    assert!(worked.records.iter().any(|r| r.outcome == "late"));
    assert_eq!(published(&org).len(), 1);
    assert!(!scan.scans.lock().unwrap().contains(&B.to_string()));
}

#[tokio::test]
async fn an_overdue_run_is_published_by_the_next_coordinator() {
    let org = org(&[A]);
    start(&org, "run-1").await;
    // Every worker died; the deadline message went to the dead-letter queue.
    let next = now() + chrono::Duration::hours(24);
    let started = org
        .coordinate(&FakeDirectory(Ok(vec![])), next, "run-2")
        .await
        .unwrap();
    assert_eq!(started.overdue_published, ["run-1"]);
    let reports = published(&org);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["run_id"], "run-1");
}

#[tokio::test]
async fn a_retried_coordinator_records_its_run_once() {
    let org = org(&[A, B]);
    assert!(start(&org, "run-1").await.new_run);
    let scan = scanner(&[(A, Ok(vec![]))]);
    let mut only_a = batch(&org, false);
    only_a.records.truncate(1);
    org.handle_batch(&scan, &only_a, now(), None).await;
    let again = start(&org, "run-1").await;
    assert!(!again.new_run);
    // A's finished shard was not reset by the retry.
    let a = org.store.shard("run-1", A).await.unwrap().unwrap();
    assert_eq!(a.state, ShardState::Done);
}

#[tokio::test]
async fn accounts_that_cannot_be_listed_are_published_as_an_incomplete_run() {
    let mut org = org(&[]);
    org.config.org_accounts = Some(OrgAccounts::Organization);
    let denied = crate::aws::ApiError::local(
        "organizations",
        "ListAccounts",
        None,
        "AccessDeniedException: not the management account",
    );
    let out = org
        .coordinate(&FakeDirectory(Err(denied)), now(), "run-1")
        .await
        .unwrap();
    assert_eq!((out.status, out.shards), ("incomplete", 0));
    assert!(org.queue.sent.lock().unwrap().is_empty());
    let reports = published(&org);
    assert_eq!(reports.len(), 1);
    let f = &reports[0]["findings"][0];
    assert_eq!(f["check"], "scan_incomplete");
    assert_eq!(f["severity"], "high");
    assert!(f["detail"].as_str().unwrap().contains("ListAccounts"));
}

#[tokio::test]
async fn a_malformed_or_unknown_message_is_returned_never_a_crash() {
    let org = org(&[A]);
    let scan = scanner(&[]);
    let unknown = serde_json::to_string(&QueueMessage::Shard {
        run_id: "nope".into(),
        account_id: A.into(),
        regions: vec![],
    })
    .unwrap();
    let event = event_of(&[
        ("bad", "{\"kind\":\"shard\""),
        ("x", "\u{1b}[31m"),
        ("u", &unknown),
    ]);
    let worked = org.handle_batch(&scan, &event, now(), None).await;
    let ids: Vec<&str> = worked
        .response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(ids, ["bad", "x", "u"]);
    assert!(scan.scans.lock().unwrap().is_empty());
}

#[tokio::test]
async fn records_not_started_before_the_deadline_go_back_to_the_queue() {
    let org = org(&[A]);
    start(&org, "run-1").await;
    let scan = scanner(&[]);
    let soon = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let worked = org
        .handle_batch(&scan, &batch(&org, false), now(), Some(soon))
        .await;
    assert_eq!(worked.response.batch_item_failures.len(), 1);
    assert!(scan.scans.lock().unwrap().is_empty());
}

#[test]
fn session_names_are_what_sts_accepts() {
    assert_eq!(
        sdk::session_name("5e0b0f1c-aaaa"),
        "acm-doctor-5e0b0f1c-aaaa"
    );
    let hostile = sdk::session_name(&format!("a b\u{1b}/{}", "x".repeat(100)));
    assert!(hostile.len() <= 64 && !hostile.contains(' ') && !hostile.contains('/'));
}
