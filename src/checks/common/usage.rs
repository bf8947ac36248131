//! How a certificate is used, as findings name it, how urgent its expiry is there, and
//! the imported certificates in use with what ACM stores for them.

use crate::finding::Severity;
use crate::inventory::{Certificate, CertificatePem, CertificateType, Inventory};
use crate::pki::x509::{self, CertFacts};

/// Severity for a certificate in use that expires in `days`.
pub fn severity_for_days(days: i64) -> Severity {
    match days {
        d if d <= 7 => Severity::Critical,
        d if d <= 14 => Severity::High,
        _ => Severity::Medium,
    }
}

/// Where a certificate is used, as the `in_use_by` evidence lists it.
pub fn usage_labels(inv: &crate::inventory::Inventory, arn: &str) -> Vec<String> {
    inv.usages(arn).iter().map(usage_label).collect()
}

/// A short label for where a certificate is used.
pub fn usage_label(u: &crate::inventory::Usage) -> String {
    use crate::inventory::Usage;
    match u {
        Usage::Listener {
            listener_arn,
            is_default,
            ..
        } => {
            format!(
                "{listener_arn} ({})",
                if *is_default { "default" } else { "SNI" }
            )
        }
        Usage::Distribution { arn } | Usage::ApiDomain { arn } => arn.clone(),
        Usage::InUseBy { arn } => arn.clone(),
        Usage::Exported => "exported (installed outside AWS)".to_string(),
    }
}

/// In-use imported certificates with the PEM ACM stores for them and its parsed leaf;
/// those whose PEM was not fetched or does not parse are left out (nothing to judge).
pub fn imported_in_use(
    inv: &Inventory,
) -> impl Iterator<Item = (&Certificate, &CertificatePem, CertFacts)> {
    inv.certificates
        .iter()
        .filter(|c| c.cert_type == CertificateType::Imported && inv.is_in_use(c))
        .filter_map(|c| {
            let pem = c.pem.as_ref()?;
            let leaf = x509::parse_pem(&pem.certificate).ok()?.into_iter().next()?;
            Some((c, pem, leaf))
        })
}
