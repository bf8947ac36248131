//! Route 53: the records of every hosted zone, public and private (global).

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;

impl SdkReader {
    pub(super) async fn route53_dns_records(
        &self,
    ) -> Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError> {
        let client = self.route53();
        let mut zones = Vec::new();
        let mut pages = client.list_hosted_zones().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_err("route53", "ListHostedZones", None, e))?;
            for z in page.hosted_zones() {
                let private = z.config().is_some_and(|c| c.private_zone());
                zones.push((z.id().to_string(), normalize(z.name()), private));
            }
        }
        let mut records = Vec::new();
        let mut failures = Vec::new();
        for (zone_id, zone_name, private) in zones {
            match zone_records(&client, &zone_id, &zone_name).await {
                Ok(r) => records.extend(r.into_iter().map(|r| DnsRecord {
                    private_zone: private,
                    ..r
                })),
                Err(e) => failures.push(e),
            }
        }
        Ok((records, failures))
    }
}

async fn zone_records(
    client: &aws_sdk_route53::Client,
    zone_id: &str,
    zone_name: &str,
) -> Result<Vec<DnsRecord>, ApiError> {
    use aws_sdk_route53::types::RrType;
    let mut out = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = client.list_resource_record_sets().hosted_zone_id(zone_id);
        if let Some((name, rtype, ident)) = start.take() {
            req = req
                .start_record_name(name)
                .start_record_type(rtype)
                .set_start_record_identifier(ident);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| api_err("route53", "ListResourceRecordSets", None, e))?;
        for rr in resp.resource_record_sets() {
            let rtype = rr.r#type().as_str().to_string();
            let values: Vec<String> = rr
                .resource_records()
                .iter()
                .map(|v| v.value().to_string())
                .collect();
            let (target, alias) = match (rr.alias_target(), rtype.as_str()) {
                (Some(a), _) => (normalize(a.dns_name()), true),
                (None, "CNAME") => (
                    values.first().map(|v| normalize(v)).unwrap_or_default(),
                    false,
                ),
                _ => (String::new(), false),
            };
            out.push(DnsRecord {
                zone_id: zone_id.trim_start_matches("/hostedzone/").to_string(),
                zone_name: zone_name.to_string(),
                name: normalize(&rr.name().replace("\\052", "*")),
                rtype,
                target,
                alias,
                values,
                private_zone: false,
            });
        }
        if resp.is_truncated() {
            match (resp.next_record_name(), resp.next_record_type()) {
                (Some(n), Some(t)) => {
                    start = Some((
                        n.to_string(),
                        t.clone(),
                        resp.next_record_identifier().map(str::to_string),
                    ))
                }
                _ => break,
            }
        } else {
            break;
        }
    }
    Ok(out)
}
