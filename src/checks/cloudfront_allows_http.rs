//! `cloudfront_allows_http` — a CloudFront cache behavior that serves plain HTTP.
//!
//! **Detects** the default cache behavior or ANY ordered cache behavior whose
//! `ViewerProtocolPolicy` is `allow-all` (a common tool bug checks only the default).
//! **Browser** shows "Not secure" for `http://` visits of the matching paths.
//! **Fix**: set the behavior's viewer protocol policy to `redirect-to-https`.

use super::*;
use crate::checks::{Cause, CheckDoc, Context, Finding, Severity};

pub const DOC: CheckDoc = CheckDoc {
    detects: "A CloudFront distribution whose default cache behavior, or any other cache behavior, has ViewerProtocolPolicy allow-all.",
    browser: "http:// requests to the matching paths are served over plain HTTP: the address bar shows \"Not secure\".",
    fix: "Set ViewerProtocolPolicy to redirect-to-https on every cache behavior (CloudFront console: the distribution → Behaviors → Edit → Viewer protocol policy).",
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
        let hosts: Vec<String> = inv.distribution_hostnames(d).into_keys().collect();
        for b in d
            .all_behaviors()
            .filter(|b| b.viewer_protocol_policy == "allow-all")
        {
            let which = if b.path_pattern == "*" {
                "default cache behavior".to_string()
            } else {
                format!("cache behavior {}", b.path_pattern)
            };
            let mut f = Finding::new(CloudfrontAllowsHttp::ID, Severity::Medium, &d.arn, "global")
                .key(&b.path_pattern)
                .title(format!("CloudFront {} serves plain HTTP on its {which}", d.id))
                .detail(format!(
                    "The {which} of distribution {} ({}) has ViewerProtocolPolicy allow-all, so http:// requests{} are answered over plain HTTP.",
                    d.id,
                    if hosts.is_empty() { d.domain_name.clone() } else { hosts.join(", ") },
                    if b.path_pattern == "*" { String::new() } else { format!(" for {}", b.path_pattern) }
                ))
                .evidence("distribution", &d.id)
                .evidence("path_pattern", &b.path_pattern)
                .evidence("viewer_protocol_policy", &b.viewer_protocol_policy)
                .evidence("hostnames", &hosts)
                .step(format!("aws cloudfront get-distribution-config --id {} > dist.json  (note the ETag)", d.id))
                .step(format!(
                    "In dist.json set {}ViewerProtocolPolicy to \"redirect-to-https\", keep only the DistributionConfig object, then: aws cloudfront update-distribution --id {} --if-match ETAG --distribution-config file://dist.json",
                    if b.path_pattern == "*" { "DefaultCacheBehavior.".to_string() } else { format!("the CacheBehaviors item with PathPattern \"{}\" ", b.path_pattern) },
                    d.id
                ))
                .step("Console: CloudFront → the distribution → Behaviors → select the behavior → Edit → Viewer protocol policy: Redirect HTTP to HTTPS.");
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
    use crate::checks::testkit::*;
    use crate::inventory::{CacheBehavior, Inventory};

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
