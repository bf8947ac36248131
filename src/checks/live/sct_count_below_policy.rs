//! `sct_count_below_policy` — a publicly trusted leaf without the SCTs Chrome requires.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::ct_logs::judge;
use crate::pki::trust::{Verdict, time_within_validity};

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A served leaf that chains to a publicly trusted root but whose embedded SCTs do not satisfy Chrome's CT policy (2 SCTs for a lifetime up to 180 days, else 3, from logs Qualified/Usable/ReadOnly — or Retired after the SCT — with one from a current log, from at least 2 operators, the certificate expiring inside each log's temporal interval) or Apple's (2 up to 180 days, 3 up to 398). SCTs are judged with the bundled CT log list or the newer one CT_LOG_LIST names; an SCT from a log that list does not know is never more than information. Chains to EXTRA_TRUSTED_CA_PEM roots are exempt.",
        "パブリックに信頼されたルートにつながるのに、埋め込まれた SCT が Chrome の CT ポリシー（有効期間 180 日以下なら 2 個、それ以外は 3 個。ログは Qualified/Usable/ReadOnly、または SCT の後に Retired になったもので、1 個は現役のログから、運営者は 2 者以上、証明書の有効期限が各ログの temporal interval 内）または Apple のポリシー（180 日以下は 2 個、398 日以下は 3 個）を満たさない、配信中のリーフ証明書。SCT は同梱の CT ログリスト、または CT_LOG_LIST が指す新しいリストで判定します。リストにないログの SCT は情報レベルを超えません。EXTRA_TRUSTED_CA_PEM のルートにつながるチェーンは対象外です。",
    ),
    browser: label!(
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED (Chrome, Edge); Safari refuses the connection (\"This Connection Is Not Private\").",
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED（Chrome、Edge）。Safari も接続を拒否します（「この接続はプライベートではありません」）。",
    ),
    fix: label!(
        "Replace the certificate with one issued with certificate transparency logging (an Amazon-issued ACM certificate with the default CT preference, or ask your CA), and deploy it. When only logs the list does not know are involved, point CT_LOG_LIST at a current log list first.",
        "証明書の透明性ログ付きで発行された証明書（CT の設定が既定のままの Amazon 発行の ACM 証明書、または CA に依頼）に置き換えて配置します。リストにないログだけが関わる場合は、まず CT_LOG_LIST を最新のログリストに向けてください。",
    ),
};

declare_check!(
    SctCountBelowPolicy,
    "sct_count_below_policy",
    Cause::CertificateTransparency
);

fn run(ctx: &Context) -> Vec<Finding> {
    let logs = ctx.ct_logs;
    let mut out = Vec::new();
    for h in ctx.hosts {
        let Some(Ok(leaf)) = h.served_leaf() else {
            continue;
        };
        let at = time_within_validity(&leaf, ctx.now.timestamp());
        if ctx.trust.verify(&h.tls.served_chain, at) != (Verdict::Trusted { via_extra: false }) {
            continue; // untrusted chains are served_chain_untrusted's; private roots are exempt
        }
        let j = judge(logs, &leaf);
        if j.failed.is_empty() {
            continue;
        }
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let host = &h.hostname;
        let (have, ops, needed, days) = (
            j.counted.len(),
            j.operators,
            j.chrome_needed,
            j.lifetime_days,
        );
        let list = logs.label();
        let policies = j.failed.join(", ");
        let mut f = Finding::new(SctCountBelowPolicy::ID, Severity::High, &resource, &region)
            .hostname(host)
            .evidence("lifetime_days", days)
            .evidence("scts_needed", needed)
            .evidence("apple_scts_needed", j.apple_needed)
            .evidence("policies_failed", &j.failed)
            .evidence("known_scts", &j.counted)
            .evidence("not_counted", &j.not_counted)
            .evidence("unknown_log_ids", &j.unknown)
            .evidence("log_list", &list);
        if j.unknown_could_satisfy {
            // A newer list may well know these logs (new shards every half-year): what
            // the browser does cannot be told from here, so it is information.
            let (n, ids) = (j.unknown.len(), j.unknown.join(", "));
            f = f
                .severity(Severity::Info)
                .key("unknown-logs")
                .title(tr!(
                    "{host}: {n} SCT(s) come from logs the CT log list of {list} does not know",
                    "{host}: {n} 個の SCT が、CT ログリスト（{list}）にないログのものです"
                ))
                .detail(tr!(
                    "The leaf ({days} days of validity) embeds {have} SCT(s) from known logs of {ops} operator(s) and {n} from unknown logs ({ids}). With them it may well satisfy Chrome's and Apple's policies; with the known ones alone it does not ({policies}).",
                    "リーフ証明書（有効期間 {days} 日）には、既知のログの SCT が {have} 個（運営者 {ops} 者）、未知のログの SCT が {n} 個（{ids}）埋め込まれています。未知のものを含めれば Chrome と Apple のポリシーを満たす可能性が高く、既知のものだけでは満たしません（{policies}）。"
                ))
                .step(tr!(
                    "Point CT_LOG_LIST at a current log list (a file, or https://www.gstatic.com/ct/log_list/v3/log_list.json) so these SCTs are judged.",
                    "CT_LOG_LIST を最新のログリスト（ファイル、または https://www.gstatic.com/ct/log_list/v3/log_list.json）に向けて、これらの SCT も判定されるようにします。"
                ));
            out.push(f);
            continue;
        }
        if j.failed == ["Apple"] {
            f = f.severity(Severity::Medium);
        }
        let mut detail = tr!(
            "The leaf ({days} days of validity) embeds {have} SCT(s) that count, from {ops} operator(s) (judged with the CT log list of {list}).",
            "リーフ証明書（有効期間 {days} 日）に埋め込まれた SCT のうち有効なものは {have} 個（運営者 {ops} 者）です（CT ログリスト {list} で判定）。"
        );
        if !j.not_counted.is_empty() {
            let why = j.not_counted.join("; ");
            detail.push(&tr!("Not counted: {why}.", "数えなかったもの: {why}。"));
        }
        detail.push(&tr!(
            "Chrome's policy needs {needed} SCTs from at least 2 distinct operators; failed: {policies}.",
            "Chrome のポリシーでは、2 者以上の異なる運営者のログから {needed} 個の SCT が必要です。満たしていないポリシー: {policies}。"
        ));
        out.push(
            f.title(tr!(
                "{host} serves a certificate with {have} usable SCT(s); Chrome requires {needed} from 2 operators",
                "{host} の証明書で有効な SCT が {have} 個しかありません（Chrome は 2 者の運営者から {needed} 個を要求します）"
            ))
            .detail(detail)
            .step(tr!(
                "Request a certificate with CT logging enabled:",
                "CT ログを有効にした証明書をリクエストします:"
            ))
            .command(recipes::request_certificate_with_ct(host, None))
            .step(tr!(
                "Attach it where this hostname is served, then delete the old certificate.",
                "このホスト名を配信しているリソースに関連付けてから、古い証明書を削除します。"
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    // Logs of the bundled list whose temporal interval holds 2026-12-15 (the fixtures'
    // expiry): Argon2026h2, Xenon2026h2 (Google), Nimbus2026 (Cloudflare), Wyvern2026h2
    // (DigiCert); Argon2026h1 ended on 2026-07-01.
    const GOOGLE: &str = "1219ENGn9XfCx+lf1wC/+YLJM1pl4dCzAXMXwMjFaXc=";
    const CLOUDFLARE: &str = "yzj3FYl8hKFEX1vB3fvJbvKaWc1HCmkFhbDLFMMUWOc=";
    const GOOGLE_2: &str = "2AlVO5RPev/IFhlvlE+Fq7D4/F6HVSYPFdEucrtFSxQ=";
    const DIGICERT: &str = "wjF+V0UZo0XufzjespBB68fCIVoiv3/Vta12mtkOUs0=";
    const ARGON_2026H1: &str = "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=";
    const UNKNOWN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const UNKNOWN_2: &str = "1lMiWmn4wFiCAoH+wGx1rByVnF7tg3dPqgHtq3iGGGo=";
    const UNKNOWN_3: &str = "SGklSV/vwDWljoE592RiTfCxuBmrvSCKGQt7oKUn9Xw=";

    fn served(scts: &[&str], days: i64) -> Vec<Finding> {
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_after = now() + chrono::Duration::days(17);
        s.not_before = s.not_after - chrono::Duration::days(days);
        s.scts = scts.iter().map(|s| s.to_string()).collect();
        let h = host_serving("a.example.com", test_ca().chain(&s));
        run_live(
            &SctCountBelowPolicy,
            &Inventory::default(),
            &[h],
            &Config::default(),
        )
    }

    #[test]
    fn two_scts_from_two_operators_satisfy_a_short_lived_certificate() {
        assert!(served(&[GOOGLE, CLOUDFLARE], 90).is_empty());
    }

    #[test]
    fn too_few_or_one_operator_is_a_finding() {
        assert_eq!(served(&[GOOGLE], 90).len(), 1);
        assert_eq!(
            served(&[GOOGLE, GOOGLE_2], 90).len(),
            1,
            "one operator only"
        );
        assert_eq!(served(&[], 90).len(), 1);
        assert_eq!(
            served(&[GOOGLE, CLOUDFLARE], 200).len(),
            1,
            "over 180 days needs 3"
        );
        // Regression (the test kit): three SCTs made a non-minimal DER length, so the
        // chain was untrusted and this assertion passed without judging anything.
        assert!(served(&[GOOGLE, CLOUDFLARE, DIGICERT], 200).is_empty());
        assert_eq!(served(&[GOOGLE, GOOGLE_2, DIGICERT], 200).len(), 0);
        assert_eq!(
            served(&[GOOGLE, GOOGLE_2, GOOGLE], 200).len(),
            1,
            "three SCTs of one operator (one counted twice) fail"
        );
    }

    /// Regression (real estates): a healthy certificate issued this year embeds SCTs
    /// from 2027 shards the 2025 list does not know, and that was a HIGH on nearly every
    /// public site. Unknown logs are never more than information, and say which ids.
    #[test]
    fn unknown_logs_are_information_naming_the_ids() {
        let f = served(&[GOOGLE, UNKNOWN], 90);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        assert_eq!(f[0].evidence["unknown_log_ids"][0], UNKNOWN);
        assert_eq!(f[0].evidence["log_list"], "2025-06-22 (bundled)");
        let f = served(&[UNKNOWN, UNKNOWN_2, UNKNOWN_3], 200);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info, "{f:#?}");
        // Too few SCTs even if every unknown log were good: that is still a finding.
        let f = served(&[UNKNOWN], 90);
        assert_eq!(f[0].severity, Severity::High);
    }

    /// Chrome: a log only accepts certificates expiring inside its temporal interval, so
    /// an SCT of a shard that ended before the expiry does not count.
    #[test]
    fn an_sct_outside_the_logs_temporal_interval_does_not_count() {
        let f = served(&[ARGON_2026H1, CLOUDFLARE], 90);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].detail.contains("temporal interval"), "{}", f[0].detail);
    }

    /// Log states: a list dated later, where one log is retired before the SCT and
    /// another is rejected, counts neither; a retired log whose SCT came first counts.
    #[test]
    fn log_states_decide_what_counts() {
        use crate::pki::ct_logs::{CtLogs, judge};
        let list = |state: &str| {
            format!(
                r#"{{"log_list_timestamp":"2026-11-30T00:00:00Z","operators":[
                {{"name":"A","logs":[{{"description":"A 2026h2","log_id":"{GOOGLE}","state":{state},
                  "temporal_interval":{{"start_inclusive":"2026-07-01T00:00:00Z","end_exclusive":"2027-01-01T00:00:00Z"}}}}]}},
                {{"name":"B","logs":[{{"description":"B 2026","log_id":"{CLOUDFLARE}","state":{{"usable":{{"timestamp":"2025-01-01T00:00:00Z"}}}}}}]}}]}}"#
            )
        };
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_after = now() + chrono::Duration::days(17);
        s.not_before = s.not_after - chrono::Duration::days(90);
        s.scts = vec![GOOGLE.into(), CLOUDFLARE.into()];
        let leaf = crate::pki::x509::parse_der(&test_ca().leaf(&s)).unwrap();
        let sct_ms = leaf.embedded_scts[0].timestamp_ms as i64;
        let at = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
                .unwrap()
                .to_rfc3339()
        };
        for (state, passes) in [
            (
                r#"{"usable":{"timestamp":"2025-01-01T00:00:00Z"}}"#.to_string(),
                true,
            ),
            (
                format!(r#"{{"retired":{{"timestamp":"{}"}}}}"#, at(sct_ms + 1000)),
                true,
            ),
            (
                format!(r#"{{"retired":{{"timestamp":"{}"}}}}"#, at(sct_ms - 1000)),
                false,
            ),
            (
                r#"{"rejected":{"timestamp":"2026-01-01T00:00:00Z"}}"#.to_string(),
                false,
            ),
        ] {
            let logs = CtLogs::parse(&list(&state), "test").unwrap();
            let j = judge(&logs, &leaf);
            assert_eq!(j.failed.is_empty(), passes, "{state}: {j:#?}");
        }
    }

    /// Apple's table ends at 398 days; Chrome's does not: a 400-day certificate with
    /// three good SCTs fails Apple only.
    #[test]
    fn apple_fails_alone_past_398_days() {
        use crate::pki::ct_logs::{CtLogs, judge};
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_after = now() + chrono::Duration::days(17);
        s.scts = vec![GOOGLE.into(), CLOUDFLARE.into(), DIGICERT.into()];
        let mut leaf = crate::pki::x509::parse_der(&test_ca().leaf(&s)).unwrap();
        for (days, failed) in [(200, vec![]), (400, vec!["Apple"])] {
            leaf.not_before = leaf.not_after - days * 86_400;
            assert_eq!(
                judge(CtLogs::bundled(), &leaf).failed,
                failed,
                "{days} days"
            );
        }
    }

    #[test]
    fn untrusted_or_privately_trusted_chains_are_exempt() {
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.scts = vec![];
        let h = host_serving("a.example.com", vec![test_ca().leaf(&s)]); // incomplete chain: untrusted
        assert!(
            run_live(
                &SctCountBelowPolicy,
                &Inventory::default(),
                &[h],
                &Config::default()
            )
            .is_empty()
        );
        let hosts = [host_serving("a.example.com", test_ca().chain(&s))];
        assert!(
            run_trusting_extra(&SctCountBelowPolicy, &hosts, "", &test_ca().root_pem).is_empty()
        );
    }
}
