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
    assert_eq!(inv.load_balancers.len(), 8, "six ALBs and two Classic");
    // Classic Load Balancers: listeners mapped, one certificate each, ACM's and IAM's.
    let classic = inv
        .load_balancers
        .iter()
        .find(|l| l.name == "classic")
        .unwrap();
    assert!(classic.is_classic() && classic.is_internet_facing());
    assert_eq!(
        classic.arn,
        seed["load_balancers"]["classic"].as_str().unwrap()
    );
    let ports: Vec<(i32, String)> = classic
        .listeners
        .iter()
        .map(|l| (l.port, l.protocol.to_string()))
        .collect();
    assert_eq!(ports, [(443, "HTTPS".into()), (80, "HTTP".into())]);
    assert_eq!(
        classic.listeners[0].default_certificate(),
        seed["certificates"]["classic"].as_str()
    );
    let vault_arn = seed["iam_certificates"]["vault"].as_str().unwrap();
    let vault = inv
        .certificate(vault_arn)
        .expect("IAM certificate read from IAM");
    assert_eq!(vault.cert_type.as_str(), "IAM_SERVER_CERTIFICATE");
    assert_eq!(vault.sans, ["vault.example.com"]);
    assert!(vault.not_after.is_some() && vault.pem.as_ref().unwrap().chain.is_some());
    // API Gateway custom domains, with the target DNS must lead to.
    assert_eq!(inv.api_domains.len(), 2);
    for d in &inv.api_domains {
        assert_eq!(d.endpoint_type, "REGIONAL");
        assert_eq!(
            d.certificate_arn.as_deref(),
            seed["certificates"]["gateway"].as_str()
        );
        assert_eq!(
            Some(d.target.as_str()),
            seed["api_domains"][&d.name].as_str()
        );
    }
    assert!(
        inv.api_domains
            .iter()
            .any(|d| d.security_policy.as_deref() == Some("TLS_1_0"))
    );
    // Private zones and delegations are read as such.
    assert!(
        inv.dns_records
            .iter()
            .any(|r| r.name == "wiki.corp.example.com" && r.private_zone)
    );
    assert!(
        inv.dns_records
            .iter()
            .any(|r| r.name == "eu.example.com" && r.rtype == "NS" && !r.private_zone)
    );
    let shop = inv
        .load_balancers
        .iter()
        .find(|l| l.name == "shop")
        .unwrap();
    let https = shop.listeners.iter().find(|l| l.port == 443).unwrap();
    assert_eq!(
        https.certificates.len(),
        3,
        "default + two SNI certificates (api, eu): {:?}",
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
