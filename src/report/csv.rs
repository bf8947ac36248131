//! CSV (`--format csv`), one row per finding, for spreadsheets and `jq`-less pipelines,
//! written with the csv crate (quoting, embedded newlines). Text that came from servers
//! and certificates is escaped like every other output, and a cell a spreadsheet would
//! run as a formula (`=`, `+`, `-`, `@`, tab, CR first — OWASP's "CSV injection") gets
//! a leading `'`.

use super::Report;

/// The header row, in this order.
pub const COLUMNS: [&str; 11] = [
    "severity", "cause", "check", "account", "region", "resource", "hostname", "title", "detail",
    "fix", "id",
];

fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

impl Report {
    /// The findings as CSV with a header row.
    pub fn csv(&self) -> String {
        let r = self.escaped();
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(COLUMNS);
        for f in &r.findings {
            let fix = f.numbered_lines().join("\n");
            let row = [
                f.severity.as_str(),
                f.cause.as_str(),
                &f.check,
                f.account.as_deref().unwrap_or(""),
                &f.region,
                &f.resource,
                f.hostname.as_deref().unwrap_or(""),
                &f.title,
                &f.detail,
                &fix,
                &f.id,
            ];
            let _ = w.write_record(row.iter().map(|s| cell(s)));
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::{Cause, Severity};
    use crate::testkit;

    fn rows(text: &str) -> Vec<Vec<String>> {
        ::csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn one_row_per_finding_under_the_header() {
        let r = testkit::sample_report();
        let text = r.csv();
        assert!(text.starts_with(
            "severity,cause,check,account,region,resource,hostname,title,detail,fix,id\n"
        ));
        let rows = rows(&text);
        assert_eq!(rows.len(), r.findings.len());
        for (row, f) in rows.iter().zip(&r.findings) {
            assert_eq!(row[0], f.severity.as_str());
            assert_eq!(row[2], f.check);
            assert_eq!(row[5], f.resource);
            assert_eq!(row[10], f.id);
        }
    }

    /// A hostname a server chose cannot become a spreadsheet formula; plain text stays
    /// as it is (the twin).
    #[test]
    fn formulas_are_defused_and_plain_text_is_not() {
        let mut evil = testkit::finding(
            "served_name_mismatch",
            Severity::High,
            Cause::NameMismatch,
            "host:x",
        );
        evil.title = "=HYPERLINK(\"http://evil\")".into();
        let mut plain = evil.clone();
        plain.title = "name not covered".into();
        plain.resource = "host:y".into();
        plain.assign_id();
        let rows = rows(&testkit::report_of(vec![evil, plain]).csv());
        assert_eq!(rows[0][7], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(rows[1][7], "name not covered");
    }

    /// The twin of every row: a clean report is the header alone.
    #[test]
    fn a_clean_report_is_the_header_alone() {
        let text = testkit::sample_report().with_findings(vec![]).csv();
        assert_eq!(text.lines().count(), 1);
    }
}
