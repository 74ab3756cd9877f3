//! The spine of the end-to-end tests: `TestApp` runs the real gateway in-process on
//! port 0 in front of a given upstream and offers typed helpers, so tests never
//! build URLs. The port is the bound listener's (`Application::port`), not a log line.

use std::net::SocketAddr;

use catalog_gateway::app::Application;
use catalog_gateway::config::Settings;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::TestUpstream;

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

    /// Sends `method path` with an optional `Accept` and extra headers, without
    /// following redirects (the resolver's answers are redirects to read).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        accept: Option<&str>,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut request = client.request(method, format!("{}{path}", self.address));
        if let Some(accept) = accept {
            request = request.header(reqwest::header::ACCEPT, accept);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
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

/// A test upstream holding `products` (code, title) and the gateway in front of it,
/// started with `flags`.
pub async fn app_with(
    products: impl IntoIterator<Item = (String, String)>,
    flags: &[&str],
) -> (TestUpstream, TestApp) {
    let upstream = TestUpstream::start().await;
    for (code, title) in products {
        upstream.insert_product(&code, &title);
    }
    let app = TestApp::spawn(Some(&upstream.url()), flags).await;
    (upstream, app)
}
