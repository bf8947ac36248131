//! `RUN_BUCKET` in one-account mode: the S3 adapter keeps the whole report, and the
//! email digest published through SNS names where it is.

use super::*;
use acm_doctor::publish::archive::{ReportStore, S3Reports};

#[tokio::test(flavor = "multi_thread")]
async fn a_one_account_run_keeps_its_whole_report_in_the_bucket() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("acm-doctor-runs")
        .send()
        .await
        .unwrap();
    let base = engine(&moto, &seed).await;
    let e = Engine {
        reader: base.reader,
        publisher: base.publisher,
        prober: NoProbe,
        state: NoState,
        hub: NoHub,
        archive: Some(S3Reports::new(&sdk, "acm-doctor-runs")),
        config: base.config,
    };
    let out = e
        .handle_event(
            &event("aws.events", "Scheduled Event", json!([]), json!({})),
            clock(&seed),
            "run-kept".into(),
        )
        .await
        .unwrap();
    let at = "s3://acm-doctor-runs/runs/run-kept/report.json";
    assert_eq!(out.summary.full_report.as_deref(), Some(at));
    let kept: Value = serde_json::from_str(
        &e.archive
            .get("runs/run-kept/report.json")
            .await
            .expect("the report was stored"),
    )
    .unwrap();
    assert_eq!(kept["schema"], "acm-doctor.report.v1");
    assert_eq!(kept["run_id"], "run-kept");
    assert_eq!(
        kept["findings"].as_array().unwrap().len(),
        out.summary.findings
    );
    let msgs = published(&sdk, seed["queue_url"].as_str().unwrap()).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].1["full_report"], at);
}
