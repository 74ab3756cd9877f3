//! The `healthcheck` subcommand, run as the real binary (what a container
//! `HEALTHCHECK` runs) against real listeners: a 2xx answer exits 0, a 503 exits 1,
//! nothing listening exits 1, a listener that never answers exits 1 within the
//! timeout. Each run prints one line saying why.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::TestApp;

/// Runs `catalog-gateway healthcheck` with `args` off the async runtime (the
/// gateway under test shares it).
async fn healthcheck(args: &[&str], env_url: Option<&str>) -> Output {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let env_url = env_url.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"));
        command
            .arg("healthcheck")
            .args(&args)
            .env_remove("CATALOG_HEALTHCHECK_URL")
            .env_remove("CATALOG_HEALTHCHECK_TIMEOUT_MS");
        if let Some(url) = env_url {
            command.env("CATALOG_HEALTHCHECK_URL", url);
        }
        command.output().expect("the binary runs")
    })
    .await
    .expect("the probe thread does not panic")
}

fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    assert_eq!(text.lines().count(), 1, "one line, got {text:?}");
    text
}

#[tokio::test]
async fn a_serving_gateway_is_healthy_exit_0() {
    let app = TestApp::spawn(None, &[]).await;
    let url = format!("{}/healthz", app.address);

    let output = healthcheck(&["--url", &url], None).await;

    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let line = one_line(&output.stdout);
    assert!(line.starts_with("healthy: "), "{line}");
    assert!(line.contains("200"), "{line}");
}

#[tokio::test]
async fn the_url_can_come_from_the_environment() {
    let app = TestApp::spawn(None, &[]).await;
    let url = format!("{}/healthz", app.address);

    let output = healthcheck(&[], Some(&url)).await;

    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(one_line(&output.stdout).contains(&url));
}

#[tokio::test]
async fn a_503_is_unhealthy_exit_1() {
    // A draining gateway's /readyz answers 503 for the whole drain delay.
    let mut app =
        TestApp::spawn_with(None, |s| s.server.drain_delay = Duration::from_secs(10)).await;
    app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(app.get("/readyz").await.status(), 503);
    let url = format!("{}/readyz", app.address);

    let output = healthcheck(&["--url", &url], None).await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_line(&output.stderr);
    assert!(line.starts_with("unhealthy: "), "{line}");
    assert!(line.contains("503"), "{line}");
}

#[tokio::test]
async fn nothing_listening_is_unhealthy_exit_1() {
    // A port that was just free: bound, then released.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let url = format!("http://127.0.0.1:{port}/healthz");

    let output = healthcheck(&["--url", &url], None).await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let line = one_line(&output.stderr);
    assert!(line.starts_with("unhealthy: "), "{line}");
}

#[tokio::test]
async fn a_listener_that_never_answers_is_unhealthy_within_the_timeout() {
    // Accepts connections (the kernel backlog does) and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/healthz", listener.local_addr().expect("address"));
    let started = Instant::now();

    let output = healthcheck(&["--url", &url, "--timeout-ms", "300"], None).await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the timeout"
    );
    assert!(one_line(&output.stderr).starts_with("unhealthy: "));
    drop(listener);
}
