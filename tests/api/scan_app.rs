//! The scan app on `/scan` over a real socket: the page and its policy, and the
//! embedded assets in both encodings (gzip as stored, or decompressed).

use crate::support::{self, TestApp};

const WASM_GZ: &[u8] = include_bytes!("../../assets/scan/vendor/zxing_reader.wasm.gz");

#[tokio::test]
async fn the_page_is_served_with_a_same_origin_policy() {
    let app = TestApp::spawn(None, &[]).await;

    let page = app.get("/scan").await;
    assert_eq!(page.status(), 200);
    let policy = page
        .headers()
        .get("content-security-policy")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let body = page.text().await.unwrap_or_default();
    assert!(body.contains("/assets/scan/app.js"), "{body}");

    assert_eq!(app.get("/assets/scan/app.js").await.status(), 200);
    assert_eq!(app.get("/assets/scan/LICENSES.txt").await.status(), 200);
    assert_eq!(app.get("/assets/scan/nope.js").await.status(), 404);
}

#[tokio::test]
async fn graphiql_links_to_the_scan_app() {
    let app = TestApp::spawn(None, &[]).await;

    let page = app.get("/").await.text().await.unwrap_or_default();
    assert!(page.contains(r#"href: "/scan""#), "{page}");
}

#[tokio::test]
async fn the_wasm_is_sent_gzip_to_a_client_that_accepts_it() {
    let app = TestApp::spawn(None, &[]).await;

    let response = app
        .client
        .get(format!("{}/assets/scan/zxing_reader.wasm", app.address))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| support::header(&response, name);
    assert_eq!(header("content-encoding"), "gzip");
    assert_eq!(header("content-type"), "application/wasm");
    assert!(header("vary").contains("accept-encoding"));
    assert_eq!(response.bytes().await.unwrap().as_ref(), WASM_GZ);
}

#[tokio::test]
async fn the_wasm_is_decompressed_for_a_client_without_gzip() {
    let app = TestApp::spawn(None, &[]).await;

    let response = app
        .client
        .get(format!("{}/assets/scan/zxing_reader.wasm", app.address))
        .header("accept-encoding", "identity")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-encoding").is_none());
    let body = response.bytes().await.unwrap();
    // The WebAssembly magic number and version 1, and larger than what is stored.
    assert_eq!(&body[..8], b"\0asm\x01\0\0\0");
    assert!(body.len() > WASM_GZ.len() * 2, "{} bytes", body.len());
}

#[test]
fn the_listening_log_line_names_the_scan_app() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(["--drain-delay-ms", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .find(|entry| entry["message"] == "catalog-gateway listening");
    child.kill().unwrap();
    child.wait().unwrap();

    let entry = listening.expect("a listening line");
    let address = entry["address"].as_str().unwrap_or_default();
    assert_eq!(entry["scan"], format!("http://{address}/scan"), "{entry}");
}

#[test]
fn make_runs_first_log_line_is_the_listening_line_with_the_scan_url() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    // As `make run` starts it: no upstream (the embedded demo catalog), default level.
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .env_remove("RUST_LOG")
        .env_remove("CATALOG_UPSTREAM_URL")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .next();
    child.kill().unwrap();
    child.wait().unwrap();

    let entry: serde_json::Value = serde_json::from_str(&first.expect("a log line")).unwrap();
    assert_eq!(entry["message"], "catalog-gateway listening", "{entry}");
    assert_eq!(entry["demo"], true, "{entry}");
    assert!(
        entry["scan"]
            .as_str()
            .is_some_and(|url| url.ends_with("/scan")),
        "{entry}"
    );
}
