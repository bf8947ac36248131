//! Public-key pins: the Amazon Trust Services roots (safe to pin) and the known-broken
//! pin of empty input, as listed in shared/reference/domain-facts.md.

/// (name, base64 SHA-256 of the SPKI). Regenerate from Debian's ca-certificates:
/// `openssl x509 -in Amazon_Root_CA_1.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
pub const AMAZON_TRUST_SERVICES_ROOTS: &[(&str, &str)] = &[
    (
        "Amazon Root CA 1",
        "++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=",
    ),
    (
        "Amazon Root CA 2",
        "f0KW/FtqTjs108NpYj42SrGvOB2PpxIVM8nWxjPqJGE=",
    ),
    (
        "Amazon Root CA 3",
        "NqvDJlas/GRcYbcWE8S/IceH9cq77kg0jVhZeAPXq8k=",
    ),
    (
        "Amazon Root CA 4",
        "9+ze1cZgR9KO1kZrVDxA4HQ6voHRCSVNz4RdTCx4U8U=",
    ),
    (
        "Starfield Services Root CA - G2",
        "KwccWaCgrnaw6tsrrSO61FgLacNgG2MMLq8GE6+oP5I=",
    ),
];

/// SHA-256 of empty input: a pin copied from broken sample code; it matches no key.
pub const EMPTY_INPUT_PIN: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// The root a pin names, if it is an Amazon Trust Services root.
pub fn amazon_root(pin: &str) -> Option<&'static str> {
    AMAZON_TRUST_SERVICES_ROOTS
        .iter()
        .find(|(_, p)| *p == pin.trim())
        .map(|(n, _)| *n)
}

/// Strips an optional `pin-sha256=` / `sha256/` prefix and quotes.
pub fn normalize_pin(pin: &str) -> String {
    let p = pin.trim().trim_matches('"');
    let p = p.strip_prefix("pin-sha256=").unwrap_or(p).trim_matches('"');
    p.strip_prefix("sha256/").unwrap_or(p).to_string()
}
