//! Hostname matching as browsers do it (RFC 6125 / RFC 9525): SAN dNSName only, a
//! wildcard is the whole left-most label and covers exactly one label.

/// Normalises a hostname for comparison: lower case, one trailing dot stripped,
/// Unicode labels turned into `xn--` A-labels is left to callers that have them; names
/// from AWS and certificates are already A-labels.
pub fn normalize(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a single certificate name (`dNSName` SAN) covers `host`.
pub fn name_covers(pattern: &str, host: &str) -> bool {
    let pattern = normalize(pattern);
    let host = normalize(host);
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        // Only a whole-label wildcard counts, and never over a public suffix-like single
        // label ("*.com" is not issued by public CAs; browsers refuse it).
        if suffix.contains('*') || !suffix.contains('.') {
            return false;
        }
        match host.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest == suffix,
            None => false,
        }
    } else if pattern.contains('*') {
        // Partial wildcards (f*.example.com) are not honoured by browsers.
        false
    } else {
        pattern == host
    }
}

/// Whether any of `names` covers `host`.
pub fn covered_by<S: AsRef<str>>(names: &[S], host: &str) -> bool {
    names.iter().any(|n| name_covers(n.as_ref(), host))
}

/// Whether a served leaf (DER) is valid for `host` as the TLS stack judges it:
/// rustls-webpki's own name verification (SAN `dNSName` with one-label wildcards,
/// `iPAddress` for an IP literal, never the subject CN), so the probe and a browser's
/// TLS library never disagree.
pub fn served_leaf_covers(leaf_der: &[u8], host: &str) -> bool {
    use rustls::pki_types::{CertificateDer, ServerName};
    let der = CertificateDer::from(leaf_der);
    let Ok(cert) = webpki::EndEntityCert::try_from(&der) else {
        return false;
    };
    let host = normalize(host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match ServerName::try_from(host) {
        Ok(name) => cert.verify_is_valid_for_subject_name(&name).is_ok(),
        Err(_) => false,
    }
}

/// Whether the names an ALB host-header pattern matches (`*` any characters, `?` one) are
/// covered by `names`: judged on a representative name, each wildcard character standing
/// for one letter. `*.example.com` needs `*.example.com`; `api-?.example.com` is covered by
/// `*.example.com`; `www.*.example.com` by nothing a browser accepts.
pub fn pattern_covered_by<S: AsRef<str>>(names: &[S], pattern: &str) -> bool {
    let representative: String = normalize(pattern)
        .chars()
        .map(|c| if matches!(c, '*' | '?') { 'x' } else { c })
        .collect();
    covered_by(names, &representative)
}

/// A hostname as browsers send it: IDNs as `xn--` A-labels, lower case, no trailing
/// dot. `None` when it is not a valid hostname.
pub fn to_ascii(host: &str) -> Option<String> {
    let h = host.trim().trim_end_matches('.');
    if h.is_empty() || h.contains(['/', ':', ' ', '@']) {
        return None;
    }
    idna::domain_to_ascii(h).ok().filter(|a| !a.is_empty())
}

/// Whether a hostname is a wildcard pattern rather than something a visitor types: `*`
/// in certificates, aliases and ALB host-header conditions, and `?` (exactly one
/// character) in host-header conditions (ELB `HostHeaderConditionConfig`).
pub fn is_wildcard(name: &str) -> bool {
    name.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10: an IP literal matches only an `iPAddress` SAN; a `dNSName` holding the
    /// address does not (browsers refuse it). Names match as webpki matches them.
    #[test]
    fn served_names_are_judged_by_webpki_including_ip_literals() {
        use rcgen::{CertificateParams, KeyPair, SanType};
        let make = |sans: Vec<SanType>| {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.subject_alt_names = sans;
            p.self_signed(&KeyPair::generate().unwrap())
                .unwrap()
                .der()
                .to_vec()
        };
        let ip = make(vec![SanType::IpAddress("192.0.2.7".parse().unwrap())]);
        assert!(served_leaf_covers(&ip, "192.0.2.7"));
        assert!(!served_leaf_covers(&ip, "192.0.2.8"));
        let dns_ip = make(vec![SanType::DnsName("192.0.2.7".try_into().unwrap())]);
        assert!(!served_leaf_covers(&dns_ip, "192.0.2.7"));
        let wild = make(vec![SanType::DnsName("*.example.com".try_into().unwrap())]);
        assert!(served_leaf_covers(&wild, "a.example.com"));
        assert!(served_leaf_covers(&wild, "A.Example.com."));
        assert!(!served_leaf_covers(&wild, "a.b.example.com"));
        assert!(!served_leaf_covers(&wild, "example.com"));
    }

    #[test]
    fn host_header_patterns_are_covered_as_patterns() {
        let wild = ["*.example.com"];
        assert!(pattern_covered_by(&wild, "*.example.com"));
        assert!(pattern_covered_by(&wild, "api-?.example.com"));
        assert!(!pattern_covered_by(&wild, "*.eu.example.com"));
        assert!(!pattern_covered_by(&wild, "www.*.example.com"));
        assert!(!pattern_covered_by(&["www.example.com"], "*.example.com"));
        assert!(pattern_covered_by(
            &["*.eu.example.com"],
            "*.EU.example.com"
        ));
    }

    #[test]
    fn wildcard_covers_exactly_one_label() {
        assert!(name_covers("*.example.com", "a.example.com"));
        assert!(name_covers("*.Example.COM", "A.example.com."));
        assert!(!name_covers("*.example.com", "a.b.example.com"));
        assert!(!name_covers("*.example.com", "example.com"));
    }

    #[test]
    fn host_header_patterns_are_wildcards_not_names() {
        for p in ["*.example.com", "app-?.example.com", "api.example.*"] {
            assert!(is_wildcard(p), "{p}");
        }
        assert!(!is_wildcard("app-1.example.com"));
    }

    #[test]
    fn exact_and_partial() {
        assert!(name_covers("www.example.com", "WWW.example.com"));
        assert!(!name_covers("www.example.com", "example.com"));
        assert!(!name_covers("f*.example.com", "foo.example.com"));
        assert!(!name_covers("*.com", "example.com"));
        assert!(name_covers(
            "xn--bcher-kva.example",
            "XN--BCHER-KVA.example"
        ));
        assert_eq!(
            to_ascii("Bücher.example.").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(to_ascii("http://x"), None);
    }
}
