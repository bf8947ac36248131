//! SARIF 2.1.0 (`--format sarif`) for GitHub code scanning and other SARIF viewers, built
//! with serde-sarif's types: one rule per check (its catalog texts, the fix as `help`),
//! one result per finding (`ruleId` = check id, `level` from the severity, the resource
//! ARN and hostname as locations, the finding's own steps in the message).
//!
//! GitHub requires `physicalLocation.artifactLocation.uri` on every result and matches
//! alerts across runs by `partialFingerprints` (docs.github.com, "SARIF support for code
//! scanning"); a cloud resource has no file, so the URI is the resource's ARN (an
//! absolute URI of scheme `arn`) and the fingerprint is the finding's stable id.

use super::Report;
use crate::checks::CHECKS;
use crate::finding::{Finding, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::BTreeMap;

/// Where SARIF readers fetch the schema (the one `docs/schema/sarif-2.1.0.json` holds).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// SARIF's level: errors block a merge in code scanning, notes do not.
fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's `security-severity` (0.0–10.0), which sorts alerts as critical/high/medium/low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn bag(pairs: impl IntoIterator<Item = (&'static str, serde_json::Value)>) -> PropertyBag {
    PropertyBag::builder()
        .additional_properties(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )
        .build()
}

fn rule(check: &str, report: &Report) -> ReportingDescriptor {
    let doc = CHECKS.iter().find(|c| c.id() == check);
    let b = ReportingDescriptor::builder().id(check);
    let Some(c) = doc else {
        return b.build();
    };
    let [detects, browser, fix] = c.doc().texts(report.lang);
    // The rule's level is its most severe finding in this report (GitHub sorts by it).
    let worst = report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Info);
    b.name(check)
        .short_description(MultiformatMessageString::builder().text(detects).build())
        .full_description(
            MultiformatMessageString::builder()
                .text(format!("{detects} {browser}"))
                .build(),
        )
        .help(MultiformatMessageString::builder().text(fix).build())
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(level(worst)))
                .build(),
        )
        .properties(bag([
            (
                "security-severity",
                serde_json::json!(security_severity(worst)),
            ),
            ("tags", serde_json::json!(["security", c.cause().as_str()])),
        ]))
        .build()
}

fn message(f: &Finding) -> Message {
    let mut text = f.title.clone();
    if !f.detail.is_empty() {
        text.push_str(": ");
        text.push_str(&f.detail);
    }
    let steps = f.numbered_lines();
    let mut markdown = format!("**{}**\n\n{}", f.title, f.detail);
    if !steps.is_empty() {
        markdown.push_str("\n\n");
        markdown.push_str(&steps.join("\n"));
    }
    Message::builder().text(text).markdown(markdown).build()
}

fn result(f: &Finding, rule_index: usize) -> SarifResult {
    let mut logical = vec![
        LogicalLocation::builder()
            .fully_qualified_name(f.resource.clone())
            .kind("resource")
            .build(),
    ];
    if let Some(h) = &f.hostname {
        logical.push(
            LogicalLocation::builder()
                .name(h.clone())
                .kind("hostname")
                .build(),
        );
    }
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(f.resource.clone()).build())
                .build(),
        )
        .logical_locations(logical)
        .build();
    let mut props = vec![
        ("severity", serde_json::json!(f.severity.as_str())),
        ("cause", serde_json::json!(f.cause.as_str())),
        ("region", serde_json::json!(f.region)),
        ("evidence", serde_json::json!(f.evidence)),
    ];
    if let Some(a) = &f.account {
        props.push(("account", serde_json::json!(a)));
    }
    SarifResult::builder()
        .rule_id(f.check.clone())
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(message(f))
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            "acmDoctorFindingId/v1".to_string(),
            f.id.clone(),
        )]))
        .properties(bag(props))
        .build()
}

impl Report {
    /// The report as a SARIF 2.1.0 log (one run).
    pub fn sarif(&self) -> Sarif {
        let mut checks: Vec<&str> = self.findings.iter().map(|f| f.check.as_str()).collect();
        checks.sort_unstable();
        checks.dedup();
        let rules: Vec<ReportingDescriptor> = checks.iter().map(|c| rule(c, self)).collect();
        let results: Vec<SarifResult> = self
            .findings
            .iter()
            .map(|f| {
                let i = checks.binary_search(&f.check.as_str()).unwrap_or(0);
                result(f, i)
            })
            .collect();
        let driver = ToolComponent::builder()
            .name("acm-doctor")
            .version(env!("CARGO_PKG_VERSION"))
            .information_uri("https://github.com/acm-doctor/acm-doctor")
            .rules(rules)
            .build();
        let run = Run::builder()
            .tool(Tool::builder().driver(driver).build())
            .results(results)
            .properties(bag([
                ("run_id", serde_json::json!(self.run_id)),
                ("incomplete", serde_json::json!(self.incomplete())),
                ("scanned", serde_json::json!(self.scanned)),
            ]))
            .build();
        Sarif::builder()
            .schema(SCHEMA_URI)
            .version(serde_json::json!("2.1.0"))
            .runs(vec![run])
            .build()
    }

    /// [`Report::sarif`] as pretty JSON.
    pub fn sarif_json(&self) -> String {
        serde_json::to_string_pretty(&self.sarif()).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    #[test]
    fn each_finding_is_a_result_of_its_checks_rule_with_a_location() {
        let r = testkit::sample_report();
        let v: serde_json::Value = serde_json::from_str(&r.sarif_json()).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), r.findings.len());
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for (res, f) in results.iter().zip(&r.findings) {
            assert_eq!(res["ruleId"], f.check.as_str());
            let i = res["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], f.check.as_str());
            assert_eq!(
                res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                f.resource.as_str()
            );
            assert_eq!(
                res["partialFingerprints"]["acmDoctorFindingId/v1"],
                f.id.as_str()
            );
            let want = match f.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                _ => "note",
            };
            assert_eq!(res["level"], want);
        }
        assert!(
            rules
                .iter()
                .all(|r| r["help"]["text"].as_str().is_some_and(|t| !t.is_empty()))
        );
    }

    /// The twin: a clean report is a valid log with no results.
    #[test]
    fn a_clean_report_has_no_results() {
        let r = testkit::sample_report().with_findings(vec![]);
        let v: serde_json::Value = serde_json::from_str(&r.sarif_json()).unwrap();
        assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0);
        assert_eq!(v["runs"][0]["tool"]["driver"]["name"], "acm-doctor");
    }
}
