//! The mute list as the Lambda reads it: `MUTE_FILE` as an S3 object (moto's S3, the
//! inventory's reader), and the `acm-doctor:mute` tag read through the Resource Groups
//! Tagging API (`tag:GetResources`) of moto, set with each service's own tagging call;
//! both honoured by a scheduled run.

use super::*;

const TAG: &str = "acm-doctor:mute";

/// A scheduled run's report, five minutes into the seeded clock.
async fn scheduled(
    e: &Engine<SdkReader, SnsPublisher, NoProbe>,
    seed: &Value,
    id: &str,
) -> acm_doctor::report::Report {
    e.handle_event(
        &event("aws.events", "Scheduled Event", json!([]), json!({})),
        clock(seed) + Duration::minutes(5),
        id.into(),
    )
    .await
    .unwrap()
    .report
    .unwrap()
}

async fn tag_estate(sdk: &aws_config::SdkConfig, seed: &Value, alb_value: &str) {
    let cert = seed["certificates"]["classic"].as_str().unwrap();
    let other = seed["certificates"]["nolog"].as_str().unwrap();
    let acm = aws_sdk_acm::Client::new(sdk);
    let acm_tag = |k: &str, v: &str| {
        aws_sdk_acm::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
            .unwrap()
    };
    acm.add_tags_to_certificate()
        .certificate_arn(cert)
        .tags(acm_tag(TAG, "certificate_expiring"))
        .send()
        .await
        .unwrap();
    // Another key on another certificate: not a mute.
    acm.add_tags_to_certificate()
        .certificate_arn(other)
        .tags(acm_tag("team", "web"))
        .send()
        .await
        .unwrap();
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    elbv2
        .add_tags()
        .resource_arns(seed["load_balancers"]["shop"].as_str().unwrap())
        .tags(
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key(TAG)
                .value(alb_value)
                .build(),
        )
        .send()
        .await
        .unwrap();
    aws_sdk_elasticloadbalancing::Client::new(sdk)
        .add_tags()
        .load_balancer_names("classic")
        .tags(
            aws_sdk_elasticloadbalancing::types::Tag::builder()
                .key(TAG)
                .value("alb_http_not_redirected")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let cloudfront = aws_sdk_cloudfront::Client::new(sdk);
    let id = seed["distribution"]["id"].as_str().unwrap();
    let dist = cloudfront.get_distribution().id(id).send().await.unwrap();
    cloudfront
        .tag_resource()
        .resource(dist.distribution().unwrap().arn())
        .tags(
            aws_sdk_cloudfront::types::Tags::builder()
                .items(
                    aws_sdk_cloudfront::types::Tag::builder()
                        .key(TAG)
                        .value("*")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn mute_tags_are_read_from_every_kind_of_resource() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let reader = SdkReader::new(sdk.clone());
    // Before any tag: nothing (the twin), and the read itself succeeds.
    assert_eq!(reader.mute_tags("us-east-1").await.unwrap(), vec![]);
    tag_estate(&sdk, &seed, "alb_host_not_covered").await;
    let inv = inventory::collect(&reader, &config(&seed), &Scope::Full, clock(&seed)).await;
    assert!(inv.skipped.is_empty(), "{:?}", inv.skipped);
    let mut got: Vec<(String, String)> = inv
        .mute_tags
        .iter()
        .map(|t| (t.resource.clone(), t.value.clone()))
        .collect();
    got.sort();
    let dist = inv.distributions[0].arn.clone();
    let mut want = vec![
        (
            seed["certificates"]["classic"]
                .as_str()
                .unwrap()
                .to_string(),
            "certificate_expiring".to_string(),
        ),
        (
            seed["load_balancers"]["shop"].as_str().unwrap().to_string(),
            "alb_host_not_covered".to_string(),
        ),
        (
            seed["load_balancers"]["classic"]
                .as_str()
                .unwrap()
                .to_string(),
            "alb_http_not_redirected".to_string(),
        ),
        (dist, "*".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
}

/// A scheduled run against moto: the findings on a tagged load balancer are muted by
/// its tag and counted; the same run's other findings are all still reported.
#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_run_honours_a_mute_tag() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let e = engine(&moto, &seed).await;
    let before = scheduled(&e, &seed, "untagged").await;
    let shop = seed["load_balancers"]["shop"].as_str().unwrap();
    // The load balancer's tag covers its listeners' findings too.
    let shop_id = shop.split(":loadbalancer/").nth(1).unwrap();
    let on =
        |resource: &str| resource == shop || resource.contains(&format!(":listener/{shop_id}/"));
    let on_shop: Vec<String> = before
        .findings
        .iter()
        .filter(|f| on(&f.resource))
        .map(|f| f.id.clone())
        .collect();
    assert!(!on_shop.is_empty(), "the seeded shop ALB has findings");
    assert!(before.muted.is_empty());
    tag_estate(&sdk, &seed, "*").await;
    let after = scheduled(&e, &seed, "tagged").await;
    let muted: Vec<String> = after
        .muted
        .iter()
        .filter(|m| on(&m.resource))
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(muted, on_shop);
    assert!(after.findings.iter().all(|f| !on(&f.resource)));
    assert!(
        after
            .muted
            .iter()
            .all(|m| m.reason.starts_with("tag acm-doctor:mute=")),
        "{:?}",
        after.muted
    );
    assert_eq!(
        after.findings.len() + after.muted.len(),
        before.findings.len(),
        "a tag only moves findings to `muted`"
    );
}

/// `MUTE_FILE=s3://BUCKET/KEY`: read through the SDK at every run, so an edit applies at
/// the next one; the twin: a key that is not there mutes nothing and is named.
#[tokio::test(flavor = "multi_thread")]
async fn a_mute_file_in_s3_is_read_at_every_run() {
    let moto = Moto::start();
    let seed = moto.seed(300);
    let sdk = moto.sdk_config().await;
    let s3 = acm_doctor::aws::s3_client(&sdk);
    s3.create_bucket()
        .bucket("acm-doctor-config")
        .send()
        .await
        .unwrap();
    let put = |body: &'static str| {
        let s3 = s3.clone();
        async move {
            s3.put_object()
                .bucket("acm-doctor-config")
                .key("mutes.yaml")
                .body(body.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
    };
    put("mutes:\n  - check: imported_self_signed\n    hostname: legacy.example.com\n    reason: replaced in January (OPS-9)\n    until: 2099-01-01\n").await;
    let mut e = engine(&moto, &seed).await;
    e.config.mute_file = Some("s3://acm-doctor-config/mutes.yaml".into());
    let first = scheduled(&e, &seed, "s3-mutes-1").await;
    assert_eq!(first.muted.len(), 1, "{:?}", first.muted);
    assert_eq!(first.muted[0].check, "imported_self_signed");
    assert!(first.muted[0].reason.contains("OPS-9"));
    assert!(
        !first
            .findings
            .iter()
            .any(|f| f.check == "imported_self_signed")
    );
    // Edited in S3: the next run reads the new list (nothing muted any more).
    put("mutes: []\n").await;
    let second = scheduled(&e, &seed, "s3-mutes-2").await;
    assert!(second.muted.is_empty());
    assert!(
        second
            .findings
            .iter()
            .any(|f| f.check == "imported_self_signed")
    );
    // The twin: the object is gone; nothing is muted and the report says why.
    s3.delete_object()
        .bucket("acm-doctor-config")
        .key("mutes.yaml")
        .send()
        .await
        .unwrap();
    let third = scheduled(&e, &seed, "s3-mutes-3").await;
    assert!(third.muted.is_empty());
    let skip = third
        .skipped
        .iter()
        .find(|s| s.what == "MUTE_FILE")
        .expect("named");
    assert!(
        skip.reason.contains("s3://acm-doctor-config/mutes.yaml"),
        "{}",
        skip.reason
    );
}
