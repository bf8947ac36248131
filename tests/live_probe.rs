//! The probe and the live checks against real nginx and dnsmasq on loopback.

use crate::support::live::*;
use acm_doctor::config::Config;
use acm_doctor::finding::{Finding, Severity};
use acm_doctor::handler::diagnose_hosts;
use acm_doctor::probe::{HostFacts, NetProber, Timeouts};
use std::time::Duration;

fn timeouts() -> Timeouts {
    Timeouts {
        dns: Duration::from_secs(2),
        connect: Duration::from_secs(2),
        handshake: Duration::from_secs(2),
        headers: Duration::from_secs(2),
        body: Duration::from_secs(5),
        host: Duration::from_secs(8),
    }
}

/// Probes `host` through dnsmasq, trusting the test root as a private root.
async fn diagnose(host: &str) -> (HostFacts, Vec<Finding>) {
    let estate = LiveEstate::get();
    let config = Config {
        dns_servers: vec![estate.dns.clone()],
        extra_trusted_ca_pem: Some(estate.root_pem()),
        ..Default::default()
    };
    let prober = NetProber::new(&config.dns_servers, 4, timeouts()).unwrap();
    let (mut hosts, findings, warnings) =
        diagnose_hosts(&prober, &config, vec![host.to_string()], chrono::Utc::now()).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    (hosts.remove(0), findings)
}

fn checks(f: &[Finding]) -> Vec<&str> {
    let mut v: Vec<&str> = f.iter().map(|f| f.check.as_str()).collect();
    v.sort();
    v.dedup();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn valid_site_has_no_findings_and_records_the_facts() {
    let (h, f) = diagnose("valid.acmd.test").await;
    assert!(f.is_empty(), "{f:#?}");
    assert_eq!(
        h.dns.addresses,
        vec!["127.0.0.2".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(h.tls.served_chain.len(), 2);
    assert!(h.tls.protocol.as_deref().unwrap().starts_with("TLSv1_"));
    assert_eq!(h.http.status, Some(301));
    assert_eq!(h.http.location.as_deref(), Some("https://valid.acmd.test/"));
    assert_eq!(h.page.status, Some(200));
    assert!(h.page.hsts.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_names_and_trust_are_told_apart() {
    let cases: &[(&str, &[&str])] = &[
        ("expired.acmd.test", &["served_certificate_expired"]),
        ("notyet.acmd.test", &["served_certificate_expired"]),
        ("wrong.acmd.test", &["served_name_mismatch"]),
        ("a.wild.acmd.test", &[]),
        ("b.a.wild.acmd.test", &["served_name_mismatch"]),
        ("cnonly.acmd.test", &["served_name_mismatch"]),
        ("selfsigned.acmd.test", &["served_chain_untrusted"]),
        ("nointer.acmd.test", &["served_chain_untrusted"]),
        ("nointer-aia.acmd.test", &["served_chain_untrusted"]),
        ("private.acmd.test", &["served_chain_untrusted"]),
    ];
    for (host, want) in cases {
        let (_, f) = diagnose(host).await;
        assert_eq!(checks(&f), *want, "{host}: {f:#?}");
    }
    let (_, f) = diagnose("selfsigned.acmd.test").await;
    assert_eq!(f[0].evidence["problem"]["problem"], "self-signed");
    let (_, f) = diagnose("nointer.acmd.test").await;
    assert_eq!(f[0].evidence["problem"]["problem"], "incomplete-chain");
    assert!(f[0].detail.contains("no AIA URL"));
    let (_, f) = diagnose("nointer-aia.acmd.test").await;
    assert!(
        f[0].detail.contains("http://valid.acmd.test/inter.crt"),
        "{}",
        f[0].detail
    );
    assert!(f[0].detail.contains("Firefox"));
    let (_, f) = diagnose("private.acmd.test").await;
    assert_eq!(f[0].evidence["problem"]["problem"], "unknown-root");
    let (_, f) = diagnose("expired.acmd.test").await;
    assert_eq!(f[0].severity, Severity::Critical);
}

#[tokio::test(flavor = "multi_thread")]
async fn mixed_content_is_classified() {
    let (h, f) = diagnose("mixed.acmd.test").await;
    assert_eq!(h.page.insecure.len(), 4, "{:?}", h.page.insecure);
    let classes: Vec<&str> = f
        .iter()
        .filter(|f| f.check == "mixed_content")
        .map(|f| f.evidence["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, vec!["blockable", "form", "upgradeable"]);
}

/// Issue 10, mixed content as browsers apply it, each on real nginx with its twin:
/// a WordPress head loads nothing insecure (clean); the page a visitor lands on after
/// `/` → `/en/` is the one scanned; a CSP upgrade header turns the same references that
/// are HIGH on mixed.acmd.test into information.
#[tokio::test(flavor = "multi_thread")]
async fn mixed_content_follows_browsers() {
    let (h, f) = diagnose("wordpress.acmd.test").await;
    assert!(h.page.insecure.is_empty(), "{:?}", h.page.insecure);
    assert!(f.iter().all(|f| f.check != "mixed_content"), "{f:#?}");

    let (h, f) = diagnose("landing.acmd.test").await;
    assert_eq!(h.page.redirects, ["https://landing.acmd.test/en/"]);
    let mixed: Vec<&Finding> = f.iter().filter(|f| f.check == "mixed_content").collect();
    assert_eq!(mixed.len(), 1, "{f:#?}");
    assert_eq!(mixed[0].severity, Severity::High);
    assert_eq!(
        mixed[0].evidence["redirects"][0],
        "https://landing.acmd.test/en/"
    );

    let (h, f) = diagnose("upgrade.acmd.test").await;
    assert!(h.page.upgrade_insecure_requests);
    let mixed: Vec<Severity> = f
        .iter()
        .filter(|f| f.check == "mixed_content")
        .map(|f| f.severity)
        .collect();
    assert_eq!(mixed, [Severity::Info]);
}

/// A server that asks for a client certificate is a named fact (nginx here answers the
/// certificate-less request with 400 after the handshake); the valid site does not ask.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_certificate_request_is_recorded() {
    let (h, _) = diagnose("mtls.acmd.test").await;
    assert!(h.tls.client_certificate_requested, "{:?}", h.tls);
    let (h, _) = diagnose("valid.acmd.test").await;
    assert!(!h.tls.client_certificate_requested);
}

/// `Location: https://host:80/` (nginx here, an ALB redirect left at #{port} in real
/// life) is broken; the twin redirect sites of this estate stay clean.
#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_https_on_port_80_is_caught() {
    let (h, f) = diagnose("keepport.acmd.test").await;
    assert_eq!(
        h.http.location.as_deref(),
        Some("https://keepport.acmd.test:80/")
    );
    let live: Vec<(&str, Severity)> = f
        .iter()
        .filter(|f| f.check == "http_not_redirected_live")
        .map(|f| (f.title.as_str(), f.severity))
        .collect();
    assert_eq!(live.len(), 1, "{f:#?}");
    assert_eq!(live[0].1, Severity::High);
    let (_, f) = diagnose("valid.acmd.test").await;
    assert!(
        f.iter().all(|f| f.check != "http_not_redirected_live"),
        "{f:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn port_80_behaviour() {
    let (_, f) = diagnose("noredirect.acmd.test").await;
    assert_eq!(checks(&f), vec!["http_not_redirected_live"]);
    assert!(f[0].title.contains("status 200"));
    let (_, f) = diagnose("otherhost.acmd.test").await;
    assert!(f[0].title.contains("another host"), "{f:#?}");
    let (h, f) = diagnose("loop.acmd.test").await;
    assert_eq!(
        h.http.status,
        Some(302),
        "the redirect loop is recorded, not followed"
    );
    assert!(f[0].title.contains("not to HTTPS"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cname_chain_is_recorded() {
    let (h, f) = diagnose("alias.acmd.test").await;
    assert_eq!(
        h.dns.cname_chain,
        vec!["edge.acmd.test", "web-lb.elb.acmd.test"]
    );
    assert!(f.is_empty(), "{f:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_endpoints_become_facts_not_crashes() {
    let started = std::time::Instant::now();
    let (h, f) = diagnose("garbage.acmd.test").await;
    assert!(
        h.tls.error.as_deref().unwrap().contains("handshake failed"),
        "{:?}",
        h.tls.error
    );
    assert!(h.http.closed, "nothing listens on port 80 there");
    // Regression: a name whose :443 gives no certificate was "no findings".
    assert!(checks(&f).contains(&"https_unreachable"), "{f:#?}");
    let (h, f) = diagnose("silent.acmd.test").await;
    assert!(
        h.tls.error.as_deref().unwrap().contains("timed out"),
        "{:?}",
        h.tls.error
    );
    assert!(checks(&f).contains(&"https_unreachable"), "{f:#?}");
    let (h, _) = diagnose("big.acmd.test").await;
    assert!(h.page.truncated);
    assert_eq!(h.page.bytes_read, 2 * 1024 * 1024);
    let (h, f) = diagnose("nosuchhost.invalid").await;
    assert!(h.dns.error.is_some());
    assert!(checks(&f).contains(&"dns_not_associated"));
    // Bounded by the per-step timeouts, not by the servers.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn probe_cli_reports_and_sets_the_exit_status() {
    let estate = LiveEstate::get();
    let run = |host: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_acm-doctor"))
            .arg("probe")
            .arg(host)
            .args(["--ca-file", estate.root_pem_path.to_str().unwrap()])
            .args(extra)
            .env("DNS_SERVERS", &estate.dns)
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .output()
            .unwrap()
    };
    let ok = run("valid.acmd.test", &[]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("No findings"));
    let bad = run("wrong.acmd.test", &[]);
    assert_eq!(bad.status.code(), Some(2));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.contains("other.acmd.test") && text.contains("fix:"),
        "{text}"
    );
    // --resolve skips DNS; --json gives machine-readable output.
    let json = run(
        "selfsigned.acmd.test",
        &[
            "--resolve",
            "selfsigned.acmd.test:127.0.0.2",
            "--json",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(
        json.status.code(),
        Some(0),
        "high findings are below --fail-on critical"
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["hosts"][0]["dns"]["overridden"], true);
    assert_eq!(v["findings"][0]["check"], "served_chain_untrusted");
    assert_eq!(v["schema"], "acm-doctor.probe.v1");
    assert_eq!(
        crate::support::schema_errors("probe.v1.json", &v),
        Vec::<String>::new()
    );
    if std::env::var_os("ACM_DOCTOR_UPDATE_EXAMPLES").is_some() {
        let dir = crate::support::repo_root().join("docs/examples/formats");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("probe.txt"), &bad.stdout).unwrap();
        std::fs::write(dir.join("probe.json"), &json.stdout).unwrap();
    }
}
