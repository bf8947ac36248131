//! What the CLI's `--severity`, `--checks` and `--exclude-checks` keep of a report.
//! A `scan_incomplete` finding is never filtered away by `--severity` or `--checks`:
//! a narrowed view of a run that could not see must still say so (only naming it in
//! `--exclude-checks` drops it).

use super::{Report, Summary};
use crate::checks::CHECKS;
use crate::finding::Severity;

/// Why a filter cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag}: no check is called {id:?} (`acm-doctor catalog` lists them){}", near.as_ref().map(|n| format!("; did you mean {n:?}?")).unwrap_or_default())]
pub struct UnknownCheck {
    pub flag: &'static str,
    pub id: String,
    pub near: Option<String>,
}

/// The findings to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub min_severity: Option<Severity>,
    /// Only these checks (empty: every check).
    pub checks: Vec<String>,
    pub exclude: Vec<String>,
}

/// The registered check whose id shares the longest prefix with `id` (a typo's fix).
fn nearest(id: &str) -> Option<String> {
    CHECKS
        .iter()
        .map(|c| {
            let common = c
                .id()
                .chars()
                .zip(id.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (common, c.id())
        })
        .filter(|(n, _)| *n >= 4)
        .max_by_key(|(n, _)| *n)
        .map(|(_, c)| c.to_string())
}

impl Filter {
    /// A filter from the flags' values (each may be a comma list), every id checked.
    pub fn new(
        min_severity: Option<Severity>,
        checks: &[String],
        exclude: &[String],
    ) -> Result<Filter, UnknownCheck> {
        let split = |flag: &'static str, v: &[String]| -> Result<Vec<String>, UnknownCheck> {
            let mut out = Vec::new();
            for id in v
                .iter()
                .flat_map(|s| s.split(','))
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                if !CHECKS.iter().any(|c| c.id() == id) {
                    return Err(UnknownCheck {
                        flag,
                        id: id.to_string(),
                        near: nearest(id),
                    });
                }
                out.push(id.to_string());
            }
            Ok(out)
        };
        Ok(Filter {
            min_severity,
            checks: split("--checks", checks)?,
            exclude: split("--exclude-checks", exclude)?,
        })
    }

    fn keeps(&self, check: &str, severity: Severity) -> bool {
        if self.exclude.iter().any(|e| e == check) {
            return false;
        }
        if check == "scan_incomplete" {
            return true;
        }
        (self.checks.is_empty() || self.checks.iter().any(|c| c == check))
            && self.min_severity.is_none_or(|m| severity >= m)
    }
}

impl Report {
    /// The report with only the findings `filter` keeps (the counts follow). Takes the
    /// report by value: a large run's findings are not copied.
    pub fn filtered(mut self, filter: &Filter) -> Report {
        if *filter == Filter::default() {
            return self;
        }
        self.findings.retain(|f| filter.keeps(&f.check, f.severity));
        self.summary = Summary::of(&self.findings);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Cause;
    use crate::testkit;

    fn checks(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.check.as_str()).collect()
    }

    #[test]
    fn severity_checks_and_exclusions_narrow_the_report() {
        let r = testkit::sample_report();
        let high = r
            .clone()
            .filtered(&Filter::new(Some(Severity::High), &[], &[]).unwrap());
        assert_eq!(
            checks(&high),
            ["certificate_expired", "alb_host_not_covered"]
        );
        assert_eq!(high.summary.total, 2);
        let only = r.clone().filtered(
            &Filter::new(None, &["mixed_content,legacy_tls_policy".into()], &[]).unwrap(),
        );
        assert_eq!(checks(&only), ["mixed_content", "legacy_tls_policy"]);
        let without = r
            .clone()
            .filtered(&Filter::new(None, &[], &["certificate_expired".into()]).unwrap());
        assert_eq!(without.findings.len(), r.findings.len() - 1);
    }

    /// The twin: no flags keep everything.
    #[test]
    fn no_flags_keep_every_finding() {
        let r = testkit::sample_report();
        assert_eq!(r.clone().filtered(&Filter::new(None, &[], &[]).unwrap()), r);
    }

    /// A narrowed view of an incomplete run still says it was incomplete.
    #[test]
    fn scan_incomplete_survives_severity_and_checks() {
        let mut fs = testkit::sample_report().findings;
        fs.push(testkit::finding(
            "scan_incomplete",
            Severity::Medium,
            Cause::ScanIncomplete,
            "acm-doctor",
        ));
        let r = testkit::report_of(fs);
        let f = Filter::new(Some(Severity::Critical), &["mixed_content".into()], &[]).unwrap();
        assert!(r.clone().filtered(&f).incomplete());
        let f = Filter::new(None, &[], &["scan_incomplete".into()]).unwrap();
        assert!(
            !r.filtered(&f).incomplete(),
            "named in --exclude-checks, it goes"
        );
    }

    #[test]
    fn an_unknown_check_is_an_error_with_a_suggestion() {
        let e = Filter::new(None, &["served_name_mismatc".into()], &[]).unwrap_err();
        assert_eq!(e.near.as_deref(), Some("served_name_mismatch"));
        assert!(e.to_string().contains("--checks"), "{e}");
        assert!(Filter::new(None, &[], &["nope".into()]).is_err());
    }
}
