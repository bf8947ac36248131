//! The pipeline against a real moto server seeded with the demo estate.

use crate::support::*;
use acm_doctor::checks::Severity;
use acm_doctor::config::Config;
use acm_doctor::handler::Engine;
use acm_doctor::inventory::{self, AwsReader, sdk::SdkReader};
use acm_doctor::probe::NoProbe;
use acm_doctor::publish::SnsPublisher;
use acm_doctor::publish::securityhub::{NoHub, SdkHub};
use acm_doctor::publish::state::{DynamoState, NoState};
use acm_doctor::trigger::Scope;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The injected clock: one minute after the seeded "status" certificate expired.
fn clock(seed: &Value) -> DateTime<Utc> {
    let at: DateTime<Utc> = seed["status_expires_at"].as_str().unwrap().parse().unwrap();
    at + Duration::minutes(1)
}

fn config(seed: &Value) -> Config {
    Config {
        scan_regions: vec!["us-east-1".into()],
        findings_topic_arn: Some(seed["topic_arn"].as_str().unwrap().to_string()),
        pinned_spki_sha256: vec![
            "++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=".into(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            seed["pins"]["api_leaf"].as_str().unwrap().to_string(),
        ],
        probe_enabled: false,
        ..Default::default()
    }
}

async fn engine(moto: &Moto, seed: &Value) -> Engine<SdkReader, SnsPublisher, NoProbe> {
    let sdk = moto.sdk_config().await;
    Engine {
        reader: SdkReader::new(sdk.clone()),
        publisher: SnsPublisher::new(&sdk),
        prober: NoProbe,
        state: NoState,
        hub: NoHub,
        config: config(seed),
    }
}

fn event(source: &str, detail_type: &str, resources: Value, detail: Value) -> Value {
    json!({"version": "0", "id": "11111111-2222-4333-8444-555555555555", "detail-type": detail_type, "source": source,
           "account": "123456789012", "time": "2026-11-28T06:00:00Z", "region": "us-east-1",
           "resources": resources, "detail": detail})
}

fn pairs(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["hostname"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_adapters_read_the_whole_estate() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let reader = SdkReader::new(moto.sdk_config().await);
    // Every key type: the seeded imported certificates are ECDSA P-256, which the
    // ListCertificates default would hide.
    let listed = reader.list_certificates("us-east-1").await.unwrap();
    assert_eq!(
        listed.len(),
        seed["certificates"].as_object().unwrap().len()
    );
    assert!(
        listed
            .iter()
            .any(|c| c.key_algorithm.as_deref() == Some("EC_prime256v1"))
    );

    let inv = inventory::collect(&reader, &config(&seed), &Scope::Full, clock(&seed)).await;
    assert!(inv.skipped.is_empty(), "{:?}", inv.skipped);
    assert_eq!(inv.load_balancers.len(), 6);
    let shop = inv
        .load_balancers
        .iter()
        .find(|l| l.name == "shop")
        .unwrap();
    let https = shop.listeners.iter().find(|l| l.port == 443).unwrap();
    assert_eq!(
        https.certificates.len(),
        2,
        "default + SNI certificate: {:?}",
        https.certificates
    );
    assert_eq!(
        https.default_certificate(),
        seed["certificates"]["shop"].as_str()
    );
    assert!(
        https
            .rules
            .iter()
            .any(|r| r.host_headers == vec!["admin.example.com"])
    );
    assert_eq!(inv.distributions.len(), 1);
    let d = &inv.distributions[0];
    assert_eq!(d.behaviors.len(), 2);
    assert_eq!(
        d.viewer_certificate.acm_certificate_arn.as_deref(),
        seed["certificates"]["cdn"].as_str()
    );
    assert!(
        inv.dns_records
            .iter()
            .any(|r| r.name == "blog.example.com" && r.alias)
    );
    let imported = inv
        .certificate(seed["certificates"]["api"].as_str().unwrap())
        .unwrap();
    assert!(
        imported.pem.is_some(),
        "GetCertificate read for in-use imported certificates"
    );
    let nolog = inv
        .certificate(seed["certificates"]["nolog"].as_str().unwrap())
        .unwrap();
    assert_eq!(nolog.ct_logging.as_deref(), Some("DISABLED"));
}

#[tokio::test(flavor = "multi_thread")]
async fn scheduled_run_publishes_every_configuration_finding() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let e = engine(&moto, &seed).await;
    let out = e
        .handle_event(
            &event("aws.events", "Scheduled Event", json!([]), json!({})),
            clock(&seed) + Duration::minutes(5),
            "run-moto".into(),
        )
        .await
        .unwrap();
    assert_eq!(out.summary.status, "published");
    let sdk = moto.sdk_config().await;
    let msgs = published(&sdk, seed["queue_url"].as_str().unwrap()).await;
    assert_eq!(msgs.len(), 1);
    let (envelope, report) = &msgs[0];
    assert_eq!(report["schema"], "acm-doctor.report.v1");
    assert_eq!(
        envelope["MessageAttributes"]["severity"]["Value"],
        "critical"
    );
    assert!(
        envelope["Subject"]
            .as_str()
            .unwrap()
            .starts_with("acm-doctor: ")
    );
    let causes: Vec<String> = serde_json::from_str(
        envelope["MessageAttributes"]["causes"]["Value"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    for c in [
        "name-mismatch",
        "expired",
        "untrusted",
        "not-associated",
        "http-not-redirected",
        "pinning",
        "certificate-transparency",
        "tls-configuration",
    ] {
        assert!(
            causes.contains(&c.to_string()),
            "cause {c} missing from {causes:?}"
        );
    }
    let got = pairs(report);
    let expect = [
        ("certificate_expired", "status.example.com"),
        ("certificate_expiring", "partner.example.com"),
        ("alb_host_not_covered", "blog.example.com"),
        ("alb_host_not_covered", "admin.example.com"),
        ("cloudfront_alias_not_covered", "static.example.com"),
        ("imported_self_signed", "legacy.example.com"),
        ("imported_chain_incomplete", "partner.example.com"),
        (
            "private_certificate_public_endpoint",
            "intranet.example.com",
        ),
        ("ct_logging_disabled", "checkout.example.com"),
        ("certificate_unused", "old-campaign.example.com"),
        ("cloudfront_allows_http", "cdn.example.com"),
        ("pinned_rotating_key", "api.example.com"),
        ("pinned_rotating_key", ""),
        ("legacy_tls_policy", ""),
        ("validation_record_missing", "cdn.example.com"),
    ];
    for (check, host) in expect {
        assert!(
            got.contains(&(check.to_string(), host.to_string())),
            "missing {check} {host}: got {got:#?}"
        );
    }
    // Two HTTP listeners fail (shop forwards with only a path-scoped redirect; partner
    // uses #{protocol}); legacy, status and checkout redirect properly.
    let http: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "alb_http_not_redirected")
        .collect();
    let listeners: BTreeSet<&str> = http
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        listeners,
        BTreeSet::from([
            seed["listeners"]["shop-http"].as_str().unwrap(),
            seed["listeners"]["partner-http"].as_str().unwrap()
        ])
    );
    // Covered names are not reported.
    assert!(!got.contains(&("alb_host_not_covered".into(), "shop.example.com".into())));
    assert!(
        !got.contains(&("alb_host_not_covered".into(), "api.example.com".into())),
        "api is covered by the SNI certificate"
    );
    assert!(
        !got.contains(&(
            "validation_record_missing".into(),
            "shop.example.com".into()
        )),
        "its record exists"
    );
    // Stable ids: a second run gives the same ids.
    let again = e
        .run(
            acm_doctor::trigger::Trigger::manual(),
            clock(&seed) + Duration::minutes(5),
            "run-2".into(),
        )
        .await
        .unwrap();
    let ids1: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let ids2: BTreeSet<String> = again
        .report
        .unwrap()
        .findings
        .iter()
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(ids1, ids2.iter().map(|s| s.as_str()).collect());
}

#[tokio::test(flavor = "multi_thread")]
async fn acm_and_health_events_scope_the_run() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let e = engine(&moto, &seed).await;
    let partner = seed["certificates"]["partner"].as_str().unwrap();
    let partner_lb = seed["load_balancers"]["partner"].as_str().unwrap();
    for dt in [
        "ACM Certificate Approaching Expiration",
        "ACM Certificate Expired",
        "ACM Certificate Available",
        "ACM Certificate Renewal Action Required",
    ] {
        let out = e
            .handle_event(
                &event(
                    "aws.acm",
                    dt,
                    json!([partner]),
                    json!({"DaysToExpiry": 9, "CommonName": "partner.example.com"}),
                ),
                clock(&seed),
                "scoped".into(),
            )
            .await
            .unwrap();
        let report = out.report.unwrap();
        assert_eq!(report.scanned.certificates, 1, "{dt}");
        assert_eq!(report.scanned.load_balancers, 1, "{dt}");
        assert_eq!(report.scanned.distributions, 0, "{dt}");
        for f in &report.findings {
            assert!(
                f.resource == partner
                    || f.resource
                        .starts_with(&partner_lb.replace(":loadbalancer/", ":listener/"))
                    || f.resource.starts_with("config:"),
                "{dt}: unrelated finding {f:?}"
            );
        }
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == "certificate_expiring" && f.severity == Severity::High)
        );
    }
    let cdn = seed["certificates"]["cdn"].as_str().unwrap();
    let health = event(
        "aws.health",
        "AWS Health Event",
        json!([]),
        json!({
            "service": "ACM", "eventTypeCode": "AWS_ACM_RENEWAL_STATE_CHANGE", "startTime": "Sat, 28 Nov 2026 06:00:53 GMT",
            "affectedEntities": [{"entityValue": cdn}]
        }),
    );
    let report = e
        .handle_event(&health, clock(&seed), "health".into())
        .await
        .unwrap()
        .report
        .unwrap();
    assert_eq!(report.scanned.certificates, 1);
    assert_eq!(report.scanned.distributions, 1);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "cloudfront_alias_not_covered")
    );
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.check != "alb_host_not_covered"),
        "ALB findings belong to other certificates"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_certificate_in_an_event_is_skipped_not_fatal() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let e = engine(&moto, &seed).await;
    let ghost =
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-4000-8000-000000000000";
    let out = e
        .handle_event(
            &event(
                "aws.acm",
                "ACM Certificate Expired",
                json!([ghost]),
                json!({}),
            ),
            clock(&seed),
            "ghost".into(),
        )
        .await
        .unwrap();
    let report = out.report.unwrap();
    assert_eq!(report.skipped.len(), 1);
    assert!(
        report.skipped[0].what.contains("DescribeCertificate"),
        "{:?}",
        report.skipped
    );
}

#[test]
fn the_binary_reaches_moto_through_aws_endpoint_url() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
        .args(["invoke", "--event"])
        .arg(repo_root().join("events/scheduled.json"))
        .envs(moto.env())
        .env("SCAN_REGIONS", "us-east-1")
        .env("PROBE", "false")
        .env_remove("FINDINGS_TOPIC_ARN")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["scanned"]["certificates"],
        seed["certificates"].as_object().unwrap().len()
    );
    assert!(pairs(&report).contains(&("imported_self_signed".into(), "legacy.example.com".into())));

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
        .args(["invoke", "--event"])
        .arg(repo_root().join("events/malformed.json"))
        .envs(moto.env())
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NonRetryable.MalformedEvent"));
}

#[tokio::test(flavor = "multi_thread")]
async fn state_table_quiets_repeats_and_announces_fixes() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    ddb.create_table()
        .table_name("acm-doctor-state")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let base = engine(&moto, &seed).await;
    let e = Engine {
        reader: base.reader,
        publisher: base.publisher,
        prober: NoProbe,
        state: DynamoState::new(&sdk, "acm-doctor-state"),
        hub: NoHub,
        config: base.config,
    };
    let schedule = event("aws.events", "Scheduled Event", json!([]), json!({}));
    let t0 = clock(&seed);
    let queue = seed["queue_url"].as_str().unwrap();

    let first = e.handle_event(&schedule, t0, "one".into()).await.unwrap();
    assert_eq!(first.summary.status, "published");
    assert_eq!(first.summary.notified, first.summary.findings);
    assert_eq!(published(&sdk, queue).await.len(), 1);

    // An ACM event for an already-reported certificate does not alert again.
    let partner = seed["certificates"]["partner"].as_str().unwrap();
    let ev = e
        .handle_event(
            &event(
                "aws.acm",
                "ACM Certificate Approaching Expiration",
                json!([partner]),
                json!({}),
            ),
            t0 + Duration::hours(1),
            "ev".into(),
        )
        .await
        .unwrap();
    assert_eq!(ev.summary.status, "below-threshold", "{:?}", ev.summary);
    assert!(ev.summary.quiet > 0);

    let second = e
        .handle_event(&schedule, t0 + Duration::hours(2), "two".into())
        .await
        .unwrap();
    assert_eq!(
        second.summary.status, "below-threshold",
        "nothing new: {:?}",
        second.summary
    );
    assert_eq!(second.summary.quiet, first.summary.findings);
    assert!(published(&sdk, queue).await.is_empty());

    // Fix one problem: the partner HTTP listener now redirects to HTTPS.
    fix_partner_listener(&sdk, &seed).await;
    let third = e
        .handle_event(&schedule, t0 + Duration::hours(3), "three".into())
        .await
        .unwrap();
    assert_eq!(third.summary.status, "published");
    assert_eq!(third.summary.resolved, 1);
    assert_eq!(third.summary.notified, 0);
    let msgs = published(&sdk, queue).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].1["resolved"][0]["check"], "alb_http_not_redirected");
    assert!(
        msgs[0].0["Subject"]
            .as_str()
            .unwrap()
            .contains("1 resolved")
    );
    // Announced once.
    let fourth = e
        .handle_event(&schedule, t0 + Duration::hours(4), "four".into())
        .await
        .unwrap();
    assert_eq!(fourth.summary.resolved, 0);
    // After RENOTIFY_HOURS everything still present is reported again.
    let later = e
        .handle_event(&schedule, t0 + Duration::hours(30), "later".into())
        .await
        .unwrap();
    assert_eq!(later.summary.notified, later.summary.findings);
}

/// Fixes one demo problem: the partner HTTP listener now redirects to HTTPS.
async fn fix_partner_listener(sdk: &aws_config::SdkConfig, seed: &Value) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
    };
    elb.modify_listener()
        .listener_arn(seed["listeners"]["partner-http"].as_str().unwrap())
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// acm-doctor's findings as moto's Security Hub holds them, by id.
async fn hub_findings(sdk: &aws_config::SdkConfig) -> std::collections::BTreeMap<String, Value> {
    let hub = aws_sdk_securityhub::Client::new(sdk);
    let out = hub.get_findings().max_results(100).send().await.unwrap();
    out.findings()
        .iter()
        .map(acm_doctor::publish::securityhub::from_sdk)
        .filter(|f| f.id.starts_with("acm-doctor/"))
        .map(|f| (f.id.clone(), f.to_json()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn security_hub_gets_every_finding_and_a_fixed_one_is_resolved() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let base = engine(&moto, &seed).await;
    let mut config = base.config;
    config.security_hub = true;
    let e = Engine {
        reader: base.reader,
        publisher: base.publisher,
        prober: NoProbe,
        state: NoState,
        hub: SdkHub::new(&sdk),
        config,
    };
    let schedule = event("aws.events", "Scheduled Event", json!([]), json!({}));
    let t0 = clock(&seed);

    let first = e.handle_event(&schedule, t0, "one".into()).await.unwrap();
    let hub = first
        .summary
        .security_hub
        .clone()
        .expect("security hub ran");
    assert_eq!(hub.imported, first.summary.findings, "{hub:?}");
    assert_eq!((hub.failed, hub.resolved), (0, 0), "{hub:?}");
    assert!(hub.errors.is_empty(), "{hub:?}");
    let held = hub_findings(&sdk).await;
    assert_eq!(held.len(), first.summary.findings);
    let types: BTreeSet<&str> = held
        .values()
        .map(|f| f["Resources"][0]["Type"].as_str().unwrap())
        .collect();
    for t in [
        "AwsCertificateManagerCertificate",
        "AwsElbv2LoadBalancer",
        "AwsCloudFrontDistribution",
    ] {
        assert!(types.contains(t), "{t} missing from {types:?}");
    }
    assert!(held.values().all(|f| f["RecordState"] == "ACTIVE"
        && f["Compliance"]["Status"] == "FAILED"
        && f["AwsAccountId"] == "123456789012"
        && f["ProductArn"]
            == "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"));
    let report = first.report.as_ref().unwrap();
    let partner_http = report
        .findings
        .iter()
        .find(|f| f.check == "alb_http_not_redirected" && f.resource.contains("partner"))
        .expect("the partner listener is reported");
    let partner_id = format!("acm-doctor/{}", partner_http.id);
    assert_eq!(held[&partner_id]["Severity"]["Label"], "MEDIUM");

    fix_partner_listener(&sdk, &seed).await;
    let second = e
        .handle_event(&schedule, t0 + Duration::hours(1), "two".into())
        .await
        .unwrap();
    let hub = second.summary.security_hub.clone().unwrap();
    assert_eq!(hub.resolved, 1, "{hub:?}");
    assert_eq!(hub.imported, second.summary.findings + 1);
    // moto 5.2.5 has no BatchUpdateFindings (the request is unit-tested against a
    // recorded response); that is the only error allowed here.
    assert!(
        hub.errors.iter().all(|e| e.contains("BatchUpdateFindings")),
        "{hub:?}"
    );
    let held = hub_findings(&sdk).await;
    let fixed = &held[&partner_id];
    assert_eq!(fixed["RecordState"], "ARCHIVED");
    assert_eq!(fixed["Compliance"]["Status"], "PASSED");
    assert_eq!(fixed["Workflow"]["Status"], "RESOLVED");
    assert_eq!(fixed["Severity"]["Original"], "MEDIUM");
    assert_eq!(
        held.values()
            .filter(|f| f["RecordState"] == "ACTIVE")
            .count(),
        second.summary.findings
    );
}

/// Each sample filter policy in infra/sns-filter-policies, on a real subscription:
/// which of three messages (a critical expiry, a medium redirect problem, a fix
/// announcement) reaches it.
#[tokio::test(flavor = "multi_thread")]
async fn sample_filter_policies_deliver_what_they_promise() {
    use acm_doctor::publish::{Message, Publisher};
    let moto = Moto::start();
    let sdk = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let topic = sns
        .create_topic()
        .name("acm-doctor-findings")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    let expected: [(&str, &[&str]); 4] = [
        ("page-on-critical", &["critical-expiry"]),
        ("page-on-critical-and-fixes", &["critical-expiry", "fixed"]),
        ("high-and-above", &["critical-expiry"]),
        ("expiry-and-trust-only", &["critical-expiry"]),
    ];
    let mut queues = Vec::new();
    for (policy, _) in &expected {
        let path = repo_root().join(format!("infra/sns-filter-policies/{policy}.json"));
        let filter = std::fs::read_to_string(&path).unwrap();
        let url = sqs
            .create_queue()
            .queue_name(*policy)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_string();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes()
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(arn)
            .attributes("FilterPolicy", filter)
            .send()
            .await
            .unwrap();
        queues.push(url);
    }
    let publisher = SnsPublisher::new(&sdk);
    for (name, severity, causes, resolved) in [
        ("critical-expiry", Severity::Critical, vec!["expired"], 0),
        ("redirect", Severity::Medium, vec!["http-not-redirected"], 0),
        ("fixed", Severity::Info, vec![], 1),
    ] {
        let m = Message {
            subject: format!("acm-doctor: {name}"),
            body: json!({ "default": json!({ "name": name }).to_string() }).to_string(),
            severity,
            causes: causes.into_iter().map(str::to_string).collect(),
            resolved,
        };
        publisher.publish(&topic, &m).await.unwrap();
    }
    for ((policy, want), url) in expected.iter().zip(&queues) {
        let got: BTreeSet<String> = published(&sdk, url)
            .await
            .into_iter()
            .map(|(_, body)| body["name"].as_str().unwrap().to_string())
            .collect();
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "policy {policy}");
    }
}
