//! The finding: what a check reports, with everything a person needs to act on it.

use super::{Cause, Severity};
use crate::i18n::{Lang, Text};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One problem on one resource (and hostname, where there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable across runs: derived from the check, resource, hostname and key only.
    pub id: String,
    pub cause: Cause,
    /// The check's id (its module name).
    pub check: String,
    pub severity: Severity,
    /// ARN of the resource (or `host:NAME` for a hostname with no AWS resource).
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    pub region: String,
    pub title: String,
    pub detail: String,
    /// Steps a person can follow, in order.
    pub remediation: Vec<String>,
    pub evidence: BTreeMap<String, serde_json::Value>,
    /// Distinguishes several findings of one check on one resource and hostname (a
    /// cache behavior's path, a pin); part of the id, not shown.
    #[serde(skip)]
    pub key: String,
    /// The texts in every language; `title`, `detail` and `remediation` hold the one
    /// the run reports in (English until [`Finding::localize`]).
    #[serde(skip)]
    pub text: Texts,
}

/// A finding's wording in every language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Texts {
    pub title: Text,
    pub detail: Text,
    pub steps: Vec<Step>,
}

/// One remediation step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Something to read, written in each language.
    Prose(Text),
    /// A command to paste: the same in every language.
    Command(String),
}

impl Step {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Step::Prose(t) => t.get(lang),
            Step::Command(c) => c,
        }
    }
}

impl Finding {
    /// Starts a finding; the cause and id are filled in by [`super::run_all`].
    pub fn new(
        check: &str,
        severity: Severity,
        resource: impl Into<String>,
        region: impl Into<String>,
    ) -> Finding {
        Finding {
            id: String::new(),
            cause: Cause::TlsConfiguration,
            check: check.to_string(),
            severity,
            resource: resource.into(),
            hostname: None,
            region: region.into(),
            title: String::new(),
            detail: String::new(),
            remediation: Vec::new(),
            evidence: BTreeMap::new(),
            key: String::new(),
            text: Texts::default(),
        }
    }
    pub fn hostname(mut self, h: impl Into<String>) -> Self {
        self.hostname = Some(h.into());
        self
    }
    pub fn title(mut self, t: impl Into<Text>) -> Self {
        self.text.title = t.into();
        self.title = self.text.title.en.clone();
        self
    }
    pub fn detail(mut self, d: impl Into<Text>) -> Self {
        self.text.detail = d.into();
        self.detail = self.text.detail.en.clone();
        self
    }
    /// A step to read, in every language.
    pub fn step(mut self, s: impl Into<Text>) -> Self {
        let s = s.into();
        self.remediation.push(s.en.clone());
        self.text.steps.push(Step::Prose(s));
        self
    }
    /// A command to run (AWS CLI), the same in every language.
    pub fn command(mut self, c: impl Into<String>) -> Self {
        let c = c.into();
        self.remediation.push(c.clone());
        self.text.steps.push(Step::Command(c));
        self
    }
    /// Several steps at once (a recipe shared by several findings).
    pub fn steps(mut self, steps: &[Step]) -> Self {
        for s in steps {
            self = match s {
                Step::Prose(t) => self.step(t.clone()),
                Step::Command(c) => self.command(c.clone()),
            };
        }
        self
    }
    /// Renders `title`, `detail` and `remediation` in `lang`.
    pub fn localize(&mut self, lang: Lang) {
        self.title = self.text.title.get(lang).to_string();
        self.detail = self.text.detail.get(lang).to_string();
        self.remediation = self
            .text
            .steps
            .iter()
            .map(|s| s.get(lang).to_string())
            .collect();
    }
    pub fn evidence(mut self, k: &str, v: impl Serialize) -> Self {
        self.evidence.insert(
            k.to_string(),
            serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
        );
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    pub fn key(mut self, k: impl Into<String>) -> Self {
        self.key = k.into();
        self
    }

    /// The remediation as numbered steps: a command that follows a step ending in ':'
    /// belongs to that step (it is what the step asks to run).
    pub fn numbered_steps(&self) -> Vec<Vec<&str>> {
        let is_command = |i: usize| {
            self.text.steps.len() == self.remediation.len()
                && matches!(self.text.steps[i], Step::Command(_))
        };
        let mut out: Vec<Vec<&str>> = Vec::new();
        for (i, s) in self.remediation.iter().enumerate() {
            let attach = is_command(i)
                && out
                    .last()
                    .and_then(|g| g.last())
                    .is_some_and(|prev| prev.ends_with(':') || prev.ends_with('：'));
            match out.last_mut() {
                Some(group) if attach => group.push(s),
                _ => out.push(vec![s]),
            }
        }
        out
    }

    /// The one line a table shows: the first command to run, else the first step.
    pub fn first_fix(&self) -> &str {
        self.remediation
            .iter()
            .enumerate()
            .find(|(i, _)| matches!(self.text.steps.get(*i), Some(Step::Command(_))))
            .or_else(|| self.remediation.iter().enumerate().next())
            .map(|(_, s)| s.as_str())
            .unwrap_or("")
    }

    /// Computes the stable id: the same problem on the same resource keeps its id
    /// across runs, whatever its severity or wording, so state and dedupe can rely on it.
    pub fn assign_id(&mut self) {
        let mut h = Sha256::new();
        for part in [
            self.check.as_str(),
            self.resource.as_str(),
            self.hostname.as_deref().unwrap_or(""),
            self.key.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let digest = h.finalize();
        self.id = format!("{}-{}", self.check, hex(&digest[..8]));
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tr;

    #[test]
    fn commands_join_the_step_that_introduces_them_in_every_language() {
        let mut f = Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1")
            .step(tr!(
                "Request a replacement:",
                "代わりの証明書をリクエストします:"
            ))
            .command("aws acm request-certificate --domain-name a.example.com")
            .step(tr!("Attach it.", "関連付けます。"))
            .command("aws elbv2 add-listener-certificates");
        assert_eq!(
            f.first_fix(),
            "aws acm request-certificate --domain-name a.example.com"
        );
        for lang in Lang::ALL {
            f.localize(lang);
            let steps = f.numbered_steps();
            assert_eq!(steps.len(), 3, "{lang:?}: {steps:?}");
            assert_eq!(steps[0].len(), 2);
            assert_eq!(
                steps[0][1],
                "aws acm request-certificate --domain-name a.example.com"
            );
            assert_eq!(steps[2], vec!["aws elbv2 add-listener-certificates"]);
        }
        assert_eq!(f.remediation[0], "代わりの証明書をリクエストします:");
    }

    #[test]
    fn id_is_stable_and_ignores_wording_and_severity() {
        let mut a =
            Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1").title("A");
        let mut b = Finding::new(
            "certificate_expired",
            Severity::Critical,
            "arn:x",
            "us-east-1",
        )
        .title("B");
        a.assign_id();
        b.assign_id();
        assert_eq!(a.id, b.id);
        let mut c = Finding::new("certificate_expired", Severity::High, "arn:y", "us-east-1");
        c.assign_id();
        assert_ne!(a.id, c.id);
        let mut d = Finding::new("certificate_expired", Severity::High, "arn:x", "us-east-1")
            .hostname("a.example.com");
        d.assign_id();
        assert_ne!(a.id, d.id);
    }
}
