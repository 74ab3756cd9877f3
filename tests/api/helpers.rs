//! The spine of the end-to-end tests: `TestApp` runs the real gateway on port 0 in
//! front of a given upstream and offers typed helpers, so tests never build URLs.

// Shared by every test module; the test crate root is private.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use catalog_gateway::app::Application;
use catalog_gateway::config::Settings;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running gateway; stops when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    server: Option<JoinHandle<std::io::Result<()>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    /// The settings a test starts from: the flags' defaults on a free loopback port,
    /// in front of `upstream_url` (`None`: the embedded demo catalog). Built in code:
    /// nothing is read from the environment, so exported `CATALOG_*` variables of the
    /// developer's shell cannot change a test.
    pub fn settings(upstream_url: Option<&str>) -> Settings {
        let mut settings = Settings::default();
        settings.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        settings.upstream.url =
            upstream_url.map(|url| reqwest::Url::parse(url).expect("a valid upstream URL"));
        settings
    }

    /// Starts the gateway against `upstream_url` with settings changed in code by
    /// `change` (e.g. `|s| s.cache.enabled = false`).
    pub async fn spawn_with(
        upstream_url: Option<&str>,
        change: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let mut settings = TestApp::settings(upstream_url);
        change(&mut settings);
        TestApp::start(settings).await
    }

    /// Starts the gateway against `upstream_url` (`None`: the embedded demo catalog)
    /// with extra flags on top of the defaults, parsed as the binary parses them but
    /// without reading the environment: for tests whose subject is a flag's spelling.
    pub async fn spawn(upstream_url: Option<&str>, flags: &[&str]) -> TestApp {
        let mut args = vec!["--listen".to_owned(), "127.0.0.1:0".to_owned()];
        if let Some(url) = upstream_url {
            args.extend(["--upstream-url".to_owned(), url.to_owned()]);
        }
        args.extend(flags.iter().map(|flag| (*flag).to_owned()));
        let settings = Settings::from_flags(args).expect("test flags are valid");
        TestApp::start(settings).await
    }

    /// Starts the gateway with exactly `settings`.
    pub async fn start(settings: Settings) -> TestApp {
        let app = Application::build(settings).await.expect("gateway starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestApp {
            address,
            client: reqwest::Client::new(),
            server: Some(server),
            stop: Some(stop),
        }
    }

    /// Sends the shutdown signal (what SIGTERM does in the binary).
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for the server to finish shutting down and returns how it ended.
    pub async fn stopped(&mut self) -> std::io::Result<()> {
        match self.server.take() {
            Some(server) => server.await.expect("server task does not panic"),
            None => Ok(()),
        }
    }

    /// POSTs `{"query": query}` and returns the JSON response.
    pub async fn query(&self, query: &str) -> Value {
        self.post_json(json!({ "query": query })).await.1
    }

    /// POSTs a query with variables and returns the JSON response.
    pub async fn query_with(&self, query: &str, variables: Value) -> Value {
        self.post_json(json!({ "query": query, "variables": variables }))
            .await
            .1
    }

    /// POSTs any JSON body to `/graphql`; returns status and JSON body.
    pub async fn post_json(&self, body: Value) -> (reqwest::StatusCode, Value) {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&body)
            .send()
            .await
            .expect("gateway answers");
        let status = response.status();
        let body = response.json().await.expect("gateway answers JSON");
        (status, body)
    }

    /// GETs a path of the gateway.
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path_and_query}", self.address))
            .send()
            .await
            .expect("gateway answers")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// The error codes of a response's `errors`, with their paths.
pub fn error_codes(response: &Value) -> Vec<(String, Value)> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    (
                        error["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        error["path"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `n`th valid UPC-A (GTIN-12) of a test range: `0 7771 nnnnnn C`.
pub fn upc_a(n: u32) -> String {
    with_check_digit(&format!("07771{n:06}"))
}

/// `payload` followed by its GS1 mod-10 check digit.
pub fn with_check_digit(payload: &str) -> String {
    match catalog_gateway::gtin::Gtin::with_check_digit(payload) {
        Ok(gtin) => gtin.as_own_format().to_owned(),
        Err(error) => panic!("{payload} is not a GTIN payload: {error:?}"),
    }
}

/// Every way a client may spell the UPC-A `upc`: UPC-A, EAN-13, GTIN-14, with
/// separators, and as a scanner's `]E0` payload.
pub fn spellings(upc: &str) -> Vec<String> {
    vec![
        upc.to_owned(),
        format!("0{upc}"),
        format!("00{upc}"),
        format!(" {}-{} ", &upc[..6], &upc[6..]),
        format!("{} {} {}", &upc[..1], &upc[1..6], &upc[6..]),
        format!("]E00{upc}"),
    ]
}

/// A file of `contents` in the temp directory, unique to this test run (manifests,
/// API-key files, mappings a test hands the gateway by path).
pub fn temp_file(name: &str, contents: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "catalog-test-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}
