//! The `catalog-gateway healthcheck` subcommand: one GET of the gateway's liveness
//! endpoint on loopback, for a container `HEALTHCHECK` (a `FROM scratch` image has
//! no curl or wget). Healthy means a 2xx answer within the timeout; anything else
//! (refused connection, timeout, another status) is unhealthy.

use std::fmt;
use std::time::Duration;

use crate::config::HealthcheckConfig;

/// What one probe found.
#[derive(Debug)]
pub enum Probe {
    /// The endpoint answered 2xx.
    Healthy {
        /// The URL probed.
        url: reqwest::Url,
        /// The status it answered.
        status: reqwest::StatusCode,
    },
    /// The endpoint answered, but not 2xx.
    BadStatus {
        /// The URL probed.
        url: reqwest::Url,
        /// The status it answered.
        status: reqwest::StatusCode,
    },
    /// No answer: refused, timed out, or not HTTP.
    Unreachable {
        /// The URL probed.
        url: reqwest::Url,
        /// Why, in one line.
        reason: String,
    },
}

impl Probe {
    /// Whether the gateway is healthy.
    pub fn is_healthy(&self) -> bool {
        matches!(self, Probe::Healthy { .. })
    }

    /// Process exit status: 0 healthy, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.is_healthy())
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::Healthy { url, status } => write!(f, "healthy: {url} answered {status}"),
            Probe::BadStatus { url, status } => write!(f, "unhealthy: {url} answered {status}"),
            Probe::Unreachable { url, reason } => write!(f, "unhealthy: {url}: {reason}"),
        }
    }
}

/// GETs `url` once, with `timeout` for the whole exchange, and says what it found.
pub async fn probe(url: reqwest::Url, timeout: Duration) -> Probe {
    let client = match reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return Probe::Unreachable {
                url,
                reason: format!("cannot build an HTTP client: {error}"),
            };
        }
    };
    match client.get(url.clone()).send().await {
        Ok(response) if response.status().is_success() => Probe::Healthy {
            url,
            status: response.status(),
        },
        Ok(response) => Probe::BadStatus {
            url,
            status: response.status(),
        },
        Err(error) => Probe::Unreachable {
            url,
            reason: one_line(&error),
        },
    }
}

/// Runs the subcommand on a small single-threaded runtime: probes, and prints one
/// line (stdout when healthy, stderr otherwise). Returns the exit status.
pub fn run(config: &HealthcheckConfig) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("unhealthy: cannot start the async runtime: {error}");
            return 1;
        }
    };
    let found = runtime.block_on(probe(config.url.clone(), config.timeout));
    if found.is_healthy() {
        println!("{found}");
    } else {
        eprintln!("{found}");
    }
    found.exit_code()
}

/// An error and its causes on one line.
fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}
