//! `https_unreachable` — a hostname that resolves but whose HTTPS port gives no certificate.

use crate::checks::common::hosts::{expected_targets, resource_for_host};
use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A hostname that resolves, but whose port 443 refuses the connection, resets it, times out or fails the TLS handshake before any certificate is served: typically a load balancer with only an HTTP listener, a security group closed to 443, or a listener that rejects the name.",
        "名前解決はできるものの、ポート 443 が接続を拒否・リセットする、タイムアウトする、または証明書が返される前に TLS ハンドシェイクが失敗するホスト名。典型的には、HTTP リスナーしかないロードバランサー、443 を許可していないセキュリティグループ、そのホスト名を受け付けないリスナーです。",
    ),
    browser: label!(
        "ERR_CONNECTION_REFUSED, ERR_CONNECTION_TIMED_OUT or ERR_SSL_PROTOCOL_ERROR (Chrome, Edge) / \"Unable to connect\" or SSL_ERROR_… (Firefox): the site does not open over https:// at all.",
        "ERR_CONNECTION_REFUSED、ERR_CONNECTION_TIMED_OUT、ERR_SSL_PROTOCOL_ERROR（Chrome、Edge）/「接続できません」や SSL_ERROR_…（Firefox）。https:// ではサイトがまったく開きません。",
    ),
    fix: label!(
        "Attach an ACM certificate where the name lands — an HTTPS:443 listener on the load balancer, or the distribution's viewer certificate — and allow 443 in its security group; or point the name at the resource that serves it.",
        "ホスト名が到達する場所に ACM 証明書を関連付けます（ロードバランサーの HTTPS:443 リスナー、またはディストリビューションのビューワー証明書）。あわせてセキュリティグループで 443 を許可するか、ホスト名を実際に配信しているリソースに向けます。",
    ),
};

declare_check!(HttpsUnreachable, "https_unreachable", Cause::NotAssociated);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for h in ctx.hosts {
        // Without an address there was no connection to try (dns_not_associated speaks);
        // with a certificate served, the other live checks judge it.
        let Some(error) = &h.tls.error else { continue };
        if h.dns.error.is_some() || h.dns.addresses.is_empty() || !h.tls.served_chain.is_empty() {
            continue;
        }
        let host = &h.hostname;
        let (resource, region) = resource_for_host(inv, host);
        let routed = !expected_targets(inv, host).is_empty();
        let at = h.tls.address.as_deref().unwrap_or("?");
        let lb = inv.load_balancers.iter().find(|lb| lb.arn == resource);
        // An internal load balancer or private addresses are out of a probe's reach from
        // outside their network: that is not what their visitors get.
        let internal =
            lb.is_some_and(|lb| !lb.is_internet_facing()) || h.dns.addresses.iter().all(is_private);
        // Mutual TLS: the server wants a client certificate. That is a choice, not an
        // outage; a browser shows a certificate picker (ERR_BAD_SSL_CLIENT_AUTH_CERT
        // without one), so say so instead of "cannot be reached".
        if h.tls.client_certificate_requested {
            out.push(
                Finding::new(HttpsUnreachable::ID, Severity::Low, &resource, &region)
                    .hostname(host)
                    .key("client-certificate")
                    .title(tr!(
                        "https://{host}/ requires a client certificate",
                        "https://{host}/ はクライアント証明書を要求します"
                    ))
                    .detail(tr!(
                        "The server at {at} asks for a client certificate and ends the handshake without one ({error}). Browsers show a certificate picker, and ERR_BAD_SSL_CLIENT_AUTH_CERT to visitors who have none.",
                        "{at} のサーバーはクライアント証明書を要求し、証明書がないとハンドシェイクを終了します（{error}）。ブラウザは証明書の選択画面を表示し、証明書を持たない訪問者には ERR_BAD_SSL_CLIENT_AUTH_CERT が表示されます。"
                    ))
                    .evidence("tls_error", error)
                    .evidence("address", at)
                    .step(tr!(
                        "If the name is for browsers, turn client-certificate verification off for it (on an ALB: the listener's mutual TLS mode \"off\", or \"passthrough\"); if it is an mTLS API, nothing to do.",
                        "ブラウザ向けのホスト名なら、クライアント証明書の検証をオフにします（ALB ではリスナーの相互 TLS モードを「オフ」または「パススルー」に）。mTLS の API なら対応は不要です。"
                    )),
            );
            continue;
        }
        let severity = match (internal, routed) {
            (true, _) => Severity::Info,
            (false, true) => Severity::High,
            (false, false) => Severity::Medium,
        };
        let mut f = Finding::new(HttpsUnreachable::ID, severity, &resource, &region)
            .hostname(host)
            .title(tr!(
                "https://{host}/ cannot be reached ({error})",
                "https://{host}/ に接続できません（{error}）"
            ))
            .evidence("tls_error", error)
            .evidence("address", at)
            .evidence("addresses", &h.dns.addresses);
        f = match lb {
            _ if internal => f
                .detail(tr!(
                    "{host} resolves to an internal address ({at}), which this probe cannot reach from outside its network ({error}); its visitors inside may well get the site.",
                    "{host} は内部向けのアドレス（{at}）に解決されるため、ネットワークの外にあるこのプローブからは到達できません（{error}）。内部の訪問者には問題なく表示されている可能性があります。"
                ))
                .step(tr!(
                    "To check it live, run acm-doctor where its visitors are (inside the VPC), or leave it to the configuration checks.",
                    "実際の接続を確認するには、訪問者と同じ場所（VPC 内）で acm-doctor を実行するか、設定のチェックに任せてください。"
                )),
            Some(lb) if !lb.https_listeners().any(|l| l.port == 443) => {
                let lb_name = &lb.name;
                f.detail(tr!(
                    "{host} leads to {lb_name}, which has no TLS listener on port 443: no certificate is attached where the name lands ({error} at {at}).",
                    "{host} は {lb_name} に到達しますが、ポート 443 の TLS リスナーがありません。ホスト名が到達する場所に証明書が関連付けられていません（{at} で {error}）。"
                ))
                .step(tr!(
                    "Request (or pick) a certificate for {host}, then add the HTTPS listener with it:",
                    "{host} の証明書をリクエスト（または選択）し、その証明書で HTTPS リスナーを追加します:"
                ))
                .command(if lb.is_classic() {
                    recipes::create_classic_https_listener(&lb.name, &lb.region)
                } else {
                    recipes::create_https_listener(&lb.arn, &lb.region)
                })
                .step(tr!(
                    "Allow inbound TCP 443 in the load balancer's security group.",
                    "ロードバランサーのセキュリティグループで、インバウンドの TCP 443 を許可します。"
                ))
            }
            _ => f
                .detail(tr!(
                    "{host} resolves to {at}, but port 443 gives no certificate ({error}): every visitor fails before any page.",
                    "{host} は {at} に解決されますが、ポート 443 から証明書が返りません（{error}）。すべての訪問者がページの表示前に失敗します。"
                ))
                .step(tr!(
                    "Check that the resource the name leads to listens on 443 with a certificate for {host} (an HTTPS listener, or the distribution's viewer certificate) and that its security group or firewall allows 443.",
                    "ホスト名の向き先のリソースが、{host} の証明書を持って 443 で待ち受けているか（HTTPS リスナー、またはディストリビューションのビューワー証明書）、セキュリティグループやファイアウォールが 443 を許可しているかを確認します。"
                ))
                .step(tr!(
                    "If the name should not lead there, point its DNS record at the resource that carries its certificate.",
                    "そこに向くべきでないホスト名なら、DNS レコードを証明書を持つリソースに向けます。"
                )),
        };
        out.push(f);
    }
    out
}

/// RFC 1918 / unique-local addresses: reachable only inside their network.
fn is_private(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 10: a server that requires a client certificate is a named fact, not a
    /// generic "cannot be reached"; the same error without the request stays the outage.
    #[test]
    fn a_required_client_certificate_is_named() {
        let mut h = crate::testkit::host_serving("api.example.com", vec![]);
        h.tls.error = Some(
            "the server requires a client certificate (received fatal alert: CertificateRequired)"
                .into(),
        );
        h.tls.client_certificate_requested = true;
        let inv = crate::inventory::Inventory::default();
        let run = |h: &crate::probe::HostFacts| {
            crate::testkit::run_live(
                &HttpsUnreachable,
                &inv,
                std::slice::from_ref(h),
                &crate::config::Config::default(),
            )
        };
        let f = run(&h);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(f[0].title.contains("client certificate"));
        h.tls.client_certificate_requested = false;
        h.tls.error = Some("handshake failed: received fatal alert: HandshakeFailure".into());
        let f = run(&h);
        assert!(!f[0].title.contains("requires a client certificate"));
        assert!(f[0].severity >= Severity::Medium);
    }
    use crate::config::Config;
    use crate::testkit::*;

    fn refused(host: &str) -> HostFacts {
        let mut h = host_serving(host, vec![]);
        h.tls.protocol = None;
        h.tls.address = Some("127.0.0.1:443".into());
        h.tls.error = Some("connection refused".into());
        h
    }

    /// Regression (real estates): an ALB with only an HTTP listener, reached by its
    /// name over https://, gave "no findings".
    #[test]
    fn an_alb_without_a_443_listener_is_high_with_the_listener_to_create() {
        let mut inv = Inventory::default();
        let mut lb = alb("web");
        lb.listeners.push(listener("web", 80, "HTTP", forward()));
        inv.dns_records
            .push(alias_record("www.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        let f = run_live(
            &HttpsUnreachable,
            &inv,
            &[refused("www.example.com")],
            &Config::default(),
        );
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].remediation
                .iter()
                .any(|s| s.starts_with("aws elbv2 create-listener")
                    && s.contains("--protocol HTTPS --port 443")),
            "{:?}",
            f[0].remediation
        );
    }

    /// An internal ALB timing out from outside its VPC is not a visitor's outage.
    #[test]
    fn an_internal_load_balancer_or_private_address_is_information() {
        let mut inv = Inventory::default();
        let mut lb = alb("intranet");
        lb.scheme = "internal".into();
        lb.listeners
            .push(listener("intranet", 80, "HTTP", forward()));
        inv.dns_records
            .push(alias_record("wiki.example.com", &lb.dns_name));
        inv.load_balancers.push(lb);
        let f = run_live(
            &HttpsUnreachable,
            &inv,
            &[refused("wiki.example.com")],
            &Config::default(),
        );
        assert_eq!(f[0].severity, Severity::Info);
        let mut h = refused("db.example.org");
        h.dns.addresses = vec!["10.1.2.3".parse().unwrap()];
        let f = run_live(
            &HttpsUnreachable,
            &Inventory::default(),
            &[h],
            &Config::default(),
        );
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn a_name_outside_the_inventory_is_medium() {
        let f = run_live(
            &HttpsUnreachable,
            &Inventory::default(),
            &[refused("probe.example.org")],
            &Config::default(),
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[0].resource, "host:probe.example.org");
    }

    #[test]
    fn healthy_twin_a_served_certificate_or_no_address_is_not_this_check() {
        let served = test_ca().leaf(&LeafSpec::new(&["www.example.com"]));
        let ok = host_serving("www.example.com", vec![served, test_ca().inter_der.clone()]);
        let mut unresolved = refused("gone.example.com");
        unresolved.dns.addresses.clear();
        unresolved.dns.error = Some("NXDOMAIN".into());
        assert!(
            run_live(
                &HttpsUnreachable,
                &Inventory::default(),
                &[ok, unresolved],
                &Config::default()
            )
            .is_empty()
        );
    }
}
