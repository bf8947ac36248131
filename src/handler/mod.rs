//! The handler: one run of the pipeline, trigger → inventory → probe → checks → report
//! → publish. Generic over the AWS boundary so tests drive it with fakes.

use crate::checks::{self, Context};
use crate::config::Config;
use crate::finding::Severity;
use crate::inventory::{self, AwsReader};
use crate::pki::ct_logs::CtLogs;
use crate::pki::trust::TrustStore;
use crate::probe::{ProbeTarget, Prober};
use crate::publish::archive::{self, NoArchive, ReportStore};
use crate::publish::notify::{self, Delivery, NotifySettings};
use crate::publish::securityhub::{HubSummary, NoHub, SecurityHub};
use crate::publish::sns::{PublishError, Publisher};
use crate::publish::state::{NoState, StateStore};
use crate::report::mute::MuteList;
use crate::report::{Report, Scanned, account_of};
use crate::trigger::{self, Scope, Trigger, TriggerError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Time kept after probing for the checks, the CT log list and publishing (SNS, the
/// state table, Security Hub, each bounded by the SDK's 20 s operation timeout) — or a
/// quarter of what is left, when that is less (a function with a short `Timeout` still
/// probes).
pub const PUBLISH_RESERVE: std::time::Duration = std::time::Duration::from_secs(30);

/// Time left before `deadline_ms` (Lambda's `Lambda-Runtime-Deadline-Ms`, milliseconds
/// since the epoch) at `now_ms`; none when the value cannot be a deadline: emulators
/// send a duration (`cargo lambda watch` sends `600000`) or zero, which taken as a time
/// would stop every probe before it starts.
pub fn time_left(deadline_ms: u64, now_ms: u64) -> Option<std::time::Duration> {
    // 2020-01-01T00:00:00Z: no real invocation ends before it.
    const PLAUSIBLE: u64 = 1_577_836_800_000;
    (deadline_ms >= PLAUSIBLE)
        .then(|| std::time::Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
}

/// When probing must stop for a run that must end by `deadline`.
pub fn probe_deadline(deadline: std::time::Instant) -> std::time::Instant {
    let left = deadline.saturating_duration_since(std::time::Instant::now());
    deadline - PUBLISH_RESERVE.min(left / 4)
}

/// Why a run failed as a whole. Everything else becomes a finding or a skip.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The event cannot be acted on; retrying the same event fails again.
    #[error(transparent)]
    Trigger(#[from] TriggerError),
    /// The findings could not be delivered; a retry may succeed.
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl HandlerError {
    pub fn retryable(&self) -> bool {
        matches!(self, HandlerError::Publish(_))
    }
    /// The Lambda `errorType`, which says whether a retry can help.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::Trigger(_) => "NonRetryable.MalformedEvent",
            HandlerError::Publish(_) => "Retryable.PublishFailed",
        }
    }
}

/// The handler's response: always the run summary.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    pub trigger: Trigger,
    /// `published`, `below-threshold`, `no-topic`, `ignored`.
    pub status: &'static str,
    pub findings: usize,
    /// Findings in the published message (all of them without `STATE_TABLE`).
    pub notified: usize,
    /// Findings kept quiet because they were notified within `RENOTIFY_HOURS`.
    pub quiet: usize,
    /// Problems announced as resolved.
    pub resolved: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highest: Option<Severity>,
    pub skipped: usize,
    /// The run could not see everything (AWS reads failed, hosts not probed): its
    /// report carries a `scan_incomplete` finding and was published whatever its size.
    pub incomplete: bool,
    pub message_ids: Vec<String>,
    /// The state table did not record every notified finding (they are sent again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_error: Option<String>,
    /// Where the whole report was kept (`RUN_BUCKET`), when a bucket is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_report: Option<String>,
    /// Why the whole report could not be kept in `RUN_BUCKET` (it was still published).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_error: Option<String>,
    /// What the run did in Security Hub (`SECURITY_HUB=true` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<HubSummary>,
    pub duration_ms: u128,
}

/// A run's result: the summary and, unless the event was ignored, the report and its
/// CloudWatch embedded-metric-format documents (the Lambda prints them to stdout).
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub summary: RunSummary,
    pub report: Option<Report>,
    pub metrics: Vec<serde_json::Value>,
}

/// The pipeline with its boundaries.
pub struct Engine<R, P, Q, S = NoState, H = NoHub, B = NoArchive> {
    pub reader: R,
    pub publisher: P,
    pub prober: Q,
    pub state: S,
    /// Used only with `SECURITY_HUB=true`.
    pub hub: H,
    /// Where each run's whole report is kept (`RUN_BUCKET`), or [`NoArchive`].
    pub archive: B,
    pub config: Config,
}

impl<R, P, Q, S, H, B> Engine<R, P, Q, S, H, B>
where
    R: AwsReader,
    P: Publisher,
    Q: Prober,
    S: StateStore,
    H: SecurityHub,
    B: ReportStore,
{
    /// Handles one EventBridge event, with no deadline (the CLI).
    pub async fn handle_event(
        &self,
        event: &serde_json::Value,
        now: DateTime<Utc>,
        run_id: String,
    ) -> Result<RunOutcome, HandlerError> {
        self.handle_event_until(event, now, run_id, None).await
    }

    /// Handles one EventBridge event that must be answered by `deadline` (the Lambda
    /// invocation's): probing stops [`probe_deadline`] before it.
    pub async fn handle_event_until(
        &self,
        event: &serde_json::Value,
        now: DateTime<Utc>,
        run_id: String,
        deadline: Option<std::time::Instant>,
    ) -> Result<RunOutcome, HandlerError> {
        let trigger =
            trigger::parse(event).inspect_err(|e| tracing::error!(error = %e, "rejected event"))?;
        self.run_until(trigger, now, run_id, deadline).await
    }

    /// Runs the pipeline for a parsed trigger, with no deadline.
    pub async fn run(
        &self,
        trigger: Trigger,
        now: DateTime<Utc>,
        run_id: String,
    ) -> Result<RunOutcome, HandlerError> {
        self.run_until(trigger, now, run_id, None).await
    }

    /// Runs the pipeline for a parsed trigger; hosts that cannot be probed before
    /// [`probe_deadline`] are named as not probed, so what was seen is still published.
    pub async fn run_until(
        &self,
        trigger: Trigger,
        now: DateTime<Utc>,
        run_id: String,
        deadline: Option<std::time::Instant>,
    ) -> Result<RunOutcome, HandlerError> {
        let started = std::time::Instant::now();
        tracing::info!(run_id = %run_id, kind = trigger.kind, detail_type = %trigger.detail_type, "run started");
        if trigger.scope == Scope::Nothing {
            tracing::info!(run_id = %run_id, detail_type = %trigger.detail_type, "nothing to do for this event");
            let summary = RunSummary {
                run_id,
                trigger,
                status: "ignored",
                findings: 0,
                notified: 0,
                quiet: 0,
                resolved: 0,
                by_severity: BTreeMap::new(),
                highest: None,
                skipped: 0,
                incomplete: false,
                message_ids: Vec::new(),
                state_error: None,
                full_report: None,
                archive_error: None,
                security_hub: None,
                duration_ms: started.elapsed().as_millis(),
            };
            return Ok(RunOutcome {
                summary,
                report: None,
                metrics: Vec::new(),
            });
        }
        let config = &self.config;
        let mut inv = inventory::collect(&self.reader, config, &trigger.scope, now).await;
        let (mut mutes, mute_error) = self.mute_list(now).await;
        inv.skipped
            .extend(mute_error.map(|reason| crate::inventory::Skipped {
                account: None,
                kind: crate::inventory::SkipKind::Deliberate,
                what: "MUTE_FILE".into(),
                region: None,
                reason,
            }));
        for tag in &inv.mute_tags {
            let unknown = mutes.add_tag(&tag.resource, &tag.value);
            if !unknown.is_empty() {
                inv.skipped.push(crate::inventory::Skipped {
                    account: None,
                    kind: crate::inventory::SkipKind::Deliberate,
                    what: format!("tag {} on {}", crate::report::mute::TAG, tag.resource),
                    region: crate::aws::arn_region(&tag.resource).map(str::to_string),
                    reason: format!(
                        "not a check that can be muted: {} (`acm-doctor catalog` lists them); the others named are muted",
                        unknown.join(", ")
                    ),
                });
            }
        }
        if let Some(first) = trigger.left_out.first() {
            inv.skipped.push(crate::inventory::Skipped {
account: None,
                kind: Default::default(),
                what: format!("{} more certificates the event named", trigger.left_out.len()),
                region: None,
                reason: format!(
                    "one event scopes a run to at most {} certificates (the next scheduled run covers the rest); first left out: {first}",
                    crate::trigger::MAX_EVENT_CERTIFICATES
                ),
            });
        }
        if config.probe_enabled {
            inv.skipped.extend(crate::probe::private_only_skipped(&inv));
        }
        for s in &inv.skipped {
            tracing::warn!(what = %s.what, region = ?s.region, reason = %s.reason, "skipped");
        }
        let (targets, names): (Vec<ProbeTarget>, Vec<String>) = if config.probe_enabled {
            (
                crate::probe::targets(&inv, config, &trigger.scope),
                crate::probe::resource_names(&inv),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let probe = self
            .prober
            .probe(targets, names, deadline.map(probe_deadline))
            .await;
        // Hosts not probed (named below) do not count as probed.
        let probed = probe.hosts.len();
        for u in &probe.unprobed {
            tracing::warn!(host = %u.hostname, reason = %u.reason, "not probed");
            inv.skipped.push(crate::inventory::Skipped {
                account: None,
                what: format!("probe {}", u.hostname),
                region: None,
                reason: u.reason.clone(),
                kind: crate::inventory::SkipKind::Gap,
            });
        }
        // SCTs are judged only on what the probe saw: load a newer list only then.
        let (ct_logs, ct_error) = if probed > 0 {
            ct_log_list(config).await
        } else {
            (None, None)
        };
        inv.skipped
            .extend(ct_error.map(|reason| crate::inventory::Skipped {
                account: None,
                kind: Default::default(),
                what: "CT_LOG_LIST".into(),
                region: None,
                reason,
            }));
        let (findings, trust_errors) = judge(
            &inv,
            &probe,
            config,
            now,
            trigger.scope == Scope::Full,
            ct_logs.as_ref().unwrap_or(CtLogs::bundled()),
        );
        // The facts are judged: not held while the report is built and sent.
        drop(probe);
        inv.skipped.extend(
            trust_errors
                .into_iter()
                .map(|reason| crate::inventory::Skipped {
                    account: None,
                    kind: Default::default(),
                    what: "EXTRA_TRUSTED_CA_PEM".into(),
                    region: None,
                    reason,
                }),
        );
        let mut report = Report::new(
            run_id.clone(),
            account_of(&inv),
            trigger.clone(),
            now,
            Scanned::of(&inv, probed),
            inv.skipped.clone(),
            findings,
        )
        .in_language(self.config.report_language)
        .muting(&mutes, now);
        report.certificates = crate::report::CertificateLine::of(&inv);
        for f in &report.findings {
            tracing::info!(check = %f.check, cause = %f.cause, severity = %f.severity, resource = %f.resource, hostname = ?f.hostname, id = %f.id, "finding");
        }
        // Kept before publishing, so the digest can say where the whole report is.
        let (full_report, archive_error) = match archive::keep(&self.archive, &mut report).await {
            Ok(at) => (at, None),
            Err(e) => {
                tracing::warn!(run_id = %run_id, error = %e, "the whole report could not be kept in RUN_BUCKET");
                (None, Some(e.to_string()))
            }
        };
        let full = trigger.scope == Scope::Full;
        let settings = NotifySettings {
            topic: config.findings_topic_arn.as_deref(),
            min_severity: config.min_severity,
            renotify_hours: config.renotify_hours,
        };
        let delivered =
            notify::deliver(&self.publisher, &self.state, settings, &report, full, now).await;
        // Security Hub gets every current finding whatever SNS did (and its failure never
        // costs the SNS report).
        let security_hub = if config.security_hub {
            Some(crate::publish::securityhub::sync(&self.hub, &report, full, now).await)
        } else {
            None
        };
        let Delivery {
            status,
            message_ids,
            state_error,
            notified,
            resolved,
            quiet,
        } = delivered?;
        let summary = RunSummary {
            run_id,
            trigger,
            status,
            notified,
            quiet,
            resolved,
            findings: report.summary.total,
            by_severity: report.summary.by_severity.clone(),
            highest: report.summary.highest,
            skipped: report.skipped.len(),
            incomplete: report.incomplete(),
            message_ids,
            state_error,
            full_report,
            archive_error,
            security_hub,
            duration_ms: started.elapsed().as_millis(),
        };
        tracing::info!(run_id = %summary.run_id, status, findings = summary.findings, incomplete = summary.incomplete, duration_ms = summary.duration_ms as u64, "run finished");
        let metrics =
            crate::report::metrics::emf_documents(&report, &inv, now, summary.duration_ms);
        Ok(RunOutcome {
            summary,
            report: Some(report),
            metrics,
        })
    }

    /// The mute list `MUTE_FILE` names, read afresh each run (an edit applies at the
    /// next run), and why it could not be used. An unusable list mutes nothing: the run
    /// reports everything and says why.
    async fn mute_list(&self, now: DateTime<Utc>) -> (MuteList, Option<String>) {
        let Some(at) = self.config.mute_file.as_deref() else {
            return (MuteList::default(), None);
        };
        let parsed = inventory::read_mute_file(&self.reader, at)
            .await
            .and_then(|text| MuteList::parse(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(list) => {
                let expired = list.expired(now);
                if expired > 0 {
                    tracing::warn!(
                        mute_file = at,
                        expired,
                        "mute entries past their until date mute nothing"
                    );
                }
                (list, None)
            }
            Err(e) => {
                tracing::warn!(mute_file = at, error = %e, "mute list not used");
                (MuteList::default(), Some(format!("{e}; nothing was muted")))
            }
        }
    }
}

/// The CT log list `CT_LOG_LIST` names, or `None` (the bundled one) with why, when it
/// is set but cannot be used.
async fn ct_log_list(config: &Config) -> (Option<CtLogs>, Option<String>) {
    match crate::probe::ct_list::load(
        config.ct_log_list.as_deref(),
        crate::probe::ct_list::public_roots(),
    )
    .await
    {
        Ok(list) => (list, None),
        Err(e) => {
            let bundled = CtLogs::bundled().label();
            tracing::warn!(error = %e, fallback = %bundled, "CT_LOG_LIST not used");
            (
                None,
                Some(format!("{e}; SCTs judged with the list of {bundled}")),
            )
        }
    }
}

/// The checks stage: trust roots from the configuration, then every check over the
/// inventory and probe facts. Returns the findings and any unusable extra roots.
fn judge(
    inv: &inventory::Inventory,
    probe: &crate::probe::ProbeResults,
    config: &Config,
    now: DateTime<Utc>,
    full_scan: bool,
    ct_logs: &crate::pki::ct_logs::CtLogs,
) -> (Vec<crate::finding::Finding>, Vec<String>) {
    let (trust, trust_errors) = TrustStore::new(config.extra_trusted_ca_pem.as_deref());
    let index = inventory::Index::new(inv);
    let ctx = Context {
        inventory: &index,
        hosts: &probe.hosts,
        resource_addresses: &probe.resource_addresses,
        trust: &trust,
        ct_logs,
        now,
        settings: config.check_settings(),
        full_scan,
    };
    (checks::run_all(&ctx), trust_errors)
}

/// Diagnoses hostnames without AWS (the CLI's `probe`): probe them, then run every check
/// over the facts with an empty inventory.
pub async fn diagnose_hosts<Q: Prober>(
    prober: &Q,
    config: &Config,
    hosts: Vec<String>,
    now: DateTime<Utc>,
) -> (
    Vec<crate::probe::HostFacts>,
    Vec<crate::finding::Finding>,
    Vec<String>,
) {
    let targets = hosts
        .into_iter()
        .map(|h| ProbeTarget {
            hostname: h,
            sources: vec!["command line".into()],
        })
        .collect();
    let probe = prober.probe(targets, Vec::new(), None).await;
    let (ct_logs, ct_error) = ct_log_list(config).await;
    let (findings, mut trust_errors) = judge(
        &inventory::Inventory::default(),
        &probe,
        config,
        now,
        true,
        ct_logs.as_ref().unwrap_or(CtLogs::bundled()),
    );
    trust_errors.extend(ct_error);
    trust_errors.extend(
        probe
            .unprobed
            .iter()
            .map(|u| format!("{} was not probed: {}", u.hostname, u.reason)),
    );
    let mut findings = crate::report::dedupe_and_order(findings);
    crate::report::localize(&mut findings, config.report_language);
    (probe.hosts, findings, trust_errors)
}

#[cfg(test)]
mod tests;
