//! Run configuration, read once from the environment (Lambda) or CLI flags, through one
//! declared table ([`SETTINGS`]: name, default, meaning, parser with its range) that
//! also generates the README's configuration table.

use crate::finding::Severity;
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
    /// A newer CT log list (`CT_LOG_LIST`): a file path or an https URL.
    pub ct_log_list: Option<String>,
    /// DynamoDB table remembering notified findings (`STATE_TABLE`); none = report all.
    pub state_table: Option<String>,
    /// The mute list (`MUTE_FILE`): a path or `s3://BUCKET/KEY`.
    pub mute_file: Option<String>,
    /// Hours before a finding still present is notified again (`RENOTIFY_HOURS`).
    pub renotify_hours: i64,
    /// Language of titles, details, remediation and the digest (`REPORT_LANGUAGE`).
    pub report_language: Lang,
    /// Import findings into Security Hub as ASFF (`SECURITY_HUB=true`).
    pub security_hub: bool,
    /// Organization mode (`ORG_ACCOUNTS`): the accounts a scheduled run fans out to.
    pub org_accounts: Option<OrgAccounts>,
    /// The read-only role assumed in each member account (`ORG_ROLE_NAME`).
    pub org_role_name: String,
    /// SQS queue the coordinator sends one message per account to (`SHARD_QUEUE_URL`).
    pub shard_queue_url: Option<String>,
    /// DynamoDB table (`pk`, `sk`) recording each run and its shards (`RUN_TABLE`).
    pub run_table: Option<String>,
    /// S3 bucket for whole-run reports (any run) and shard reports (`RUN_BUCKET`).
    pub run_bucket: Option<String>,
    /// Minutes after which a run is published with what it has (`ORG_DEADLINE_MINUTES`).
    pub org_deadline_minutes: i64,
}

/// Which accounts an organization run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgAccounts {
    /// Every ACTIVE account Organizations' `ListAccounts` returns.
    Organization,
    /// These account ids.
    List(Vec<String>),
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM role name: 1–64 of `A-Za-z0-9+=,.@_-`.
fn is_role_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
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
            ct_log_list: None,
            state_table: None,
            mute_file: None,
            renotify_hours: 24,
            report_language: Lang::En,
            security_hub: false,
            org_accounts: None,
            org_role_name: "acm-doctor-scan".to_string(),
            shard_queue_url: None,
            run_table: None,
            run_bucket: None,
            org_deadline_minutes: 14,
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

/// One configuration variable: how the README documents it and how a value is read.
pub struct Setting {
    pub name: &'static str,
    /// The default as the README shows it (`—` for none).
    pub default: &'static str,
    pub doc: &'static str,
    /// Applies a non-blank value, or says why it is not acceptable.
    apply: fn(&mut Config, &str) -> Result<(), String>,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A whole number in `range`, or `reason`.
fn number<T: std::str::FromStr + PartialOrd>(
    v: &str,
    range: impl std::ops::RangeBounds<T>,
    reason: &str,
) -> Result<T, String> {
    v.trim()
        .parse::<T>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| reason.to_string())
}

/// The largest `EXTRA_TRUSTED_CA_PEM` bundle: hundreds of roots fit in far less.
pub const MAX_CA_BUNDLE: usize = 1024 * 1024;

/// The largest mute file read (bytes).
pub const MAX_MUTE_FILE: usize = 1024 * 1024;

/// Reads a UTF-8 text file (`-` is standard input) of at most `max` bytes: a path that
/// points at something huge (or `/dev/zero`) is an error, not an unbounded read.
pub fn read_capped(path: &str, max: usize) -> Result<String, String> {
    use std::io::Read;
    let mut buf = Vec::new();
    let read = if path == "-" {
        std::io::stdin().take(max as u64 + 1).read_to_end(&mut buf)
    } else {
        let f = std::fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        f.take(max as u64 + 1).read_to_end(&mut buf)
    };
    read.map_err(|e| format!("cannot read {path}: {e}"))?;
    if buf.len() > max {
        return Err(format!("{path} is larger than {max} bytes"));
    }
    String::from_utf8(buf).map_err(|_| format!("{path} is not UTF-8 text"))
}

fn switch(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" => Some(true),
        "false" | "0" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// Every configuration variable, in the README's order.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "SCAN_REGIONS",
        default: "the function's region",
        doc: "comma list of regions to scan",
        apply: |c, v| {
            let regions = list(v);
            if regions.is_empty() {
                return Err("names no region (expected e.g. us-east-1,eu-west-1)".into());
            }
            if let Some(bad) = regions.iter().find(|r| !crate::aws::is_region_name(r)) {
                return Err(format!(
                    "{bad:?} is not a region name (expected e.g. us-east-1)"
                ));
            }
            c.scan_regions = regions;
            Ok(())
        },
    },
    Setting {
        name: "EXPIRY_WARNING_DAYS",
        default: "`30`",
        doc: "report certificates expiring within this many days (critical at ≤ 7)",
        apply: |c, v| {
            // Bounded: a date arithmetic on a larger value would overflow.
            c.expiry_warning_days = number(
                v,
                0..=3650,
                "expected a whole number of days from 0 to 3650",
            )?;
            Ok(())
        },
    },
    Setting {
        name: "FINDINGS_TOPIC_ARN",
        default: "—",
        doc: "SNS topic to publish to (set by the template)",
        apply: |c, v| {
            c.findings_topic_arn = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "MIN_SEVERITY",
        default: "`low`",
        doc: "publish only when a finding is at least this severe",
        apply: |c, v| {
            c.min_severity = v.parse()?;
            Ok(())
        },
    },
    Setting {
        name: "PINNED_SPKI_SHA256",
        default: "—",
        doc: "comma list of base64 SPKI pins your client apps use",
        apply: |c, v| {
            c.pinned_spki_sha256 = list(v);
            Ok(())
        },
    },
    Setting {
        name: "PROBE",
        default: "`true`",
        doc: "`false` turns the live probe off",
        apply: |c, v| {
            c.probe_enabled = !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "0" | "off" | "no"
            );
            Ok(())
        },
    },
    Setting {
        name: "PROBE_HOSTNAMES",
        default: "—",
        doc: "extra hostnames to probe (full scans only)",
        apply: |c, v| {
            c.probe_hostnames = list(v);
            Ok(())
        },
    },
    Setting {
        name: "PROBE_CONCURRENCY",
        default: "`32`",
        doc: "hosts probed at once",
        apply: |c, v| {
            c.probe_concurrency = number(v, 1.., "expected a whole number ≥ 1")?;
            Ok(())
        },
    },
    Setting {
        name: "DNS_SERVERS",
        default: "/etc/resolv.conf",
        doc: "comma list of `ip:port` resolvers",
        apply: |c, v| {
            c.dns_servers = list(v);
            Ok(())
        },
    },
    Setting {
        name: "EXTRA_TRUSTED_CA_PEM",
        default: "—",
        doc: "PEM bundle (or a path to one, at most 1 MiB) of private roots your clients trust",
        // The PEM bundle itself, or (for env files that cannot hold several lines) a
        // path to it.
        apply: |c, v| {
            c.extra_trusted_ca_pem = Some(if v.contains("-----BEGIN") {
                if v.len() > MAX_CA_BUNDLE {
                    return Err(format!("larger than {MAX_CA_BUNDLE} bytes"));
                }
                v.to_string()
            } else {
                read_capped(v.trim(), MAX_CA_BUNDLE)
                    .map_err(|e| format!("neither PEM nor a readable file: {e}"))?
            });
            Ok(())
        },
    },
    Setting {
        name: "CT_LOG_LIST",
        default: "bundled (2025-06-22)",
        doc: "a newer CT log list (Chrome's log list v3 JSON) to judge SCTs with: a file path, or an https URL fetched once per run (4 MiB, 10 s; the bundled list if it fails, named in the report)",
        apply: |c, v| {
            let v = v.trim();
            if v.chars().any(char::is_control) {
                return Err("control characters in a path or URL".into());
            }
            if v.contains("://") && !v.starts_with("https://") {
                return Err("only a file path or an https:// URL".into());
            }
            c.ct_log_list = Some(v.to_string()).filter(|v| !v.is_empty());
            Ok(())
        },
    },
    Setting {
        name: "STATE_TABLE",
        default: "—",
        doc: "DynamoDB table (created by the template) remembering notified findings: only new, raised or due findings are sent, fixed ones are announced once",
        apply: |c, v| {
            c.state_table = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "MUTE_FILE",
        default: "—",
        doc: "YAML mute list (a path, or `s3://BUCKET/KEY` for the Lambda): check × resource/hostname glob × account entries, each with a `reason` and an `until` date; muted findings are counted in the report's `muted`, never sent (the tag `acm-doctor:mute` is honoured with or without it)",
        apply: |c, v| {
            let v = v.trim();
            if v.chars().any(char::is_control) {
                return Err("control characters in a path or URL".into());
            }
            if let Some(rest) = v.strip_prefix("s3://") {
                let ok = rest
                    .split_once('/')
                    .is_some_and(|(b, k)| !b.is_empty() && !k.is_empty());
                if !ok {
                    return Err("expected s3://BUCKET/KEY".into());
                }
            } else if v.contains("://") {
                return Err("only a file path or s3://BUCKET/KEY".into());
            }
            c.mute_file = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "RENOTIFY_HOURS",
        default: "`24`",
        doc: "hours before a finding still present is sent again",
        apply: |c, v| {
            c.renotify_hours = number(
                v,
                0..=87_600,
                "expected a whole number of hours from 0 to 87600",
            )?;
            Ok(())
        },
    },
    Setting {
        name: "REPORT_LANGUAGE",
        default: "`en`",
        doc: "`en` or `ja`: language of titles, details, remediation, the email digest and its subject",
        apply: |c, v| {
            c.report_language = Lang::parse(v).ok_or("expected en or ja")?;
            Ok(())
        },
    },
    Setting {
        name: "SECURITY_HUB",
        default: "`false`",
        doc: "`true` also imports every finding into Security Hub (ASFF) and resolves fixed ones",
        apply: |c, v| {
            c.security_hub = switch(v).ok_or("expected true or false")?;
            Ok(())
        },
    },
    Setting {
        name: "ORG_ACCOUNTS",
        default: "— (one account)",
        doc: "organization mode: `organization` (every ACTIVE account of the AWS Organization) or a comma list of account ids; a scheduled run then fans out one SQS message per account (see Organization)",
        apply: |c, v| {
            let v = v.trim();
            if v.eq_ignore_ascii_case("organization") {
                c.org_accounts = Some(OrgAccounts::Organization);
                return Ok(());
            }
            let mut ids = list(v);
            if let Some(bad) = ids.iter().find(|a| !is_account_id(a)) {
                return Err(format!(
                    "{bad:?} is not a 12-digit account id (expected organization or a comma list of account ids)"
                ));
            }
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err("names no account".into());
            }
            c.org_accounts = Some(OrgAccounts::List(ids));
            Ok(())
        },
    },
    Setting {
        name: "ORG_ROLE_NAME",
        default: "`acm-doctor-scan`",
        doc: "role assumed in each member account (member-role.yaml creates it)",
        apply: |c, v| {
            let v = v.trim();
            if !is_role_name(v) {
                return Err("expected an IAM role name (1-64 of A-Za-z0-9+=,.@_-)".into());
            }
            c.org_role_name = v.to_string();
            Ok(())
        },
    },
    Setting {
        name: "SHARD_QUEUE_URL",
        default: "—",
        doc: "SQS queue URL of the per-account shards (set by the template)",
        apply: |c, v| {
            let v = v.trim();
            let url = v
                .strip_prefix("https://")
                .or_else(|| v.strip_prefix("http://"));
            if !url.is_some_and(|u| !u.is_empty() && u.chars().all(|c| c.is_ascii_graphic())) {
                return Err(
                    "expected the queue's URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
                        .into(),
                );
            }
            c.shard_queue_url = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "RUN_TABLE",
        default: "—",
        doc: "DynamoDB table (`pk`, `sk`) recording organization runs and their shards (set by the template)",
        apply: |c, v| {
            let v = v.trim();
            // DynamoDB's table names: 3-255 of A-Za-z0-9_.-
            let ok = (3..=255).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            if !ok {
                return Err("expected a DynamoDB table name (3-255 of A-Za-z0-9_.-)".into());
            }
            c.run_table = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "RUN_BUCKET",
        default: "—",
        doc: "S3 bucket where each run's whole JSON report is kept (`runs/RUN/report.json`, named in the digest) and, in organization mode, each account's shard report (set by the template: `KeepReports` or organization mode)",
        apply: |c, v| {
            let v = v.trim();
            // S3's bucket names: 3-63 of a-z0-9.- (a name, not s3://…).
            let ok = (3..=63).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c));
            if !ok {
                return Err("expected an S3 bucket name (3-63 of a-z0-9.-, without s3://)".into());
            }
            c.run_bucket = Some(v.to_string());
            Ok(())
        },
    },
    Setting {
        name: "ORG_DEADLINE_MINUTES",
        default: "`14`",
        doc: "minutes after which an organization run is published with the accounts done so far, naming the missing ones",
        apply: |c, v| {
            c.org_deadline_minutes = number(
                v,
                1..=1440,
                "expected a whole number of minutes from 1 to 1440",
            )?;
            Ok(())
        },
    },
];

/// What the checks may read of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct CheckSettings<'a> {
    /// Days before `NotAfter` at which an expiring certificate becomes a finding.
    pub expiry_warning_days: i64,
    /// Base64 SHA-256 SPKI pins that client apps use.
    pub pinned_spki_sha256: &'a [String],
}

impl Config {
    /// Reads the configuration from a variable lookup (the process environment in
    /// production; a map in tests, so tests never mutate the real environment). A blank
    /// value counts as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let region = get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"));
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            c.scan_regions = vec![r];
        }
        for s in SETTINGS {
            let Some(value) = get(s.name).filter(|v| !v.trim().is_empty()) else {
                continue;
            };
            (s.apply)(&mut c, &value).map_err(|reason| ConfigError {
                name: s.name,
                value,
                reason,
            })?;
        }
        if c.org_accounts.is_some() {
            let missing: Vec<&str> = [
                ("SHARD_QUEUE_URL", &c.shard_queue_url),
                ("RUN_TABLE", &c.run_table),
                ("RUN_BUCKET", &c.run_bucket),
            ]
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k)
            .collect();
            if !missing.is_empty() {
                return Err(ConfigError {
                    name: "ORG_ACCOUNTS",
                    value: get("ORG_ACCOUNTS").unwrap_or_default(),
                    reason: format!(
                        "organization mode also needs {} (the template sets them)",
                        missing.join(", ")
                    ),
                });
            }
        }
        Ok(c)
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// The part of the configuration the checks see.
    pub fn check_settings(&self) -> CheckSettings<'_> {
        CheckSettings {
            expiry_warning_days: self.expiry_warning_days,
            pinned_spki_sha256: &self.pinned_spki_sha256,
        }
    }
}

/// The README's configuration table, generated from [`SETTINGS`].
pub fn readme_table() -> String {
    let mut out = String::from("| variable | default | meaning |\n|---|---|---|\n");
    for s in SETTINGS {
        out.push_str(&format!("| `{}` | {} | {} |\n", s.name, s.default, s.doc));
    }
    out
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
    fn organization_settings_are_checked() {
        let c = cfg(&[]).unwrap();
        assert_eq!(
            c.org_accounts, None,
            "one account unless ORG_ACCOUNTS is set"
        );
        assert_eq!(c.org_role_name, "acm-doctor-scan");
        let wired = [
            ("SHARD_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q"),
            ("RUN_TABLE", "runs"),
            ("RUN_BUCKET", "bucket"),
        ];
        let with =
            |pairs: &[(&'static str, &'static str)]| cfg(&[wired.as_slice(), pairs].concat());
        let e = cfg(&[("ORG_ACCOUNTS", "organization"), ("RUN_TABLE", "runs")]).unwrap_err();
        assert!(e.reason.contains("SHARD_QUEUE_URL, RUN_BUCKET"), "{e}");
        let c = with(&[("ORG_ACCOUNTS", "Organization")]).unwrap();
        assert_eq!(c.org_accounts, Some(OrgAccounts::Organization));
        let c = with(&[("ORG_ACCOUNTS", "222222222222, 111111111111,222222222222")]).unwrap();
        assert_eq!(
            c.org_accounts,
            Some(OrgAccounts::List(vec![
                "111111111111".into(),
                "222222222222".into()
            ]))
        );
        for (name, bad) in [
            ("ORG_ACCOUNTS", "12345"),
            ("ORG_ACCOUNTS", "11111111111a"),
            ("ORG_ACCOUNTS", ","),
            ("ORG_ROLE_NAME", "role/with/path"),
            ("ORG_ROLE_NAME", "a\u{1b}[31m"),
            ("ORG_DEADLINE_MINUTES", "0"),
            ("ORG_DEADLINE_MINUTES", "soon"),
            ("RUN_BUCKET", "s3://bucket"),
            ("RUN_TABLE", "a b"),
            ("SHARD_QUEUE_URL", "queue"),
        ] {
            assert_eq!(with(&[(name, bad)]).unwrap_err().name, name, "{bad:?}");
        }
    }

    #[test]
    fn readme_configuration_table_is_current() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let table = readme_table();
        assert!(
            readme.contains(&table),
            "README.md's configuration table is stale; replace it with:\n{table}"
        );
    }

    /// Regression (issue 11): out-of-range numbers panicked in date arithmetic, and
    /// `SCAN_REGIONS=",,,"` silently scanned nothing. Each is an error naming the variable.
    #[test]
    fn out_of_range_numbers_and_empty_or_bad_regions_are_errors() {
        for (name, value) in [
            ("EXPIRY_WARNING_DAYS", "9223372036854775807"),
            ("EXPIRY_WARNING_DAYS", "-1"),
            ("RENOTIFY_HOURS", "9223372036854775807"),
            ("SCAN_REGIONS", ",,,"),
            ("SCAN_REGIONS", "us-east-1,../etc"),
            ("SCAN_REGIONS", "US-EAST-1"),
        ] {
            let e = cfg(&[(name, value)]).expect_err(value);
            assert_eq!(e.name, name);
        }
        let ok = cfg(&[
            ("SCAN_REGIONS", "us-east-1, us-gov-west-1,ap-southeast-5"),
            ("EXPIRY_WARNING_DAYS", "3650"),
            ("RENOTIFY_HOURS", "0"),
        ])
        .unwrap();
        assert_eq!(ok.scan_regions.len(), 3);
    }

    #[test]
    fn every_setting_rejects_garbage_with_its_name_or_takes_it_as_text() {
        for s in SETTINGS {
            match cfg(&[(s.name, "\u{1b}[31mgarbage")]) {
                Err(e) => assert_eq!(e.name, s.name),
                Ok(_) => assert!(
                    [
                        "SCAN_REGIONS",
                        "FINDINGS_TOPIC_ARN",
                        "PINNED_SPKI_SHA256",
                        "PROBE",
                        "PROBE_HOSTNAMES",
                        "DNS_SERVERS",
                        "STATE_TABLE",
                    ]
                    .contains(&s.name),
                    "{} accepted garbage",
                    s.name
                ),
            }
        }
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
