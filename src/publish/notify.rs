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
    /// What was sent (or would have been): findings notified, problems announced as
    /// resolved, findings kept quiet. Counts, not a copy of the report: a run of 10,000
    /// findings would otherwise hold it twice.
    pub notified: usize,
    pub resolved: usize,
    pub quiet: usize,
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
            notified: report.findings.len(),
            resolved: report.resolved.len(),
            quiet: report.quiet,
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
    // by the state table (when its mute ends it is a known finding, not a new one).
    let mut plan = plan;
    plan.resolved
        .retain(|r| !report.muted.iter().any(|m| m.id == r.id));
    let mut sent = report.with_findings(std::mem::take(&mut plan.notify));
    sent.resolved = plan.resolved.clone();
    sent.quiet = plan.quiet.len();
    let counts = |status, message_ids, state_error, sent: &Report| Delivery {
        status,
        message_ids,
        state_error,
        notified: sent.findings.len(),
        resolved: sent.resolved.len(),
        quiet: sent.quiet,
    };
    if !worth_publishing(&sent, settings.min_severity) {
        return Ok(counts("below-threshold", Vec::new(), None, &sent));
    }
    let mut delivery = counts("published", Vec::new(), None, &sent);
    delivery.message_ids = publish_report(publisher, topic, sent)
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
    delivery.state_error = state_error;
    Ok(delivery)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ApiError;
    use crate::finding::FindingRecord;
    use crate::publish::sns::Message;
    use crate::testkit;
    use std::sync::Mutex;

    /// One finding notified before, and what the run deletes.
    struct OnePrevious {
        record: FindingRecord,
        deleted: Mutex<Vec<String>>,
    }

    impl StateStore for OnePrevious {
        async fn load(&self) -> Result<Vec<FindingRecord>, ApiError> {
            Ok(vec![self.record.clone()])
        }
        async fn save(&self, _u: &[FindingRecord], delete: &[String]) -> Result<(), ApiError> {
            self.deleted.lock().unwrap().extend(delete.iter().cloned());
            Ok(())
        }
    }

    struct Sink;

    impl Publisher for Sink {
        async fn publish(&self, _topic: &str, _m: &Message) -> Result<String, ApiError> {
            Ok("m-1".into())
        }
    }

    fn previous(report: &Report) -> OnePrevious {
        let f = &report.findings[0];
        OnePrevious {
            record: FindingRecord {
                id: f.id.clone(),
                first_seen: testkit::now() - chrono::Duration::days(3),
                last_notified: testkit::now() - chrono::Duration::days(3),
                severity: f.severity,
                check: f.check.clone(),
                resource: f.resource.clone(),
                hostname: f.hostname.clone(),
                title: f.title.clone(),
            },
            deleted: Mutex::new(Vec::new()),
        }
    }

    const SETTINGS: NotifySettings<'static> = NotifySettings {
        topic: Some("arn:aws:sns:us-east-1:123456789012:t"),
        min_severity: Severity::Low,
        renotify_hours: 24,
    };

    /// Issue 13: a finding the mute list keeps out is not "resolved": nothing is
    /// announced and the state table keeps its record.
    #[tokio::test]
    async fn a_muted_finding_is_not_announced_as_resolved() {
        let all = testkit::sample_report();
        let state = previous(&all);
        let f = &all.findings[0];
        let mut list = crate::report::mute::MuteList::default();
        list.add_tag(&f.resource, &f.check);
        let muted = all.clone().muting(&list, testkit::now());
        assert_eq!(muted.muted.len(), 1);
        let d = deliver(&Sink, &state, SETTINGS, &muted, true, testkit::now())
            .await
            .unwrap();
        assert_eq!(d.resolved, 0);
        assert!(state.deleted.lock().unwrap().is_empty());
    }

    /// The twin: the same finding gone for real is announced once and forgotten.
    #[tokio::test]
    async fn a_finding_that_is_gone_is_announced_as_resolved() {
        let all = testkit::sample_report();
        let state = previous(&all);
        let gone = all.with_findings(all.findings[1..].to_vec());
        let d = deliver(&Sink, &state, SETTINGS, &gone, true, testkit::now())
            .await
            .unwrap();
        assert_eq!(d.resolved, 1);
        assert_eq!(
            *state.deleted.lock().unwrap(),
            vec![all.findings[0].id.clone()]
        );
    }
}
