use super::*;
use acm_doctor::publish::securityhub::SdkHub;

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
        archive: acm_doctor::publish::archive::NoArchive,
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
