use super::*;

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
        // Real-estate shapes (issue 9): www through a CNAME to shop, a DNS loop, an API
        // Gateway domain on TLS_1_0, a validation record misplaced in the parent of a
        // delegated sub-zone.
        ("alb_host_not_covered", "www.example.com"),
        ("dns_record_loop", "old.example.com"),
        ("legacy_tls_policy", "gateway.example.com"),
        ("validation_record_missing", "eu.example.com"),
    ];
    for (check, host) in expect {
        assert!(
            got.contains(&(check.to_string(), host.to_string())),
            "missing {check} {host}: got {got:#?}"
        );
    }
    // Three HTTP listeners fail (shop forwards with only a path-scoped redirect; partner
    // uses #{protocol}; the Classic Load Balancer cannot redirect); legacy, status and
    // checkout redirect properly.
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
            seed["listeners"]["partner-http"].as_str().unwrap(),
            format!(
                "{}/listener/80",
                seed["load_balancers"]["classic"].as_str().unwrap()
            )
            .as_str(),
        ])
    );
    // The healthy twins of the new front doors stay clean: the API Gateway domain on
    // TLS_1_2, and the Classic Load Balancer with an IAM certificate far from expiry.
    for host in [
        "payments.example.com",
        "vault.example.com",
        "classic.example.com",
    ] {
        let about: Vec<&(String, String)> = got.iter().filter(|(_, h)| h == host).collect();
        assert!(about.is_empty(), "{host}: {about:?}");
    }
    let eu = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "validation_record_missing" && f["hostname"] == "eu.example.com")
        .unwrap();
    assert_eq!(eu["evidence"]["delegated_zone"], "eu.example.com", "{eu:#}");
    // A healthy imported certificate far from expiry (legacy's, whatever else is wrong
    // with it) is not a renewal finding: only 45 days out does it need a person.
    assert!(
        !got.contains(&("renewal_ineligible".into(), "legacy.example.com".into())),
        "{got:#?}"
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
