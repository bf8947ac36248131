//! The finding: what a check reports, with everything a person needs to act on it.

use super::{Cause, Severity};
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
        }
    }
    pub fn hostname(mut self, h: impl Into<String>) -> Self {
        self.hostname = Some(h.into());
        self
    }
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = t.into();
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
    pub fn step(mut self, s: impl Into<String>) -> Self {
        self.remediation.push(s.into());
        self
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
