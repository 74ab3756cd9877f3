//! From the Redis flags of the cache or of the rate limiter to one [`RedisTarget`]:
//! which topology (`--…-redis-url`, `--…-redis-sentinels` with
//! `--…-redis-sentinel-master`, or `--…-redis-cluster`), the credentials from the
//! environment (`CATALOG_…_REDIS_USERNAME`, `_PASSWORD`, `_SENTINEL_USERNAME`,
//! `_SENTINEL_PASSWORD`: never on a command line nor in `--help`), and a private CA.
//!
//! Each flag's value is already checked by its parser; here the flags are checked
//! against each other, and every refusal names the flag to change.

use std::path::PathBuf;

use super::SettingError;
use crate::catalog::mapping::EnvLookup;
use crate::redis_topology::{RedisAuth, RedisPassword, RedisTarget, RedisTopology};

/// The names of one Redis's flags and the prefix of its environment variables.
pub(crate) struct RedisFlagNames {
    pub(crate) url: &'static str,
    pub(crate) sentinels: &'static str,
    pub(crate) master: &'static str,
    pub(crate) cluster: &'static str,
    pub(crate) ca_file: &'static str,
    /// `CATALOG_CACHE_REDIS`: `_USERNAME`, `_PASSWORD` … are appended.
    pub(crate) env_prefix: &'static str,
}

/// The cache's flags.
pub(crate) const CACHE: RedisFlagNames = RedisFlagNames {
    url: "--cache-redis-url",
    sentinels: "--cache-redis-sentinels",
    master: "--cache-redis-sentinel-master",
    cluster: "--cache-redis-cluster",
    ca_file: "--cache-redis-ca-file",
    env_prefix: "CATALOG_CACHE_REDIS",
};

/// The rate limiter's flags.
pub(crate) const RATE_LIMIT: RedisFlagNames = RedisFlagNames {
    url: "--rate-limit-redis-url",
    sentinels: "--rate-limit-redis-sentinels",
    master: "--rate-limit-redis-sentinel-master",
    cluster: "--rate-limit-redis-cluster",
    ca_file: "--rate-limit-redis-ca-file",
    env_prefix: "CATALOG_RATE_LIMIT_REDIS",
};

/// The values of one Redis's flags.
pub(crate) struct RedisFlags<'a> {
    pub(crate) url: Option<&'a str>,
    pub(crate) sentinels: &'a [String],
    pub(crate) master: Option<&'a str>,
    pub(crate) cluster: &'a [String],
    pub(crate) ca_file: Option<&'a PathBuf>,
}

/// The Redis these flags name, or `None` when they name none.
///
/// # Errors
/// Two topologies at once, Sentinels without a master name (or the reverse),
/// Sentinels mixing TLS and plain addresses, an unreadable CA file.
pub(crate) fn target(
    flags: &RedisFlags<'_>,
    names: &RedisFlagNames,
    env: EnvLookup<'_>,
) -> Result<Option<RedisTarget>, SettingError> {
    let Some(topology) = topology(flags, names)? else {
        if let Some(_file) = flags.ca_file {
            return Err(refused(
                names.ca_file,
                format!("a CA needs a Redis: set {}", names.url),
            ));
        }
        return Ok(None);
    };
    let ca_certificate = match flags.ca_file {
        Some(file) => Some(std::fs::read(file).map_err(|error| {
            refused(
                names.ca_file,
                format!("cannot read {}: {error}", file.display()),
            )
        })?),
        None => None,
    };
    Ok(Some(RedisTarget {
        topology,
        auth: auth(env, names.env_prefix, ""),
        sentinel_auth: auth(env, names.env_prefix, "_SENTINEL"),
        ca_certificate,
    }))
}

/// Whether the rate limiter's credentials are set in the environment: then they
/// replace the cache's on the cache's Redis, when the limiter shares it.
pub(crate) fn own_auth(env: EnvLookup<'_>) -> Option<(RedisAuth, RedisAuth)> {
    let prefix = RATE_LIMIT.env_prefix;
    let (auth, sentinel) = (auth(env, prefix, ""), auth(env, prefix, "_SENTINEL"));
    (auth != RedisAuth::default() || sentinel != RedisAuth::default()).then_some((auth, sentinel))
}

fn topology(
    flags: &RedisFlags<'_>,
    names: &RedisFlagNames,
) -> Result<Option<RedisTopology>, SettingError> {
    let sentinel = !flags.sentinels.is_empty() || flags.master.is_some();
    let cluster = !flags.cluster.is_empty();
    let given: Vec<&str> = [
        (flags.url.is_some(), names.url),
        (sentinel, names.sentinels),
        (cluster, names.cluster),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    if let [first, second, ..] = given[..] {
        return Err(refused(
            second,
            format!("conflicts with {first}: one Redis topology at a time"),
        ));
    }
    if let Some(url) = flags.url {
        return Ok(Some(RedisTopology::Single(url.to_owned())));
    }
    if cluster {
        return Ok(Some(RedisTopology::Cluster(flags.cluster.to_vec())));
    }
    if !sentinel {
        return Ok(None);
    }
    let Some(master) = flags.master.filter(|name| !name.is_empty()) else {
        return Err(refused(
            names.master,
            format!("{} need the name of the master they watch", names.sentinels),
        ));
    };
    if flags.sentinels.is_empty() {
        return Err(refused(
            names.sentinels,
            format!("{} needs the Sentinels' host:port list", names.master),
        ));
    }
    let tls: Vec<bool> = flags
        .sentinels
        .iter()
        .map(|address| address.starts_with("rediss://"))
        .collect();
    if tls.iter().any(|&t| t) && !tls.iter().all(|&t| t) {
        return Err(refused(
            names.sentinels,
            "all Sentinels use TLS (rediss://host:port) or none".to_owned(),
        ));
    }
    let sentinels = flags
        .sentinels
        .iter()
        .map(|address| {
            let bare = address
                .split_once("://")
                .map_or(address.as_str(), |(_, rest)| rest);
            bare.to_owned()
        })
        .collect();
    Ok(Some(RedisTopology::Sentinel {
        sentinels,
        master: master.to_owned(),
        tls: tls.first().copied().unwrap_or(false),
    }))
}

/// `{prefix}{part}_USERNAME` and `_PASSWORD` from the environment (empty: absent).
fn auth(env: EnvLookup<'_>, prefix: &str, part: &str) -> RedisAuth {
    let read =
        |name: &str| env(&format!("{prefix}{part}_{name}")).filter(|value| !value.is_empty());
    RedisAuth {
        username: read("USERNAME"),
        password: read("PASSWORD").map(RedisPassword),
    }
}

fn refused(flag: &'static str, problem: String) -> SettingError {
    SettingError { flag, problem }
}
