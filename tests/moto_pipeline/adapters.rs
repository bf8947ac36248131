use super::*;

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
