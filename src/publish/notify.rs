//! What a run notifies: the report minus quiet repeats (via the state store), plus the
//! problems now resolved, sent to SNS when something reaches `MIN_SEVERITY`. A state-store
//! failure degrades to "notify everything", never to silence.

use super::sns::{PublishError, Publisher, publish_report};
use super::state::{Plan, StateStore, plan};
use crate::finding::Severity;
use crate::report::Report;
use chrono::{DateTime, Utc};

/// What the notification step did.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `published`, `below-threshold` or `no-topic`.
    pub status: &'static str,
    pub message_ids: Vec<String>,
    /// Why notified findings could not all be recorded in the state table (they will be
    /// sent again next run), e.g. "3 of 40 state writes were not saved: …".
    pub state_error: Option<String>,
    /// The report as sent (or as it would have been): notified findings, resolved ones,
    /// and the count kept quiet.
    pub sent: Report,
}

/// How notification is tuned (from the run's configuration).
#[derive(Debug, Clone, Copy)]
pub struct NotifySettings<'a> {
    pub topic: Option<&'a str>,
    pub min_severity: Severity,
    pub renotify_hours: i64,
}

/// Whether a report warrants a message: something at or above `min`, or a problem
/// announced as resolved.
pub fn worth_publishing(report: &Report, min: Severity) -> bool {
    report.findings.iter().any(|f| f.severity >= min) || !report.resolved.is_empty()
}

/// Decides what this run notifies and publishes it. `full` is false for event-scoped
/// runs, whose findings cannot say what was resolved elsewhere.
pub async fn deliver<P: Publisher, S: StateStore>(
    publisher: &P,
    state: &S,
    settings: NotifySettings<'_>,
    report: &Report,
    full: bool,
    now: DateTime<Utc>,
) -> Result<Delivery, PublishError> {
    let Some(topic) = settings.topic else {
        return Ok(Delivery {
            status: "no-topic",
            message_ids: Vec::new(),
            state_error: None,
            sent: report.clone(),
        });
    };
    // Quiet repeats: a state-store failure degrades to "report everything".
    let previous = match state.load().await {
        Ok(prev) => Some(prev),
        Err(e) => {
            tracing::warn!(error = %e, "state store unavailable; reporting every finding");
            None
        }
    };
    let plan = match &previous {
        Some(prev) => plan(&report.findings, prev, now, settings.renotify_hours, full),
        None => Plan {
            notify: report.findings.clone(),
            ..Default::default()
        },
    };
    // A muted finding is still there: it is neither announced as resolved nor forgotten
    // by the state table (when its mute ends it is not news again).
    let mut plan = plan;
    plan.resolved
        .retain(|r| !report.muted.iter().any(|m| m.id == r.id));
    let mut sent = report.with_findings(plan.notify.clone());
    sent.resolved = plan.resolved.clone();
    sent.quiet = plan.quiet.len();
    if !worth_publishing(&sent, settings.min_severity) {
        return Ok(Delivery {
            status: "below-threshold",
            message_ids: Vec::new(),
            state_error: None,
            sent,
        });
    }
    let message_ids = publish_report(publisher, topic, &sent)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "publish failed"))?;
    let mut state_error = None;
    if previous.is_some() {
        let gone: Vec<String> = plan.resolved.iter().map(|r| r.id.clone()).collect();
        if let Err(e) = state.save(&plan.upsert, &gone).await {
            tracing::warn!(error = %e, "could not record notified findings; they will be reported again");
            state_error = Some(e.to_string());
        }
    }
    Ok(Delivery {
        status: "published",
        message_ids,
        state_error,
        sent,
    })
}
