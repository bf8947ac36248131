//! Publish: delivers a report — the whole report kept in S3 ([`archive`]), SNS for people and subscribers ([`sns`]), the state
//! table that keeps repeats quiet ([`state`]), Security Hub ([`securityhub`]) — and
//! decides what a run notifies ([`notify`]). Never judges: it is handed the report and
//! the minimum severity, and sends or not.

pub mod archive;
pub mod notify;
pub mod securityhub;
pub mod sns;
pub mod state;
