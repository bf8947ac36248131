//! `scan_incomplete` — AWS reads that failed, or hosts the probe did not get to, so part
//! of the estate was not checked.

use crate::checks::prelude::*;
use crate::inventory::{SkipKind, Skipped};

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A run in which AWS reads failed after the SDK's retries (AccessDenied, throttling, an endpoint that is down or unreachable), or hosts were not probed (the invocation's deadline came first, the probe of a host failed internally): what they cover was not checked, so no finding about it means nothing. Medium; high when nothing at all could be read. Names deliberately not probed (private hosted zones) do not count. In an organization run, also the accounts not scanned: a role that could not be assumed, a shard not finished by the run's deadline.",
        "SDK の再試行後も AWS の読み取りに失敗した（AccessDenied、スロットリング、エンドポイントの停止や到達不能）、またはホストを調べられなかった（呼び出しの期限が先に来た、ホストの調査が内部で失敗した）実行。その範囲は確認されていないため、指摘がないことは何も意味しません。中程度で、何も読み取れなかった場合は高です。意図的に調べない名前（プライベートホストゾーン）は数えません。組織の実行では、スキャンできなかったアカウント（ロールを引き受けられなかった、実行の期限までにシャードが終わらなかった）も含みます。",
    ),
    browser: label!(
        "Unknown: what was not read may well show \"Your connection is not private\" to visitors.",
        "不明です。読み取れなかった部分では、訪問者に「この接続ではプライバシーが保護されません」が表示されている可能性があります。",
    ),
    fix: label!(
        "Give the function's role the read-only permissions the template grants (AccessDenied), or let it reach the AWS endpoints (VPC endpoints or a NAT gateway for a function in a VPC); a throttled run succeeds on the next schedule.",
        "関数のロールにテンプレートが付与する読み取り専用の権限を与える（AccessDenied の場合）か、AWS のエンドポイントに到達できるようにします（VPC 内の関数なら VPC エンドポイントか NAT ゲートウェイ）。スロットリングなら次回のスケジュール実行で成功します。",
    ),
};

declare_check!(ScanIncomplete, "scan_incomplete", Cause::ScanIncomplete);

/// Skip entries that are gaps in what was seen (not deliberate choices).
fn is_gap(s: &Skipped) -> bool {
    s.kind == SkipKind::Gap
}

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let nothing_read = inv.certificates.is_empty()
        && inv.load_balancers.is_empty()
        && inv.distributions.is_empty()
        && inv.api_domains.is_empty()
        && inv.dns_records.is_empty();
    from_gaps(&inv.skipped, nothing_read).into_iter().collect()
}

/// The finding for the gaps among `skipped`, if any. Also how an organization run's
/// fan-in names the accounts it could not scan (`what` = `account ID`), which no
/// account's own inventory holds.
pub fn from_gaps(skipped: &[Skipped], nothing_read: bool) -> Option<Finding> {
    let gaps: Vec<&Skipped> = skipped.iter().filter(|s| is_gap(s)).collect();
    if gaps.is_empty() {
        return None;
    }
    // An account whose role cannot be assumed has its own step below.
    let denied = gaps
        .iter()
        .filter(|s| !s.what.starts_with("account "))
        .any(|s| {
            let r = s.reason.to_ascii_lowercase();
            r.contains("accessdenied") || r.contains("not authorized") || r.contains("unauthorized")
        });
    let n = gaps.len();
    // Hosts not probed are named `probe HOST`; every other gap is an AWS read.
    let hosts = gaps.iter().filter(|s| s.what.starts_with("probe ")).count();
    let accounts = gaps
        .iter()
        .filter(|s| s.what.starts_with("account "))
        .count();
    let reads = n - hosts - accounts;
    let list: Vec<String> = gaps
        .iter()
        .map(|s| match &s.region {
            Some(r) => format!("{} ({r}): {}", s.what, s.reason),
            None => format!("{}: {}", s.what, s.reason),
        })
        .collect();
    let shown = list.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
    let mut f = Finding::new(
        ScanIncomplete::ID,
        if nothing_read {
            Severity::High
        } else {
            Severity::Medium
        },
        "acm-doctor",
        "-",
    )
    .title(if accounts > 0 {
        tr!(
            "The organization run is incomplete: {accounts} account(s) were not scanned, and what they hold was not checked",
            "組織の実行は不完全です: {accounts} 件のアカウントをスキャンできず、その中身は確認されていません"
        )
    } else if nothing_read {
        tr!(
            "Nothing could be read from AWS: {n} read(s) failed, so nothing was checked",
            "AWS から何も読み取れませんでした（{n} 件の読み取りに失敗）。何も確認されていません"
        )
    } else {
        match (reads, hosts) {
            (reads, 0) => tr!(
                "The scan is incomplete: {reads} AWS read(s) failed, and what they cover was not checked",
                "スキャンは不完全です: {reads} 件の AWS の読み取りに失敗し、その範囲は確認されていません"
            ),
            (0, hosts) => tr!(
                "The scan is incomplete: {hosts} host(s) were not probed, and were not checked live",
                "スキャンは不完全です: {hosts} 件のホストを調べられず、実際の応答は確認されていません"
            ),
            (reads, hosts) => tr!(
                "The scan is incomplete: {reads} AWS read(s) failed and {hosts} host(s) were not probed, and what they cover was not checked",
                "スキャンは不完全です: {reads} 件の AWS の読み取りに失敗し、{hosts} 件のホストを調べられず、その範囲は確認されていません"
            ),
        }
    })
    .detail(tr!("Not seen: {shown}.", "確認できなかったもの: {shown}。"))
    .evidence("not_read", &list)
    .evidence("nothing_read", nothing_read);
    f = if denied {
        f.step(tr!(
            "AccessDenied: give the function's role (or your CLI credentials) the read-only actions listed in template.yaml (acm:List/Describe/GetCertificate, elasticloadbalancing:Describe*, apigateway:GET on /domainnames, iam:GetServerCertificate, cloudfront:ListDistributions, route53:List*).",
            "AccessDenied の場合: 関数のロール（または CLI の認証情報）に、template.yaml に列挙した読み取り専用のアクション（acm:List/Describe/GetCertificate、elasticloadbalancing:Describe*、/domainnames への apigateway:GET、iam:GetServerCertificate、cloudfront:ListDistributions、route53:List*）を許可します。"
        ))
    } else if reads > 0 {
        f.step(tr!(
            "Check that credentials are configured (aws sts get-caller-identity) and that the AWS endpoints are reachable from where acm-doctor runs; throttled reads succeed on a later run.",
            "認証情報が設定されていること（aws sts get-caller-identity）と、acm-doctor の実行場所から AWS のエンドポイントに到達できることを確認します。スロットリングによる失敗は後の実行で成功します。"
        ))
        .command("aws sts get-caller-identity".to_string())
    } else {
        f
    };
    if accounts > 0 {
        f = f.step(tr!(
            "Accounts not scanned: deploy the read-only member role (member-role.yaml, e.g. as a StackSet across the organization) in each account named, trusting this function's role; an account still running when ORG_DEADLINE_MINUTES passed is scanned again by the next scheduled run.",
            "スキャンできなかったアカウント: 名前の挙がった各アカウントに、この関数のロールを信頼する読み取り専用のメンバーロール（member-role.yaml。組織全体に StackSet で配布するなど）をデプロイします。ORG_DEADLINE_MINUTES を過ぎても終わらなかったアカウントは、次回のスケジュール実行で再びスキャンされます。"
        ));
    }
    if hosts > 0 {
        f = f.step(tr!(
            "Hosts not probed: raise the function's Timeout (or PROBE_CONCURRENCY) so the probe finishes before the deadline, or probe them now with `acm-doctor probe HOST`.",
            "調べられなかったホスト: 期限までに調査が終わるよう関数の Timeout（または PROBE_CONCURRENCY）を上げるか、`acm-doctor probe HOST` で今すぐ調べます。"
        ));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    fn skipped(what: &str, reason: &str) -> Skipped {
        Skipped {
            account: None,
            kind: Default::default(),
            what: what.into(),
            region: Some("us-east-1".into()),
            reason: reason.into(),
        }
    }

    /// Issue 11: a run that could not read is never a clean estate. Nothing read at
    /// all (no credentials, denied) is high with the IAM fix; a partial gap is medium.
    #[test]
    fn failed_reads_are_a_finding_never_a_clean_verdict() {
        let mut inv = Inventory::default();
        inv.skipped.push(skipped(
            "acm:ListCertificates",
            "AccessDeniedException: not authorized",
        ));
        let f = run_check(&ScanIncomplete, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].remediation.iter().any(|s| s.contains("template.yaml")));
        inv.certificates.push(cert("c", &["a.example.com"], 90));
        let f = run_check(&ScanIncomplete, &inv);
        assert_eq!(f[0].severity, Severity::Medium);
    }

    /// Its twin: a complete run, or one whose only skips are names deliberately not
    /// probed (private hosted zones), is not incomplete.
    #[test]
    fn a_complete_run_or_a_deliberate_skip_is_clean() {
        let mut inv = Inventory::default();
        inv.certificates.push(cert("c", &["a.example.com"], 90));
        assert!(run_check(&ScanIncomplete, &inv).is_empty());
        inv.skipped.push(Skipped {
            account: None,
            kind: SkipKind::Deliberate,
            ..skipped(
                "probe wiki.corp.example.com",
                "only in the private hosted zone corp.example.com",
            )
        });
        assert!(run_check(&ScanIncomplete, &inv).is_empty());
        // A host the probe did not reach in time is a gap, not a choice.
        inv.skipped.push(skipped(
            "probe shop.example.com",
            "not probed: the invocation's deadline was near",
        ));
        assert_eq!(run_check(&ScanIncomplete, &inv).len(), 1);
    }

    /// Issue 14: accounts an organization run could not scan get the member-role fix,
    /// not the function-role one their AccessDenied would otherwise suggest; a read gap
    /// alone (its twin) says nothing of accounts.
    #[test]
    fn accounts_not_scanned_name_the_member_role() {
        let denied = Skipped {
            account: Some("333333333333".into()),
            region: None,
            ..skipped(
                "account 333333333333",
                "sts:AssumeRole arn:aws:iam::333333333333:role/acm-doctor-scan: AccessDenied",
            )
        };
        let f = from_gaps(&[denied], false).unwrap();
        assert!(
            f.title.contains("1 account(s) were not scanned"),
            "{}",
            f.title
        );
        assert!(f.remediation.iter().any(|s| s.contains("member-role.yaml")));
        assert!(!f.remediation.iter().any(|s| s.contains("template.yaml")));
        let read = from_gaps(
            &[skipped("acm:ListCertificates", "AccessDeniedException")],
            false,
        )
        .unwrap();
        assert!(!read.title.contains("account"), "{}", read.title);
        assert!(
            !read
                .remediation
                .iter()
                .any(|s| s.contains("member-role.yaml"))
        );
        assert!(from_gaps(&[], true).is_none());
    }
}
