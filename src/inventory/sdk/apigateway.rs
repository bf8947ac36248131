//! API Gateway custom domain names: REST and HTTP APIs share them, and the v1
//! `GetDomainNames` lists regional and edge-optimized ones alike ("A Regional custom
//! domain name can be associated with REST APIs and HTTP APIs", API Gateway developer
//! guide, custom domain names).

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::*;
use crate::pki::hostname::normalize;

impl SdkReader {
    pub(super) async fn apigateway_domains(
        &self,
        region: &str,
    ) -> Result<Vec<ApiDomain>, ApiError> {
        let client = self.apigateway(region);
        let mut pages = client.get_domain_names().into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| api_err("apigateway", "GetDomainNames", Some(region), e))?;
            for d in page.items() {
                let name = normalize(d.domain_name().unwrap_or_default());
                let endpoint_type = d
                    .endpoint_configuration()
                    .and_then(|e| e.types().first())
                    .map(|t| t.as_str().to_string())
                    // API Gateway's default for a domain created without one.
                    .unwrap_or_else(|| "EDGE".to_string());
                let edge = endpoint_type == "EDGE";
                let (certificate, target) = if edge {
                    (d.certificate_arn(), d.distribution_domain_name())
                } else {
                    (d.regional_certificate_arn(), d.regional_domain_name())
                };
                out.push(ApiDomain {
                    arn: d.domain_name_arn().map(str::to_string).unwrap_or_else(|| {
                        format!("arn:aws:apigateway:{region}::/domainnames/{name}")
                    }),
                    name,
                    region: region.to_string(),
                    endpoint_type,
                    certificate_arn: certificate.map(str::to_string),
                    security_policy: d.security_policy().map(|p| p.as_str().to_string()),
                    target: normalize(target.unwrap_or_default()),
                    status: d.domain_name_status().map(|s| s.as_str().to_string()),
                });
            }
        }
        Ok(out)
    }
}
