//! The slow-client tests (issue 28, Must 8) in a test binary of their own: thousands
//! of sockets held on two cores would starve the timing-sensitive tests of the `api`
//! binary if they ran alongside them. Same helpers as `api`.

// Test code: a failed unwrap is a failed test, also in helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod slow_clients;
mod support; // what the tests share: the gateway in-process and as a binary, upstreams, Redis, nginx, codes // slow heads and bodies closed within their limits while normal requests pass
