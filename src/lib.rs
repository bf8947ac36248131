//! acm-doctor: finds out, before a browser does, why an HTTPS site on AWS would show
//! "your connection is not private".
//!
//! Data flows one way: [`trigger`] → [`inventory`] → [`probe`] → [`checks`] →
//! [`report`] → [`publish`]; [`handler`] wires the stages together for one run.
#![forbid(unsafe_code)]

pub mod checks;
pub mod config;
pub mod handler;
pub mod hostname;
pub mod i18n;
pub mod inventory;
pub mod probe;
pub mod publish;
pub mod report;
pub mod trigger;
