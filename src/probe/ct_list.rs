//! `CT_LOG_LIST`: a newer CT log list than the bundled one, read at run time from a file
//! or fetched from an https URL (bounded in size and time, once per run). Whatever goes
//! wrong, the run goes on with the bundled list and the report says why.

use crate::pki::ct_logs::CtLogs;
use http_body_util::BodyExt;
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Largest log list read (Chrome's v3 list is ~100 KiB, the all-logs list under 1 MiB).
pub const MAX_LOG_LIST: usize = 4 * 1024 * 1024;

/// The whole fetch (connect, handshake, headers, body) is done within this.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Loads the list `setting` names. `Ok(None)` when nothing is configured; `Err` says
/// why the configured list is not used (the caller falls back to the bundled one).
/// `roots` verify an https server (the public roots in production).
pub async fn load(
    setting: Option<&str>,
    roots: Arc<rustls::RootCertStore>,
) -> Result<Option<CtLogs>, String> {
    let Some(setting) = setting.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let text = if let Some(rest) = setting.strip_prefix("https://") {
        tokio::time::timeout(FETCH_TIMEOUT, fetch(rest, roots))
            .await
            .map_err(|_| format!("fetching {setting} took over {}s", FETCH_TIMEOUT.as_secs()))??
    } else if setting.contains("://") {
        return Err(format!(
            "{setting}: only a file path or an https:// URL is accepted"
        ));
    } else {
        read_file(setting)?
    };
    CtLogs::parse(&text, setting)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn read_file(path: &str) -> Result<String, String> {
    crate::config::read_capped(path, MAX_LOG_LIST)
}

/// `GET https://HOST[:PORT]/PATH`, the certificate verified against `roots`.
async fn fetch(rest: &str, roots: Arc<rustls::RootCertStore>) -> Result<String, String> {
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("bad port in {authority}"))?,
        ),
        None => (authority, 443),
    };
    let url = format!("https://{rest}");
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("{url}: {e}"))?;
    let tcp = TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("cannot connect to {url}: {e}"))?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS to {url} failed: {e}"))?;
    let resp = super::http::get_path(tls, authority, path, "application/json").await?;
    if !resp.status().is_success() {
        return Err(format!("{url} answered HTTP {}", resp.status().as_u16()));
    }
    let mut body = resp.into_body();
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("reading {url}: {e}"))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > MAX_LOG_LIST {
                return Err(format!("{url} is larger than {MAX_LOG_LIST} bytes"));
            }
            buf.extend_from_slice(&data);
        }
    }
    String::from_utf8(buf).map_err(|_| format!("{url} is not UTF-8 text"))
}

/// The public roots a browser trusts (what an https `CT_LOG_LIST` is verified with).
pub fn public_roots() -> Arc<rustls::RootCertStore> {
    Arc::new(rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_configured_is_the_bundled_list() {
        assert!(load(None, public_roots()).await.unwrap().is_none());
        assert!(load(Some("  "), public_roots()).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_file_is_read_and_bad_ones_are_explained() {
        let dir = std::env::temp_dir().join(format!("ct-list-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("list.json");
        std::fs::write(
            &good,
            r#"{"log_list_timestamp":"2026-11-30T12:00:00Z","operators":[{"name":"Op","logs":[
                {"description":"Op 2027h1","log_id":"AAAA","state":{"usable":{"timestamp":"2026-01-01T00:00:00Z"}},
                 "temporal_interval":{"start_inclusive":"2027-01-01T00:00:00Z","end_exclusive":"2027-07-01T00:00:00Z"}}]}]}"#,
        )
        .unwrap();
        let logs = load(good.to_str(), public_roots()).await.unwrap().unwrap();
        assert_eq!(logs.date, "2026-11-30");
        assert!(logs.get("AAAA").is_some());
        let bad = dir.join("bad.json");
        std::fs::write(&bad, "{\"not\": \"a list\"}").unwrap();
        let e = load(bad.to_str(), public_roots()).await.unwrap_err();
        assert!(e.contains("not a log list v3"), "{e}");
        let huge = dir.join("huge.json");
        std::fs::write(&huge, vec![b' '; MAX_LOG_LIST + 10]).unwrap();
        let e = load(huge.to_str(), public_roots()).await.unwrap_err();
        assert!(e.contains("larger than"), "{e}");
        assert!(
            load(Some("/nonexistent/list.json"), public_roots())
                .await
                .is_err()
        );
        let e = load(Some("http://example.com/list.json"), public_roots())
            .await
            .unwrap_err();
        assert!(e.contains("https://"), "{e}");
        // A URL nobody answers on loopback: a clear error, quickly.
        let e = load(Some("https://127.0.0.1:9/log_list.json"), public_roots())
            .await
            .unwrap_err();
        assert!(e.contains("cannot connect"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
