//! Publish: delivers a report — SNS for people and subscribers ([`sns`]), the state
//! table that keeps repeats quiet ([`state`]), Security Hub ([`securityhub`]) — and
//! decides what a run notifies ([`notify`]). Never judges: it is handed the report and
//! the minimum severity, and sends or not.

pub mod notify;
pub mod securityhub;
pub mod sns;
pub mod state;
