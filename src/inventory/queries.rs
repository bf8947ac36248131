//! What the inventory answers: where a certificate is used, which hostnames reach a
//! load balancer or distribution, which records point where; and narrowing an
//! event-scoped inventory to what its certificates touch.

use super::*;
use crate::pki::hostname::normalize;

/// Where a certificate is used.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Usage {
    Listener {
        lb_arn: String,
        listener_arn: String,
        is_default: bool,
    },
    Distribution {
        arn: String,
    },
    /// An API Gateway custom domain name.
    ApiDomain {
        arn: String,
    },
    /// Named by ACM's `InUseBy` only (another integrated service, or a resource the
    /// inventory did not list).
    InUseBy {
        arn: String,
    },
    /// Exported with `ExportCertificate` and so installed outside AWS, where no
    /// inventory can see it (ACM's summary says `Exported`).
    Exported,
}

impl Inventory {
    pub fn certificate(&self, arn: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.arn == arn)
    }

    /// Every place a certificate is used: from the inventory itself (listener and
    /// viewer certificates), from ACM's `InUseBy`, which on real AWS names load
    /// balancers and distributions but on moto names listeners, and outside AWS when it
    /// was exported.
    pub fn usages(&self, arn: &str) -> Vec<Usage> {
        let mut out = BTreeSet::new();
        let mut known = BTreeSet::new();
        for lb in &self.load_balancers {
            for l in &lb.listeners {
                for c in l.certificates.iter().filter(|c| c.arn == arn) {
                    out.insert(Usage::Listener {
                        lb_arn: lb.arn.clone(),
                        listener_arn: l.arn.clone(),
                        is_default: c.is_default,
                    });
                    known.insert(lb.arn.clone());
                    known.insert(l.arn.clone());
                }
            }
        }
        for d in &self.distributions {
            if d.viewer_certificate.acm_certificate_arn.as_deref() == Some(arn) {
                out.insert(Usage::Distribution { arn: d.arn.clone() });
                known.insert(d.arn.clone());
            }
        }
        for d in &self.api_domains {
            if d.certificate_arn.as_deref() == Some(arn) {
                out.insert(Usage::ApiDomain { arn: d.arn.clone() });
                known.insert(d.arn.clone());
            }
        }
        if let Some(c) = self.certificate(arn) {
            for user in &c.in_use_by {
                if !known.contains(user) {
                    out.insert(Usage::InUseBy { arn: user.clone() });
                }
            }
            if c.exported {
                out.insert(Usage::Exported);
            }
        }
        out.into_iter().collect()
    }

    /// Whether ACM or the inventory says the certificate is attached somewhere (an
    /// exported certificate counts: it is deployed outside AWS).
    pub fn is_in_use(&self, cert: &Certificate) -> bool {
        cert.in_use == Some(true) || !self.usages(&cert.arn).is_empty()
    }

    /// The load balancer that owns a listener ARN.
    pub fn load_balancer_of_listener(&self, listener_arn: &str) -> Option<&LoadBalancer> {
        self.load_balancers
            .iter()
            .find(|lb| lb.listeners.iter().any(|l| l.arn == listener_arn))
    }

    /// Route 53 records that lead to `dns_name`: whose alias target or CNAME value is it,
    /// or is another such record's name (`www CNAME example.com` where the apex is an
    /// alias to the load balancer; an alias to another record of the zone; CNAMEs across
    /// the account's zones). At most [`MAX_DNS_HOPS`] records deep; a loop ends the walk.
    pub fn records_pointing_at<'a>(&'a self, dns_name: &str) -> Vec<&'a DnsRecord> {
        let mut out: Vec<&DnsRecord> = Vec::new();
        let mut seen = BTreeSet::from([strip_dualstack(&normalize(dns_name))]);
        let mut frontier: Vec<String> = seen.iter().cloned().collect();
        for _ in 0..MAX_DNS_HOPS {
            let mut next = Vec::new();
            for r in &self.dns_records {
                let target = strip_dualstack(&r.target);
                if r.target.is_empty() || !frontier.contains(&target) {
                    continue;
                }
                // A record matches in one round only: later frontiers hold new names.
                out.push(r);
                if seen.insert(r.name.clone()) {
                    next.push(r.name.clone());
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        out
    }

    /// Hostnames a visitor could type to reach a load balancer: Route 53 records that
    /// point at it and host-header conditions of its rules (wildcards dropped: they are
    /// not names anyone types). Sorted, deduplicated, with where each came from.
    pub fn load_balancer_hostnames(&self, lb: &LoadBalancer) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        self.add_record_hostnames(&lb.dns_name, &mut out);
        for l in lb.https_listeners() {
            add_rule_hostnames(l, &mut out);
        }
        out
    }

    /// Hostnames a browser sends to one TLS listener: the Route 53 names of its load
    /// balancer when it listens on 443 (what `https://NAME/` reaches), and the host-header
    /// conditions of its own rules. An admin listener on 8443 is not where `www` lands.
    pub fn listener_hostnames(&self, lb: &LoadBalancer, l: &Listener) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if l.port == 443 {
            self.add_record_hostnames(&lb.dns_name, &mut out);
        }
        add_rule_hostnames(l, &mut out);
        out
    }

    /// The names of the Route 53 records leading to `dns_name`, with where each is from.
    fn add_record_hostnames(&self, dns_name: &str, out: &mut BTreeMap<String, String>) {
        for r in self.records_pointing_at(dns_name) {
            out.entry(r.name.clone()).or_insert_with(|| {
                let private = if r.private_zone {
                    " (private zone)"
                } else {
                    ""
                };
                format!("Route 53 {} @ {}{private}", r.rtype, r.zone_name)
            });
        }
    }

    /// Hostnames that reach a distribution: its aliases and Route 53 records.
    pub fn distribution_hostnames(&self, d: &Distribution) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for a in &d.aliases {
            if !crate::pki::hostname::is_wildcard(a) {
                out.insert(normalize(a), "CloudFront alias".to_string());
            }
        }
        self.add_record_hostnames(&d.domain_name, &mut out);
        out
    }

    /// Hostnames that reach an API Gateway custom domain: the domain name itself (unless
    /// a wildcard domain) and the Route 53 records leading to its target.
    pub fn api_domain_hostnames(&self, d: &ApiDomain) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if !crate::pki::hostname::is_wildcard(&d.name) {
            out.insert(d.name.clone(), "API Gateway custom domain".to_string());
        }
        if !d.target.is_empty() {
            self.add_record_hostnames(&d.target, &mut out);
        }
        out
    }

    /// Keeps only what concerns `arns`: those certificates, the load balancers and
    /// distributions that use them, and the DNS records that lead to those.
    pub fn retain_certificates(&mut self, arns: &[String]) {
        self.certificates.retain(|c| arns.contains(&c.arn));
        self.load_balancers.retain(|lb| {
            lb.listeners
                .iter()
                .any(|l| l.certificates.iter().any(|c| arns.contains(&c.arn)))
                || self.certificates.iter().any(|c| {
                    c.in_use_by
                        .iter()
                        .any(|u| u == &lb.arn || lb.listeners.iter().any(|l| &l.arn == u))
                })
        });
        self.distributions.retain(|d| {
            d.viewer_certificate
                .acm_certificate_arn
                .as_ref()
                .is_some_and(|a| arns.contains(a))
        });
        self.api_domains
            .retain(|d| d.certificate_arn.as_ref().is_some_and(|a| arns.contains(a)));
        let targets: BTreeSet<String> = self
            .load_balancers
            .iter()
            .map(|lb| strip_dualstack(&normalize(&lb.dns_name)))
            .chain(self.distributions.iter().map(|d| normalize(&d.domain_name)))
            .chain(self.api_domains.iter().map(|d| d.target.clone()))
            .collect();
        let validation_names: BTreeSet<String> = self
            .certificates
            .iter()
            .flat_map(|c| {
                c.validations
                    .iter()
                    .chain(c.renewal.iter().flat_map(|r| r.validations.iter()))
            })
            .filter_map(|v| v.record.as_ref().map(|r| normalize(&r.name)))
            .collect();
        let leading: BTreeSet<(String, String)> = targets
            .iter()
            .flat_map(|t| self.records_pointing_at(t))
            .map(|r| (r.name.clone(), r.target.clone()))
            .collect();
        self.dns_records.retain(|r| {
            leading.contains(&(r.name.clone(), r.target.clone()))
                || validation_names.contains(&r.name)
        });
    }
}

/// The host-header conditions of a listener's rules (wildcards dropped: not names anyone
/// types), with the rule each is from.
fn add_rule_hostnames(l: &Listener, out: &mut BTreeMap<String, String>) {
    for rule in &l.rules {
        for h in rule
            .host_headers
            .iter()
            .filter(|h| !crate::pki::hostname::is_wildcard(h))
        {
            out.entry(normalize(h))
                .or_insert_with(|| format!("host-header, rule {}", rule.priority));
        }
    }
}

/// How many records deep a DNS chain is followed inside the inventory (resolvers give up
/// around 8–16 CNAMEs; a longer chain is broken anyway).
pub const MAX_DNS_HOPS: usize = 8;

/// ALB alias targets are often written `dualstack.NAME`; both reach the same place.
fn strip_dualstack(name: &str) -> String {
    name.strip_prefix("dualstack.").unwrap_or(name).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    use crate::testkit::cname_record as cname;

    /// Regression (real estates): `www CNAME example.com`, with the apex an alias to the
    /// ALB, was neither probed nor name-checked.
    #[test]
    fn a_name_reaching_the_load_balancer_through_other_records_is_its_hostname() {
        let lb = alb("web");
        let inv = Inventory {
            dns_records: vec![
                alias_record("example.com", &format!("dualstack.{}", lb.dns_name)),
                cname("www.example.com", "example.com"),
                // An alias to another record of the zone, and a CNAME from another zone.
                alias_record("shop.example.com", "www.example.com"),
                cname("shop.example.net", "shop.example.com"),
                cname("unrelated.example.com", "elsewhere.example.org"),
            ],
            load_balancers: vec![lb.clone()],
            ..Default::default()
        };
        let hosts: Vec<String> = inv.load_balancer_hostnames(&lb).into_keys().collect();
        assert_eq!(
            hosts,
            [
                "example.com",
                "shop.example.com",
                "shop.example.net",
                "www.example.com"
            ]
        );
    }

    #[test]
    fn a_dns_loop_or_a_long_chain_ends_the_walk() {
        let lb = alb("web");
        let mut records = vec![
            cname("a.example.com", "b.example.com"),
            cname("b.example.com", "a.example.com"),
            alias_record("c0.example.com", &lb.dns_name),
        ];
        for i in 1..20 {
            records.push(cname(
                &format!("c{i}.example.com"),
                &format!("c{}.example.com", i - 1),
            ));
        }
        let inv = Inventory {
            dns_records: records,
            load_balancers: vec![lb.clone()],
            ..Default::default()
        };
        let hosts = inv.load_balancer_hostnames(&lb);
        assert!(!hosts.contains_key("a.example.com"));
        assert_eq!(hosts.len(), MAX_DNS_HOPS, "{hosts:?}");
    }
}
