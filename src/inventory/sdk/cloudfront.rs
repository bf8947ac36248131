//! CloudFront: distributions with every cache behavior (global, signed for us-east-1).

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;

impl SdkReader {
    pub(super) async fn cloudfront_distributions(&self) -> Result<Vec<Distribution>, ApiError> {
        let client = self.cloudfront();
        let mut marker: Option<String> = None;
        let mut out = Vec::new();
        loop {
            let resp = client
                .list_distributions()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| api_err("cloudfront", "ListDistributions", None, e))?;
            let Some(list) = resp.distribution_list() else {
                break;
            };
            for d in list.items() {
                out.push(distribution(d));
            }
            match list.next_marker() {
                Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}

fn distribution(d: &aws_sdk_cloudfront::types::DistributionSummary) -> Distribution {
    let vc = d.viewer_certificate();
    Distribution {
        id: d.id().to_string(),
        arn: d.arn().to_string(),
        domain_name: normalize(d.domain_name()),
        aliases: d.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        enabled: d.enabled(),
        viewer_certificate: ViewerCertificate {
            acm_certificate_arn: vc.and_then(|v| v.acm_certificate_arn()).map(str::to_string),
            cloudfront_default_certificate: vc
                .and_then(|v| v.cloud_front_default_certificate())
                .unwrap_or(false),
            iam_certificate_id: vc.and_then(|v| v.iam_certificate_id()).map(str::to_string),
            ssl_support_method: vc
                .and_then(|v| v.ssl_support_method())
                .map(|m| m.as_str().to_string()),
            minimum_protocol_version: vc
                .and_then(|v| v.minimum_protocol_version())
                .map(|m| m.as_str().to_string()),
        },
        default_behavior: CacheBehavior {
            path_pattern: "*".into(),
            viewer_protocol_policy: d
                .default_cache_behavior()
                .map(|b| b.viewer_protocol_policy().as_str().into())
                .unwrap_or_default(),
        },
        behaviors: d
            .cache_behaviors()
            .map(|cb| {
                cb.items()
                    .iter()
                    .map(|b| CacheBehavior {
                        path_pattern: b.path_pattern().to_string(),
                        viewer_protocol_policy: b.viewer_protocol_policy().as_str().into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}
