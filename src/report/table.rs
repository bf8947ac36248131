//! The findings as a terminal table (`scan` on a TTY), colored by severity on request.

use super::Report;
use crate::finding::Severity;
use crate::label;
use std::fmt::Write as _;

/// The widest fix shown in the table (characters); longer ones are cut at a word
/// boundary and point to `--format text`, which has them whole.
const FIX_WIDTH: usize = 72;

/// `text` whole if it fits in `width` characters; otherwise its leading words that do,
/// then "…" and where the rest is — never a command or ARN broken across lines.
fn shortened(text: &str, width: usize, lang: crate::i18n::Lang) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > width {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(width).collect();
    }
    let more = label!("(whole: --format text)", "（全文: --format text）").get(lang);
    format!("{out} … {more}")
}

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
            Cell::new(shortened(f.first_fix(), FIX_WIDTH, report.lang)),
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

    /// Issue 13: a long command is cut between words with a pointer to the whole text;
    /// a short one is left whole (the twin).
    #[test]
    fn long_fixes_are_cut_between_words() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
        let cmd = format!(
            "aws elbv2 modify-listener --listener-arn {arn} --default-actions Type=redirect"
        );
        let short = shortened(&cmd, 72, crate::i18n::Lang::En);
        assert_eq!(
            short,
            "aws elbv2 modify-listener --listener-arn … (whole: --format text)"
        );
        assert!(
            !short.contains("arn:aws"),
            "the ARN is left out whole, not cut"
        );
        assert_eq!(shortened("renew it", 72, crate::i18n::Lang::En), "renew it");
    }
}
