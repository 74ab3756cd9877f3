//! End-to-end tests: the gateway over a real socket, in front of a real local HTTP
//! upstream. One binary, one module per subject.

// Test code: a failed unwrap is a failed test, also in helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support; // what the tests share: the gateway in-process and as a binary, upstreams, Redis, nginx, codes

mod batching; // upstream calls per request, counted at a real upstream
mod cache_redis; // the product cache's Redis tier against a real redis-server
mod caching; // the product cache end to end: hits, negative and stale entries, capacity, Redis
mod catalog_client; // the REST catalog client against the test upstream
mod cdn_proxy; // a persisted query over GET cached by a real nginx proxy_cache in front of the gateway
mod compiled_plans; // product/products from compiled plans: byte-identical to the general path over HTTP
mod compressed_links; // compressed GS1 Digital Links: resolved, read by gtin and lookups, encoded by digitalLink
mod demo_catalog; // the demo catalog's HTTP contract over a real socket
mod deploy_manifests; // deploy/ and the Dockerfile checked against the real binary's flags, routes and ports
mod endpoint_fuzz; // random documents, variables and bodies: no panic, no 5xx
mod faults; // a thundering herd, SIGTERM to the real binary under load
mod federation; // the Apollo Federation v2 subgraph: _service SDL and batched _entities
mod graphql_lookup; // product, products, lookups and gtin end to end
mod graphql_over_http; // media types, status codes and request shapes per the spec
mod gs1_keys; // every GS1 key: SSCC and GLN described and NOT_A_TRADE_ITEM, bracketed AI syntax
mod healthcheck; // the healthcheck subcommand (the image's HEALTHCHECK) against real listeners
mod http_caching; // Cache-Control, ETag/304, tags per GTIN, /admin/invalidate, across replicas via Redis
mod hung_upstream; // a hung upstream is noticed within a second and answered fast; slow but working is not
mod introspection; // client tools' introspection passes the defaults; bombs and --introspection off do not
mod invalidation_stream; // POST /admin/invalidate across two gateways: within 1 s, after a cut, a restart, an outage
mod limits; // abusive requests get clear errors and the right statuses
mod observability; // metrics, request ids, CORS, compression
mod persisted_queries; // automatic persisted queries over POST and GET, and the document cache
mod protection; // trusted documents, cost and rate limits, API keys, a flood of client ids
mod rate_fleet; // three gateways, one Redis: one client held to the fleet-wide rate, leases not per-request calls
mod readme_examples; // every README example query, run against the defaults
mod ready_file; // --ready-file: the address written whole once listening; an unwritable file stops the start
mod redis_topologies; // Sentinel failover, a 3-master Cluster, ACL from the env, rediss:// with a private CA
mod resolver; // the GS1 Digital Link resolver: redirects, linksets, product pages, shared loader and limits
mod resolver_suite; // GS1's resolver conformance suite, one test per id (ignored: reads $GS1_CONFORMANCE_DIR)
mod response_cache; // repeated operations answered from memory: what is kept, for how long, bypass
mod scan_app; // the /scan page, its policy and its embedded assets (gzip or not)
mod scan_data; // 2D codes: application identifiers in gtin(code:), scan data and expiry on lookups lines
mod schema; // the committed SDL equals the code's
mod shutdown; // graceful drain for zero-downtime deploys
mod tracing_export; // optional OTLP trace export from the real binary
mod upstream_presets; // Open Food Facts, commercetools and Akeneo through their presets, against doc-faithful mocks
mod upstream_resilience; // retries, retry budget, fetch deadline and breaker against a misbehaving upstream
