//! [`RedisLink`]: one handle to a Redis whatever its topology, connecting lazily
//! and following a failover without a restart.
//!
//! - Nothing connects at start: the first command opens the connection, in a task
//!   of its own, so a caller that gives up (its budget ran out) does not cancel it
//!   and the next caller finds it ready or under way (one attempt at a time).
//! - A command that fails in a way the connection cannot get over (I/O, a dropped
//!   or timed-out connection, `READONLY` from a master demoted by a failover,
//!   `MASTERDOWN`) drops the connection; the next command opens a new one, and on
//!   Sentinel that asks the Sentinels for the master again. So a failover costs the
//!   callers the errors of the commands in flight, then nothing: they degrade to
//!   local meanwhile, as for any Redis error.
//! - On a Cluster, redis-rs follows `MOVED`/`ASK` and refreshes its slot map itself;
//!   a multi-key `MGET`/`DEL` is split per slot by redis-rs, and a plain pipeline
//!   per command (see `connection`).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use redis::aio::ConnectionLike;
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    AsyncConnectionConfig, Client, Cmd, ConnectionAddr, ConnectionInfo, ErrorKind,
    IntoConnectionInfo, Pipeline, RedisError, RedisFuture, RedisResult, ServerErrorKind,
    TlsCertificates, TlsMode, Value,
};

use super::connection::Dedicated;
use super::settings::{RedisAuth, RedisTarget, RedisTopology};

/// How long a link waits on Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkTimeouts {
    /// One connection attempt (TCP, TLS, `AUTH`); a Sentinel lookup gets as long again.
    pub connect: Duration,
    /// One command's answer on the shared connection; past it the connection is
    /// dropped and opened again (a black-holed master after a failover).
    pub response: Duration,
}

/// A cheap-clone handle to one Redis; clones share the connection.
///
/// As a `ConnectionLike` it runs commands and pipelines on the shared multiplexed
/// connection (opened on first use, reopened after it broke); [`RedisLink::dedicated`]
/// opens a connection of its own (for blocking reads).
#[derive(Clone)]
pub struct RedisLink {
    inner: Arc<Inner>,
}

struct Inner {
    target: RedisTarget,
    timeouts: LinkTimeouts,
    how: How,
    current: Mutex<Current>,
}

/// The clients, built once (no I/O) from the target.
enum How {
    Single(Client),
    /// Locked while asking the Sentinels (redis-rs keeps its Sentinel connections in it).
    Sentinel(tokio::sync::Mutex<SentinelClient>),
    Cluster,
}

type Opening = Shared<BoxFuture<'static, RedisResult<Dedicated>>>;

/// The shared connection: opened, or being opened, or not yet.
#[derive(Default)]
struct Current {
    /// Bumped each time the connection is dropped, so a late error of an old
    /// connection does not drop its replacement.
    generation: u64,
    opening: Option<Opening>,
}

impl RedisLink {
    /// A link to `target`, checked without connecting.
    ///
    /// # Errors
    /// The URL or address redis-rs refuses.
    pub fn new(target: RedisTarget, timeouts: LinkTimeouts) -> RedisResult<RedisLink> {
        let how = match &target.topology {
            RedisTopology::Single(url) => How::Single(node_client(url, &target)?),
            RedisTopology::Sentinel {
                sentinels,
                master,
                tls,
            } => How::Sentinel(tokio::sync::Mutex::new(sentinel_client(
                sentinels, master, *tls, &target,
            )?)),
            RedisTopology::Cluster(nodes) => {
                cluster_client(nodes, &target, timeouts.connect, Some(timeouts.response))?;
                How::Cluster
            }
        };
        Ok(RedisLink {
            inner: Arc::new(Inner {
                target,
                timeouts,
                how,
                current: Mutex::new(Current::default()),
            }),
        })
    }

    /// Where the link goes, for logs (no password).
    pub fn describe(&self) -> String {
        self.inner.target.describe()
    }

    /// A new connection of its own (not the shared one), for blocking reads such
    /// as `XREAD BLOCK`: answers may take up to `response` (`None`: no limit).
    /// On Sentinel it goes to the master the Sentinels name now.
    ///
    /// # Errors
    /// Why no connection could be opened.
    pub async fn dedicated(&self, response: Option<Duration>) -> RedisResult<Dedicated> {
        self.inner.open(response).await
    }

    /// The shared connection, opening it (in a task of its own) when there is none.
    async fn current(&self) -> RedisResult<(u64, Dedicated)> {
        let (generation, opening) = {
            let mut current = self.inner.lock();
            let failed = current
                .opening
                .as_ref()
                .and_then(Shared::peek)
                .is_some_and(Result::is_err);
            if failed || current.opening.is_none() {
                current.opening = Some(self.inner.spawn_open());
            }
            (current.generation, current.opening.clone())
        };
        let opening = opening.ok_or_else(|| RedisError::from((ErrorKind::Io, "no connection")))?;
        Ok((generation, opening.await?))
    }

    /// Drops the shared connection after `error`, when it cannot recover from it.
    fn after_error(&self, generation: u64, error: &RedisError) {
        if !breaks_the_connection(error) {
            return;
        }
        let mut current = self.inner.lock();
        if current.generation == generation {
            current.generation += 1;
            current.opening = None;
            tracing::debug!(redis = %self.describe(), %error, "redis connection dropped; reopening on next use");
        }
    }
}

impl ConnectionLike for RedisLink {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let (generation, mut connection) = self.current().await?;
            let answer = connection.req_packed_command(cmd).await;
            if let Err(error) = &answer {
                self.after_error(generation, error);
            }
            answer
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let (generation, mut connection) = self.current().await?;
            let answer = connection
                .req_packed_commands(pipeline, offset, count)
                .await;
            match &answer {
                Err(error) => self.after_error(generation, error),
                Ok(values) => {
                    // A pipeline reports a server error (`READONLY` …) in its values.
                    for value in values {
                        if let Value::ServerError(error) = value {
                            self.after_error(generation, &RedisError::from(error.clone()));
                        }
                    }
                }
            }
            answer
        })
    }

    fn get_db(&self) -> i64 {
        match &self.inner.target.topology {
            RedisTopology::Single(url) => url
                .as_str()
                .into_connection_info()
                .map_or(0, |info| info.redis_settings().db()),
            RedisTopology::Sentinel { .. } | RedisTopology::Cluster(_) => 0,
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Current> {
        // `Current` is two plain fields, whole after any section.
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the shared connection in a spawned task: finished even when every
    /// caller waiting for it gave up.
    fn spawn_open(self: &Arc<Self>) -> Opening {
        let inner = Arc::clone(self);
        let task = tokio::spawn(async move { inner.open(Some(inner.timeouts.response)).await });
        async move {
            task.await.unwrap_or_else(|error| {
                Err(RedisError::from((
                    ErrorKind::Io,
                    "opening the redis connection failed",
                    error.to_string(),
                )))
            })
        }
        .boxed()
        .shared()
    }

    /// A new connection: to the node, to the master the Sentinels name, or to the
    /// Cluster; bounded by the connect timeout (twice it on Sentinel).
    async fn open(&self, response: Option<Duration>) -> RedisResult<Dedicated> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeouts.connect))
            .set_response_timeout(response);
        let open = async {
            match &self.how {
                How::Single(client) => client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await
                    .map(Dedicated::Node),
                How::Sentinel(sentinel) => {
                    let master = sentinel.lock().await.async_get_client().await?;
                    master
                        .get_multiplexed_async_connection_with_config(&config)
                        .await
                        .map(Dedicated::Node)
                }
                How::Cluster => {
                    let RedisTopology::Cluster(nodes) = &self.target.topology else {
                        return Err(RedisError::from((ErrorKind::Client, "not a cluster")));
                    };
                    cluster_client(nodes, &self.target, self.timeouts.connect, response)?
                        .get_async_connection()
                        .await
                        .map(Dedicated::Cluster)
                }
            }
        };
        let bound = self.timeouts.connect.saturating_mul(2);
        tokio::time::timeout(bound, open).await.unwrap_or_else(|_| {
            Err(RedisError::from((
                ErrorKind::Io,
                "connecting to redis took longer than the connect timeout",
            )))
        })
    }
}

/// Whether `error` leaves the connection unusable (or pointed at a node that is no
/// longer the master), so the next command should open a new one.
fn breaks_the_connection(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
        || matches!(
            error.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
        )
}

/// The CA certificate to trust instead of the built-in roots, when one is given.
fn certificates(target: &RedisTarget) -> Option<TlsCertificates> {
    target.ca_certificate.as_ref().map(|pem| TlsCertificates {
        client_tls: None,
        root_cert: Some(pem.clone()),
    })
}

/// `info` logged in as `auth` says, where it says anything.
fn with_auth(info: ConnectionInfo, auth: &RedisAuth) -> ConnectionInfo {
    let mut redis = info.redis_settings().clone();
    if let Some(username) = &auth.username {
        redis = redis.set_username(username);
    }
    if let Some(password) = &auth.password {
        redis = redis.set_password(&password.0);
    }
    info.set_redis_settings(redis)
}

/// A client of the node at `url`, with the target's credentials and CA.
fn node_client(url: &str, target: &RedisTarget) -> RedisResult<Client> {
    let info = with_auth(url.into_connection_info()?, &target.auth);
    match certificates(target) {
        Some(certificates) => Client::build_with_tls(info, certificates),
        None => Client::open(info),
    }
}

fn sentinel_client(
    sentinels: &[String],
    master: &str,
    tls: bool,
    target: &RedisTarget,
) -> RedisResult<SentinelClient> {
    let addresses = sentinels
        .iter()
        .map(|address| sentinel_address(address, tls))
        .collect::<RedisResult<Vec<_>>>()?;
    let mut builder = SentinelClientBuilder::new(addresses, master, SentinelServerType::Master)?;
    if tls {
        builder = builder
            .set_client_to_redis_tls_mode(TlsMode::Secure)
            .set_client_to_sentinel_tls_mode(TlsMode::Secure);
        if let Some(certificates) = certificates(target) {
            builder = builder
                .set_client_to_redis_certificates(certificates.clone())
                .set_client_to_sentinel_certificates(certificates);
        }
    }
    let (auth, sentinel_auth) = (&target.auth, &target.sentinel_auth);
    if let Some(username) = &auth.username {
        builder = builder.set_client_to_redis_username(username);
    }
    if let Some(password) = &auth.password {
        builder = builder.set_client_to_redis_password(&password.0);
    }
    if let Some(username) = &sentinel_auth.username {
        builder = builder.set_client_to_sentinel_username(username);
    }
    if let Some(password) = &sentinel_auth.password {
        builder = builder.set_client_to_sentinel_password(&password.0);
    }
    builder.build()
}

/// `host:port` of a Sentinel as redis-rs wants it.
fn sentinel_address(address: &str, tls: bool) -> RedisResult<ConnectionAddr> {
    let bad = || RedisError::from((ErrorKind::InvalidClientConfig, "a sentinel is host:port"));
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse().map_err(|_| bad())?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(if tls {
        ConnectionAddr::TcpTls {
            host,
            port,
            insecure: false,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(host, port)
    })
}

/// A Cluster client; `response: None` leaves answers unbounded (a dedicated
/// connection's blocking read).
fn cluster_client(
    nodes: &[String],
    target: &RedisTarget,
    connect: Duration,
    response: Option<Duration>,
) -> RedisResult<ClusterClient> {
    let mut builder = ClusterClientBuilder::new(nodes.iter().map(String::as_str));
    if let Some(username) = &target.auth.username {
        builder = builder.username(username);
    }
    if let Some(password) = &target.auth.password {
        builder = builder.password(&password.0);
    }
    if let Some(certificates) = certificates(target) {
        builder = builder.certs(certificates);
    }
    builder = builder.connection_timeout(connect);
    if let Some(response) = response {
        builder = builder.response_timeout(response);
    }
    builder.build()
}
