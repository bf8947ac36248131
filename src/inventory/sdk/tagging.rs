//! The `acm-doctor:mute` tags of a region's resources, in one Resource Groups Tagging
//! API `GetResources` walk filtered on the tag key ("The GetResources, GetTagKeys, and
//! GetTagValues operations support all resource types", Resource Groups Tagging API
//! reference): certificates, load balancers (v2 and Classic), API Gateway domains and,
//! from us-east-1, CloudFront distributions — no per-service tag call per resource.

use super::SdkReader;
use crate::aws::{ApiError, api_err};
use crate::inventory::{MUTE_TAG as TAG, MuteTag};
use aws_config::Region;
use aws_sdk_resourcegroupstagging::types::TagFilter;

impl SdkReader {
    pub(super) async fn tagged_mutes(&self, region: &str) -> Result<Vec<MuteTag>, ApiError> {
        let conf = aws_sdk_resourcegroupstagging::config::Builder::from(&self.base)
            .region(Region::new(region.to_string()))
            .build();
        let client = aws_sdk_resourcegroupstagging::Client::from_conf(conf);
        let mut pages = client
            .get_resources()
            .tag_filters(TagFilter::builder().key(TAG).build())
            .resources_per_page(100)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| api_err("tag", "GetResources", Some(region), e))?;
            for r in page.resource_tag_mapping_list() {
                let (Some(arn), Some(tag)) =
                    (r.resource_arn(), r.tags().iter().find(|t| t.key() == TAG))
                else {
                    continue;
                };
                out.push(MuteTag {
                    resource: arn.to_string(),
                    value: tag.value().to_string(),
                });
            }
        }
        Ok(out)
    }
}
