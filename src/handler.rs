//! The handler: one run of the pipeline, trigger → inventory → probe → checks → report
//! → publish. Generic over the AWS boundary so tests drive it with fakes.

use crate::checks::trust::TrustStore;
use crate::checks::{self, Context, Severity};
use crate::config::Config;
use crate::inventory::{self, AwsReader};
use crate::probe::{ProbeTarget, Prober};
use crate::publish::securityhub::{HubSummary, NoHub, SecurityHub};
use crate::publish::state::{NoState, Plan, StateStore, plan};
use crate::publish::{self, PublishError, Publisher};
use crate::report::{Report, Scanned, account_of};
use crate::trigger::{self, Scope, Trigger, TriggerError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a run failed as a whole. Everything else becomes a finding or a skip.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event cannot be acted on; retrying the same event fails again.
    #[error(transparent)]
    Trigger(#[from] TriggerError),
    /// The findings could not be delivered; a retry may succeed.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl HandlerError {
    pub fn retryable(&self) -> bool {
        matches!(self, HandlerError::Publish(_))
    }
    /// The Lambda `errorType`, which says whether a retry can help.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::Trigger(_) => "NonRetryable.MalformedEvent",
            HandlerError::Publish(_) => "Retryable.PublishFailed",
        }
    }
}

/// The handler's response: always the run summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    pub trigger: Trigger,
    /// `published`, `below-threshold`, `no-topic`, `ignored`.
    pub status: &'static str,
    pub findings: usize,
    /// Findings in the published message (all of them without `STATE_TABLE`).
    pub notified: usize,
    /// Findings kept quiet because they were notified within `RENOTIFY_HOURS`.
    pub quiet: usize,
    /// Problems announced as resolved.
    pub resolved: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
    pub skipped: usize,
    pub message_ids: Vec<String>,
    /// What the run did in Security Hub (`SECURITY_HUB=true` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<HubSummary>,
    pub duration_ms: u128,
}

/// A run's result: the summary and, unless the event was ignored, the report and its
/// CloudWatch embedded-metric-format documents (the Lambda prints them to stdout).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub summary: RunSummary,
    pub report: Option<Report>,
    pub metrics: Vec<serde_json::Value>,
}

/// The pipeline with its boundaries.
pub struct Engine<R, P, Q, S = NoState, H = NoHub> {
    pub reader: R,
    pub publisher: P,
    pub prober: Q,
    pub state: S,
    /// Used only with `SECURITY_HUB=true`.
    pub hub: H,
    pub config: Config,
}

impl<R: AwsReader, P: Publisher, Q: Prober, S: StateStore, H: SecurityHub> Engine<R, P, Q, S, H> {
    /// Handles one EventBridge event.
    pub async fn handle_event(
        &self,
        event: &serde_json::Value,
        now: DateTime<Utc>,
        run_id: String,
    ) -> Result<RunOutcome, HandlerError> {
        let trigger =
            trigger::parse(event).inspect_err(|e| tracing::error!(error = %e, "rejected event"))?;
        self.run(trigger, now, run_id).await
    }

    /// Runs the pipeline for a parsed trigger.
    pub async fn run(
        &self,
        trigger: Trigger,
        now: DateTime<Utc>,
        run_id: String,
    ) -> Result<RunOutcome, HandlerError> {
        let started = std::time::Instant::now();
        tracing::info!(run_id = %run_id, kind = trigger.kind, detail_type = %trigger.detail_type, "run started");
        if trigger.scope == Scope::Nothing {
            tracing::info!(run_id = %run_id, detail_type = %trigger.detail_type, "nothing to do for this event");
            let summary = RunSummary {
                run_id,
                trigger,
                status: "ignored",
                findings: 0,
                notified: 0,
                quiet: 0,
                resolved: 0,
                by_severity: BTreeMap::new(),
                highest: None,
                skipped: 0,
                message_ids: Vec::new(),
                security_hub: None,
                duration_ms: started.elapsed().as_millis(),
            };
            return Ok(RunOutcome {
                summary,
                report: None,
                metrics: Vec::new(),
            });
        }
        let config = &self.config;
        let inv = inventory::collect(&self.reader, config, &trigger.scope, now).await;
        for s in &inv.skipped {
            tracing::warn!(what = %s.what, region = ?s.region, reason = %s.reason, "skipped");
        }
        let (targets, names): (Vec<ProbeTarget>, Vec<String>) = if config.probe_enabled {
            (
                crate::probe::targets(&inv, config, &trigger.scope),
                crate::probe::resource_names(&inv),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let probed = targets.len();
        let probe = self.prober.probe(targets, names).await;
        let (findings, trust_errors) =
            judge(&inv, &probe, config, now, trigger.scope == Scope::Full);
        let mut inv = inv;
        inv.skipped.extend(
            trust_errors
                .into_iter()
                .map(|reason| crate::inventory::Skipped {
                    what: "EXTRA_TRUSTED_CA_PEM".into(),
                    region: None,
                    reason,
                }),
        );
        let report = Report::new(
            run_id.clone(),
            account_of(&inv),
            trigger.clone(),
            now,
            Scanned::of(&inv, probed),
            inv.skipped.clone(),
            findings,
        )
        .in_language(self.config.report_language);
        for f in &report.findings {
            tracing::info!(check = %f.check, cause = %f.cause, severity = %f.severity, resource = %f.resource, hostname = ?f.hostname, id = %f.id, "finding");
        }
        let full = trigger.scope == Scope::Full;
        let delivered = self.deliver(&report, full, now).await;
        // Security Hub gets every current finding whatever SNS did (and its failure never
        // costs the SNS report).
        let security_hub = if config.security_hub {
            Some(publish::securityhub::sync(&self.hub, &report, full, now).await)
        } else {
            None
        };
        let (status, message_ids, notified) = delivered?;
        let summary = RunSummary {
            run_id,
            trigger,
            status,
            notified: notified.findings.len(),
            quiet: notified.quiet,
            resolved: notified.resolved.len(),
            findings: report.summary.total,
            by_severity: report.summary.by_severity.clone(),
            highest: report.summary.highest,
            skipped: report.skipped.len(),
            message_ids,
            security_hub,
            duration_ms: started.elapsed().as_millis(),
        };
        tracing::info!(run_id = %summary.run_id, status, findings = summary.findings, duration_ms = summary.duration_ms as u64, "run finished");
        let metrics =
            crate::report::metrics::emf_documents(&report, &inv, now, summary.duration_ms);
        Ok(RunOutcome {
            summary,
            report: Some(report),
            metrics,
        })
    }

    /// Decides what this run notifies (quiet repeats via the state store, `MIN_SEVERITY`)
    /// and publishes it. Returns the status, the message ids and the report as sent.
    async fn deliver(
        &self,
        report: &Report,
        full: bool,
        now: DateTime<Utc>,
    ) -> Result<(&'static str, Vec<String>, Report), HandlerError> {
        Ok(match &self.config.findings_topic_arn {
            None => ("no-topic", Vec::new(), report.clone()),
            Some(topic) => {
                // Quiet repeats: a state-store failure degrades to "report everything".
                let previous = match self.state.load().await {
                    Ok(prev) => Some(prev),
                    Err(e) => {
                        tracing::warn!(error = %e, "state store unavailable; reporting every finding");
                        None
                    }
                };
                let plan = match &previous {
                    Some(prev) => plan(
                        &report.findings,
                        prev,
                        now,
                        self.config.renotify_hours,
                        full,
                    ),
                    None => Plan {
                        notify: report.findings.clone(),
                        ..Default::default()
                    },
                };
                let mut to_send = report.clone();
                to_send.summary = crate::report::Summary::of(&plan.notify);
                to_send.findings = plan.notify.clone();
                to_send.resolved = plan.resolved.clone();
                to_send.quiet = plan.quiet.len();
                if !publish::worth_publishing(&to_send, self.config.min_severity) {
                    ("below-threshold", Vec::new(), to_send)
                } else {
                    let ids = publish::publish_report(&self.publisher, topic, &to_send)
                        .await
                        .inspect_err(|e| tracing::error!(error = %e, "publish failed"))?;
                    if previous.is_some() {
                        let gone: Vec<String> =
                            plan.resolved.iter().map(|r| r.id.clone()).collect();
                        if let Err(e) = self.state.save(&plan.upsert, &gone).await {
                            tracing::warn!(error = %e, "could not record notified findings; they will be reported again");
                        }
                    }
                    ("published", ids, to_send)
                }
            }
        })
    }
}

/// The checks stage: trust roots from the configuration, then every check over the
/// inventory and probe facts. Returns the findings and any unusable extra roots.
fn judge(
    inv: &inventory::Inventory,
    probe: &crate::probe::ProbeResults,
    config: &Config,
    now: DateTime<Utc>,
    full_scan: bool,
) -> (Vec<checks::Finding>, Vec<String>) {
    let (trust, trust_errors) = TrustStore::new(config.extra_trusted_ca_pem.as_deref());
    let ctx = Context {
        inventory: inv,
        hosts: &probe.hosts,
        resource_addresses: &probe.resource_addresses,
        trust: &trust,
        now,
        config,
        full_scan,
    };
    (checks::run_all(&ctx), trust_errors)
}

/// Diagnoses hostnames without AWS (the CLI's `probe`): probe them, then run every check
/// over the facts with an empty inventory.
pub async fn diagnose_hosts<Q: Prober>(
    prober: &Q,
    config: &Config,
    hosts: Vec<String>,
    now: DateTime<Utc>,
) -> (
    Vec<crate::probe::HostFacts>,
    Vec<checks::Finding>,
    Vec<String>,
) {
    let targets = hosts
        .into_iter()
        .map(|h| ProbeTarget {
            hostname: h,
            sources: vec!["command line".into()],
        })
        .collect();
    let probe = prober.probe(targets, Vec::new()).await;
    let (findings, trust_errors) =
        judge(&inventory::Inventory::default(), &probe, config, now, true);
    let findings = crate::report::dedupe_and_order(findings);
    (probe.hosts, findings, trust_errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::{self, cert, now};
    use crate::inventory::*;
    use crate::probe::NoProbe;
    use crate::publish::Message;
    use serde_json::json;
    use std::sync::Mutex;

    /// An AWS estate in memory; `fail` names operations that fail as throttled.
    #[derive(Default)]
    struct FakeAws {
        certs: Vec<Certificate>,
        lbs: Vec<LoadBalancer>,
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
        async fn distributions(&self) -> Result<Vec<Distribution>, ApiError> {
            if self.fail.contains(&"ListDistributions") {
                return Err(err("ListDistributions"));
            }
            Ok(vec![])
        }
        async fn dns_records(&self) -> Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError> {
            Ok((vec![], vec![]))
        }
    }

    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<Message>>,
        fail: bool,
    }

    impl Publisher for Recorder {
        async fn publish(&self, _topic: &str, m: &Message) -> Result<String, String> {
            if self.fail {
                return Err("AuthorizationError: not allowed".into());
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
            fail: vec![],
        }
    }

    fn engine(
        aws: FakeAws,
        publisher: Recorder,
        min: Severity,
    ) -> Engine<FakeAws, Recorder, NoProbe> {
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
        async fn load(&self) -> Result<Vec<crate::publish::state::Record>, String> {
            Err("dynamodb:Scan acm-doctor-state: AccessDeniedException".into())
        }
        async fn save(
            &self,
            _u: &[crate::publish::state::Record],
            _d: &[String],
        ) -> Result<(), String> {
            Err("unreachable".into())
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
            config: base.config,
        };
        let out = on_schedule(&e).await.unwrap();
        assert_eq!(out.summary.status, "published");
        assert_eq!(out.summary.notified, out.summary.findings, "never silence");
        assert_eq!(e.publisher.sent.lock().unwrap().len(), 1);
    }
}
