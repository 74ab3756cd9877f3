//! What the gateway tells its operators: logs (`tracing`, JSON or pretty), optional
//! OpenTelemetry traces over OTLP, Prometheus
//! metrics, and the per-request context (request id, lookup counts) that ties a
//! request's log line to the upstream calls it caused.

mod json_line;
mod log_writer;
mod logging;
pub mod metrics;
mod process;
pub mod request_context;

#[cfg(test)]
pub(crate) use json_line::{JsonLine, test_support};
pub(crate) use log_writer::DeferredLine;
pub(crate) use logging::json_line_sink;
pub use logging::{LogFormat, TelemetryError, TelemetryGuard, TelemetrySettings, install};
