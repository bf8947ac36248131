//! A read-only index over a finished inventory, built once per run before the checks
//! ([`Index::new`]): certificates by ARN and each load balancer's, distribution's and API
//! Gateway domain's hostnames. The checks ask these once per probed host and per
//! destination; answered by scanning, a full scan cost hosts × certificates × listener
//! certificates (10,000 names on 1,000 certificates: 61 s of CPU, 5× the probe's).
//!
//! It borrows the inventory, so it cannot go stale, and derefs to it: everything else
//! the checks read is the inventory's own.

use super::*;
use crate::pki::hostname::{covered_by, normalize};
use std::borrow::Cow;
use std::collections::HashMap;

type Hostnames = BTreeMap<String, String>;

pub struct Index<'a> {
    inv: &'a Inventory,
    certificates: HashMap<&'a str, &'a Certificate>,
    /// Certificate ARNs by each (normalized) SAN they carry: a host is covered only by a
    /// SAN equal to it or `*.` its parent, so two lookups find every candidate.
    by_name: HashMap<String, Vec<&'a str>>,
    load_balancers: HashMap<&'a str, Hostnames>,
    distributions: HashMap<&'a str, Hostnames>,
    api_domains: HashMap<&'a str, Hostnames>,
}

impl std::ops::Deref for Index<'_> {
    type Target = Inventory;
    fn deref(&self) -> &Inventory {
        self.inv
    }
}

impl<'a> Index<'a> {
    pub fn new(inv: &'a Inventory) -> Index<'a> {
        let mut certificates = HashMap::with_capacity(inv.certificates.len());
        for c in &inv.certificates {
            // The first of an ARN, as `Inventory::certificate` answers.
            certificates.entry(c.arn.as_str()).or_insert(c);
        }
        let mut by_name: HashMap<String, Vec<&'a str>> = HashMap::new();
        for (arn, c) in &certificates {
            for san in &c.sans {
                let arns = by_name.entry(normalize(san)).or_default();
                if !arns.contains(arn) {
                    arns.push(arn);
                }
            }
        }
        let mut load_balancers = HashMap::new();
        for lb in &inv.load_balancers {
            load_balancers
                .entry(lb.arn.as_str())
                .or_insert_with(|| inv.load_balancer_hostnames(lb));
        }
        let mut distributions = HashMap::new();
        for d in &inv.distributions {
            distributions
                .entry(d.arn.as_str())
                .or_insert_with(|| inv.distribution_hostnames(d));
        }
        let mut api_domains = HashMap::new();
        for d in &inv.api_domains {
            api_domains
                .entry(d.arn.as_str())
                .or_insert_with(|| inv.api_domain_hostnames(d));
        }
        Index {
            inv,
            certificates,
            by_name,
            load_balancers,
            distributions,
            api_domains,
        }
    }

    /// The inventory's certificate of this ARN, if any.
    pub fn certificate(&self, arn: &str) -> Option<&'a Certificate> {
        self.certificates.get(arn).copied()
    }

    /// The ARNs of the inventory's certificates that cover `host` (as
    /// [`covered_by`] judges: a SAN equal to it, or a one-label wildcard over its parent).
    pub fn covering(&self, host: &str) -> Vec<&'a str> {
        let host = normalize(host);
        let wildcard = host
            .split_once('.')
            .map(|(_, parent)| format!("*.{parent}"));
        let mut out: Vec<&'a str> = [Some(&host), wildcard.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|n| self.by_name.get(n))
            .flatten()
            .copied()
            .filter(|arn| {
                self.certificates
                    .get(arn)
                    .is_some_and(|c| covered_by(&c.sans, &host))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// [`Inventory::load_balancer_hostnames`], computed once (a load balancer from
    /// elsewhere is computed on the spot).
    pub fn load_balancer_hostnames(&self, lb: &LoadBalancer) -> Cow<'_, Hostnames> {
        cached(&self.load_balancers, &lb.arn, || {
            self.inv.load_balancer_hostnames(lb)
        })
    }

    /// [`Inventory::distribution_hostnames`], computed once.
    pub fn distribution_hostnames(&self, d: &Distribution) -> Cow<'_, Hostnames> {
        cached(&self.distributions, &d.arn, || {
            self.inv.distribution_hostnames(d)
        })
    }

    /// [`Inventory::api_domain_hostnames`], computed once.
    pub fn api_domain_hostnames(&self, d: &ApiDomain) -> Cow<'_, Hostnames> {
        cached(&self.api_domains, &d.arn, || {
            self.inv.api_domain_hostnames(d)
        })
    }
}

fn cached<'m>(
    map: &'m HashMap<&str, Hostnames>,
    arn: &str,
    compute: impl FnOnce() -> Hostnames,
) -> Cow<'m, Hostnames> {
    match map.get(arn) {
        Some(h) => Cow::Borrowed(h),
        None => Cow::Owned(compute()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    /// The index answers what the inventory answers: the first certificate of an ARN,
    /// none for an unknown one, and the same hostnames for every destination.
    #[test]
    fn the_index_answers_as_the_inventory_does() {
        let lb = alb("web");
        let first = cert("dup", &["a.example.com"], 90);
        let second = cert("dup", &["b.example.com"], 90);
        let inv = Inventory {
            certificates: vec![first, second, cert("other", &["c.example.com"], 90)],
            dns_records: vec![
                alias_record("example.com", &lb.dns_name),
                cname_record("www.example.com", "example.com"),
            ],
            load_balancers: vec![lb.clone()],
            ..Default::default()
        };
        let index = Index::new(&inv);
        for arn in [cert_arn("dup"), cert_arn("other"), cert_arn("none")] {
            assert_eq!(
                index.certificate(&arn).map(|c| &c.sans),
                inv.certificate(&arn).map(|c| &c.sans)
            );
        }
        assert_eq!(
            index.certificate(&cert_arn("dup")).unwrap().sans,
            ["a.example.com"]
        );
        assert_eq!(
            *index.load_balancer_hostnames(&lb),
            inv.load_balancer_hostnames(&lb)
        );
        assert_eq!(index.load_balancer_hostnames(&lb).len(), 2);
        // Covering, as covered_by judges every certificate (first of an ARN only).
        let wild = cert("wild", &["*.Example.com.", "*.com", "f*.example.com"], 90);
        let inv2 = Inventory {
            certificates: vec![
                wild,
                cert("dup", &["a.example.com"], 90),
                cert("dup", &["x.example.com"], 90),
            ],
            ..Default::default()
        };
        let index2 = Index::new(&inv2);
        for host in [
            "a.example.com",
            "A.EXAMPLE.COM.",
            "x.example.com",
            "a.b.example.com",
            "example.com",
            "foo.example.com",
            "com",
            "",
        ] {
            let want: Vec<String> = inv2
                .certificates
                .iter()
                .filter(|c| {
                    inv2.certificate(&c.arn)
                        .is_some_and(|first| std::ptr::eq(first, *c))
                })
                .filter(|c| covered_by(&c.sans, host))
                .map(|c| c.arn.clone())
                .collect();
            let mut want = want;
            want.sort();
            assert_eq!(index2.covering(host), want, "{host}");
        }
        assert_eq!(
            index2.covering("a.example.com").len(),
            2,
            "the wildcard and the first dup"
        );
        // A load balancer not in the inventory: computed, not a wrong cached answer.
        let stranger = alb("stranger");
        assert!(index.load_balancer_hostnames(&stranger).is_empty());
        assert!(matches!(
            index.load_balancer_hostnames(&stranger),
            Cow::Owned(_)
        ));
    }
}
