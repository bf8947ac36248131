//! `alb_http_not_redirected` — an ALB, or a Classic Load Balancer, that serves plain
//! HTTP beside HTTPS.

use crate::checks::common::recipes;
use crate::checks::prelude::*;
use crate::inventory::Action;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "An ALB with an HTTPS listener whose HTTP listener does not redirect to HTTPS in its default action, or has a rule that forwards plain HTTP. A path-scoped redirect rule is not enough, Protocol=#{protocol} is not a redirect to HTTPS, and Protocol=HTTPS with Port unset or #{port} keeps port 80 (ELB keeps every component not set), where TLS fails. A Classic Load Balancer's HTTP listener always forwards: it cannot redirect at all.",
        "HTTPS リスナーを持つ ALB で、HTTP リスナーのデフォルトアクションが HTTPS へのリダイレクトになっていない、または平文の HTTP を転送するルールがある状態。パスを限定したリダイレクトルールだけでは不十分で、Protocol=#{protocol} も HTTPS へのリダイレクトではなく、Protocol=HTTPS でも Port が未設定か #{port} ならポート 80 のままで（ELB は設定しなかった要素を元の値のままにします）、TLS が失敗します。Classic Load Balancer の HTTP リスナーは常に転送するだけで、リダイレクトできません。",
    ),
    browser: label!(
        "Visitors who type the name or follow an http:// link stay on plain HTTP: the address bar shows \"Not secure\", and forms and cookies travel unencrypted.",
        "ホスト名を直接入力したり http:// のリンクをたどったりした訪問者は平文の HTTP のままになり、アドレスバーに「保護されていない通信」と表示され、フォームや Cookie が暗号化されずに送られます。",
    ),
    fix: label!(
        "Set the HTTP listener's default action to a permanent redirect to HTTPS (port 443, HTTP_301), and make its rules redirect instead of forward. On a Classic Load Balancer, move to an ALB (whose HTTP listener can redirect) or have the instances answer HTTP with the redirect.",
        "HTTP リスナーのデフォルトアクションを HTTPS への恒久的なリダイレクト（ポート 443、HTTP_301）にし、ルールも転送ではなくリダイレクトにします。Classic Load Balancer では ALB に移行する（ALB の HTTP リスナーはリダイレクトできます）か、インスタンス側で HTTP にリダイレクトを返します。",
    ),
};

declare_check!(
    AlbHttpNotRedirected,
    "alb_http_not_redirected",
    Cause::HttpNotRedirected
);

/// An action in a notation that reads the same in every report language.
fn describe(a: &Action) -> String {
    match a {
        Action::Forward { target } => format!("forward → {target}"),
        Action::Redirect {
            protocol,
            port,
            host,
            path,
            status_code,
        } => format!(
            "redirect {status_code} → {}://{}:{}{}",
            protocol.as_deref().unwrap_or("#{protocol}"),
            host.as_deref().unwrap_or("#{host}"),
            port.as_deref().unwrap_or("#{port}"),
            path.as_deref().unwrap_or("/#{path}")
        ),
        Action::FixedResponse { status_code } => format!("fixed-response {status_code}"),
        Action::Other { kind } => kind.clone(),
    }
}

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out: Vec<Finding> = inv
        .load_balancers
        .iter()
        .filter(|lb| lb.is_classic())
        .flat_map(|lb| classic(inv, lb))
        .collect();
    for lb in inv
        .load_balancers
        .iter()
        .filter(|lb| lb.lb_type == "application")
    {
        if lb.https_listeners().next().is_none() {
            continue; // an HTTP-only ALB is a different problem (no certificate at all)
        }
        let hosts: Vec<String> = inv
            .load_balancer_hostnames(lb)
            .into_owned()
            .into_keys()
            .collect();
        let (lb_name, region) = (&lb.name, &lb.region);
        for l in lb
            .listeners
            .iter()
            .filter(|l| l.protocol == ListenerProtocol::Http)
        {
            // Only :80 is where `http://NAME/` lands; another plain-HTTP port (a blue/green
            // test listener) is reached on purpose, so it is at most low.
            let severity = if lb.is_internet_facing() && l.port == 80 {
                Severity::Medium
            } else {
                Severity::Low
            };
            let (arn, port) = (&l.arn, l.port);
            let fix = recipes::redirect_listener(arn, Some(region));
            let default = l.default_actions.last();
            if let Some(a) = default.filter(|a| keeps_the_listeners_port(a, l.port)) {
                out.push(port_kept(lb, l, a, severity));
            } else if !default.is_some_and(Action::redirects_to_https) {
                let path_redirects: Vec<&str> = l
                    .rules
                    .iter()
                    .filter(|r| r.actions.iter().any(Action::redirects_to_https))
                    .flat_map(|r| r.path_patterns.iter().map(|p| p.as_str()))
                    .collect();
                let action = default.map(describe).unwrap_or_else(|| "-".into());
                let mut detail = tr!(
                    "Listener {arn} (HTTP:{port}) of {lb_name} answers plain HTTP with: {action}.",
                    "{lb_name} のリスナー {arn}（HTTP:{port}）は平文の HTTP に「{action}」で応答しています。"
                );
                if !path_redirects.is_empty() {
                    let paths = path_redirects.join(", ");
                    detail.push(&tr!(
                        "Only paths {paths} are redirected; every other path stays on HTTP.",
                        "HTTPS へリダイレクトされるのはパス {paths} だけで、それ以外のパスは HTTP のままです。"
                    ));
                }
                out.push(
                    Finding::new(AlbHttpNotRedirected::ID, severity, &l.arn, &lb.region)
                        .title(tr!(
                            "HTTP listener on port {port} of {lb_name} does not redirect to HTTPS",
                            "{lb_name} のポート {port} の HTTP リスナーが HTTPS にリダイレクトしていません"
                        ))
                        .detail(detail)
                        .evidence("load_balancer", &lb.arn)
                        .evidence("default_action", default.map(describe))
                        .evidence("path_scoped_redirects", &path_redirects)
                        .evidence("hostnames", &hosts)
                        .command(fix.clone())
                        .step(tr!(
                            "Console: EC2 → Load Balancers → the ALB → Listeners → HTTP:{port} → Edit → Default action: Redirect to HTTPS, port 443, 301.",
                            "コンソールの場合: EC2 → ロードバランサー → 対象の ALB → リスナー → HTTP:{port} → 編集 → デフォルトアクションを「URL にリダイレクト」（HTTPS、ポート 443、301 - 完全に移動）に変更します。"
                        )),
                );
            }
            for r in &l.rules {
                if r.actions.last().is_some_and(Action::serves_content) {
                    let priority = &r.priority;
                    let (hosts, paths) = (
                        format!("{:?}", r.host_headers),
                        format!("{:?}", r.path_patterns),
                    );
                    let action = r.actions.last().map(describe).unwrap_or_default();
                    out.push(
                        Finding::new(AlbHttpNotRedirected::ID, severity, &l.arn, &lb.region)
                            .key(&r.arn)
                            .title(tr!(
                                "Rule {priority} of the HTTP listener on {lb_name} serves plain HTTP",
                                "{lb_name} の HTTP リスナーのルール {priority} が平文の HTTP でコンテンツを返しています"
                            ))
                            .detail(tr!(
                                "Rule {priority} (hosts {hosts}, paths {paths}) on the HTTP:{port} listener does {action}, so those requests are never sent to HTTPS.",
                                "HTTP:{port} リスナーのルール {priority}（ホスト {hosts}、パス {paths}）のアクションは「{action}」なので、これに一致するリクエストは HTTPS に送られません。"
                            ))
                            .evidence("rule", &r.arn)
                            .evidence("load_balancer", &lb.arn)
                            .command(recipes::redirect_rule(&r.arn, region))
                            .step(tr!(
                                "Or delete the rule so the listener's redirect applies (aws elbv2 delete-rule --rule-arn {}).",
                                "または、このルールを削除してリスナーのデフォルトのリダイレクトが効くようにします（aws elbv2 delete-rule --rule-arn {}）。",
                                r.arn
                            )),
                    );
                }
            }
        }
    }
    out
}

/// A redirect to HTTPS that keeps the listener's port: `Port` unset or `#{port}` keeps
/// the original (ELB `RedirectActionConfig`), so a :80 listener sends `https://host:80/`,
/// where TLS cannot be answered.
fn keeps_the_listeners_port(a: &Action, listener_port: i32) -> bool {
    match a {
        Action::Redirect { port, .. } if a.redirects_to_https() => match port.as_deref() {
            None | Some("#{port}") => listener_port != 443,
            Some(p) => p.parse::<i32>().ok() == Some(listener_port) && listener_port != 443,
        },
        _ => false,
    }
}

/// The finding for a redirect to HTTPS on the HTTP listener's own port.
fn port_kept(
    lb: &crate::inventory::LoadBalancer,
    l: &crate::inventory::Listener,
    a: &Action,
    severity: Severity,
) -> Finding {
    let (lb_name, port, arn) = (&lb.name, l.port, &l.arn);
    let action = describe(a);
    Finding::new(AlbHttpNotRedirected::ID, severity.max(Severity::Medium), &l.arn, &lb.region)
        .key("port-kept")
        .title(tr!(
            "HTTP listener on port {port} of {lb_name} redirects to HTTPS on port {port}, where TLS fails",
            "{lb_name} のポート {port} の HTTP リスナーが、TLS に応答できないポート {port} の HTTPS にリダイレクトしています"
        ))
        .detail(tr!(
            "Listener {arn} answers with {action}: the redirect's Port is unset or #{{port}}, which keeps {port}, so browsers open TLS to the plain-HTTP listener and fail (ERR_SSL_PROTOCOL_ERROR).",
            "リスナー {arn} は「{action}」で応答します。リダイレクトの Port が未設定か #{{port}} のため {port} のままになり、ブラウザは平文の HTTP リスナーに TLS で接続して失敗します（ERR_SSL_PROTOCOL_ERROR）。"
        ))
        .evidence("load_balancer", &lb.arn)
        .evidence("default_action", action)
        .step(tr!("Set the redirect's Port to 443:", "リダイレクトの Port を 443 にします:"))
        .command(recipes::redirect_listener(arn, Some(&lb.region)))
}

/// A Classic Load Balancer's HTTP listener beside a TLS one: it can only forward, so the
/// fix is an ALB in front (or a redirect answered by the instances).
fn classic(inv: &Inventory, lb: &crate::inventory::LoadBalancer) -> Vec<Finding> {
    if lb.https_listeners().next().is_none() {
        return Vec::new();
    }
    let hosts: Vec<String> = inv.load_balancer_hostnames(lb).into_keys().collect();
    let (lb_name, region) = (&lb.name, &lb.region);
    lb.listeners
        .iter()
        .filter(|l| l.protocol == ListenerProtocol::Http)
        .map(|l| {
            let severity = if lb.is_internet_facing() && l.port == 80 {
                Severity::Medium
            } else {
                Severity::Low
            };
            let port = l.port;
            let action = l.default_actions.last().map(describe);
            Finding::new(AlbHttpNotRedirected::ID, severity, &l.arn, region)
                .title(tr!(
                    "HTTP listener on port {port} of Classic Load Balancer {lb_name} cannot redirect to HTTPS",
                    "Classic Load Balancer {lb_name} のポート {port} の HTTP リスナーは HTTPS にリダイレクトできません"
                ))
                .detail(tr!(
                    "A Classic Load Balancer's HTTP listener forwards every request to the instances; it has no redirect action, so visitors stay on plain HTTP unless the application redirects them.",
                    "Classic Load Balancer の HTTP リスナーはすべてのリクエストをインスタンスへ転送するだけで、リダイレクトのアクションを持ちません。アプリケーションがリダイレクトしない限り、訪問者は平文の HTTP のままです。"
                ))
                .evidence("load_balancer", &lb.arn)
                .evidence("default_action", action)
                .evidence("hostnames", &hosts)
                .step(tr!(
                    "Put an Application Load Balancer in its place (console: EC2 → Load Balancers → the Classic Load Balancer → \"Migrate\" → \"Launch ALB migration wizard\"), then give the new ALB's HTTP:80 listener the redirect:",
                    "代わりに Application Load Balancer を置き（コンソールの場合: EC2 → ロードバランサー → 対象の Classic Load Balancer →「移行」→「ALB 移行ウィザードを起動」）、新しい ALB の HTTP:80 リスナーにリダイレクトを設定します:"
                ))
                .command(recipes::create_redirect_listener("NEW_ALB_ARN", region))
                .step(tr!(
                    "Until then, have the instances answer plain HTTP (the X-Forwarded-Proto: http requests) with a 301 to https://, and point DNS at the ALB once it serves the same certificate.",
                    "それまでは、インスタンス側で平文の HTTP（X-Forwarded-Proto: http のリクエスト）に https:// への 301 を返し、ALB が同じ証明書を配信するようになったら DNS を ALB に向けます。"
                ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Inventory, Rule};
    use crate::testkit::*;

    fn alb_with_http(default: Action, rules: Vec<Rule>) -> Inventory {
        let mut lb = alb("web");
        lb.listeners.push(with_certs(
            listener("web", 443, "HTTPS", forward()),
            "c",
            &[],
        ));
        let mut http = listener("web", 80, "HTTP", default);
        http.rules = rules;
        lb.listeners.push(http);
        Inventory {
            load_balancers: vec![lb],
            ..Default::default()
        }
    }

    /// Regression (real estates): a Classic Load Balancer was not inventoried, so its
    /// plain-HTTP listener went unnoticed.
    #[test]
    fn classic_http_listener_is_flagged_with_an_alb_as_the_fix() {
        let inv = Inventory {
            load_balancers: vec![classic_lb("legacy", "c", true)],
            ..Default::default()
        };
        let f = run_check(&AlbHttpNotRedirected, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].resource.ends_with("loadbalancer/legacy/listener/80"));
        assert!(
            f[0].remediation
                .iter()
                .any(|c| c.contains("create-listener"))
        );
        assert!(f[0].title.contains("Classic"));
    }

    #[test]
    fn classic_without_http_listener_is_silent() {
        let inv = Inventory {
            load_balancers: vec![classic_lb("legacy", "c", false)],
            ..Default::default()
        };
        assert!(run_check(&AlbHttpNotRedirected, &inv).is_empty());
    }

    #[test]
    fn redirect_to_https_is_compliant() {
        assert!(
            run_check(
                &AlbHttpNotRedirected,
                &alb_with_http(redirect("HTTPS"), vec![])
            )
            .is_empty()
        );
    }

    #[test]
    fn forwarding_http_listener_is_flagged() {
        let f = run_check(&AlbHttpNotRedirected, &alb_with_http(forward(), vec![]));
        assert_eq!(f.len(), 1);
        assert!(f[0].remediation[0].contains("Protocol=HTTPS"));
    }

    /// Regression (real estates): a blue/green test listener on HTTP:8080 was a medium
    /// finding beside the real :80 one.
    #[test]
    fn plain_http_off_port_80_is_at_most_low() {
        let mut inv = alb_with_http(forward(), vec![]);
        inv.load_balancers[0]
            .listeners
            .push(listener("web", 8080, "HTTP", forward()));
        let f = run_check(&AlbHttpNotRedirected, &inv);
        let by_port: Vec<(bool, Severity)> = f
            .iter()
            .map(|f| (f.resource.ends_with(&format!("{:016x}", 80)), f.severity))
            .collect();
        assert_eq!(
            by_port,
            vec![(true, Severity::Medium), (false, Severity::Low)],
            "{f:#?}"
        );
    }

    /// Issue 10: Protocol=HTTPS with Port unset or #{port} on :80 keeps port 80, where
    /// TLS fails. Its twin Port=443 is clean.
    #[test]
    fn a_redirect_keeping_port_80_is_broken() {
        for port in [None, Some("#{port}"), Some("80")] {
            let action = Action::Redirect {
                protocol: Some("HTTPS".into()),
                port: port.map(str::to_string),
                host: None,
                path: None,
                status_code: "HTTP_301".into(),
            };
            let f = run_check(&AlbHttpNotRedirected, &alb_with_http(action, vec![]));
            assert_eq!(f.len(), 1, "{port:?}");
            assert!(f[0].title.contains("where TLS fails"), "{}", f[0].title);
            assert!(f[0].remediation.iter().any(|c| c.contains("Port=443")));
        }
        assert!(
            run_check(
                &AlbHttpNotRedirected,
                &alb_with_http(redirect("HTTPS"), vec![])
            )
            .is_empty()
        );
    }

    #[test]
    fn protocol_placeholder_is_not_a_redirect_to_https() {
        assert_eq!(
            run_check(
                &AlbHttpNotRedirected,
                &alb_with_http(redirect("#{protocol}"), vec![])
            )
            .len(),
            1
        );
    }

    #[test]
    fn path_scoped_redirect_is_not_enough() {
        let rule = Rule {
            arn: "rule/1".into(),
            priority: "1".into(),
            path_patterns: vec!["/login*".into()],
            actions: vec![redirect("HTTPS")],
            ..Default::default()
        };
        let f = run_check(&AlbHttpNotRedirected, &alb_with_http(forward(), vec![rule]));
        assert_eq!(f.len(), 1);
        assert!(f[0].detail.contains("/login*"));
    }

    #[test]
    fn rule_forwarding_plain_http_is_flagged_even_with_default_redirect() {
        let rule = Rule {
            arn: "rule/2".into(),
            priority: "5".into(),
            host_headers: vec!["legacy.example.com".into()],
            actions: vec![forward()],
            ..Default::default()
        };
        let f = run_check(
            &AlbHttpNotRedirected,
            &alb_with_http(redirect("HTTPS"), vec![rule]),
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("Rule 5"));
    }

    #[test]
    fn http_only_alb_or_no_http_listener_is_silent() {
        let mut lb = alb("plain");
        lb.listeners.push(listener("plain", 80, "HTTP", forward()));
        assert!(
            run_check(
                &AlbHttpNotRedirected,
                &Inventory {
                    load_balancers: vec![lb],
                    ..Default::default()
                }
            )
            .is_empty()
        );
        let mut lb = alb("tls");
        lb.listeners.push(listener("tls", 443, "HTTPS", forward()));
        assert!(
            run_check(
                &AlbHttpNotRedirected,
                &Inventory {
                    load_balancers: vec![lb],
                    ..Default::default()
                }
            )
            .is_empty()
        );
    }
}
