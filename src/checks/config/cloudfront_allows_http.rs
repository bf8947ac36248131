//! `cloudfront_allows_http` — a CloudFront cache behavior that serves plain HTTP.

use crate::checks::common::recipes;
use crate::checks::prelude::*;

pub const DOC: CheckDoc = CheckDoc {
    detects: label!(
        "A CloudFront distribution whose default cache behavior, or any other cache behavior, has ViewerProtocolPolicy allow-all.",
        "デフォルトのキャッシュビヘイビア、または他のいずれかのキャッシュビヘイビアのビューワープロトコルポリシーが allow-all の CloudFront ディストリビューション。",
    ),
    browser: label!(
        "http:// requests to the matching paths are served over plain HTTP: the address bar shows \"Not secure\".",
        "該当パスへの http:// のリクエストが平文の HTTP で配信され、アドレスバーに「保護されていない通信」と表示されます。",
    ),
    fix: label!(
        "Set ViewerProtocolPolicy to redirect-to-https on every cache behavior (CloudFront console: the distribution → Behaviors → Edit → Viewer protocol policy).",
        "すべてのキャッシュビヘイビアのビューワープロトコルポリシーを redirect-to-https にします（CloudFront コンソール: 対象のディストリビューション → ビヘイビア → 編集 → ビューワープロトコルポリシー）。",
    ),
};

declare_check!(
    CloudfrontAllowsHttp,
    "cloudfront_allows_http",
    Cause::HttpNotRedirected
);

fn run(ctx: &Context) -> Vec<Finding> {
    let inv = ctx.inventory;
    let mut out = Vec::new();
    for d in &inv.distributions {
        let hosts: Vec<String> = inv
            .distribution_hostnames(d)
            .into_owned()
            .into_keys()
            .collect();
        for b in d
            .all_behaviors()
            .filter(|b| b.viewer_protocol_policy == ViewerProtocolPolicy::AllowAll)
        {
            let (id, path) = (&d.id, &b.path_pattern);
            let default = path == "*";
            let which = if default {
                tr!("default cache behavior", "デフォルトのキャッシュビヘイビア")
            } else {
                tr!("cache behavior {path}", "キャッシュビヘイビア「{path}」")
            };
            let (which_en, which_ja) = (&which.en, &which.ja);
            let names = if hosts.is_empty() {
                d.domain_name.clone()
            } else {
                hosts.join(", ")
            };
            let field = if default {
                "DefaultCacheBehavior.ViewerProtocolPolicy".to_string()
            } else {
                format!("CacheBehaviors[PathPattern={path}].ViewerProtocolPolicy")
            };
            let mut f = Finding::new(CloudfrontAllowsHttp::ID, Severity::Medium, &d.arn, "global")
                .key(&b.path_pattern)
                .title(tr!(
                    "CloudFront {id} serves plain HTTP on its {which_en}",
                    "CloudFront {id} の{which_ja}が平文の HTTP で応答しています"
                ))
                .detail(tr!(
                    "The {which_en} of distribution {id} ({names}) has ViewerProtocolPolicy allow-all, so http:// requests matching {path} are answered over plain HTTP.",
                    "ディストリビューション {id}（{names}）の{which_ja}はビューワープロトコルポリシーが allow-all（HTTP と HTTPS）のため、{path} に一致する http:// のリクエストに平文の HTTP で応答します。"
                ))
                .evidence("distribution", &d.id)
                .evidence("path_pattern", &b.path_pattern)
                .evidence("viewer_protocol_policy", &b.viewer_protocol_policy)
                .evidence("hostnames", &hosts)
                .step(tr!(
                    "Save the distribution config and note its ETag:",
                    "ディストリビューションの設定を保存し、ETag を控えます:"
                ))
                .command(recipes::get_distribution_config(id))
                .step(tr!(
                    "In dist.json keep only DistributionConfig and set {field} to \"redirect-to-https\", then:",
                    "dist.json は DistributionConfig の中身だけを残し、{field} を \"redirect-to-https\" に変更してから、次を実行します:"
                ))
                .command(recipes::update_distribution(id))
                .step(tr!(
                    "Console: CloudFront → the distribution → Behaviors → select {path} → Edit → Viewer protocol policy: Redirect HTTP to HTTPS.",
                    "コンソールの場合: CloudFront → 対象のディストリビューション → ビヘイビア → {path} を選択 → 編集 → ビューワープロトコルポリシーを「Redirect HTTP to HTTPS」に変更します。"
                ));
            if let Some(h) = hosts.first() {
                f = f.hostname(h);
            }
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{CacheBehavior, Inventory};
    use crate::testkit::*;

    #[test]
    fn a_single_allow_all_cache_behavior_is_caught() {
        let mut d = distribution("E1", &["cdn.example.com"], Some("c"));
        d.behaviors.push(CacheBehavior {
            path_pattern: "/api/*".into(),
            viewer_protocol_policy: "https-only".into(),
        });
        d.behaviors.push(CacheBehavior {
            path_pattern: "/legacy/*".into(),
            viewer_protocol_policy: "allow-all".into(),
        });
        let f = run_check(
            &CloudfrontAllowsHttp,
            &Inventory {
                distributions: vec![d],
                ..Default::default()
            },
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence["path_pattern"], "/legacy/*");
    }

    #[test]
    fn allow_all_default_is_caught_and_redirect_is_fine() {
        let mut d = distribution("E2", &["cdn.example.com"], Some("c"));
        assert!(
            run_check(
                &CloudfrontAllowsHttp,
                &Inventory {
                    distributions: vec![d.clone()],
                    ..Default::default()
                }
            )
            .is_empty()
        );
        d.default_behavior.viewer_protocol_policy = "allow-all".into();
        let f = run_check(
            &CloudfrontAllowsHttp,
            &Inventory {
                distributions: vec![d],
                ..Default::default()
            },
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].title.contains("default cache behavior"));
    }
}
