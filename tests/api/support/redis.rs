//! A real `redis-server` per test: a child process on a free loopback port, without
//! persistence, killed on drop, so tests never share state. Found on `PATH`, or at the
//! path in `REDIS_SERVER`; a missing binary fails the test loudly (`make test-deps`
//! installs it).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use catalog_gateway::cache::RedisSettings;
use catalog_gateway::gtin::Gtin;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::free_port;

/// How long a starting redis-server may take to answer PING.
const EVENTUALLY: Duration = Duration::from_secs(5);

/// A `redis-server` child process on `127.0.0.1`, without persistence unless
/// started with [`RedisServer::start_persistent`]; killed on drop.
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
}

impl RedisServer {
    pub async fn start() -> RedisServer {
        RedisServer::start_on(free_port()).await
    }

    pub async fn start_on(port: u16) -> RedisServer {
        RedisServer::start_with(port, &["--save", "", "--appendonly", "no"]).await
    }

    /// A server on `port` keeping every write in an append-only file in `dir`,
    /// synced at each write: killed and started again on the same `dir`, it comes
    /// back with all it had (as a Redis run with persistence does).
    pub async fn start_persistent(port: u16, dir: &std::path::Path) -> RedisServer {
        let dir = dir.to_str().expect("a UTF-8 temp path");
        let args = [
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ];
        RedisServer::start_with(port, &[&args[..], &["--dir", dir]].concat()).await
    }

    async fn start_with(port: u16, persistence: &[&str]) -> RedisServer {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(persistence)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "failed to start `{binary}` ({error}). These tests need a real Redis: \
                     install it with `apt-get install -y redis-server`, or set REDIS_SERVER \
                     to the path of a redis-server binary."
                )
            });
        let server = RedisServer {
            port,
            child: Some(child),
        };
        server.wait_until_answering().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (as a crash would) and waits for it to be gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn wait_until_answering(&self) {
        let deadline = Instant::now() + EVENTUALLY;
        loop {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)).await {
                let mut reply = [0u8; 7];
                if stream.write_all(b"PING\r\n").await.is_ok()
                    && stream.read_exact(&mut reply).await.is_ok()
                    && &reply == b"+PONG\r\n"
                {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING within {EVENTUALLY:?}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// How many times Redis ran `command` (lower case, e.g. `mget`) since it started,
    /// from `INFO commandstats`.
    pub async fn calls(&self, command: &str) -> u64 {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query_async(&mut conn)
            .await
            .unwrap();
        let prefix = format!("cmdstat_{command}:calls=");
        info.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').next())
            .map_or(0, |calls| calls.parse().unwrap())
    }

    /// The remaining expiry (ms) Redis holds for each key under the default prefix.
    pub async fn pttl(&self, keys: &[Gtin]) -> Vec<i64> {
        let client = redis::Client::open(self.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut pipe = redis::pipe();
        for key in keys {
            let name = format!("{}{}", RedisSettings::default().key_prefix, key.gtin14());
            pipe.cmd("PTTL").arg(name);
        }
        pipe.query_async(&mut conn).await.unwrap()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
