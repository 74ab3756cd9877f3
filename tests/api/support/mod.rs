//! What the end-to-end tests share, written once: the gateway in-process (`app`) and
//! as the real binary (`binary`), the upstreams it stands in front of (`upstream`,
//! `catalog`), the Redis and nginx it works with (`redis`, `nginx`) and a proxy that
//! breaks the path to them (`proxy`), and the codes
//! and requests tests send (`codes`, `graphql`). A test module imports what it needs
//! from `crate::support` and writes no starter or helper of its own.

// Shared by every test module, which each use a part; the test crate root is
// private, hence `unreachable_pub`.
#![allow(dead_code, unreachable_pub)]

mod app; // TestApp: the gateway in-process on port 0, with typed request helpers
mod binary; // the real binary, its address read from --ready-file
mod catalog; // the REST catalog client against TestUpstream, and GTINs to stock it with
mod codes; // test GTINs and their spellings, digests of documents
mod graphql; // what a response says: error codes, status and headers, /readyz
mod local; // free ports and temp files of this test run
mod nginx; // a real nginx proxy_cache in front of the gateway
mod proxy; // a TCP proxy that stalls or cuts the path to a local port
mod redis; // a real redis-server per test
mod redis_topology; // Sentinel, Cluster and TLS Redis nodes for the topology tests
mod upstream; // TestUpstream: a commandable upstream catalog on a real socket

#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use app::{TestApp, app_with};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use binary::{start_binary, start_binary_with};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use catalog::{client_with, keys, stock, title_for};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use codes::{sha256_hex, spellings, upc_a, with_check_digit};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use graphql::{Answer, error_codes, header, header_values, post_graphql, post_to, readyz};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use local::{free_port, temp_file, temp_path};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use nginx::Nginx;
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use proxy::Proxy;
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use redis::RedisServer;
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use redis_topology::{Cluster, Node, eventually, temp_dir, throwaway_certificates};
#[allow(unused_imports)] // each test binary (api, slow_clients) uses a part
pub use upstream::{BrokenEntry, Failure, GtinForm, TestUpstream, upstream_with_items};
