//! `validation_record_missing` — a DNS validation CNAME absent from Route 53.

use crate::checks::common::usage::severity_for_days;
use crate::checks::prelude::*;
use crate::pki::hostname::normalize;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The DNS validation CNAME of an Amazon-issued certificate is missing (or has another value) in the Route 53 hosted zone of its domain, while the certificate is pending validation, pending renewal, or in use (ACM needs the record to renew it).",
        "Amazon 発行の証明書が検証待ち・更新待ち・使用中（ACM は更新時にこのレコードを使います）なのに、ドメインの Route 53 ホストゾーンに DNS 検証用の CNAME がない（または別の値になっている）状態。",
    ),
    browser: label!(
        "Nothing until the certificate expires unrenewed; then NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox).",
        "証明書が更新されないまま期限切れになるまでは何も起きません。期限切れ後は NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "Create the validation CNAME exactly as ACM lists it (ACM console: the certificate → \"Create records in Route 53\") and leave it in place for future renewals.",
        "ACM が示すとおりに検証用 CNAME を作成し（ACM コンソール: 対象の証明書 →「Route 53 でレコードを作成」）、今後の更新のために残しておきます。",
    ),
};

declare_check!(
    ValidationRecordMissing,
    "validation_record_missing",
    Cause::Expired
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        if c.cert_type != CertificateType::AmazonIssued {
            continue;
        }
        let pending_issue = c.status == CertificateStatus::PendingValidation;
        let pending_renewal = c
            .renewal
            .as_ref()
            .is_some_and(|r| r.status == "PENDING_VALIDATION" || r.status == "FAILED");
        let in_use = inv.is_in_use(c) && c.status == CertificateStatus::Issued;
        if !(pending_issue || pending_renewal || in_use) {
            continue;
        }
        // Renewal validation options, when present, are the ones that matter now.
        let validations = c
            .renewal
            .as_ref()
            .filter(|r| !r.validations.is_empty())
            .map(|r| &r.validations)
            .unwrap_or(&c.validations);
        let mut seen = std::collections::BTreeSet::new();
        for v in validations {
            if v.method.as_deref().is_some_and(|m| m != "DNS") {
                continue;
            }
            let Some(rr) = &v.record else { continue };
            let name = normalize(&rr.name);
            if !seen.insert(name.clone()) {
                continue; // *.example.com and example.com share one record
            }
            // Only judge zones we can see, and only public ones: ACM looks the record up
            // through public DNS, so a private zone's copy does not count.
            let Some(zone) = inv
                .dns_records
                .iter()
                .filter(|r| !r.private_zone)
                .map(|r| r.zone_name.as_str())
                .filter(|z| within(&name, z))
                .max_by_key(|z| z.len())
            else {
                continue;
            };
            let in_zone = |r: &&crate::inventory::DnsRecord| {
                !r.private_zone && r.zone_name == zone && r.name == name && r.rtype == "CNAME"
            };
            let want = normalize(&rr.value);
            // An NS record in that zone delegating a sub-zone that holds the name: the
            // record belongs in the delegated zone, which this account does not host.
            let delegation = inv
                .dns_records
                .iter()
                .filter(|r| !r.private_zone && r.zone_name == zone && r.rtype == "NS")
                .filter(|r| r.name != zone && within(&name, &r.name))
                .max_by_key(|r| r.name.len());
            if let Some(d) = delegation {
                // Present in the parent only: the real, common bug (nobody asks the
                // parent for names it delegated). Absent from the parent: not ours to see.
                if inv.dns_records.iter().any(|r| in_zone(&r)) {
                    out.push(misplaced(ctx, c, v, &name, &want, zone, d));
                }
                continue;
            }
            let existing: Vec<&str> = inv
                .dns_records
                .iter()
                .filter(in_zone)
                .flat_map(|r| r.values.iter().map(|v| v.as_str()))
                .collect();
            if existing.iter().any(|v| normalize(v) == want) {
                continue;
            }
            let private_copies: Vec<&str> = inv
                .dns_records
                .iter()
                .filter(|r| r.private_zone && r.name == name && r.rtype == "CNAME")
                .map(|r| r.zone_name.as_str())
                .collect();
            let days = c.not_after.map(|na| days_until(ctx.now, na));
            let severity = if pending_issue || pending_renewal {
                Severity::High
            } else {
                days.map(severity_for_days)
                    .unwrap_or(Severity::Medium)
                    .min(Severity::Medium)
            };
            let state = if pending_issue {
                tr!("is waiting for validation", "検証待ちのままです")
            } else if pending_renewal {
                tr!("cannot renew", "更新できません")
            } else {
                tr!("will not renew automatically", "自動更新されません")
            };
            let (state_en, state_ja) = (&state.en, &state.ja);
            let zone_id = inv
                .dns_records
                .iter()
                .find(|r| r.zone_name == zone)
                .map(|r| r.zone_id.clone())
                .unwrap_or_default();
            let domain = &v.domain_name;
            let found = if existing.is_empty() {
                tr!("has no such record", "にはこのレコードがありません")
            } else {
                let to = existing.join(", ");
                tr!(
                    "has it pointing to {to}",
                    "ではこのレコードが {to} を指しています"
                )
            };
            let (found_en, found_ja) = (&found.en, &found.ja);
            out.push(
                Finding::new(ValidationRecordMissing::ID, severity, &c.arn, &c.region)
                    .hostname(&v.domain_name)
                    .key(&name)
                    .title(tr!(
                        "DNS validation record for {domain} is missing, so the certificate {state_en}",
                        "{domain} の DNS 検証用レコードがないため、証明書が{state_ja}"
                    ))
                    .detail(tr!(
                        "ACM validates {domain} through the CNAME {name} → {want}, but the Route 53 zone {zone} {found_en}.",
                        "ACM は {domain} を CNAME {name} → {want} で検証しますが、Route 53 のゾーン {zone} {found_ja}。"
                    ))
                    .evidence("record_name", &name)
                    .evidence("expected_value", &want)
                    .evidence("found_values", &existing)
                    .evidence("hosted_zone", zone)
                    .evidence("only_in_private_zones", &private_copies)
                    .evidence("certificate_status", &c.status)
                    .evidence("renewal_status", c.renewal.as_ref().map(|r| &r.status))
                    .command(format!(
                        "aws route53 change-resource-record-sets --hosted-zone-id {zone_id} --change-batch '{{\"Changes\":[{{\"Action\":\"UPSERT\",\"ResourceRecordSet\":{{\"Name\":\"{name}.\",\"Type\":\"CNAME\",\"TTL\":300,\"ResourceRecords\":[{{\"Value\":\"{want}.\"}}]}}}}]}}'"
                    ))
                    .step(tr!(
                        "Or in the console: Certificate Manager → the certificate → \"Create records in Route 53\". Keep the record: ACM uses it at every renewal.",
                        "コンソールの場合: Certificate Manager → 対象の証明書 →「Route 53 でレコードを作成」。このレコードは削除しないでください。ACM は更新のたびに使います。"
                    )),
            );
        }
    }
    out
}

/// Whether `name` is `zone` or a name under it.
fn within(name: &str, zone: &str) -> bool {
    name == zone || name.ends_with(&format!(".{zone}"))
}

/// The validation record sits in the parent zone, but the name is delegated (NS) to
/// another zone: public DNS, and so ACM, never read the parent's copy.
fn misplaced(
    ctx: &Context,
    c: &crate::inventory::Certificate,
    v: &crate::inventory::DomainValidation,
    name: &str,
    want: &str,
    zone: &str,
    delegation: &crate::inventory::DnsRecord,
) -> Finding {
    let domain = &v.domain_name;
    let sub = &delegation.name;
    let servers = delegation.values.join(", ");
    let pending = c.status == CertificateStatus::PendingValidation;
    let severity = if pending {
        Severity::High
    } else {
        c.not_after
            .map(|na| severity_for_days(days_until(ctx.now, na)))
            .unwrap_or(Severity::Medium)
            .min(Severity::Medium)
    };
    Finding::new(ValidationRecordMissing::ID, severity, &c.arn, &c.region)
        .hostname(domain)
        .key(name)
        .title(tr!(
            "DNS validation record for {domain} is in {zone}, but {sub} is delegated elsewhere",
            "{domain} の DNS 検証用レコードは {zone} にありますが、{sub} は別のゾーンに委任されています"
        ))
        .detail(tr!(
            "The CNAME {name} → {want} exists in the Route 53 zone {zone}, which delegates {sub} to {servers}. Public resolvers (and ACM) ask those name servers, so this copy is never seen and the certificate cannot validate or renew.",
            "CNAME {name} → {want} は Route 53 のゾーン {zone} にありますが、このゾーンは {sub} を {servers} に委任しています。公開リゾルバー（と ACM）はそのネームサーバーに問い合わせるため、このレコードは参照されず、証明書の検証も更新もできません。"
        ))
        .evidence("record_name", name)
        .evidence("expected_value", want)
        .evidence("hosted_zone", zone)
        .evidence("delegated_zone", sub)
        .evidence("delegated_to", &delegation.values)
        .evidence("certificate_status", &c.status)
        .step(tr!(
            "Create the CNAME {name} → {want} in the zone that serves {sub} (on {servers}), then delete the copy from {zone}. Check it with: dig +short CNAME {name}",
            "{sub} を提供しているゾーン（{servers}）に CNAME {name} → {want} を作成し、{zone} のコピーは削除します。確認: dig +short CNAME {name}"
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{DnsRecord, DomainValidation, Inventory, ResourceRecord};
    use crate::testkit::*;

    fn setup(status: &str, record_value: Option<&str>) -> Inventory {
        let mut inv = Inventory::default();
        let mut c = cert("v", &["shop.example.com"], 200);
        c.status = status.into();
        c.validations = vec![DomainValidation {
            domain_name: "shop.example.com".into(),
            method: Some("DNS".into()),
            status: Some("PENDING_VALIDATION".into()),
            record: Some(ResourceRecord {
                name: "_abc.shop.example.com".into(),
                rtype: "CNAME".into(),
                value: "_xyz.acm-validations.aws".into(),
            }),
        }];
        inv.certificates.push(c);
        inv.dns_records
            .push(alias_record("shop.example.com", "x.elb.amazonaws.com"));
        if let Some(v) = record_value {
            inv.dns_records.push(DnsRecord {
                zone_id: "Z0EXAMPLE".into(),
                zone_name: "example.com".into(),
                name: "_abc.shop.example.com".into(),
                rtype: "CNAME".into(),
                target: v.into(),
                alias: false,
                values: vec![format!("{v}.")],
                private_zone: false,
            });
        }
        inv
    }

    #[test]
    fn pending_certificate_without_record_is_high() {
        let f = run_check(&ValidationRecordMissing, &setup("PENDING_VALIDATION", None));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].remediation[0].contains("_abc.shop.example.com."));
    }

    #[test]
    fn record_with_wrong_value_is_missing_too() {
        assert_eq!(
            run_check(
                &ValidationRecordMissing,
                &setup("PENDING_VALIDATION", Some("_old.acm-validations.aws"))
            )
            .len(),
            1
        );
    }

    #[test]
    fn present_record_or_foreign_zone_is_silent() {
        assert!(
            run_check(
                &ValidationRecordMissing,
                &setup("PENDING_VALIDATION", Some("_xyz.acm-validations.aws"))
            )
            .is_empty()
        );
        let mut inv = setup("PENDING_VALIDATION", None);
        inv.dns_records.clear(); // domain not hosted in Route 53: cannot judge
        assert!(run_check(&ValidationRecordMissing, &inv).is_empty());
    }

    fn ns(name: &str) -> DnsRecord {
        DnsRecord {
            rtype: "NS".into(),
            alias: false,
            values: vec!["ns-1.partner-dns.net.".into()],
            ..alias_record(name, "")
        }
    }

    /// Item 5: a name delegated to another zone (NS in the parent). Absent from the
    /// parent: never claimed missing. Present only in the parent: that is the bug.
    #[test]
    fn delegated_sub_zone_is_never_claimed_missing_but_a_parent_copy_is_reported() {
        let mut inv = setup("PENDING_VALIDATION", None);
        inv.dns_records.push(ns("shop.example.com"));
        assert!(run_check(&ValidationRecordMissing, &inv).is_empty());

        let mut inv = setup("PENDING_VALIDATION", Some("_xyz.acm-validations.aws"));
        inv.dns_records.push(ns("shop.example.com"));
        let f = run_check(&ValidationRecordMissing, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("delegated"), "{}", f[0].title);
        assert!(f[0].detail.contains("ns-1.partner-dns.net"));
    }

    /// Item 4: a copy in a private zone does not validate (ACM asks public DNS); with
    /// the record in the public zone as well, it is clean.
    #[test]
    fn a_private_zone_copy_does_not_count() {
        let mut inv = setup("PENDING_VALIDATION", Some("_xyz.acm-validations.aws"));
        inv.dns_records.last_mut().unwrap().private_zone = true;
        let f = run_check(&ValidationRecordMissing, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].evidence["only_in_private_zones"]
                .to_string()
                .contains("example.com")
        );
        let mut public = inv.dns_records.last().unwrap().clone();
        public.private_zone = false;
        inv.dns_records.push(public);
        assert!(run_check(&ValidationRecordMissing, &inv).is_empty());
    }

    #[test]
    fn unused_issued_certificate_is_not_judged() {
        assert!(run_check(&ValidationRecordMissing, &setup("ISSUED", None)).is_empty());
        let mut inv = setup("ISSUED", None);
        inv.certificates[0].in_use = Some(true);
        assert_eq!(
            run_check(&ValidationRecordMissing, &inv)[0].severity,
            Severity::Medium
        );
    }
}
