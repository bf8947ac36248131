//! Probe: what a visitor's browser gets from each hostname — DNS, the TLS chain, the
//! HTTP redirect on port 80 and the HTTPS page. Records facts; never judges.
//!
//! Every step has a timeout and every failure becomes a fact ("handshake failed: …"),
//! so a hostile or dead endpoint costs at most the per-host budget.

pub mod ct_list;
mod dns;
mod http;
mod net;
mod page;
mod targets;
mod tls;

pub use net::{MAX_REDIRECTS, NetProber, ProbeSetupError, Timeouts};
pub use page::scan_html;
pub use targets::{private_only_hostnames, private_only_skipped, resource_names, targets};

use crate::pki::x509::{CertFacts, parse_der};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Everything observed about one hostname.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostFacts {
    pub hostname: String,
    /// Why this hostname was probed (Route 53 record, alias, SAN, PROBE_HOSTNAMES…).
    pub sources: Vec<String>,
    pub dns: DnsFacts,
    pub tls: TlsFacts,
    pub http: HttpFacts,
    pub page: PageFacts,
    pub elapsed_ms: u64,
}

impl HostFacts {
    /// A host with nothing observed yet.
    pub fn new(hostname: &str) -> HostFacts {
        HostFacts {
            hostname: hostname.to_string(),
            ..Default::default()
        }
    }
    /// Parsed facts of the served chain (unparseable certificates are left out).
    pub fn served_chain_facts(&self) -> Vec<CertFacts> {
        self.tls
            .served_chain
            .iter()
            .filter_map(|d| parse_der(d).ok())
            .collect()
    }
    /// The served leaf, parsed, or why it could not be.
    pub fn served_leaf(&self) -> Option<Result<CertFacts, crate::pki::x509::ParseError>> {
        self.tls.served_chain.first().map(|d| parse_der(d))
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DnsFacts {
    /// CNAME targets in order, normalised.
    pub cname_chain: Vec<String>,
    pub addresses: Vec<IpAddr>,
    /// Set when `--resolve HOST:IP` replaced DNS.
    pub overridden: bool,
    pub error: Option<String>,
}

fn b64_chain<S: Serializer>(chain: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    s.collect_seq(
        chain
            .iter()
            .map(|d| base64::engine::general_purpose::STANDARD.encode(d)),
    )
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsFacts {
    /// Address the handshake was made with.
    pub address: Option<String>,
    pub protocol: Option<String>,
    pub cipher: Option<String>,
    /// Certificates as sent by the server, leaf first (DER; base64 in JSON).
    #[serde(serialize_with = "b64_chain")]
    pub served_chain: Vec<Vec<u8>>,
    /// Length of the stapled OCSP response, if one was stapled.
    pub ocsp_stapled_bytes: Option<usize>,
    /// The server asked for a client certificate (mutual TLS): a browser shows a
    /// certificate picker, and without one `ERR_BAD_SSL_CLIENT_AUTH_CERT`.
    pub client_certificate_requested: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpFacts {
    /// Whether port 80 was tried at all (not when DNS failed).
    pub attempted: bool,
    pub status: Option<u16>,
    pub location: Option<String>,
    /// The connection was refused or timed out before any response.
    pub closed: bool,
    pub error: Option<String>,
}

/// A subresource or form target loaded over plain `http://` from the HTTPS page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsecureRef {
    /// Element name, plus `rel` for `<link>` (e.g. `link rel=stylesheet`).
    pub element: String,
    pub attribute: String,
    pub url: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PageFacts {
    pub attempted: bool,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub hsts: Option<String>,
    pub bytes_read: usize,
    /// The body was longer than the cap and was cut.
    pub truncated: bool,
    pub insecure: Vec<InsecureRef>,
    /// `Content-Security-Policy: upgrade-insecure-requests` (header or meta): the browser
    /// fetches the page's http:// subresources over HTTPS.
    pub upgrade_insecure_requests: bool,
    /// `block-all-mixed-content`: the browser fetches none of them.
    pub block_all_mixed_content: bool,
    /// Same-site redirects followed from `/` to the page scanned (URLs, in order).
    pub redirects: Vec<String>,
    pub error: Option<String>,
}

/// A hostname to probe and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeTarget {
    pub hostname: String,
    pub sources: Vec<String>,
}

/// A hostname the probe did not finish, and why (the run's deadline came first, or the
/// probe of that host failed internally). Its facts are left out rather than judged: a
/// half-probed host would look unreachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unprobed {
    pub hostname: String,
    pub reason: String,
}

/// What the probe stage hands to the checks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProbeResults {
    pub hosts: Vec<HostFacts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unprobed: Vec<Unprobed>,
    /// Addresses of the inventory's own DNS names (load balancers, distributions), so
    /// checks can tell whether a hostname leads to them even through alias records.
    pub resource_addresses: BTreeMap<String, Vec<IpAddr>>,
}

/// Probes hostnames. The network prober in production; fakes in handler tests.
pub trait Prober: Send + Sync {
    /// Probes `targets`; a host that cannot be finished by `deadline` is not started
    /// (or is given up) and listed in [`ProbeResults::unprobed`].
    fn probe(
        &self,
        targets: Vec<ProbeTarget>,
        resource_names: Vec<String>,
        deadline: Option<std::time::Instant>,
    ) -> impl std::future::Future<Output = ProbeResults> + Send;
}

/// One prober shared by several engines (an organization run's accounts share the
/// resolver and the concurrency).
impl<P: Prober> Prober for std::sync::Arc<P> {
    fn probe(
        &self,
        targets: Vec<ProbeTarget>,
        resource_names: Vec<String>,
        deadline: Option<std::time::Instant>,
    ) -> impl std::future::Future<Output = ProbeResults> + Send {
        (**self).probe(targets, resource_names, deadline)
    }
}

/// A prober that probes nothing (`PROBE=false`).
pub struct NoProbe;

impl Prober for NoProbe {
    async fn probe(
        &self,
        _targets: Vec<ProbeTarget>,
        _names: Vec<String>,
        _deadline: Option<std::time::Instant>,
    ) -> ProbeResults {
        ProbeResults::default()
    }
}
