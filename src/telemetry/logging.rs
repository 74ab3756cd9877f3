//! Logging and tracing setup, installed once by `main`: log lines (JSON or pretty)
//! to standard output, filtered by `RUST_LOG` (default `info`), and, when an OTLP
//! endpoint is set, the same spans exported as OpenTelemetry traces over OTLP/HTTP.
//!
//! Log lines are formatted where they happen but written by a thread of their own,
//! in batches (`log_writer`): a request never waits for a `write` to standard
//! output. The writer never drops a line; when the thread falls 8 MB behind,
//! logging waits for it. In JSON, spans are never
//! printed, so the log layer does not see them at all (formatting their fields was
//! a per-request cost): without OTLP export no layer wants spans, and they cost
//! nothing.
//!
//! The OTLP exporter runs on its own thread with a blocking HTTP client, so build
//! the telemetry before the async runtime starts; dropping the returned guard
//! writes the log lines and flushes the spans still buffered.

use std::sync::OnceLock;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, fmt};

use super::json_line::JsonLine;
use super::log_writer::{self, BatchedWriter, LogWriterGuard};

/// Where a line formatted outside tracing goes (see [`json_line_sink`]).
static JSON_LINE_SINK: OnceLock<BatchedWriter> = OnceLock::new();

/// The log writer, for a caller that writes a hot JSON line itself instead of
/// dispatching a tracing event (the `/graphql` request line): set when the
/// installed logging is JSON lines, without OTLP export (which turns events into
/// span events) and without field-value directives in `RUST_LOG` (`[...]`, which
/// only tracing can evaluate). The caller must still ask tracing whether its event
/// is enabled, and must write exactly the line tracing would have written.
pub(crate) fn json_line_sink() -> Option<&'static BatchedWriter> {
    JSON_LINE_SINK.get()
}

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
    /// The log writer's thread could not be started.
    #[error("failed to start the log writer thread: {0}")]
    LogWriter(#[from] std::io::Error),
}

/// Keeps the log writer and the trace pipeline alive; writes and flushes what they
/// hold when dropped.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    /// Dropped after `provider` (fields drop in order): the log lines last.
    _log_writer: Option<LogWriterGuard>,
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
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let (writer, log_writer) = log_writer::spawn(std::io::stdout())?;
    let directives = std::env::var(EnvFilter::DEFAULT_ENV).unwrap_or_default();
    let direct_lines =
        (format == LogFormat::Json && otlp_endpoint.is_none() && !directives.contains('['))
            .then(|| writer.clone());
    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = Vec::new();
    layers.push(match format {
        // tracing-subscriber's JSON line (flattened, without span copies: the
        // request line carries its own fields), formatted in one buffer.
        LogFormat::Json => fmt::layer()
            .event_format(JsonLine::new())
            .with_writer(writer)
            .with_filter(filter().and(filter_fn(|metadata| metadata.is_event())))
            .boxed(),
        LogFormat::Pretty => fmt::layer()
            .with_writer(writer)
            .with_filter(filter())
            .boxed(),
    });
    let provider = otlp_endpoint.map(tracer_provider).transpose()?;
    if let Some(provider) = &provider {
        layers.push(
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("catalog-gateway"))
                .with_filter(filter())
                .boxed(),
        );
    }
    // Only the first install wins; a later one (tests) keeps the first.
    if tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .is_ok()
        && let Some(writer) = direct_lines
    {
        let _ = JSON_LINE_SINK.set(writer);
    }
    Ok(TelemetryGuard {
        provider,
        _log_writer: Some(log_writer),
    })
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
