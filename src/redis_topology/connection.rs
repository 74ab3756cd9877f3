//! The connection a [`RedisLink`](super::RedisLink) hands out: to one node (single
//! or the Sentinels' master) or to a whole Cluster, behind one `ConnectionLike`.
//!
//! On a Cluster, a pipeline whose commands live in different slots is refused by
//! redis-rs (`CROSSSLOT`), so a plain (non-atomic) pipeline is sent here as its
//! commands, each routed to the master of its key and all in flight at once: the
//! callers' write pipelines (`SET` per product, `DEL` + `PUBLISH`) keep working
//! without hash-tagging every key into one slot.

use futures::future::try_join_all;
use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// A connection to one node or to a Cluster.
///
/// From [`RedisLink::dedicated`](super::RedisLink::dedicated) it is a connection of
/// its own, for a blocking read (`XREAD BLOCK`) that would otherwise hold up every
/// command multiplexed behind it; it does not follow a failover by itself: open a
/// new one when it fails.
#[derive(Clone)]
pub enum Dedicated {
    /// One node: a single Redis or the master the Sentinels named.
    Node(MultiplexedConnection),
    /// A Cluster: each command goes to the master of its key's slot.
    Cluster(ClusterConnection),
}

impl ConnectionLike for Dedicated {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Dedicated::Node(connection) => connection.req_packed_command(cmd),
            Dedicated::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Dedicated::Cluster(connection) if !pipeline.is_transaction() => {
                // Clones share the cluster's connections: each command is routed alone.
                let connection = connection.clone();
                Box::pin(async move {
                    let calls = pipeline.cmd_iter().map(|cmd| {
                        let mut connection = connection.clone();
                        async move { connection.req_packed_command(cmd).await }
                    });
                    let values = try_join_all(calls).await?;
                    Ok(values.into_iter().skip(offset).take(count).collect())
                })
            }
            Dedicated::Cluster(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            Dedicated::Node(connection) => connection.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Dedicated::Node(connection) => connection.get_db(),
            Dedicated::Cluster(connection) => connection.get_db(),
        }
    }
}
