//! Configuration checks: what AWS is set up to do (ACM, load balancers, CloudFront, Route 53).

pub mod alb_host_not_covered;
pub mod alb_http_not_redirected;
pub mod certificate_expired;
pub mod certificate_expiring;
pub mod certificate_revoked_or_inactive;
pub mod certificate_unused;
pub mod cloudfront_alias_not_covered;
pub mod cloudfront_allows_http;
pub mod cloudfront_certificate_region;
pub mod ct_logging_disabled;
pub mod dns_record_loop;
pub mod imported_chain_incomplete;
pub mod imported_self_signed;
pub mod legacy_tls_policy;
pub mod pinned_rotating_key;
pub mod private_certificate_public_endpoint;
pub mod renewal_failed;
pub mod renewal_ineligible;
pub mod scan_incomplete;
pub mod validation_record_missing;
