//! `certificate_revoked_or_inactive` — a certificate ACM holds as `REVOKED` or `INACTIVE`.

use crate::checks::common::recipes::{cleanup_steps, replacement_steps};
use crate::checks::common::usage::usage_labels;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A certificate whose ACM status is REVOKED (its CA revoked it; only exported certificates can be revoked on request) or INACTIVE (no longer valid for use). In use it is urgent; unused it is only clean-up.",
        "ACM のステータスが REVOKED（CA が失効させた。要求による失効はエクスポートした証明書のみ）または INACTIVE（もう使用できない）の証明書。使用中なら緊急、未使用なら整理の対象です。",
    ),
    browser: label!(
        "NET::ERR_CERT_REVOKED (Chrome, Edge, through CRLSets and OCSP) / SEC_ERROR_REVOKED_CERTIFICATE (Firefox) for a revoked certificate; clients that check revocation refuse it.",
        "失効した証明書では NET::ERR_CERT_REVOKED（Chrome、Edge: CRLSet と OCSP による）/ SEC_ERROR_REVOKED_CERTIFICATE（Firefox）。失効を確認するクライアントは接続を拒否します。",
    ),
    fix: label!(
        "Request a new certificate for the same names, attach it everywhere the revoked one is used, then delete the revoked certificate.",
        "同じ名前で新しい証明書をリクエストし、失効した証明書を使っているすべての場所に関連付けてから、失効した証明書を削除します。",
    ),
};

declare_check!(
    CertificateRevokedOrInactive,
    "certificate_revoked_or_inactive",
    Cause::Untrusted
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for c in &inv.certificates {
        let revoked = match c.status {
            CertificateStatus::Revoked => true,
            CertificateStatus::Inactive => false,
            _ => continue,
        };
        let in_use = inv.is_in_use(c);
        let severity = match (in_use, revoked) {
            (true, true) => Severity::Critical,
            (true, false) => Severity::High,
            (false, _) => Severity::Low,
        };
        let (arn, name, region, status) = (&c.arn, &c.domain_name, &c.region, &c.status);
        let users = usage_labels(inv, arn);
        let n = users.len().max(1);
        let f = Finding::new(CertificateRevokedOrInactive::ID, severity, arn, region)
            .hostname(name)
            .title(tr!(
                "Certificate for {name} is {status}",
                "{name} の証明書のステータスが {status} です"
            ))
            .evidence("status", status)
            .evidence("in_use_by", &users);
        let f = if in_use {
            let f = f.detail(tr!(
                "{arn} ({name}) is {status} and still attached to {n} resource(s); clients that check revocation refuse the connection.",
                "{arn}（{name}）は {status} ですが、まだ {n} 件のリソースに関連付けられています。失効を確認するクライアントは接続を拒否します。"
            ));
            replacement_steps(f, c)
        } else {
            let f = f.detail(tr!(
                "{arn} ({name}) is {status}. Nothing uses it, so no visitor sees it.",
                "{arn}（{name}）は {status} です。どこにも使われていないため、訪問者への影響はありません。"
            ));
            cleanup_steps(f, c)
        };
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    /// One certificate in `status`, attached to an HTTPS listener when `in_use`.
    fn estate(status: &str, in_use: bool) -> Inventory {
        let mut inv = Inventory::default();
        let mut c = cert("c", &["shop.example.com", "www.shop.example.com"], 200);
        c.status = status.into();
        inv.certificates.push(c);
        if in_use {
            let mut lb = alb("shop");
            lb.listeners.push(with_certs(
                listener("shop", 443, "HTTPS", forward()),
                "c",
                &[],
            ));
            inv.load_balancers.push(lb);
        }
        inv
    }

    #[test]
    fn revoked_certificate_in_use_is_critical_with_a_replacement() {
        let f = run_check(&CertificateRevokedOrInactive, &estate("REVOKED", true));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Critical);
        assert_eq!(f[0].hostname.as_deref(), Some("shop.example.com"));
        assert!(
            f[0].first_fix().starts_with(
                "aws acm request-certificate --domain-name shop.example.com --subject-alternative-names www.shop.example.com"
            ),
            "{:?}",
            f[0].remediation
        );
    }

    #[test]
    fn inactive_in_use_is_high_and_unused_ones_are_only_clean_up() {
        let f = run_check(&CertificateRevokedOrInactive, &estate("INACTIVE", true));
        assert_eq!(f[0].severity, Severity::High);
        for status in ["REVOKED", "INACTIVE"] {
            let f = run_check(&CertificateRevokedOrInactive, &estate(status, false));
            assert_eq!(f[0].severity, Severity::Low, "{status}");
            assert!(f[0].first_fix().starts_with("aws acm delete-certificate"));
        }
    }

    #[test]
    fn healthy_twin_issued_certificate_in_use_stays_clean() {
        assert!(run_check(&CertificateRevokedOrInactive, &estate("ISSUED", true)).is_empty());
        assert!(run_check(&CertificateRevokedOrInactive, &estate("EXPIRED", true)).is_empty());
    }
}
