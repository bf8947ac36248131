//! acm-doctor: finds out, before a browser does, why an HTTPS site on AWS would show
//! "your connection is not private".
//!
//! Data flows one way: [`trigger`] → [`inventory`] → [`probe`] → [`checks`] →
//! [`report`] → [`publish`]; [`handler`] wires the stages together for one run, and
//! [`org`] fans a run out over an AWS Organization's accounts. Every
//! stage may use the shared vocabulary: [`finding`] (findings, severities, causes),
//! [`pki`] (certificates, trust, pins, CT logs, hostname matching), [`i18n`],
//! [`config`] and [`aws`] (the AWS error shape). A stage never imports a later one
//! (`layering` test).
#![forbid(unsafe_code)]

pub mod aws;
pub mod checks;
pub mod config;
pub mod finding;
pub mod handler;
pub mod i18n;
pub mod inventory;
pub mod org;
pub mod pki;
pub mod probe;
pub mod publish;
pub mod report;
pub mod trigger;

#[cfg(test)]
mod layering;
#[cfg(test)]
pub(crate) mod testkit;
