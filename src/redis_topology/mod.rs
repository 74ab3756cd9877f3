//! How the gateway reaches Redis, whatever the operators run: one node (`redis://`,
//! `rediss://`), a Sentinel-watched master, or a Cluster; with ACL credentials
//! from the environment.
//!
//! The cache's shared tier (`cache::redis_tier`) and the fleet-wide rate limit
//! (`protect::rate_lease`) both hold a [`RedisLink`] and never look at the
//! topology again: commands, pipelines, pub/sub and dedicated connections behave
//! the same on all three. This module knows connections only; what is stored and
//! under which keys is its callers' business, and so is deciding what an error
//! costs (both degrade to local).

mod connection;
mod link;
mod settings;

pub use connection::Dedicated;
pub use link::{LinkTimeouts, RedisLink};
pub use settings::{RedisAuth, RedisPassword, RedisTarget, RedisTopology};
