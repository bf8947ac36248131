//! Report languages: every sentence a person reads exists in English and Japanese.
//!
//! Checks write each title, detail and remediation step once per language with [`tr!`],
//! so a missing translation does not compile; the rendered finding carries the language
//! the run asked for (`REPORT_LANGUAGE`, `scan --lang`). CLI commands are the same in
//! every language and are added as commands, not prose.

use serde::{Deserialize, Serialize};

/// A report language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English
    #[default]
    En,
    /// Japanese (日本語)
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Some(Lang::En),
            "ja" | "jp" | "japanese" => Some(Lang::Ja),
            _ => None,
        }
    }
}

/// One piece of text in every report language: a sentence a check formats at run time
/// ([`Text`]), or a fixed label, heading or doc line written in the source ([`Label`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bi<T> {
    pub en: T,
    pub ja: T,
}

/// A sentence formatted at run time (finding titles, details, steps).
pub type Text = Bi<String>;

/// A fixed label, heading or documentation line.
pub type Label = Bi<&'static str>;

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

impl Label {
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Ja => self.ja,
        }
    }
}

impl Text {
    /// Appends another sentence in both languages (with the separator each language uses).
    pub fn push(&mut self, more: &Text) {
        if !more.en.is_empty() {
            if !self.en.is_empty() {
                self.en.push(' ');
            }
            self.en.push_str(&more.en);
        }
        self.ja.push_str(&more.ja);
    }
}

/// Test-only shorthand for findings whose wording does not matter to the test.
#[cfg(test)]
impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text {
            en: s.to_string(),
            ja: s.to_string(),
        }
    }
}

#[cfg(test)]
impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::from(s.as_str())
    }
}

/// `Label`s as constants: `label!("Hostname", "ホスト名")`.
#[macro_export]
macro_rules! label {
    ($en:literal, $ja:literal $(,)?) => {
        $crate::i18n::Label { en: $en, ja: $ja }
    };
}

/// `tr!("English {x}", "日本語 {x}", …args)` — one [`Text`], both formatted with the same
/// arguments (format's own check rejects an argument that either language leaves out).
#[macro_export]
macro_rules! tr {
    ($en:literal, $ja:literal $(,)?) => {
        $crate::i18n::Text { en: format!($en), ja: format!($ja) }
    };
    ($en:literal, $ja:literal, $($args:tt)+) => {
        $crate::i18n::Text { en: format!($en, $($args)+), ja: format!($ja, $($args)+) }
    };
}

/// Whether a string holds Japanese script (kana or kanji), for the translation tests.
pub fn has_japanese(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c as u32,
            0x3040..=0x30FF   // hiragana, katakana
            | 0x4E00..=0x9FFF // CJK unified ideographs
        )
    })
}

/// Terminal columns a string takes: CJK and full-width characters take two, so a
/// Japanese label can be followed by lines indented to match it.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tr_formats_both_languages_with_the_same_arguments() {
        let port = 80;
        let t = tr!("port {port} of {}", "{} のポート {port}", "web");
        assert_eq!(t.get(Lang::En), "port 80 of web");
        assert_eq!(t.get(Lang::Ja), "web のポート 80");
    }

    #[test]
    fn languages_parse_and_detect() {
        assert_eq!(Lang::parse("JA"), Some(Lang::Ja));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert!(has_japanese("証明書"));
        assert!(has_japanese("リダイレクト"));
        assert!(!has_japanese("certificate → ALB"));
        assert_eq!(display_width("  Fix 1: "), 9);
        assert_eq!(display_width("  対処 1: "), 10);
    }

    #[test]
    fn push_joins_sentences_per_language() {
        let mut t = tr!("One.", "一つ目。");
        t.push(&tr!("Two.", "二つ目。"));
        assert_eq!(t.en, "One. Two.");
        assert_eq!(t.ja, "一つ目。二つ目。");
    }
}
