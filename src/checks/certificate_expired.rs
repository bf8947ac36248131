//! `certificate_expired` — an ACM certificate that has expired.
//!
//! **Detects** a certificate whose status is `EXPIRED` or whose `NotAfter` has passed.
//! **Browser** shows `NET::ERR_CERT_DATE_INVALID` (Chrome) /
//! `SEC_ERROR_EXPIRED_CERTIFICATE` (Firefox) on every site that still serves it.
//! **Fix**: request (or import) a new certificate, attach it where the old one is used,
//! then delete the old one.

use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "An ACM certificate whose status is EXPIRED or whose NotAfter date has passed.",
    browser: "NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE (Firefox) on every hostname that serves it.",
    fix: "Request or import a replacement certificate, attach it to every listener and distribution that uses the expired one, then delete the expired certificate.",
    detects_ja: "ステータスが EXPIRED、または NotAfter の日時を過ぎた ACM 証明書。",
    browser_ja: "この証明書を配信しているすべてのホスト名で NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE（Firefox）。",
    fix_ja: "代わりの証明書をリクエストまたはインポートし、期限切れの証明書を使っているすべてのリスナーとディストリビューションに関連付けてから、期限切れの証明書を削除します。",
};

declare_check!(CertificateExpired, "certificate_expired", Cause::Expired);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        let past = c.not_after.is_some_and(|na| na <= ctx.now);
        if c.status != "EXPIRED" && !past {
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
        let (arn, name, region) = (&c.arn, &c.domain_name, &c.region);
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
            f = f
                .detail(tr!(
                    "The certificate {arn} ({name}) expired on {when}. Nothing uses it, so no visitor sees it.",
                    "証明書 {arn}（{name}）は {when} に期限切れになっています。どこにも使われていないため、訪問者への影響はありません。"
                ))
                .step(tr!(
                    "Delete it to keep the inventory clean:",
                    "棚卸しを分かりやすく保つため、削除してください:"
                ))
                .command(format!(
                    "aws acm delete-certificate --certificate-arn {arn} --region {region}"
                ));
        }
        out.push(f);
    }
    out
}

/// Steps to replace a certificate that will not (or did not) renew by itself.
pub(crate) fn replacement_steps(f: Finding, c: &crate::inventory::Certificate) -> Finding {
    let names = c
        .sans
        .iter()
        .filter(|s| **s != c.domain_name)
        .map(|s| s.as_str())
        .collect::<Vec<_>>();
    let (arn, region) = (&c.arn, &c.region);
    if c.cert_type == "IMPORTED" {
        f.step(tr!(
            "Obtain a renewed certificate (and its intermediate chain) from your CA, then re-import it under the same ARN so every user picks it up:",
            "発行元の CA から更新後の証明書（と中間証明書チェーン）を入手し、同じ ARN に再インポートします。同じ ARN なら、使用中のリソースすべてに自動で反映されます:"
        ))
        .command(format!(
            "aws acm import-certificate --certificate-arn {arn} --certificate fileb://cert.pem --private-key fileb://key.pem --certificate-chain fileb://chain.pem --region {region}"
        ))
    } else {
        let san_arg = if names.is_empty() {
            String::new()
        } else {
            format!(" --subject-alternative-names {}", names.join(" "))
        };
        f.step(tr!("Request a replacement:", "代わりの証明書をリクエストします:"))
            .command(format!(
                "aws acm request-certificate --domain-name {}{san_arg} --validation-method DNS --region {region}",
                c.domain_name
            ))
            .step(tr!(
                "Create the DNS validation CNAME records it asks for (console: Certificate Manager → the certificate → \"Create records in Route 53\").",
                "求められた DNS 検証用の CNAME レコードを作成します（コンソールの場合: Certificate Manager → 対象の証明書 →「Route 53 でレコードを作成」）。"
            ))
            .step(tr!(
                "Attach the new certificate where the old one is used (aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN, or the distribution's viewer certificate), then delete the old certificate.",
                "古い証明書を使っている箇所を新しい証明書に差し替え（aws elbv2 modify-listener --certificates CertificateArn=NEW_ARN、またはディストリビューションのビューワー証明書）、その後で古い証明書を削除します。"
            ))
    }
}

/// Where a certificate is used, as the `in_use_by` evidence lists it.
pub(crate) fn usage_labels(inv: &crate::inventory::Inventory, arn: &str) -> Vec<String> {
    inv.usages(arn).iter().map(usage_label).collect()
}

/// A short label for where a certificate is used.
pub(crate) fn usage_label(u: &crate::inventory::Usage) -> String {
    use crate::inventory::Usage;
    match u {
        Usage::Listener {
            listener_arn,
            is_default,
            ..
        } => {
            format!(
                "{listener_arn} ({})",
                if *is_default { "default" } else { "SNI" }
            )
        }
        Usage::Distribution { arn } => arn.clone(),
        Usage::InUseBy { arn } => arn.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::inventory::Inventory;

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

    #[test]
    fn valid_certificate_is_not_expired() {
        let mut inv = Inventory::default();
        inv.certificates
            .push(cert("ok", &["a.example.com"], 0).clone());
        inv.certificates[0].not_after = Some(now() + chrono::Duration::minutes(5));
        assert!(run_check(&CertificateExpired, &inv).is_empty());
    }
}
