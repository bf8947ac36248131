//! `dns_not_associated` — a hostname whose DNS does not lead to the resource that

use crate::checks::common::hosts::{
    expected_targets, front_door, resource_for_host, serves_valid_certificate,
};
use crate::checks::prelude::*;
use std::collections::BTreeSet;
use std::net::IpAddr;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A hostname whose live DNS does not lead to the load balancer or CloudFront distribution that carries a certificate for it (compared by CNAME chain and by address), or that does not lead to AWS at all, or does not resolve.",
        "実際の DNS が、そのホスト名の証明書を持つロードバランサーや CloudFront ディストリビューションにつながっていない（CNAME チェーンとアドレスで比較）、AWS にまったくつながっていない、または名前解決できないホスト名。",
    ),
    browser: label!(
        "Visitors reach another server and get its certificate (NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN), or DNS_PROBE_FINISHED_NXDOMAIN when the name does not resolve.",
        "訪問者は別のサーバーに到達してその証明書を受け取るか（NET::ERR_CERT_COMMON_NAME_INVALID / SSL_ERROR_BAD_CERT_DOMAIN）、名前解決できない場合は DNS_PROBE_FINISHED_NXDOMAIN になります。",
    ),
    fix: label!(
        "Create or correct the DNS record: in Route 53, an alias A/AAAA record to the load balancer or distribution that carries the certificate; elsewhere, a CNAME to its DNS name.",
        "DNS レコードを作成または修正します。Route 53 なら証明書を持つロードバランサーかディストリビューションへのエイリアス A/AAAA レコード、それ以外の DNS なら、その DNS 名への CNAME です。",
    ),
};

declare_check!(DnsNotAssociated, "dns_not_associated", Cause::NotAssociated);

/// Whether a DNS name is an AWS front door: a load balancer (`*.elb.amazonaws.com`), API
/// Gateway (`*.execute-api.REGION.amazonaws.com`), an S3 website endpoint
/// (`*.s3-website[-.]REGION.amazonaws.com`) or another regional endpoint, CloudFront
/// (`*.cloudfront.net`) or Global Accelerator (`*.awsglobalaccelerator.com`).
fn is_aws_name(n: &str) -> bool {
    n.ends_with(".elb.amazonaws.com")
        || n.ends_with(".cloudfront.net")
        || n.ends_with(".amazonaws.com")
        || n.ends_with(".awsglobalaccelerator.com")
}

/// The note for a hostname behind a front door that presents a valid certificate: what
/// visitors see is fine, so it is information, and DNS is not to be repointed.
fn behind_front_door(
    h: &HostFacts,
    provider: &str,
    via: &str,
    resource: &str,
    region: &str,
) -> Finding {
    let host = &h.hostname;
    Finding::new(DnsNotAssociated::ID, Severity::Info, resource, region)
        .hostname(host)
        .key("front-door")
        .title(tr!(
            "{host} is served through {provider}",
            "{host} は {provider} を経由して配信されています"
        ))
        .detail(tr!(
            "{host} reaches its site through {provider} ({via}), which presents a valid certificate for it. Visitors see that certificate, not the ACM one, so ACM renewals do not reach them there.",
            "{host} は {provider}（{via}）を経由してサイトに到達し、そこで有効な証明書が提示されています。訪問者に見えるのはその証明書で ACM の証明書ではないため、ACM での更新はそこには反映されません。"
        ))
        .evidence("front_door", provider)
        .evidence("via", via)
        .step(tr!(
            "Nothing to change in DNS. Keep {provider}'s certificate for {host} current: it renews apart from ACM.",
            "DNS を変更する必要はありません。{provider} 側の {host} の証明書を最新に保ってください（ACM とは別に更新されます）。"
        ))
}

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for h in ctx.hosts {
        if h.dns.overridden {
            continue; // --resolve: the user chose the address
        }
        let targets = expected_targets(inv, &h.hostname);
        let (resource, region) = resource_for_host(inv, &h.hostname);
        let host = &h.hostname;
        let addresses = h
            .dns
            .addresses
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let leads = if h.dns.cname_chain.is_empty() {
            tr!("{addresses}", "{addresses}")
        } else {
            let chain = h.dns.cname_chain.join(" → ");
            tr!(
                "{addresses} (via CNAME {chain})",
                "{addresses}（CNAME {chain} 経由）"
            )
        };
        let (leads_en, leads_ja) = (&leads.en, &leads.ja);
        if let Some(e) = &h.dns.error {
            if !targets.is_empty() || h.dns.addresses.is_empty() {
                let target = targets.first().cloned();
                let step = match &target {
                    Some(t) => tr!(
                        "Create the record: a Route 53 alias A record for {host} to {t}.",
                        "レコードを作成します: Route 53 で {host} から {t} へのエイリアス A レコード。"
                    ),
                    None => tr!(
                        "Create the record: a Route 53 alias A record for {host} to the load balancer or distribution that serves it.",
                        "レコードを作成します: Route 53 で {host} から、このホスト名を配信するロードバランサーかディストリビューションへのエイリアス A レコード。"
                    ),
                };
                out.push(
                    Finding::new(DnsNotAssociated::ID, Severity::High, &resource, &region)
                        .hostname(&h.hostname)
                        .key("unresolved")
                        .title(tr!("{host} does not resolve", "{host} の名前解決ができません"))
                        .detail(tr!(
                            "Looking up {host} failed ({e}); visitors cannot reach the site at all.",
                            "{host} の DNS 問い合わせが失敗しました（{e}）。訪問者はサイトにまったく到達できません。"
                        ))
                        .evidence("expected_targets", &targets)
                        .step(step),
                );
            }
            continue;
        }
        let chain: BTreeSet<&str> = h.dns.cname_chain.iter().map(String::as_str).collect();
        let addrs: BTreeSet<IpAddr> = h.dns.addresses.iter().copied().collect();
        let leads_to = |name: &str| {
            let bare = name.strip_prefix("dualstack.").unwrap_or(name);
            chain
                .iter()
                .any(|c| c.strip_prefix("dualstack.").unwrap_or(c) == bare)
                || ctx
                    .resource_addresses
                    .get(name)
                    .is_some_and(|a| a.iter().any(|ip| addrs.contains(ip)))
        };
        if targets.is_empty() {
            // A name the inventory does not route (PROBE_HOSTNAMES, or a SAN whose
            // resource was not listed): only say whether it reaches AWS at all — and
            // only with an AWS inventory to compare with (not for a bare CLI probe).
            if inv.load_balancers.is_empty() && inv.distributions.is_empty() {
                continue;
            }
            let any_known = ctx
                .resource_addresses
                .values()
                .flatten()
                .any(|ip| addrs.contains(ip));
            // A Route 53 alias answer carries no CNAME: the alias target itself says
            // where the name leads, even when that resource is outside this inventory.
            let alias_to_aws = inv
                .dns_records
                .iter()
                .any(|r| r.alias && r.name == *host && is_aws_name(&r.target));
            if let Some((provider, via)) =
                front_door(inv, h).filter(|_| serves_valid_certificate(ctx, h))
            {
                out.push(behind_front_door(h, provider, &via, &resource, &region));
                continue;
            }
            if !chain.iter().any(|c| is_aws_name(c)) && !any_known && !alias_to_aws {
                out.push(
                    Finding::new(DnsNotAssociated::ID, Severity::Medium, &resource, &region)
                        .hostname(&h.hostname)
                        .key("not-aws")
                        .title(tr!("{host} does not lead to AWS", "{host} の DNS が AWS のリソースを指していません"))
                        .detail(tr!(
                            "{host} resolves to {leads_en}, which is no load balancer or distribution this scan knows, so no ACM certificate is served there.",
                            "{host} は {leads_ja} に解決されますが、これは今回スキャンしたロードバランサーやディストリビューションのどれでもないため、ACM の証明書はそこでは配信されません。"
                        ))
                        .evidence("cname_chain", &h.dns.cname_chain)
                        .evidence("addresses", &h.dns.addresses)
                        .step(tr!(
                            "Point the name at the load balancer or CloudFront distribution that carries its certificate (Route 53 alias record), or attach an ACM certificate for it there.",
                            "このホスト名を、証明書を持つロードバランサーか CloudFront ディストリビューションに向けるか（Route 53 のエイリアスレコード）、現在の向き先に ACM 証明書を関連付けてください。"
                        )),
                );
            }
            continue;
        }
        if targets.iter().any(|t| leads_to(t)) {
            continue;
        }
        if let Some((provider, via)) =
            front_door(inv, h).filter(|_| serves_valid_certificate(ctx, h))
        {
            out.push(behind_front_door(h, provider, &via, &resource, &region));
            continue;
        }
        let (expected, first) = (targets.join(", "), &targets[0]);
        out.push(
            Finding::new(DnsNotAssociated::ID, Severity::High, &resource, &region)
                .hostname(&h.hostname)
                .key("elsewhere")
                .title(tr!(
                    "{host} resolves somewhere other than the resource with its certificate",
                    "{host} の DNS が、証明書を持つリソースとは別の場所を指しています"
                ))
                .detail(tr!(
                    "AWS routes {host} to {expected}, but its DNS leads to {leads_en}.",
                    "AWS 上では {host} は {expected} で受けるよう設定されていますが、DNS は {leads_ja} を指しています。"
                ))
                .evidence("expected_targets", &targets)
                .evidence("cname_chain", &h.dns.cname_chain)
                .evidence("addresses", &h.dns.addresses)
                .step(tr!(
                    "Point {host} at {first}: in Route 53, an alias A (and AAAA) record; with another DNS provider, a CNAME.",
                    "{host} を {first} に向けます。Route 53 ならエイリアスの A（と AAAA）レコード、他の DNS プロバイダーなら CNAME です。"
                ))
                .step(tr!(
                    "If another provider's DNS is authoritative for the domain, make the change there (Route 53 records in an unused zone have no effect).",
                    "ドメインの権威 DNS が別のプロバイダーにある場合は、そちらで変更してください（使われていない Route 53 ホストゾーンのレコードは効果がありません）。"
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;
    use std::collections::BTreeMap;

    fn run_with_dns(cname: &[&str], addrs: &[&str], lb_addrs: &[&str]) -> Vec<Finding> {
        let inv = shop_estate(cert("c", &["shop.example.com"], 80));
        let lb_dns = inv.load_balancers[0].dns_name.clone();
        let mut h = host_serving("shop.example.com", vec![]);
        h.dns.cname_chain = cname.iter().map(|s| s.to_string()).collect();
        h.dns.addresses = addrs.iter().map(|a| a.parse().unwrap()).collect();
        let mut res = BTreeMap::new();
        res.insert(
            lb_dns,
            lb_addrs.iter().map(|a| a.parse().unwrap()).collect(),
        );
        let trust = crate::pki::trust::TrustStore::with_public_roots(&test_ca().root_pem);
        run_with_trust(
            &DnsNotAssociated,
            &inv,
            &[h],
            &res,
            &trust,
            &Config::default(),
        )
    }

    /// Item 2: an API Gateway custom domain's name must lead to its target domain. A
    /// CNAME to the target is clean; one to an old server is a finding naming the target.
    #[test]
    fn api_gateway_domain_is_judged_against_its_target() {
        let api = api_domain("api.example.com", "c");
        let inv = Inventory {
            certificates: vec![cert("c", &["api.example.com"], 80)],
            api_domains: vec![api.clone()],
            ..Default::default()
        };
        let trust = crate::pki::trust::TrustStore::with_public_roots(&test_ca().root_pem);
        let run = |chain: &str| {
            let mut h = host_serving("api.example.com", vec![]);
            h.dns.cname_chain = vec![chain.to_string()];
            h.dns.addresses = vec!["127.0.0.60".parse().unwrap()];
            run_with_trust(
                &DnsNotAssociated,
                &inv,
                &[h],
                &BTreeMap::new(),
                &trust,
                &Config::default(),
            )
        };
        assert!(run(&api.target).is_empty());
        let f = run("old-server.example.net");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].resource, api.arn);
        assert!(
            f[0].remediation[0].contains(&api.target),
            "{:?}",
            f[0].remediation
        );
    }

    #[test]
    fn cname_to_the_load_balancer_is_fine() {
        assert!(
            run_with_dns(
                &["shop-1234567890.us-east-1.elb.amazonaws.com"],
                &["127.0.0.9"],
                &[]
            )
            .is_empty()
        );
    }

    #[test]
    fn alias_with_matching_addresses_is_fine() {
        assert!(run_with_dns(&[], &["127.0.0.9"], &["127.0.0.9", "127.0.0.10"]).is_empty());
    }

    #[test]
    fn dns_leading_elsewhere_is_a_finding() {
        let f = run_with_dns(&["old-server.example.net"], &["127.0.0.50"], &["127.0.0.9"]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].remediation[0].contains("shop-1234567890"));
    }

    /// Regression (real estates): a Route 53 alias to an AWS endpoint outside the
    /// inventory (another region's ALB, API Gateway, S3 website, Global Accelerator)
    /// answers with addresses only, and was "does not lead to AWS".
    #[test]
    fn alias_to_an_aws_endpoint_outside_the_inventory_is_aws() {
        let mut h = host_serving("api.example.com", vec![]);
        h.dns.addresses = vec!["127.0.0.78".parse().unwrap()];
        for target in [
            "d-abc123.execute-api.eu-west-1.amazonaws.com",
            "dualstack.web-1.eu-west-1.elb.amazonaws.com",
            "d111111abcdef8.cloudfront.net",
            "a1234.awsglobalaccelerator.com",
            "s3-website-us-east-1.amazonaws.com",
        ] {
            let inv = Inventory {
                load_balancers: vec![alb("other")],
                dns_records: vec![alias_record("api.example.com", target)],
                ..Default::default()
            };
            let f = run_live(&DnsNotAssociated, &inv, &[h.clone()], &Config::default());
            assert!(f.is_empty(), "{target}: {f:#?}");
        }
        // Its twin: an alias to something that is not AWS is still reported.
        let inv = Inventory {
            load_balancers: vec![alb("other")],
            dns_records: vec![alias_record("api.example.com", "lb.example.net")],
            ..Default::default()
        };
        assert_eq!(
            run_live(&DnsNotAssociated, &inv, &[h], &Config::default()).len(),
            1
        );
    }

    /// Regression (real estates): a site behind a CDN that serves a valid certificate was a
    /// high "resolves somewhere else" with advice to repoint DNS.
    #[test]
    fn a_cdn_front_door_with_a_valid_certificate_is_information() {
        let inv = shop_estate(cert("c", &["shop.example.com"], 80));
        let valid = test_ca().leaf(&LeafSpec::new(&["shop.example.com"]));
        let mut h = host_serving("shop.example.com", vec![valid, test_ca().inter_der.clone()]);
        h.dns.cname_chain = vec!["shop.example.com.cdn.cloudflare.net".into()];
        h.dns.addresses = vec!["127.0.0.60".parse().unwrap()];
        let f = run_live(&DnsNotAssociated, &inv, &[h.clone()], &Config::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Info);
        assert!(f[0].title.contains("Cloudflare"), "{}", f[0].title);
        assert!(f[0].remediation.iter().all(|s| !s.contains("Point ")));
        // Its twin: the same front door serving a certificate for another name is what a
        // visitor trips over, and stays high.
        let wrong = test_ca().leaf(&LeafSpec::new(&["other.example.com"]));
        h.tls.served_chain = vec![wrong, test_ca().inter_der.clone()];
        let f = run_live(&DnsNotAssociated, &inv, &[h], &Config::default());
        assert_eq!(f[0].severity, Severity::High);
    }

    #[test]
    fn unknown_name_not_leading_to_aws() {
        let inv = Inventory {
            load_balancers: vec![alb("other")],
            ..Default::default()
        };
        let mut h = host_serving("www.example.org", vec![]);
        h.dns.addresses = vec!["127.0.0.77".parse().unwrap()];
        let f = run_live(&DnsNotAssociated, &inv, &[h.clone()], &Config::default());
        assert_eq!(f[0].evidence["addresses"][0], "127.0.0.77");
        h.dns.cname_chain = vec!["d111111abcdef8.cloudfront.net".into()];
        assert!(run_live(&DnsNotAssociated, &inv, &[h.clone()], &Config::default()).is_empty());
        // Without any AWS inventory (a bare CLI probe) there is nothing to compare with.
        h.dns.cname_chain.clear();
        assert!(
            run_live(
                &DnsNotAssociated,
                &Inventory::default(),
                &[h],
                &Config::default()
            )
            .is_empty()
        );
    }
}
