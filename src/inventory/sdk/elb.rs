//! Classic Load Balancers (Elastic Load Balancing v1): their listeners and the one ACM
//! or IAM certificate each HTTPS/SSL listener carries. Mapped onto [`LoadBalancer`] with
//! `lb_type` [`CLASSIC`], so the checks judge them with the other load balancers.

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;

impl SdkReader {
    pub(super) async fn elb_classic_load_balancers(
        &self,
        region: &str,
    ) -> Result<Vec<LoadBalancer>, ApiError> {
        let client = self.classic_elb(region);
        let mut pages = client.describe_load_balancers().into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_err("elb", "DescribeLoadBalancers", Some(region), e))?;
            for d in page.load_balancer_descriptions() {
                let name = d.load_balancer_name().unwrap_or_default();
                let certs: Vec<&str> = d
                    .listener_descriptions()
                    .iter()
                    .filter_map(|l| l.listener()?.ssl_certificate_id())
                    .collect();
                // DescribeLoadBalancers names no ARN; the account is in the certificate
                // ARNs, else in the load balancer's source security group.
                let account = certs
                    .iter()
                    .find_map(|a| a.split(':').nth(4).filter(|s| !s.is_empty()))
                    .or_else(|| d.source_security_group()?.owner_alias())
                    .unwrap_or_default();
                let arn = classic_arn(region, account, name);
                let listeners = d
                    .listener_descriptions()
                    .iter()
                    .filter_map(|ld| ld.listener())
                    .map(|l| listener(&arn, l))
                    .collect();
                out.push(LoadBalancer {
                    arn,
                    name: name.to_string(),
                    region: region.to_string(),
                    dns_name: normalize(d.dns_name().unwrap_or_default()),
                    scheme: d.scheme().map(Scheme::from).unwrap_or_default(),
                    lb_type: CLASSIC.to_string(),
                    listeners,
                });
            }
        }
        Ok(out)
    }
}

/// The ARN ACM's `InUseBy` names a Classic Load Balancer by.
pub fn classic_arn(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/{name}")
}

fn listener(lb_arn: &str, l: &aws_sdk_elasticloadbalancing::types::Listener) -> Listener {
    let port = l.load_balancer_port();
    let protocol = ListenerProtocol::from(l.protocol().to_ascii_uppercase());
    Listener {
        arn: format!("{lb_arn}/listener/{port}"),
        port,
        // A classic listener always forwards to the instances: it cannot redirect.
        default_actions: vec![Action::Forward {
            target: format!(
                "instances {}:{}",
                l.instance_protocol().unwrap_or_default(),
                l.instance_port()
            ),
        }],
        certificates: l
            .ssl_certificate_id()
            .map(|arn| ListenerCertificate {
                arn: arn.to_string(),
                is_default: true,
            })
            .into_iter()
            .collect(),
        protocol,
        ssl_policy: None,
        rules: Vec::new(),
    }
}
