//! Redis as operators run it, for the topology tests: `redis-server` nodes on
//! loopback ports (a master, a replica, a Sentinel watching them, three masters
//! joined into a Cluster by `redis-cli`), killed on drop, and a throwaway CA and
//! certificate made with `openssl` for `rediss://`. From `PATH` (or `REDIS_SERVER`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use catalog_gateway::redis_topology::{RedisTarget, RedisTopology};

use super::free_port;

/// How long to wait for something that happens in the background.
const EVENTUALLY: Duration = Duration::from_secs(10);

/// Waits until `check` holds, at most `EVENTUALLY`; `what` names it in the failure.
pub async fn eventually<F, Fut>(check: F, what: &str)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + EVENTUALLY;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {EVENTUALLY:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "catalog-redis-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CA and a server certificate for `localhost` signed by it, in `dir`; the CA's PEM.
pub fn throwaway_certificates(dir: &std::path::Path) -> Vec<u8> {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl is installed");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    std::fs::read(dir.join("ca.crt")).unwrap()
}

/// One `redis-server` (or Sentinel) on a loopback port; killed on drop.
pub struct Node {
    pub port: u16,
    child: Option<Child>,
}

impl Node {
    pub async fn start(args: &[&str]) -> Node {
        let port = free_port();
        let mut all = vec!["--port".to_owned(), port.to_string()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        Node::start_raw(port, &all).await
    }

    /// `redis-server` with exactly `args`, answering (TCP) on `port`.
    pub async fn start_raw(port: u16, args: &[&str]) -> Node {
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .args(args)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("failed to start {binary} ({e}): apt-get install redis-server")
            });
        let node = Node {
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + EVENTUALLY;
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis on {port} never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        node
    }

    /// A Sentinel watching the master on `master_port` as `catalog`, failing over
    /// half a second after it stops answering.
    pub async fn sentinel(dir: &std::path::Path, master_port: u16) -> Node {
        let port = free_port();
        let conf = dir.join(format!("sentinel-{port}.conf"));
        let mut file = std::fs::File::create(&conf).unwrap();
        writeln!(
            file,
            "port {port}\nbind 127.0.0.1\ndir {}\n\
             sentinel monitor catalog 127.0.0.1 {master_port} 1\n\
             sentinel down-after-milliseconds catalog 500\n\
             sentinel failover-timeout catalog 3000\n\
             sentinel parallel-syncs catalog 1",
            dir.display()
        )
        .unwrap();
        let binary = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".to_owned());
        let child = Command::new(&binary)
            .arg(&conf)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let node = Node {
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + EVENTUALLY;
        while node.master_port().await != Some(master_port) {
            assert!(
                Instant::now() < deadline,
                "the sentinel never saw the master"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        node
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn query<T: redis::FromRedisValue>(&self, url: &str, cmd: &redis::Cmd) -> Option<T> {
        let client = redis::Client::open(url).ok()?;
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        cmd.query_async(&mut conn).await.ok()
    }

    pub async fn dbsize(&self) -> u64 {
        self.query(&self.url(), &redis::cmd("DBSIZE"))
            .await
            .unwrap_or(0)
    }

    pub async fn dbsize_as(&self, user: &str, password: &str) -> u64 {
        let url = format!("redis://{user}:{password}@127.0.0.1:{}", self.port);
        self.query(&url, &redis::cmd("DBSIZE")).await.unwrap_or(0)
    }

    /// The master's port this Sentinel names now.
    pub async fn master_port(&self) -> Option<u16> {
        let mut cmd = redis::cmd("SENTINEL");
        cmd.arg("get-master-addr-by-name").arg("catalog");
        let (_, port): (String, String) = self.query(&self.url(), &cmd).await?;
        port.parse().ok()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port whose cluster bus port (the port + 10000) is free as well.
fn free_cluster_port() -> u16 {
    loop {
        let port = free_port();
        if port <= 55_535 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// Three masters joined by `redis-cli --cluster create`.
pub struct Cluster {
    pub nodes: Vec<Node>,
    _dir: PathBuf,
}

impl Cluster {
    pub async fn start() -> Cluster {
        let dir = temp_dir("cluster");
        // A port another process takes between our pick and redis-server's bind (the
        // client port or its bus port, + 10000) fails the create: start afresh then.
        let mut attempts = 0;
        let nodes = loop {
            attempts += 1;
            let nodes = Cluster::nodes(&dir, attempts).await;
            let addresses: Vec<String> = nodes
                .iter()
                .map(|node| format!("127.0.0.1:{}", node.port))
                .collect();
            let status = Command::new("redis-cli")
                .args(["--cluster", "create"])
                .args(&addresses)
                .args(["--cluster-replicas", "0", "--cluster-yes"])
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .status()
                .expect("redis-cli is installed");
            if status.success() {
                break nodes;
            }
            assert!(
                attempts < 3,
                "redis-cli --cluster create failed {attempts} times"
            );
        };
        let cluster = Cluster { nodes, _dir: dir };
        eventually(
            || async {
                let mut ok = true;
                for node in &cluster.nodes {
                    let info: Option<String> = node
                        .query(&node.url(), &redis::cmd("CLUSTER").arg("INFO").clone())
                        .await;
                    ok &= info.is_some_and(|i| i.contains("cluster_state:ok"));
                }
                ok
            },
            "the cluster is ok",
        )
        .await;
        cluster
    }

    /// Three cluster-enabled nodes on ports whose bus ports are free too.
    async fn nodes(dir: &std::path::Path, attempt: u32) -> Vec<Node> {
        let mut nodes = Vec::new();
        for n in 0..3 {
            let port = free_cluster_port();
            let conf = dir.join(format!("nodes-{attempt}-{n}.conf"));
            let port_text = port.to_string();
            nodes.push(
                Node::start_raw(
                    port,
                    &[
                        "--port",
                        port_text.as_str(),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        conf.to_str().unwrap(),
                        "--cluster-node-timeout",
                        "2000",
                    ],
                )
                .await,
            );
        }
        nodes
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(Node::url).collect()
    }

    pub fn target(&self) -> RedisTarget {
        RedisTarget {
            topology: RedisTopology::Cluster(self.urls()),
            ..RedisTarget::default()
        }
    }

    pub async fn dbsizes(&self) -> Vec<u64> {
        let mut sizes = Vec::new();
        for node in &self.nodes {
            sizes.push(node.dbsize().await);
        }
        sizes
    }
}
