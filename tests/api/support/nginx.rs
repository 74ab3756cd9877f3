//! A real nginx with `proxy_cache` on a free loopback port, configured from a
//! generated file, running in the foreground as the current user with its pid,
//! logs, temp and cache directories in a directory of its own.
//!
//! nginx must be installed (`make test-deps` installs it): found at the path in
//! `NGINX`, on `PATH`, or at `/usr/sbin/nginx`. A missing binary fails the test
//! loudly; it is never skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::free_port;

/// nginx in the foreground (one process, `master_process off`), killed and its
/// directory removed on drop.
pub struct Nginx {
    /// `http://127.0.0.1:port`.
    pub address: String,
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    /// nginx with a `proxy_cache` in front of `gateway` (`http://host:port`).
    pub async fn start(gateway: &str) -> Nginx {
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
