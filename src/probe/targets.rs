//! Which hostnames a run probes: every name a visitor could type, and nothing else.

use super::ProbeTarget;
use crate::config::Config;
use crate::inventory::{Inventory, ListenerProtocol};
use crate::pki::hostname::{is_wildcard, to_ascii};
use crate::trigger::Scope;
use std::collections::BTreeMap;

/// Route 53 records pointing at a load balancer, distribution or API Gateway domain, ALB
/// host-header conditions, CloudFront aliases, API Gateway custom domain names (not
/// private ones), the non-wildcard SANs of in-use certificates, and
/// `PROBE_HOSTNAMES` (not in an event-scoped run). The inventory is already scoped, so a
/// scoped run probes only the hostnames of its certificates.
pub fn targets(inv: &Inventory, config: &Config, scope: &Scope) -> Vec<ProbeTarget> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let internal = private_only_hostnames(inv);
    let mut add = |host: &str, source: String| {
        if is_wildcard(host) || internal.contains_key(host) {
            return;
        }
        if let Some(h) = to_ascii(host) {
            let v = out.entry(h).or_default();
            if !v.contains(&source) {
                v.push(source);
            }
        }
    };
    for lb in &inv.load_balancers {
        if lb.https_listeners().next().is_none()
            && !lb
                .listeners
                .iter()
                .any(|l| l.protocol == ListenerProtocol::Http)
        {
            continue;
        }
        for (h, src) in inv.load_balancer_hostnames(lb) {
            add(&h, format!("{src} → {}", lb.name));
        }
    }
    for d in &inv.distributions {
        for (h, src) in inv.distribution_hostnames(d) {
            add(&h, format!("{src} → {}", d.id));
        }
    }
    for d in inv.api_domains.iter().filter(|d| !d.is_private()) {
        for (h, src) in inv.api_domain_hostnames(d) {
            add(&h, format!("{src} → {}", d.name));
        }
    }
    for c in inv.certificates.iter().filter(|c| inv.is_in_use(c)) {
        for san in &c.sans {
            add(san, format!("SAN of in-use certificate {}", c.arn));
        }
    }
    if matches!(scope, Scope::Full) {
        for h in &config.probe_hostnames {
            add(h, "PROBE_HOSTNAMES".to_string());
        }
    }
    out.into_iter()
        .map(|(hostname, sources)| ProbeTarget { hostname, sources })
        .collect()
}

/// Hostnames whose Route 53 records are all in private hosted zones, with the zone: they
/// answer only inside the zone's VPCs, so the public resolver this probe uses would call
/// them "does not resolve". They are not probed, and the report says so.
pub fn private_only_hostnames(inv: &Inventory) -> BTreeMap<String, String> {
    let mut public = std::collections::BTreeSet::new();
    let mut private = BTreeMap::new();
    // Records a visitor's lookup answers with (not a zone's own SOA and NS).
    for r in inv
        .dns_records
        .iter()
        .filter(|r| matches!(r.rtype.as_str(), "A" | "AAAA" | "CNAME"))
    {
        if r.private_zone {
            private
                .entry(r.name.clone())
                .or_insert_with(|| r.zone_name.clone());
        } else {
            public.insert(r.name.as_str());
        }
    }
    private.retain(|name, _| !public.contains(name.as_str()));
    private
}

/// What the report's `skipped` list says about each private-only hostname.
pub fn private_only_skipped(inv: &Inventory) -> Vec<crate::inventory::Skipped> {
    private_only_hostnames(inv)
        .into_iter()
        .map(|(host, zone)| crate::inventory::Skipped {
account: None,
            kind: crate::inventory::SkipKind::Deliberate,
            what: format!("probe {host}"),
            region: None,
            reason: format!(
                "only in the private hosted zone {zone}: it answers inside that zone's VPCs, not through the public resolver the probe uses (run acm-doctor inside the VPC to probe it)"
            ),
        })
        .collect()
}

/// The DNS names of the inventory's resources, resolved so checks can compare addresses.
pub fn resource_names(inv: &Inventory) -> Vec<String> {
    let mut v: Vec<String> = inv
        .load_balancers
        .iter()
        .map(|l| l.dns_name.clone())
        .chain(inv.distributions.iter().map(|d| d.domain_name.clone()))
        .chain(inv.api_domains.iter().map(|d| d.target.clone()))
        .filter(|n| !n.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    /// Item 2: API Gateway custom domains and Classic Load Balancer names are probed;
    /// a private API's domain (reached only inside a VPC) is not.
    #[test]
    fn api_gateway_domains_and_classic_names_are_probed_private_apis_are_not() {
        let clb = classic_lb("legacy", "c", true);
        let mut private = api_domain("internal-api.example.com", "c");
        private.endpoint_type = "PRIVATE".into();
        let inv = Inventory {
            api_domains: vec![api_domain("api.example.com", "c"), private],
            dns_records: vec![alias_record("legacy.example.com", &clb.dns_name)],
            load_balancers: vec![clb],
            ..Default::default()
        };
        let hosts: Vec<String> = targets(&inv, &Config::default(), &Scope::Full)
            .into_iter()
            .map(|t| t.hostname)
            .collect();
        assert_eq!(hosts, ["api.example.com", "legacy.example.com"]);
    }

    /// Item 4: a name that exists only in a private hosted zone is not probed from the
    /// public resolver (it would "not resolve"); the same name also in a public zone is.
    #[test]
    fn private_zone_only_names_are_not_probed_and_are_named() {
        let lb = alb("web");
        let mut internal = alias_record("intra.example.com", &lb.dns_name);
        internal.private_zone = true;
        let mut split = internal.clone();
        split.name = "www.example.com".into();
        // The private zone's own NS record is not a name anyone visits.
        let mut apex = internal.clone();
        apex.name = "corp.example.com".into();
        apex.rtype = "NS".into();
        apex.alias = false;
        apex.target = String::new();
        apex.values = vec!["ns-1.awsdns-00.com.".into()];
        let inv = Inventory {
            dns_records: vec![
                apex,
                internal,
                split,
                alias_record("www.example.com", &lb.dns_name),
            ],
            load_balancers: vec![{
                let mut lb = lb.clone();
                lb.listeners.push(with_certs(
                    listener("web", 443, "HTTPS", forward()),
                    "c",
                    &[],
                ));
                lb
            }],
            ..Default::default()
        };
        let hosts: Vec<String> = targets(&inv, &Config::default(), &Scope::Full)
            .into_iter()
            .map(|t| t.hostname)
            .collect();
        assert_eq!(hosts, ["www.example.com"]);
        let skipped = private_only_skipped(&inv);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].what, "probe intra.example.com");
        assert!(
            skipped[0]
                .reason
                .contains("private hosted zone example.com")
        );
    }

    #[test]
    fn every_visitor_hostname_once_and_no_wildcards() {
        let mut inv = Inventory::default();
        let mut c = cert("c", &["shop.example.com", "*.example.com"], 100);
        c.in_use = Some(true);
        inv.certificates.push(c);
        inv.certificates
            .push(cert("unused", &["unused.example.com"], 100));
        let mut lb = alb("shop");
        lb.listeners.push(with_certs(
            listener("shop", 443, "HTTPS", forward()),
            "c",
            &[],
        ));
        inv.dns_records
            .push(alias_record("shop.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        inv.distributions.push(distribution(
            "E1",
            &["cdn.example.com", "*.cdn.example.com"],
            Some("c"),
        ));
        let cfg = Config {
            probe_hostnames: vec!["Extra.Example.com".into()],
            ..Default::default()
        };
        let t = targets(&inv, &cfg, &Scope::Full);
        let names: Vec<&str> = t.iter().map(|t| t.hostname.as_str()).collect();
        assert_eq!(
            names,
            vec!["cdn.example.com", "extra.example.com", "shop.example.com"]
        );
        assert_eq!(t[2].sources.len(), 2, "Route 53 record and SAN");
        let scoped = targets(&inv, &cfg, &Scope::Certificates(vec![]));
        assert!(scoped.iter().all(|t| t.hostname != "extra.example.com"));
    }
}
