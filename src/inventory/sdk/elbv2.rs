//! Elastic Load Balancing v2: load balancers, their listeners, rules and listener
//! certificates (default and SNI).

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;

impl SdkReader {
    pub(super) async fn elb_load_balancers(
        &self,
        region: &str,
    ) -> Result<(Vec<LoadBalancer>, Vec<ApiError>), ApiError> {
        let client = self.elb(region);
        let mut pages = client.describe_load_balancers().into_paginator().send();
        let mut lbs = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_err("elbv2", "DescribeLoadBalancers", Some(region), e))?;
            for lb in page.load_balancers() {
                lbs.push(LoadBalancer {
                    arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
                    name: lb.load_balancer_name().unwrap_or_default().to_string(),
                    region: region.to_string(),
                    dns_name: normalize(lb.dns_name().unwrap_or_default()),
                    scheme: lb.scheme().map(|s| s.as_str().into()).unwrap_or_default(),
                    lb_type: lb
                        .r#type()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    listeners: Vec::new(),
                });
            }
        }
        let mut failures = Vec::new();
        let results =
            futures::future::join_all(lbs.iter().map(|lb| listeners_of(&client, region, &lb.arn)))
                .await;
        for (lb, res) in lbs.iter_mut().zip(results) {
            let (listeners, errs) = res;
            lb.listeners = listeners;
            failures.extend(errs);
        }
        Ok((lbs, failures))
    }
}

fn action(a: &aws_sdk_elasticloadbalancingv2::types::Action) -> Action {
    use aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum as T;
    match a.r#type() {
        Some(T::Forward) => Action::Forward {
            target: a
                .target_group_arn()
                .map(str::to_string)
                .or_else(|| {
                    a.forward_config()
                        .and_then(|f| f.target_groups().first())
                        .and_then(|t| t.target_group_arn())
                        .map(str::to_string)
                })
                .unwrap_or_default(),
        },
        Some(T::Redirect) => {
            let r = a.redirect_config();
            Action::Redirect {
                protocol: r.and_then(|r| r.protocol()).map(str::to_string),
                port: r.and_then(|r| r.port()).map(str::to_string),
                host: r.and_then(|r| r.host()).map(str::to_string),
                path: r.and_then(|r| r.path()).map(str::to_string),
                status_code: r
                    .and_then(|r| r.status_code())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }
        }
        Some(T::FixedResponse) => Action::FixedResponse {
            status_code: a
                .fixed_response_config()
                .and_then(|f| f.status_code())
                .unwrap_or_default()
                .to_string(),
        },
        other => Action::Other {
            kind: other.map(|t| t.as_str().to_string()).unwrap_or_default(),
        },
    }
}

/// Listeners of one load balancer with their rules and certificates. Failures of the
/// per-listener reads are returned beside what could be read.
async fn listeners_of(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    region: &str,
    lb_arn: &str,
) -> (Vec<Listener>, Vec<ApiError>) {
    let mut errors = Vec::new();
    let mut listeners = Vec::new();
    let mut pages = client
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for l in page.listeners() {
                    listeners.push(Listener {
                        arn: l.listener_arn().unwrap_or_default().to_string(),
                        port: l.port().unwrap_or_default(),
                        protocol: l.protocol().map(|p| p.as_str().into()).unwrap_or_default(),
                        ssl_policy: l.ssl_policy().map(str::to_string),
                        default_actions: l.default_actions().iter().map(action).collect(),
                        rules: Vec::new(),
                        certificates: l
                            .certificates()
                            .iter()
                            .filter_map(|c| c.certificate_arn())
                            .map(|arn| ListenerCertificate {
                                arn: arn.to_string(),
                                is_default: true,
                            })
                            .collect(),
                    });
                }
            }
            Err(e) => {
                errors.push(api_err("elbv2", "DescribeListeners", Some(region), e));
                return (listeners, errors);
            }
        }
    }
    for l in listeners.iter_mut() {
        match rules_of(client, &l.arn).await {
            Ok(rules) => l.rules = rules,
            Err(e) => errors.push(api_err("elbv2", "DescribeRules", Some(region), e)),
        }
        if l.is_tls() {
            match listener_certificates(client, &l.arn).await {
                // DescribeListeners shows only the default; this adds the SNI list.
                Ok(certs) if !certs.is_empty() => l.certificates = certs,
                Ok(_) => {}
                Err(e) => errors.push(api_err(
                    "elbv2",
                    "DescribeListenerCertificates",
                    Some(region),
                    e,
                )),
            }
        }
    }
    (listeners, errors)
}

type ElbError<E> = aws_sdk_elasticloadbalancingv2::error::SdkError<E>;

async fn rules_of(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    listener_arn: &str,
) -> Result<
    Vec<Rule>,
    ElbError<aws_sdk_elasticloadbalancingv2::operation::describe_rules::DescribeRulesError>,
> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let resp = client
            .describe_rules()
            .listener_arn(listener_arn)
            .set_marker(marker.clone())
            .send()
            .await?;
        for r in resp.rules() {
            if r.is_default().unwrap_or(false) {
                continue; // the default rule repeats the listener's default actions
            }
            let mut rule = Rule {
                arn: r.rule_arn().unwrap_or_default().to_string(),
                priority: r.priority().unwrap_or_default().to_string(),
                actions: r.actions().iter().map(action).collect(),
                ..Default::default()
            };
            for c in r.conditions() {
                match c.field().unwrap_or_default() {
                    "host-header" => {
                        let mut v: Vec<String> = c
                            .host_header_config()
                            .map(|h| h.values().to_vec())
                            .unwrap_or_default();
                        if v.is_empty() {
                            v = c.values().to_vec();
                        }
                        rule.host_headers.extend(v);
                    }
                    "path-pattern" => {
                        let mut v: Vec<String> = c
                            .path_pattern_config()
                            .map(|h| h.values().to_vec())
                            .unwrap_or_default();
                        if v.is_empty() {
                            v = c.values().to_vec();
                        }
                        rule.path_patterns.extend(v);
                    }
                    other => rule.other_conditions.push(other.to_string()),
                }
            }
            out.push(rule);
        }
        match resp.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

async fn listener_certificates(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    listener_arn: &str,
) -> Result<
    Vec<ListenerCertificate>,
    ElbError<aws_sdk_elasticloadbalancingv2::operation::describe_listener_certificates::DescribeListenerCertificatesError>,
>{
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let resp = client
            .describe_listener_certificates()
            .listener_arn(listener_arn)
            .set_marker(marker.clone())
            .send()
            .await?;
        for c in resp.certificates() {
            if let Some(arn) = c.certificate_arn() {
                out.push(ListenerCertificate {
                    arn: arn.to_string(),
                    is_default: c.is_default().unwrap_or(false),
                });
            }
        }
        match resp.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(out)
}
