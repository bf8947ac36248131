//! The AWS Security Finding Format (ASFF, schema 2018-10-08) for Security Hub's
//! `BatchImportFindings`: resource types by ARN, severity labels, and resolved findings
//! as `Workflow.Status = RESOLVED` with `RecordState = ARCHIVED`. Pure rendering.

use super::Report;
use crate::checks::{Finding, Severity};
use crate::publish::state::Record;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Security Hub's resource type for a finding's resource (ARN or `host:NAME`).
pub fn resource_type(resource: &str) -> &'static str {
    if resource.starts_with("arn:")
        && resource.contains(":acm:")
        && resource.contains(":certificate/")
    {
        "AwsCertificateManagerCertificate"
    } else if resource.contains(":elasticloadbalancing:")
        && (resource.contains(":loadbalancer/") || resource.contains(":listener/"))
    {
        "AwsElbv2LoadBalancer"
    } else if resource.starts_with("arn:")
        && resource.contains(":cloudfront:")
        && resource.contains(":distribution/")
    {
        "AwsCloudFrontDistribution"
    } else {
        "Other"
    }
}

/// A listener ARN names its load balancer: Security Hub's resource is the load balancer.
fn resource_id(resource: &str) -> String {
    match resource.split_once(":listener/") {
        Some((head, tail)) if resource.contains(":elasticloadbalancing:") => {
            // listener/app/NAME/LB_ID/LISTENER_ID → loadbalancer/app/NAME/LB_ID
            let parts: Vec<&str> = tail.split('/').collect();
            if parts.len() >= 3 {
                format!("{head}:loadbalancer/{}/{}/{}", parts[0], parts[1], parts[2])
            } else {
                resource.to_string()
            }
        }
        _ => resource.to_string(),
    }
}

pub fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn product_arn(region: &str, account: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
}

fn base(
    id: &str,
    generator: &str,
    account: &str,
    region: &str,
    now: DateTime<Utc>,
    created: DateTime<Utc>,
) -> Value {
    json!({
        "SchemaVersion": "2018-10-08",
        "Id": format!("acm-doctor/{id}"),
        "ProductArn": product_arn(region, account),
        "GeneratorId": format!("acm-doctor/{generator}"),
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "UpdatedAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

fn resource(resource: &str, hostname: Option<&str>, region: &str) -> Value {
    let mut r = json!({ "Type": resource_type(resource), "Id": resource_id(resource), "Partition": "aws", "Region": region });
    if let Some(h) = hostname {
        r["Details"] = json!({ "Other": { "Hostname": h } });
    }
    r
}

/// One ASFF finding per report finding (active), plus one per resolved record.
/// `region` is where the findings are imported (the function's region).
pub fn findings(report: &Report, region: &str, now: DateTime<Utc>) -> Vec<Value> {
    let account = report
        .account
        .clone()
        .unwrap_or_else(|| "000000000000".into());
    let mut out: Vec<Value> = report
        .findings
        .iter()
        .map(|f| active(f, &account, region, now))
        .collect();
    out.extend(
        report
            .resolved
            .iter()
            .map(|r| resolved(r, &account, region, now)),
    );
    out
}

fn active(f: &Finding, account: &str, region: &str, now: DateTime<Utc>) -> Value {
    let mut v = base(&f.id, &f.check, account, region, now, now);
    let res_region = if f.region == "global" {
        "us-east-1"
    } else {
        f.region.as_str()
    };
    v["Severity"] = json!({ "Label": severity_label(f.severity) });
    v["Title"] = json!(truncate(&f.title, 256));
    v["Description"] = json!(truncate(&f.detail, 1024));
    v["Remediation"] =
        json!({ "Recommendation": { "Text": truncate(&f.remediation.join(" "), 512) } });
    v["Resources"] = json!([resource(&f.resource, f.hostname.as_deref(), res_region)]);
    v["ProductFields"] =
        json!({ "acm-doctor/cause": f.cause.as_str(), "acm-doctor/check": f.check });
    v["Workflow"] = json!({ "Status": "NEW" });
    v["RecordState"] = json!("ACTIVE");
    v
}

fn resolved(r: &Record, account: &str, region: &str, now: DateTime<Utc>) -> Value {
    let mut v = base(&r.id, &r.check, account, region, now, r.first_seen);
    v["Severity"] = json!({ "Label": "INFORMATIONAL", "Original": severity_label(r.severity) });
    v["Title"] = json!(truncate(&format!("Resolved: {}", r.title), 256));
    v["Description"] = json!("acm-doctor no longer finds this problem.");
    v["Resources"] = json!([resource(&r.resource, r.hostname.as_deref(), region)]);
    v["Workflow"] = json!({ "Status": "RESOLVED" });
    v["RecordState"] = json!("ARCHIVED");
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::now;
    use crate::checks::{Cause, Finding};

    #[test]
    fn resource_types_follow_the_arn() {
        assert_eq!(
            resource_type("arn:aws:acm:us-east-1:123456789012:certificate/abc"),
            "AwsCertificateManagerCertificate"
        );
        assert_eq!(
            resource_type(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc/1bb"
            ),
            "AwsElbv2LoadBalancer"
        );
        assert_eq!(
            resource_type("arn:aws:cloudfront::123456789012:distribution/E1"),
            "AwsCloudFrontDistribution"
        );
        assert_eq!(resource_type("host:www.example.com"), "Other");
        assert_eq!(
            resource_id(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc/1bb"
            ),
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc"
        );
    }

    #[test]
    fn active_and_resolved_findings() {
        let mut f = Finding::new(
            "certificate_expired",
            Severity::Critical,
            "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "us-east-1",
        )
        .hostname("shop.example.com")
        .title("expired")
        .detail("x".repeat(2000))
        .step("renew");
        f.cause = Cause::Expired;
        f.assign_id();
        let mut r = crate::checks::testkit::report_of(vec![f]);
        r.resolved.push(Record {
            id: "alb_http_not_redirected-1".into(),
            first_seen: now() - chrono::Duration::days(3),
            last_notified: now(),
            severity: Severity::Medium,
            check: "alb_http_not_redirected".into(),
            resource:
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc/50"
                    .into(),
            hostname: None,
            title: "HTTP listener does not redirect".into(),
        });
        let v = findings(&r, "us-east-1", now());
        assert_eq!(v.len(), 2);
        assert_eq!(v[0]["Severity"]["Label"], "CRITICAL");
        assert_eq!(
            v[0]["Resources"][0]["Type"],
            "AwsCertificateManagerCertificate"
        );
        assert_eq!(v[0]["Description"].as_str().unwrap().chars().count(), 1024);
        assert_eq!(
            v[0]["ProductArn"],
            "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
        );
        assert_eq!(v[1]["Workflow"]["Status"], "RESOLVED");
        assert_eq!(v[1]["RecordState"], "ARCHIVED");
        assert_eq!(v[1]["Resources"][0]["Type"], "AwsElbv2LoadBalancer");
        for f in &v {
            for k in [
                "SchemaVersion",
                "Id",
                "ProductArn",
                "GeneratorId",
                "AwsAccountId",
                "Types",
                "CreatedAt",
                "UpdatedAt",
                "Severity",
                "Title",
                "Description",
                "Resources",
            ] {
                assert!(f.get(k).is_some(), "required ASFF field {k}");
            }
        }
    }
}
