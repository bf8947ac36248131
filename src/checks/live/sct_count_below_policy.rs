//! `sct_count_below_policy` — a publicly trusted leaf without the SCTs Chrome requires.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::ct_logs::known_logs;
use crate::pki::trust::{Verdict, time_within_validity};
use std::collections::BTreeSet;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A served leaf that chains to a publicly trusted root but embeds fewer SCTs than Chrome's CT policy needs (2 for a lifetime up to 180 days, else 3, from at least 2 distinct log operators). Chains to EXTRA_TRUSTED_CA_PEM roots are exempt.",
        "パブリックに信頼されたルートにつながるのに、Chrome の CT ポリシーが求める数の SCT（有効期間 180 日以下なら 2 個、それ以外は 3 個、2 者以上の異なるログ運営者から）を埋め込んでいない、配信中のリーフ証明書。EXTRA_TRUSTED_CA_PEM のルートにつながるチェーンは対象外です。",
    ),
    browser: label!(
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED (Chrome, Edge); Safari refuses the connection.",
        "NET::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED（Chrome、Edge）。Safari も接続を拒否します。",
    ),
    fix: label!(
        "Replace the certificate with one issued with certificate transparency logging (an Amazon-issued ACM certificate with the default CT preference, or ask your CA), and deploy it.",
        "証明書の透明性ログ付きで発行された証明書（CT の設定が既定のままの Amazon 発行の ACM 証明書、または CA に依頼）に置き換えて配置します。",
    ),
};

declare_check!(
    SctCountBelowPolicy,
    "sct_count_below_policy",
    Cause::CertificateTransparency
);

fn run(ctx: &Context) -> Vec<Finding> {
    let logs = known_logs();
    let mut out = Vec::new();
    for h in ctx.hosts {
        let Some(Ok(leaf)) = h.served_leaf() else {
            continue;
        };
        let at = time_within_validity(&leaf, ctx.now.timestamp());
        if ctx.trust.verify(&h.tls.served_chain, at) != (Verdict::Trusted { via_extra: false }) {
            continue; // untrusted chains are served_chain_untrusted's; private roots are exempt
        }
        let lifetime_days = (leaf.not_after - leaf.not_before) / 86_400;
        let needed = if lifetime_days <= 180 { 2 } else { 3 };
        let known: Vec<&(String, String)> = leaf
            .embedded_scts
            .iter()
            .filter_map(|s| logs.by_id.get(&s.log_id))
            .collect();
        let operators: BTreeSet<&str> = known.iter().map(|(op, _)| op.as_str()).collect();
        if known.len() >= needed && operators.len() >= 2 {
            continue;
        }
        let unknown: Vec<&str> = leaf
            .embedded_scts
            .iter()
            .filter(|s| !logs.by_id.contains_key(&s.log_id))
            .map(|s| s.log_id.as_str())
            .collect();
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let (host, have, ops) = (&h.hostname, known.len(), operators.len());
        let mut detail = tr!(
            "The leaf ({lifetime_days} days of validity) embeds {have} SCT(s) from known logs of {ops} operator(s).",
            "リーフ証明書（有効期間 {lifetime_days} 日）に埋め込まれた SCT のうち、既知のログのものは {have} 個（運営者 {ops} 者）です。"
        );
        if !unknown.is_empty() {
            let (n, date) = (unknown.len(), &logs.snapshot_date);
            detail.push(&tr!(
                "{n} more come from logs not in the log-list snapshot of {date}.",
                "ほかに {date} 時点のログリストにないログの SCT が {n} 個あります。"
            ));
        }
        detail.push(&tr!(
            "Chrome's policy needs {needed} SCTs from at least 2 distinct operators.",
            "Chrome のポリシーでは、2 者以上の異なる運営者のログから {needed} 個の SCT が必要です。"
        ));
        out.push(
            Finding::new(SctCountBelowPolicy::ID, Severity::High, &resource, &region)
                .hostname(&h.hostname)
                .title(tr!(
                    "{host} serves a certificate with {have} usable SCT(s); Chrome requires {needed} from 2 operators",
                    "{host} の証明書で有効な SCT が {have} 個しかありません（Chrome は 2 者の運営者から {needed} 個を要求します）"
                ))
                .detail(detail)
                .evidence("lifetime_days", lifetime_days)
                .evidence("scts_needed", needed)
                .evidence("known_scts", known.iter().map(|(op, d)| format!("{d} ({op})")).collect::<Vec<_>>())
                .evidence("unknown_log_ids", &unknown)
                .evidence("log_list_snapshot", &logs.snapshot_date)
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

    const GOOGLE: &str = "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=";
    const CLOUDFLARE: &str = "yzj3FYl8hKFEX1vB3fvJbvKaWc1HCmkFhbDLFMMUWOc=";
    const GOOGLE_2: &str = "lpdkv1VYl633Q4doNwhCd+nwOtX2pPM2bkakPw/KqcY=";
    const DIGICERT: &str = "SZybad4dfOz8Nt7Nh2SmuFuvCoeAGdFVUvvp6ynd+MM=";

    fn served(scts: &[&str], days: i64) -> Vec<Finding> {
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.not_after = s.not_before + chrono::Duration::days(days);
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
        assert!(served(&[GOOGLE, CLOUDFLARE, DIGICERT], 200).is_empty());
    }

    #[test]
    fn unknown_logs_do_not_count() {
        let f = served(
            &[GOOGLE, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
            90,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].evidence["unknown_log_ids"].as_array().unwrap().len(),
            1
        );
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
