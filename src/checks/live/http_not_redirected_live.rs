//! `http_not_redirected_live` — what `http://HOST/` really does on port 80.

use crate::checks::common::hosts::resource_for_host;
use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "http://HOST/ on port 80 answers with something other than a redirect to https:// on the same host: a page over plain HTTP, a redirect to another host, a redirect that stays on http://, or one to https:// on port 80 (an ALB redirect whose Port was left at #{port}: the TLS handshake then fails). A closed port 80 is reported as information.",
        "ポート 80 の http://HOST/ が、同じホストの https:// へのリダイレクト以外で応答する状態: 平文の HTTP でのページ配信、別ホストへのリダイレクト、http:// のままのリダイレクト、ポート 80 の https:// へのリダイレクト（ALB のリダイレクトの Port が #{port} のままの場合で、TLS ハンドシェイクが失敗します）。ポート 80 が閉じている場合は情報として報告します。",
    ),
    browser: label!(
        "The address bar shows \"Not secure\"; cookies and form data travel unencrypted. A closed port 80 makes a typed name time out instead of reaching the site.",
        "アドレスバーに「保護されていない通信」と表示され、Cookie やフォームの内容が暗号化されずに送られます。ポート 80 が閉じていると、ホスト名を入力した訪問者はサイトに届かずタイムアウトします。",
    ),
    fix: label!(
        "Answer port 80 with a 301 redirect to https:// on the same host (ALB listener default action, or CloudFront viewer protocol policy redirect-to-https), then add HSTS.",
        "ポート 80 では同じホストの https:// への 301 リダイレクトを返し（ALB リスナーのデフォルトアクション、または CloudFront のビューワープロトコルポリシー redirect-to-https）、そのうえで HSTS を設定します。",
    ),
};

declare_check!(
    HttpNotRedirectedLive,
    "http_not_redirected_live",
    Cause::HttpNotRedirected
);

/// The fix for the resource that serves the name: the ALB's own HTTP listener (or the
/// listener to create when port 80 has none), the distribution's behaviors, or both
/// recipes when the name leads to no resource the inventory knows.
fn fix_steps(inv: &crate::inventory::Inventory, resource: &str, closed: bool) -> Vec<Step> {
    if let Some(lb) = inv.load_balancers.iter().find(|lb| lb.arn == resource) {
        let region = &lb.region;
        return match lb.listeners.iter().find(|l| l.port == 80) {
            // The listener exists, yet port 80 does not answer: something on the way.
            Some(l) if closed => {
                let arn = &lb.arn;
                let port = l.port;
                vec![
                    Step::Prose(tr!(
                        "{arn} has an HTTP:{port} listener, so the port is blocked before it: make sure the name resolves to this load balancer, then that its security groups allow inbound TCP 80:",
                        "{arn} には HTTP:{port} リスナーがあるため、その手前で遮断されています。ホスト名がこのロードバランサーに解決されることを確認し、次にセキュリティグループが TCP 80 の受信を許可しているか確認します:"
                    )),
                    Step::Command(format!(
                        "aws elbv2 describe-load-balancers --load-balancer-arns {arn} --region {region} --query 'LoadBalancers[0].SecurityGroups'"
                    )),
                    Step::Command(format!(
                        "aws ec2 authorize-security-group-ingress --group-id SECURITY_GROUP_ID --protocol tcp --port 80 --cidr 0.0.0.0/0 --region {region}"
                    )),
                ]
            }
            Some(l) => vec![
                Step::Prose(tr!(
                    "Make the HTTP:80 listener's default action a redirect to HTTPS:",
                    "HTTP:80 リスナーのデフォルトアクションを HTTPS へのリダイレクトにします:"
                )),
                Step::Command(recipes::redirect_listener(&l.arn, Some(region))),
            ],
            None => vec![
                Step::Prose(tr!(
                    "The load balancer has no listener on port 80: add one that redirects to HTTPS:",
                    "ロードバランサーにポート 80 のリスナーがありません。HTTPS へリダイレクトするリスナーを追加します:"
                )),
                Step::Command(recipes::create_redirect_listener(&lb.arn, region)),
            ],
        };
    }
    if let Some(d) = inv.distributions.iter().find(|d| d.arn == resource) {
        let id = &d.id;
        return vec![Step::Prose(tr!(
            "Set the viewer protocol policy of every cache behavior of CloudFront {id} to redirect-to-https (console: the distribution → Behaviors → Edit).",
            "CloudFront {id} のすべてのキャッシュビヘイビアで、ビューワープロトコルポリシーを redirect-to-https にします（コンソール: 対象のディストリビューション → ビヘイビア → 編集）。"
        ))];
    }
    vec![
        Step::Prose(tr!(
            "ALB: make the HTTP listener's default action a redirect to HTTPS:",
            "ALB の場合: HTTP リスナーのデフォルトアクションを HTTPS へのリダイレクトにします:"
        )),
        Step::Command(recipes::redirect_listener("HTTP_LISTENER_ARN", None)),
        Step::Prose(tr!(
            "CloudFront: set every cache behavior's viewer protocol policy to redirect-to-https.",
            "CloudFront の場合: すべてのキャッシュビヘイビアのビューワープロトコルポリシーを redirect-to-https にします。"
        )),
    ]
}

fn run(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for h in ctx.hosts {
        if !h.http.attempted {
            continue;
        }
        let (resource, region) = resource_for_host(ctx.inventory, &h.hostname);
        let host = &h.hostname;
        let steps = fix_steps(ctx.inventory, &resource, h.http.closed);
        let base = |sev, key: &str| {
            Finding::new(HttpNotRedirectedLive::ID, sev, &resource, &region)
                .hostname(&h.hostname)
                .key(key)
                .evidence("status", h.http.status)
                .evidence("location", &h.http.location)
                .evidence("error", &h.http.error)
                .steps(&steps)
        };
        let Some(status) = h.http.status else {
            if h.http.closed {
                let why = h.http.error.as_deref().unwrap_or("-");
                out.push(
                    base(Severity::Info, "closed")
                        .title(tr!("Port 80 of {host} is closed", "{host} のポート 80 が閉じています"))
                        .detail(tr!(
                            "http://{host}/ could not be reached ({why}). Visitors who type the name without https:// get a timeout or an error instead of the site.",
                            "http://{host}/ に接続できませんでした（{why}）。https:// を付けずにホスト名を入力した訪問者には、サイトではなくタイムアウトやエラーが表示されます。"
                        )),
                );
            } else if let Some(e) = &h.http.error {
                out.push(
                    base(Severity::Low, "broken")
                        .title(tr!(
                            "Port 80 of {host} does not answer HTTP properly",
                            "{host} のポート 80 が HTTP に正しく応答しません"
                        ))
                        .detail(tr!(
                            "http://{host}/ accepted the connection but failed: {e}.",
                            "http://{host}/ は接続を受け付けましたが、応答に失敗しました: {e}。"
                        )),
                );
            }
            continue;
        };
        let location = h.http.location.clone().unwrap_or_default();
        let is_redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
        let authority = location
            .get(..8)
            .filter(|p| p.eq_ignore_ascii_case("https://"))
            .map(|_| {
                location[8..]
                    .split(['/', '?', '#'])
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            });
        let target_host = authority
            .as_deref()
            .map(|a| a.split(':').next().unwrap_or_default().to_string());
        // `https://host:80/`: an ALB redirect whose Port was left at #{port} sends the
        // browser to TLS on port 80, where the HTTP listener answers: the handshake fails.
        let port_80 = authority
            .as_deref()
            .is_some_and(|a| a.rsplit_once(':').is_some_and(|(_, p)| p == "80"));
        let f = if is_redirect && port_80 {
            base(Severity::High, "https-on-80")
                .title(tr!(
                    "http://{host}/ redirects to HTTPS on port 80, which cannot answer TLS",
                    "http://{host}/ はポート 80 の HTTPS にリダイレクトしていますが、そこでは TLS に応答できません"
                ))
                .detail(tr!(
                    "Port 80 answers {status} → {location}: the browser then opens TLS to port 80, where the plain-HTTP listener answers, and shows ERR_SSL_PROTOCOL_ERROR (Firefox: SSL_ERROR_RX_RECORD_TOO_LONG). On an ALB the redirect's Port was left at #{{port}}; it must be 443.",
                    "ポート 80 は {status} → {location} を返します。ブラウザはポート 80 に TLS で接続しますが、そこでは平文の HTTP リスナーが応答するため ERR_SSL_PROTOCOL_ERROR（Firefox: SSL_ERROR_RX_RECORD_TOO_LONG）になります。ALB の場合、リダイレクトの Port が #{{port}} のままです。443 にする必要があります。"
                ))
        } else if !is_redirect {
            base(Severity::Medium, "served")
                .title(tr!(
                    "http://{host}/ is served over plain HTTP (status {status})",
                    "http://{host}/ が平文の HTTP で配信されています（ステータス {status}）"
                ))
                .detail(tr!(
                    "Port 80 answered {status} instead of redirecting to https://{host}/.",
                    "ポート 80 は https://{host}/ にリダイレクトせず、{status} を返しました。"
                ))
        } else if let Some(th) = target_host {
            if th == h.hostname {
                continue;
            }
            base(Severity::Low, "other-host")
                .title(tr!(
                    "http://{host}/ redirects to another host ({th})",
                    "http://{host}/ が別のホスト（{th}）にリダイレクトしています"
                ))
                .detail(tr!(
                    "Port 80 answers {status} → {location}: visitors leave {host} before ever reaching it over HTTPS, so HSTS for it is never set.",
                    "ポート 80 は {status} → {location} を返します。訪問者は HTTPS で {host} に到達する前に別ホストへ移るため、{host} の HSTS が設定されることはありません。"
                ))
        } else {
            base(Severity::Medium, "to-http")
                .title(tr!(
                    "http://{host}/ redirects but not to HTTPS",
                    "http://{host}/ はリダイレクトしていますが、行き先が HTTPS ではありません"
                ))
                .detail(tr!(
                    "Port 80 answers {status} → {location:?}, which keeps visitors on plain HTTP.",
                    "ポート 80 は {status} → {location:?} を返すため、訪問者は平文の HTTP のままです。"
                ))
        };
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::inventory::Inventory;
    use crate::probe::HostFacts;
    use crate::testkit::*;

    fn http(status: Option<u16>, location: Option<&str>, closed: bool) -> Vec<Finding> {
        let mut h = host_serving("a.example.com", vec![]);
        h.http.attempted = true;
        h.http.status = status;
        h.http.location = location.map(str::to_string);
        h.http.closed = closed;
        if closed {
            h.http.error = Some("connection refused".into());
        }
        run_live(
            &HttpNotRedirectedLive,
            &Inventory::default(),
            &[h],
            &Config::default(),
        )
    }

    /// Issue 10: `Location: https://host:80/` (an ALB redirect left at #{port}) fails
    /// the handshake; its twin `https://host:443/…`, what ALBs send, stays fine.
    #[test]
    fn a_redirect_to_https_on_port_80_is_broken() {
        let f = http(Some(301), Some("https://a.example.com:80/"), false);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].title.contains("port 80"));
        assert!(http(Some(301), Some("https://a.example.com:443/"), false).is_empty());
    }

    #[test]
    fn redirect_to_https_same_host_is_fine() {
        assert!(http(Some(301), Some("https://a.example.com/"), false).is_empty());
        assert!(http(Some(308), Some("https://A.example.com:443/x?y"), false).is_empty());
    }

    #[test]
    fn plain_page_other_host_and_http_redirects_are_findings() {
        assert_eq!(http(Some(200), None, false)[0].severity, Severity::Medium);
        assert_eq!(
            http(Some(301), Some("https://www.example.com/"), false)[0].severity,
            Severity::Low
        );
        assert_eq!(
            http(Some(302), Some("http://a.example.com/"), false)[0].severity,
            Severity::Medium
        );
        assert_eq!(http(Some(404), None, false).len(), 1);
    }

    #[test]
    fn closed_port_is_informational() {
        assert_eq!(http(None, None, true)[0].severity, Severity::Info);
    }

    #[test]
    fn the_fix_names_the_listener_or_distribution_that_serves_the_name() {
        let mut h = host_serving("shop.example.com", vec![]);
        h.http.attempted = true;
        h.http.status = Some(200);
        // The shop ALB has no port-80 listener: create one on that load balancer.
        let run = |inv: &Inventory, h: &HostFacts| {
            run_live(
                &HttpNotRedirectedLive,
                inv,
                std::slice::from_ref(h),
                &Config::default(),
            )
        };
        let mut inv = shop_estate(cert("c", &["shop.example.com"], 90));
        let f = run(&inv, &h);
        assert!(
            f[0].first_fix().starts_with(&format!(
                "aws elbv2 create-listener --load-balancer-arn {}",
                lb_arn("shop")
            )),
            "{:?}",
            f[0].remediation
        );
        // With one, modify that listener.
        let http80 = listener("shop", 80, "HTTP", forward());
        let arn = http80.arn.clone();
        inv.load_balancers[0].listeners.push(http80);
        let f = run(&inv, &h);
        assert!(
            f[0].first_fix()
                .contains(&format!("modify-listener --listener-arn {arn} "))
        );
        assert_eq!(f[0].remediation.len(), 2);
        // A listener exists but port 80 is closed: the way to it is blocked.
        let mut closed = h.clone();
        closed.http.status = None;
        closed.http.closed = true;
        let f = run(&inv, &closed);
        assert!(
            f[0].first_fix().contains("describe-load-balancers"),
            "{:?}",
            f[0].remediation
        );
        assert!(f[0].remediation[2].contains("authorize-security-group-ingress"));
        // A CloudFront name: the distribution's behaviors.
        let inv = Inventory {
            distributions: vec![distribution("E1", &["shop.example.com"], Some("c"))],
            ..Default::default()
        };
        let f = run(&inv, &h);
        assert!(
            f[0].remediation[0].contains("CloudFront E1"),
            "{:?}",
            f[0].remediation
        );
    }
}
