//! The edge: what every request passes through before a handler sees it, and the
//! connections it arrives on. Nothing here knows GraphQL; each layer is a refusal
//! or an observation that holds for every route.
//!
//! From the socket inwards: [`serve`] (connections, the request-head time limit,
//! graceful shutdown), `observe` (request id, request context, the log line of
//! `request_log`, HTTP metrics), `cors`, `compress`, `receive` (whole bodies within a time
//! limit), `shed` (the in-flight cap). `routes` stacks them.

mod compress;
mod cors;
mod observe;
mod receive;
mod request_log;
mod serve;
mod shed;

pub(crate) use compress::CompressLayer;
pub use cors::AllowedOrigin;
pub(crate) use cors::{CorsConfig, CorsLayer};
pub(crate) use observe::{ClientLabel, GraphqlOutcome, ObserveLayer, REQUEST_ID};
pub(crate) use receive::ReceiveBodyLayer;
pub use serve::{ConnectionSettings, serve};
pub use shed::InFlightLimit;
