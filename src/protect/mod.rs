//! Protecting the API: who is calling (API keys, a client-id header, or the client
//! IP behind trusted proxies), which operations they may send (trusted documents),
//! how costly one may be (`--max-cost`, the IBM cost directive rules) and how much
//! each client may spend per second (GCRA, shared through Redis when configured).
//!
//! Everything is off by default, and then [`Protection::new`] gives `None`: the
//! `/graphql` handler pays one branch on an `Option` and nothing else. When on, the
//! handler calls [`Protection::admit`] on the read batch before the response cache
//! answers and before execution; it answers an [`Admission`] (the client, each operation's cost,
//! the rate-limit state for the headers) or a [`Denial`] the HTTP layer turns into
//! 400, 401 or 429. The admission's [`Verdict`] on the payload (trusted, priced)
//! is kept with its answer in the response cache: a repeat is admitted from it by
//! [`Protection::admit_cached`], who calls, their limits and their rate decided anew.
//!
//! The parts: `settings` (what it is configured with), `identity` (who is calling),
//! `admission` (the checks, in order), and one module per check: `trusted`
//! (manifests, SIGHUP reload), `cost` (with `facts`, a text's parse kept once),
//! `rate` (the local GCRA limiter) and `rate_lease` (the shared one in Redis),
//! `keys` (API keys), `client_metrics` (each client's series, handles kept), and
//! `verdict` (what a payload was found to be, for its repeats).

mod admission;
mod client_metrics;
mod cost;
mod facts;
mod identity;
mod keys;
mod rate;
mod rate_lease;
mod settings;
mod trusted;
mod verdict;

pub use admission::{Admission, Denial, Protection, ProtectionStats, RateState};
pub use keys::{ApiClient, ApiKeys};
pub use rate::RatePolicy;
pub use settings::{ANONYMOUS, BYPASS_HEADER, COST_EXTENSION, IpRange, ProtectionSettings, Secret};
pub use trusted::{Manifest, ManifestError, ManifestFile, TrustedMode};
pub use verdict::Verdict;
