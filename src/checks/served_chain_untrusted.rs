//! `served_chain_untrusted` — the served chain does not lead to a root browsers trust.
//!
//! **Detects**, verifying with rustls-webpki against Mozilla's roots plus
//! `EXTRA_TRUSTED_CA_PEM`: a self-signed leaf; an incomplete chain (issuer not sent —
//! with whether an AIA URL could complete it); an unknown or private root; a bad
//! signature; a leaf not allowed for TLS servers (EKU); SHA-1 or a short key. Each
//! problem is its own finding; dates are left to `served_certificate_expired`.
//! **Browser** shows `NET::ERR_CERT_AUTHORITY_INVALID` / `SEC_ERROR_UNKNOWN_ISSUER`.
//! **Fix**: serve the full chain of a public CA (ACM does this for you).

use super::live::resource_for_host;
use super::trust::{TrustProblem, Verdict, time_within_validity};
use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "The served chain does not verify against Mozilla's roots (plus EXTRA_TRUSTED_CA_PEM): a self-signed leaf, a missing intermediate (and whether its AIA URL could complete it), an unknown or private root, a bad signature, a leaf not allowed for TLS servers, or SHA-1/short keys.",
    browser: "NET::ERR_CERT_AUTHORITY_INVALID (Chrome, Edge) / SEC_ERROR_UNKNOWN_ISSUER or MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT (Firefox); NET::ERR_CERT_WEAK_SIGNATURE_ALGORITHM for SHA-1.",
    fix: "Serve a certificate from a public CA with its complete intermediate chain: an Amazon-issued ACM certificate on the load balancer or distribution does this automatically; for an imported one, re-import with --certificate-chain.",
};

declare_check!(
    ServedChainUntrusted,
    "served_chain_untrusted",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        let Some(Ok(leaf)) = h.served_leaf() else {
            if let Some(Err(e)) = h.served_leaf() {
                let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
                out.push(
                    Finding::new(ServedChainUntrusted::ID, Severity::High, &resource, &region)
                        .hostname(&h.hostname)
                        .key("malformed")
                        .title(format!("{} serves a malformed certificate", h.hostname))
                        .detail(format!("The certificate served for {} cannot be parsed ({e}); no browser will accept it.", h.hostname))
                        .step("Re-issue the certificate and deploy it again; check the file that was imported or installed."),
                );
            }
            continue;
        };
        let at = time_within_validity(&leaf, ctx.now.timestamp());
        let Verdict::Untrusted(problems) = ctx.trust.verify(&h.tls.served_chain, at) else {
            continue;
        };
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
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
                    .title(format!("{} serves a self-signed certificate", h.hostname))
                    .detail(format!("The leaf served for {} ({}) signed itself; no browser trusts it.", h.hostname, leaf.subject))
                    .step(format!("Replace it with an Amazon-issued certificate: aws acm request-certificate --domain-name {} --validation-method DNS, then attach it.", h.hostname)),
                TrustProblem::IncompleteChain { missing_issuer, aia } => {
                    let aia_note = if aia.is_empty() {
                        "The certificate has no AIA URL, so no browser can complete the chain by itself.".to_string()
                    } else {
                        format!("Chrome and Edge may fetch the missing certificate from its AIA URL ({}) and show the site; Firefox, curl, Java, Python and most mobile apps do not and fail.", aia.join(", "))
                    };
                    base.key("incomplete-chain")
                        .title(format!("{} does not send the intermediate certificate ({missing_issuer})", h.hostname))
                        .detail(format!("The server sends the leaf without its issuer \"{missing_issuer}\". {aia_note}"))
                        .evidence("aia_ca_issuers", aia)
                        .step("Get the intermediate bundle from your CA and serve it with the leaf: for ACM, re-import with --certificate-chain fileb://intermediates.pem under the same ARN.")
                }
                TrustProblem::UnknownRoot { root } => base
                    .key("unknown-root")
                    .title(format!("{} chains to a root browsers do not trust ({root})", h.hostname))
                    .detail(format!("The chain served for {} ends at \"{root}\", which is not in Mozilla's root store. A private CA only works for devices that installed its root.", h.hostname))
                    .step("For a public site, use a public (Amazon-issued) certificate instead.")
                    .step("If only your own managed devices use this name, add the root to EXTRA_TRUSTED_CA_PEM so acm-doctor trusts it as they do."),
                TrustProblem::BadSignature => base
                    .key("bad-signature")
                    .severity(Severity::Critical)
                    .title(format!("A signature in the chain served for {} does not verify", h.hostname))
                    .detail("A certificate in the served chain is not validly signed by its issuer (wrong intermediate, or a corrupted or forged certificate).".to_string())
                    .step("Re-deploy the certificate with the intermediate that actually issued it."),
                TrustProblem::WrongEku => base
                    .key("wrong-eku")
                    .title(format!("{} serves a certificate not allowed for TLS servers", h.hostname))
                    .detail("The leaf's extended key usage does not include serverAuth (e.g. a client or code-signing certificate).".to_string())
                    .step("Request a TLS server certificate (ACM certificates always include serverAuth)."),
                TrustProblem::Weak { what } => base
                    .key(format!("weak/{what}"))
                    .title(format!("{} serves a chain with weak cryptography", h.hostname))
                    .detail(format!("{what}. Browsers reject SHA-1 signatures and keys shorter than RSA 2048 / P-256."))
                    .step("Re-issue the certificate with SHA-256 and an RSA 2048+ or ECDSA P-256+ key (ACM's defaults)."),
                TrustProblem::Other { error } => base
                    .key(format!("other/{error}"))
                    .title(format!("The chain served for {} is rejected ({error})", h.hostname))
                    .detail(format!("Path validation rejected the chain: {error}."))
                    .step("Re-issue and re-deploy the certificate with its complete chain from a public CA."),
            };
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::config::Config;
    use crate::inventory::Inventory;

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
            &crate::checks::served_certificate_expired::ServedCertificateExpired,
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
