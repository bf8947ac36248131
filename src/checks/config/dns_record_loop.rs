//! `dns_record_loop` — Route 53 records whose CNAME or alias chain leads back to itself.

use crate::checks::prelude::*;
use crate::inventory::DnsRecord;
use std::collections::{BTreeMap, BTreeSet};

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A CNAME or alias record in the account's hosted zones whose chain (through the account's own records) comes back to a name already on it: `a CNAME b`, `b CNAME a`. Such a name never resolves, so no certificate is ever reached. The inventory follows chains at most 8 records deep.",
        "アカウントのホストゾーンにある CNAME やエイリアスのレコードで、（アカウント自身のレコードをたどった）チェーンが途中の名前に戻ってしまうもの（`a CNAME b`、`b CNAME a`）。こうした名前は決して解決されないため、証明書にたどり着くことはありません。インベントリがたどるチェーンは最大 8 レコードです。",
    ),
    browser: label!(
        "The name does not resolve: DNS_PROBE_FINISHED_NXDOMAIN / ERR_NAME_NOT_RESOLVED (Chrome), \"Hmm. We're having trouble finding that site.\" (Firefox).",
        "名前が解決されません: DNS_PROBE_FINISHED_NXDOMAIN / ERR_NAME_NOT_RESOLVED（Chrome）、「このサイトを見つけられません」（Firefox）。",
    ),
    fix: label!(
        "Point one record of the loop at the resource that carries the name's certificate (an alias to the load balancer, distribution or API Gateway domain), so the chain ends there.",
        "ループ内のレコードの 1 つを、その名前の証明書を持つリソース（ロードバランサー、ディストリビューション、API Gateway ドメインへのエイリアス）に向け、チェーンがそこで終わるようにします。",
    ),
};

declare_check!(DnsRecordLoop, "dns_record_loop", Cause::NotAssociated);

fn run(ctx: &Context) -> Vec<Finding> {
    let records = &ctx.inventory.dns_records;
    let mut next: BTreeMap<&str, Vec<&DnsRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.target.is_empty()) {
        next.entry(r.name.as_str()).or_default().push(r);
    }
    let mut loops: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in next.keys() {
        // Follow single-answer chains (a CNAME has one value; weighted aliases fork and
        // are left alone).
        let mut path: Vec<&str> = vec![start];
        let mut at = *start;
        for _ in 0..crate::inventory::MAX_DNS_HOPS {
            let Some([r]) = next.get(at).map(Vec::as_slice) else {
                break;
            };
            let to = r.target.strip_prefix("dualstack.").unwrap_or(&r.target);
            if let Some(i) = path.iter().position(|p| *p == to) {
                let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
                cycle.sort();
                loops.insert(cycle);
                break;
            }
            path.push(to);
            at = to;
        }
    }
    loops
        .into_iter()
        .map(|cycle| {
            let first = &cycle[0];
            let record = &next[first.as_str()][0];
            let names = cycle.join(" → ");
            let zone = &record.zone_name;
            Finding::new(
                DnsRecordLoop::ID,
                Severity::Medium,
                format!("arn:aws:route53:::hostedzone/{}", record.zone_id),
                "global",
            )
            .hostname(first)
            .key(cycle.join(","))
            .title(tr!(
                "DNS records for {first} form a loop and never resolve",
                "{first} の DNS レコードがループしていて、名前が解決されません"
            ))
            .detail(tr!(
                "The records {names} point at each other (zone {zone}): a resolver gives up, so visitors of these names never reach a site or its certificate.",
                "レコード {names} が互いを指しています（ゾーン {zone}）。リゾルバーは解決をあきらめるため、これらの名前の訪問者はサイトにも証明書にもたどり着けません。"
            ))
            .evidence("loop", &cycle)
            .evidence("zone", zone)
            .step(tr!(
                "Decide where {first} should lead, and make one record of the loop an alias to that resource (Route 53 → the zone → the record → Edit → Alias to the load balancer, distribution or API Gateway domain).",
                "{first} の向き先を決め、ループ内のレコードの 1 つをそのリソースへのエイリアスにします（Route 53 → 対象のゾーン → レコード → 編集 → ロードバランサー、ディストリビューション、API Gateway ドメインへのエイリアス）。"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    use crate::testkit::cname_record as cname;

    #[test]
    fn a_loop_is_reported_once_with_its_names() {
        let inv = Inventory {
            dns_records: vec![
                cname("a.example.com", "b.example.com"),
                cname("b.example.com", "c.example.com"),
                cname("c.example.com", "a.example.com"),
                // Leads into the loop: not a member, not reported twice.
                cname("d.example.com", "a.example.com"),
            ],
            ..Default::default()
        };
        let f = run_check(&DnsRecordLoop, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].hostname.as_deref(), Some("a.example.com"));
        assert!(
            f[0].detail
                .contains("a.example.com → b.example.com → c.example.com")
        );
    }

    /// The healthy twin: a chain that ends at a load balancer (www → apex → ALB), and
    /// weighted aliases to one name, are not loops.
    #[test]
    fn a_chain_that_ends_is_clean() {
        let lb = alb("web");
        let inv = Inventory {
            dns_records: vec![
                alias_record("example.com", &format!("dualstack.{}", lb.dns_name)),
                cname("www.example.com", "example.com"),
                alias_record("shop.example.com", "www.example.com"),
                alias_record("w.example.com", "example.com"),
                alias_record("w.example.com", "www.example.com"),
            ],
            load_balancers: vec![lb],
            ..Default::default()
        };
        assert!(run_check(&DnsRecordLoop, &inv).is_empty());
    }
}
