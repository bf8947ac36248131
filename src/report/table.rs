//! The findings as a terminal table (`scan` on a TTY), colored by severity on request.

use super::Report;
use crate::finding::Severity;
use crate::label;
use std::fmt::Write as _;

/// The findings as a table for a terminal (`scan` on a TTY); colored by severity when
/// `color` is set.
pub fn findings_table(report: &Report, color: bool) -> String {
    let report = &report.escaped();
    use comfy_table::{Cell, Color, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    // The caller decides (stdout a terminal or not), not the library's own detection.
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(match report.lang {
        crate::i18n::Lang::En => vec!["severity", "cause", "hostname", "problem", "first fix"],
        crate::i18n::Lang::Ja => vec!["重要度", "原因", "ホスト名", "問題", "最初の対処"],
    });
    for f in &report.findings {
        let sev = Cell::new(f.severity.tag(report.lang));
        let sev = if color {
            sev.fg(match f.severity {
                Severity::Critical => Color::Red,
                Severity::High => Color::DarkRed,
                Severity::Medium => Color::Yellow,
                Severity::Low => Color::Cyan,
                Severity::Info => Color::Grey,
            })
        } else {
            sev
        };
        t.add_row(vec![
            sev,
            Cell::new(f.cause.as_str()),
            Cell::new(f.hostname.as_deref().unwrap_or("-")),
            Cell::new(&f.title),
            Cell::new(f.first_fix()),
        ]);
    }
    let mut o = format!("{}\n{t}\n", report.subject());
    if !report.skipped.is_empty() {
        let _ = writeln!(
            o,
            "{}: {}",
            label!("Skipped", "スキップ").get(report.lang),
            report
                .skipped
                .iter()
                .map(|s| s.what.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Finding};

    #[test]
    fn table_lists_each_finding_and_colors_only_on_request() {
        let mut f = Finding::new(
            "certificate_expired",
            Severity::Critical,
            "arn:x",
            "us-east-1",
        )
        .hostname("shop.example.com")
        .title("Certificate expired")
        .step("renew it");
        f.cause = Cause::Expired;
        f.assign_id();
        let r = crate::testkit::report_of(vec![f]);
        let plain = findings_table(&r, false);
        assert!(
            plain.contains("shop.example.com")
                && plain.contains("CRITICAL")
                && plain.contains("renew it")
        );
        assert!(!plain.contains('\u{1b}'), "no escape codes when piped");
        assert!(findings_table(&r, true).contains('\u{1b}'));
    }
}
