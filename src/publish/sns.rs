//! SNS transport: the `MessageStructure=json` body (JSON report for machines, digest for
//! email), splitting a report that exceeds SNS's size limit, the message attributes
//! subscription filter policies match, and the [`Publisher`] trait with its SDK adapter.

use crate::aws::{ApiError, api_err};
use crate::finding::Severity;
use crate::report::{Part, Report};
use std::future::Future;

/// SNS allows 256 KiB for the message and its attributes together; keep a margin for
/// the attributes and JSON escaping of the outer envelope.
pub const SNS_MAX_MESSAGE_BYTES: usize = 256 * 1024 - 6 * 1024;

/// Bytes kept in every message for its email text (the run's digest or summary in
/// part 1): the demo's 48 findings are a 56 KB digest in Japanese, and a run of that size
/// must stay a whole digest.
pub const EMAIL_BUDGET: usize = 128 * 1024;
/// The longest email written (escaping in the envelope stays within the budget).
const EMAIL_TEXT: usize = 112 * 1024;

/// One SNS message ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    /// `MessageStructure=json` body: `{"default": …, "email": …}`.
    pub body: String,
    /// Highest severity (attribute `severity`): the whole run's in part 1.
    pub severity: Severity,
    /// Causes present (attribute `causes`, a `String.Array` for filter policies).
    pub causes: Vec<String>,
    /// Problems announced as fixed (attribute `resolved`, a `Number`), so a pager that
    /// gets only critical findings can also hear that they are gone.
    pub resolved: usize,
    /// Which part of the run's report this is, from 1 (attribute `part`, a `Number`):
    /// the email subscription takes only part 1, so a run is one email at any size.
    pub part: usize,
}

impl Message {
    /// A report that is sent whole.
    pub fn of(report: &Report) -> Message {
        Message::part_of(report, report, 1, 1)
    }

    /// Message `index` (from 1) of `parts` carrying `whole`: each carries its part's
    /// JSON for machines; part 1 also carries the run's one email (the digest, or its
    /// summary when the run is large) and the whole run's attributes, the others a
    /// one-line email pointing at part 1.
    pub fn part_of(whole: &Report, part: &Report, index: usize, parts: usize) -> Message {
        Message::sized(whole, part, index, parts, EMAIL_TEXT)
    }

    /// [`Message::part_of`] with part 1's email held to `email_max` bytes.
    fn sized(
        whole: &Report,
        part: &Report,
        index: usize,
        parts: usize,
        email_max: usize,
    ) -> Message {
        let (subject, email, of) = if index == 1 {
            (
                whole.subject(),
                whole.email_summary(email_max, parts),
                whole,
            )
        } else {
            let note = match part.lang {
                crate::i18n::Lang::En => format!(
                    "Part {index} of {parts} of run {}: the JSON report for machines. The run's email is part 1.",
                    part.run_id
                ),
                crate::i18n::Lang::Ja => format!(
                    "実行 {} の {parts} 通中 {index} 通目: 機械向けの JSON レポートです。この実行のメールは 1 通目です。",
                    part.run_id
                ),
            };
            (part.subject(), note, part)
        };
        Message {
            subject,
            body: envelope(&part.to_json(), &email),
            severity: of.summary.highest.unwrap_or(Severity::Info),
            causes: of
                .summary
                .by_cause
                .keys()
                .map(|c| c.as_str().to_string())
                .collect(),
            resolved: of.resolved.len(),
            part: index,
        }
    }
}

/// The SNS message body for `MessageStructure=json`: `default` is the JSON report,
/// `email` what email subscribers read.
fn envelope(json: &str, email: &str) -> String {
    serde_json::json!({ "default": json, "email": email }).to_string()
}

/// Splits the report into parts whose JSON, with [`EMAIL_BUDGET`] kept for the email,
/// fits in `max_bytes`; each is a valid report carrying the same header. Findings are
/// bounded ([`Finding::bound`]), so one finding always fits.
pub fn split(report: &Report, max_bytes: usize) -> Vec<Report> {
    let ranges = part_ranges(report, max_bytes);
    let of = ranges.len();
    ranges
        .into_iter()
        .enumerate()
        .map(|(i, range)| part(report, range, i + 1, of))
        .collect()
}

/// Part `index` of `of`: the report's header over `range` of its findings.
fn part(report: &Report, range: std::ops::Range<usize>, index: usize, of: usize) -> Report {
    let mut r = report.with_findings(report.findings[range].to_vec());
    if of > 1 {
        r.part = Some(Part { index, of });
    }
    r
}

/// The bytes `s` takes inside the envelope's JSON string (escaping is per character,
/// so the lengths of pieces add up).
fn escaped_len(s: &str) -> usize {
    serde_json::to_string(s).map_or(s.len(), |e| e.len() - 2)
}

/// Which findings go in each part, in order: as many as fit after the header, measured
/// once each (the header with the whole run's summary and the longest part marker, so
/// a part's own summary is never longer). Linear in the findings; nothing is copied.
fn part_ranges(report: &Report, max_bytes: usize) -> Vec<std::ops::Range<usize>> {
    let mut header = report.with_findings(Vec::new());
    header.summary = report.summary.clone();
    header.part = Some(Part {
        index: 999,
        of: 999,
    });
    let header_len = escaped_len(&header.to_json());
    let budget = max_bytes.saturating_sub(EMAIL_BUDGET);
    let mut ranges = Vec::new();
    let (mut start, mut size) = (0, header_len);
    for (i, f) in report.findings.iter().enumerate() {
        // The finding and the comma before it.
        let len = escaped_len(&serde_json::to_string(f).unwrap_or_default()) + 1;
        if i > start && size + len > budget {
            ranges.push(start..i);
            (start, size) = (i, header_len);
        }
        size += len;
    }
    ranges.push(start..report.findings.len());
    ranges
}

/// A failed publish, naming the topic and the part.
#[derive(Debug, Clone, thiserror::Error)]
#[error("sns:Publish to {topic} failed for part {part}: {}", error.message)]
pub struct PublishError {
    pub topic: String,
    pub part: usize,
    pub error: ApiError,
}

/// Where findings go. SNS in production; a recorder in handler tests.
pub trait Publisher: Send + Sync {
    /// Publishes one message; returns its message id.
    fn publish(
        &self,
        topic: &str,
        message: &Message,
    ) -> impl Future<Output = Result<String, ApiError>> + Send;
}

/// Splits and publishes a report; returns the message ids. A part SNS refuses is sent
/// again reduced (evidence left out, details cut), and a part that still fails never
/// stops the parts after it: every part is tried, then the first failure is returned.
///
/// It takes the report (its header lists are capped in place) and builds one part at a
/// time, so a run of 10,000 findings is held once, not once per stage of the split.
pub async fn publish_report<P: Publisher>(
    publisher: &P,
    topic: &str,
    mut report: Report,
) -> Result<Vec<String>, PublishError> {
    let mut ids = Vec::new();
    let mut failed: Option<PublishError> = None;
    cap_header_lists(&mut report);
    let report = &report;
    let ranges = part_ranges(report, SNS_MAX_MESSAGE_BYTES);
    let n = ranges.len();
    for (i, range) in ranges.into_iter().enumerate() {
        let part = &part(report, range, i + 1, n);
        let msg = Message::part_of(report, part, i + 1, n);
        let sent = match publisher.publish(topic, &msg).await {
            Ok(id) => Ok(id),
            Err(first) => {
                tracing::warn!(topic, part = i + 1, bytes = msg.body.len(), error = %first, "publish refused; sending the part reduced");
                // Evidence left out, and part 1's email summarised to 16 KiB.
                let small = Message::sized(report, &reduced(part), i + 1, n, 16 * 1024);
                publisher.publish(topic, &small).await
            }
        };
        match sent {
            Ok(id) => {
                tracing::info!(topic, part = i + 1, message_id = %id, bytes = msg.body.len(), "published findings");
                ids.push(id);
            }
            Err(error) => {
                tracing::error!(topic, part = i + 1, error = %error, "publish failed; going on with the next part");
                failed.get_or_insert(PublishError {
                    topic: topic.to_string(),
                    part: i + 1,
                    error,
                });
            }
        }
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(ids),
    }
}

/// Most `skipped` entries a published message lists; the rest are counted in one more.
pub const MAX_SKIPPED_LISTED: usize = 50;
/// Most `muted` entries a published message lists; the rest are counted in
/// `muted_unlisted` (a tag `*` on a busy load balancer can mute thousands).
pub const MAX_MUTED_LISTED: usize = 50;
/// Most `accounts` lines a published message lists (the digest shows as many); the rest
/// are counted in `accounts_unlisted`.
pub const MAX_ACCOUNTS_LISTED: usize = 50;

/// The report with its `skipped` list held to [`MAX_SKIPPED_LISTED`] entries and one
/// that counts the rest, its `muted` list to [`MAX_MUTED_LISTED`] (the rest counted in
/// `muted_unlisted`) and its `accounts` to [`MAX_ACCOUNTS_LISTED`]: the lists are in every
/// part's header, and a run denied in every
/// region (a thousand failed describes) would otherwise make every part larger than SNS
/// takes — the failure to see would silence the report that says so.
fn cap_header_lists(r: &mut Report) {
    if r.skipped.len() > MAX_SKIPPED_LISTED {
        let more = r.skipped.len() - MAX_SKIPPED_LISTED;
        r.skipped.truncate(MAX_SKIPPED_LISTED);
        r.skipped.push(crate::inventory::Skipped {
account: None,
            what: format!("{more} more"),
            region: None,
            reason: "not listed here, to keep the message within SNS's size; the function's log names each, and `acm-doctor scan --format json` lists them all".into(),
            kind: crate::inventory::SkipKind::Gap,
        });
    }
    // `muted` rides in every part's header too.
    if r.muted.len() > MAX_MUTED_LISTED {
        r.muted_unlisted += r.muted.len() - MAX_MUTED_LISTED;
        r.muted.truncate(MAX_MUTED_LISTED);
    }
    // And an organization run's accounts: the 50 the digest shows first stay listed.
    if r.accounts.len() > MAX_ACCOUNTS_LISTED {
        r.accounts
            .sort_by(crate::report::AccountLine::reading_order);
        let rest = r.accounts.split_off(MAX_ACCOUNTS_LISTED);
        let u = r.accounts_unlisted.get_or_insert_with(Default::default);
        u.accounts += rest.len();
        u.not_scanned += rest.iter().filter(|a| a.status != "scanned").count();
    }
}

/// A part cut to what a person needs to act: evidence left out (with a note) and each
/// detail held to 1 KiB.
fn reduced(part: &Report) -> Report {
    let findings = part
        .findings
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.evidence = std::collections::BTreeMap::from([(
                "evidence_omitted".to_string(),
                serde_json::Value::String(
                    "SNS refused the full message; run `acm-doctor scan --format json` for the evidence".into(),
                ),
            )]);
            crate::finding::clip(&mut f.detail, 1024);
            f
        })
        .collect();
    part.with_findings(findings)
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
        if let Some(region) = crate::aws::arn_region(topic) {
            b = b.region(aws_config::Region::new(region.to_string()));
        }
        aws_sdk_sns::Client::from_conf(b.build())
    }
}

impl Publisher for SnsPublisher {
    async fn publish(&self, topic: &str, m: &Message) -> Result<String, ApiError> {
        use aws_sdk_sns::types::MessageAttributeValue;
        let region = crate::aws::arn_region(topic);
        let causes = serde_json::to_string(&m.causes).unwrap_or_else(|_| "[]".into());
        let attr = |t: &str, v: String| {
            MessageAttributeValue::builder()
                .data_type(t)
                .string_value(v)
                .build()
                .map_err(|e| ApiError::local("sns", "Publish", region, e.to_string()))
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
            .message_attributes("part", attr("Number", m.part.to_string())?)
            .send()
            .await
            .map_err(|e| api_err("sns", "Publish", region, e))?;
        Ok(out.message_id().unwrap_or_default().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cause, Finding, Severity};
    use crate::report::{Part, SCHEMA};
    use crate::testkit::{finding, report_of};

    /// `n` low findings about unused certificates, each carrying `pad` bytes of evidence.
    fn unused(n: usize, pad: usize) -> Vec<Finding> {
        (0..n)
            .map(|i| {
                finding(
                    "certificate_unused",
                    Severity::Low,
                    Cause::NotAssociated,
                    &format!("arn:aws:acm:us-east-1:123456789012:certificate/c{i:04}"),
                )
                .evidence("padding", "x".repeat(pad))
            })
            .collect()
    }

    #[test]
    fn split_parts_fit_and_keep_every_finding() {
        let findings = unused(200, 0);
        let r = report_of(findings);
        let parts = split(&r, 40_000);
        assert!(parts.len() > 1);
        let total: usize = parts.iter().map(|p| p.findings.len()).sum();
        assert_eq!(total, 200);
        for (i, p) in parts.iter().enumerate() {
            assert!(Message::of(p).body.len() <= 40_000);
            assert_eq!(
                p.part,
                Some(Part {
                    index: i + 1,
                    of: parts.len()
                })
            );
            let v: serde_json::Value = serde_json::from_str(&p.to_json()).unwrap();
            assert_eq!(v["schema"], SCHEMA);
            assert_eq!(v["summary"]["total"], p.findings.len());
        }
        assert_eq!(split(&r, 10_000_000).len(), 1);
        assert_eq!(split(&r, 10_000_000)[0].part, None);
    }

    /// `r` published to an SNS that takes its full size: the messages, the first one's
    /// envelope and the JSON report it carries.
    async fn published_to_sns(r: &Report) -> (Vec<Message>, serde_json::Value, serde_json::Value) {
        let p = Picky {
            max: SNS_MAX_MESSAGE_BYTES,
            refuse_part: None,
            sent: Default::default(),
        };
        publish_report(&p, "t", r.clone()).await.unwrap();
        let sent = p.sent.lock().unwrap().clone();
        let v: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
        let json: serde_json::Value = serde_json::from_str(v["default"].as_str().unwrap()).unwrap();
        (sent, v, json)
    }

    fn capped(r: &Report) -> Report {
        let mut r = r.clone();
        cap_header_lists(&mut r);
        r
    }

    /// A publisher that refuses messages over `max` bytes and, optionally, one part
    /// whatever its size.
    struct Picky {
        max: usize,
        refuse_part: Option<usize>,
        sent: std::sync::Mutex<Vec<Message>>,
    }

    impl Publisher for Picky {
        async fn publish(&self, _topic: &str, m: &Message) -> Result<String, ApiError> {
            if m.body.len() > self.max || self.refuse_part == Some(m.part) {
                return Err(ApiError::local(
                    "sns",
                    "Publish",
                    None,
                    "InvalidParameter: Message too long",
                ));
            }
            let mut s = self.sent.lock().unwrap();
            s.push(m.clone());
            Ok(format!("m{}", s.len()))
        }
    }

    fn many() -> Report {
        report_of(unused(300, 1500))
    }

    /// Issue 11: a part SNS refuses is sent reduced, and a part that fails for good
    /// does not stop the parts after it. Twin: nothing refused, everything sent whole.
    #[tokio::test]
    async fn a_refused_part_is_reduced_and_never_stops_the_parts_after_it() {
        let r = many();
        let parts = split(&r, SNS_MAX_MESSAGE_BYTES).len();
        assert!(parts >= 2, "{parts}");
        // Everything is a little too big for this SNS: every part goes out reduced.
        let p = Picky {
            max: SNS_MAX_MESSAGE_BYTES / 2,
            refuse_part: None,
            sent: Default::default(),
        };
        let ids = publish_report(&p, "t", r.clone()).await.unwrap();
        assert_eq!(ids.len(), parts);
        let first = p.sent.lock().unwrap()[0].body.clone();
        let body: serde_json::Value = serde_json::from_str(&first).unwrap();
        assert!(
            body["default"]
                .as_str()
                .unwrap()
                .contains("evidence_omitted")
        );
        // Part 1 is refused whatever is done to it: parts 2.. still go out.
        let p = Picky {
            max: usize::MAX,
            refuse_part: Some(1),
            sent: Default::default(),
        };
        let e = publish_report(&p, "t", r.clone()).await.unwrap_err();
        assert_eq!(e.part, 1);
        assert_eq!(p.sent.lock().unwrap().len(), parts - 1);
        // Twin: an SNS that takes everything gets every part whole.
        let p = Picky {
            max: usize::MAX,
            refuse_part: None,
            sent: Default::default(),
        };
        assert_eq!(
            publish_report(&p, "t", r.clone()).await.unwrap().len(),
            parts
        );
        let sent = p.sent.lock().unwrap();
        assert!(sent.iter().all(|m| !m.body.contains("evidence_omitted")));
    }

    /// Issue 12: a run of a thousand findings is several JSON messages but one email:
    /// part 1 carries a summary of the whole run (counts per cause, the most severe in
    /// full, the rest counted) and the whole run's attributes; the other parts a line
    /// pointing at part 1. Twin: a small run is one message with the whole digest.
    #[test]
    fn a_large_run_is_one_email_and_json_in_parts() {
        let mut findings = unused(1000, 300);
        findings.insert(
            0,
            finding(
                "certificate_expired",
                Severity::Critical,
                Cause::Expired,
                "arn:aws:acm:us-east-1:123456789012:certificate/expired",
            ),
        );
        let r = report_of(findings);
        let parts = split(&r, SNS_MAX_MESSAGE_BYTES);
        assert!(parts.len() > 1, "{}", parts.len());
        let msgs: Vec<Message> = parts
            .iter()
            .enumerate()
            .map(|(i, p)| Message::part_of(&r, p, i + 1, parts.len()))
            .collect();
        let email = |m: &Message| -> String {
            let v: serde_json::Value = serde_json::from_str(&m.body).unwrap();
            v["email"].as_str().unwrap().to_string()
        };
        for m in &msgs {
            assert!(m.body.len() <= SNS_MAX_MESSAGE_BYTES, "{}", m.body.len());
        }
        let first = email(&msgs[0]);
        assert!(
            first.contains("Summary: 1001 finding(s)"),
            "{}",
            &first[..400]
        );
        assert!(
            first.contains("certificate_expired"),
            "the most severe is in full"
        );
        assert!(first.contains("are counted in the summary"));
        assert_eq!(msgs[0].part, 1);
        assert_eq!(msgs[0].severity, Severity::Critical, "the whole run's");
        assert!(msgs[0].causes.contains(&"expired".to_string()));
        assert!(
            msgs[1..]
                .iter()
                .all(|m| m.part > 1 && email(m).lines().count() == 1)
        );
        // Every finding is in exactly one part's JSON.
        let total: usize = parts.iter().map(|p| p.findings.len()).sum();
        assert_eq!(total, 1001);
        // A run the size of the demo's (a digest over 48 KiB, as its Japanese one is)
        // is still one whole digest.
        let mid = report_of(r.findings[..150].to_vec());
        assert!(
            mid.email_digest().len() > 48 * 1024,
            "{}",
            mid.email_digest().len()
        );
        assert_eq!(email(&Message::of(&mid)), mid.email_digest());
        // Twin.
        let small = report_of(r.findings[..3].to_vec());
        let m = Message::of(&small);
        assert_eq!(email(&m), small.email_digest());
        assert_eq!(split(&small, SNS_MAX_MESSAGE_BYTES).len(), 1);
    }

    /// A run that failed to read a thousand things still publishes: the `skipped`
    /// list every part carries is held to 50 entries and a count. Twin: a short list is
    /// published whole.
    #[tokio::test]
    async fn a_thousand_failed_reads_still_fit_sns() {
        let mut r = report_of(unused(10, 0));
        r.skipped = (0..1000)
            .map(|i| crate::inventory::Skipped {
                account: None,
                what: format!(
                    "acm:DescribeCertificate arn:aws:acm:us-east-1:123456789012:certificate/c{i:04}"
                ),
                region: Some("us-east-1".into()),
                reason: format!("AccessDeniedException: {}", "not authorized ".repeat(20)),
                kind: Default::default(),
            })
            .collect();
        let (_, _, json) = published_to_sns(&r).await;
        let skipped = json["skipped"].as_array().unwrap();
        assert_eq!(skipped.len(), MAX_SKIPPED_LISTED + 1);
        assert_eq!(skipped[MAX_SKIPPED_LISTED]["what"], "950 more");
        // Twin.
        r.skipped.truncate(3);
        assert_eq!(capped(&r).skipped, r.skipped);
    }

    /// Two thousand muted findings (a tag `*` on a busy load balancer) still publish:
    /// 50 are listed, the rest counted, and the email counts them all. Twin: a few are
    /// listed whole and nothing is counted apart.
    #[tokio::test]
    async fn two_thousand_muted_findings_still_fit_sns() {
        let mut r = report_of(unused(10, 0));
        r.muted = (0..2000)
            .map(|i| crate::report::mute::Muted {
                id: format!("alb_host_not_covered-{i:016x}"),
                check: "alb_host_not_covered".into(),
                resource: format!(
                    "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/busy/50dc6c495c0c9188/{i:016x}"
                ),
                hostname: Some(format!("site{i}.example.com")),
                account: None,
                reason: "tag acm-doctor:mute=* on arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/busy/50dc6c495c0c9188".into(),
                until: None,
            })
            .collect();
        let (_, v, json) = published_to_sns(&r).await;
        assert_eq!(json["muted"].as_array().unwrap().len(), MAX_MUTED_LISTED);
        assert_eq!(json["muted_unlisted"], 2000 - MAX_MUTED_LISTED);
        assert_eq!(
            crate::report::schema::validate::errors("report", &json),
            Vec::<String>::new()
        );
        let mail = v["email"].as_str().unwrap();
        assert!(mail.contains("Muted: 2000 finding(s)"), "{mail}");
        assert!(mail.contains("and 1950 more"), "{mail}");
        // Twin.
        r.muted.truncate(3);
        let few = capped(&r);
        assert_eq!(few.muted, r.muted);
        assert_eq!(few.muted_unlisted, 0);
    }

    /// An organization of 3,000 accounts still publishes: the 50 the digest reads first
    /// (those not scanned) are listed, the rest counted, and the email's counts are
    /// whole. Twin: a few accounts are listed whole.
    #[tokio::test]
    async fn three_thousand_accounts_still_fit_sns() {
        let mut r = report_of(unused(10, 0));
        r.account = None;
        r.accounts = (0..3000)
            .map(|i| crate::report::AccountLine {
                account: format!("{:012}", 100_000_000_000u64 + i),
                status: if i % 100 == 7 {
                    "not-scanned"
                } else {
                    "scanned"
                }
                .into(),
                findings: i as usize % 5,
                highest: None,
                reason: (i % 100 == 7).then(|| {
                    format!(
                        "AccessDenied: not authorized to assume the member role {}",
                        "x".repeat(40)
                    )
                }),
            })
            .collect();
        let (sent, v, json) = published_to_sns(&r).await;
        let listed = json["accounts"].as_array().unwrap();
        assert_eq!(listed.len(), MAX_ACCOUNTS_LISTED);
        assert!(listed[..30].iter().all(|a| a["status"] == "not-scanned"));
        assert_eq!(
            json["accounts_unlisted"]["accounts"],
            3000 - MAX_ACCOUNTS_LISTED
        );
        assert_eq!(json["accounts_unlisted"]["not_scanned"], 0);
        assert_eq!(
            crate::report::schema::validate::errors("report", &json),
            Vec::<String>::new()
        );
        let mail = v["email"].as_str().unwrap();
        assert!(
            mail.contains("Accounts: 2970 scanned, 30 not scanned."),
            "{mail:.600}"
        );
        assert!(
            sent[0].subject.contains("3000 accounts"),
            "{}",
            sent[0].subject
        );
        // Twin.
        r.accounts.truncate(3);
        let few = capped(&r);
        assert_eq!(few.accounts, r.accounts);
        assert_eq!(few.accounts_unlisted, None);
    }
}
