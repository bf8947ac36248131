//! Integration tests, one binary (as ripgrep does). Modules:
//! - `moto_pipeline`: the SDK adapters and the whole handler against a real moto server
//!   seeded with the demo estate; findings read back through SNS → SQS.
mod support;

mod moto_pipeline;
