//! The network prober: DNS, then (concurrently) TLS + page on 443 and plain HTTP on 80,
//! every step bounded by a timeout, hosts probed with bounded concurrency.

use super::{HostFacts, ProbeResults, ProbeTarget, Prober, dns, http, page::Scanner, tls};
use futures::stream::{self, StreamExt};
use hickory_resolver::TokioResolver;
use http_body_util::BodyExt;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Per-step time limits. A dead or hostile endpoint costs at most `host`.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub dns: Duration,
    pub connect: Duration,
    pub handshake: Duration,
    pub headers: Duration,
    pub body: Duration,
    pub host: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            dns: Duration::from_secs(3),
            connect: Duration::from_secs(3),
            handshake: Duration::from_secs(5),
            headers: Duration::from_secs(5),
            body: Duration::from_secs(8),
            host: Duration::from_secs(20),
        }
    }
}

/// Largest page body read (bytes); the rest is not downloaded.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Same-site redirects followed from `/` before the page is scanned.
pub const MAX_REDIRECTS: usize = 5;

/// Where a redirect from `from` leads, when it stays on HTTPS and on the same site:
/// the same host, or hosts one of which is the other under a subdomain (`example.com` ↔
/// `www.example.com`), or siblings under one parent of at least two labels. Relative
/// `Location`s stay on `from`.
pub fn same_site_https(from: &str, location: &str) -> Option<(String, String)> {
    let l = location.trim();
    if l.starts_with('/') && !l.starts_with("//") {
        return Some((from.to_string(), l.to_string()));
    }
    let rest = l.strip_prefix("https://").or_else(|| {
        l.get(..8)
            .filter(|p| p.eq_ignore_ascii_case("https://"))
            .map(|_| &l[8..])
    })?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority.to_ascii_lowercase();
    // A port other than 443 is not the page a visitor lands on by typing the name.
    let host = match host.rsplit_once(':') {
        Some((h, "443")) => h.to_string(),
        Some(_) => return None,
        None => host,
    };
    let parent = |h: &str| h.split_once('.').map(|(_, p)| p.to_string());
    let same_site = host == from
        || host.ends_with(&format!(".{from}"))
        || from.ends_with(&format!(".{host}"))
        || parent(&host)
            .zip(parent(from))
            .is_some_and(|(a, b)| a == b && a.contains('.'));
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    same_site.then_some((host, path))
}

/// A callback run after each probed host.
pub type HostCallback = Arc<dyn Fn(&HostFacts) + Send + Sync>;

/// Why the prober could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the probe: {0}")]
pub struct ProbeSetupError(pub String);

/// The provider with its TLS 1.3 suites in a browser's order (Chrome and Firefox offer
/// AES-128-GCM-SHA256 first; rustls offers AES-256-GCM-SHA384 first). A server that
/// follows the client's order then negotiates what a visitor's browser would (and its
/// SHA-256 key schedule costs the probe a few percent less than SHA-384's).
fn browser_like(mut p: CryptoProvider) -> Arc<CryptoProvider> {
    use rustls::CipherSuite as S;
    let rank = |s: &rustls::SupportedCipherSuite| match s.suite() {
        S::TLS13_AES_128_GCM_SHA256 => 0,
        S::TLS13_AES_256_GCM_SHA384 => 1,
        S::TLS13_CHACHA20_POLY1305_SHA256 => 2,
        _ => 3,
    };
    p.cipher_suites.sort_by_key(rank);
    Arc::new(p)
}

/// Probes over the real network.
pub struct NetProber {
    resolver: TokioResolver,
    provider: Arc<CryptoProvider>,
    concurrency: usize,
    timeouts: Timeouts,
    /// `--resolve HOST:IP` overrides: DNS is skipped for these.
    overrides: HashMap<String, IpAddr>,
    /// Ports (443, 80) — changeable only for tests and benchmarks on unprivileged ports.
    pub https_port: u16,
    pub http_port: u16,
    /// Called after each host is probed (the CLI's progress display).
    pub on_host_done: Option<HostCallback>,
}

impl NetProber {
    pub fn new(
        dns_servers: &[String],
        concurrency: usize,
        timeouts: Timeouts,
    ) -> Result<NetProber, ProbeSetupError> {
        let resolver = dns::resolver(dns_servers, timeouts.dns).map_err(ProbeSetupError)?;
        let provider = browser_like(
            CryptoProvider::get_default()
                .map(|p| p.as_ref().clone())
                .unwrap_or_else(rustls::crypto::aws_lc_rs::default_provider),
        );
        Ok(NetProber {
            resolver,
            provider,
            concurrency: concurrency.max(1),
            timeouts,
            overrides: HashMap::new(),
            https_port: 443,
            http_port: 80,
            on_host_done: None,
        })
    }

    /// Sends `host` to `ip` without asking DNS (like curl's `--resolve`).
    pub fn resolve_override(&mut self, host: &str, ip: IpAddr) {
        self.overrides
            .insert(crate::pki::hostname::normalize(host), ip);
    }

    /// Probes one hostname within the per-host budget.
    pub async fn probe_host(&self, target: ProbeTarget) -> HostFacts {
        let started = Instant::now();
        let mut facts = HostFacts::new(&target.hostname);
        facts.sources = target.sources.clone();
        let budget = self.timeouts.host;
        let host = target.hostname.clone();
        let result = timeout(budget, self.probe_inner(&host, facts.clone())).await;
        let mut facts = match result {
            Ok(f) => f,
            Err(_) => {
                facts.tls.error.get_or_insert_with(|| {
                    format!("gave up after {} s (whole-host budget)", budget.as_secs())
                });
                facts
            }
        };
        facts.elapsed_ms = started.elapsed().as_millis() as u64;
        if let Some(cb) = &self.on_host_done {
            cb(&facts);
        }
        tracing::debug!(host = %facts.hostname, ms = facts.elapsed_ms, tls_error = ?facts.tls.error, "probed");
        facts
    }

    async fn probe_inner(&self, host: &str, mut facts: HostFacts) -> HostFacts {
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        if let Some(ip) = self.overrides.get(host) {
            facts.dns.addresses = vec![*ip];
            facts.dns.overridden = true;
        } else if let Some(ip) = literal {
            // An IP literal: nothing to look up (and no SNI: TLS names it by address).
            facts.dns.addresses = vec![ip];
        } else {
            facts.dns = match timeout(self.timeouts.dns, dns::lookup(&self.resolver, host)).await {
                Ok(d) => d,
                Err(_) => super::DnsFacts {
                    error: Some("DNS lookup timed out".into()),
                    ..Default::default()
                },
            };
        }
        let Some(ip) = facts.dns.addresses.first().copied() else {
            return facts;
        };
        let (https, plain) = tokio::join!(self.https(host, ip), self.plain_http(host, ip));
        (facts.tls, facts.page) = https;
        facts.http = plain;
        facts
    }

    async fn connect(&self, ip: IpAddr, port: u16) -> Result<TcpStream, (bool, String)> {
        let addr = SocketAddr::new(ip, port);
        match timeout(self.timeouts.connect, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                Ok(s)
            }
            Ok(Err(e)) => Err((true, format!("cannot connect to {addr}: {e}"))),
            Err(_) => Err((
                true,
                format!(
                    "connect to {addr} timed out after {} s",
                    self.timeouts.connect.as_secs()
                ),
            )),
        }
    }

    /// TLS handshake on 443, then `GET /` over the same connection.
    async fn https(&self, host: &str, ip: IpAddr) -> (super::TlsFacts, super::PageFacts) {
        let mut t = super::TlsFacts {
            address: Some(SocketAddr::new(ip, self.https_port).to_string()),
            ..Default::default()
        };
        let mut p = super::PageFacts::default();
        let tcp = match self.connect(ip, self.https_port).await {
            Ok(s) => s,
            Err((_, e)) => {
                t.error = Some(e);
                return (t, p);
            }
        };
        let sni = host.trim_start_matches('[').trim_end_matches(']');
        let Ok(name) = ServerName::try_from(sni.to_string()) else {
            t.error = Some(format!("{host:?} is not a valid TLS server name"));
            return (t, p);
        };
        let (cfg, verifier) = tls::client_config(&self.provider);
        let connector = tokio_rustls::TlsConnector::from(cfg);
        let stream = match timeout(self.timeouts.handshake, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                t.client_certificate_requested = verifier.client_certificate_requested();
                t.error = Some(if t.client_certificate_requested {
                    format!("the server requires a client certificate ({e})")
                } else {
                    format!("handshake failed: {e}")
                });
                return (t, p);
            }
            Err(_) => {
                t.error = Some(format!(
                    "handshake timed out after {} s",
                    self.timeouts.handshake.as_secs()
                ));
                return (t, p);
            }
        };
        tls::record(stream.get_ref().1, &verifier, &mut t);
        p.attempted = true;
        self.page(stream, host, ip, &mut p).await;
        (t, p)
    }

    /// `GET /` on the handshaken stream, then same-site redirects (at most
    /// [`MAX_REDIRECTS`], each a new TLS connection), and the final page scanned.
    async fn page<S>(&self, stream: S, host: &str, ip: IpAddr, p: &mut super::PageFacts)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let mut resp = match self.get(stream, host, "/").await {
            Ok(r) => r,
            Err(e) => {
                p.error = Some(e);
                return;
            }
        };
        let (mut at_host, mut at_ip) = (host.to_string(), ip);
        for _ in 0..MAX_REDIRECTS {
            let location = resp
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let Some((next_host, path)) = resp
                .status()
                .is_redirection()
                .then_some(location)
                .flatten()
                .and_then(|l| same_site_https(&at_host, &l))
            else {
                break;
            };
            let next_ip = if next_host == at_host {
                at_ip
            } else {
                match self.address_of(&next_host).await {
                    Some(ip) => ip,
                    None => break,
                }
            };
            let Ok(stream) = self.tls_stream(&next_host, next_ip).await else {
                break;
            };
            p.redirects.push(format!("https://{next_host}{path}"));
            match self.get(stream, &next_host, &path).await {
                Ok(r) => resp = r,
                Err(e) => {
                    p.error = Some(e);
                    return;
                }
            }
            (at_host, at_ip) = (next_host, next_ip);
        }
        p.status = Some(resp.status().as_u16());
        let header = |n: hyper::header::HeaderName| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        p.content_type = header(hyper::header::CONTENT_TYPE);
        p.hsts = header(hyper::header::STRICT_TRANSPORT_SECURITY);
        let mut signals = super::page::PageSignals::default();
        for v in resp
            .headers()
            .get_all(hyper::header::CONTENT_SECURITY_POLICY)
        {
            signals.apply_csp(v.to_str().unwrap_or_default());
        }
        let is_html = p
            .content_type
            .as_deref()
            .is_none_or(|c| c.to_ascii_lowercase().contains("html"));
        if !is_html {
            return;
        }
        let mut body = resp.into_body();
        let mut scanner = Scanner::new();
        let deadline = tokio::time::Instant::now() + self.timeouts.body;
        loop {
            let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
                Err(_) => {
                    p.error = Some(format!(
                        "body not finished within {} s",
                        self.timeouts.body.as_secs()
                    ));
                    break;
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => {
                    p.error = Some(format!("body read failed: {e}"));
                    break;
                }
                Ok(Some(Ok(f))) => f,
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let room = MAX_BODY - p.bytes_read;
            let chunk = &data[..data.len().min(room)];
            p.bytes_read += chunk.len();
            if let Err(e) = scanner.write(chunk) {
                p.error = Some(e);
                break;
            }
            if p.bytes_read >= MAX_BODY {
                p.truncated = true;
                break; // dropping the body closes the connection: the rest is never read
            }
        }
        let meta = scanner.signals();
        p.insecure = scanner.finish();
        p.upgrade_insecure_requests =
            signals.upgrade_insecure_requests || meta.upgrade_insecure_requests;
        p.block_all_mixed_content = signals.block_all_mixed_content || meta.block_all_mixed_content;
    }

    /// `GET PATH` within the header timeout.
    async fn get<S>(
        &self,
        stream: S,
        host: &str,
        path: &str,
    ) -> Result<hyper::Response<hyper::body::Incoming>, String>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let accept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
        match timeout(
            self.timeouts.headers,
            http::get_path(stream, host, path, accept),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no response headers within {} s",
                self.timeouts.headers.as_secs()
            )),
        }
    }

    /// The first address of another same-site host a redirect names.
    async fn address_of(&self, host: &str) -> Option<IpAddr> {
        if let Some(ip) = self.overrides.get(host) {
            return Some(*ip);
        }
        timeout(self.timeouts.dns, dns::lookup(&self.resolver, host))
            .await
            .ok()?
            .addresses
            .first()
            .copied()
    }

    /// A TLS connection for a redirect hop (any certificate: the first hop's chain is
    /// what the checks judge).
    async fn tls_stream(
        &self,
        host: &str,
        ip: IpAddr,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
        let tcp = self
            .connect(ip, self.https_port)
            .await
            .map_err(|(_, e)| e)?;
        let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
        let (cfg, _) = tls::client_config(&self.provider);
        match timeout(
            self.timeouts.handshake,
            tokio_rustls::TlsConnector::from(cfg).connect(name, tcp),
        )
        .await
        {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("handshake timed out".into()),
        }
    }

    /// `GET http://HOST/` on port 80, redirects not followed.
    async fn plain_http(&self, host: &str, ip: IpAddr) -> super::HttpFacts {
        let mut h = super::HttpFacts {
            attempted: true,
            ..Default::default()
        };
        let tcp = match self.connect(ip, self.http_port).await {
            Ok(s) => s,
            Err((closed, e)) => {
                h.closed = closed;
                h.error = Some(e);
                return h;
            }
        };
        match timeout(self.timeouts.headers, http::get(tcp, host)).await {
            Ok(Ok(resp)) => {
                h.status = Some(resp.status().as_u16());
                h.location = resp
                    .headers()
                    .get(hyper::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
            }
            Ok(Err(e)) => h.error = Some(e),
            Err(_) => {
                h.error = Some(format!(
                    "no response headers within {} s",
                    self.timeouts.headers.as_secs()
                ))
            }
        }
        h
    }

    async fn resolve_names(&self, names: Vec<String>) -> BTreeMap<String, Vec<IpAddr>> {
        stream::iter(names)
            .map(|n| async move {
                let facts = match timeout(self.timeouts.dns, dns::lookup(&self.resolver, &n)).await
                {
                    Ok(f) => f.addresses,
                    Err(_) => Vec::new(),
                };
                (n, facts)
            })
            .buffer_unordered(self.concurrency)
            .collect()
            .await
    }
}

/// Hosts are not started with less than this left before the deadline: a probe cut
/// short would be judged on half its facts.
pub const MIN_HOST_TIME: Duration = Duration::from_secs(2);

impl NetProber {
    /// One host, within the run's deadline: not started when too little time is left,
    /// given up (not judged) when the deadline comes first, and a panic inside it is
    /// that host's failure, not the run's.
    async fn probe_within(
        &self,
        target: ProbeTarget,
        deadline: Option<Instant>,
    ) -> Result<HostFacts, super::Unprobed> {
        use futures::FutureExt;
        let unprobed = |reason: String| super::Unprobed {
            hostname: target.hostname.clone(),
            reason,
        };
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l < MIN_HOST_TIME) {
            return Err(unprobed(
                "not probed: the invocation's deadline was too near to start it".into(),
            ));
        }
        let run = std::panic::AssertUnwindSafe(self.probe_host(target.clone())).catch_unwind();
        let outcome = match left {
            Some(l) => match timeout(l, run).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(unprobed(
                        "not finished: the invocation's deadline came first".into(),
                    ));
                }
            },
            None => run.await,
        };
        outcome.map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(host = %target.hostname, panic = %what, "probe panicked");
            unprobed(format!("the probe of this host failed internally: {what}"))
        })
    }
}

impl Prober for NetProber {
    async fn probe(
        &self,
        targets: Vec<ProbeTarget>,
        resource_names: Vec<String>,
        deadline: Option<Instant>,
    ) -> ProbeResults {
        let hosts_f = stream::iter(targets)
            .map(|t| self.probe_within(t, deadline))
            .buffer_unordered(self.concurrency)
            .collect::<Vec<_>>();
        let names_f = self.resolve_names(resource_names);
        let names_f = async {
            match deadline {
                Some(d) => tokio::time::timeout_at(d.into(), names_f).await.ok(),
                None => Some(names_f.await),
            }
        };
        let (outcomes, names) = tokio::join!(hosts_f, names_f);
        let (mut hosts, mut unprobed) = (Vec::new(), Vec::new());
        for o in outcomes {
            match o {
                // Without the resources' addresses a host cannot be told to lead to
                // them: judging it would claim "not associated" for healthy names.
                Ok(h) if names.is_none() => unprobed.push(super::Unprobed {
                    hostname: h.hostname,
                    reason: "not judged: the load balancers' and distributions' own DNS names were not resolved before the invocation's deadline".into(),
                }),
                Ok(h) => hosts.push(h),
                Err(u) => unprobed.push(u),
            }
        }
        let resource_addresses = names.unwrap_or_default();
        hosts.sort_by(|a, b| a.hostname.cmp(&b.hostname));
        unprobed.sort_by(|a, b| a.hostname.cmp(&b.hostname));
        ProbeResults {
            hosts,
            unprobed,
            resource_addresses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_site_https;

    #[test]
    fn only_same_site_https_redirects_are_followed() {
        let to = |f: &str, l: &str| same_site_https(f, l);
        assert_eq!(
            to("example.com", "/en/"),
            Some(("example.com".into(), "/en/".into()))
        );
        assert_eq!(
            to("example.com", "https://www.example.com/home"),
            Some(("www.example.com".into(), "/home".into()))
        );
        assert_eq!(
            to("www.example.com", "HTTPS://example.com:443"),
            Some(("example.com".into(), "/".into()))
        );
        assert_eq!(
            to("shop.example.com", "https://blog.example.com/"),
            Some(("blog.example.com".into(), "/".into()))
        );
        // Another site, plain HTTP, another port, protocol-relative: not followed.
        assert_eq!(to("example.com", "https://example.net/"), None);
        assert_eq!(to("example.com", "http://example.com/en/"), None);
        assert_eq!(to("example.com", "https://example.com:8443/"), None);
        assert_eq!(to("a.com", "https://b.com/"), None);
        assert_eq!(to("example.com", "//cdn.example.org/x"), None);
    }
}
