//! The pipeline against a real moto server seeded with the demo estate, by subject:
//! - `adapters`: the SDK adapters read the whole estate; a bad ARN is skipped, not fatal;
//! - `scheduled`: a scheduled run and event-scoped runs, findings read back through SNS;
//! - `binary`: the real binary through `AWS_ENDPOINT_URL`, and its EMF metrics;
//! - `state_table`: quiet repeats and announced fixes on DynamoDB;
//! - `security_hub`: every finding imported, a fixed one resolved;
//! - `sns_filters`: the sample subscription filter policies;
//! - `archive`: the whole report kept in `RUN_BUCKET` (S3);
//! - `formats`: every output format from the binary, checked (HTML in Chromium);
//! - `mutes`: `MUTE_FILE` read from S3, the `acm-doctor:mute` tag read through the
//!   tagging API, both honoured by a scheduled run.

use crate::support::*;
use acm_doctor::config::Config;
use acm_doctor::finding::Severity;
use acm_doctor::handler::Engine;
use acm_doctor::inventory::{self, AwsReader, sdk::SdkReader};
use acm_doctor::probe::NoProbe;
use acm_doctor::publish::securityhub::NoHub;
use acm_doctor::publish::sns::SnsPublisher;
use acm_doctor::publish::state::NoState;
use acm_doctor::trigger::Scope;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::collections::BTreeSet;

mod adapters;
mod archive;
mod binary;
mod formats;
mod mutes;
mod scheduled;
mod security_hub;
mod sns_filters;
mod state_table;

/// The injected clock: one minute after the seeded "status" certificate expired.
fn clock(seed: &Value) -> DateTime<Utc> {
    let at: DateTime<Utc> = seed["status_expires_at"].as_str().unwrap().parse().unwrap();
    at + Duration::minutes(1)
}

fn config(seed: &Value) -> Config {
    Config {
        scan_regions: vec!["us-east-1".into()],
        findings_topic_arn: Some(seed["topic_arn"].as_str().unwrap().to_string()),
        pinned_spki_sha256: vec![
            "++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=".into(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            seed["pins"]["api_leaf"].as_str().unwrap().to_string(),
        ],
        probe_enabled: false,
        ..Default::default()
    }
}

async fn engine(moto: &Moto, seed: &Value) -> Engine<SdkReader, SnsPublisher, NoProbe> {
    let sdk = moto.sdk_config().await;
    Engine {
        reader: SdkReader::new(sdk.clone()),
        publisher: SnsPublisher::new(&sdk),
        prober: NoProbe,
        state: NoState,
        hub: NoHub,
        archive: acm_doctor::publish::archive::NoArchive,
        config: config(seed),
    }
}

fn event(source: &str, detail_type: &str, resources: Value, detail: Value) -> Value {
    json!({"version": "0", "id": "11111111-2222-4333-8444-555555555555", "detail-type": detail_type, "source": source,
           "account": "123456789012", "time": "2026-11-28T06:00:00Z", "region": "us-east-1",
           "resources": resources, "detail": detail})
}

fn pairs(report: &Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["hostname"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Fixes one demo problem: the partner HTTP listener now redirects to HTTPS.
async fn fix_partner_listener(sdk: &aws_config::SdkConfig, seed: &Value) {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
    };
    elb.modify_listener()
        .listener_arn(seed["listeners"]["partner-http"].as_str().unwrap())
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}
