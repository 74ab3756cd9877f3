//! Logging setup: one function builds the subscriber (so tests can hand it a sink),
//! one installs it once. The filter comes from `RUST_LOG`, defaulting to `info`.

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Builds a subscriber writing `format` lines to `writer`.
pub fn subscriber<W>(
    format: LogFormat,
    default_filter: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = fmt().with_env_filter(filter).with_writer(writer);
    match format {
        LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
        LogFormat::Pretty => Box::new(builder.finish()),
    }
}

/// Installs `subscriber` as the process-wide default; a second call is ignored.
pub fn install(subscriber: Box<dyn Subscriber + Send + Sync>) {
    // Only the first install wins; a later one (tests) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
