//! `served_chain_untrusted` — the served chain does not lead to a root browsers trust.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::trust::{TrustProblem, Verdict, time_within_validity};

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "The served chain does not verify against Mozilla's roots (plus EXTRA_TRUSTED_CA_PEM): a self-signed leaf, a missing intermediate (and whether its AIA URL could complete it), an unknown or private root, a bad signature, a leaf not allowed for TLS servers, or SHA-1/short keys.",
        "配信中のチェーンが Mozilla のルート（と EXTRA_TRUSTED_CA_PEM）で検証できない状態: 自己署名のリーフ、中間証明書の欠落（AIA の URL で補完できるかも判定）、不明またはプライベートなルート、不正な署名、TLS サーバー用ではないリーフ、SHA-1 や短い鍵。",
    ),
    browser: label!(
        "NET::ERR_CERT_AUTHORITY_INVALID (Chrome, Edge) / SEC_ERROR_UNKNOWN_ISSUER or MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT (Firefox); NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM for SHA-1.",
        "NET::ERR_CERT_AUTHORITY_INVALID（Chrome、Edge）/ SEC_ERROR_UNKNOWN_ISSUER または MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT（Firefox）。SHA-1 なら NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM。",
    ),
    fix: label!(
        "Serve a certificate from a public CA with its complete intermediate chain: an Amazon-issued ACM certificate on the load balancer or distribution does this automatically; for an imported one, re-import with --certificate-chain.",
        "パブリック CA の証明書を、中間証明書を含む完全なチェーンで配信します。ロードバランサーやディストリビューションで Amazon 発行の ACM 証明書を使えば自動でそうなります。インポートした証明書は --certificate-chain を付けて再インポートします。",
    ),
};

declare_check!(
    ServedChainUntrusted,
    "served_chain_untrusted",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        let host = &h.hostname;
        let Some(Ok(leaf)) = h.served_leaf() else {
            if let Some(Err(e)) = h.served_leaf() {
                let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
                out.push(
                    Finding::new(ServedChainUntrusted::ID, Severity::High, &resource, &region)
                        .hostname(&h.hostname)
                        .key("malformed")
                        .title(tr!(
                            "{host} serves a malformed certificate",
                            "{host} が不正な形式の証明書を配信しています"
                        ))
                        .detail(tr!(
                            "The certificate served for {host} cannot be parsed ({e}); no browser will accept it.",
                            "{host} で配信されている証明書を解析できません（{e}）。どのブラウザも受け入れません。"
                        ))
                        .step(tr!(
                            "Re-issue the certificate and deploy it again; check the file that was imported or installed.",
                            "証明書を再発行して配置し直してください。インポートまたはインストールしたファイルの中身も確認してください。"
                        )),
                );
            }
            continue;
        };
        let at = time_within_validity(&leaf, ctx.now.timestamp());
        let Verdict::Untrusted(problems) = ctx.trust.verify(&h.tls.served_chain, at) else {
            continue;
        };
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let subject = &leaf.subject;
        for p in problems {
            let base = Finding::new(ServedChainUntrusted::ID, Severity::High, &resource, &region)
                .hostname(&h.hostname)
                .evidence("problem", &p)
                .evidence(
                    "served_chain",
                    h.served_chain_facts()
                        .iter()
                        .map(|c| format!("{} (issued by {})", c.subject, c.issuer))
                        .collect::<Vec<_>>(),
                );
            let f = match &p {
                TrustProblem::SelfSigned => base
                    .key("self-signed")
                    .title(tr!(
                        "{host} serves a self-signed certificate",
                        "{host} が自己署名証明書を配信しています"
                    ))
                    .detail(tr!(
                        "The leaf served for {host} ({subject}) signed itself; no browser trusts it.",
                        "{host} で配信されているリーフ証明書（{subject}）は自己署名のため、信頼するブラウザはありません。"
                    ))
                    .step(tr!(
                        "Replace it with an Amazon-issued certificate and attach it:",
                        "Amazon 発行の証明書をリクエストし、差し替えます:"
                    ))
                    .command(recipes::request_certificate(host, &[], None)),
                TrustProblem::IncompleteChain { missing_issuer, aia } => {
                    let aia_note = if aia.is_empty() {
                        tr!(
                            "The certificate has no AIA URL, so no browser can complete the chain by itself.",
                            "証明書に AIA の URL がないため、どのブラウザも自力でチェーンを補完できません。"
                        )
                    } else {
                        let urls = aia.join(", ");
                        tr!(
                            "Chrome and Edge may fetch the missing certificate from its AIA URL ({urls}) and show the site; Firefox, curl, Java, Python and most mobile apps do not and fail.",
                            "Chrome と Edge は AIA の URL（{urls}）から不足している証明書を取得してサイトを表示することがありますが、Firefox、curl、Java、Python、多くのモバイルアプリは取得しないため失敗します。"
                        )
                    };
                    let mut detail = tr!(
                        "The server sends the leaf without its issuer \"{missing_issuer}\".",
                        "サーバーはリーフ証明書だけを送り、発行者「{missing_issuer}」の中間証明書を送っていません。"
                    );
                    detail.push(&aia_note);
                    base.key("incomplete-chain")
                        .title(tr!(
                            "{host} does not send the intermediate certificate ({missing_issuer})",
                            "{host} が中間証明書（{missing_issuer}）を送っていません"
                        ))
                        .detail(detail)
                        .evidence("aia_ca_issuers", aia)
                        .step(tr!(
                            "Get the intermediate bundle from your CA and serve it with the leaf: for ACM, re-import with --certificate-chain fileb://intermediates.pem under the same ARN.",
                            "CA から中間証明書のバンドルを入手し、リーフ証明書と一緒に送るようにします。ACM の場合は、同じ ARN に --certificate-chain fileb://intermediates.pem を付けて再インポートします。"
                        ))
                }
                TrustProblem::UnknownRoot { root } => base
                    .key("unknown-root")
                    .title(tr!(
                        "{host} chains to a root browsers do not trust ({root})",
                        "{host} の証明書チェーンが、ブラウザの信頼しないルート（{root}）につながっています"
                    ))
                    .detail(tr!(
                        "The chain served for {host} ends at \"{root}\", which is not in Mozilla's root store. A private CA only works for devices that installed its root.",
                        "{host} で配信されているチェーンは「{root}」で終わっていますが、これは Mozilla のルートストアにありません。プライベート CA の証明書が通用するのは、そのルートをインストールした端末だけです。"
                    ))
                    .step(tr!(
                        "For a public site, use a public (Amazon-issued) certificate instead.",
                        "公開サイトには、パブリック証明書（Amazon 発行）を使ってください。"
                    ))
                    .step(tr!(
                        "If only your own managed devices use this name, add the root to EXTRA_TRUSTED_CA_PEM (or `acm-doctor probe --ca-file ROOT.pem`) so acm-doctor trusts it as they do.",
                        "このホスト名を使うのが自社の管理端末だけなら、そのルートを EXTRA_TRUSTED_CA_PEM に追加し（または `acm-doctor probe --ca-file ROOT.pem`）、acm-doctor にも端末と同じように信頼させます。"
                    )),
                TrustProblem::BadSignature => base
                    .key("bad-signature")
                    .severity(Severity::Critical)
                    .title(tr!(
                        "A signature in the chain served for {host} does not verify",
                        "{host} で配信されているチェーンの署名を検証できません"
                    ))
                    .detail(tr!(
                        "A certificate in the served chain is not validly signed by its issuer (wrong intermediate, or a corrupted or forged certificate).",
                        "配信中のチェーンに、発行者による正しい署名のない証明書があります（中間証明書の取り違え、または破損・偽造された証明書）。"
                    ))
                    .step(tr!(
                        "Re-deploy the certificate with the intermediate that actually issued it.",
                        "実際に発行した中間証明書と組み合わせて、証明書を配置し直してください。"
                    )),
                TrustProblem::WrongEku => base
                    .key("wrong-eku")
                    .title(tr!(
                        "{host} serves a certificate not allowed for TLS servers",
                        "{host} が TLS サーバー用ではない証明書を配信しています"
                    ))
                    .detail(tr!(
                        "The leaf's extended key usage does not include serverAuth (e.g. a client or code-signing certificate).",
                        "リーフ証明書の拡張キー使用法（EKU）に serverAuth が含まれていません（クライアント証明書やコード署名証明書など）。"
                    ))
                    .step(tr!(
                        "Request a TLS server certificate (ACM certificates always include serverAuth).",
                        "TLS サーバー証明書をリクエストしてください（ACM の証明書には必ず serverAuth が含まれます）。"
                    )),
                TrustProblem::Weak { what } => base
                    .key(format!("weak/{what}"))
                    .title(tr!(
                        "{host} serves a chain with weak cryptography",
                        "{host} のチェーンで弱い暗号が使われています"
                    ))
                    .detail(tr!(
                        "{what}. Browsers reject SHA-1 signatures and keys shorter than RSA 2048 / P-256.",
                        "{what}。ブラウザは SHA-1 の署名や、RSA 2048 ビット／P-256 より短い鍵を拒否します。"
                    ))
                    .step(tr!(
                        "Re-issue the certificate with SHA-256 and an RSA 2048+ or ECDSA P-256+ key (ACM's defaults).",
                        "SHA-256 と、RSA 2048 ビット以上または ECDSA P-256 以上の鍵で証明書を再発行してください（ACM の既定値です）。"
                    )),
                TrustProblem::Other { error } => base
                    .key(format!("other/{error}"))
                    .title(tr!(
                        "The chain served for {host} is rejected ({error})",
                        "{host} で配信されているチェーンが検証で拒否されました（{error}）"
                    ))
                    .detail(tr!(
                        "Path validation rejected the chain: {error}.",
                        "証明書パスの検証でチェーンが拒否されました: {error}。"
                    ))
                    .step(tr!(
                        "Re-issue and re-deploy the certificate with its complete chain from a public CA.",
                        "パブリック CA の完全なチェーン付きで、証明書を再発行して配置し直してください。"
                    )),
            };
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {

    /// Issue 10: a self-signed certificate made with CA:TRUE (openssl `req -x509`'s
    /// default) was reported as webpki's `CaUsedAsEndEntity`; it is self-signed, in the
    /// words a browser user reads.
    #[test]
    fn a_self_signed_ca_certificate_is_self_signed_in_words() {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let mut p = CertificateParams::new(vec!["a.example.com".to_string()]).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let der = p
            .self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .to_vec();
        let h = crate::testkit::host_serving("a.example.com", vec![der]);
        let f = crate::testkit::run_live(
            &ServedChainUntrusted,
            &crate::inventory::Inventory::default(),
            &[h],
            &crate::config::Config::default(),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].evidence["problem"]["problem"], "self-signed");
        let text = format!("{}{}", f[0].title, f[0].detail);
        assert!(!text.contains("CaUsedAsEndEntity"), "{text}");
    }

    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;

    fn verdict(chain: Vec<Vec<u8>>) -> Vec<Finding> {
        run_live(
            &ServedChainUntrusted,
            &Inventory::default(),
            &[host_serving("a.example.com", chain)],
            &Config::default(),
        )
    }

    #[test]
    fn complete_chain_to_a_trusted_root_is_fine() {
        assert!(verdict(test_ca().chain(&LeafSpec::new(&["a.example.com"]))).is_empty());
    }

    #[test]
    fn self_signed_leaf() {
        let ck = rcgen::generate_simple_self_signed(vec!["a.example.com".to_string()]).unwrap();
        let f = verdict(vec![ck.cert.der().to_vec()]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["problem"]["problem"], "self-signed");
    }

    #[test]
    fn missing_intermediate() {
        let f = verdict(vec![test_ca().leaf(&LeafSpec::new(&["a.example.com"]))]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["problem"]["problem"], "incomplete-chain");
        assert!(f[0].detail.contains("no AIA URL"));
    }

    #[test]
    fn wrong_eku() {
        let mut s = LeafSpec::new(&["a.example.com"]);
        s.client_auth_only = true;
        let f = verdict(test_ca().chain(&s));
        assert_eq!(f[0].evidence["problem"]["problem"], "wrong-eku");
    }

    #[test]
    fn private_root_is_unknown_unless_extra_trusted() {
        // A second, independent PKI: its root is not among the test's "public" roots.
        let other = {
            use rcgen::{
                BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
            };
            let mut rp = CertificateParams::new(Vec::<String>::new()).unwrap();
            rp.distinguished_name
                .push(DnType::CommonName, "Corp Private Root");
            rp.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let root = CertifiedIssuer::self_signed(rp, KeyPair::generate().unwrap()).unwrap();
            let leaf = CertificateParams::new(vec!["a.example.com".to_string()])
                .unwrap()
                .signed_by(&KeyPair::generate().unwrap(), &root)
                .unwrap();
            (root.pem(), vec![leaf.der().to_vec(), root.der().to_vec()])
        };
        let f = verdict(other.1.clone());
        assert_eq!(f[0].evidence["problem"]["problem"], "unknown-root");
        assert!(f[0].title.contains("Corp Private Root"));
        // Trusted through EXTRA_TRUSTED_CA_PEM: no finding.
        let hosts = [host_serving("a.example.com", other.1)];
        assert!(
            run_trusting_extra(&ServedChainUntrusted, &hosts, &test_ca().root_pem, &other.0)
                .is_empty()
        );
    }

    #[test]
    fn expired_and_untrusted_are_both_reported() {
        // Expiry is not a trust problem here, but the self-signed problem still shows.
        let mut p = rcgen::CertificateParams::new(vec!["a.example.com".to_string()]).unwrap();
        p.not_before = time::OffsetDateTime::from_unix_timestamp(
            (now() - chrono::Duration::days(400)).timestamp(),
        )
        .unwrap();
        p.not_after = time::OffsetDateTime::from_unix_timestamp(
            (now() - chrono::Duration::days(5)).timestamp(),
        )
        .unwrap();
        let c = p.self_signed(&rcgen::KeyPair::generate().unwrap()).unwrap();
        let hosts = [host_serving("a.example.com", vec![c.der().to_vec()])];
        let f = run_live(
            &ServedChainUntrusted,
            &Inventory::default(),
            &hosts,
            &Config::default(),
        );
        assert_eq!(f[0].evidence["problem"]["problem"], "self-signed");
        let e = run_live(
            &crate::checks::live::served_certificate_expired::ServedCertificateExpired,
            &Inventory::default(),
            &hosts,
            &Config::default(),
        );
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn malformed_certificate_is_a_finding_not_a_crash() {
        let f = verdict(vec![b"\x30\x03\x02\x01not a certificate".to_vec()]);
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("malformed"));
    }
}
