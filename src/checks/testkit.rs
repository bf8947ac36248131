//! Fixtures for check unit tests: a fixed clock and small builders of inventory data.

use crate::checks::{Context, Finding};
use crate::config::Config;
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
    format!("arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/{name}/50dc6c495c0c9188")
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
    Action::Forward { target: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1".into() }
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
    l.certificates.push(ListenerCertificate { arn: cert_arn(default), is_default: true });
    for s in sni {
        l.certificates.push(ListenerCertificate { arn: cert_arn(s), is_default: false });
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
        default_behavior: CacheBehavior { path_pattern: "*".into(), viewer_protocol_policy: "redirect-to-https".into() },
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
    }
}

/// Runs one check over an inventory at the fixed clock with a default config.
pub fn run(check: &dyn crate::checks::Check, inv: &Inventory) -> Vec<Finding> {
    run_with(check, inv, &Config::default())
}

pub fn run_with(check: &dyn crate::checks::Check, inv: &Inventory, config: &Config) -> Vec<Finding> {
    let hosts: Vec<HostFacts> = Vec::new();
    let ctx = Context { inventory: inv, hosts: &hosts, now: now(), config };
    check.run(&ctx)
}

/// A self-signed certificate for `host`, as PEM (leaf only, no chain).
pub fn self_signed_pem(host: &str) -> CertificatePem {
    let ck = rcgen::generate_simple_self_signed(vec![host.to_string()]).unwrap();
    CertificatePem { certificate: ck.cert.pem(), chain: None }
}

/// A leaf for `host` issued by a test intermediate (itself under a test root); the
/// stored chain holds the intermediate and root when `with_chain`, only the root
/// otherwise (as moto stores an imported certificate without a chain).
pub fn ca_issued_pem(host: &str, with_chain: bool) -> CertificatePem {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params.distinguished_name.push(DnType::CommonName, "Test Root");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root = CertifiedIssuer::self_signed(root_params, KeyPair::generate().unwrap()).unwrap();
    let mut int_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    int_params.distinguished_name.push(DnType::CommonName, "Test Intermediate");
    int_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let inter = CertifiedIssuer::signed_by(int_params, KeyPair::generate().unwrap(), &root).unwrap();
    let mut leaf_params = CertificateParams::new(vec![host.to_string()]).unwrap();
    leaf_params.distinguished_name.push(DnType::CommonName, host);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &inter).unwrap();
    let chain = if with_chain { format!("{}{}", inter.pem(), root.pem()) } else { root.pem() };
    CertificatePem { certificate: leaf.pem(), chain: Some(chain) }
}
