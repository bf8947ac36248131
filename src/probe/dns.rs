//! DNS facts through hickory-resolver: the CNAME chain and the addresses.

use super::DnsFacts;
use crate::pki::hostname::normalize;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use std::net::SocketAddr;
use std::time::Duration;

/// Builds the resolver: `/etc/resolv.conf`, or `DNS_SERVERS` (`ip:port` list) instead.
pub fn resolver(servers: &[String], timeout: Duration) -> Result<TokioResolver, String> {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 1;
    let builder = if servers.is_empty() {
        TokioResolver::builder_tokio()
            .map_err(|e| format!("cannot read the system DNS configuration: {e}"))?
    } else {
        let mut cfg = ResolverConfig::from_parts(None, vec![], vec![]);
        for s in servers {
            let addr: SocketAddr = s
                .parse()
                .or_else(|_| format!("{s}:53").parse())
                .map_err(|_| format!("DNS server {s:?} is not ip:port"))?;
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            cfg.add_name_server(NameServerConfig::new(addr.ip(), true, vec![udp, tcp]));
        }
        TokioResolver::builder_with_config(cfg, TokioRuntimeProvider::default())
    };
    builder
        .with_options(opts)
        .build()
        .map_err(|e| format!("cannot build the DNS resolver: {e}"))
}

/// Resolves a hostname, recording the CNAME chain as the answer section shows it.
pub async fn lookup(resolver: &TokioResolver, host: &str) -> DnsFacts {
    let mut facts = DnsFacts::default();
    // A trailing dot makes the name absolute, so no search domain is appended.
    match resolver.lookup_ip(format!("{host}.")).await {
        Ok(lookup) => {
            for r in lookup.as_lookup().answers() {
                match &r.data {
                    RData::CNAME(c) => facts.cname_chain.push(normalize(&c.0.to_ascii())),
                    RData::A(a) => facts.addresses.push(a.0.into()),
                    RData::AAAA(a) => facts.addresses.push(a.0.into()),
                    _ => {}
                }
            }
            facts.addresses.sort();
            facts.addresses.dedup();
            if facts.addresses.is_empty() {
                facts.error = Some("no A/AAAA records".into());
            }
        }
        Err(e) => facts.error = Some(format!("DNS lookup failed: {e}")),
    }
    facts
}
