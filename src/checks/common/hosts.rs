//! Where a hostname lands: which AWS resource it belongs to, which ACM certificate it
//! should be serving, and whether a front door (a CDN, Global Accelerator) sits before it.

use crate::checks::Context;
use crate::inventory::{ApiDomain, Certificate, Distribution, Inventory, LoadBalancer};
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

/// The resource a finding about `host` is filed under: the load balancer or
/// distribution the inventory routes it to, else `host:NAME`.
pub fn resource_for_host(inv: &Inventory, host: &str) -> (String, String) {
    for lb in &inv.load_balancers {
        if inv.load_balancer_hostnames(lb).contains_key(host) {
            return (lb.arn.clone(), lb.region.clone());
        }
    }
    for d in &inv.distributions {
        if inv.distribution_hostnames(d).contains_key(host) {
            return (d.arn.clone(), "global".into());
        }
    }
    for d in &inv.api_domains {
        if inv.api_domain_hostnames(d).contains_key(host) {
            return (d.arn.clone(), d.region.clone());
        }
    }
    (format!("host:{host}"), "global".into())
}

/// Whether the API Gateway domain's certificate (held by the inventory) covers `host`.
pub fn api_domain_carries(inv: &Inventory, d: &ApiDomain, host: &str) -> bool {
    d.certificate_arn
        .as_deref()
        .and_then(|a| inv.certificate(a))
        .is_some_and(|c| covered_by(&c.sans, host))
}

/// Whether one of the load balancer's TLS listener certificates (that the inventory
/// holds) covers `host`.
pub fn load_balancer_carries(inv: &Inventory, lb: &LoadBalancer, host: &str) -> bool {
    lb.https_listeners().any(|l| {
        l.certificates.iter().any(|c| {
            inv.certificate(&c.arn)
                .is_some_and(|c| covered_by(&c.sans, host))
        })
    })
}

/// Whether the distribution's viewer certificate (held by the inventory) covers `host`.
pub fn distribution_carries(inv: &Inventory, d: &Distribution, host: &str) -> bool {
    d.viewer_certificate
        .acm_certificate_arn
        .as_deref()
        .and_then(|a| inv.certificate(a))
        .is_some_and(|c| covered_by(&c.sans, host))
}

/// DNS names of the resources the inventory routes `host` to (load balancers by Route
/// 53 record or host-header rule, distributions by alias or record, API Gateway domains
/// by their name or record, and any resource
/// carrying an in-use certificate that covers the host).
pub fn expected_targets(inv: &Inventory, host: &str) -> Vec<String> {
    let mut out = Vec::new();
    for lb in &inv.load_balancers {
        let routed = inv.load_balancer_hostnames(lb).contains_key(host);
        if routed || load_balancer_carries(inv, lb, host) {
            out.push(normalize(&lb.dns_name));
        }
    }
    for d in &inv.distributions {
        let routed = inv.distribution_hostnames(d).contains_key(host);
        if routed || distribution_carries(inv, d, host) {
            out.push(normalize(&d.domain_name));
        }
    }
    for d in &inv.api_domains {
        let routed = inv.api_domain_hostnames(d).contains_key(host);
        if !d.target.is_empty() && (routed || api_domain_carries(inv, d, host)) {
            out.push(d.target.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// ACM certificates a visitor of `host` should receive: on each TLS listener the host is
/// routed to, the listener certificates covering it (SNI), else the default one; on each
/// distribution, its viewer certificate.
pub fn expected_certificates<'a>(inv: &'a Inventory, host: &str) -> Vec<&'a Certificate> {
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
