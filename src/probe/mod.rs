//! Probe: what a visitor's browser gets from each hostname — DNS, the TLS chain, the
//! HTTP redirect and the page. Records facts; never judges.

use crate::checks::x509::{CertFacts, parse_der};
use serde::Serialize;

/// Everything observed about one hostname.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HostFacts {
    pub hostname: String,
    /// The certificates the server sent, leaf first, as DER.
    #[serde(skip)]
    pub served_chain: Vec<Vec<u8>>,
}

impl HostFacts {
    /// Parsed facts of the served chain (unparseable certificates are left out).
    pub fn served_chain_facts(&self) -> Vec<CertFacts> {
        self.served_chain.iter().filter_map(|d| parse_der(d).ok()).collect()
    }
}

/// A hostname to probe and why it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeTarget {
    pub hostname: String,
    pub sources: Vec<String>,
}

/// Probes hostnames. The network prober in production; fakes in handler tests.
pub trait Prober: Send + Sync {
    fn probe(&self, targets: Vec<ProbeTarget>) -> impl std::future::Future<Output = Vec<HostFacts>> + Send;
}

/// A prober that probes nothing (`PROBE=false`).
pub struct NoProbe;

impl Prober for NoProbe {
    async fn probe(&self, _targets: Vec<ProbeTarget>) -> Vec<HostFacts> {
        Vec::new()
    }
}

/// The hostnames a run probes (filled in by the probe stage).
pub fn targets(_inv: &crate::inventory::Inventory, _config: &crate::config::Config, _scope: &crate::trigger::Scope) -> Vec<ProbeTarget> {
    Vec::new()
}
