//! `alb_host_not_covered` — a hostname (or host-header pattern) routed to a load
//! balancer listener that none of its certificates covers.

use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::pki::hostname::{covered_by, is_wildcard, pattern_covered_by};

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A hostname routed to an ALB/NLB TLS listener (Route 53 record or host-header rule) that no attached certificate covers — SAN entries only, a wildcard covers exactly one label. The listener then serves its default certificate. Wildcard host-header conditions (`*`, `?`) are judged as patterns: every name they match must be coverable by a listener certificate. Classic Load Balancers carry one certificate per listener (no SNI).",
        "ALB/NLB の TLS リスナーに振り分けられるホスト名（Route 53 レコードやホストヘッダーのルール）を、リスナーに追加されたどの証明書もカバーしていない状態。判定は SAN のみで、ワイルドカードはちょうど 1 ラベルだけをカバーします。この場合リスナーはデフォルト証明書を返します。ワイルドカードを含むホストヘッダー条件（`*`、`?`）はパターンとして判定し、一致する名前をリスナーの証明書がカバーできる必要があります。Classic Load Balancer はリスナーごとに証明書を 1 枚だけ持ちます（SNI なし）。",
    ),
    browser: label!(
        "NET::ERR_CERT_COMMON_NAME_INVALID (Chrome, Edge) / SSL_ERROR_BAD_CERT_DOMAIN (Firefox).",
        "NET::ERR_CERT_COMMON_NAME_INVALID（Chrome、Edge）/ SSL_ERROR_BAD_CERT_DOMAIN（Firefox）。",
    ),
    fix: label!(
        "Request an ACM certificate that includes the hostname and add it to the listener's certificate list (SNI), or correct the DNS record that sends the name there. On a Classic Load Balancer, replace the listener's one certificate with one that covers every name it serves.",
        "そのホスト名を含む ACM 証明書をリクエストしてリスナーの証明書リスト（SNI）に追加するか、ホスト名をそこへ向けている DNS レコードを修正します。Classic Load Balancer では、リスナーの 1 枚の証明書を、提供するすべての名前をカバーする証明書に差し替えます。",
    ),
};

declare_check!(
    AlbHostNotCovered,
    "alb_host_not_covered",
    Cause::NameMismatch
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for lb in &inv.load_balancers {
        for l in lb.https_listeners() {
            let hosts = inv.listener_hostnames(lb, l);
            if hosts.is_empty() || l.certificates.is_empty() {
                continue;
            }
            // A certificate we could not read (IAM server certificate, another account)
            // has unknown names: do not guess.
            let certs: Option<Vec<&crate::inventory::Certificate>> = l
                .certificates
                .iter()
                .map(|lc| inv.certificate(&lc.arn))
                .collect();
            let Some(certs) = certs else { continue };
            let names: Vec<String> = certs.iter().flat_map(|c| c.sans.iter().cloned()).collect();
            let default = l.default_certificate().and_then(|a| inv.certificate(a));
            out.extend(uncovered_patterns(lb, l, &names));
            for (host, source) in &hosts {
                if covered_by(&names, host) {
                    continue;
                }
                let default_desc = default
                    .map(|c| format!("{} ({})", c.arn, c.sans.join(", ")))
                    .unwrap_or_else(|| "-".into());
                let (lb_name, proto, port) = (&lb.name, &l.protocol, l.port);
                let covered = names.join(", ");
                let f = Finding::new(AlbHostNotCovered::ID, Severity::High, &l.arn, &lb.region)
                        .hostname(host)
                        .title(tr!(
                            "{host} reaches {lb_name} but no certificate on {proto}:{port} covers it",
                            "{host} は {lb_name} に届きますが、{proto}:{port} リスナーの証明書がこのホスト名をカバーしていません"
                        ))
                        .detail(tr!(
                            "{host} ({source}) is sent to {lb_name} listener {proto}:{port}, whose certificates cover only {covered}. Visitors get the default certificate {default_desc}.",
                            "{host}（{source}）は {lb_name} のリスナー {proto}:{port} に振り分けられますが、そのリスナーの証明書がカバーしているのは {covered} だけです。訪問者にはデフォルト証明書 {default_desc} が返されます。"
                        ))
                        .evidence("hostname_source", source)
                        .evidence("load_balancer", &lb.arn)
                        .evidence("certificates", l.certificates.iter().map(|c| &c.arn).collect::<Vec<_>>())
                        .evidence("covered_names", &names);
                out.push(with_fix(f, lb, l, host, &names));
            }
        }
    }
    out
}

/// The fix: a certificate with the name, added beside the others (SNI) — or, on a Classic
/// Load Balancer, one certificate with every name, in place of the listener's one.
fn with_fix(
    f: Finding,
    lb: &crate::inventory::LoadBalancer,
    l: &crate::inventory::Listener,
    name: &str,
    names: &[String],
) -> Finding {
    let region = &lb.region;
    if lb.is_classic() {
        let mut all: Vec<&str> = names.iter().map(String::as_str).collect();
        all.push(name);
        all.sort();
        all.dedup();
        let (first, rest) = all.split_first().expect("one name at least");
        return f
            .step(tr!(
                "A Classic Load Balancer listener carries one certificate (no SNI): request one that covers every name this listener serves:",
                "Classic Load Balancer のリスナーが持てる証明書は 1 枚だけです（SNI なし）。このリスナーが提供するすべての名前をカバーする証明書をリクエストします:"
            ))
            .command(recipes::request_certificate(first, rest, Some(region)))
            .step(tr!(
                "Create the DNS validation records ACM asks for; once it is ISSUED, put it on the listener:",
                "ACM が示す DNS 検証用レコードを作成し、発行済み（ISSUED）になったらリスナーに設定します:"
            ))
            .command(recipes::set_classic_listener_certificate(&lb.name, l.port, recipes::NEW_CERTIFICATE_ARN, region));
    }
    f.command(recipes::request_certificate(name, &[], Some(region)))
        .step(tr!(
            "Create the DNS validation record ACM asks for, and wait until the certificate is ISSUED.",
            "ACM が示す DNS 検証用レコードを作成し、証明書のステータスが「発行済み（ISSUED）」になるまで待ちます。"
        ))
        .command(recipes::add_listener_certificate(&l.arn, recipes::NEW_CERTIFICATE_ARN, region))
        .step(tr!(
            "Console: EC2 → Load Balancers → the load balancer → Listeners → the HTTPS listener → Certificates → Add certificate. If the name should not point here, fix its DNS record instead.",
            "コンソールの場合: EC2 → ロードバランサー → 対象のロードバランサー → リスナー → HTTPS リスナー → 証明書 → 証明書を追加。このホスト名がここを向くべきでないなら、証明書ではなく DNS レコードを修正してください。"
        ))
}

/// Wildcard host-header conditions whose names no listener certificate covers. Not a
/// hostname (nobody types `app-?.example.com`, nothing is probed), so medium: the names
/// it matches get the default certificate, but which of them are in use is unknown.
fn uncovered_patterns(
    lb: &crate::inventory::LoadBalancer,
    l: &crate::inventory::Listener,
    names: &[String],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in &l.rules {
        for pattern in rule.host_headers.iter().filter(|h| is_wildcard(h)) {
            if pattern_covered_by(names, pattern) {
                continue;
            }
            let (lb_name, proto, port, priority) = (&lb.name, &l.protocol, l.port, &rule.priority);
            let covered = names.join(", ");
            let f = Finding::new(AlbHostNotCovered::ID, Severity::Medium, &l.arn, &lb.region)
                .key(format!("{}#{pattern}", rule.arn))
                .title(tr!(
                    "Host-header pattern {pattern} on {lb_name} {proto}:{port} matches names no certificate covers",
                    "{lb_name} の {proto}:{port} のホストヘッダーパターン {pattern} に一致する名前を、どの証明書もカバーしていません"
                ))
                .detail(tr!(
                    "Rule {priority} routes {pattern} to this listener, whose certificates cover only {covered}: a visitor of a name it matches gets the default certificate and a name-mismatch warning.",
                    "ルール {priority} は {pattern} をこのリスナーに振り分けますが、リスナーの証明書がカバーしているのは {covered} だけです。パターンに一致する名前の訪問者にはデフォルト証明書が返され、名前の不一致の警告が出ます。"
                ))
                .evidence("host_header_pattern", pattern)
                .evidence("rule", &rule.arn)
                .evidence("load_balancer", &lb.arn)
                .evidence("covered_names", names);
            let wildcard = pattern_certificate_name(pattern);
            out.push(with_fix(f, lb, l, &wildcard, names));
        }
    }
    out
}

/// The certificate name that covers a host-header pattern's first label: `*.REST`.
fn pattern_certificate_name(pattern: &str) -> String {
    match pattern.split_once('.') {
        Some((_, rest)) if !is_wildcard(rest) => format!("*.{rest}"),
        _ => pattern.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{DnsRecord, Inventory, Rule};
    use crate::testkit::*;

    fn setup(default_sans: &[&str], sni_sans: Option<&[&str]>, host: &str) -> Inventory {
        let mut inv = Inventory::default();
        inv.certificates.push(cert("default", default_sans, 200));
        let sni: Vec<&str> = if let Some(s) = sni_sans {
            inv.certificates.push(cert("sni", s, 200));
            vec!["sni"]
        } else {
            vec![]
        };
        let mut lb = alb("web");
        lb.listeners.push(with_certs(
            listener("web", 443, "HTTPS", forward()),
            "default",
            &sni,
        ));
        inv.dns_records
            .push(alias_record(host, &format!("dualstack.{}", lb.dns_name)));
        inv.load_balancers.push(lb);
        inv
    }

    #[test]
    fn uncovered_host_gets_the_default_certificate() {
        let f = run_check(
            &AlbHostNotCovered,
            &setup(&["www.example.com"], None, "shop.example.com"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].hostname.as_deref(), Some("shop.example.com"));
        assert!(f[0].detail.contains("www.example.com"));
    }

    #[test]
    fn sni_only_certificate_covers_the_host() {
        assert!(
            run_check(
                &AlbHostNotCovered,
                &setup(
                    &["www.example.com"],
                    Some(&["shop.example.com"]),
                    "shop.example.com"
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn wildcard_covers_one_label_only() {
        assert!(
            run_check(
                &AlbHostNotCovered,
                &setup(&["*.example.com"], None, "shop.example.com")
            )
            .is_empty()
        );
        assert_eq!(
            run_check(
                &AlbHostNotCovered,
                &setup(&["*.example.com"], None, "a.shop.example.com")
            )
            .len(),
            1
        );
        assert_eq!(
            run_check(
                &AlbHostNotCovered,
                &setup(&["*.example.com"], None, "example.com")
            )
            .len(),
            1
        );
    }

    #[test]
    fn host_header_rules_are_hostnames_too() {
        let mut inv = setup(&["www.example.com"], None, "www.example.com");
        inv.load_balancers[0].listeners[0].rules.push(Rule {
            arn: "r".into(),
            priority: "3".into(),
            host_headers: vec![
                "api.example.com".into(),
                "*.internal.example.com".into(),
                // Regression: `?` (one character) made a "hostname" nobody can type.
                "app-?.example.com".into(),
            ],
            actions: vec![forward()],
            ..Default::default()
        });
        let f = run_check(&AlbHostNotCovered, &inv);
        let found: Vec<(Option<&str>, Severity)> = f
            .iter()
            .map(|f| (f.hostname.as_deref(), f.severity))
            .collect();
        // The patterns are judged as patterns (medium), never as hostnames.
        assert_eq!(
            found,
            vec![
                (None, Severity::Medium),
                (None, Severity::Medium),
                (Some("api.example.com"), Severity::High)
            ],
            "{f:#?}"
        );
        let fixes = f
            .iter()
            .flat_map(|f| &f.remediation)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n");
        assert!(fixes.contains("--domain-name *.example.com "), "{fixes}");
        assert!(
            fixes.contains("--domain-name *.internal.example.com "),
            "{fixes}"
        );
    }

    /// Item 8's twin: a wildcard certificate covering the patterns keeps them clean,
    /// while a pattern one label deeper than it still needs its own wildcard.
    #[test]
    fn host_header_patterns_a_wildcard_covers_stay_clean() {
        let mut inv = setup(&["*.example.com"], None, "www.example.com");
        inv.load_balancers[0].listeners[0].rules.push(Rule {
            arn: "r".into(),
            priority: "3".into(),
            host_headers: vec!["app-?.example.com".into(), "*.example.com".into()],
            actions: vec![forward()],
            ..Default::default()
        });
        assert!(run_check(&AlbHostNotCovered, &inv).is_empty());
        inv.load_balancers[0].listeners[0].rules[0]
            .host_headers
            .push("*.eu.example.com".into());
        let f = run_check(&AlbHostNotCovered, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].title.contains("*.eu.example.com"));
    }

    /// A Classic Load Balancer has no SNI: the fix replaces its one certificate with one
    /// covering every name, never `add-listener-certificates`.
    #[test]
    fn classic_listener_fix_replaces_its_one_certificate() {
        let mut inv = Inventory::default();
        inv.certificates.push(cert("c", &["www.example.com"], 200));
        let lb = classic_lb("legacy", "c", false);
        for host in ["www.example.com", "shop.example.com"] {
            inv.dns_records.push(alias_record(host, &lb.dns_name));
        }
        inv.load_balancers.push(lb);
        let f = run_check(&AlbHostNotCovered, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].hostname.as_deref(), Some("shop.example.com"));
        let cmds = f[0].remediation.join("\n");
        assert!(
            cmds.contains("set-load-balancer-listener-ssl-certificate"),
            "{cmds}"
        );
        assert!(
            cmds.contains("shop.example.com --subject-alternative-names www.example.com"),
            "{cmds}"
        );
        assert!(!cmds.contains("add-listener-certificates"), "{cmds}");
        // Its twin: the certificate covering both names is clean.
        inv.certificates[0].sans.push("shop.example.com".into());
        assert!(run_check(&AlbHostNotCovered, &inv).is_empty());
    }

    /// Regression (real estates): an HTTPS:8443 admin listener with its own certificate
    /// made `www` "uncovered" there, though a browser typing the name reaches :443.
    #[test]
    fn bare_names_are_judged_on_443_only_and_rules_on_their_listener() {
        let mut inv = setup(&["www.example.com"], None, "www.example.com");
        inv.certificates
            .push(cert("admin", &["admin.example.com"], 200));
        let mut admin = with_certs(listener("web", 8443, "HTTPS", forward()), "admin", &[]);
        admin.rules.push(Rule {
            arn: "r".into(),
            priority: "1".into(),
            host_headers: vec!["ops.example.com".into()],
            actions: vec![forward()],
            ..Default::default()
        });
        let admin_arn = admin.arn.clone();
        inv.load_balancers[0].listeners.push(admin);
        let f = run_check(&AlbHostNotCovered, &inv);
        let found: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.hostname.as_deref().unwrap(), f.resource.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![("ops.example.com", admin_arn.as_str())],
            "{f:#?}"
        );
    }

    /// The classic: `www CNAME example.com`, the apex an alias to the ALB, and a
    /// certificate for the apex only. Its twin: a certificate with www too stays clean.
    #[test]
    fn www_through_a_cname_to_the_apex_is_name_checked() {
        for (sans, expect) in [
            (&["example.com"][..], vec!["www.example.com"]),
            (&["example.com", "www.example.com"][..], vec![]),
        ] {
            let mut inv = setup(sans, None, "example.com");
            inv.dns_records.push(DnsRecord {
                rtype: "CNAME".into(),
                alias: false,
                ..alias_record("www.example.com", "example.com")
            });
            let f = run_check(&AlbHostNotCovered, &inv);
            let hosts: Vec<&str> = f.iter().filter_map(|f| f.hostname.as_deref()).collect();
            assert_eq!(hosts, expect, "{sans:?}");
        }
    }

    #[test]
    fn unknown_certificate_is_not_guessed_about() {
        let mut inv = setup(&["www.example.com"], None, "shop.example.com");
        inv.certificates.clear();
        assert!(run_check(&AlbHostNotCovered, &inv).is_empty());
    }
}
