//! `pinned_rotating_key` — client apps pin a key that ACM rotates.
//!
//! **Detects**, for each pin in `PINNED_SPKI_SHA256`: the SPKI of an in-use ACM leaf
//! or intermediate (both change at renewal: ACM picks among several intermediates at
//! random), the known-broken pin of empty input, or a pin that matches nothing known.
//! Pins of the Amazon Trust Services roots are fine.
//! **Browser/app**: after the next renewal, pinned clients refuse the connection
//! (OkHttp `Certificate pinning failure!`, `NSURLErrorServerCertificateUntrusted`).
//! **Fix**: pin all five Amazon Trust Services roots, or stop pinning.

use super::pins::{EMPTY_INPUT_PIN, amazon_root, normalize_pin};
use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "A public-key pin (PINNED_SPKI_SHA256) of an ACM leaf or intermediate certificate, which change at every renewal; the broken pin of empty input (47DEQpj8…); or a pin that matches no Amazon root and no certificate in use.",
    browser: "Browsers no longer honour HPKP, but pinned mobile and API clients fail after the next renewal: \"Certificate pinning failure!\" (OkHttp), NSURLErrorServerCertificateUntrusted (iOS).",
    fix: "Pin the five Amazon Trust Services root keys (Amazon Root CA 1–4 and Starfield Services Root CA – G2), or do not pin at all, as AWS recommends; ship the app update before the next renewal.",
};

declare_check!(PinnedRotatingKey, "pinned_rotating_key", Cause::Pinning);

const ATS_FIX: &str = "Replace the pin set in the client apps with the five Amazon Trust Services roots: ++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=, f0KW/FtqTjs108NpYj42SrGvOB2PpxIVM8nWxjPqJGE=, NqvDJlas/GRcYbcWE8S/IceH9cq77kg0jVhZeAPXq8k=, 9+ze1cZgR9KO1kZrVDxA4HQ6voHRCSVNz4RdTCx4U8U=, KwccWaCgrnaw6tsrrSO61FgLacNgG2MMLq8GE6+oP5I= — or remove pinning.";

/// Where a pin was found among the keys the estate serves.
pub struct PinMatch {
    pub role: &'static str,
    pub resource: String,
    pub region: String,
    pub hostname: Option<String>,
    pub subject: String,
}

/// Leaf and intermediate keys of in-use ACM certificates (from `GetCertificate`) and of
/// live served chains, as `(spki pin, match)`.
fn served_keys(ctx: &Context) -> Vec<(String, PinMatch)> {
    let inv = ctx.inventory;
    let mut keys = Vec::new();
    for c in inv.certificates.iter().filter(|c| inv.is_in_use(c)) {
        let Some(pem) = &c.pem else { continue };
        if let Ok(leaf) = x509::parse_pem(&pem.certificate) {
            for l in leaf.into_iter().take(1) {
                keys.push((
                    l.spki_sha256.clone(),
                    PinMatch {
                        role: "leaf",
                        resource: c.arn.clone(),
                        region: c.region.clone(),
                        hostname: Some(c.domain_name.clone()),
                        subject: l.subject,
                    },
                ));
            }
        }
        if let Some(chain) = pem.chain.as_deref().and_then(|p| x509::parse_pem(p).ok()) {
            for ca in chain.into_iter().filter(|ca| !ca.is_self_issued()) {
                keys.push((
                    ca.spki_sha256.clone(),
                    PinMatch {
                        role: "intermediate",
                        resource: c.arn.clone(),
                        region: c.region.clone(),
                        hostname: Some(c.domain_name.clone()),
                        subject: ca.subject,
                    },
                ));
            }
        }
    }
    for h in ctx.hosts {
        for (i, cert) in h.served_chain_facts().into_iter().enumerate() {
            if i > 0 && cert.is_self_issued() {
                continue;
            }
            keys.push((
                cert.spki_sha256.clone(),
                PinMatch {
                    role: if i == 0 {
                        "served leaf"
                    } else {
                        "served intermediate"
                    },
                    resource: format!("host:{}", h.hostname),
                    region: "global".into(),
                    hostname: Some(h.hostname.clone()),
                    subject: cert.subject,
                },
            ));
        }
    }
    keys
}

fn run(ctx: &Context) -> Vec<Finding> {
    if ctx.config.pinned_spki_sha256.is_empty() {
        return Vec::new();
    }
    let keys = served_keys(ctx);
    let mut out = Vec::new();
    for raw in &ctx.config.pinned_spki_sha256 {
        let pin = normalize_pin(raw);
        if amazon_root(&pin).is_some() {
            continue;
        }
        if pin == EMPTY_INPUT_PIN && ctx.full_scan {
            out.push(
                Finding::new(PinnedRotatingKey::ID, Severity::High, "config:PINNED_SPKI_SHA256", "global")
                    .key(&pin)
                    .title("A client pin is the SHA-256 of empty input and matches no key")
                    .detail(format!("The pin {pin} is the SHA-256 of zero bytes, copied from broken sample code. It never matches a real key: clients that rely on it either always fail or do not really pin."))
                    .evidence("pin", &pin)
                    .step(ATS_FIX),
            );
            continue;
        }
        let matches: Vec<&PinMatch> = keys
            .iter()
            .filter(|(k, _)| *k == pin)
            .map(|(_, m)| m)
            .collect();
        if matches.is_empty() {
            if !ctx.full_scan {
                continue; // the key may belong to a certificate this scoped run did not read
            }
            out.push(
                Finding::new(PinnedRotatingKey::ID, Severity::Low, "config:PINNED_SPKI_SHA256", "global")
                    .key(&pin)
                    .title("A client pin matches no Amazon root and no certificate in use")
                    .detail(format!("The pin {pin} is neither an Amazon Trust Services root nor the key of any certificate this scan saw in use. If it is a backup key, fine; if clients rely on it alone, they fail today."))
                    .evidence("pin", &pin)
                    .step(ATS_FIX),
            );
            continue;
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in matches {
            if !seen.insert((m.resource.clone(), m.role)) {
                continue;
            }
            let mut f = Finding::new(PinnedRotatingKey::ID, Severity::High, &m.resource, &m.region)
                .key(format!("{pin}/{}", m.role))
                .title(format!("Clients pin the {} key of {}, which changes at renewal", m.role, m.hostname.as_deref().unwrap_or(&m.resource)))
                .detail(format!(
                    "The pin {pin} is the key of the {} certificate \"{}\". ACM issues a new key at renewal and picks among several intermediates, so pinned clients will fail after the next renewal.",
                    m.role, m.subject
                ))
                .evidence("pin", &pin)
                .evidence("role", m.role)
                .evidence("subject", &m.subject)
                .step(ATS_FIX)
                .step("Ship the client update before the certificate renews (ACM renews 60 days before expiry).");
            if let Some(h) = &m.hostname {
                f = f.hostname(h);
            }
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

    fn setup(pins: Vec<String>) -> (Inventory, Config, String, String) {
        let pem = ca_issued_pem("app.example.com", true);
        let leaf = x509::parse_pem(&pem.certificate)
            .unwrap()
            .remove(0)
            .spki_sha256;
        let inter = x509::parse_pem(pem.chain.as_deref().unwrap())
            .unwrap()
            .remove(0)
            .spki_sha256;
        let mut c = cert("pinned", &["app.example.com"], 200);
        c.in_use = Some(true);
        c.pem = Some(pem);
        let cfg = Config {
            pinned_spki_sha256: pins,
            ..Default::default()
        };
        (
            Inventory {
                certificates: vec![c],
                ..Default::default()
            },
            cfg,
            leaf,
            inter,
        )
    }

    #[test]
    fn leaf_and_intermediate_pins_are_flagged() {
        let (inv, _, leaf, inter) = setup(vec![]);
        let cfg = Config {
            pinned_spki_sha256: vec![leaf, format!("pin-sha256=\"{inter}\"")],
            ..Default::default()
        };
        let f = run_with(&PinnedRotatingKey, &inv, &cfg);
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.severity == Severity::High));
        assert_eq!(f[0].evidence["role"], "leaf");
        assert_eq!(f[1].evidence["role"], "intermediate");
    }

    #[test]
    fn amazon_roots_are_fine_empty_pin_is_broken_unknown_is_low() {
        let (inv, _, _, _) = setup(vec![]);
        let cfg = Config {
            pinned_spki_sha256: vec![
                "++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=".into(),
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
            ],
            ..Default::default()
        };
        let f = run_with(&PinnedRotatingKey, &inv, &cfg);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("empty input"));
        assert_eq!(f[1].severity, Severity::Low);
    }

    #[test]
    fn no_pins_configured_is_silent() {
        let (inv, cfg, _, _) = setup(vec![]);
        assert!(run_with(&PinnedRotatingKey, &inv, &cfg).is_empty());
    }

    #[test]
    fn pin_of_a_served_leaf_is_flagged_from_the_probe_alone() {
        let chain = test_ca().chain(&LeafSpec::new(&["live.example.com"]));
        let leaf_pin = x509::parse_der(&chain[0]).unwrap().spki_sha256;
        let cfg = Config {
            pinned_spki_sha256: vec![leaf_pin],
            ..Default::default()
        };
        let f = run_live(
            &PinnedRotatingKey,
            &Inventory::default(),
            &[host_serving("live.example.com", chain)],
            &cfg,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["role"], "served leaf");
        assert_eq!(f[0].hostname.as_deref(), Some("live.example.com"));
    }
}
