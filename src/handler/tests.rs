//! The handler over fakes: an AWS estate in memory, a recording publisher, broken
//! state stores; what each kind of event and failure makes of a run.

use super::*;
use crate::aws::{ApiError, ApiErrorKind};
use crate::inventory::*;
use crate::probe::NoProbe;
use crate::publish::sns::Message;
use crate::testkit::{self, cert, now};
use serde_json::json;
use std::sync::Mutex;

/// An AWS estate in memory; `fail` names operations that fail as throttled.
#[derive(Default)]
struct FakeAws {
    certs: Vec<Certificate>,
    lbs: Vec<LoadBalancer>,
    api_domains: Vec<ApiDomain>,
    /// IAM server certificates, by ARN.
    iam: Vec<Certificate>,
    /// `acm-doctor:mute` tags, as `GetResources` would return them.
    tags: Vec<MuteTag>,
    fail: Vec<&'static str>,
}

fn err(op: &'static str) -> ApiError {
    ApiError {
        service: "fake",
        operation: op,
        region: Some("us-east-1".into()),
        kind: ApiErrorKind::Throttled,
        message: "ThrottlingException: Rate exceeded".into(),
    }
}

impl AwsReader for FakeAws {
    async fn list_certificates(&self, _region: &str) -> Result<Vec<Certificate>, ApiError> {
        if self.fail.contains(&"ListCertificates") {
            return Err(err("ListCertificates"));
        }
        Ok(self
            .certs
            .iter()
            .map(|c| Certificate {
                described: false,
                ..c.clone()
            })
            .collect())
    }
    async fn describe_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        self.certs
            .iter()
            .find(|c| c.arn == arn)
            .cloned()
            .ok_or_else(|| err("DescribeCertificate"))
    }
    async fn get_certificate(&self, _arn: &str) -> Result<CertificatePem, ApiError> {
        Err(err("GetCertificate"))
    }
    async fn load_balancers(
        &self,
        _region: &str,
    ) -> Result<(Vec<LoadBalancer>, Vec<ApiError>), ApiError> {
        if self.fail.contains(&"DescribeLoadBalancers") {
            return Err(err("DescribeLoadBalancers"));
        }
        Ok((self.lbs.clone(), vec![]))
    }
    async fn classic_load_balancers(&self, _region: &str) -> Result<Vec<LoadBalancer>, ApiError> {
        if self.fail.contains(&"elb:DescribeLoadBalancers") {
            return Err(err("elb:DescribeLoadBalancers"));
        }
        Ok(vec![])
    }
    async fn api_domains(&self, _region: &str) -> Result<Vec<ApiDomain>, ApiError> {
        if self.fail.contains(&"GetDomainNames") {
            return Err(err("GetDomainNames"));
        }
        Ok(self.api_domains.clone())
    }
    async fn server_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        self.iam
            .iter()
            .find(|c| c.arn == arn)
            .cloned()
            .ok_or_else(|| err("GetServerCertificate"))
    }
    async fn distributions(&self) -> Result<Vec<Distribution>, ApiError> {
        if self.fail.contains(&"ListDistributions") {
            return Err(err("ListDistributions"));
        }
        Ok(vec![])
    }
    async fn dns_records(&self) -> Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError> {
        Ok((vec![], vec![]))
    }
    async fn mute_tags(&self, _region: &str) -> Result<Vec<MuteTag>, ApiError> {
        if self.fail.contains(&"GetResources") {
            return Err(err("GetResources"));
        }
        Ok(self.tags.clone())
    }
}

#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Message>>,
    fail: bool,
}

impl Publisher for Recorder {
    async fn publish(&self, _topic: &str, m: &Message) -> Result<String, ApiError> {
        if self.fail {
            return Err(ApiError::local(
                "sns",
                "Publish",
                None,
                "AuthorizationError: not allowed",
            ));
        }
        let mut s = self.sent.lock().unwrap();
        s.push(m.clone());
        Ok(format!("msg-{}", s.len()))
    }
}

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:findings";

fn estate() -> FakeAws {
    let mut expiring = cert("exp", &["shop.example.com"], 3);
    expiring.in_use = Some(true);
    let mut lb = testkit::alb("shop");
    lb.listeners.push(testkit::with_certs(
        testkit::listener("shop", 443, "HTTPS", testkit::forward()),
        "exp",
        &[],
    ));
    lb.listeners
        .push(testkit::listener("shop", 80, "HTTP", testkit::forward()));
    FakeAws {
        certs: vec![expiring, cert("unused", &["old.example.com"], 200)],
        lbs: vec![lb],
        ..Default::default()
    }
}

fn engine(aws: FakeAws, publisher: Recorder, min: Severity) -> Engine<FakeAws, Recorder, NoProbe> {
    let config = Config {
        findings_topic_arn: Some(TOPIC.into()),
        min_severity: min,
        ..Default::default()
    };
    Engine {
        reader: aws,
        publisher,
        prober: NoProbe,
        state: NoState,
        hub: NoHub,
        archive: crate::publish::archive::NoArchive,
        config,
    }
}

/// One scheduled invocation at the fixed clock.
async fn on_schedule<S: StateStore>(
    e: &Engine<FakeAws, Recorder, NoProbe, S>,
) -> Result<RunOutcome, HandlerError> {
    e.handle_event(
        &event("aws.events", "Scheduled Event", json!([])),
        now(),
        "run-1".into(),
    )
    .await
}

fn event(source: &str, detail_type: &str, resources: serde_json::Value) -> serde_json::Value {
    json!({"version": "0", "id": "e1", "detail-type": detail_type, "source": source, "account": "123456789012",
           "time": "2026-11-28T06:00:00Z", "region": "us-east-1", "resources": resources, "detail": {}})
}

#[tokio::test]
async fn schedule_scans_and_publishes_with_attributes() {
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let out = on_schedule(&e).await.unwrap();
    assert_eq!(out.summary.status, "published");
    assert_eq!(out.summary.highest, Some(Severity::Critical));
    let sent = e.publisher.sent.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].severity, Severity::Critical);
    assert!(sent[0].causes.contains(&"expired".to_string()));
    assert!(sent[0].causes.contains(&"http-not-redirected".to_string()));
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(body["default"].as_str().unwrap()).unwrap();
    assert_eq!(report["schema"], "acm-doctor.report.v1");
    assert!(body["email"].as_str().unwrap().contains("Fix 1:"));
}

#[tokio::test]
async fn acm_event_scopes_the_run_to_its_certificate() {
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let arn = testkit::cert_arn("unused");
    let out = e
        .handle_event(
            &event("aws.acm", "ACM Certificate Available", json!([arn])),
            now(),
            "run-2".into(),
        )
        .await
        .unwrap();
    let report = out.report.unwrap();
    assert_eq!(report.scanned.certificates, 1);
    assert_eq!(
        report.scanned.load_balancers, 0,
        "the shop ALB does not use this certificate"
    );
    assert!(
        report.findings.iter().all(|f| f.resource == arn),
        "{:?}",
        report.findings
    );
}

#[tokio::test]
async fn unknown_event_is_ignored_without_scanning() {
    let e = engine(
        FakeAws {
            fail: vec!["ListCertificates", "DescribeLoadBalancers"],
            ..estate()
        },
        Recorder::default(),
        Severity::Low,
    );
    let out = e
        .handle_event(
            &event(
                "aws.ec2",
                "EC2 Instance State-change Notification",
                json!([]),
            ),
            now(),
            "r".into(),
        )
        .await
        .unwrap();
    assert_eq!(out.summary.status, "ignored");
    assert!(out.report.is_none());
    assert!(e.publisher.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_event_is_a_non_retryable_error() {
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let err = e
        .handle_event(
            &event("aws.acm", "ACM Certificate Expired", json!([])),
            now(),
            "r".into(),
        )
        .await
        .unwrap_err();
    assert!(!err.retryable());
    assert_eq!(err.error_type(), "NonRetryable.MalformedEvent");
    let err = e
        .handle_event(&json!("not an event"), now(), "r".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("malformed event"));
}

#[tokio::test]
async fn a_failing_api_is_skipped_and_the_rest_still_reported() {
    let e = engine(
        FakeAws {
            fail: vec!["DescribeLoadBalancers", "ListDistributions"],
            ..estate()
        },
        Recorder::default(),
        Severity::Low,
    );
    let out = on_schedule(&e).await.unwrap();
    let report = out.report.unwrap();
    let skipped: Vec<&str> = report.skipped.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(
        skipped,
        vec!["fake:DescribeLoadBalancers", "fake:ListDistributions"]
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "certificate_expiring"),
        "certificate findings survive"
    );
    assert!(
        report
            .email_digest()
            .contains("fake:DescribeLoadBalancers in us-east-1: ThrottlingException")
    );
}

#[tokio::test]
async fn nothing_is_published_below_min_severity() {
    let mut aws = estate();
    aws.certs.remove(0);
    aws.lbs.clear();
    let e = engine(aws, Recorder::default(), Severity::Medium);
    let out = on_schedule(&e).await.unwrap();
    assert_eq!(out.summary.status, "below-threshold");
    assert_eq!(
        out.summary.findings, 1,
        "the low finding stays in the summary"
    );
    assert!(e.publisher.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn publish_failure_is_retryable() {
    let e = engine(
        estate(),
        Recorder {
            fail: true,
            ..Default::default()
        },
        Severity::Low,
    );
    let err = on_schedule(&e).await.unwrap_err();
    assert!(err.retryable());
    assert!(err.to_string().contains("AuthorizationError"));
}

/// A state table that cannot be reached.
struct BrokenState;

impl StateStore for BrokenState {
    async fn load(&self) -> Result<Vec<crate::finding::FindingRecord>, ApiError> {
        Err(
            ApiError::local("dynamodb", "Scan", None, "AccessDeniedException")
                .on("acm-doctor-state"),
        )
    }
    async fn save(
        &self,
        _u: &[crate::finding::FindingRecord],
        _d: &[String],
    ) -> Result<(), ApiError> {
        Err(ApiError::local(
            "dynamodb",
            "BatchWriteItem",
            None,
            "unreachable",
        ))
    }
}

#[tokio::test]
async fn a_broken_state_store_degrades_to_reporting_everything() {
    let base = engine(estate(), Recorder::default(), Severity::Low);
    let e = Engine {
        reader: base.reader,
        publisher: base.publisher,
        prober: NoProbe,
        state: BrokenState,
        hub: NoHub,
        archive: crate::publish::archive::NoArchive,
        config: base.config,
    };
    let out = on_schedule(&e).await.unwrap();
    assert_eq!(out.summary.status, "published");
    assert_eq!(out.summary.notified, out.summary.findings, "never silence");
    assert_eq!(e.publisher.sent.lock().unwrap().len(), 1);
}

/// A PEM body IAM would return for a test leaf.
fn iam_body(spec: &testkit::LeafSpec) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(testkit::test_ca().leaf(spec));
    format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
}

/// Regression (real estates): an IAM server certificate on a listener was sent to ACM's
/// DescribeCertificate and came back as a skipped read. Item 9: it is read from IAM and
/// judged for expiry and names; its twin far from expiry is not news.
#[tokio::test]
async fn an_iam_server_certificate_is_judged_from_iam_never_described_by_acm() {
    let iam = "arn:aws:iam::123456789012:server-certificate/legacy-2019";
    for (days, expect_finding) in [(10, true), (200, false)] {
        let mut aws = estate();
        let mut spec = testkit::LeafSpec::new(&["legacy.example.com"]);
        spec.not_after = now() + chrono::Duration::days(days);
        aws.iam.push(crate::inventory::sdk::iam::server_certificate(
            iam,
            &iam_body(&spec),
            None,
        ));
        let mut lb = testkit::alb("legacy");
        lb.listeners.push(testkit::with_certs(
            testkit::listener("legacy", 443, "HTTPS", testkit::forward()),
            "exp",
            &[],
        ));
        lb.listeners[0].certificates[0].arn = iam.into();
        aws.lbs.push(lb);
        let e = engine(aws, Recorder::default(), Severity::Low);
        let report = on_schedule(&e).await.unwrap().report.unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        let about: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.resource == iam)
            .map(|f| f.check.as_str())
            .collect();
        if expect_finding {
            assert_eq!(about, ["certificate_expiring"], "{days} days");
            let f = report.findings.iter().find(|f| f.resource == iam).unwrap();
            assert!(f.detail.contains("IAM server certificate"), "{}", f.detail);
            assert!(
                f.remediation
                    .iter()
                    .any(|c| c.contains("request-certificate --domain-name legacy.example.com"))
            );
        } else {
            assert!(about.is_empty(), "{days} days: {about:?}");
        }
    }
}

/// A `CT_LOG_LIST` that cannot be used never fails the run: the bundled list judges the
/// SCTs and the report names the failed list and the fallback.
#[tokio::test]
async fn an_unusable_ct_log_list_falls_back_to_the_bundled_one_and_says_so() {
    let mut config = engine(estate(), Recorder::default(), Severity::Low).config;
    config.ct_log_list = Some("/nonexistent/log_list.json".into());
    // The list is read only when something was probed.
    let e = Engine {
        reader: estate(),
        publisher: Recorder::default(),
        prober: SeesHosts,
        state: NoState,
        hub: NoHub,
        archive: crate::publish::archive::NoArchive,
        config,
    };
    let out = e
        .handle_event(
            &event("aws.events", "Scheduled Event", json!([])),
            now(),
            "ct".into(),
        )
        .await
        .unwrap();
    let report = out.report.unwrap();
    let ct: Vec<&crate::inventory::Skipped> = report
        .skipped
        .iter()
        .filter(|s| s.what == "CT_LOG_LIST")
        .collect();
    assert_eq!(ct.len(), 1, "{:?}", report.skipped);
    assert!(ct[0].reason.contains("/nonexistent/log_list.json"));
    assert!(
        ct[0].reason.contains("2025-06-22 (bundled)"),
        "{}",
        ct[0].reason
    );
    // Its twin: no CT_LOG_LIST, nothing skipped about it.
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert!(report.skipped.iter().all(|s| s.what != "CT_LOG_LIST"));
}

/// Issue 11: with nothing readable (no credentials, denied, endpoint down) the run is
/// not a clean estate: a high `scan_incomplete` finding is published. Its twin: the
/// healthy run has no such finding.
#[tokio::test]
async fn a_run_that_could_read_nothing_is_published_as_incomplete() {
    let aws = FakeAws {
        fail: vec![
            "ListCertificates",
            "DescribeLoadBalancers",
            "elb:DescribeLoadBalancers",
            "GetDomainNames",
            "ListDistributions",
        ],
        ..Default::default()
    };
    let e = engine(aws, Recorder::default(), Severity::Low);
    let out = on_schedule(&e).await.unwrap();
    assert_eq!(out.summary.status, "published");
    assert!(out.summary.incomplete);
    assert!(out.metrics.iter().any(|m| m["IncompleteRuns"] == 1));
    let report = out.report.unwrap();
    let gaps: Vec<&crate::finding::Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == "scan_incomplete")
        .collect();
    assert_eq!(gaps.len(), 1, "{:#?}", report.findings);
    assert_eq!(gaps[0].severity, Severity::High);
    assert_eq!(e.publisher.sent.lock().unwrap().len(), 1);
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let out = on_schedule(&e).await.unwrap();
    assert!(!out.summary.incomplete);
    assert!(out.metrics.iter().any(|m| m["IncompleteRuns"] == 0));
    let report = out.report.unwrap();
    assert!(report.findings.iter().all(|f| f.check != "scan_incomplete"));
}

/// A prober that reaches every host and sees nothing there (facts left empty).
struct SeesHosts;

impl Prober for SeesHosts {
    async fn probe(
        &self,
        targets: Vec<ProbeTarget>,
        _names: Vec<String>,
        _deadline: Option<std::time::Instant>,
    ) -> crate::probe::ProbeResults {
        crate::probe::ProbeResults {
            hosts: targets
                .iter()
                .map(|t| crate::probe::HostFacts::new(&t.hostname))
                .collect(),
            ..Default::default()
        }
    }
}

/// A prober that sees the deadline it is given and, like the network prober with too
/// little time left, starts nothing.
#[derive(Default)]
struct OutOfTime {
    got: Mutex<Option<Option<std::time::Instant>>>,
}

impl Prober for OutOfTime {
    async fn probe(
        &self,
        targets: Vec<ProbeTarget>,
        _names: Vec<String>,
        deadline: Option<std::time::Instant>,
    ) -> crate::probe::ProbeResults {
        *self.got.lock().unwrap() = Some(deadline);
        crate::probe::ProbeResults {
            unprobed: targets
                .into_iter()
                .map(|t| crate::probe::Unprobed {
                    hostname: t.hostname,
                    reason: "not probed: the invocation's deadline was too near to start it".into(),
                })
                .collect(),
            ..Default::default()
        }
    }
}

/// Issue 11: an invocation a second from its deadline still publishes what it read,
/// naming every host it did not probe; the prober is told to stop before the deadline.
/// The twin: without a deadline nothing is said about time.
#[tokio::test]
async fn a_deadline_too_near_to_probe_publishes_the_inventory_and_names_the_hosts() {
    let config = Config {
        findings_topic_arn: Some(TOPIC.into()),
        probe_enabled: true,
        ..Default::default()
    };
    let e = Engine {
        reader: estate(),
        publisher: Recorder::default(),
        prober: OutOfTime::default(),
        state: NoState,
        hub: NoHub,
        archive: crate::publish::archive::NoArchive,
        config,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    let schedule = event("aws.events", "Scheduled Event", json!([]));
    let out = e
        .handle_event_until(&schedule, now(), "late".into(), Some(deadline))
        .await
        .unwrap();
    let told = e.prober.got.lock().unwrap().unwrap().unwrap();
    assert!(told < deadline, "probing stops before the deadline");
    assert_eq!(out.summary.status, "published");
    let report = out.report.unwrap();
    let gap = report
        .findings
        .iter()
        .find(|f| f.check == "scan_incomplete")
        .expect("the run is incomplete");
    assert_eq!(gap.severity, Severity::Medium);
    assert!(
        gap.detail.contains("probe shop.example.com"),
        "{}",
        gap.detail
    );
    assert!(gap.remediation.iter().any(|s| s.contains("Timeout")));
    // What the inventory shows is still reported.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "certificate_expiring")
    );
    // Twin: no deadline, nothing unprobed, no gap.
    let e = Engine {
        prober: NoProbe,
        ..engine(estate(), Recorder::default(), Severity::Low)
    };
    let out = e.handle_event(&schedule, now(), "t".into()).await.unwrap();
    let report = out.report.unwrap();
    assert!(report.findings.iter().all(|f| f.check != "scan_incomplete"));
}

/// Issue 11: an event naming more certificates than one run takes scans the first
/// MAX_EVENT_CERTIFICATES and names the rest, so the run says it is incomplete.
#[tokio::test]
async fn an_event_over_the_certificate_cap_names_what_it_left_out() {
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let arns: Vec<String> = (0..crate::trigger::MAX_EVENT_CERTIFICATES + 50)
        .map(|i| format!("arn:aws:acm:us-east-1:123456789012:certificate/c{i:04}"))
        .collect();
    let out = e
        .handle_event(
            &event("aws.acm", "ACM Certificate Expired", json!(arns)),
            now(),
            "many".into(),
        )
        .await
        .unwrap();
    let report = out.report.unwrap();
    let s = report
        .skipped
        .iter()
        .find(|s| s.what == "50 more certificates the event named")
        .expect("named");
    assert!(s.reason.contains("c0100"), "{}", s.reason);
    assert!(report.findings.iter().any(|f| f.check == "scan_incomplete"));
}

/// Probing keeps PUBLISH_RESERVE for publishing out of a Lambda's usual five minutes,
/// and a quarter of what is left of a short timeout (30 s under `cargo lambda watch`),
/// so a short function still probes.
#[test]
fn the_probe_deadline_keeps_time_to_publish() {
    use std::time::{Duration, Instant};
    let long = Instant::now() + Duration::from_secs(300);
    let stop = probe_deadline(long);
    assert!(long - stop == PUBLISH_RESERVE);
    let short = Instant::now() + Duration::from_secs(30);
    let left = probe_deadline(short).saturating_duration_since(Instant::now());
    assert!(
        left >= Duration::from_secs(22) && left <= Duration::from_millis(22_600),
        "{left:?}"
    );
    let past = Instant::now();
    assert!(probe_deadline(past) <= past);
}

/// Lambda sends the deadline in epoch milliseconds; an emulator's duration or zero is
/// no deadline (taken as a time it would stop every probe before it starts).
#[test]
fn an_emulators_deadline_is_no_deadline() {
    let now_ms = 1_796_180_000_000;
    assert_eq!(
        time_left(now_ms + 300_000, now_ms),
        Some(std::time::Duration::from_secs(300))
    );
    assert_eq!(
        time_left(now_ms - 5, now_ms),
        Some(std::time::Duration::ZERO),
        "a real deadline already past"
    );
    assert_eq!(time_left(600_000, now_ms), None, "cargo lambda watch");
    assert_eq!(time_left(0, now_ms), None);
}

/// A bucket every write to which is refused.
struct DeniedBucket;

impl ReportStore for DeniedBucket {
    async fn put(&self, key: &str, _body: String) -> Result<(), ApiError> {
        Err(ApiError {
            service: "s3",
            operation: "PutObject",
            region: None,
            kind: ApiErrorKind::AccessDenied,
            message: format!("AccessDenied: not allowed to write {key}"),
        })
    }
    async fn get(&self, _key: &str) -> Result<String, ApiError> {
        unreachable!("the one-account run only writes")
    }
    fn location(&self, key: &str) -> String {
        format!("s3://denied/{key}")
    }
}

fn with_archive<B: ReportStore>(
    archive: B,
) -> Engine<FakeAws, Recorder, NoProbe, NoState, NoHub, B> {
    let base = engine(estate(), Recorder::default(), Severity::Low);
    Engine {
        reader: base.reader,
        publisher: base.publisher,
        prober: NoProbe,
        state: NoState,
        hub: NoHub,
        archive,
        config: base.config,
    }
}

/// Issue 12: with `RUN_BUCKET`, a one-account run keeps its whole report in S3 (the
/// same JSON as the report) and both the published report and the digest say where.
#[tokio::test]
async fn a_configured_bucket_keeps_the_whole_report_and_the_digest_names_it() {
    let e = with_archive(crate::org::fakes::MemBucket::default());
    let out = e
        .handle_event(
            &event("aws.events", "Scheduled Event", json!([])),
            now(),
            "run-9".into(),
        )
        .await
        .unwrap();
    assert_eq!(
        out.summary.full_report.as_deref(),
        Some("s3://runs-bucket/runs/run-9/report.json")
    );
    assert_eq!(out.summary.archive_error, None);
    let kept = e
        .archive
        .objects
        .lock()
        .unwrap()
        .get("runs/run-9/report.json")
        .cloned()
        .unwrap();
    let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
    assert_eq!(kept["schema"], "acm-doctor.report.v1");
    assert_eq!(
        kept["findings"].as_array().unwrap().len(),
        out.summary.findings
    );
    let sent = e.publisher.sent.lock().unwrap();
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(body["default"].as_str().unwrap()).unwrap();
    assert_eq!(
        report["full_report"],
        "s3://runs-bucket/runs/run-9/report.json"
    );
    assert!(
        body["email"]
            .as_str()
            .unwrap()
            .contains("s3://runs-bucket/runs/run-9/report.json")
    );
}

/// The twin: without a bucket nothing names a full report.
#[tokio::test]
async fn without_a_bucket_no_full_report_is_named() {
    let e = engine(estate(), Recorder::default(), Severity::Low);
    let out = on_schedule(&e).await.unwrap();
    assert_eq!(out.summary.full_report, None);
    assert_eq!(out.summary.archive_error, None);
    let sent = e.publisher.sent.lock().unwrap();
    assert!(!sent[0].body.contains("full_report"));
}

/// A refused write costs only the archive: the report is published, the summary says why.
#[tokio::test]
async fn a_refused_bucket_write_still_publishes_and_says_why() {
    let e = with_archive(DeniedBucket);
    let out = e
        .handle_event(
            &event("aws.events", "Scheduled Event", json!([])),
            now(),
            "run-10".into(),
        )
        .await
        .unwrap();
    assert_eq!(out.summary.status, "published");
    assert_eq!(out.summary.full_report, None);
    assert!(
        out.summary
            .archive_error
            .as_deref()
            .unwrap()
            .contains("AccessDenied"),
        "{:?}",
        out.summary.archive_error
    );
    let sent = e.publisher.sent.lock().unwrap();
    assert!(!sent[0].body.contains("s3://denied"));
}

fn with_mute_file(text: &str, name: &str) -> Engine<FakeAws, Recorder, NoProbe> {
    let path = std::env::temp_dir().join(format!(
        "acm-doctor-mute-{}-{name}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let mut e = engine(estate(), Recorder::default(), Severity::Low);
    e.config.mute_file = Some(path.display().to_string());
    e
}

/// Issue 13: MUTE_FILE mutes a whole account's findings of one check until its date;
/// they are counted in `muted`, not sent.
#[tokio::test]
async fn the_mute_file_keeps_findings_out_and_counts_them() {
    let plain = engine(estate(), Recorder::default(), Severity::Low);
    let all = on_schedule(&plain).await.unwrap().report.unwrap();
    let check = all
        .findings
        .iter()
        .find(|f| f.check != "scan_incomplete")
        .unwrap()
        .check
        .clone();
    let n = all.findings.iter().filter(|f| f.check == check).count();
    let e = with_mute_file(
        &format!(
            "mutes:\n  - check: {check}\n    account: \"123456789012\"\n    reason: accepted risk (RISK-7)\n    until: 2027-01-31\n"
        ),
        "ok",
    );
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert_eq!(report.muted.len(), n);
    assert!(
        report
            .muted
            .iter()
            .all(|m| m.check == check && m.reason.contains("RISK-7"))
    );
    assert_eq!(report.findings.len(), all.findings.len() - n);
    assert!(report.findings.iter().all(|f| f.check != check));
    let sent = e.publisher.sent.lock().unwrap();
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    let json: serde_json::Value = serde_json::from_str(body["default"].as_str().unwrap()).unwrap();
    assert_eq!(json["muted"].as_array().unwrap().len(), n);
}

/// The twin: a mute file that cannot be used mutes nothing, and the report says why
/// (a deliberate skip, not an incomplete scan).
#[tokio::test]
async fn a_broken_mute_file_mutes_nothing_and_says_so() {
    let plain = engine(estate(), Recorder::default(), Severity::Low);
    let all = on_schedule(&plain).await.unwrap().report.unwrap();
    let e = with_mute_file(
        "mutes:\n  - check: no_such_check\n    hostname: a\n    reason: r\n    until: 2027-01-01\n",
        "bad",
    );
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert!(report.muted.is_empty());
    assert_eq!(report.findings.len(), all.findings.len());
    let skip = report
        .skipped
        .iter()
        .find(|s| s.what == "MUTE_FILE")
        .expect("named");
    assert!(
        skip.reason.contains("no_such_check") && skip.reason.contains("nothing was muted"),
        "{}",
        skip.reason
    );
    assert_eq!(report.incomplete(), all.incomplete());
}

/// The estate's report with nothing muted, and a finding on it that can be muted.
async fn unmuted() -> (crate::report::Report, crate::finding::Finding) {
    let plain = engine(estate(), Recorder::default(), Severity::Low);
    let all = on_schedule(&plain).await.unwrap().report.unwrap();
    let target = all
        .findings
        .iter()
        .find(|f| f.check != "scan_incomplete")
        .unwrap()
        .clone();
    (all, target)
}

fn with_tags(tags: Vec<MuteTag>) -> Engine<FakeAws, Recorder, NoProbe> {
    let mut e = engine(estate(), Recorder::default(), Severity::Low);
    e.reader.tags = tags;
    e
}

/// Issue 13: the tag `acm-doctor:mute=<check>` mutes that check on the tagged resource
/// only: the same check elsewhere and other checks on it stay reported.
#[tokio::test]
async fn a_mute_tag_mutes_its_check_on_its_resource_only() {
    let (all, target) = unmuted().await;
    let hit =
        |f: &crate::finding::Finding| f.check == target.check && f.resource == target.resource;
    let n = all.findings.iter().filter(|f| hit(f)).count();
    let e = with_tags(vec![MuteTag {
        resource: target.resource.clone(),
        value: target.check.clone(),
    }]);
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert_eq!(report.muted.len(), n);
    assert!(
        report
            .muted
            .iter()
            .all(|m| m.reason.contains("acm-doctor:mute"))
    );
    assert_eq!(report.findings.len(), all.findings.len() - n);
    assert!(!report.findings.iter().any(hit));
    // Everything not matching both the check and the resource is still there.
    let kept: Vec<&str> = all
        .findings
        .iter()
        .filter(|f| !hit(f))
        .map(|f| f.id.as_str())
        .collect();
    let now_kept: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(kept, now_kept);
}

/// A tag naming a check that does not exist (or `scan_incomplete`) is named in the
/// report; the valid names beside it still mute.
#[tokio::test]
async fn a_mute_tag_with_an_unknown_check_is_named_and_the_rest_honoured() {
    let (_, target) = unmuted().await;
    let e = with_tags(vec![MuteTag {
        resource: target.resource.clone(),
        value: format!("no_such_check,{},scan_incomplete", target.check),
    }]);
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert!(report.muted.iter().any(|m| m.id == target.id));
    let skip = report
        .skipped
        .iter()
        .find(|s| s.what.starts_with("tag acm-doctor:mute on "))
        .expect("named");
    assert!(
        skip.reason.contains("no_such_check, scan_incomplete"),
        "{}",
        skip.reason
    );
    assert_eq!(skip.kind, SkipKind::Deliberate);
}

/// The twin of the tag read: when `tag:GetResources` is refused nothing is muted by
/// tags, every finding is reported, and the report names the refused read (deliberate:
/// it hides nothing, so the run is not made incomplete by it).
#[tokio::test]
async fn a_refused_tag_read_mutes_nothing_and_says_so() {
    let plain = engine(estate(), Recorder::default(), Severity::Low);
    let all = on_schedule(&plain).await.unwrap().report.unwrap();
    let target = all.findings[0].clone();
    let mut e = with_tags(vec![MuteTag {
        resource: target.resource.clone(),
        value: "*".into(),
    }]);
    e.reader.fail.push("GetResources");
    let report = on_schedule(&e).await.unwrap().report.unwrap();
    assert!(report.muted.is_empty());
    assert_eq!(report.findings.len(), all.findings.len());
    let skip = report
        .skipped
        .iter()
        .find(|s| s.what == "fake:GetResources")
        .expect("named");
    assert!(
        skip.reason.contains("tags were not honoured"),
        "{}",
        skip.reason
    );
    assert_eq!(skip.kind, SkipKind::Deliberate);
    assert_eq!(report.incomplete(), all.incomplete());
}
