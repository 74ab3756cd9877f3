//! Logging and tracing setup, installed once by `main`: log lines (JSON or pretty)
//! to standard output, filtered by `RUST_LOG` (default `info`), and, when an OTLP
//! endpoint is set, the same spans exported as OpenTelemetry traces over OTLP/HTTP.
//!
//! The OTLP exporter runs on its own thread with a blocking HTTP client, so build
//! the telemetry before the async runtime starts; dropping the returned guard
//! flushes the spans still buffered.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// JSON lines, for containers and log shippers.
    Json,
    /// Human-readable, for a terminal.
    Pretty,
}

/// What telemetry is set up with (`config::TelemetryArgs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// Serve Prometheus metrics on `/metrics`.
    pub metrics: bool,
    /// Export traces over OTLP/HTTP to this endpoint; `None`: no export.
    pub otlp_endpoint: Option<reqwest::Url>,
    /// Log format; `None`: pretty on a terminal, JSON otherwise.
    pub log_format: Option<LogFormat>,
}

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built.
    #[error("failed to set up the OTLP trace exporter: {0}")]
    Otlp(String),
}

/// Keeps the trace pipeline alive; flushes and stops it when dropped.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Best effort at exit: a collector that is gone must not block the exit.
            let _ = provider.shutdown_with_timeout(std::time::Duration::from_secs(3));
        }
    }
}

/// Installs logging (and OTLP trace export to `otlp_endpoint`, e.g.
/// `http://collector:4318/v1/traces`) as the process-wide subscriber. A second
/// call leaves the first in place.
///
/// # Errors
/// [`TelemetryError`] when the OTLP exporter cannot be built.
pub fn install(
    format: LogFormat,
    default_filter: &str,
    otlp_endpoint: Option<&str>,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let log_layer = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            // The request line carries its own fields; span copies would repeat them.
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stdout)
            .boxed(),
        LogFormat::Pretty => fmt::layer().with_writer(std::io::stdout).boxed(),
    };
    let provider = otlp_endpoint.map(tracer_provider).transpose()?;
    let trace_layer = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer().with_tracer(provider.tracer("catalog-gateway"))
    });
    // Only the first install wins; a later one (tests) keeps the first.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(log_layer)
        .with(trace_layer)
        .try_init();
    Ok(TelemetryGuard { provider })
}

fn tracer_provider(endpoint: &str) -> Result<SdkTracerProvider, TelemetryError> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .map_err(|error| TelemetryError::Otlp(error.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name("catalog-gateway")
                .build(),
        )
        .build())
}
