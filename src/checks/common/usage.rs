//! How a certificate is used, as findings name it, and how urgent its expiry is there.

use crate::finding::Severity;

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
        Usage::Distribution { arn } => arn.clone(),
        Usage::InUseBy { arn } => arn.clone(),
    }
}
