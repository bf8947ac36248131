//! JUnit XML (`--format junit`) for CI dashboards that read test reports, built with
//! quick-junit: one test suite per check, one failing test case per check × resource
//! (× hostname) with the fix as the failure's text, and one passing case for each check
//! that found nothing — so a clean estate shows as passed tests, not as no tests. A run
//! that could not see (`scan_incomplete`) is an *error*, not a failure: nothing was
//! judged there.

use super::Report;
use crate::checks::CHECKS;
use crate::finding::{Cause, Finding};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

fn case(f: &Finding) -> TestCase {
    let kind = if f.cause == Cause::ScanIncomplete {
        NonSuccessKind::Error
    } else {
        NonSuccessKind::Failure
    };
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(format!("[{}] {}", f.severity.as_str(), f.title));
    status.set_type(f.cause.as_str());
    status.set_description(format!(
        "{}\n\nFix:\n{}",
        f.detail,
        f.numbered_lines().join("\n")
    ));
    let name = match &f.hostname {
        Some(h) => format!("{} ({h})", f.resource),
        None => f.resource.clone(),
    };
    let mut c = TestCase::new(name, status);
    c.set_classname(format!("acm-doctor.{}", f.check));
    c.add_property(Property::new("finding_id", f.id.as_str()));
    c.add_property(Property::new("region", f.region.as_str()));
    if let Some(a) = &f.account {
        c.add_property(Property::new("account", a.as_str()));
    }
    c
}

impl Report {
    /// The report as JUnit XML.
    pub fn junit(&self) -> String {
        let mut out = quick_junit::Report::new("acm-doctor");
        let mut ids: Vec<&str> = CHECKS.iter().map(|c| c.id()).collect();
        // A finding of a check this build does not list (a merged shard of a newer
        // version) still gets its suite.
        for f in &self.findings {
            if !ids.contains(&f.check.as_str()) {
                ids.push(&f.check);
            }
        }
        for id in ids {
            let mut suite = TestSuite::new(id);
            let found: Vec<&Finding> = self.findings.iter().filter(|f| f.check == id).collect();
            if found.is_empty() {
                let mut c =
                    TestCase::new(format!("{id}: nothing found"), TestCaseStatus::success());
                c.set_classname(format!("acm-doctor.{id}"));
                suite.add_test_case(c);
            }
            suite.add_test_cases(found.into_iter().map(case));
            out.add_test_suite(suite);
        }
        out.to_string().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::testkit;

    #[test]
    fn each_finding_fails_its_checks_suite_with_the_fix() {
        let r = testkit::sample_report();
        let xml = r.junit();
        assert!(xml.starts_with("<?xml"), "{xml}");
        let failures = xml.matches("<failure ").count();
        assert_eq!(failures, r.findings.len(), "{xml}");
        assert!(xml.contains("classname=\"acm-doctor.alb_host_not_covered\""));
        assert!(xml.contains("(blog.example.com)"));
        assert!(xml.contains("Fix:\n1. do the thing"));
        assert_eq!(xml.matches("<testsuite ").count(), CHECKS.len());
    }

    /// The twin: a clean report is every check passing, no failure.
    #[test]
    fn a_clean_report_passes_every_check() {
        let xml = testkit::sample_report().with_findings(vec![]).junit();
        assert_eq!(xml.matches("<failure").count(), 0);
        assert_eq!(xml.matches("nothing found").count(), CHECKS.len());
    }

    /// A run that could not see is an error, not a failure (and not a pass).
    #[test]
    fn an_incomplete_scan_is_an_error() {
        let f = testkit::finding(
            "scan_incomplete",
            Severity::High,
            Cause::ScanIncomplete,
            "acm-doctor",
        );
        let xml = testkit::report_of(vec![f]).junit();
        assert_eq!(xml.matches("<error ").count(), 1, "{xml}");
        assert_eq!(xml.matches("<failure").count(), 0);
    }

    /// Control characters from a hostile certificate never make the XML unreadable.
    #[test]
    fn control_characters_do_not_break_the_xml() {
        let mut f = testkit::finding(
            "served_name_mismatch",
            Severity::High,
            Cause::NameMismatch,
            "host:x",
        );
        f.title = "evil\u{1b}[31m\u{0}name".into();
        let xml = testkit::report_of(vec![f]).junit();
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}'), "{xml:?}");
    }
}
