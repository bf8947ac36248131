//! Every check speaks every report language: one estate that makes all checks fire
//! (most of their branches too), and a test that fails when any finding's title,
//! detail or prose step lacks English or Japanese. Over 400 lines: the estate is one
//! fixture that must make every check fire, so it stays in one place.
#![cfg(test)]

use crate::checks::{CHECKS, Context, run_all};
use crate::config::Config;
use crate::finding::{Finding, Step};
use crate::i18n::{Lang, has_japanese};
use crate::inventory::*;
use crate::probe::{HostFacts, InsecureRef};
use crate::testkit::*;
use chrono::Duration;
use std::collections::BTreeMap;

fn in_use(mut c: Certificate) -> Certificate {
    c.in_use = Some(true);
    c
}

fn imported(mut c: Certificate, pem: CertificatePem) -> Certificate {
    c.cert_type = "IMPORTED".into();
    c.renewal_eligibility = Some("INELIGIBLE".into());
    c.pem = Some(pem);
    c
}

fn dns_validation(domain: &str) -> DomainValidation {
    DomainValidation {
        domain_name: domain.into(),
        method: Some("DNS".into()),
        status: Some("PENDING_VALIDATION".into()),
        record: Some(ResourceRecord {
            name: format!("_0a1b2c.{domain}."),
            rtype: "CNAME".into(),
            value: "_9f8e7d.acm-validations.aws.".into(),
        }),
    }
}

/// The inventory: a certificate, load balancer or distribution for each configuration
/// check (and for several of their branches).
fn estate() -> (Inventory, Config) {
    let mut certs = Vec::new();

    let mut c = in_use(cert("expired", &["status.example.com"], -3));
    c.status = "EXPIRED".into();
    certs.push(c);
    let mut c = cert("expired-unused", &["old.example.com"], -30);
    c.status = "EXPIRED".into();
    certs.push(c);
    let mut c = in_use(cert("revoked", &["revoked.example.com"], 120));
    c.status = "REVOKED".into();
    certs.push(c);
    let mut c = cert("inactive-unused", &["inactive.example.com"], 120);
    c.status = "INACTIVE".into();
    certs.push(c);
    let mut c = in_use(cert("expiring", &["pay.example.com"], 5));
    c.renewal = Some(RenewalSummary {
        status: "PENDING_AUTO_RENEWAL".into(),
        ..Default::default()
    });
    certs.push(c);
    certs.push(imported(
        in_use(cert("imported-expiring", &["vendor.example.com"], 9)),
        ca_issued_pem("vendor.example.com", true),
    ));
    for (id, reason) in [("caa", "CAA_ERROR"), ("denied", "DOMAIN_VALIDATION_DENIED")] {
        let mut c = in_use(cert(id, &[&format!("{id}.example.com")], 40));
        c.renewal = Some(RenewalSummary {
            status: "FAILED".into(),
            reason: Some(reason.into()),
            updated_at: Some(now() - Duration::days(2)),
            validations: vec![dns_validation(&format!("{id}.example.com"))],
        });
        certs.push(c);
    }
    let mut c = cert("never", &["never.example.com"], 0);
    c.status = "VALIDATION_TIMED_OUT".into();
    c.not_after = None;
    certs.push(c);
    let mut c = in_use(cert("ineligible", &["ineligible.example.com"], 50));
    c.renewal_eligibility = Some("INELIGIBLE".into());
    certs.push(c);
    certs.push(imported(
        in_use(cert("imported-ok", &["partner.example.com"], 40)),
        ca_issued_pem("partner.example.com", true),
    ));
    let mut c = cert("pending", &["val.example.com"], 0);
    c.status = "PENDING_VALIDATION".into();
    c.validations = vec![dns_validation("val.example.com")];
    certs.push(c);
    certs.push(cert("spare", &["admin.example.com"], 200));
    certs.push(cert("lonely", &["lonely.example.com"], 200));
    let mut c = imported(
        cert("lonely-imported", &["kiosk.example.com"], 200),
        self_signed_pem("kiosk.example.com"),
    );
    c.renewal_eligibility = None;
    certs.push(c);
    certs.push(imported(
        in_use(cert("self-signed", &["legacy.example.com"], 300)),
        self_signed_pem("legacy.example.com"),
    ));
    certs.push(imported(
        in_use(cert("no-chain", &["b2b.example.com"], 300)),
        ca_issued_pem("b2b.example.com", false),
    ));
    let mut c = in_use(cert("no-ct", &["checkout.example.com"], 300));
    c.ct_logging = Some("DISABLED".into());
    certs.push(c);
    let mut c = cert("shop", &["shop.example.com"], 300);
    c.serial = Some("0a:0b:0c".into());
    certs.push(c);
    certs.push(cert("cdn", &["cdn.example.com"], 300));
    certs.push(cert("cdn-alias", &["media.example.com"], 300));
    let mut c = cert("private", &["intranet.example.com"], 300);
    c.cert_type = "PRIVATE".into();
    certs.push(c);

    // ALB "shop": HTTPS with a legacy policy, HTTP forwarding (with a path-scoped
    // redirect and a forwarding rule); admin.example.com reaches it uncovered.
    let mut shop = alb("shop");
    let mut https = with_certs(listener("shop", 443, "HTTPS", forward()), "shop", &[]);
    https.ssl_policy = Some("ELBSecurityPolicy-2016-08".into());
    shop.listeners.push(https);
    let mut http = listener("shop", 80, "HTTP", forward());
    http.rules = vec![
        Rule {
            arn: "rule/login".into(),
            priority: "1".into(),
            path_patterns: vec!["/login*".into()],
            actions: vec![redirect("HTTPS")],
            ..Default::default()
        },
        Rule {
            arn: "rule/legacy".into(),
            priority: "5".into(),
            host_headers: vec!["legacy.example.com".into()],
            actions: vec![forward()],
            ..Default::default()
        },
    ];
    shop.listeners.push(http);
    // ALB "intranet": internet-facing, serving the private-CA certificate.
    let mut intranet = alb("intranet");
    intranet.listeners.push(with_certs(
        listener("intranet", 443, "HTTPS", forward()),
        "private",
        &[],
    ));

    // Distributions: an alias the certificate misses, an allow-all behavior and an old
    // protocol; one pointing at a certificate outside us-east-1; one on the default
    // certificate with a custom alias.
    let mut cdn = distribution(
        "E1CDN",
        &["cdn.example.com", "static.example.com"],
        Some("cdn"),
    );
    cdn.viewer_certificate.minimum_protocol_version = Some("TLSv1".into());
    cdn.behaviors.push(CacheBehavior {
        path_pattern: "/legacy/*".into(),
        viewer_protocol_policy: "allow-all".into(),
    });
    let mut eu = distribution("E2EU", &["eu.example.com"], None);
    eu.viewer_certificate.cloudfront_default_certificate = false;
    eu.viewer_certificate.acm_certificate_arn =
        Some(format!("arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/eu"));
    let mut def = distribution("E3DEF", &[], None);
    def.default_behavior.viewer_protocol_policy = "allow-all".into();

    // ALB "plain": only an HTTP listener, yet reached over https://.
    let mut plain = alb("plain");
    plain
        .listeners
        .push(listener("plain", 80, "HTTP", forward()));

    let mut dns_records = vec![
        alias_record("plain.example.com", &plain.dns_name),
        alias_record("shop.example.com", &shop.dns_name),
        alias_record("admin.example.com", &shop.dns_name),
        alias_record("media.example.com", &def.domain_name),
    ];
    // A CNAME loop; a Classic Load Balancer with plain HTTP beside HTTPS; an API
    // Gateway domain still on TLS_1_0.
    for (name, target) in [
        ("loop-a.example.com", "loop-b.example.com"),
        ("loop-b.example.com", "loop-a.example.com"),
    ] {
        dns_records.push(DnsRecord {
            rtype: "CNAME".into(),
            alias: false,
            ..alias_record(name, target)
        });
    }
    let legacy = classic_lb("legacy", "self-signed", true);
    dns_records.push(alias_record("legacy.example.com", &legacy.dns_name));
    let mut api = api_domain("api.example.com", "no-ct");
    api.security_policy = Some("TLS_1_0".into());
    dns_records.push(DnsRecord {
        rtype: "CNAME".into(),
        name: "_0a1b2c.caa.example.com".into(),
        values: vec!["_stale.acm-validations.aws.".into()],
        ..alias_record("_0a1b2c.caa.example.com", "")
    });

    let skipped = vec![Skipped {
        account: None,
        kind: Default::default(),
        what: "cloudfront:ListDistributions".into(),
        region: None,
        reason: "AccessDenied: not authorized".into(),
    }];
    let inv = Inventory {
        regions: vec!["us-east-1".into()],
        skipped,
        certificates: certs,
        load_balancers: vec![shop, intranet, plain, legacy],
        distributions: vec![cdn, eu, def],
        api_domains: vec![api],
        dns_records,
        mute_tags: Vec::new(),
    };

    // Pins: the empty-input pin, one that matches nothing, and the imported leaf's key.
    let leaf = crate::pki::x509::parse_pem(
        &inv.certificate(&cert_arn("imported-ok"))
            .and_then(|c| c.pem.as_ref())
            .unwrap()
            .certificate,
    )
    .unwrap();
    let config = Config {
        pinned_spki_sha256: vec![
            crate::pki::pins::EMPTY_INPUT_PIN.into(),
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
            leaf[0].spki_sha256.clone(),
        ],
        ..Config::default()
    };
    (inv, config)
}

/// What the probe saw: a host for each live check and for several of their branches.
fn hosts() -> Vec<HostFacts> {
    let ca = test_ca();
    let mut out = Vec::new();
    let served = |host: &str, spec: LeafSpec| host_serving(host, ca.chain(&spec));

    // shop.example.com: valid, trusted, without SCTs, with a serial AWS does not know,
    // resolving away from its ALB; page with mixed content; port 80 serving content.
    let mut h = served("shop.example.com", LeafSpec::new(&["shop.example.com"]));
    h.page.attempted = true;
    h.page.status = Some(200);
    h.page.insecure = ["script", "img", "form"]
        .iter()
        .map(|el| InsecureRef {
            element: el.to_string(),
            attribute: "src".into(),
            url: format!("http://assets.example.net/{el}"),
        })
        .collect();
    h.http.attempted = true;
    h.http.status = Some(200);
    out.push(h);

    let mut h = served("www.example.com", LeafSpec::new(&["other.example.com"]));
    h.http.attempted = true;
    h.http.closed = true;
    h.http.error = Some("connection refused".into());
    out.push(h);
    let mut spec = LeafSpec::new(&[]);
    spec.cn = Some("cn-only.example.com".into());
    out.push(served("cn-only.example.com", spec));
    let mut h = served("no-san.example.com", LeafSpec::new(&[]));
    h.http.attempted = true;
    h.http.status = Some(301);
    h.http.location = Some("https://elsewhere.example.net/".into());
    out.push(h);

    let mut spec = LeafSpec::new(&["expired.example.com"]);
    spec.not_before = now() - Duration::days(100);
    spec.not_after = now() - Duration::days(2);
    let mut h = served("expired.example.com", spec);
    h.http.attempted = true;
    h.http.status = Some(302);
    h.http.location = Some("http://expired.example.com/home".into());
    out.push(h);
    let mut spec = LeafSpec::new(&["future.example.com"]);
    spec.not_before = now() + Duration::days(2);
    let mut h = served("future.example.com", spec);
    h.http.attempted = true;
    h.http.error = Some("connection reset".into());
    out.push(h);

    let self_signed = rcgen::generate_simple_self_signed(vec!["legacy.example.com".into()])
        .unwrap()
        .cert
        .der()
        .to_vec();
    out.push(host_serving("legacy.example.com", vec![self_signed]));
    out.push(host_serving(
        "b2b.example.com",
        vec![ca.leaf(&LeafSpec::new(&["b2b.example.com"]))],
    ));
    let mut spec = LeafSpec::new(&["client.example.com"]);
    spec.client_auth_only = true;
    out.push(served("client.example.com", spec));
    out.push(host_serving(
        "garbage.example.com",
        vec![b"not a certificate".to_vec()],
    ));
    out.push(host_serving(
        "intranet.example.com",
        pem_chain_der(&ca_issued_pem("intranet.example.com", true)),
    ));

    // admin.example.com reaches the shop ALB, whose HTTP:80 listener never answers.
    let mut h = served("admin.example.com", LeafSpec::new(&["admin.example.com"]));
    h.http.attempted = true;
    h.http.closed = true;
    h.http.error = Some("connection timed out".into());
    out.push(h);

    // Port 443 refuses: on the HTTP-only ALB, on a name outside the inventory, and on a
    // private address out of the probe's reach.
    for (name, ip) in [
        ("plain.example.com", "203.0.113.10"),
        ("down.example.org", "198.51.100.7"),
        ("intra.example.org", "10.0.0.1"),
    ] {
        let mut h = HostFacts::new(name);
        h.dns.addresses = vec![ip.parse().unwrap()];
        h.tls.address = Some(format!("{ip}:443"));
        h.tls.error = Some("connection refused".into());
        out.push(h);
    }

    let mut h = HostFacts::new("gone.example.com");
    h.dns.error = Some("NXDOMAIN".into());
    out.push(h);
    let mut h = HostFacts::new("elsewhere.example.com");
    h.dns.addresses = vec!["192.0.2.10".parse().unwrap()];
    out.push(h);
    out
}

/// The leaf and stored chain of a PEM bundle, as DER in served order.
fn pem_chain_der(p: &CertificatePem) -> Vec<Vec<u8>> {
    let all = format!("{}{}", p.certificate, p.chain.clone().unwrap_or_default());
    all.split("-----END CERTIFICATE-----")
        .filter_map(|block| {
            let b64: String = block
                .lines()
                .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
                .collect();
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.decode(b64).ok()
        })
        .filter(|d| !d.is_empty())
        .collect()
}

/// Every finding the whole estate produces, rendered in `lang` as a report renders it.
pub fn all_findings(lang: Lang) -> Vec<Finding> {
    let mut findings = on_estate(run_all);
    crate::report::localize(&mut findings, lang);
    findings
}

/// Runs `f` on the context of the whole estate.
fn on_estate<T>(f: impl FnOnce(&Context) -> T) -> T {
    let (inv, config) = estate();
    let hosts = hosts();
    let trust = crate::pki::trust::TrustStore::with_public_roots(&test_ca().root_pem);
    let addresses: BTreeMap<String, Vec<std::net::IpAddr>> = inv
        .load_balancers
        .iter()
        .map(|lb| (lb.dns_name.clone(), vec!["10.0.0.1".parse().unwrap()]))
        .collect();
    let index = crate::inventory::Index::new(&inv);
    let ctx = Context {
        inventory: &index,
        hosts: &hosts,
        resource_addresses: &addresses,
        trust: &trust,
        ct_logs: crate::pki::ct_logs::CtLogs::bundled(),
        now: now(),
        settings: config.check_settings(),
        full_scan: true,
    };
    f(&ctx)
}

/// `run_all` stamps each finding with its check's id, so a check that names another
/// would be silently corrected; this holds each check to its own id before the stamp.
#[test]
fn each_check_emits_only_its_own_id() {
    let wrong: Vec<String> = on_estate(|ctx| {
        CHECKS
            .iter()
            .flat_map(|c| {
                c.run(ctx)
                    .into_iter()
                    .filter(|f| f.check != c.id())
                    .map(|f| format!("{} emitted a finding as {}", c.id(), f.check))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_estate_makes_every_check_fire() {
    let findings = all_findings(Lang::En);
    let missing: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.id())
        .filter(|id| !findings.iter().any(|f| f.check == *id))
        .collect();
    assert!(
        missing.is_empty(),
        "checks with no finding on the language estate: {missing:?}"
    );
}

#[test]
fn every_finding_has_english_and_japanese_text() {
    let findings = all_findings(Lang::Ja);
    assert!(findings.len() > 40, "{} findings", findings.len());
    let mut problems = Vec::new();
    for f in &findings {
        let mut texts = vec![("title", &f.text.title), ("detail", &f.text.detail)];
        for s in &f.text.steps {
            if let Step::Prose(t) = s {
                texts.push(("step", t));
            }
        }
        if f.text.steps.is_empty() {
            problems.push(format!("{}: no remediation", f.check));
        }
        for (what, t) in texts {
            if t.en.trim().is_empty() || has_japanese(&t.en) {
                problems.push(format!("{} {what} lacks English: {:?}", f.check, t.en));
            }
            if !has_japanese(&t.ja) {
                problems.push(format!("{} {what} lacks Japanese: {:?}", f.check, t.ja));
            }
        }
        // The run's language is what the finding reports in.
        assert_eq!(f.title, f.text.title.ja);
        assert_eq!(f.detail, f.text.detail.ja);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn english_runs_report_in_english() {
    for f in all_findings(Lang::En) {
        assert!(!has_japanese(&f.title), "{}", f.title);
        assert!(!has_japanese(&f.detail), "{}", f.detail);
        assert!(f.remediation.iter().all(|s| !has_japanese(s)), "{f:?}");
    }
}
