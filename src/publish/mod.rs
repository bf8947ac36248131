//! Publish: sends reports to the findings SNS topic. Never judges: it is handed the
//! reports and the minimum severity, and sends or not.

pub mod securityhub;
pub mod state;

use crate::checks::Severity;
use crate::report::Report;
use std::future::Future;

/// SNS allows 256 KiB for the message and its attributes together; keep a margin for
/// the attributes and JSON escaping of the outer envelope.
pub const SNS_MAX_MESSAGE_BYTES: usize = 256 * 1024 - 6 * 1024;

/// One SNS message ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    /// `MessageStructure=json` body: `{"default": …, "email": …}`.
    pub body: String,
    /// Highest severity in this message (attribute `severity`).
    pub severity: Severity,
    /// Causes present (attribute `causes`, a `String.Array` for filter policies).
    pub causes: Vec<String>,
    /// Problems announced as fixed (attribute `resolved`, a `Number`), so a pager that
    /// gets only critical findings can also hear that they are gone.
    pub resolved: usize,
}

impl Message {
    pub fn of(report: &Report) -> Message {
        Message {
            subject: report.subject(),
            body: report.sns_message(),
            severity: report.summary.highest.unwrap_or(Severity::Info),
            causes: report
                .summary
                .by_cause
                .keys()
                .map(|c| c.as_str().to_string())
                .collect(),
            resolved: report.resolved.len(),
        }
    }
}

/// A failed publish, naming the topic and the part.
#[derive(Debug, Clone, thiserror::Error)]
#[error("sns:Publish to {topic} failed for part {part}: {message}")]
pub struct PublishError {
    pub topic: String,
    pub part: usize,
    pub message: String,
}

/// Where findings go. SNS in production; a recorder in handler tests.
pub trait Publisher: Send + Sync {
    /// Publishes one message; returns its message id.
    fn publish(
        &self,
        topic: &str,
        message: &Message,
    ) -> impl Future<Output = Result<String, String>> + Send;
}

/// Whether a report warrants a message: something at or above `min`, or a problem
/// announced as resolved.
pub fn worth_publishing(report: &Report, min: Severity) -> bool {
    report.findings.iter().any(|f| f.severity >= min) || !report.resolved.is_empty()
}

/// Splits and publishes a report; returns the message ids.
pub async fn publish_report<P: Publisher>(
    publisher: &P,
    topic: &str,
    report: &Report,
) -> Result<Vec<String>, PublishError> {
    let mut ids = Vec::new();
    for (i, part) in report.split(SNS_MAX_MESSAGE_BYTES).iter().enumerate() {
        let msg = Message::of(part);
        let id = publisher
            .publish(topic, &msg)
            .await
            .map_err(|message| PublishError {
                topic: topic.to_string(),
                part: i + 1,
                message,
            })?;
        tracing::info!(topic, part = i + 1, message_id = %id, bytes = msg.body.len(), "published findings");
        ids.push(id);
    }
    Ok(ids)
}

/// [`Publisher`] over the AWS SDK's SNS client.
pub struct SnsPublisher {
    config: aws_config::SdkConfig,
}

impl SnsPublisher {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SnsPublisher {
            config: config.clone(),
        }
    }

    /// SNS must be called in the topic's region, which its ARN names.
    fn client_for(&self, topic: &str) -> aws_sdk_sns::Client {
        let mut b = aws_sdk_sns::config::Builder::from(&self.config);
        if let Some(region) = crate::inventory::arn_region(topic) {
            b = b.region(aws_config::Region::new(region.to_string()));
        }
        aws_sdk_sns::Client::from_conf(b.build())
    }
}

impl Publisher for SnsPublisher {
    async fn publish(&self, topic: &str, m: &Message) -> Result<String, String> {
        use aws_sdk_sns::types::MessageAttributeValue;
        let causes = serde_json::to_string(&m.causes).unwrap_or_else(|_| "[]".into());
        let attr = |t: &str, v: String| {
            MessageAttributeValue::builder()
                .data_type(t)
                .string_value(v)
                .build()
                .map_err(|e| e.to_string())
        };
        let out = self
            .client_for(topic)
            .publish()
            .topic_arn(topic)
            .subject(&m.subject)
            .message(&m.body)
            .message_structure("json")
            .message_attributes("severity", attr("String", m.severity.as_str().to_string())?)
            .message_attributes("causes", attr("String.Array", causes)?)
            .message_attributes("resolved", attr("Number", m.resolved.to_string())?)
            .send()
            .await
            .map_err(|e| aws_sdk_sns::error::DisplayErrorContext(&e).to_string())?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }
}
