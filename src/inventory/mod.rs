//! Inventory: reads what is deployed from AWS (ACM, ELB v2 and Classic, API Gateway
//! custom domains, CloudFront, Route 53).
//! I/O only — no judgement. AWS sits behind the [`AwsReader`] trait so the handler can be
//! tested with fakes; [`sdk::SdkReader`] is the real adapter, tested against moto.

mod index;
mod model;
mod queries;
pub mod sdk;

pub use index::Index;
pub use model::*;
pub use queries::{MAX_DNS_HOPS, Usage};

use crate::aws::{ApiError, arn_region};
use crate::config::Config;
use crate::trigger::Scope;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

impl ApiError {
    /// A skip entry naming the certificate the call was about.
    fn skipped_for(&self, arn: &str) -> Skipped {
        Skipped {
            account: None,
            kind: Default::default(),
            what: format!("{}:{} {arn}", self.service, self.operation),
            region: self.region.clone(),
            reason: self.message.clone(),
        }
    }

    fn skipped(&self) -> Skipped {
        Skipped {
            account: None,
            kind: Default::default(),
            what: format!("{}:{}", self.service, self.operation),
            region: self.region.clone(),
            reason: self.message.clone(),
        }
    }
}

/// Extra detail from `DescribeCertificate`, merged into a [`Certificate`].
pub type CertificateDetail = Certificate;

/// The AWS reads the inventory needs. Each method is one logical read (the adapter
/// pages through results); each may fail alone without stopping the scan.
pub trait AwsReader: Send + Sync {
    /// `ListCertificates` with every key type, all pages (summary fields only).
    fn list_certificates(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<Certificate>, ApiError>> + Send;
    /// `DescribeCertificate`: a certificate with every field ACM returns.
    fn describe_certificate(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<CertificateDetail, ApiError>> + Send;
    /// `GetCertificate`: the leaf and stored chain as PEM.
    fn get_certificate(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<CertificatePem, ApiError>> + Send;
    /// Load balancers with listeners, rules and listener certificates. A load balancer
    /// whose listeners could not be read is returned with what was read, and the failure
    /// goes into the second element.
    fn load_balancers(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<(Vec<LoadBalancer>, Vec<ApiError>), ApiError>> + Send;
    /// Classic Load Balancers with their listeners (`DescribeLoadBalancers`, v1).
    fn classic_load_balancers(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<LoadBalancer>, ApiError>> + Send;
    /// API Gateway custom domain names of a region.
    fn api_domains(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<ApiDomain>, ApiError>> + Send;
    /// `GetServerCertificate`: an IAM server certificate a listener carries, its facts
    /// read from the body IAM returns.
    fn server_certificate(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Certificate, ApiError>> + Send;
    /// CloudFront distributions (global).
    fn distributions(&self) -> impl Future<Output = Result<Vec<Distribution>, ApiError>> + Send;
    /// Route 53 alias and CNAME records of every hosted zone (global).
    fn dns_records(
        &self,
    ) -> impl Future<Output = Result<(Vec<DnsRecord>, Vec<ApiError>), ApiError>> + Send;
    /// The `acm-doctor:mute` tags of a region's resources (`tag:GetResources`).
    fn mute_tags(
        &self,
        region: &str,
    ) -> impl Future<Output = Result<Vec<MuteTag>, ApiError>> + Send;
    /// An S3 object as text, at most `max` bytes (the mute list at `s3://BUCKET/KEY`).
    fn read_object(
        &self,
        bucket: &str,
        key: &str,
        _max: usize,
    ) -> impl Future<Output = Result<String, ApiError>> + Send {
        let what = format!("s3://{bucket}/{key}");
        async move {
            Err(ApiError::local(
                "s3",
                "GetObject",
                None,
                format!("{what}: no S3 here"),
            ))
        }
    }
}

/// Reads the mute list `MUTE_FILE` names (a path or `s3://BUCKET/KEY`), or why not.
pub async fn read_mute_file<R: AwsReader>(reader: &R, at: &str) -> Result<String, String> {
    let max = crate::config::MAX_MUTE_FILE;
    match at.strip_prefix("s3://").and_then(|r| r.split_once('/')) {
        Some((bucket, key)) => reader
            .read_object(bucket, key, max)
            .await
            .map_err(|e| e.to_string()),
        None => crate::config::read_capped(at, max),
    }
}

/// Everything the checks see about AWS.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Inventory {
    pub regions: Vec<String>,
    pub certificates: Vec<Certificate>,
    pub load_balancers: Vec<LoadBalancer>,
    pub distributions: Vec<Distribution>,
    pub api_domains: Vec<ApiDomain>,
    pub dns_records: Vec<DnsRecord>,
    /// `acm-doctor:mute` tags on the resources of the scanned regions (and CloudFront's).
    pub mute_tags: Vec<MuteTag>,
    pub skipped: Vec<Skipped>,
}

/// How many describe/get calls are in flight at once. The rate is the SDK reader's pace
/// (ACM's quotas); this only has to be high enough that calls waiting out a throttle
/// do not leave the pace unused.
const ACM_DETAIL_CONCURRENCY: usize = 16;

/// Reads the inventory for a run. Never fails as a whole: each failed call becomes a
/// [`Skipped`] entry and the scan goes on.
pub async fn collect<R: AwsReader>(
    reader: &R,
    config: &Config,
    scope: &Scope,
    now: DateTime<Utc>,
) -> Inventory {
    let mut inv = Inventory::default();
    let scoped: Option<&[String]> = match scope {
        Scope::Full => None,
        Scope::Certificates(arns) => Some(arns),
        Scope::Nothing => return inv,
    };
    let mut regions: Vec<String> = match scoped {
        None => config.scan_regions.clone(),
        Some(arns) => arns
            .iter()
            .filter_map(|a| arn_region(a).map(str::to_string))
            .collect(),
    };
    regions.sort();
    regions.dedup();
    inv.regions = regions.clone();

    // Certificates (unless scoped), load balancers, distributions and DNS, concurrently.
    let certs_f = async {
        if scoped.is_some() {
            return Vec::new();
        }
        futures::future::join_all(regions.iter().map(|r| reader.list_certificates(r))).await
    };
    let lbs_f = futures::future::join_all(regions.iter().map(|r| reader.load_balancers(r)));
    let classic_f =
        futures::future::join_all(regions.iter().map(|r| reader.classic_load_balancers(r)));
    let api_f = futures::future::join_all(regions.iter().map(|r| reader.api_domains(r)));
    // CloudFront is global and its certificates live in us-east-1: a scoped run needs it
    // only when one of its certificates is there.
    let want_cloudfront = match scoped {
        None => true,
        Some(arns) => arns.iter().any(|a| arn_region(a) == Some("us-east-1")),
    };
    let dist_f = async {
        if want_cloudfront {
            Some(reader.distributions().await)
        } else {
            None
        }
    };
    let dns_f = reader.dns_records();
    // CloudFront's tags are read, like its configuration, through us-east-1.
    let mut tag_regions = regions.clone();
    if want_cloudfront && !tag_regions.iter().any(|r| r == "us-east-1") {
        tag_regions.push("us-east-1".to_string());
    }
    let tags_f = futures::future::join_all(tag_regions.iter().map(|r| reader.mute_tags(r)));
    let (cert_lists, lb_lists, classic_lists, api_lists, dists, dns, tag_lists) =
        tokio::join!(certs_f, lbs_f, classic_f, api_f, dist_f, dns_f, tags_f);

    for res in cert_lists {
        match res {
            Ok(list) => inv.certificates.extend(list),
            Err(e) => inv.skipped.push(e.skipped()),
        }
    }
    for res in lb_lists {
        match res {
            Ok((lbs, partial)) => {
                inv.load_balancers.extend(lbs);
                inv.skipped.extend(partial.iter().map(ApiError::skipped));
            }
            Err(e) => inv.skipped.push(e.skipped()),
        }
    }
    for res in classic_lists {
        match res {
            Ok(lbs) => inv.load_balancers.extend(lbs),
            Err(e) => inv.skipped.push(e.skipped()),
        }
    }
    for res in api_lists {
        match res {
            Ok(domains) => inv.api_domains.extend(domains),
            Err(e) => inv.skipped.push(e.skipped()),
        }
    }
    match dists {
        Some(Ok(d)) => inv.distributions = d,
        Some(Err(e)) => inv.skipped.push(e.skipped()),
        None => {}
    }
    match dns {
        Ok((records, partial)) => {
            inv.dns_records = records;
            inv.skipped.extend(partial.iter().map(ApiError::skipped));
        }
        Err(e) => inv.skipped.push(e.skipped()),
    }
    for res in tag_lists {
        match res {
            Ok(tags) => inv.mute_tags.extend(tags),
            // Unread mute tags hide nothing (every finding is reported): named, not a gap.
            Err(e) => inv.skipped.push(Skipped {
                kind: SkipKind::Deliberate,
                reason: format!(
                    "{}; {} tags were not honoured in this region",
                    e.message, MUTE_TAG
                ),
                ..e.skipped()
            }),
        }
    }
    inv.mute_tags.sort();
    inv.mute_tags.dedup();

    // IAM server certificates on listeners: judged from IAM, never sent to ACM (and not
    // read in an event run, which is about one ACM certificate).
    let on_listeners: BTreeSet<String> = inv
        .load_balancers
        .iter()
        .flat_map(|lb| lb.listeners.iter())
        .flat_map(|l| l.certificates.iter().map(|c| c.arn.clone()))
        .collect();
    let iam: Vec<String> = on_listeners
        .iter()
        .filter(|a| scoped.is_none() && is_iam_server_certificate(a))
        .cloned()
        .collect();
    for (arn, res) in per_certificate(
        iam,
        |arn| async move { reader.server_certificate(&arn).await },
    )
    .await
    {
        match res {
            Ok(c) => inv.certificates.push(c),
            Err(e) => inv.skipped.push(e.skipped_for(&arn)),
        }
    }
    // Which certificates need DescribeCertificate: the scoped ones, those in use (by
    // ACM's flag or the inventory's), those not ISSUED, and those near expiry. Unused
    // healthy ones are judged from the summary alone, to stay within ACM's quotas.
    let referenced: BTreeSet<String> = inv
        .load_balancers
        .iter()
        .flat_map(|lb| lb.listeners.iter())
        .flat_map(|l| l.certificates.iter().map(|c| c.arn.clone()))
        .chain(
            inv.distributions
                .iter()
                .filter_map(|d| d.viewer_certificate.acm_certificate_arn.clone()),
        )
        .chain(
            inv.api_domains
                .iter()
                .filter_map(|d| d.certificate_arn.clone()),
        )
        // An IAM server certificate on a listener is not ACM's to describe.
        .filter(|arn| crate::trigger::is_certificate_arn(arn))
        .collect();
    let warn = chrono::Duration::days(config.expiry_warning_days);
    let mut to_describe: BTreeSet<String> = inv
        .certificates
        .iter()
        .filter(|c| crate::trigger::is_certificate_arn(&c.arn))
        .filter(|c| {
            c.in_use != Some(false)
                || referenced.contains(&c.arn)
                || c.status != CertificateStatus::Issued
                || c.not_after.is_none_or(|na| na - now <= warn)
        })
        .map(|c| c.arn.clone())
        .collect();
    if let Some(arns) = scoped {
        to_describe.extend(arns.iter().cloned());
    } else {
        // Certificates used here but held in a region not scanned (CloudFront's us-east-1).
        to_describe.extend(
            referenced
                .iter()
                .filter(|a| inv.certificate(a).is_none())
                .cloned(),
        );
    }
    let described = per_certificate(to_describe, |arn| async move {
        reader.describe_certificate(&arn).await
    })
    .await;
    for (arn, res) in described {
        match res {
            Ok(mut detail) => {
                detail.described = true;
                match inv.certificates.iter_mut().find(|c| c.arn == arn) {
                    Some(c) => merge_detail(c, detail),
                    None => inv.certificates.push(detail),
                }
            }
            Err(e) => {
                let mut skip = e.skipped_for(&arn);
                // The summary still judges what it holds (dates, status, names, use).
                if inv.certificates.iter().any(|c| c.arn == arn) {
                    skip.reason
                        .push_str("; judged from its ListCertificates summary");
                }
                inv.skipped.push(skip);
            }
        }
    }

    if let Some(arns) = scoped {
        inv.retain_certificates(arns);
    }

    // GetCertificate for in-use imported certificates (self-signed? chain stored?) and,
    // when pins are configured, for every in-use certificate (its leaf and intermediates).
    let need_pem: Vec<String> = inv
        .certificates
        .iter()
        .filter(|c| inv.is_in_use(c) && c.status == CertificateStatus::Issued)
        // IAM server certificates came with their PEM from IAM.
        .filter(|c| crate::trigger::is_certificate_arn(&c.arn) && c.pem.is_none())
        .filter(|c| {
            c.cert_type == CertificateType::Imported || !config.pinned_spki_sha256.is_empty()
        })
        .map(|c| c.arn.clone())
        .collect();
    let pems = per_certificate(
        need_pem,
        |arn| async move { reader.get_certificate(&arn).await },
    )
    .await;
    for (arn, res) in pems {
        match res {
            Ok(pem) => {
                if let Some(c) = inv.certificates.iter_mut().find(|c| c.arn == arn) {
                    c.pem = Some(pem);
                }
            }
            Err(e) => inv.skipped.push(e.skipped_for(&arn)),
        }
    }

    inv.certificates.sort_by(|a, b| a.arn.cmp(&b.arn));
    inv.skipped.sort();
    inv.skipped.dedup();
    inv
}

/// `arn:aws:iam::ACCOUNT:server-certificate/…` (also in the China and GovCloud
/// partitions).
pub fn is_iam_server_certificate(arn: &str) -> bool {
    arn.starts_with("arn:aws") && arn.contains(":iam::") && arn.contains(":server-certificate/")
}

/// Runs one ACM call per certificate, a few at a time (ACM's per-call quotas are low).
async fn per_certificate<'a, T, F, Fut>(
    arns: impl IntoIterator<Item = String>,
    call: F,
) -> Vec<(String, Result<T, ApiError>)>
where
    F: Fn(String) -> Fut + 'a,
    Fut: Future<Output = Result<T, ApiError>> + 'a,
{
    let call = &call;
    stream::iter(arns)
        .map(|arn| async move {
            let r = call(arn.clone()).await;
            (arn, r)
        })
        .buffer_unordered(ACM_DETAIL_CONCURRENCY)
        .collect()
        .await
}

/// Describe wins over the summary where it has a value.
fn merge_detail(c: &mut Certificate, d: Certificate) {
    let in_use = c.in_use.or(d.in_use);
    let pem = c.pem.take();
    *c = Certificate {
        in_use: if d.in_use_by.is_empty() {
            in_use
        } else {
            Some(true)
        },
        pem,
        // Only the summary says whether it was exported.
        exported: c.exported || d.exported,
        not_before: d.not_before.or(c.not_before),
        not_after: d.not_after.or(c.not_after),
        renewal_eligibility: d
            .renewal_eligibility
            .clone()
            .or(c.renewal_eligibility.clone()),
        key_algorithm: d.key_algorithm.clone().or(c.key_algorithm.clone()),
        sans: if d.sans.is_empty() {
            std::mem::take(&mut c.sans)
        } else {
            d.sans.clone()
        },
        ..d
    };
}
