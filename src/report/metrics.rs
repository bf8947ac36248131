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

/// Days to expiry per certificate, findings per cause and severity, scan duration.
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
}
