//! Integration tests, one binary (as ripgrep does). Modules:
//! - `moto_pipeline`: the SDK adapters, the whole handler and the binary against a real
//!   moto server seeded with the demo estate, one file per subject; findings read back
//!   through SNS → SQS.
//! - `live_probe`: the probe and live checks against real nginx and dnsmasq on loopback.
//! - `hostile`: servers that stall, drip or flood, bad events, garbage configuration,
//!   denied credentials and a near deadline, with the suite's time and memory figures.
mod support;

mod hostile;
mod live_probe;
mod moto_pipeline;
