//! The JSON Schemas of acm-doctor's JSON outputs, kept in `docs/schema/` and compiled in
//! so `acm-doctor schema` prints them: `acm-doctor.report.v1` (`scan --format json`, the
//! SNS message, the S3 copy) and `acm-doctor.probe.v1` (`probe --format json`). The
//! tests validate every JSON output against them (and SARIF against OASIS's schema).

/// `docs/schema/report.v1.json`.
pub const REPORT_V1: &str = include_str!("../../docs/schema/report.v1.json");
/// `docs/schema/probe.v1.json` (its findings refer to `report.v1.json`).
pub const PROBE_V1: &str = include_str!("../../docs/schema/probe.v1.json");
/// The tag `probe --format json` carries, as the report carries [`super::SCHEMA`].
pub const PROBE_SCHEMA: &str = "acm-doctor.probe.v1";

#[cfg(test)]
pub(crate) mod validate {
    //! Validation with the jsonschema crate (a dev-dependency, no HTTP resolver): the
    //! probe schema's reference to the report schema is resolved from the repository.

    /// Every error of `doc` against the schema `name` (`report`, `probe`, `sarif`).
    pub fn errors(name: &str, doc: &serde_json::Value) -> Vec<String> {
        let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).expect("schema is JSON");
        let report = parse(super::REPORT_V1);
        let schema = match name {
            "report" => parse(super::REPORT_V1),
            "probe" => parse(super::PROBE_V1),
            "sarif" => parse(include_str!("../../docs/schema/sarif-2.1.0.json")),
            other => panic!("no schema {other}"),
        };
        let registry = jsonschema::Registry::new()
            .add("https://acm-doctor.dev/schema/report.v1.json", report)
            .and_then(|b| b.prepare())
            .expect("report schema registers");
        // OASIS's SARIF schema holds a pattern that is not a valid regex under format
        // checking; formats are checked for acm-doctor's own schemas.
        let validator = jsonschema::options()
            .should_validate_formats(name != "sarif")
            .with_registry(&registry)
            .build(&schema)
            .expect("schema compiles");
        validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::validate::errors;
    use crate::testkit;

    #[test]
    fn the_report_json_follows_its_schema() {
        let r = testkit::sample_report();
        let doc: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(errors("report", &doc), Vec::<String>::new());
    }

    /// The twin that proves the schema can fail: a finding without a cause, an unknown
    /// severity, a stray field.
    #[test]
    fn a_report_off_the_schema_is_refused() {
        let r = testkit::sample_report();
        let mut doc: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        doc["findings"][0].as_object_mut().unwrap().remove("cause");
        doc["findings"][1]["severity"] = "urgent".into();
        doc["surprise"] = true.into();
        assert_eq!(
            errors("report", &doc).len(),
            3,
            "{:?}",
            errors("report", &doc)
        );
    }

    #[test]
    fn the_sarif_log_follows_the_sarif_schema() {
        let doc: serde_json::Value =
            serde_json::from_str(&testkit::sample_report().sarif_json()).unwrap();
        assert_eq!(errors("sarif", &doc), Vec::<String>::new());
        let mut bad = doc.clone();
        bad["runs"][0]["results"][0]["level"] = "fatal".into();
        assert!(!errors("sarif", &bad).is_empty());
    }

    #[test]
    fn a_split_reports_parts_follow_the_schema() {
        let r = testkit::sample_report();
        for part in crate::publish::sns::split(&r, 3000) {
            let doc: serde_json::Value = serde_json::from_str(&part.to_json()).unwrap();
            assert_eq!(errors("report", &doc), Vec::<String>::new());
        }
    }
}
