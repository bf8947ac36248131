use super::*;
use acm_doctor::publish::state::DynamoState;

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
        archive: acm_doctor::publish::archive::NoArchive,
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
