//! The settings of one Redis: its topology and its credentials, proven at start.
//!
//! `config` builds a [`RedisTarget`] from flags (the topology) and environment
//! variables (the credentials, so they are never on a command line, in `--help`
//! or in a log line); [`RedisLink`](super::RedisLink) connects to it.

use std::fmt;

/// Where the Redis is, as the operators run it.
#[derive(Clone, PartialEq, Eq)]
pub enum RedisTopology {
    /// One node: `redis://host:port/db`, or `rediss://` for TLS.
    Single(String),
    /// A master watched by Sentinels, found by asking them (again after a failover).
    Sentinel {
        /// `host:port` of each Sentinel; any one answering is enough.
        sentinels: Vec<String>,
        /// The name the Sentinels know the master by (`sentinel monitor NAME …`).
        master: String,
        /// TLS to the Sentinels and to the master (`rediss://` Sentinel addresses).
        tls: bool,
    },
    /// A Redis Cluster: the URLs of some of its nodes, the rest found from them.
    Cluster(Vec<String>),
}

/// A Redis and how to log in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisTarget {
    /// Where it is.
    pub topology: RedisTopology,
    /// ACL user and password for the data nodes; a password in a URL is used when
    /// these are absent.
    pub auth: RedisAuth,
    /// ACL user and password for the Sentinels, when they ask for one.
    pub sentinel_auth: RedisAuth,
    /// PEM CA certificate(s) to trust for TLS instead of the built-in web roots
    /// (a private CA); absent: the roots reqwest uses too (webpki-roots).
    pub ca_certificate: Option<Vec<u8>>,
}

/// An ACL user and password (or the password alone: the `default` user).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisAuth {
    /// ACL user name; absent: `default`.
    pub username: Option<String>,
    /// The password; absent: no `AUTH` beyond what a URL says.
    pub password: Option<RedisPassword>,
}

/// A password that `Debug` does not show.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisPassword(pub String);

impl RedisTarget {
    /// One node at `url`, without credentials beyond the URL's.
    pub fn single(url: impl Into<String>) -> RedisTarget {
        RedisTarget {
            topology: RedisTopology::Single(url.into()),
            auth: RedisAuth::default(),
            sentinel_auth: RedisAuth::default(),
            ca_certificate: None,
        }
    }

    /// Where the target is, for logs: no password, whatever was given.
    pub fn describe(&self) -> String {
        self.topology.describe()
    }
}

impl RedisTopology {
    /// Where it is, for logs: no password, whatever was given.
    pub fn describe(&self) -> String {
        match self {
            RedisTopology::Single(url) => redacted(url),
            RedisTopology::Sentinel {
                sentinels, master, ..
            } => format!("sentinel master {master} via {}", sentinels.join(",")),
            RedisTopology::Cluster(nodes) => {
                let nodes: Vec<String> = nodes.iter().map(|url| redacted(url)).collect();
                format!("cluster {}", nodes.join(","))
            }
        }
    }
}

impl Default for RedisTarget {
    fn default() -> Self {
        RedisTarget::single("redis://127.0.0.1:6379")
    }
}

impl fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTarget")
            .field("where", &self.describe())
            .field("auth", &self.auth)
            .field("sentinel_auth", &self.sentinel_auth)
            .field("ca_certificate", &self.ca_certificate.is_some())
            .finish()
    }
}

impl fmt::Debug for RedisTopology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl fmt::Debug for RedisAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAuth")
            .field("username", &self.username)
            .field("password", &self.password)
            .finish()
    }
}

impl fmt::Debug for RedisPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedisPassword(…)")
    }
}

/// `url` without a password, for logs.
pub(crate) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_not_logged() {
        assert_eq!(
            redacted("redis://user:secret@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(redacted("redis://cache:6379"), "redis://cache:6379");
    }

    #[test]
    fn debug_shows_no_password_whatever_the_topology() {
        let target = RedisTarget {
            topology: RedisTopology::Cluster(vec!["redis://:hunter2@a:7000".to_owned()]),
            auth: RedisAuth {
                username: Some("gateway".to_owned()),
                password: Some(RedisPassword("s3cret".to_owned())),
            },
            sentinel_auth: RedisAuth::default(),
            ca_certificate: None,
        };
        let shown = format!("{target:?} {:?}", target.topology);
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(
            shown.contains("gateway") && shown.contains("a:7000"),
            "{shown}"
        );
    }
}
