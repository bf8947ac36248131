//! CloudWatch metrics through the embedded metric format (EMF): JSON documents printed
//! to the function's stdout, which CloudWatch Logs turns into metrics with no extra API
//! call. Pure: the documents are built from the report and inventory.

use super::Report;
use crate::inventory::Inventory;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub const NAMESPACE: &str = "acm-doctor";

fn doc(
    ts: i64,
    dimensions: &[&str],
    metric: &str,
    unit: &str,
    value: Value,
    fields: &[(&str, &str)],
) -> Value {
    let mut v = json!({
        "_aws": {
            "Timestamp": ts,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions],
                "Metrics": [{"Name": metric, "Unit": unit}]
            }]
        }
    });
    v[metric] = value;
    for (k, val) in fields {
        v[*k] = json!(val);
    }
    v
}

/// Days to expiry per certificate and the nearest one in use, findings per cause and
/// severity, scan duration, incomplete runs.
pub fn emf_documents(
    report: &Report,
    inv: &Inventory,
    now: DateTime<Utc>,
    duration_ms: u128,
) -> Vec<Value> {
    let ts = now.timestamp_millis();
    let mut out = Vec::new();
    for c in &inv.certificates {
        if let Some(na) = c.not_after {
            let days = (na - now).num_seconds() as f64 / 86_400.0;
            out.push(doc(
                ts,
                &["CertificateArn"],
                "DaysToExpiry",
                "None",
                json!((days * 10.0).round() / 10.0),
                &[("CertificateArn", &c.arn), ("DomainName", &c.domain_name)],
            ));
        }
    }
    // The nearest expiry among certificates in use (or not known to be unused), without
    // a dimension, so one alarm watches the whole account: an unused certificate left to
    // expire is `certificate_unused`'s business, not a page.
    let nearest = inv
        .certificates
        .iter()
        .filter(|c| c.in_use != Some(false))
        .filter_map(|c| c.not_after)
        .min();
    if let Some(na) = nearest {
        let days = (na - now).num_seconds() as f64 / 86_400.0;
        out.push(doc(
            ts,
            &[],
            "MinDaysToExpiry",
            "None",
            json!((days * 10.0).round() / 10.0),
            &[],
        ));
    }
    for (cause, n) in &report.summary.by_cause {
        out.push(doc(
            ts,
            &["Cause"],
            "Findings",
            "Count",
            json!(n),
            &[("Cause", cause.as_str())],
        ));
    }
    for (sev, n) in &report.summary.by_severity {
        out.push(doc(
            ts,
            &["Severity"],
            "Findings",
            "Count",
            json!(n),
            &[("Severity", sev.as_str())],
        ));
    }
    out.push(doc(
        ts,
        &[],
        "ScanDuration",
        "Milliseconds",
        json!(duration_ms as u64),
        &[],
    ));
    // 1 for a run that could not see everything, 0 otherwise (so an alarm on the sum
    // sees a healthy run as 0, not as missing data).
    out.push(doc(
        ts,
        &[],
        "IncompleteRuns",
        "Count",
        json!(u8::from(report.incomplete())),
        &[],
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Finding, Severity};
    use crate::testkit::{cert, now};

    #[test]
    fn documents_are_valid_emf() {
        let inv = Inventory {
            certificates: vec![cert("c", &["a.example.com"], 12)],
            ..Default::default()
        };
        let mut f = Finding::new("certificate_expiring", Severity::High, "arn:x", "us-east-1");
        f.cause = Cause::Expired;
        f.assign_id();
        let r = crate::testkit::report_of(vec![f]);
        let docs = emf_documents(&r, &inv, now(), 850);
        let days = docs
            .iter()
            .find(|d| d.get("DaysToExpiry").is_some())
            .unwrap();
        assert_eq!(days["DaysToExpiry"], 12.0);
        assert_eq!(
            days["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
            "CertificateArn"
        );
        assert!(
            docs.iter()
                .any(|d| d["Cause"] == "expired" && d["Findings"] == 1)
        );
        assert!(
            docs.iter()
                .any(|d| d["Severity"] == "high" && d["Findings"] == 1)
        );
        assert!(docs.iter().any(|d| d["ScanDuration"] == 850));
        assert!(
            docs.iter().any(|d| d["IncompleteRuns"] == 0),
            "a complete run"
        );
        let mut gap = Finding::new("scan_incomplete", Severity::Medium, "acm-doctor", "-");
        gap.cause = Cause::ScanIncomplete;
        let gapped = crate::testkit::report_of(vec![gap]);
        assert!(
            emf_documents(&gapped, &inv, now(), 1)
                .iter()
                .any(|d| d["IncompleteRuns"] == 1)
        );
        for d in &docs {
            let metric = d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]
                .as_str()
                .unwrap();
            assert!(
                d.get(metric).is_some(),
                "the metric value sits at the top level"
            );
        }
    }

    /// The account-wide nearest expiry counts certificates in use only; its twin: an
    /// unused certificate about to expire sends no such metric (no page for it).
    #[test]
    fn the_nearest_expiry_counts_certificates_in_use() {
        let mut used = cert("u", &["a.example.com"], 40);
        used.in_use = Some(true);
        let mut unused = cert("x", &["b.example.com"], 3);
        unused.in_use = Some(false);
        let inv = Inventory {
            certificates: vec![used, unused.clone()],
            ..Default::default()
        };
        let r = crate::testkit::report_of(vec![]);
        let docs = emf_documents(&r, &inv, now(), 1);
        let min: Vec<&Value> = docs
            .iter()
            .filter(|d| d.get("MinDaysToExpiry").is_some())
            .collect();
        assert_eq!(min.len(), 1);
        assert_eq!(min[0]["MinDaysToExpiry"], 40.0);
        let only_unused = Inventory {
            certificates: vec![unused],
            ..Default::default()
        };
        assert!(
            !emf_documents(&r, &only_unused, now(), 1)
                .iter()
                .any(|d| d.get("MinDaysToExpiry").is_some())
        );
    }
}
