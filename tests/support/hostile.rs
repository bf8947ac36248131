//! Hostile servers for the hostile suite, each on its own loopback address, port 443
//! (and a small AWS stand-in that answers every call AccessDenied). What a web server
//! cannot be made to do: drip bytes, send headers forever, send a chain too large for a
//! handshake, put control characters in a certificate, redirect forever. Started once per
//! process on a runtime of their own; they live as long as the test process.
#![allow(dead_code)]

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Accepts, announces a 16 KiB handshake record, then sends one byte of it every
/// 200 ms, forever.
pub const DRIP_IP: &str = "127.0.0.11";
/// A valid TLS site whose response headers never end.
pub const HEADERS_IP: &str = "127.0.0.12";
/// A chain of 300 certificates: larger than any TLS handshake message may be.
pub const HUGE_CHAIN_IP: &str = "127.0.0.13";
/// A valid leaf with 2,000 SANs (a healthy twin: big, but fine).
pub const HUGE_CERT_IP: &str = "127.0.0.14";
/// A leaf whose SAN and subject carry terminal escape sequences, CR and LF.
pub const CONTROL_IP: &str = "127.0.0.15";
/// Every page redirects to the next one on the same site.
pub const LOOP_IP: &str = "127.0.0.16";

/// The text a control-character certificate carries (escape, CR, LF, BEL).
pub const CONTROL_SAN: &str = "evil\x1b[2J\r\nX-Injected: yes.hostile.test";
pub const CONTROL_CN: &str = "pwned\x1b]0;owned\x07\x1b[31m";

pub struct HostileEstate {
    /// The root every hostile TLS server's chain leads to (for `--ca-file`).
    pub root_pem_path: PathBuf,
    /// `http://127.0.0.1:PORT`: answers every AWS call 403 AccessDenied.
    pub denied_endpoint: String,
}

fn ts(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(days)
}

fn root() -> CertifiedIssuer<'static, KeyPair> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name
        .push(DnType::CommonName, "acm-doctor hostile root");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.not_before = ts(-30);
    p.not_after = ts(3650);
    CertifiedIssuer::self_signed(p, KeyPair::generate().unwrap()).unwrap()
}

/// A leaf for `sans` signed by `root`, as a rustls server config.
fn server(
    root: &CertifiedIssuer<'static, KeyPair>,
    sans: Vec<String>,
    cn: &str,
    extra_chain: Vec<CertificateDer<'static>>,
) -> Arc<rustls::ServerConfig> {
    let mut p = CertificateParams::new(sans).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = ts(-1);
    p.not_after = ts(60);
    let key = KeyPair::generate().unwrap();
    let leaf = p.signed_by(&key, root).unwrap();
    let mut chain = vec![leaf.der().clone()];
    chain.extend(extra_chain);
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    )
}

/// Reads one request's head (until a blank line, at most 16 KiB).
async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = s.read(&mut byte).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&byte[..n]);
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Serves TLS on `ip:443`, handing each established stream to `serve`.
async fn tls_site<F, Fut>(ip: &str, config: Arc<rustls::ServerConfig>, serve: F)
where
    F: Fn(tokio_rustls::server::TlsStream<tokio::net::TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind(format!("{ip}:443"))
        .await
        .unwrap_or_else(|e| panic!("bind {ip}:443: {e}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, serve) = (acceptor.clone(), serve.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    serve(tls).await;
                }
            });
        }
    });
}

async fn start(root: &CertifiedIssuer<'static, KeyPair>) {
    // Drip: one byte at a time, never a ServerHello.
    let drip = tokio::net::TcpListener::bind(format!("{DRIP_IP}:443"))
        .await
        .expect("bind drip server");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = drip.accept().await {
            tokio::spawn(async move {
                if s.write_all(b"\x16\x03\x03\x40\x00").await.is_err() {
                    return;
                }
                while s.write_all(b"\x02").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            });
        }
    });
    // Endless headers.
    tls_site(
        HEADERS_IP,
        server(root, vec!["headers.hostile.test".into()], "headers", vec![]),
        |mut s| async move {
            if read_head(&mut s).await.is_none() {
                return;
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\n").await;
            let line = format!("X-Pad: {}\r\n", "a".repeat(200));
            while s.write_all(line.as_bytes()).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        },
    )
    .await;
    // A chain no handshake can carry: the same filler certificate 300 times.
    let filler = {
        let mut p = CertificateParams::new(vec!["filler.hostile.test".to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, "filler");
        p.signed_by(&KeyPair::generate().unwrap(), root)
            .unwrap()
            .der()
            .clone()
    };
    tls_site(
        HUGE_CHAIN_IP,
        server(
            root,
            vec!["hugechain.hostile.test".into()],
            "hugechain",
            vec![filler; 300],
        ),
        page_ok,
    )
    .await;
    // A big but valid leaf.
    let mut sans: Vec<String> = (0..2000).map(|i| format!("n{i}.hostile.test")).collect();
    sans.push("hugecert.hostile.test".into());
    tls_site(
        HUGE_CERT_IP,
        server(root, sans, "hugecert", vec![]),
        page_ok,
    )
    .await;
    // Control characters in a SAN and the subject.
    tls_site(
        CONTROL_IP,
        server(
            root,
            vec!["ctl.hostile.test".into(), CONTROL_SAN.into()],
            CONTROL_CN,
            vec![],
        ),
        page_ok,
    )
    .await;
    // Redirects forever, on the same site.
    tls_site(
        LOOP_IP,
        server(root, vec!["loop.hostile.test".into()], "loop", vec![]),
        |mut s| async move {
            let Some(head) = read_head(&mut s).await else {
                return;
            };
            let n = head.len() % 1000;
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 302 Found\r\nLocation: /again-{n}-{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        head.len()
                    )
                    .as_bytes(),
                )
                .await;
        },
    )
    .await;
}

/// A plain healthy page with HSTS.
async fn page_ok(mut s: tokio_rustls::server::TlsStream<tokio::net::TcpStream>) {
    if read_head(&mut s).await.is_none() {
        return;
    }
    let body = "<!doctype html><title>ok</title>";
    let _ = s
        .write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nStrict-Transport-Security: max-age=31536000\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
        .await;
}

/// Answers every request 403 AccessDenied, in the JSON shape (awsJson services name
/// the target in `X-Amz-Target`) or the XML one (query and REST-XML services).
fn denied_server() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut s = s;
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let (ctype, body) = if head.contains("x-amz-target:") {
                    (
                        "application/x-amz-json-1.1",
                        r#"{"__type":"AccessDeniedException","message":"User is not authorized to perform this action"}"#.to_string(),
                    )
                } else {
                    (
                        "text/xml",
                        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform this action</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_string(),
                    )
                };
                let _ = s.write_all(
                    format!(
                        "HTTP/1.1 403 Forbidden\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            });
        }
    });
    endpoint
}

impl HostileEstate {
    pub fn get() -> &'static HostileEstate {
        static ESTATE: OnceLock<HostileEstate> = OnceLock::new();
        ESTATE.get_or_init(|| {
            let dir =
                std::env::temp_dir().join(format!("acm-doctor-hostile-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let root = root();
            let root_pem_path = dir.join("root.pem");
            std::fs::write(&root_pem_path, root.pem()).unwrap();
            let (ready_tx, ready_rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    start(&root).await;
                    ready_tx.send(()).unwrap();
                    std::future::pending::<()>().await;
                });
            });
            ready_rx
                .recv_timeout(Duration::from_secs(30))
                .expect("hostile servers started");
            HostileEstate {
                root_pem_path,
                denied_endpoint: denied_server(),
            }
        })
    }
}
