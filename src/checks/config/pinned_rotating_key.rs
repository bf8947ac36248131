//! `pinned_rotating_key` — client apps pin a key that ACM rotates.

use crate::checks::prelude::*;
use crate::pki::pins::{EMPTY_INPUT_PIN, amazon_root, normalize_pin};
use crate::pki::x509;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A public-key pin (PINNED_SPKI_SHA256) of an ACM leaf or intermediate certificate, which change at every renewal; the broken pin of empty input (47DEQpj8…); or a pin that matches no Amazon root and no certificate in use.",
        "更新のたびに変わる ACM のリーフ証明書や中間証明書の公開鍵へのピン（PINNED_SPKI_SHA256）、空データのピン（47DEQpj8…）、または Amazon のルートにも使用中のどの証明書にも一致しないピン。",
    ),
    browser: label!(
        "Browsers no longer honour HPKP, but pinned mobile and API clients fail after the next renewal: \"Certificate pinning failure!\" (OkHttp), NSURLErrorServerCertificateUntrusted (iOS).",
        "ブラウザはもう HPKP を使いませんが、ピン留めしたモバイルアプリや API クライアントは次の更新後に失敗します: \"Certificate pinning failure!\"（OkHttp）、NSURLErrorServerCertificateUntrusted（iOS）。",
    ),
    fix: label!(
        "Pin the five Amazon Trust Services root keys (Amazon Root CA 1–4 and Starfield Services Root CA – G2), or do not pin at all, as AWS recommends; ship the app update before the next renewal.",
        "AWS の推奨どおり、Amazon Trust Services の 5 つのルート鍵（Amazon Root CA 1〜4 と Starfield Services Root CA – G2）をピン留めするか、ピン留めをやめます。次の更新より前にアプリの更新を配布してください。",
    ),
};

declare_check!(PinnedRotatingKey, "pinned_rotating_key", Cause::Pinning);

const ATS_PINS: &str = "++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=, f0KW/FtqTjs108NpYj42SrGvOB2PpxIVM8nWxjPqJGE=, NqvDJlas/GRcYbcWE8S/IceH9cq77kg0jVhZeAPXq8k=, 9+ze1cZgR9KO1kZrVDxA4HQ6voHRCSVNz4RdTCx4U8U=, KwccWaCgrnaw6tsrrSO61FgLacNgG2MMLq8GE6+oP5I=";

fn ats_fix() -> Text {
    tr!(
        "Replace the pin set in the client apps with the five Amazon Trust Services roots: {ATS_PINS} — or remove pinning.",
        "クライアントアプリのピンを、Amazon Trust Services の 5 つのルート証明書のピン（{ATS_PINS}）に置き換えるか、ピン留めをやめてください。"
    )
}

/// A pin's role, as a report reads it.
fn role_text(role: &str) -> Text {
    match role {
        "leaf" => tr!("leaf", "リーフ"),
        "intermediate" => tr!("intermediate", "中間"),
        "served leaf" => tr!("served leaf", "配信中のリーフ"),
        _ => tr!("served intermediate", "配信中の中間"),
    }
}

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
    if ctx.settings.pinned_spki_sha256.is_empty() {
        return Vec::new();
    }
    let keys = served_keys(ctx);
    let mut out = Vec::new();
    for raw in ctx.settings.pinned_spki_sha256 {
        let pin = normalize_pin(raw);
        if amazon_root(&pin).is_some() {
            continue;
        }
        if pin == EMPTY_INPUT_PIN && ctx.full_scan {
            out.push(
                Finding::new(PinnedRotatingKey::ID, Severity::High, "config:PINNED_SPKI_SHA256", "global")
                    .key(&pin)
                    .title(tr!(
                        "A client pin is the SHA-256 of empty input and matches no key",
                        "クライアントのピンが空データの SHA-256 になっており、どの鍵とも一致しません"
                    ))
                    .detail(tr!(
                        "The pin {pin} is the SHA-256 of zero bytes, copied from broken sample code. It never matches a real key: clients that rely on it either always fail or do not really pin.",
                        "ピン {pin} は 0 バイトのデータの SHA-256 で、誤ったサンプルコードから写されたものです。実在の鍵と一致することはないため、これに頼るクライアントは常に接続に失敗するか、実際にはピン留めが効いていません。"
                    ))
                    .evidence("pin", &pin)
                    .step(ats_fix()),
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
                    .title(tr!(
                        "A client pin matches no Amazon root and no certificate in use",
                        "クライアントのピンが Amazon のルートにも使用中のどの証明書にも一致しません"
                    ))
                    .detail(tr!(
                        "The pin {pin} is neither an Amazon Trust Services root nor the key of any certificate this scan saw in use. If it is a backup key, fine; if clients rely on it alone, they fail today.",
                        "ピン {pin} は Amazon Trust Services のルートでも、今回のスキャンで使用中と確認したどの証明書の鍵でもありません。バックアップ用の鍵なら問題ありませんが、クライアントがこのピンだけに頼っているなら、すでに接続に失敗しているはずです。"
                    ))
                    .evidence("pin", &pin)
                    .step(ats_fix()),
            );
            continue;
        }
        let mut seen = std::collections::BTreeSet::new();
        for m in matches {
            if !seen.insert((m.resource.clone(), m.role)) {
                continue;
            }
            let role = role_text(m.role);
            let (role_en, role_ja) = (&role.en, &role.ja);
            let (who, subject) = (m.hostname.as_deref().unwrap_or(&m.resource), &m.subject);
            let mut f = Finding::new(PinnedRotatingKey::ID, Severity::High, &m.resource, &m.region)
                .key(format!("{pin}/{}", m.role))
                .title(tr!(
                    "Clients pin the {role_en} key of {who}, which changes at renewal",
                    "クライアントが {who} の{role_ja}証明書の鍵をピン留めしていますが、この鍵は更新時に変わります"
                ))
                .detail(tr!(
                    "The pin {pin} is the key of the {role_en} certificate \"{subject}\". ACM issues a new key at renewal and picks among several intermediates, so pinned clients will fail after the next renewal.",
                    "ピン {pin} は{role_ja}証明書「{subject}」の鍵です。ACM は更新のたびに新しい鍵で発行し、中間証明書も複数の中から選ぶため、ピン留めしたクライアントは次の更新後に接続できなくなります。"
                ))
                .evidence("pin", &pin)
                .evidence("role", m.role)
                .evidence("subject", &m.subject)
                .step(ats_fix())
                .step(tr!(
                    "Ship the client update before the certificate renews (ACM renews 60 days before expiry).",
                    "証明書が更新される前にクライアントの更新を配布してください（ACM は有効期限の 60 日前に更新します）。"
                ));
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
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::testkit::*;

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
