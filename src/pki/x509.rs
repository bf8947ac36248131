//! Certificate facts the checks need, read from PEM/DER with x509-parser. Pure parsing:
//! no network, no clock.

use base64::Engine;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// The facts of one certificate that the checks look at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub serial_hex: String,
    /// SAN dNSName entries (lower case).
    pub dns_names: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
    /// base64 SHA-256 of the SubjectPublicKeyInfo (an HPKP / pin-sha256 value).
    pub spki_sha256: String,
    pub is_ca: bool,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    /// caIssuers URL from Authority Information Access, if any.
    pub aia_ca_issuers: Vec<String>,
    /// Number of embedded SCTs (RFC 6962 extension), if the extension is present.
    pub embedded_scts: Vec<Sct>,
    pub signature_algorithm: String,
    pub public_key_bits: usize,
    pub public_key_kind: String,
    pub extended_key_usage_server_auth: Option<bool>,
}

/// An embedded signed certificate timestamp.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sct {
    /// base64 log id.
    pub log_id: String,
    pub timestamp_ms: u64,
}

impl CertFacts {
    /// Issuer equals subject and, where key ids are present, they agree.
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
            && match (&self.subject_key_id, &self.authority_key_id) {
                (Some(s), Some(a)) => s == a,
                _ => true,
            }
    }
    /// Whether `other` is this certificate's issuer (by name and, when present, key id).
    pub fn is_issued_by(&self, other: &CertFacts) -> bool {
        self.issuer == other.subject
            && match (&self.authority_key_id, &other.subject_key_id) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            }
    }
}

/// Reason a certificate could not be parsed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("certificate could not be parsed: {0}")]
pub struct ParseError(pub String);

/// Parses one DER certificate.
pub fn parse_der(der: &[u8]) -> Result<CertFacts, ParseError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| ParseError(e.to_string()))?;
    let tbs = &cert.tbs_certificate;
    let mut dns_names = Vec::new();
    let mut is_ca = false;
    let mut ski = None;
    let mut aki = None;
    let mut aia = Vec::new();
    let mut scts = Vec::new();
    let mut eku = None;
    for ext in tbs.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    if let GeneralName::DNSName(d) = n {
                        dns_names.push(d.to_ascii_lowercase());
                    }
                }
            }
            ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(crate::finding::hex(k.0)),
            ParsedExtension::AuthorityKeyIdentifier(k) => {
                aki = k.key_identifier.as_ref().map(|k| crate::finding::hex(k.0))
            }
            ParsedExtension::AuthorityInfoAccess(a) => {
                for d in &a.accessdescs {
                    if d.access_method
                        == x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                        && let GeneralName::URI(u) = &d.access_location
                    {
                        aia.push(u.to_string());
                    }
                }
            }
            ParsedExtension::SCT(list) => {
                for s in list {
                    scts.push(Sct {
                        log_id: base64::engine::general_purpose::STANDARD.encode(s.id.key_id),
                        timestamp_ms: s.timestamp,
                    });
                }
            }
            ParsedExtension::ExtendedKeyUsage(e) => eku = Some(e.server_auth || e.any),
            _ => {}
        }
    }
    let spki_der = tbs.subject_pki.raw;
    let spki_sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki_der));
    let (kind, bits) = match tbs.subject_pki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => ("RSA".to_string(), r.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(e)) => ("EC".to_string(), e.key_size()),
        Ok(_) => ("other".to_string(), 0),
        Err(_) => ("unparsed".to_string(), 0),
    };
    let signature_algorithm = signature_name(&cert.signature_algorithm.algorithm.to_id_string());
    Ok(CertFacts {
        subject: tbs.subject().to_string(),
        issuer: tbs.issuer().to_string(),
        serial_hex: tbs
            .raw_serial_as_string()
            .replace(':', "")
            .to_ascii_lowercase(),
        dns_names,
        not_before: tbs.validity().not_before.timestamp(),
        not_after: tbs.validity().not_after.timestamp(),
        spki_sha256,
        is_ca,
        subject_key_id: ski,
        authority_key_id: aki,
        aia_ca_issuers: aia,
        embedded_scts: scts,
        signature_algorithm,
        public_key_bits: bits,
        public_key_kind: kind,
        extended_key_usage_server_auth: eku,
    })
}

/// Splits a PEM bundle into DER certificates (non-certificate blocks are skipped).
pub fn pem_to_der(pem: &str) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut out = Vec::new();
    for p in Pem::iter_from_buffer(pem.as_bytes()) {
        let p = p.map_err(|e| ParseError(e.to_string()))?;
        if p.label == "CERTIFICATE" {
            out.push(p.contents);
        }
    }
    Ok(out)
}

/// Parses every certificate of a PEM bundle.
pub fn parse_pem(pem: &str) -> Result<Vec<CertFacts>, ParseError> {
    pem_to_der(pem)?.iter().map(|d| parse_der(d)).collect()
}

/// A readable name for the common signature algorithm OIDs.
fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "ed25519",
        other => return other.to_string(),
    }
    .to_string()
}

impl CertFacts {
    /// SHA-1 (or MD5) signatures are rejected by browsers.
    pub fn has_weak_signature(&self) -> bool {
        let s = self.signature_algorithm.to_ascii_lowercase();
        s.contains("sha1") || s.contains("md5")
    }
    /// RSA under 2048 bits or EC under 256 bits.
    pub fn has_weak_key(&self) -> bool {
        match self.public_key_kind.as_str() {
            "RSA" => self.public_key_bits < 2048,
            "EC" => self.public_key_bits < 256,
            _ => false,
        }
    }
}
