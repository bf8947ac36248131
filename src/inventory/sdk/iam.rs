//! IAM server certificates a listener carries (`GetServerCertificate`, global): AWS
//! never renews them and ACM cannot describe them, so their names and dates come from
//! the certificate body IAM returns.

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;

impl SdkReader {
    pub(super) async fn iam_server_certificate(&self, arn: &str) -> Result<Certificate, ApiError> {
        // arn:aws:iam::ACCOUNT:server-certificate[/PATH]/NAME — the API takes the name.
        let name = arn.rsplit('/').next().unwrap_or_default();
        let resp = self
            .iam()
            .get_server_certificate()
            .server_certificate_name(name)
            .send()
            .await
            .map_err(|e| api_err("iam", "GetServerCertificate", None, e))?;
        let sc = resp.server_certificate();
        Ok(server_certificate(
            arn,
            sc.map(|s| s.certificate_body()).unwrap_or_default(),
            sc.and_then(|s| s.certificate_chain()),
        ))
    }
}

/// An IAM server certificate in the inventory's shape, its facts read from the body.
pub fn server_certificate(arn: &str, body: &str, chain: Option<&str>) -> Certificate {
    let leaf = crate::pki::x509::parse_pem(body)
        .ok()
        .and_then(|v| v.into_iter().next());
    let at = |t: i64| chrono::DateTime::<chrono::Utc>::from_timestamp(t, 0);
    let sans = leaf
        .as_ref()
        .map(|l| l.dns_names.clone())
        .unwrap_or_default();
    Certificate {
        arn: arn.to_string(),
        region: "global".into(),
        domain_name: sans.first().cloned().unwrap_or_default(),
        sans,
        cert_type: CertificateType::IamServer,
        status: CertificateStatus::Issued,
        not_before: leaf.as_ref().and_then(|l| at(l.not_before)),
        not_after: leaf.as_ref().and_then(|l| at(l.not_after)),
        in_use: Some(true),
        serial: leaf.as_ref().map(|l| l.serial_hex.clone()),
        issuer: leaf.as_ref().map(|l| l.issuer.clone()),
        described: true,
        pem: Some(CertificatePem {
            certificate: body.to_string(),
            chain: chain.map(str::to_string),
        }),
        ..Default::default()
    }
}
