//! CT log lists in Chrome's log list v3 shape (the bundled `data/ct-log-list.json`, or
//! the one `CT_LOG_LIST` names), and the CT policies of Chrome and Apple applied to a
//! leaf's embedded SCTs.
//!
//! Chrome (ct_policy.md, "CT Compliant Certificates", embedded SCTs): 2 SCTs if the
//! certificate lives ≤ 180 days, else 3, from logs Qualified, Usable or ReadOnly at the
//! time of check, or Retired after the SCT was issued; at least one from a log that is
//! Qualified, Usable or ReadOnly now; at least 2 distinct log operators. A log only
//! accepts certificates expiring inside its `temporal_interval`. Apple (support.apple.com
//! 103214): 2 SCTs up to 180 days, 3 up to 398 days; Safari refuses longer-lived
//! certificates whatever their SCTs.

use crate::pki::x509::CertFacts;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

#[derive(Deserialize)]
struct LogList {
    log_list_timestamp: DateTime<Utc>,
    operators: Vec<Operator>,
}

#[derive(Deserialize)]
struct Operator {
    name: String,
    #[serde(default)]
    logs: Vec<Log>,
    /// Static-CT-API logs (v3 lists them apart); their SCTs count the same way.
    #[serde(default)]
    tiled_logs: Vec<Log>,
}

#[derive(Deserialize)]
struct Log {
    description: String,
    log_id: String,
    #[serde(default)]
    state: Option<HashMap<String, StateAt>>,
    #[serde(default)]
    temporal_interval: Option<Interval>,
}

#[derive(Deserialize)]
struct StateAt {
    timestamp: Option<DateTime<Utc>>,
}

#[derive(Deserialize, Clone, Copy)]
struct Interval {
    start_inclusive: DateTime<Utc>,
    end_exclusive: DateTime<Utc>,
}

/// A log's state in the list (v3 `state` has exactly one key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogState {
    Pending,
    Qualified,
    Usable,
    ReadOnly,
    Retired(Option<DateTime<Utc>>),
    Rejected,
    Unknown,
}

impl LogState {
    /// Qualified, Usable or ReadOnly: the states whose SCTs count at any time.
    fn is_current(self) -> bool {
        matches!(
            self,
            LogState::Qualified | LogState::Usable | LogState::ReadOnly
        )
    }
}

/// One log of the list.
#[derive(Debug, Clone)]
pub struct KnownLog {
    pub operator: String,
    pub description: String,
    pub state: LogState,
    interval: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// A parsed log list and where it came from (the report names both).
#[derive(Debug)]
pub struct CtLogs {
    /// `log_list_timestamp`, as a date.
    pub date: String,
    /// `bundled`, a file path or an https URL.
    pub source: String,
    by_id: HashMap<String, KnownLog>,
}

/// Why a list could not be used.
#[derive(Debug, thiserror::Error)]
#[error("CT log list from {origin} is not a log list v3 document: {reason}")]
pub struct LogListError {
    pub origin: String,
    pub reason: String,
}

impl CtLogs {
    /// Parses a log list v3 document.
    pub fn parse(json: &str, source: &str) -> Result<CtLogs, LogListError> {
        let list: LogList = serde_json::from_str(json).map_err(|e| LogListError {
            origin: source.to_string(),
            reason: e.to_string(),
        })?;
        let mut by_id = HashMap::new();
        for op in list.operators {
            for l in op.logs.into_iter().chain(op.tiled_logs) {
                let state = match l.state.as_ref().and_then(|s| s.iter().next()) {
                    Some((k, at)) => match k.as_str() {
                        "pending" => LogState::Pending,
                        "qualified" => LogState::Qualified,
                        "usable" => LogState::Usable,
                        "readonly" => LogState::ReadOnly,
                        "retired" => LogState::Retired(at.timestamp),
                        "rejected" => LogState::Rejected,
                        _ => LogState::Unknown,
                    },
                    None => LogState::Unknown,
                };
                by_id.insert(
                    l.log_id,
                    KnownLog {
                        operator: op.name.clone(),
                        description: l.description,
                        state,
                        interval: l
                            .temporal_interval
                            .map(|i| (i.start_inclusive, i.end_exclusive)),
                    },
                );
            }
        }
        if by_id.is_empty() {
            return Err(LogListError {
                origin: source.to_string(),
                reason: "it lists no logs".into(),
            });
        }
        Ok(CtLogs {
            date: list.log_list_timestamp.format("%Y-%m-%d").to_string(),
            source: source.to_string(),
            by_id,
        })
    }

    /// The list bundled with the binary, parsed once.
    pub fn bundled() -> &'static CtLogs {
        static LOGS: OnceLock<CtLogs> = OnceLock::new();
        LOGS.get_or_init(|| {
            CtLogs::parse(include_str!("../../data/ct-log-list.json"), "bundled")
                .expect("the bundled CT log list is a valid log list v3")
        })
    }

    pub fn get(&self, log_id: &str) -> Option<&KnownLog> {
        self.by_id.get(log_id)
    }

    /// `DATE (SOURCE)`, as reports name the list.
    pub fn label(&self) -> String {
        format!("{} ({})", self.date, self.source)
    }
}

/// What the policies make of a leaf's embedded SCTs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtJudgement {
    pub lifetime_days: i64,
    /// SCTs Chrome needs for this lifetime.
    pub chrome_needed: usize,
    /// SCTs Apple needs (`None`: longer than Apple's policy allows at all).
    pub apple_needed: Option<usize>,
    /// The SCTs that count: `description (operator)`.
    pub counted: Vec<String>,
    pub operators: usize,
    /// Known logs whose SCT does not count, with why.
    pub not_counted: Vec<String>,
    /// Log ids the list does not know.
    pub unknown: Vec<String>,
    /// The policies that fail on what the list knows: `Chrome`, `Apple`.
    pub failed: Vec<&'static str>,
    /// Whether the policies could pass if the unknown logs were good ones (a newer list
    /// would tell): then a failure is not evidence of a browser error.
    pub unknown_could_satisfy: bool,
}

/// Applies Chrome's and Apple's policies to the leaf's embedded SCTs, with the log states
/// the list gives (its date is the time of check the list knows).
pub fn judge(logs: &CtLogs, leaf: &CertFacts) -> CtJudgement {
    let lifetime_days = (leaf.not_after - leaf.not_before) / 86_400;
    let not_after = DateTime::<Utc>::from_timestamp(leaf.not_after, 0);
    let mut counted = Vec::new();
    let mut counted_ops = BTreeSet::new();
    let mut current = 0;
    let mut not_counted = Vec::new();
    let mut unknown = Vec::new();
    let mut seen_logs = BTreeSet::new();
    for sct in &leaf.embedded_scts {
        if !seen_logs.insert(sct.log_id.as_str()) {
            continue; // two SCTs of one log count once
        }
        let Some(log) = logs.get(&sct.log_id) else {
            unknown.push(sct.log_id.clone());
            continue;
        };
        let issued = DateTime::<Utc>::from_timestamp_millis(sct.timestamp_ms as i64);
        let name = format!("{} ({})", log.description, log.operator);
        let outside = match (log.interval, not_after) {
            (Some((start, end)), Some(na)) => na < start || na >= end,
            _ => false,
        };
        let why = if outside {
            Some("the certificate expires outside the log's temporal interval")
        } else {
            match log.state {
                s if s.is_current() => None,
                LogState::Retired(Some(at)) if issued.is_some_and(|i| i < at) => None,
                LogState::Retired(_) => Some("the log was retired before this SCT"),
                LogState::Pending => Some("the log is still pending"),
                LogState::Rejected => Some("the log was rejected"),
                _ => Some("the list gives the log no state"),
            }
        };
        match why {
            None => {
                if log.state.is_current() {
                    current += 1;
                }
                counted_ops.insert(log.operator.clone());
                counted.push(name);
            }
            Some(why) => not_counted.push(format!("{name}: {why}")),
        }
    }
    let chrome_needed = if lifetime_days <= 180 { 2 } else { 3 };
    let apple_needed = match lifetime_days {
        d if d <= 180 => Some(2),
        d if d <= 398 => Some(3),
        _ => None,
    };
    let chrome_ok = counted.len() >= chrome_needed && counted_ops.len() >= 2 && current >= 1;
    let apple_ok = apple_needed.is_some_and(|n| counted.len() >= n);
    let mut failed = Vec::new();
    if !chrome_ok {
        failed.push("Chrome");
    }
    if !apple_ok {
        failed.push("Apple");
    }
    // Unknown logs may be newer shards of operators already counted or of new ones; if
    // their number would close the gap, only a newer list can say the SCTs fail.
    let with_unknown = counted.len() + unknown.len();
    let unknown_could_satisfy = !unknown.is_empty()
        && with_unknown >= chrome_needed.max(apple_needed.unwrap_or(0))
        && (counted_ops.len() + unknown.len()) >= 2
        && apple_needed.is_some();
    CtJudgement {
        lifetime_days,
        chrome_needed,
        apple_needed,
        counted,
        operators: counted_ops.len(),
        not_counted,
        unknown,
        failed,
        unknown_could_satisfy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_list_is_v3_with_states_and_intervals() {
        let k = CtLogs::bundled();
        assert_eq!(k.date, "2025-06-22");
        assert_eq!(k.label(), "2025-06-22 (bundled)");
        let argon = k
            .get("DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=")
            .unwrap();
        assert_eq!(argon.operator, "Google");
        assert_eq!(argon.state, LogState::Usable);
        let ops: BTreeSet<&str> = k.by_id.values().map(|l| l.operator.as_str()).collect();
        assert!(ops.len() >= 5, "{ops:?}");
        assert!(k.by_id.values().all(|l| l.interval.is_some()));
    }

    #[test]
    fn a_list_without_logs_or_in_another_shape_is_refused() {
        assert!(CtLogs::parse("{}", "x").is_err());
        assert!(
            CtLogs::parse(
                r#"{"log_list_timestamp":"2026-11-30T00:00:00Z","operators":[]}"#,
                "x"
            )
            .is_err()
        );
    }
}
