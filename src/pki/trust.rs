//! Chain verification as a browser does it: rustls-webpki against Mozilla's roots
//! (webpki-roots) plus `EXTRA_TRUSTED_CA_PEM`, with the failure told apart into the
//! problems a person can fix. Pure: the time is an argument.

use super::x509::{CertFacts, parse_der, pem_to_der};
use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use serde::Serialize;

/// Trust anchors: the public set (what every browser trusts) and the user's extras.
pub struct TrustStore {
    public: Vec<TrustAnchor<'static>>,
    extra: Vec<TrustAnchor<'static>>,
    /// Subjects of the extra roots, for messages.
    pub extra_subjects: Vec<String>,
    /// Verdicts already reached, by chain and time: several checks judge each host's
    /// chain, and many hosts serve the same one; verifying its signatures once each was
    /// half of the CPU a probed host cost. Keyed by a hash, so it holds no certificates.
    verdicts: std::sync::Mutex<std::collections::HashMap<u64, Verdict>>,
}

/// Verdicts kept before the cache starts over (each is a few dozen bytes).
const MAX_CACHED_VERDICTS: usize = 16 * 1024;

/// A reason the served chain is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum TrustProblem {
    /// The leaf signed itself.
    SelfSigned,
    /// The leaf's (or an intermediate's) issuer was not sent; `aia` says where a
    /// browser that fetches missing intermediates (Chrome) could find it.
    IncompleteChain {
        missing_issuer: String,
        aia: Vec<String>,
    },
    /// The chain ends at a root no browser trusts (a private or unknown CA).
    UnknownRoot { root: String },
    /// A signature in the chain does not verify.
    BadSignature,
    /// The leaf is not allowed for TLS servers (extended key usage).
    WrongEku,
    /// SHA-1/MD5 signature or a short key.
    Weak { what: String },
    /// Anything else webpki rejected.
    Other { error: String },
}

/// The verdict on a served chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Trusted; `via_extra` when only `EXTRA_TRUSTED_CA_PEM` makes it so.
    Trusted {
        via_extra: bool,
    },
    Untrusted(Vec<TrustProblem>),
    /// Nothing to verify (no chain served, or a leaf that cannot be parsed).
    Unverifiable(String),
}

impl TrustStore {
    /// Mozilla's roots plus the given PEM bundle. Certificates in the bundle that cannot
    /// be used as anchors are returned as errors (the report names them).
    pub fn new(extra_pem: Option<&str>) -> (TrustStore, Vec<String>) {
        let public = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        let mut store = TrustStore {
            public,
            extra: Vec::new(),
            extra_subjects: Vec::new(),
            verdicts: Default::default(),
        };
        let errors = match extra_pem {
            Some(pem) => store.add_extra(pem),
            None => Vec::new(),
        };
        (store, errors)
    }

    /// A store whose *public* roots are the given PEM bundle (tests stand in for a
    /// browser's roots with their own CA).
    pub fn with_public_roots(pem: &str) -> TrustStore {
        let mut s = TrustStore {
            public: Vec::new(),
            extra: Vec::new(),
            extra_subjects: Vec::new(),
            verdicts: Default::default(),
        };
        for der in pem_to_der(pem).unwrap_or_default() {
            if let Ok(a) = webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice())) {
                s.public.push(a.to_owned());
            }
        }
        s
    }

    pub fn add_extra(&mut self, pem: &str) -> Vec<String> {
        self.verdicts.get_mut().map(|v| v.clear()).ok();
        let mut errors = Vec::new();
        match pem_to_der(pem) {
            Ok(ders) => {
                for der in ders {
                    match webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice())) {
                        Ok(a) => {
                            self.extra.push(a.to_owned());
                            if let Ok(f) = parse_der(&der) {
                                self.extra_subjects.push(f.subject);
                            }
                        }
                        Err(e) => errors.push(format!("EXTRA_TRUSTED_CA_PEM: a certificate is not a usable trust anchor: {e:?}")),
                    }
                }
            }
            Err(e) => errors.push(format!("EXTRA_TRUSTED_CA_PEM: {e}")),
        }
        errors
    }

    fn check(
        &self,
        chain: &[Vec<u8>],
        anchors: &[TrustAnchor<'_>],
        at: UnixTime,
    ) -> Result<(), webpki::Error> {
        let leaf_der = CertificateDer::from(chain[0].as_slice());
        let leaf = webpki::EndEntityCert::try_from(&leaf_der)?;
        let intermediates: Vec<CertificateDer<'_>> = chain[1..]
            .iter()
            .map(|d| CertificateDer::from(d.as_slice()))
            .collect();
        leaf.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            anchors,
            &intermediates,
            at,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|_| ())
    }

    /// Verifies a served chain (leaf first) at `at`. Callers that judge dates separately
    /// pass a time inside the leaf's validity, so expiry does not hide trust problems.
    /// The same chain at the same time is verified once.
    pub fn verify(&self, chain: &[Vec<u8>], at: UnixTime) -> Verdict {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        chain.hash(&mut h);
        at.as_secs().hash(&mut h);
        let key = h.finish();
        let cached = self.verdicts.lock().ok().and_then(|v| v.get(&key).cloned());
        if let Some(v) = cached {
            return v;
        }
        let verdict = self.verify_uncached(chain, at);
        if let Ok(mut v) = self.verdicts.lock() {
            if v.len() >= MAX_CACHED_VERDICTS {
                v.clear();
            }
            v.insert(key, verdict.clone());
        }
        verdict
    }

    fn verify_uncached(&self, chain: &[Vec<u8>], at: UnixTime) -> Verdict {
        if chain.is_empty() {
            return Verdict::Unverifiable("no certificate was served".into());
        }
        let Ok(leaf) = parse_der(&chain[0]) else {
            return Verdict::Unverifiable("the served leaf certificate cannot be parsed".into());
        };
        let public_err = match self.check(chain, &self.public, at) {
            Ok(()) => return Verdict::Trusted { via_extra: false },
            Err(e) => e,
        };
        if !self.extra.is_empty() {
            let mut all = self.public.clone();
            all.extend(self.extra.iter().cloned());
            if self.check(chain, &all, at).is_ok() {
                return Verdict::Trusted { via_extra: true };
            }
        }
        let facts: Vec<CertFacts> = chain.iter().filter_map(|d| parse_der(d).ok()).collect();
        let mut problems = Vec::new();
        for f in &facts {
            if f.has_weak_signature() && !(f.is_self_issued() && f.is_ca) {
                problems.push(TrustProblem::Weak {
                    what: format!("{} is signed with {}", f.subject, f.signature_algorithm),
                });
            }
            if f.has_weak_key() {
                problems.push(TrustProblem::Weak {
                    what: format!(
                        "{} has a {}-bit {} key",
                        f.subject, f.public_key_bits, f.public_key_kind
                    ),
                });
            }
        }
        use webpki::Error as E;
        // The unit variants are deprecated in favour of the *Context ones, but older
        // code paths in webpki still return them.
        #[allow(deprecated)]
        match public_err {
            E::UnknownIssuer => problems.push(self.classify_unknown_issuer(&leaf, &facts)),
            E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => {
                problems.push(TrustProblem::BadSignature)
            }
            E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
                problems.push(TrustProblem::WrongEku)
            }
            E::UnsupportedSignatureAlgorithm
            | E::UnsupportedSignatureAlgorithmContext(_)
            | E::UnsupportedSignatureAlgorithmForPublicKey
            | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
                if !problems
                    .iter()
                    .any(|p| matches!(p, TrustProblem::Weak { .. }))
                {
                    problems.push(TrustProblem::Weak {
                        what: "a signature algorithm browsers no longer accept".into(),
                    });
                }
            }
            // Dates are judged by the expiry checks; they are not a trust problem here.
            E::CertExpired { .. } | E::CertNotValidYet { .. } => {}
            // A self-signed certificate made with CA:TRUE (openssl's default for
            // `req -x509`) is what a browser user reads as an unknown authority.
            E::CaUsedAsEndEntity if leaf.is_self_issued() => {
                problems.push(TrustProblem::SelfSigned)
            }
            other => problems.push(TrustProblem::Other {
                error: in_words(&other),
            }),
        }
        if problems.is_empty() {
            problems.push(TrustProblem::Other {
                error: "rejected by certificate path validation".into(),
            });
        }
        Verdict::Untrusted(problems)
    }

    /// Tells apart "self-signed", "issuer not sent" and "root not trusted".
    fn classify_unknown_issuer(&self, leaf: &CertFacts, chain: &[CertFacts]) -> TrustProblem {
        if leaf.is_self_issued() {
            return TrustProblem::SelfSigned;
        }
        // Walk up the served chain as far as it goes.
        let mut current = leaf.clone();
        let mut guard = 0;
        while guard < 10 {
            guard += 1;
            match chain
                .iter()
                .skip(1)
                .find(|c| current.is_issued_by(c) && **c != current)
            {
                Some(issuer) if issuer.is_self_issued() => {
                    return TrustProblem::UnknownRoot {
                        root: issuer.subject.clone(),
                    };
                }
                Some(issuer) => current = issuer.clone(),
                None => break,
            }
        }
        TrustProblem::IncompleteChain {
            missing_issuer: current.issuer.clone(),
            aia: current.aia_ca_issuers.clone(),
        }
    }
}

/// A path-validation error as a browser user reads it (the NET:: code Chrome shows),
/// never a library error name.
fn in_words(e: &webpki::Error) -> String {
    use webpki::Error as E;
    #[allow(deprecated)]
    let words = match e {
        E::CaUsedAsEndEntity => {
            "a CA certificate is served as the site's certificate (NET::ERR_CERT_INVALID)"
        }
        E::EndEntityUsedAsCa => {
            "a site certificate is used to sign another certificate (NET::ERR_CERT_INVALID)"
        }
        E::NameConstraintViolation => {
            "the certificate's names are outside what its CA may issue (NET::ERR_CERT_INVALID)"
        }
        E::PathLenConstraintViolated => {
            "the chain is longer than its CA allows (NET::ERR_CERT_INVALID)"
        }
        E::BadDer | E::BadDerTime | E::TrailingData(_) => {
            "a certificate in the chain is malformed (NET::ERR_CERT_INVALID)"
        }
        E::UnsupportedCriticalExtension => {
            "a certificate has a critical extension browsers do not accept (NET::ERR_CERT_INVALID)"
        }
        E::InvalidCertValidity => {
            "a certificate's validity dates are invalid (NET::ERR_CERT_INVALID)"
        }
        E::MaximumPathBuildCallsExceeded | E::MaximumPathDepthExceeded => {
            "no path to a trusted root could be built from the served certificates (NET::ERR_CERT_AUTHORITY_INVALID)"
        }
        _ => "the browser rejects this chain (NET::ERR_CERT_INVALID)",
    };
    words.to_string()
}

/// A time inside the leaf's validity window closest to `now`, so that verifying at it
/// reports trust problems even for an expired or not-yet-valid leaf.
pub fn time_within_validity(leaf: &CertFacts, now_secs: i64) -> UnixTime {
    let t = now_secs.clamp(leaf.not_before, leaf.not_after.max(leaf.not_before));
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(t.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{LeafSpec, test_ca};

    /// The verdict cache never mixes chains up: the same chain twice is the same
    /// verdict, and a self-signed leaf after a trusted chain is still untrusted.
    #[test]
    fn a_kept_verdict_is_the_chains_own() {
        let ca = test_ca();
        let trust = TrustStore::with_public_roots(&ca.root_pem);
        let good = ca.chain(&LeafSpec::new(&["a.example.com"]));
        let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            crate::testkit::now().timestamp() as u64,
        ));
        assert_eq!(
            trust.verify(&good, at),
            Verdict::Trusted { via_extra: false }
        );
        assert_eq!(
            trust.verify(&good, at),
            Verdict::Trusted { via_extra: false }
        );
        let pem = crate::testkit::self_signed_pem("a.example.com");
        let own = pem_to_der(&pem.certificate).unwrap();
        assert!(matches!(trust.verify(&own, at), Verdict::Untrusted(_)));
        assert_eq!(trust.verdicts.lock().unwrap().len(), 2);
    }
}
