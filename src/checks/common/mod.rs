//! What several checks share: where a hostname lands ([`hosts`]), how a certificate is
//! used ([`usage`]), the remediation commands ([`recipes`]), and small evidence helpers.

pub mod hosts;
pub mod recipes;
pub mod usage;

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days from `now` to `t`, rounded down (negative when past).
pub fn days_until(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    (t - now).num_days()
}

/// Evidence helper: a map built from pairs.
pub fn evidence<I, K, V>(pairs: I) -> BTreeMap<String, serde_json::Value>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Serialize,
{
    pairs
        .into_iter()
        .map(|(k, v)| {
            (
                k.into(),
                serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
            )
        })
        .collect()
}
