//! The bundled CT log list snapshot (data/ct-log-list.json): log id → operator.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct LogList {
    snapshot_date: String,
    operators: Vec<Operator>,
}
#[derive(Deserialize)]
struct Operator {
    name: String,
    logs: Vec<Log>,
}
#[derive(Deserialize)]
struct Log {
    log_id: String,
    description: String,
}

pub struct KnownLogs {
    pub snapshot_date: String,
    /// base64 log id → (operator, description)
    pub by_id: HashMap<String, (String, String)>,
}

/// The snapshot, parsed once.
pub fn known_logs() -> &'static KnownLogs {
    static LOGS: OnceLock<KnownLogs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let list: LogList = serde_json::from_str(include_str!("../../data/ct-log-list.json"))
            .expect("bundled CT log list is valid JSON");
        let mut by_id = HashMap::new();
        for op in list.operators {
            for l in op.logs {
                by_id.insert(l.log_id, (op.name.clone(), l.description));
            }
        }
        KnownLogs {
            snapshot_date: list.snapshot_date,
            by_id,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot_loads_with_several_operators() {
        let k = super::known_logs();
        let ops: std::collections::BTreeSet<&str> =
            k.by_id.values().map(|(o, _)| o.as_str()).collect();
        assert!(ops.len() >= 5, "{ops:?}");
        assert_eq!(
            k.by_id["DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE="].0,
            "Google"
        );
    }
}
