//! A read-only index over a finished inventory, built once per run before the checks
//! ([`Index::new`]): certificates by ARN and each load balancer's, distribution's and API
//! Gateway domain's hostnames. The checks ask these once per probed host and per
//! destination; answered by scanning, a full scan cost hosts × certificates × listener
//! certificates (10,000 names on 1,000 certificates: 61 s of CPU, 5× the probe's).
//!
//! It borrows the inventory, so it cannot go stale, and derefs to it: everything else
//! the checks read is the inventory's own.

use super::*;
use std::borrow::Cow;
use std::collections::HashMap;

type Hostnames = BTreeMap<String, String>;

pub struct Index<'a> {
    inv: &'a Inventory,
    certificates: HashMap<&'a str, &'a Certificate>,
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
            load_balancers,
            distributions,
            api_domains,
        }
    }

    /// The inventory's certificate of this ARN, if any.
    pub fn certificate(&self, arn: &str) -> Option<&'a Certificate> {
        self.certificates.get(arn).copied()
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
        // A load balancer not in the inventory: computed, not a wrong cached answer.
        let stranger = alb("stranger");
        assert!(index.load_balancer_hostnames(&stranger).is_empty());
        assert!(matches!(
            index.load_balancer_hostnames(&stranger),
            Cow::Owned(_)
        ));
    }
}
