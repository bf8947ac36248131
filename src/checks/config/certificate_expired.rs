//! `certificate_expired` — an ACM certificate that has expired.

use crate::checks::common::recipes::{cleanup_steps, replacement_steps};
use crate::checks::common::usage::usage_label;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An ACM certificate whose status is EXPIRED or whose NotAfter date has passed.",
        "ステータスが EXPIRED、または NotAfter の日時を過ぎた ACM 証明書。",
    ),
    browser: label!(
        "NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox) on every hostname that serves it.",
        "この証明書を配信しているすべてのホスト名で NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "Request or import a replacement certificate, attach it to every listener and distribution that uses the expired one, then delete the expired certificate.",
        "代わりの証明書をリクエストまたはインポートし、期限切れの証明書を使っているすべてのリスナーとディストリビューションに関連付けてから、期限切れの証明書を削除します。",
    ),
};

declare_check!(CertificateExpired, "certificate_expired", Cause::Expired);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        let past = c.not_after.is_some_and(|na| na <= ctx.now);
        if c.status != CertificateStatus::Expired && !past {
            continue;
        }
        let users = inv.usages(&c.arn);
        let in_use = inv.is_in_use(c);
        let severity = if in_use {
            Severity::Critical
        } else {
            Severity::Low
        };
        let when = c
            .not_after
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "?".into());
        let (arn, name) = (&c.arn, &c.domain_name);
        let mut f = Finding::new(CertificateExpired::ID, severity, &c.arn, &c.region)
            .hostname(&c.domain_name)
            .title(tr!(
                "Certificate for {name} expired on {when}",
                "{name} の証明書は {when} に有効期限が切れています"
            ))
            .evidence("status", &c.status)
            .evidence("not_after", c.not_after)
            .evidence("type", &c.cert_type)
            .evidence(
                "in_use_by",
                users.iter().map(usage_label).collect::<Vec<_>>(),
            );
        if in_use {
            let n = users.len().max(1);
            f = f.detail(tr!(
                "The certificate {arn} ({name}) expired on {when} and is still attached to {n} resource(s); every visitor gets a certificate-date error.",
                "証明書 {arn}（{name}）は {when} に期限切れとなりましたが、まだ {n} 件のリソースに関連付けられています。すべての訪問者に証明書の日付エラーが表示されます。"
            ));
            f = replacement_steps(f, c);
        } else {
            f = cleanup_steps(
                f.detail(tr!(
                    "The certificate {arn} ({name}) expired on {when}. Nothing uses it, so no visitor sees it.",
                    "証明書 {arn}（{name}）は {when} に期限切れになっています。どこにも使われていないため、訪問者への影響はありません。"
                )),
                c,
            );
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    #[test]
    fn in_use_expired_certificate_is_critical() {
        let mut inv = Inventory::default();
        let mut c = cert("old", &["shop.example.com"], -2);
        c.status = "EXPIRED".into();
        inv.certificates.push(c);
        let mut lb = alb("shop");
        lb.listeners.push(with_certs(
            listener("shop", 443, "HTTPS", forward()),
            "old",
            &[],
        ));
        inv.load_balancers.push(lb);
        let f = run_check(&CertificateExpired, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].remediation
                .iter()
                .any(|s| s.contains("request-certificate"))
        );
    }

    #[test]
    fn past_not_after_counts_even_if_status_lags() {
        let mut inv = Inventory::default();
        inv.certificates.push(cert("lag", &["a.example.com"], -1));
        let f = run_check(&CertificateExpired, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].severity,
            Severity::Low,
            "unused expired certificate is only clean-up"
        );
    }

    /// An exported certificate is deployed outside AWS: expired, it is urgent and is
    /// replaced, never "delete it, nothing uses it".
    #[test]
    fn exported_expired_certificate_is_critical_and_never_advised_for_deletion() {
        let mut inv = Inventory::default();
        let mut c = cert("exported", &["vpn.example.com"], -1);
        c.exported = true;
        inv.certificates.push(c);
        let f = run_check(&CertificateExpired, &inv);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(
            f[0].remediation
                .iter()
                .all(|s| !s.contains("delete-certificate"))
        );
        assert_eq!(
            f[0].evidence["in_use_by"],
            serde_json::json!(["exported (installed outside AWS)"])
        );
    }

    #[test]
    fn valid_certificate_is_not_expired() {
        let mut inv = Inventory::default();
        inv.certificates
            .push(cert("ok", &["a.example.com"], 0).clone());
        inv.certificates[0].not_after = Some(now() + chrono::Duration::minutes(5));
        assert!(run_check(&CertificateExpired, &inv).is_empty());
    }
}
