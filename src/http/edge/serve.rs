//! Serving connections: hyper's HTTP/1.1 server under the router, with a time limit
//! on each request head, and graceful shutdown of every connection.
//!
//! Why not `axum::serve`: it sets no timer on hyper, so hyper's head limit cannot
//! run, and it sniffs for HTTP/2 before anything else, waiting without limit for a
//! first 24 bytes that may never come. A client could hold a connection (a file
//! descriptor, a task) forever by sending half a request head, or nothing.
//!
//! The head limit (`--header-read-timeout-ms`) is hyper's own `header_read_timeout`.
//! Hyper starts its clock when the connection is ready for a request: when it is
//! accepted, and again when an answer has been sent. So the same limit closes a
//! keep-alive connection left idle that long; hyper has no separate idle clock.
//!
//! HTTP/2 without TLS (h2c, which `axum::serve` accepted but nothing here documented
//! or tested) is not served: hyper's HTTP/2 server has no limit on how long a
//! client may take to send its headers, nor on an idle connection.
//!
//! Body limits are the router's (`receive`); this module knows only connections.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::{Service, ServiceExt};

/// The log target of this file's events: the path of its module before the move, kept so
/// `RUST_LOG` directives and log pipelines that name it still match.
const TARGET: &str = "catalog_gateway::http::serve";

/// How connections are served.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionSettings {
    /// How long a request head may take, from the connection's opening or the
    /// previous answer (so also the keep-alive idle limit).
    pub header_read_timeout: Duration,
    /// Whether each request carries the peer's address (`ConnectInfo<SocketAddr>`),
    /// for the protection's per-client limits.
    pub connect_info: bool,
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting,
/// lets each connection finish the request it is in (an idle one closes at once),
/// and returns when all are closed.
///
/// # Errors
/// None today: an accept error is logged and retried, as `axum::serve` does. The
/// result type keeps the caller's contract.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ConnectionSettings,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                if !is_connection_error(&error) {
                    // Out of file descriptors, most likely: wait for some to close
                    // rather than spin.
                    tracing::error!(target: TARGET, %error, "accept failed; retrying in a second");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = &mut shutdown => break,
                    }
                }
                continue;
            }
        };
        if settings.connect_info {
            let service = router
                .clone()
                .map_request(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
            spawn_connection(&builder, &graceful, stream, service);
        } else {
            spawn_connection(&builder, &graceful, stream, router.clone());
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Serves one connection on its own task, watched for graceful shutdown.
fn spawn_connection<S>(
    builder: &http1::Builder,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    service: S,
) where
    S: Service<Request<Incoming>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let connection =
        builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        // A head not received in time, a reset, a client gone: its own business.
        if let Err(error) = connection.await {
            tracing::trace!(target: TARGET, %error, "connection ended with an error");
        }
    });
}

/// Errors about one connection, not the listener (as `axum::serve` tells them).
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
