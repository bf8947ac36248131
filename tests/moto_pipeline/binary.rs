use super::*;

/// The binary's `invoke` on the scheduled event against moto, probing off, with `flags`.
fn invoke_scheduled(moto: &Moto, flags: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
        .arg("invoke")
        .args(flags)
        .arg("--event")
        .arg(repo_root().join("events/scheduled.json"))
        .envs(moto.env())
        .env("SCAN_REGIONS", "us-east-1")
        .env("PROBE", "false")
        .env_remove("FINDINGS_TOPIC_ARN")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap()
}

#[test]
fn the_binary_reaches_moto_through_aws_endpoint_url() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let out = invoke_scheduled(&moto, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // ACM's certificates and the IAM server certificate a listener carries.
    assert_eq!(
        report["scanned"]["certificates"],
        seed["certificates"].as_object().unwrap().len()
            + seed["iam_certificates"].as_object().unwrap().len()
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

/// Regression: the EMF metrics were built on every run but never printed, so the
/// README's CloudWatch metrics did not exist. `invoke --emf` prints what the Lambda does.
#[test]
fn invoke_prints_the_runs_cloudwatch_metrics() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let out = invoke_scheduled(&moto, &["--summary", "--emf"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<Value> = serde_json::Deserializer::from_slice(&out.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        docs[0]["run_id"].is_string(),
        "the summary comes first: {}",
        docs[0]
    );
    let metrics: Vec<&Value> = docs[1..].iter().collect();
    let names: BTreeSet<&str> = metrics
        .iter()
        .filter(|d| d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "acm-doctor")
        .filter_map(|d| d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"].as_str())
        .collect();
    assert!(names.contains("DaysToExpiry"), "{names:?}");
    let expiring = metrics
        .iter()
        .filter(|d| d["DaysToExpiry"].is_number())
        .count();
    let certificates = seed["certificates"].as_object().unwrap().len()
        + seed["iam_certificates"].as_object().unwrap().len();
    assert!(
        (1..=certificates).contains(&expiring),
        "one DaysToExpiry per issued certificate: {expiring} of {certificates}"
    );
    // Without --emf stdout stays one JSON document.
    let plain = invoke_scheduled(&moto, &["--summary"]);
    serde_json::from_slice::<Value>(&plain.stdout).unwrap();
}
