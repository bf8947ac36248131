//! Trigger: turns an EventBridge event into what a run should scan.
//!
//! A schedule scans everything; an ACM certificate event or an AWS Health ACM event
//! scopes the run to the certificates it names; anything else is "nothing to do".

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::Serialize;
use serde_json::Value;

/// What a run covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "certificates", rename_all = "kebab-case")]
pub enum Scope {
    /// Every certificate, load balancer and distribution of the scanned regions.
    Full,
    /// These certificates and the resources and hostnames that use them.
    Certificates(Vec<String>),
    /// An event this function does not act on.
    Nothing,
}

/// Why the run happened, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    /// `schedule`, `acm-event`, `health-event`, `manual`, `ignored`.
    pub kind: &'static str,
    pub source: String,
    pub detail_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    pub scope: Scope,
    /// What the event itself says, e.g. `DaysToExpiry=12` or a renewal reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Certificates the event named beyond [`MAX_EVENT_CERTIFICATES`], not scanned by
    /// this run (the handler names them as skipped, so the run is incomplete). Not
    /// serialized: the report's header is in every SNS part, and 9,900 ARNs would not
    /// fit; the skip entry gives their count and the first.
    #[serde(skip)]
    pub left_out: Vec<String>,
}

/// The most certificates one event scopes a run to. ACM events name one; an AWS Health
/// event may name a few dozen. A hostile event with thousands would otherwise cost a
/// describe and a region's worth of reads each; the rest are left to the next scheduled
/// run and named.
pub const MAX_EVENT_CERTIFICATES: usize = 100;

impl Trigger {
    /// A run started by hand (the CLI's `scan`).
    pub fn manual() -> Trigger {
        Trigger {
            kind: "manual",
            source: "cli".into(),
            detail_type: "Manual Scan".into(),
            event_id: None,
            scope: Scope::Full,
            note: None,
            left_out: Vec::new(),
        }
    }
}

/// An event that cannot be acted on. Never retryable: the same bytes fail again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    #[error("malformed event: not an EventBridge envelope ({reason})")]
    NotAnEnvelope { reason: String },
    #[error(
        "malformed event: {detail_type:?} from {event_source:?} names no ACM certificate ARN in `resources`"
    )]
    NoCertificate {
        event_source: String,
        detail_type: String,
    },
    #[error("malformed event: {arn:?} in {field} is not an ACM certificate ARN")]
    NotACertificateArn { field: &'static str, arn: String },
}

const ACM_DETAIL_TYPES: &[&str] = &[
    "ACM Certificate Approaching Expiration",
    "ACM Certificate Expired",
    "ACM Certificate Available",
    "ACM Certificate Renewal Action Required",
    "ACM Certificate Revoked",
    "ACM Certificate Rotated",
];

/// Whether `arn` looks like `arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID`, with a
/// region name and a 12-digit account (so an event cannot send the run to made-up
/// regions), and no longer than any real ARN.
pub fn is_certificate_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    arn.len() <= 256
        && parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && parts[2] == "acm"
        && crate::aws::is_region_name(parts[3])
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && parts[5].starts_with("certificate/")
        && parts[5].len() > "certificate/".len()
        && parts[5].bytes().all(|b| b.is_ascii_graphic())
}

/// Scopes a run to `arns` (sorted, without duplicates), keeping the first
/// [`MAX_EVENT_CERTIFICATES`] and the rest as `left_out`.
fn scope_to(trigger: &mut Trigger, mut arns: Vec<String>) {
    arns.sort();
    arns.dedup();
    if arns.len() > MAX_EVENT_CERTIFICATES {
        trigger.left_out = arns.split_off(MAX_EVENT_CERTIFICATES);
    }
    trigger.scope = Scope::Certificates(arns);
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Parses an EventBridge event into a [`Trigger`].
pub fn parse(event: &Value) -> Result<Trigger, TriggerError> {
    let envelope: EventBridgeEvent<Value> =
        serde_json::from_value(event.clone()).map_err(|e| TriggerError::NotAnEnvelope {
            reason: e.to_string(),
        })?;
    let source = envelope.source.clone();
    let detail_type = envelope.detail_type.clone();
    if source.is_empty() || detail_type.is_empty() {
        return Err(TriggerError::NotAnEnvelope {
            reason: "`source` and `detail-type` must be non-empty strings".into(),
        });
    }
    let mut trigger = Trigger {
        kind: "ignored",
        source: source.clone(),
        detail_type: detail_type.clone(),
        event_id: envelope.id.clone(),
        scope: Scope::Nothing,
        note: None,
        left_out: Vec::new(),
    };
    let detail = &envelope.detail;
    let resources = envelope.resources.clone().unwrap_or_default();
    match (source.as_str(), detail_type.as_str()) {
        ("aws.events", "Scheduled Event") => {
            trigger.kind = "schedule";
            trigger.scope = Scope::Full;
        }
        ("aws.acm", dt) if ACM_DETAIL_TYPES.contains(&dt) => {
            let arns = certificate_arns(&resources, "resources")?;
            if arns.is_empty() {
                return Err(TriggerError::NoCertificate {
                    event_source: source,
                    detail_type,
                });
            }
            trigger.kind = "acm-event";
            scope_to(&mut trigger, arns);
            trigger.note = acm_note(detail);
        }
        ("aws.health", "AWS Health Event") => {
            let service = str_field(detail, "service").unwrap_or_default();
            if !service.eq_ignore_ascii_case("ACM") {
                trigger.note = Some(format!("AWS Health event for service {service:?}, not ACM"));
                return Ok(trigger);
            }
            let mut arns: Vec<String> = resources
                .iter()
                .filter(|r| is_certificate_arn(r))
                .cloned()
                .collect();
            if let Some(entities) = detail.get("affectedEntities").and_then(Value::as_array) {
                arns.extend(
                    entities
                        .iter()
                        .filter_map(|e| str_field(e, "entityValue"))
                        .filter(|v| is_certificate_arn(v))
                        .map(str::to_string),
                );
            }
            trigger.kind = "health-event";
            trigger.note = str_field(detail, "eventTypeCode").map(str::to_string);
            // An ACM health event that names no certificate still says ACM is in
            // trouble somewhere: look at everything rather than nothing.
            if arns.is_empty() {
                trigger.scope = Scope::Full;
            } else {
                scope_to(&mut trigger, arns);
            }
        }
        _ => {}
    }
    Ok(trigger)
}

fn certificate_arns(
    resources: &[String],
    field: &'static str,
) -> Result<Vec<String>, TriggerError> {
    let mut out = Vec::new();
    for r in resources {
        if !is_certificate_arn(r) {
            return Err(TriggerError::NotACertificateArn {
                field,
                arn: r.clone(),
            });
        }
        out.push(r.clone());
    }
    Ok(out)
}

fn acm_note(detail: &Value) -> Option<String> {
    let mut parts = Vec::new();
    for key in [
        "CommonName",
        "DaysToExpiry",
        "Action",
        "RenewalStatusReason",
        "CertificateType",
    ] {
        match detail.get(key) {
            Some(Value::String(s)) => parts.push(format!("{key}={s}")),
            Some(Value::Number(n)) => parts.push(format!("{key}={n}")),
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(source: &str, detail_type: &str, resources: Value, detail: Value) -> Value {
        json!({
            "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
            "detail-type": detail_type, "source": source, "account": "123456789012",
            "time": "2026-11-28T06:00:00Z", "region": "us-east-1",
            "resources": resources, "detail": detail
        })
    }
    const ARN: &str =
        "arn:aws:acm:us-east-1:123456789012:certificate/1f8a9b2c-0000-4000-8000-000000000001";

    #[test]
    fn schedule_is_a_full_scan() {
        let t = parse(&envelope(
            "aws.events",
            "Scheduled Event",
            json!(["arn:aws:events:us-east-1:123456789012:rule/x"]),
            json!({}),
        ))
        .unwrap();
        assert_eq!(t.scope, Scope::Full);
        assert_eq!(t.kind, "schedule");
    }

    /// The template's EventBridge rule subscribes to exactly the ACM events handled here
    /// (a type added on one side only is either never received or ignored).
    #[test]
    fn template_rule_matches_the_handled_acm_events() {
        let template =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/template.yaml")).unwrap();
        let rule = template
            .split("AcmCertificateEvents:")
            .nth(1)
            .expect("the template has the ACM events rule");
        let listed: Vec<&str> = rule
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("detail-type:"))
            .skip(1)
            .map_while(|l| l.trim_start().strip_prefix("- "))
            .collect();
        assert_eq!(listed, ACM_DETAIL_TYPES);
    }

    #[test]
    fn every_acm_detail_type_scopes_to_its_certificate() {
        for dt in ACM_DETAIL_TYPES {
            let t = parse(&envelope(
                "aws.acm",
                dt,
                json!([ARN]),
                json!({"DaysToExpiry": 12, "CommonName": "shop.example.com", "SomethingNew": true}),
            ))
            .unwrap();
            assert_eq!(t.scope, Scope::Certificates(vec![ARN.to_string()]), "{dt}");
            assert_eq!(t.kind, "acm-event");
        }
    }

    #[test]
    fn renewal_reason_outside_the_enum_is_accepted() {
        let t = parse(&envelope(
            "aws.acm",
            "ACM Certificate Renewal Action Required",
            json!([ARN]),
            json!({"RenewalStatusReason": "PENDING_DOMAIN_VALIDATION"}),
        ))
        .unwrap();
        assert_eq!(
            t.note.as_deref(),
            Some("RenewalStatusReason=PENDING_DOMAIN_VALIDATION")
        );
    }

    #[test]
    fn acm_event_without_certificate_is_malformed() {
        let e = parse(&envelope(
            "aws.acm",
            "ACM Certificate Expired",
            json!([]),
            json!({}),
        ))
        .unwrap_err();
        assert!(matches!(e, TriggerError::NoCertificate { .. }));
        let e = parse(&envelope(
            "aws.acm",
            "ACM Certificate Expired",
            json!(["arn:aws:s3:::bucket"]),
            json!({}),
        ))
        .unwrap_err();
        assert!(matches!(e, TriggerError::NotACertificateArn { .. }));
    }

    #[test]
    fn health_event_collects_arns_from_resources_and_entities() {
        let other =
            "arn:aws:acm:eu-west-1:123456789012:certificate/22222222-0000-4000-8000-000000000002";
        let t = parse(&envelope(
            "aws.health",
            "AWS Health Event",
            json!([ARN]),
            json!({
                "service": "ACM", "eventTypeCode": "AWS_ACM_RENEWAL_STATE_CHANGE",
                "startTime": "Wed, 6 Apr 2022 06:00:53 GMT",
                "affectedEntities": [{"entityValue": other}, {"entityValue": ARN}]
            }),
        ))
        .unwrap();
        assert_eq!(
            t.scope,
            Scope::Certificates(vec![other.to_string(), ARN.to_string()]),
            "sorted, deduplicated"
        );
        let t = parse(&envelope(
            "aws.health",
            "AWS Health Event",
            json!([]),
            json!({"service": "EC2"}),
        ))
        .unwrap();
        assert_eq!(t.scope, Scope::Nothing);
    }

    #[test]
    fn unknown_detail_type_is_nothing_to_do() {
        let t = parse(&envelope(
            "aws.acm",
            "ACM Certificate Teleported",
            json!([ARN]),
            json!({}),
        ))
        .unwrap();
        assert_eq!(t.scope, Scope::Nothing);
        assert_eq!(t.kind, "ignored");
    }

    #[test]
    fn malformed_envelopes_are_errors() {
        for bad in [
            json!("hello"),
            json!({"detail-type": 5}),
            json!([1, 2]),
            json!({"source": "aws.acm"}),
        ] {
            assert!(
                matches!(parse(&bad), Err(TriggerError::NotAnEnvelope { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_sample_events_in_events_dir_parse_as_documented() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let read = |f: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
        };
        assert_eq!(parse(&read("scheduled.json")).unwrap().scope, Scope::Full);
        for f in [
            "acm-approaching-expiration.json",
            "acm-expired.json",
            "acm-available.json",
            "acm-renewal-action-required.json",
            "health-acm.json",
        ] {
            assert!(
                matches!(parse(&read(f)).unwrap().scope, Scope::Certificates(ref a) if a.len() == 1),
                "{f}"
            );
        }
        assert_eq!(
            parse(&read("unknown-detail-type.json")).unwrap().scope,
            Scope::Nothing
        );
        assert!(parse(&read("malformed.json")).is_err());
    }

    #[test]
    fn a_huge_event_scopes_to_the_first_certificates_and_names_the_rest() {
        let arn = |i: usize| format!("arn:aws:acm:us-east-1:123456789012:certificate/c-{i:05}");
        // 10,000 distinct ARNs, each twice.
        let resources: Vec<String> = (0..20_000).map(|i| arn(i % 10_000)).collect();
        let t = parse(&envelope(
            "aws.acm",
            "ACM Certificate Expired",
            json!(resources),
            json!({}),
        ))
        .unwrap();
        let Scope::Certificates(arns) = &t.scope else {
            panic!("{:?}", t.scope)
        };
        assert_eq!(arns.len(), MAX_EVENT_CERTIFICATES);
        assert_eq!(arns[0], arn(0));
        assert_eq!(t.left_out.len(), 10_000 - MAX_EVENT_CERTIFICATES);
        assert_eq!(t.left_out[0], arn(MAX_EVENT_CERTIFICATES));
        // Twin: one certificate leaves nothing out.
        let t = parse(&envelope(
            "aws.acm",
            "ACM Certificate Expired",
            json!([ARN, ARN]),
            json!({}),
        ))
        .unwrap();
        assert_eq!(t.scope, Scope::Certificates(vec![ARN.to_string()]));
        assert!(t.left_out.is_empty());
    }

    #[test]
    fn certificate_arns_must_name_a_real_region_and_account() {
        for bad in [
            "arn:aws:acm:not_a_region:123456789012:certificate/x",
            "arn:aws:acm:zz-fake-region-extra-long-name-to-no-1:123456789012:certificate/x",
            "arn:aws:acm:us-east-1:12345:certificate/x",
            "arn:aws:acm:us-east-1:123456789012:certificate/x\u{1b}[2J",
        ] {
            let e = parse(&envelope(
                "aws.acm",
                "ACM Certificate Expired",
                json!([bad]),
                json!({}),
            ))
            .unwrap_err();
            assert!(
                matches!(e, TriggerError::NotACertificateArn { .. }),
                "{bad}"
            );
        }
        // A Health event's entities that are not certificate ARNs are left out.
        let t = parse(&envelope(
            "aws.health",
            "AWS Health Event",
            json!([]),
            json!({"service": "ACM", "affectedEntities": [
                {"entityValue": "arn:aws:acm:mars-north-1x:123456789012:certificate/x"},
                {"entityValue": ARN}
            ]}),
        ))
        .unwrap();
        assert_eq!(t.scope, Scope::Certificates(vec![ARN.to_string()]));
    }
}
