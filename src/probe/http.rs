//! One HTTP/1.1 request over any stream (plain TCP for port 80, TLS for the page), with
//! hyper's client connection. Redirects are never followed.

use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

pub const USER_AGENT: &str = concat!(
    "acm-doctor/",
    env!("CARGO_PKG_VERSION"),
    " (certificate probe)"
);

/// Sends `GET /` with the given Host and returns the response head and body stream.
/// The connection task is driven in the background and ends with the response.
pub async fn get<S>(stream: S, host: &str) -> Result<Response<Incoming>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    get_path(
        stream,
        host,
        "/",
        "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
    )
    .await
}

/// Sends `GET PATH` with the given Host and Accept.
pub async fn get_path<S>(
    stream: S,
    host: &str,
    path: &str,
    accept: &str,
) -> Result<Response<Incoming>, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::get(path)
        .header(hyper::header::HOST, host)
        .header(hyper::header::USER_AGENT, USER_AGENT)
        .header(hyper::header::ACCEPT, accept)
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("cannot build request: {e}"))?;
    sender
        .send_request(req)
        .await
        .map_err(|e| format!("HTTP request failed: {e}"))
}
