//! Where a hostname lands: which AWS resource it belongs to, which ACM certificate it
//! should be serving, and whether a front door (a CDN, Global Accelerator) sits before it.

use crate::checks::Context;
use crate::inventory::{ApiDomain, Certificate, Distribution, Index, Inventory, LoadBalancer};
use crate::pki::hostname::{covered_by, normalize};
use crate::pki::trust::{Verdict, time_within_validity};
use crate::probe::HostFacts;

/// Front doors a hostname may reach AWS through, by the DNS names they answer with: a
/// third-party CDN terminates TLS with its own certificate, Global Accelerator passes
/// it through. Either way the ACM certificate is not what a visitor is shown first.
const FRONT_DOORS: &[(&str, &str)] = &[
    (".cdn.cloudflare.net", "Cloudflare"),
    (".fastly.net", "Fastly"),
    (".edgekey.net", "Akamai"),
    (".edgesuite.net", "Akamai"),
    (".akamaiedge.net", "Akamai"),
    (".akamaized.net", "Akamai"),
    (".azureedge.net", "Azure CDN"),
    (".azurefd.net", "Azure Front Door"),
    (".incapdns.net", "Imperva"),
    (".b-cdn.net", "Bunny CDN"),
    (".awsglobalaccelerator.com", "AWS Global Accelerator"),
];

/// The front door `h` reaches through — `(provider, the DNS name that says so)` — from
/// its live CNAME chain or its Route 53 alias target.
pub fn front_door(inv: &Inventory, h: &HostFacts) -> Option<(&'static str, String)> {
    let aliases = inv
        .dns_records
        .iter()
        .filter(|r| r.alias && r.name == h.hostname)
        .map(|r| &r.target);
    h.dns.cname_chain.iter().chain(aliases).find_map(|name| {
        FRONT_DOORS
            .iter()
            .find(|(suffix, _)| name.ends_with(suffix))
            .map(|(_, provider)| (*provider, name.clone()))
    })
}

/// Whether what `h` serves opens without a warning: a chain the browser trusts, valid
/// now, whose leaf covers the hostname.
pub fn serves_valid_certificate(ctx: &Context, h: &HostFacts) -> bool {
    let Some(Ok(leaf)) = h.served_leaf() else {
        return false;
    };
    let now = ctx.now.timestamp();
    leaf.not_before <= now
        && now < leaf.not_after
        && crate::pki::hostname::served_leaf_covers(&h.tls.served_chain[0], &h.hostname)
        && matches!(
            ctx.trust
                .verify(&h.tls.served_chain, time_within_validity(&leaf, now)),
            Verdict::Trusted { .. }
        )
}

/// A resource visitors reach by hostname: a load balancer, a CloudFront distribution or
/// an API Gateway custom domain. The questions every check asks of one (which names
/// reach it, which DNS name they must lead to, does it carry a certificate for a name)
/// are answered here once.
#[derive(Clone, Copy)]
pub enum Destination<'a> {
    LoadBalancer(&'a LoadBalancer),
    Distribution(&'a Distribution),
    ApiDomain(&'a ApiDomain),
}

impl<'a> Destination<'a> {
    pub fn arn(&self) -> &'a str {
        match self {
            Destination::LoadBalancer(lb) => &lb.arn,
            Destination::Distribution(d) => &d.arn,
            Destination::ApiDomain(d) => &d.arn,
        }
    }

    /// Where a finding about it is filed (CloudFront is global).
    pub fn region(&self) -> &'a str {
        match self {
            Destination::LoadBalancer(lb) => &lb.region,
            Destination::Distribution(_) => "global",
            Destination::ApiDomain(d) => &d.region,
        }
    }

    /// The DNS name its visitors' records must lead to (none for an API Gateway domain
    /// whose target AWS did not give).
    pub fn dns_name(&self) -> Option<String> {
        match self {
            Destination::LoadBalancer(lb) => Some(normalize(&lb.dns_name)),
            Destination::Distribution(d) => Some(normalize(&d.domain_name)),
            Destination::ApiDomain(d) => Some(d.target.clone()).filter(|t| !t.is_empty()),
        }
    }

    /// The hostnames that reach it, with where each is from.
    pub fn hostnames<'i>(
        &self,
        inv: &'i Index,
    ) -> std::borrow::Cow<'i, std::collections::BTreeMap<String, String>> {
        match self {
            Destination::LoadBalancer(lb) => inv.load_balancer_hostnames(lb),
            Destination::Distribution(d) => inv.distribution_hostnames(d),
            Destination::ApiDomain(d) => inv.api_domain_hostnames(d),
        }
    }

    /// Whether a certificate it serves (and the inventory holds) covers `host`: one of a
    /// load balancer's TLS listener certificates, a distribution's viewer certificate, an
    /// API Gateway domain's certificate.
    pub fn carries(&self, inv: &Index, host: &str) -> bool {
        self.carries_one_of(&inv.covering(host))
    }

    /// Whether it serves one of `covering` (certificate ARNs, [`Index::covering`]).
    fn carries_one_of(&self, covering: &[&str]) -> bool {
        let covers = |arn: &str| covering.contains(&arn);
        match self {
            Destination::LoadBalancer(lb) => lb
                .https_listeners()
                .any(|l| l.certificates.iter().any(|c| covers(&c.arn))),
            Destination::Distribution(d) => d
                .viewer_certificate
                .acm_certificate_arn
                .as_deref()
                .is_some_and(covers),
            Destination::ApiDomain(d) => d.certificate_arn.as_deref().is_some_and(covers),
        }
    }
}

/// Every destination of the inventory: load balancers, then distributions, then API
/// Gateway domains (the order findings are attributed in).
pub fn destinations(inv: &Inventory) -> impl Iterator<Item = Destination<'_>> {
    inv.load_balancers
        .iter()
        .map(Destination::LoadBalancer)
        .chain(inv.distributions.iter().map(Destination::Distribution))
        .chain(inv.api_domains.iter().map(Destination::ApiDomain))
}

/// The resource a finding about `host` is filed under: the destination the inventory
/// routes it to, else `host:NAME`.
pub fn resource_for_host(inv: &Index, host: &str) -> (String, String) {
    destinations(inv)
        .find(|d| d.hostnames(inv).contains_key(host))
        .map(|d| (d.arn().to_string(), d.region().to_string()))
        .unwrap_or_else(|| (format!("host:{host}"), "global".into()))
}

/// DNS names of the destinations the inventory routes `host` to (load balancers by
/// Route 53 record or host-header rule, distributions by alias or record, API Gateway
/// domains by their name or record), and of any carrying a certificate that covers it.
pub fn expected_targets(inv: &Index, host: &str) -> Vec<String> {
    let covering = inv.covering(host);
    let mut out: Vec<String> = destinations(inv)
        .filter(|d| d.hostnames(inv).contains_key(host) || d.carries_one_of(&covering))
        .filter_map(|d| d.dns_name())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// ACM certificates a visitor of `host` should receive: on each TLS listener the host is
/// routed to, the listener certificates covering it (SNI), else the default one; on each
/// distribution, its viewer certificate.
pub fn expected_certificates<'a>(inv: &Index<'a>, host: &str) -> Vec<&'a Certificate> {
    let mut out: Vec<&Certificate> = Vec::new();
    for lb in &inv.load_balancers {
        if !inv.load_balancer_hostnames(lb).contains_key(host) {
            continue;
        }
        for l in lb.https_listeners().filter(|l| l.port == 443) {
            let certs: Vec<&Certificate> = l
                .certificates
                .iter()
                .filter_map(|c| inv.certificate(&c.arn))
                .collect();
            let covering: Vec<&Certificate> = certs
                .iter()
                .copied()
                .filter(|c| covered_by(&c.sans, host))
                .collect();
            if covering.is_empty() {
                out.extend(l.default_certificate().and_then(|a| inv.certificate(a)));
            } else {
                out.extend(covering);
            }
        }
    }
    for d in &inv.distributions {
        if inv.distribution_hostnames(d).contains_key(host) {
            out.extend(
                d.viewer_certificate
                    .acm_certificate_arn
                    .as_deref()
                    .and_then(|a| inv.certificate(a)),
            );
        }
    }
    for d in &inv.api_domains {
        if inv.api_domain_hostnames(d).contains_key(host) {
            out.extend(
                d.certificate_arn
                    .as_deref()
                    .and_then(|a| inv.certificate(a)),
            );
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out.dedup_by(|a, b| a.arn == b.arn);
    out
}

/// ACM reports serials as colon-separated hex ("0a:1b:…"); moto as a decimal string.
/// Normalised to lower-case hex without leading zeros.
pub fn normalize_serial(s: &str) -> String {
    let s = s.trim();
    let hex = if s.contains(':') || s.chars().any(|c| c.is_ascii_alphabetic()) {
        s.replace(':', "").to_ascii_lowercase()
    } else {
        match s.parse::<num_bigint::BigUint>() {
            Ok(n) => n.to_str_radix(16),
            Err(_) => s.to_ascii_lowercase(),
        }
    };
    let t = hex.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_compare_across_formats() {
        assert_eq!(normalize_serial("0a:1B:ff"), "a1bff");
        assert_eq!(normalize_serial("660991"), "a15ff");
        assert_eq!(normalize_serial("00a15ff"), "a15ff");
    }
}
