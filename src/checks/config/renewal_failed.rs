//! `renewal_failed` — ACM managed renewal (or issuance) that failed or is stuck.

use crate::checks::common::recipes;
use crate::checks::common::usage::severity_for_days;
use crate::checks::common::usage::usage_labels;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "ACM managed renewal in FAILED or PENDING_VALIDATION (with ACM's RenewalStatusReason), or a certificate whose issuance FAILED or timed out.",
        "ACM のマネージド更新が FAILED または PENDING_VALIDATION（ACM の RenewalStatusReason 付き）の証明書、または発行が FAILED になったかタイムアウトした証明書。",
    ),
    browser: label!(
        "Nothing until the current certificate expires; then NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox).",
        "現在の証明書が期限切れになるまでは何も起きません。期限切れ後は NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "Fix the reason ACM gives: restore the DNS validation CNAME records, allow amazon.com in CAA records, or answer the validation email; ACM retries renewal automatically once validation passes.",
        "ACM が示す理由を解消します: DNS 検証用の CNAME レコードを戻す、CAA レコードで amazon.com を許可する、または検証メールに応答する。検証が通れば ACM が自動で更新を再試行します。",
    ),
};

declare_check!(RenewalFailed, "renewal_failed", Cause::Expired);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        let in_use = inv.is_in_use(c);
        let days = c.not_after.map(|na| days_until(ctx.now, na));
        if let Some(r) = c
            .renewal
            .as_ref()
            .filter(|r| matches!(r.status.as_str(), "FAILED" | "PENDING_VALIDATION"))
        {
            let pending: Vec<&str> = r
                .validations
                .iter()
                .filter(|v| v.status.as_deref() != Some("SUCCESS"))
                .map(|v| v.domain_name.as_str())
                .collect();
            let severity = match (in_use, days) {
                (true, Some(d)) => severity_for_days(d).max(Severity::High),
                (true, None) => Severity::High,
                (false, _) => Severity::Medium,
            };
            let reason = r.reason.clone().unwrap_or_else(|| "-".into());
            let (arn, name, region, status) = (&c.arn, &c.domain_name, &c.region, &r.status);
            let since = r
                .updated_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "?".into());
            let expires = c
                .not_after
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "?".into());
            let mut detail = tr!(
                "Managed renewal of {arn} is {status} since {since}: {reason}.",
                "{arn} のマネージド更新は {since} から {status} のままです（理由: {reason}）。"
            );
            if !pending.is_empty() {
                let p = pending.join(", ");
                detail.push(&tr!(
                    "Domains not validated: {p}.",
                    "検証が済んでいないドメイン: {p}。"
                ));
            }
            detail.push(&tr!(
                "The current certificate expires on {expires}.",
                "現在の証明書の有効期限は {expires} です。"
            ));
            let mut f = Finding::new(RenewalFailed::ID, severity, &c.arn, &c.region)
                .hostname(&c.domain_name)
                .title(tr!(
                    "ACM renewal of {name} is {status} ({reason})",
                    "{name} の ACM 証明書の更新が {status} です（{reason}）"
                ))
                .detail(detail)
                .evidence("renewal_status", &r.status)
                .evidence("renewal_status_reason", &r.reason)
                .evidence("pending_domains", &pending)
                .evidence("days_left", days)
                .evidence("in_use_by", usage_labels(inv, &c.arn));
            f = match r.reason.as_deref() {
                Some("CAA_ERROR") => f.step(tr!(
                    "Add a CAA record allowing Amazon for each domain, e.g. `{name} CAA 0 issue \"amazon.com\"` (or remove the CAA records that exclude it).",
                    "各ドメインに Amazon を許可する CAA レコードを追加します。例: `{name} CAA 0 issue \"amazon.com\"`（または Amazon を除外している CAA レコードを削除します）。"
                )),
                _ => f
                    .step(tr!("Check the validation records:", "検証用レコードを確認します:"))
                    .command(recipes::describe_certificate(arn, region, "Certificate.RenewalSummary"))
                    .step(tr!(
                        "Make sure each DNS validation CNAME it lists exists, unchanged, in the domain's DNS (Route 53 console: Hosted zones → the zone → records).",
                        "表示された DNS 検証用の CNAME がすべて、変更されずにドメインの DNS に存在することを確認します（Route 53 コンソール: ホストゾーン → 対象のゾーン → レコード）。"
                    )),
            };
            out.push(f.step(tr!(
                "ACM retries validation by itself for up to 72 hours; after that, request a new certificate and attach it.",
                "ACM は最大 72 時間、自動で検証を再試行します。それを過ぎたら新しい証明書をリクエストして差し替えてください。"
            )));
        }
        if matches!(
            c.status,
            CertificateStatus::Failed | CertificateStatus::ValidationTimedOut
        ) {
            let reason = c
                .failure_reason
                .clone()
                .unwrap_or_else(|| c.status.to_string());
            let (arn, name, region, status) = (&c.arn, &c.domain_name, &c.region, &c.status);
            out.push(
                Finding::new(RenewalFailed::ID, if in_use { Severity::High } else { Severity::Low }, &c.arn, &c.region)
                    .hostname(&c.domain_name)
                    .key("issuance")
                    .title(tr!(
                        "Certificate request for {name} {status} ({reason})",
                        "{name} の証明書リクエストが {status} になりました（{reason}）"
                    ))
                    .detail(tr!(
                        "ACM could not issue {arn} ({name}): {reason}. It will never become usable.",
                        "ACM は {arn}（{name}）を発行できませんでした（理由: {reason}）。この証明書が使えるようになることはありません。"
                    ))
                    .evidence("status", &c.status)
                    .evidence("failure_reason", &c.failure_reason)
                    .step(tr!(
                        "Delete it and request again once the cause is fixed:",
                        "原因を取り除いたら、削除してリクエストし直します:"
                    ))
                    .command(recipes::delete_certificate(arn, region))
                    .step(tr!(
                        "For DNS validation, create the CNAME records ACM lists within 72 hours of the request.",
                        "DNS 検証の場合は、リクエストから 72 時間以内に ACM が示す CNAME レコードを作成してください。"
                    )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{DomainValidation, Inventory, RenewalSummary};
    use crate::testkit::*;

    fn with_renewal(status: &str, reason: Option<&str>, days: i64) -> Inventory {
        let mut inv = Inventory::default();
        let mut c = cert("r", &["shop.example.com", "www.shop.example.com"], days);
        c.in_use = Some(true);
        c.renewal = Some(RenewalSummary {
            status: status.into(),
            reason: reason.map(str::to_string),
            updated_at: Some(now()),
            validations: vec![
                DomainValidation {
                    domain_name: "shop.example.com".into(),
                    status: Some("SUCCESS".into()),
                    ..Default::default()
                },
                DomainValidation {
                    domain_name: "www.shop.example.com".into(),
                    status: Some("PENDING_VALIDATION".into()),
                    ..Default::default()
                },
            ],
        });
        inv.certificates.push(c);
        inv
    }

    #[test]
    fn failed_renewal_names_reason_and_pending_domains() {
        let f = run_check(
            &RenewalFailed,
            &with_renewal("FAILED", Some("CAA_ERROR"), 40),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("CAA_ERROR"));
        assert_eq!(
            f[0].evidence["pending_domains"],
            serde_json::json!(["www.shop.example.com"])
        );
        assert!(f[0].remediation[0].contains("CAA"));
    }

    #[test]
    fn pending_validation_close_to_expiry_is_critical() {
        let f = run_check(
            &RenewalFailed,
            &with_renewal("PENDING_VALIDATION", Some("PENDING_DOMAIN_VALIDATION"), 3),
        );
        assert_eq!(f[0].severity, Severity::Critical);
    }

    #[test]
    fn healthy_renewal_is_silent() {
        assert!(run_check(&RenewalFailed, &with_renewal("SUCCESS", None, 40)).is_empty());
        assert!(
            run_check(
                &RenewalFailed,
                &with_renewal("PENDING_AUTO_RENEWAL", None, 50)
            )
            .is_empty()
        );
    }

    #[test]
    fn failed_issuance_is_reported() {
        let mut inv = Inventory::default();
        let mut c = cert("f", &["a.example.com"], 300);
        c.status = "FAILED".into();
        c.failure_reason = Some("CAA_ERROR".into());
        inv.certificates.push(c);
        let f = run_check(&RenewalFailed, &inv);
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("CAA_ERROR"));
    }
}
