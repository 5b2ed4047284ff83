//! The HTTP server loop: hyper over tokio, serving the warp filter as a
//! service. Serving it ourselves (instead of `warp::serve`) gives what a
//! long-running school server needs: limits on request size, a time-out for
//! clients that connect and send nothing, the client address for login
//! throttling, panics turned into a 500 page, and a graceful stop.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use http::StatusCode;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::error::plain_error;
use crate::routes::ClientAddr;

/// SPEC §6: longer request targets get 414, larger headers 431.
const MAX_TARGET: usize = 8 * 1024;
const MAX_HEADERS: usize = 16 * 1024;
/// A client must send its request headers within this time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// In-flight requests get this long to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    site: BoxedFilter<(Response,)>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let over_tls = tls.is_some();
    let service = warp::service(site);
    let mut shutdown = std::pin::pin!(shutdown);
    // Tells connections still in their TLS handshake to give up at shutdown.
    let (stopping, _) = tokio::sync::watch::channel(false);
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::error!("error: accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = service.clone();
        let handler = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
            let mut service = service.clone();
            async move {
                if let Some(status) = oversized(&request) {
                    return Ok::<_, Infallible>(plain_error(status, over_tls));
                }
                request.extensions_mut().insert(ClientAddr(client));
                let response = AssertUnwindSafe(service.call(request)).catch_unwind().await;
                Ok(match response {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => {
                        tracing::error!(
                            "error: a request handler panicked; answered 500 and kept serving",
                        );
                        plain_error(StatusCode::INTERNAL_SERVER_ERROR, over_tls)
                    }
                })
            }
        });
        // Taken now, so a shutdown also waits for connections still in their
        // TLS handshake (which `stopping` then ends).
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let mut stop_handshake = stopping.subscribe();
        tokio::spawn(async move {
            // Errors here are clients going away mid-request, or failed
            // handshakes (plain HTTP on the HTTPS port, a certificate the
            // browser does not trust): nothing to do.
            let Some(tls) = tls else {
                let _ = watcher.watch(http1(stream, handler)).await;
                return;
            };
            // The handshake runs here, in the connection's own task, so a
            // slow or silent client never holds up the accept loop.
            let handshake = tokio::time::timeout(HEADER_TIMEOUT, tls.accept(stream));
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    _ => return,
                },
                _ = stop_handshake.wait_for(|stop| *stop) => return,
            };
            let _ = watcher.watch(http1(stream, handler)).await;
        });
    }
    drop(listener);
    stopping.send_replace(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("warning: some connections were still open at shutdown");
    }
}

/// One HTTP/1.1 connection over a plain or a TLS stream.
fn http1<I, S>(io: I, handler: S) -> hyper::server::conn::http1::Connection<TokioIo<I>, S>
where
    I: AsyncRead + AsyncWrite + Unpin,
    S: hyper::service::HttpService<Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(io), handler)
}

fn oversized<B>(request: &http::Request<B>) -> Option<StatusCode> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target > MAX_TARGET {
        return Some(StatusCode::URI_TOO_LONG);
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (headers > MAX_HEADERS).then_some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
}

/// The machine's network addresses other computers can use (not loopback).
pub fn lan_addresses() -> Vec<std::net::IpAddr> {
    if_addrs::get_if_addrs()
        .map(|interfaces| {
            interfaces
                .into_iter()
                .filter(|i| !i.is_loopback())
                .map(|i| i.ip())
                .filter(|ip| !matches!(ip, std::net::IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80))
                .collect()
        })
        .unwrap_or_default()
}
