//! The AWS Security Finding Format (ASFF, schema 2018-10-08) for Security Hub's
//! `BatchImportFindings`: resource types by ARN, severity labels, and resolved findings
//! as `Workflow.Status = RESOLVED` with `RecordState = ARCHIVED`. Pure rendering.

use super::Report;
use crate::finding::FindingRecord;
use crate::finding::{Finding, Severity};
use crate::i18n::Lang;
use crate::label;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::BTreeMap;

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

/// The product ARN of findings a customer account imports itself.
pub fn product_arn(region: &str, account: &str) -> String {
    format!("arn:aws:securityhub:{region}:{account}:product/{account}/default")
}

/// Prefix of every acm-doctor finding's `Id` and `GeneratorId`.
pub const ID_PREFIX: &str = "acm-doctor/";

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq)]
pub struct AsffResource {
    pub kind: String,
    pub id: String,
    pub region: String,
    pub hostname: Option<String>,
}

/// One Security Hub finding, as acm-doctor writes it. Rendered as JSON for
/// `scan --format asff` and as SDK types for `BatchImportFindings`.
#[derive(Debug, Clone, PartialEq)]
pub struct AsffFinding {
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub account: String,
    pub types: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub severity: String,
    /// The severity before the finding was resolved.
    pub original_severity: Option<String>,
    pub title: String,
    pub description: String,
    pub remediation: Option<String>,
    pub resource: AsffResource,
    pub product_fields: BTreeMap<String, String>,
    /// `FAILED` while the problem exists, `PASSED` once it is gone.
    pub compliance: String,
    pub workflow: String,
    pub record_state: String,
}

/// ASFF timestamps: RFC 3339 in UTC with milliseconds.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl AsffFinding {
    pub fn to_json(&self) -> Value {
        let mut resource = json!({
            "Type": self.resource.kind,
            "Id": self.resource.id,
            "Partition": "aws",
            "Region": self.resource.region,
        });
        if let Some(h) = &self.resource.hostname {
            resource["Details"] = json!({ "Other": { "Hostname": h } });
        }
        let mut v = json!({
            "SchemaVersion": "2018-10-08",
            "Id": self.id,
            "ProductArn": self.product_arn,
            "GeneratorId": self.generator_id,
            "AwsAccountId": self.account,
            "Types": self.types,
            "CreatedAt": ts(self.created_at),
            "UpdatedAt": ts(self.updated_at),
            "Severity": { "Label": self.severity },
            "Title": self.title,
            "Description": self.description,
            "Resources": [resource],
            "ProductFields": self.product_fields,
            "Compliance": { "Status": self.compliance },
            "Workflow": { "Status": self.workflow },
            "RecordState": self.record_state,
        });
        if let Some(o) = &self.original_severity {
            v["Severity"]["Original"] = json!(o);
        }
        if let Some(r) = &self.remediation {
            v["Remediation"] = json!({ "Recommendation": { "Text": r } });
        }
        v
    }

    /// The same finding once its problem is gone: archived, compliance PASSED, and
    /// RESOLVED (Security Hub honours the workflow only from `BatchUpdateFindings` for an
    /// existing finding; the importer sends that too).
    pub fn resolved(&self, now: DateTime<Utc>, lang: Lang) -> AsffFinding {
        let prefix = label!("Resolved: ", "解決済み: ").get(lang);
        let title = if self.title.starts_with(prefix) {
            self.title.clone()
        } else {
            truncate(&format!("{prefix}{}", self.title), 256)
        };
        AsffFinding {
            updated_at: now,
            original_severity: self
                .original_severity
                .clone()
                .or_else(|| Some(self.severity.clone())),
            severity: "INFORMATIONAL".into(),
            title,
            description: label!(
                "acm-doctor no longer finds this problem.",
                "acm-doctor はこの問題を検出しなくなりました。",
            )
            .get(lang)
            .into(),
            compliance: "PASSED".into(),
            workflow: "RESOLVED".into(),
            record_state: "ARCHIVED".into(),
            ..self.clone()
        }
    }
}

/// One ASFF finding per report finding (active), plus one per resolved record.
/// `region` is where the findings are imported (the function's region).
pub fn findings(report: &Report, region: &str, now: DateTime<Utc>) -> Vec<AsffFinding> {
    let account = report
        .account
        .clone()
        .unwrap_or_else(|| "000000000000".into());
    let mut out: Vec<AsffFinding> = report
        .findings
        .iter()
        .map(|f| active(f, &account, region, now))
        .collect();
    out.extend(
        report
            .resolved
            .iter()
            .map(|r| resolved(r, &account, region, now, report.lang)),
    );
    out
}

fn resource(resource: &str, hostname: Option<&str>, region: &str) -> AsffResource {
    AsffResource {
        kind: resource_type(resource).into(),
        id: resource_id(resource),
        region: region.into(),
        hostname: hostname.map(str::to_string),
    }
}

/// What every acm-doctor finding shares: ids, product, account, type and an active,
/// failed state; callers fill in the rest.
fn base(
    id: &str,
    check: &str,
    account: &str,
    region: &str,
    resource: AsffResource,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AsffFinding {
    AsffFinding {
        id: format!("{ID_PREFIX}{id}"),
        product_arn: product_arn(region, account),
        generator_id: format!("{ID_PREFIX}{check}"),
        account: account.into(),
        types: vec!["Software and Configuration Checks/AWS Security Best Practices".into()],
        created_at,
        updated_at: now,
        severity: "INFORMATIONAL".into(),
        original_severity: None,
        title: String::new(),
        description: String::new(),
        remediation: None,
        resource,
        product_fields: BTreeMap::from([("acm-doctor/check".to_string(), check.to_string())]),
        compliance: "FAILED".into(),
        workflow: "NEW".into(),
        record_state: "ACTIVE".into(),
    }
}

/// The ASFF finding for one current finding.
pub fn active(f: &Finding, account: &str, region: &str, now: DateTime<Utc>) -> AsffFinding {
    let res_region = if f.region == "global" {
        "us-east-1"
    } else {
        f.region.as_str()
    };
    let res = resource(&f.resource, f.hostname.as_deref(), res_region);
    // Security Hub keeps the first CreatedAt of an existing finding (sync() passes it on).
    let mut a = base(&f.id, &f.check, account, region, res, now, now);
    a.severity = severity_label(f.severity).into();
    a.title = truncate(&f.title, 256);
    a.description = truncate(&f.detail, 1024);
    a.remediation = (!f.remediation.is_empty()).then(|| truncate(&f.remediation.join(" "), 512));
    a.product_fields
        .insert("acm-doctor/cause".into(), f.cause.as_str().into());
    a
}

fn resolved(
    r: &FindingRecord,
    account: &str,
    region: &str,
    now: DateTime<Utc>,
    lang: Lang,
) -> AsffFinding {
    let res = resource(&r.resource, r.hostname.as_deref(), region);
    let mut a = base(&r.id, &r.check, account, region, res, r.first_seen, now);
    a.severity = severity_label(r.severity).into();
    a.title = truncate(&r.title, 256);
    a.resolved(now, lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Finding};
    use crate::testkit::now;

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
        let mut r = crate::testkit::report_of(vec![f]);
        r.resolved.push(FindingRecord {
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
        let v: Vec<Value> = findings(&r, "us-east-1", now())
            .iter()
            .map(AsffFinding::to_json)
            .collect();
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
        assert_eq!(v[0]["Compliance"]["Status"], "FAILED");
        assert_eq!(v[0]["Id"], format!("acm-doctor/{}", r.findings[0].id));
        assert_eq!(v[1]["Workflow"]["Status"], "RESOLVED");
        assert_eq!(v[1]["RecordState"], "ARCHIVED");
        assert_eq!(v[1]["Compliance"]["Status"], "PASSED");
        assert_eq!(v[1]["Severity"]["Original"], "MEDIUM");
        assert!(v[1]["Title"].as_str().unwrap().starts_with("Resolved: "));
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
