//! Markdown: the findings as a table for tickets and pull requests.

use super::Report;
use crate::label;
use std::fmt::Write as _;

impl Report {
    /// A Markdown table of the findings (for tickets and pull requests).
    pub fn markdown(&self) -> String {
        self.escaped().markdown_text()
    }

    /// [`Report::markdown`] of an already escaped report.
    fn markdown_text(&self) -> String {
        let header = label!(
            "| severity | cause | hostname | title | fix |",
            "| 重要度 | 原因 | ホスト名 | 内容 | 対処 |",
        )
        .get(self.lang);
        let mut o = format!("## {}\n\n{header}\n|---|---|---|---|---|\n", self.subject());
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        for f in &self.findings {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                f.severity.label(self.lang),
                f.cause,
                cell(f.hostname.as_deref().unwrap_or("")),
                cell(&f.title),
                cell(f.first_fix())
            );
        }
        o
    }
}
