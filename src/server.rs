//! The HTTP server loop: hyper over tokio, serving the warp filter as a
//! service. Serving it ourselves (instead of `warp::serve`) gives what a
//! long-running school server needs: limits on request size, a time-out for
//! clients that connect and send nothing, the client address for login
//! throttling, panics turned into a 500 page, and a graceful stop; and
//! what holds under attack (SPEC §6): the `Host` check against DNS
//! rebinding, caps on open connections overall and per address, deadlines
//! for the request body and for the response, and HEAD for every GET.

use std::cell::RefCell;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use http::{Method, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use crate::config::ConnectionLimits;
use crate::error::{misdirected, plain_error};
use crate::routes::{CLIENT_ADDR, PHOTO_FORM_LIMIT};

/// SPEC §6: longer request targets get 414, larger headers 431.
const MAX_TARGET: usize = 8 * 1024;
const MAX_HEADERS: usize = 16 * 1024;
/// In-flight requests get this long to finish at shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    site: BoxedFilter<(Response,)>,
    hosts: HostCheck,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let over_tls = tls.is_some();
    let service = warp::service(site);
    let hosts = Arc::new(hosts);
    let open = OpenConnections::new(limits);
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
        // Over a cap the connection is closed at once, before it costs
        // anything more, and everyone else goes on being served.
        let Some(slot) = open.take(client.ip()) else {
            drop(stream);
            continue;
        };
        let stream = Guarded::new(stream, limits);
        let leaving = stream.leaving();
        // The connection's own copy of the routes and of the Host check, and
        // the last Host it allowed: copying them for each request bumped
        // counters every connection shares. One request at a time per
        // connection (HTTP/1.1), and all three are only borrowed while a
        // request's future is made.
        let service = RefCell::new(service.clone());
        let hosts = Arc::clone(&hosts);
        let allowed_host = RefCell::new(Vec::new());
        let handler = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let refusal = match oversized(&request) {
                Some(status) => Some(plain_error(status, over_tls)),
                None => hosts.refusal(&request, over_tls, &mut allowed_host.borrow_mut()),
            };
            let head = request.method() == Method::HEAD;
            let started = match refusal {
                Some(refusal) => Err(refusal),
                None => {
                    let (mut request, body_expired) = with_body_deadline(request, limits);
                    // HEAD is answered as GET would be; hyper, knowing the
                    // request was HEAD, sends the headers and leaves the body out.
                    if head {
                        *request.method_mut() = Method::GET;
                    }
                    Ok((service.borrow_mut().call(request), body_expired))
                }
            };
            let leaving = Arc::clone(&leaving);
            async move {
                let (answer, body_expired) = match started {
                    Ok(started) => started,
                    Err(refusal) => {
                        leaving.announce(&refusal);
                        return Ok::<_, Infallible>(refusal);
                    }
                };
                let response = AssertUnwindSafe(answer).catch_unwind().await;
                let mut response = match response {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => {
                        tracing::error!(
                            "error: a request handler panicked; answered 500 and kept serving",
                        );
                        plain_error(StatusCode::INTERNAL_SERVER_ERROR, over_tls)
                    }
                };
                if body_expired.is_some_and(|expired| expired.load(Ordering::Acquire)) {
                    response = plain_error(StatusCode::REQUEST_TIMEOUT, over_tls);
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, http::HeaderValue::from_static("close"));
                }
                if head && !response.headers().contains_key(header::CONTENT_LENGTH) {
                    // hyper leaves it out of a HEAD answer; GET's has it.
                    if let Some(exact) = response.body().size_hint().exact() {
                        response
                            .headers_mut()
                            .insert(header::CONTENT_LENGTH, exact.into());
                    }
                }
                leaving.announce(&response);
                Ok(response)
            }
        });
        // Taken now, so a shutdown also waits for connections still in their
        // TLS handshake (which `stopping` then ends).
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let mut stop_handshake = stopping.subscribe();
        // The client's address is set around the connection's task: hyper
        // makes each request's future and polls it inside that task, so the
        // filters see it, and it is set once per connection rather than
        // twice per request.
        tokio::spawn(CLIENT_ADDR.scope(client, async move {
            // Held until the connection ends, whichever way.
            let _slot = slot;
            // Errors here are clients going away mid-request, too slow, or
            // failed handshakes (plain HTTP on the HTTPS port, a certificate
            // the browser does not trust): nothing to do.
            let Some(tls) = tls else {
                let _ = watcher.watch(http1(stream, handler, limits)).await;
                return;
            };
            // The handshake runs here, in the connection's own task, so a
            // slow or silent client never holds up the accept loop.
            let handshake = tokio::time::timeout(limits.header_timeout, tls.accept(stream));
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    _ => return,
                },
                _ = stop_handshake.wait_for(|stop| *stop) => return,
            };
            let _ = watcher.watch(http1(stream, handler, limits)).await;
        }));
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
fn http1<I, S>(
    io: I,
    handler: S,
    limits: ConnectionLimits,
) -> hyper::server::conn::http1::Connection<TokioIo<I>, S>
where
    I: AsyncRead + AsyncWrite + Unpin,
    S: hyper::service::HttpService<Incoming>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Also how long a kept-alive connection may wait for its next request.
        .header_read_timeout(limits.header_timeout)
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

impl ConnectionLimits {
    /// The time a body or a response of `length` bytes may take.
    fn deadline_for(&self, length: u64) -> Instant {
        let secs = length as f64 / self.min_rate.max(1) as f64;
        Instant::now() + self.grace + Duration::from_secs_f64(secs.min(7.0 * 24.0 * 3600.0))
    }
}

/// The request with its body bounded in time: the whole body must arrive
/// within the grace time plus its announced length (or, streamed without
/// one, the largest form's) at the minimum rate. The flag, when the request
/// has a body at all, tells the server loop to answer 408 instead of
/// whatever the handler made of the cut body.
fn with_body_deadline(
    request: http::Request<Incoming>,
    limits: ConnectionLimits,
) -> (http::Request<DeadlineBody>, Option<Arc<AtomicBool>>) {
    let (parts, body) = request.into_parts();
    // Most requests (every GET) have no body: nothing to wait for, so no
    // timer and no flag to make for them.
    let expired = (!body.is_end_stream()).then(|| Arc::new(AtomicBool::new(false)));
    let deadline = expired.as_ref().map(|expired| {
        let length = body.size_hint().exact().unwrap_or(PHOTO_FORM_LIMIT);
        (
            Box::pin(tokio::time::sleep_until(limits.deadline_for(length))),
            Arc::clone(expired),
        )
    });
    let body = DeadlineBody {
        inner: body,
        deadline,
    };
    (http::Request::from_parts(parts, body), expired)
}

struct DeadlineBody {
    inner: Incoming,
    /// The timer, and the flag it sets when it fires first.
    deadline: Option<(Pin<Box<Sleep>>, Arc<AtomicBool>)>,
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if let Some((timer, expired)) = &mut this.deadline
            && timer.as_mut().poll(cx).is_ready()
        {
            expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err("the request body took too long".into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The response's length when known; otherwise the backup download's
/// `Content-Length`, or nothing (then only the grace time counts).
fn response_length(response: &Response) -> u64 {
    response.body().size_hint().exact().unwrap_or_else(|| {
        response
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0)
    })
}

/// The response that has just left the handlers, told by the server loop
/// to the connection's stream for the deadline of its writes: its length
/// plus one, or zero when none has come since a write last had to wait.
#[derive(Default)]
struct Leaving(AtomicU64);

impl Leaving {
    fn announce(&self, response: &Response) {
        self.0.store(
            response_length(response).saturating_add(1),
            Ordering::Release,
        );
    }

    /// The length of the response announced since the last call, if any.
    fn take(&self) -> Option<u64> {
        self.0.swap(0, Ordering::Acquire).checked_sub(1)
    }
}

/// A client's TCP stream whose writes must not stay blocked past the
/// current response's deadline: a client that stops reading (or reads a
/// byte at a time) has its connection closed instead of holding it.
///
/// The deadline is counted from the first write of a response that has to
/// wait, not from when the response is made: a response the client takes
/// at once (nearly all of them) then costs no clock reading, no timer and
/// no lock.
struct Guarded {
    stream: TcpStream,
    limits: ConnectionLimits,
    leaving: Arc<Leaving>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn new(stream: TcpStream, limits: ConnectionLimits) -> Guarded {
        Guarded {
            stream,
            limits,
            leaving: Arc::default(),
            timer: None,
        }
    }

    fn leaving(&self) -> Arc<Leaving> {
        Arc::clone(&self.leaving)
    }

    /// Called when a write is blocked: an error once the deadline of the
    /// response being written is past.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if let Some(length) = self.leaving.take() {
            let deadline = self.limits.deadline_for(length);
            match &mut self.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        let Some(timer) = &mut self.timer else {
            return Poll::Pending;
        };
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took too long to read the response",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write(cx, buf) {
            Poll::Pending => this.poll_deadline(cx).map(Err),
            done => done,
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_write_vectored(cx, bufs) {
            Poll::Pending => this.poll_deadline(cx).map(Err),
            done => done,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.stream).poll_flush(cx) {
            Poll::Pending => this.poll_deadline(cx).map(Err),
            done => done,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// The open connections, overall and per client address.
#[derive(Clone)]
struct OpenConnections {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

/// One open connection's place, given back when it is dropped.
struct Slot {
    open: OpenConnections,
    address: IpAddr,
}

impl OpenConnections {
    fn new(limits: ConnectionLimits) -> OpenConnections {
        OpenConnections {
            limits,
            counts: Arc::default(),
        }
    }

    fn take(&self, address: IpAddr) -> Option<Slot> {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        let mut counts = self.counts.lock().ok()?;
        let mine = counts.per_address.get(&address).copied().unwrap_or(0);
        if counts.total >= self.limits.max_connections || mine >= self.limits.max_per_address {
            return None;
        }
        counts.total += 1;
        counts.per_address.insert(address, mine + 1);
        Some(Slot {
            open: self.clone(),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .open
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts.total = counts.total.saturating_sub(1);
        if let Some(mine) = counts.per_address.get_mut(&self.address) {
            *mine -= 1;
            if *mine == 0 {
                counts.per_address.remove(&self.address);
            }
        }
    }
}

/// Which names a request may give in its `Host` (SPEC §6): a page on
/// another site whose name has been re-pointed at this computer (DNS
/// rebinding) still sends its own name, and is refused.
#[derive(Debug, Clone)]
pub struct HostCheck {
    addresses: Vec<IpAddr>,
    names: Vec<String>,
}

impl HostCheck {
    /// The address listened on (with 0.0.0.0 or `::`, every address of the
    /// machine), `localhost`, the machine's own names, and `public_hosts`.
    pub fn new(listening: IpAddr, public_hosts: &[String]) -> HostCheck {
        let mut addresses = vec![listening];
        if listening.is_unspecified() {
            addresses.extend([
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]);
            if let Ok(interfaces) = if_addrs::get_if_addrs() {
                addresses.extend(interfaces.into_iter().map(|i| i.ip()));
            }
        }
        let mut names = vec!["localhost".to_string()];
        if let Some(own) = own_host_name() {
            names.push(format!("{own}.local"));
            names.push(own);
        }
        names.extend(public_hosts.iter().filter_map(|name| {
            let name = normal_name(host_and_port(name.trim()).0);
            (!name.is_empty()).then_some(name)
        }));
        HostCheck { addresses, names }
    }

    /// The answer for a request that does not name this server (421), or
    /// names it none or twice (400; HTTP/1.0 needed no `Host`); `None` when
    /// it may go on.
    /// `allowed` is the connection's last allowed `Host`: a connection
    /// usually names the same host in every request, which then needs no
    /// second look.
    fn refusal<B>(
        &self,
        request: &http::Request<B>,
        tls: bool,
        allowed: &mut Vec<u8>,
    ) -> Option<Response> {
        let mut values = request.headers().get_all(header::HOST).iter();
        let value = match (values.next(), values.next()) {
            (Some(value), None) => value,
            (None, _) if request.version() < http::Version::HTTP_11 => return None,
            _ => return Some(plain_error(StatusCode::BAD_REQUEST, tls)),
        };
        if !allowed.is_empty() && value.as_bytes() == allowed.as_slice() {
            return None;
        }
        let Ok(host) = value.to_str() else {
            return Some(plain_error(StatusCode::BAD_REQUEST, tls));
        };
        if !self.allows(host) {
            return Some(misdirected(host, tls));
        }
        allowed.clear();
        allowed.extend_from_slice(host.as_bytes());
        None
    }

    fn allows(&self, host: &str) -> bool {
        let name = host_and_port(host).0;
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return self.addresses.contains(&ip);
        }
        // As `normal_name` would make it, without making a string on
        // every request.
        let name = name.trim_end_matches('.');
        self.names
            .iter()
            .any(|known| known.eq_ignore_ascii_case(name))
    }
}

/// `name:port` split at the port (an IPv6 literal keeps its brackets).
fn host_and_port(host: &str) -> (&str, Option<&str>) {
    let Some(colon) = host.rfind(':') else {
        return (host, None);
    };
    let (name, port) = (&host[..colon], &host[colon + 1..]);
    let bracketed = name.starts_with('[') && name.ends_with(']');
    if bracketed || !(name.contains(':') || port.contains(']')) {
        (name, Some(port))
    } else {
        (host, None)
    }
}

/// Host names compare ignoring case and a final dot.
fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The computer's own name, as `hostname` prints it.
fn own_host_name() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is valid for its whole length, which is passed.
        let result = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
        if result != 0 {
            return None;
        }
        let end = buffer.iter().position(|b| *b == 0)?;
        let name = std::str::from_utf8(&buffer[..end]).ok()?;
        (!name.is_empty()).then(|| normal_name(name))
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok().map(|n| normal_name(&n))
    }
}

/// Raises the soft limit on open files to the hard limit, so the
/// connection cap, not the system's default of 1024 (or 256), is what
/// bounds the server; and lowers the cap when even the hard limit is
/// smaller. Called once by `serve` at start-up.
pub fn fit_open_file_limit(limits: &mut ConnectionLimits) {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid rlimit for getrlimit/setrlimit to use.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = limit.rlim_max;
                }
            }
        }
        // Room for the database, the log and the listening socket.
        let usable = usize::try_from(limit.rlim_cur)
            .unwrap_or(usize::MAX)
            .saturating_sub(64)
            .max(16);
        limits.max_connections = limits.max_connections.min(usable);
        limits.max_per_address = limits.max_per_address.min(limits.max_connections);
    }
}

#[cfg(test)]
mod tests {
    use super::host_and_port;

    #[test]
    fn a_host_splits_at_its_port_and_an_ipv6_literal_keeps_its_brackets() {
        assert_eq!(host_and_port("127.0.0.1:8080"), ("127.0.0.1", Some("8080")));
        assert_eq!(host_and_port("localhost"), ("localhost", None));
        assert_eq!(host_and_port("school.local:"), ("school.local", Some("")));
        assert_eq!(host_and_port("[::1]:8080"), ("[::1]", Some("8080")));
        assert_eq!(host_and_port("[::1]"), ("[::1]", None));
        assert_eq!(host_and_port("::1"), ("::1", None));
        assert_eq!(host_and_port("a:b:c"), ("a:b:c", None));
    }
}
