//! Security Hub sync over a fake hub, and the SDK adapter over recorded responses.

use super::*;
use crate::finding::{Finding, Severity};
use crate::testkit::{now, report_of};
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
    async fn active_findings(&self, product_arn: &str) -> Result<Vec<AsffFinding>, ApiError> {
        *self.listed.lock().unwrap() += 1;
        if self.fail_get {
            return Err(ApiError::local(
                "securityhub",
                "GetFindings",
                None,
                "InvalidAccessException: not subscribed",
            ));
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
    async fn import(&self, findings: &[AsffFinding]) -> Result<Imported, ApiError> {
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
    async fn mark_resolved(&self, _: &str, ids: &[String]) -> Result<(), ApiError> {
        self.resolved_calls.lock().unwrap().push(ids.to_vec());
        if self.fail_update {
            return Err(ApiError::local(
                "securityhub",
                "BatchUpdateFindings",
                None,
                "AccessDenied",
            ));
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
