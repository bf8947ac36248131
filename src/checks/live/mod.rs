//! Live checks: what a visitor gets, judged from the probe's facts.

pub mod dns_not_associated;
pub mod http_not_redirected_live;
pub mod https_unreachable;
pub mod mixed_content;
pub mod sct_count_below_policy;
pub mod served_certificate_expired;
pub mod served_certificate_stale;
pub mod served_chain_untrusted;
pub mod served_name_mismatch;
