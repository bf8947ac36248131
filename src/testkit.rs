//! The crate-wide test kit: fixed clock, inventory builders, a test CA, check runners.
//! Over 400 lines: a list of small independent builders, read by lookup, not in order.

use crate::checks::Context;
use crate::config::Config;
use crate::finding::{Cause, Finding, Severity};
use crate::inventory::*;
use crate::probe::HostFacts;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// The fixed "now" of every check test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

pub const ACCOUNT: &str = "123456789012";

pub fn cert_arn(id: &str) -> String {
    format!("arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{id}")
}

/// An issued, in-use-by-nothing, Amazon-issued certificate valid for `days` more days.
pub fn cert(id: &str, sans: &[&str], days: i64) -> Certificate {
    Certificate {
        arn: cert_arn(id),
        region: "us-east-1".into(),
        domain_name: sans.first().unwrap_or(&"").to_string(),
        sans: sans.iter().map(|s| s.to_string()).collect(),
        cert_type: "AMAZON_ISSUED".into(),
        status: "ISSUED".into(),
        not_before: Some(now() - Duration::days(30)),
        not_after: Some(now() + Duration::days(days)),
        in_use: Some(false),
        renewal_eligibility: Some("ELIGIBLE".into()),
        ct_logging: Some("ENABLED".into()),
        described: true,
        ..Default::default()
    }
}

pub fn lb_arn(name: &str) -> String {
    format!(
        "arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/{name}/50dc6c495c0c9188"
    )
}

/// An internet-facing ALB with no listeners.
pub fn alb(name: &str) -> LoadBalancer {
    LoadBalancer {
        arn: lb_arn(name),
        name: name.into(),
        region: "us-east-1".into(),
        dns_name: format!("{name}-1234567890.us-east-1.elb.amazonaws.com"),
        scheme: "internet-facing".into(),
        lb_type: "application".into(),
        listeners: Vec::new(),
    }
}

pub fn listener(lb: &str, port: i32, protocol: &str, default: Action) -> Listener {
    Listener {
        arn: format!(
            "arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/{lb}/50dc6c495c0c9188/{port:016x}"
        ),
        port,
        protocol: protocol.into(),
        ssl_policy: (protocol == "HTTPS").then(|| "ELBSecurityPolicy-TLS13-1-2-2021-06".into()),
        default_actions: vec![default],
        rules: Vec::new(),
        certificates: Vec::new(),
    }
}

pub fn forward() -> Action {
    Action::Forward {
        target: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1".into(),
    }
}

pub fn redirect(protocol: &str) -> Action {
    Action::Redirect {
        protocol: Some(protocol.into()),
        port: Some("443".into()),
        host: None,
        path: None,
        status_code: "HTTP_301".into(),
    }
}

pub fn with_certs(mut l: Listener, default: &str, sni: &[&str]) -> Listener {
    l.certificates.push(ListenerCertificate {
        arn: cert_arn(default),
        is_default: true,
    });
    for s in sni {
        l.certificates.push(ListenerCertificate {
            arn: cert_arn(s),
            is_default: false,
        });
    }
    l
}

pub fn distribution(id: &str, aliases: &[&str], cert_id: Option<&str>) -> Distribution {
    Distribution {
        id: id.into(),
        arn: format!("arn:aws:cloudfront::{ACCOUNT}:distribution/{id}"),
        domain_name: format!("{}.cloudfront.net", id.to_ascii_lowercase()),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        enabled: true,
        viewer_certificate: ViewerCertificate {
            acm_certificate_arn: cert_id.map(cert_arn),
            cloudfront_default_certificate: cert_id.is_none(),
            ssl_support_method: cert_id.map(|_| "sni-only".into()),
            minimum_protocol_version: Some("TLSv1.2_2021".into()),
            ..Default::default()
        },
        default_behavior: CacheBehavior {
            path_pattern: "*".into(),
            viewer_protocol_policy: "redirect-to-https".into(),
        },
        behaviors: Vec::new(),
    }
}

pub fn alias_record(name: &str, target: &str) -> DnsRecord {
    DnsRecord {
        zone_id: "Z0EXAMPLE".into(),
        zone_name: "example.com".into(),
        name: name.into(),
        rtype: "A".into(),
        target: target.into(),
        alias: true,
        values: Vec::new(),
        private_zone: false,
    }
}

/// A Route 53 CNAME record `name` → `target` (in the example.com test zone).
pub fn cname_record(name: &str, target: &str) -> DnsRecord {
    DnsRecord {
        rtype: "CNAME".into(),
        alias: false,
        ..alias_record(name, target)
    }
}

/// An internet-facing Classic Load Balancer with an HTTPS:443 listener carrying
/// certificate `cert_id` and, when `http` is set, an HTTP:80 listener.
pub fn classic_lb(name: &str, cert_id: &str, http: bool) -> LoadBalancer {
    let arn = format!("arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/{name}");
    let instance = Action::Forward {
        target: "instances HTTP:80".into(),
    };
    let mut listeners = vec![Listener {
        arn: format!("{arn}/listener/443"),
        port: 443,
        protocol: "HTTPS".into(),
        default_actions: vec![instance.clone()],
        certificates: vec![ListenerCertificate {
            arn: cert_arn(cert_id),
            is_default: true,
        }],
        ..Default::default()
    }];
    if http {
        listeners.push(Listener {
            arn: format!("{arn}/listener/80"),
            port: 80,
            protocol: "HTTP".into(),
            default_actions: vec![instance],
            ..Default::default()
        });
    }
    LoadBalancer {
        arn,
        name: name.into(),
        region: "us-east-1".into(),
        dns_name: format!("{name}-1234567890.us-east-1.elb.amazonaws.com"),
        scheme: "internet-facing".into(),
        lb_type: CLASSIC.into(),
        listeners,
    }
}

/// A regional API Gateway custom domain with certificate `cert_id` and `TLS_1_2`.
pub fn api_domain(name: &str, cert_id: &str) -> ApiDomain {
    ApiDomain {
        arn: format!("arn:aws:apigateway:us-east-1::/domainnames/{name}"),
        name: name.into(),
        region: "us-east-1".into(),
        endpoint_type: "REGIONAL".into(),
        certificate_arn: Some(cert_arn(cert_id)),
        security_policy: Some("TLS_1_2".into()),
        target: "d-abc123.execute-api.us-east-1.amazonaws.com".into(),
        status: Some("AVAILABLE".into()),
    }
}

/// Runs one check over an inventory at the fixed clock with a default config.
pub fn run_check(check: &dyn crate::checks::Check, inv: &Inventory) -> Vec<Finding> {
    run_with(check, inv, &Config::default())
}

pub fn run_with(
    check: &dyn crate::checks::Check,
    inv: &Inventory,
    config: &Config,
) -> Vec<Finding> {
    run_live(check, inv, &[], config)
}

/// Runs one check over an inventory and probe facts; the test CA's root stands in for
/// the browser's public roots.
pub fn run_live(
    check: &dyn crate::checks::Check,
    inv: &Inventory,
    hosts: &[HostFacts],
    config: &Config,
) -> Vec<Finding> {
    let trust = crate::pki::trust::TrustStore::with_public_roots(&test_ca().root_pem);
    run_with_trust(
        check,
        inv,
        hosts,
        &std::collections::BTreeMap::new(),
        &trust,
        config,
    )
}

/// Runs one check with explicit trust roots and resolved resource addresses.
pub fn run_with_trust(
    check: &dyn crate::checks::Check,
    inv: &Inventory,
    hosts: &[HostFacts],
    resource_addresses: &std::collections::BTreeMap<String, Vec<std::net::IpAddr>>,
    trust: &crate::pki::trust::TrustStore,
    config: &Config,
) -> Vec<Finding> {
    let index = crate::inventory::Index::new(inv);
    let ctx = Context {
        inventory: &index,
        hosts,
        resource_addresses,
        trust,
        ct_logs: crate::pki::ct_logs::CtLogs::bundled(),
        now: now(),
        settings: config.check_settings(),
        full_scan: true,
    };
    check.run(&ctx)
}

/// A self-signed certificate for `host`, as PEM (leaf only, no chain).
pub fn self_signed_pem(host: &str) -> CertificatePem {
    let ck = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    CertificatePem {
        certificate: ck.cert.pem(),
        chain: None,
    }
}

/// A leaf for `host` issued by a test intermediate (itself under a test root); the
/// stored chain holds the intermediate and root when `with_chain`, only the root
/// otherwise (as moto stores an imported certificate without a chain).
pub fn ca_issued_pem(host: &str, with_chain: bool) -> CertificatePem {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params
        .distinguished_name
        .push(DnType::CommonName, "Test Root");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root = CertifiedIssuer::self_signed(root_params, KeyPair::generate().unwrap()).unwrap();
    let mut int_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    int_params
        .distinguished_name
        .push(DnType::CommonName, "Test Intermediate");
    int_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let inter =
        CertifiedIssuer::signed_by(int_params, KeyPair::generate().unwrap(), &root).unwrap();
    let mut leaf_params = CertificateParams::new(vec![host.to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, host);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &inter).unwrap();
    let chain = if with_chain {
        format!("{}{}", inter.pem(), root.pem())
    } else {
        root.pem()
    };
    CertificatePem {
        certificate: leaf.pem(),
        chain: Some(chain),
    }
}

/// A test PKI: a root (standing in for a browser-trusted root) and an intermediate.
pub struct TestCa {
    pub root_pem: String,
    pub inter_der: Vec<u8>,
    inter: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

/// What a test leaf looks like.
#[derive(Clone)]
pub struct LeafSpec {
    pub sans: Vec<String>,
    pub cn: Option<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Embedded SCTs: the log ids (base64).
    pub scts: Vec<String>,
    pub client_auth_only: bool,
}

impl LeafSpec {
    pub fn new(sans: &[&str]) -> LeafSpec {
        LeafSpec {
            sans: sans.iter().map(|s| s.to_string()).collect(),
            cn: None,
            not_before: now() - Duration::days(10),
            not_after: now() + Duration::days(80),
            scts: Vec::new(),
            client_auth_only: false,
        }
    }
}

fn to_offset(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap()
}

/// The RFC 6962 SCT list extension value for the given log ids.
fn sct_extension(log_ids: &[String]) -> rcgen::CustomExtension {
    use base64::Engine;
    let mut list = Vec::new();
    for (i, id) in log_ids.iter().enumerate() {
        let id = base64::engine::general_purpose::STANDARD
            .decode(id)
            .unwrap();
        let mut sct = vec![0u8]; // v1
        sct.extend_from_slice(&id);
        sct.extend_from_slice(&(1_700_000_000_000u64 + i as u64).to_be_bytes());
        sct.extend_from_slice(&[0, 0]); // no extensions
        sct.extend_from_slice(&[4, 3, 0, 4, 1, 2, 3, 4]); // sha256/ecdsa, 4-byte fake signature
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(&sct);
    }
    let mut tls = (list.len() as u16).to_be_bytes().to_vec();
    tls.extend_from_slice(&list);
    // extnValue holds an OCTET STRING wrapping the TLS-encoded list.
    let mut der = vec![0x04];
    // DER lengths are minimal: webpki refuses `82 00 A1` for 161 (BadDer).
    if tls.len() < 128 {
        der.push(tls.len() as u8);
    } else if tls.len() < 256 {
        der.extend_from_slice(&[0x81, tls.len() as u8]);
    } else {
        der.extend_from_slice(&[0x82, (tls.len() >> 8) as u8, tls.len() as u8]);
    }
    der.extend_from_slice(&tls);
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], der)
}

impl TestCa {
    /// Issues a leaf under the intermediate; returns its DER.
    pub fn leaf(&self, spec: &LeafSpec) -> Vec<u8> {
        use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair};
        let mut p = CertificateParams::new(spec.sans.clone()).unwrap();
        if let Some(cn) = &spec.cn {
            p.distinguished_name.push(DnType::CommonName, cn);
        }
        p.not_before = to_offset(spec.not_before);
        p.not_after = to_offset(spec.not_after);
        p.extended_key_usages = vec![if spec.client_auth_only {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        if !spec.scts.is_empty() {
            p.custom_extensions.push(sct_extension(&spec.scts));
        }
        p.signed_by(&KeyPair::generate().unwrap(), &self.inter)
            .unwrap()
            .der()
            .to_vec()
    }
    /// Leaf + intermediate, as a well-configured server sends them.
    pub fn chain(&self, spec: &LeafSpec) -> Vec<Vec<u8>> {
        vec![self.leaf(spec), self.inter_der.clone()]
    }
}

impl TestCa {
    /// An expired CA certificate issued by the test intermediate: an old cross-sign a
    /// server still sends beside its chain, on no path a browser needs.
    pub fn expired_cross_sign(&self) -> Vec<u8> {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(DnType::CommonName, "acm-doctor Old Cross-Sign");
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = to_offset(now() - Duration::days(3000));
        p.not_after = to_offset(now() - Duration::days(30));
        p.signed_by(&KeyPair::generate().unwrap(), &self.inter)
            .unwrap()
            .der()
            .to_vec()
    }
}

/// The shared test PKI (made once per test binary).
pub fn test_ca() -> &'static TestCa {
    static CA: std::sync::OnceLock<TestCa> = std::sync::OnceLock::new();
    CA.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
        let mut rp = CertificateParams::new(Vec::<String>::new()).unwrap();
        rp.distinguished_name
            .push(DnType::CommonName, "acm-doctor Test Root");
        rp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        rp.not_before = to_offset(now() - Duration::days(3650));
        rp.not_after = to_offset(now() + Duration::days(3650));
        let root = CertifiedIssuer::self_signed(rp, KeyPair::generate().unwrap()).unwrap();
        let mut ip = CertificateParams::new(Vec::<String>::new()).unwrap();
        ip.distinguished_name
            .push(DnType::CommonName, "acm-doctor Test Intermediate");
        ip.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ip.not_before = to_offset(now() - Duration::days(3650));
        ip.not_after = to_offset(now() + Duration::days(3650));
        let inter = CertifiedIssuer::signed_by(ip, KeyPair::generate().unwrap(), &root).unwrap();
        let inter_der = inter.der().to_vec();
        TestCa {
            root_pem: root.pem(),
            inter_der,
            inter,
        }
    })
}

/// Probe facts for a host that served `chain`.
pub fn host_serving(host: &str, chain: Vec<Vec<u8>>) -> HostFacts {
    let mut h = HostFacts::new(host);
    h.dns.addresses = vec!["127.0.0.1".parse().unwrap()];
    h.tls.served_chain = chain;
    h.tls.protocol = Some("TLSv1_3".into());
    h
}

/// The "shop" estate the live checks share: one internet-facing ALB whose HTTPS
/// listener carries `certificate` (id "c"), and `shop.example.com` aliased to it.
pub fn shop_estate(certificate: Certificate) -> Inventory {
    let mut lb = alb("shop");
    lb.listeners.push(with_certs(
        listener("shop", 443, "HTTPS", forward()),
        "c",
        &[],
    ));
    let mut inv = Inventory {
        certificates: vec![certificate],
        ..Default::default()
    };
    inv.dns_records
        .push(alias_record("shop.example.com", &lb.dns_name));
    inv.load_balancers.push(lb);
    inv
}

/// Runs a live check with the test root as a public root and `extra_root_pem` as
/// `EXTRA_TRUSTED_CA_PEM`.
pub fn run_trusting_extra(
    check: &dyn crate::checks::Check,
    hosts: &[HostFacts],
    public_root_pem: &str,
    extra_root_pem: &str,
) -> Vec<Finding> {
    let mut trust = crate::pki::trust::TrustStore::with_public_roots(public_root_pem);
    assert!(
        trust.add_extra(extra_root_pem).is_empty(),
        "the extra root is a usable anchor"
    );
    run_with_trust(
        check,
        &Inventory::default(),
        hosts,
        &std::collections::BTreeMap::new(),
        &trust,
        &Config::default(),
    )
}

/// A report of `findings` for account 123456789012 at the fixed clock.
pub fn report_of(findings: Vec<Finding>) -> crate::report::Report {
    crate::report::Report::new(
        "run-1".into(),
        Some(ACCOUNT.into()),
        crate::trigger::Trigger::manual(),
        now(),
        crate::report::Scanned::default(),
        vec![],
        findings,
    )
}

/// A finding of `check` on `resource` with a long detail and one step, id assigned (for
/// report and publish tests, where the wording does not matter).
pub fn finding(check: &str, sev: Severity, cause: Cause, resource: &str) -> Finding {
    let mut f = Finding::new(check, sev, resource, "us-east-1")
        .title(format!("{check} on {resource}"))
        .detail("x".repeat(400))
        .step("do the thing");
    f.cause = cause;
    f.assign_id();
    f
}

/// A small report with real check ids at four severities, two with a hostname (for
/// the output formats' tests).
pub fn sample_report() -> crate::report::Report {
    let host = |check: &str, sev: Severity, cause: Cause, res: &str, h: &str| {
        let mut f = finding(check, sev, cause, res);
        f.hostname = Some(h.to_string());
        f.evidence
            .insert("served".into(), serde_json::json!("CN=old.example.com"));
        f.assign_id();
        f
    };
    report_of(vec![
        finding(
            "certificate_expired",
            Severity::Critical,
            Cause::Expired,
            &cert_arn("status"),
        ),
        host(
            "alb_host_not_covered",
            Severity::High,
            Cause::NameMismatch,
            &lb_arn("web"),
            "blog.example.com",
        ),
        host(
            "mixed_content",
            Severity::Medium,
            Cause::MixedContent,
            "host:shop.example.com",
            "shop.example.com",
        ),
        finding(
            "legacy_tls_policy",
            Severity::Low,
            Cause::TlsConfiguration,
            &lb_arn("old"),
        ),
    ])
}
