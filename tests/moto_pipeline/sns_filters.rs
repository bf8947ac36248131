use super::*;

/// Each sample filter policy in infra/sns-filter-policies, on a real subscription:
/// which of four messages (a critical expiry, a medium redirect problem, a fix
/// announcement, and part 2 of a large run's report) reaches it: each person-facing
/// policy takes part 1 only, so a run is one email.
#[tokio::test(flavor = "multi_thread")]
async fn sample_filter_policies_deliver_what_they_promise() {
    use acm_doctor::publish::sns::{Message, Publisher};
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
    for (name, severity, causes, resolved, part) in [
        ("critical-expiry", Severity::Critical, vec!["expired"], 0, 1),
        (
            "redirect",
            Severity::Medium,
            vec!["http-not-redirected"],
            0,
            1,
        ),
        ("fixed", Severity::Info, vec![], 1, 1),
        ("critical-part-2", Severity::Critical, vec!["expired"], 0, 2),
    ] {
        let m = Message {
            subject: format!("acm-doctor: {name}"),
            body: json!({ "default": json!({ "name": name }).to_string() }).to_string(),
            severity,
            causes: causes.into_iter().map(str::to_string).collect(),
            resolved,
            part,
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
