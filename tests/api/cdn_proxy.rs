//! A shared cache in front of the gateway: a real nginx with `proxy_cache` on a
//! free loopback port, configured from a generated file, running in the foreground
//! as the current user with its pid, logs, temp and cache directories in a
//! directory of its own. A persisted query sent as GET with only its hash (what
//! Apollo Client sends) is stored by nginx and the second identical GET never
//! reaches the gateway.
//!
//! nginx must be installed (`make test-deps` installs it): found at the path in
//! `NGINX`, on `PATH`, or at `/usr/sbin/nginx`. A missing binary fails the test
//! loudly; it is never skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, upc_a};
use crate::upstream::TestUpstream;

const QUERY: &str = "query Item($g: String!) { product(gtin: $g) { upc title } }";

#[tokio::test]
async fn a_second_identical_persisted_get_is_answered_by_the_proxy_without_reaching_the_gateway() {
    // Arrange: the gateway, the query registered once (as Apollo Client does after
    // PERSISTED_QUERY_NOT_FOUND), nginx in front.
    let upstream = TestUpstream::start().await;
    upstream.insert_product(&upc_a(1), "item 1");
    let app = TestApp::spawn(Some(&upstream.url()), &[]).await;
    let hash = sha256_hex(QUERY);
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let registered: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": QUERY, "variables": { "g": upc_a(1) }, "extensions": extensions }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["data"]["product"]["title"], "item 1");
    let nginx = Nginx::start(&app.address).await;
    let url = format!(
        "{}/graphql?operationName=Item&variables={}&extensions={}",
        nginx.address,
        encode(&json!({ "g": upc_a(1) }).to_string()),
        encode(&extensions.to_string()),
    );

    // Act
    let first = fetch(&app, &url).await;
    let seen_after_first = gateway_requests(&app).await;
    let second = fetch(&app, &url).await;
    let seen_after_second = gateway_requests(&app).await;

    // Assert
    assert_eq!(first.status, 200);
    let body: Value = serde_json::from_slice(&first.body).unwrap();
    assert_eq!(body["data"]["product"]["title"], "item 1", "{body}");
    assert!(
        first.cache_control.starts_with("public, max-age="),
        "{}",
        first.cache_control
    );
    assert_eq!(first.cache_status, "MISS");
    assert_eq!(second.cache_status, "HIT");
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    assert_eq!(second.etag, first.etag);
    assert_eq!(second.cache_tag, format!("gtin-00{}", upc_a(1)));
    assert_eq!(
        seen_after_second, seen_after_first,
        "the gateway saw no request for the second GET"
    );
    assert_eq!(upstream.call_count(), 1);
    // The gateway's request log agrees: nginx logged two requests, the gateway's
    // counters one (the first GET) besides the registration POST.
    assert_eq!(seen_after_first, 2, "the POST and the first GET");
}

/// What came back through nginx.
struct Fetched {
    status: u16,
    body: Vec<u8>,
    cache_control: String,
    cache_status: String,
    etag: String,
    cache_tag: String,
}

async fn fetch(app: &TestApp, url: &str) -> Fetched {
    let response = app.client.get(url).send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (cache_control, cache_status, etag, cache_tag) = (
        header("cache-control"),
        header("x-cache-status"),
        header("etag"),
        header("cache-tag"),
    );
    Fetched {
        status: response.status().as_u16(),
        cache_control,
        cache_status,
        etag,
        cache_tag,
        body: response.bytes().await.unwrap().to_vec(),
    }
}

/// `/graphql` requests the gateway looked up in its response cache (hits, misses
/// and bypasses): every cacheable request that reached it.
async fn gateway_requests(app: &TestApp) -> u64 {
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    let cache = &body["detail"]["responseCache"];
    ["hits", "misses", "bypassed"]
        .iter()
        .map(|name| cache[name].as_u64().unwrap())
        .sum()
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// nginx in the foreground (one process, `master_process off`), killed and its
/// directory removed on drop.
struct Nginx {
    address: String,
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    async fn start(gateway: &str) -> Nginx {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("catalog-nginx-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = config(&dir, port, gateway.trim_start_matches("http://"));
        let config_path = dir.join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let binary = nginx_binary();
        let child = Command::new(&binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&config_path)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {binary} (install nginx, or set NGINX): {error}")
            });
        let nginx = Nginx {
            address: format!("http://127.0.0.1:{port}"),
            child,
            dir,
        };
        nginx.wait_listening(port).await;
        nginx
    }

    async fn wait_listening(&self, port: u16) {
        for _ in 0..250 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        panic!("nginx did not listen on {port}: {log}");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The nginx binary: `NGINX`, else `nginx` on `PATH`, else `/usr/sbin/nginx`.
fn nginx_binary() -> String {
    if let Ok(binary) = std::env::var("NGINX") {
        return binary;
    }
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("nginx").is_file()));
    if on_path {
        "nginx".to_owned()
    } else {
        "/usr/sbin/nginx".to_owned()
    }
}

/// A proxy_cache in front of `gateway` (`host:port`), everything inside `dir`.
fn config(dir: &Path, port: u16, gateway: &str) -> String {
    let dir = dir.display();
    format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy_temp;
    fastcgi_temp_path {dir}/fastcgi_temp;
    uwsgi_temp_path {dir}/uwsgi_temp;
    scgi_temp_path {dir}/scgi_temp;
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=gateway:1m max_size=16m inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{gateway};
            proxy_http_version 1.1;
            proxy_cache gateway;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"#
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
