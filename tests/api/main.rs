//! End-to-end tests: the gateway over a real socket, in front of a real local HTTP
//! upstream. One binary, one module per subject.

mod catalog_client;
mod demo_catalog;
mod upstream; // a commandable upstream HTTP server (counts calls, misbehaves on demand) // the REST catalog client against the test upstream
mod upstream_resilience; // the REST client's retries, deadlines, circuit breaker and health counters
