//! `served_certificate_expired` — the certificate a visitor receives is out of date.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The endpoint serves a certificate past its notAfter date (or an intermediate that expired), or one whose notBefore is still in the future.",
        "エンドポイントが notAfter を過ぎた証明書（または期限切れの中間証明書）、あるいは notBefore がまだ来ていない証明書を返している状態。",
    ),
    browser: label!(
        "NET::ERR_CERT_DATE_INVALID (Chrome, Edge) / SEC_ERROR_EXPIRED_CERTIFICATE or SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE (Firefox).",
        "NET::ERR_CERT_DATE_INVALID（Chrome、Edge）/ SEC_ERROR_EXPIRED_CERTIFICATE または SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE（Firefox）。",
    ),
    fix: label!(
        "Attach the renewed certificate to the endpoint that serves this hostname (or re-import it under the same ARN), and check the served chain's intermediates.",
        "このホスト名を配信しているエンドポイントに更新済みの証明書を関連付け（または同じ ARN に再インポートし）、配信中のチェーンの中間証明書も確認します。",
    ),
};

declare_check!(
    ServedCertificateExpired,
    "served_certificate_expired",
    Cause::Expired
);

fn fmt(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ts.to_string())
}

fn run(ctx: &Context) -> Vec<Finding> {
    let now = ctx.now.timestamp();
    let mut out = Vec::new();
    for h in ctx.hosts {
        let chain = h.served_chain_facts();
        for (i, c) in chain.iter().enumerate() {
            // A self-signed root sent along is ignored by browsers; don't judge it.
            if i > 0 && c.is_self_issued() {
                continue;
            }
            let role = if i == 0 {
                tr!("certificate", "証明書")
            } else {
                tr!("intermediate certificate", "中間証明書")
            };
            let (role_en, role_ja) = (&role.en, &role.ja);
            let (host, subject) = (&h.hostname, &c.subject);
            let (title, detail, sev, key) = if c.not_after < now {
                let (when, ago) = (fmt(c.not_after), (now - c.not_after) / 86_400);
                (
                    tr!(
                        "{host} serves an expired {role_en}",
                        "{host} が期限切れの{role_ja}を配信しています"
                    ),
                    if ago > 0 {
                        tr!(
                            "The served {role_en} {subject} expired on {when} ({ago} day(s) ago).",
                            "配信中の{role_ja} {subject} は {when} に期限切れになっています（{ago} 日前）。"
                        )
                    } else {
                        tr!(
                            "The served {role_en} {subject} expired on {when}, less than a day ago.",
                            "配信中の{role_ja} {subject} は {when} に期限切れになったばかりです。"
                        )
                    },
                    Severity::Critical,
                    format!("expired/{i}"),
                )
            } else if c.not_before > now {
                let from = fmt(c.not_before);
                (
                    tr!(
                        "{host} serves a {role_en} that is not valid yet",
                        "{host} がまだ有効期間が始まっていない{role_ja}を配信しています"
                    ),
                    tr!(
                        "The served {role_en} {subject} is valid only from {from}.",
                        "配信中の{role_ja} {subject} の有効期間は {from} からです。"
                    ),
                    Severity::High,
                    format!("not-yet-valid/{i}"),
                )
            } else {
                continue;
            };
            let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
            out.push(
                Finding::new(ServedCertificateExpired::ID, sev, &resource, &region)
                    .hostname(&h.hostname)
                    .key(key)
                    .title(title)
                    .detail(detail)
                    .evidence("subject", &c.subject)
                    .evidence("not_before", fmt(c.not_before))
                    .evidence("not_after", fmt(c.not_after))
                    .evidence("serial", &c.serial_hex)
                    .step(tr!(
                        "Find which certificate the endpoint is configured with (aws elbv2 describe-listener-certificates / the distribution's viewer certificate) and attach the renewed one.",
                        "エンドポイントに設定されている証明書を確認し（aws elbv2 describe-listener-certificates、またはディストリビューションのビューワー証明書）、更新済みの証明書に差し替えます。"
                    ))
                    .step(tr!(
                        "For an imported certificate, re-import the renewed certificate and chain under the same ARN (aws acm import-certificate --certificate-arn …).",
                        "インポートした証明書の場合は、更新した証明書とチェーンを同じ ARN に再インポートします（aws acm import-certificate --certificate-arn …）。"
                    )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;
    use chrono::Duration;

    fn served(spec: LeafSpec) -> Vec<Finding> {
        let h = host_serving("a.example.com", test_ca().chain(&spec));
        run_live(
            &ServedCertificateExpired,
            &Inventory::default(),
            &[h],
            &Config::default(),
        )
    }

    #[test]
    fn expired_and_not_yet_valid_are_caught() {
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_before = now() - Duration::days(100);
        s.not_after = now() - Duration::days(1);
        let f = served(s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_before = now() + Duration::days(2);
        s.not_after = now() + Duration::days(90);
        assert_eq!(served(s)[0].severity, Severity::High);
    }

    #[test]
    fn valid_certificate_is_silent() {
        assert!(served(LeafSpec::new(&["a.example.com"])).is_empty());
    }
}
