//! `served_certificate_expired` — the certificate a visitor receives is out of date.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The endpoint serves a certificate past its notAfter date (or an intermediate that expired on the path a browser builds), or one whose notBefore is still in the future. An expired extra certificate sent beside a chain that is valid without it (an old cross-sign) is not reported.",
        "エンドポイントが notAfter を過ぎた証明書（またはブラウザが組み立てる経路上の期限切れの中間証明書）、あるいは notBefore がまだ来ていない証明書を返している状態。それがなくても有効なチェーンに添えて送られた期限切れの余分な証明書（古いクロス署名）は報告しません。",
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
        // A browser builds its own path from the served certificates: when one that is
        // valid now reaches a trusted root, an expired extra certificate sent along (an
        // old cross-sign) is not on it and changes nothing for visitors.
        let path_valid_now = || {
            matches!(
                ctx.trust.verify(
                    &h.tls.served_chain,
                    rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                        now.max(0) as u64
                    ))
                ),
                crate::pki::trust::Verdict::Trusted { .. }
            )
        };
        for (i, c) in chain.iter().enumerate() {
            // A self-signed root sent along is ignored by browsers; don't judge it.
            if i > 0 && c.is_self_issued() {
                continue;
            }
            if i > 0 && c.not_after < now && path_valid_now() {
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
    use crate::probe::HostFacts;
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

    /// Issue 10: an expired extra certificate (an old cross-sign) beside a chain that is
    /// valid without it is not "expired": the browser builds its path around it. Its
    /// twin: served where the path needs an issuer, the expired certificate is reported.
    #[test]
    fn an_expired_cross_sign_off_the_path_is_not_expired() {
        let ca = test_ca();
        let mut chain = ca.chain(&LeafSpec::new(&["a.example.com"]));
        chain.push(ca.expired_cross_sign());
        let h = host_serving("a.example.com", chain.clone());
        let run = |h: HostFacts| {
            run_live(
                &ServedCertificateExpired,
                &Inventory::default(),
                &[h],
                &Config::default(),
            )
        };
        assert!(run(h).is_empty());
        // Without the real intermediate no valid path exists: the expired one counts.
        chain.remove(1);
        let f = run(host_serving("a.example.com", chain));
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("intermediate"), "{}", f[0].title);
    }

    #[test]
    fn valid_certificate_is_silent() {
        assert!(served(LeafSpec::new(&["a.example.com"])).is_empty());
    }
}
