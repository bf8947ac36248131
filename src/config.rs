//! Run configuration, read once from the environment (Lambda) or CLI flags.

use crate::checks::Severity;
use crate::i18n::Lang;

/// Everything a run can be tuned with. Defaults match the README's table.
#[derive(Debug, Clone)]
pub struct Config {
    /// Regions whose ACM certificates and load balancers are scanned.
    pub scan_regions: Vec<String>,
    /// Days before `NotAfter` at which an expiring certificate becomes a finding.
    pub expiry_warning_days: i64,
    /// Base64 SHA-256 SPKI pins that client apps use (`PINNED_SPKI_SHA256`).
    pub pinned_spki_sha256: Vec<String>,
    /// SNS topic for findings; `None` means "report only" (the CLI without a topic).
    pub findings_topic_arn: Option<String>,
    /// Findings below this are kept in the report but do not trigger a publish.
    pub min_severity: Severity,
    /// Extra hostnames to probe (`PROBE_HOSTNAMES`).
    pub probe_hostnames: Vec<String>,
    /// Whether the live probe runs at all (`PROBE=false` turns it off).
    pub probe_enabled: bool,
    /// Concurrent probes (`PROBE_CONCURRENCY`).
    pub probe_concurrency: usize,
    /// `ip:port` DNS servers replacing /etc/resolv.conf (`DNS_SERVERS`).
    pub dns_servers: Vec<String>,
    /// PEM bundle of private roots the user's clients trust (`EXTRA_TRUSTED_CA_PEM`).
    pub extra_trusted_ca_pem: Option<String>,
    /// DynamoDB table remembering notified findings (`STATE_TABLE`); none = report all.
    pub state_table: Option<String>,
    /// Hours before a finding still present is notified again (`RENOTIFY_HOURS`).
    pub renotify_hours: i64,
    /// Language of titles, details, remediation and the digest (`REPORT_LANGUAGE`).
    pub report_language: Lang,
    /// Import findings into Security Hub as ASFF (`SECURITY_HUB=true`).
    pub security_hub: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            scan_regions: vec!["us-east-1".to_string()],
            expiry_warning_days: 30,
            pinned_spki_sha256: Vec::new(),
            findings_topic_arn: None,
            min_severity: Severity::Low,
            probe_hostnames: Vec::new(),
            probe_enabled: true,
            probe_concurrency: 32,
            dns_servers: Vec::new(),
            extra_trusted_ca_pem: None,
            state_table: None,
            renotify_hours: 24,
            report_language: Lang::En,
            security_hub: false,
        }
    }
}

/// A configuration variable that could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("configuration variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Config {
    /// Reads the configuration from a variable lookup (the process environment in
    /// production; a map in tests, so tests never mutate the real environment).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            c.scan_regions = vec![r];
        }
        if let Some(v) = get("SCAN_REGIONS").filter(|v| !v.trim().is_empty()) {
            c.scan_regions = list(&v);
        }
        if let Some(v) = get("EXPIRY_WARNING_DAYS").filter(|v| !v.is_empty()) {
            c.expiry_warning_days = v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|d| *d >= 0)
                .ok_or_else(|| ConfigError {
                    name: "EXPIRY_WARNING_DAYS",
                    value: v.clone(),
                    reason: "expected a whole number of days ≥ 0".into(),
                })?;
        }
        if let Some(v) = get("PINNED_SPKI_SHA256") {
            c.pinned_spki_sha256 = list(&v);
        }
        c.findings_topic_arn = get("FINDINGS_TOPIC_ARN").filter(|v| !v.is_empty());
        if let Some(v) = get("MIN_SEVERITY").filter(|v| !v.is_empty()) {
            c.min_severity = v.parse().map_err(|reason| ConfigError {
                name: "MIN_SEVERITY",
                value: v.clone(),
                reason,
            })?;
        }
        if let Some(v) = get("PROBE_HOSTNAMES") {
            c.probe_hostnames = list(&v);
        }
        if let Some(v) = get("PROBE").filter(|v| !v.is_empty()) {
            c.probe_enabled = !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "0" | "off" | "no"
            );
        }
        if let Some(v) = get("PROBE_CONCURRENCY").filter(|v| !v.is_empty()) {
            c.probe_concurrency = v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError {
                    name: "PROBE_CONCURRENCY",
                    value: v.clone(),
                    reason: "expected a whole number ≥ 1".into(),
                })?;
        }
        if let Some(v) = get("DNS_SERVERS") {
            c.dns_servers = list(&v);
        }
        c.state_table = get("STATE_TABLE").filter(|v| !v.trim().is_empty());
        if let Some(v) = get("RENOTIFY_HOURS").filter(|v| !v.is_empty()) {
            c.renotify_hours = v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|h| *h >= 0)
                .ok_or_else(|| ConfigError {
                    name: "RENOTIFY_HOURS",
                    value: v.clone(),
                    reason: "expected a whole number of hours ≥ 0".into(),
                })?;
        }
        if let Some(v) = get("REPORT_LANGUAGE").filter(|v| !v.trim().is_empty()) {
            c.report_language = Lang::parse(&v).ok_or_else(|| ConfigError {
                name: "REPORT_LANGUAGE",
                value: v.clone(),
                reason: "expected en or ja".into(),
            })?;
        }
        if let Some(v) = get("SECURITY_HUB").filter(|v| !v.trim().is_empty()) {
            c.security_hub = match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "on" | "yes" => true,
                "false" | "0" | "off" | "no" => false,
                _ => {
                    return Err(ConfigError {
                        name: "SECURITY_HUB",
                        value: v.clone(),
                        reason: "expected true or false".into(),
                    });
                }
            };
        }
        // The PEM bundle itself, or (for env files that cannot hold several lines) a
        // path to it.
        c.extra_trusted_ca_pem = match get("EXTRA_TRUSTED_CA_PEM").filter(|v| !v.trim().is_empty())
        {
            Some(v) if !v.contains("-----BEGIN") => {
                Some(std::fs::read_to_string(v.trim()).map_err(|e| ConfigError {
                    name: "EXTRA_TRUSTED_CA_PEM",
                    value: v.clone(),
                    reason: format!("neither PEM nor a readable file: {e}"),
                })?)
            }
            other => other,
        };
        Ok(c)
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn scan_regions_default_to_function_region() {
        let c = cfg(&[("AWS_REGION", "eu-west-1")]).unwrap();
        assert_eq!(c.scan_regions, vec!["eu-west-1"]);
        let c = cfg(&[
            ("AWS_REGION", "eu-west-1"),
            ("SCAN_REGIONS", "us-east-1, ap-northeast-1"),
        ])
        .unwrap();
        assert_eq!(c.scan_regions, vec!["us-east-1", "ap-northeast-1"]);
    }

    #[test]
    fn language_and_security_hub_switches() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.report_language, Lang::En);
        assert!(!c.security_hub);
        let c = cfg(&[("REPORT_LANGUAGE", "ja"), ("SECURITY_HUB", "TRUE")]).unwrap();
        assert_eq!(c.report_language, Lang::Ja);
        assert!(c.security_hub);
        assert_eq!(
            cfg(&[("REPORT_LANGUAGE", "fr")]).unwrap_err().name,
            "REPORT_LANGUAGE"
        );
        assert_eq!(
            cfg(&[("SECURITY_HUB", "maybe")]).unwrap_err().name,
            "SECURITY_HUB"
        );
    }

    #[test]
    fn bad_numbers_are_named() {
        let e = cfg(&[("EXPIRY_WARNING_DAYS", "soon")]).unwrap_err();
        assert_eq!(e.name, "EXPIRY_WARNING_DAYS");
        let e = cfg(&[("MIN_SEVERITY", "urgent")]).unwrap_err();
        assert_eq!(e.name, "MIN_SEVERITY");
        assert_eq!(
            cfg(&[("MIN_SEVERITY", "HIGH")]).unwrap().min_severity,
            Severity::High
        );
    }
}
