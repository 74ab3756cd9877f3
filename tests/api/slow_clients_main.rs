//! The slow-client tests (issue 28, Must 8) in a test binary of their own: thousands
//! of sockets held on two cores would starve the timing-sensitive tests of the `api`
//! binary if they ran alongside them. Same helpers as `api`.

// Test code: a failed unwrap is a failed test, also in helper functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers; // TestApp: the gateway on port 0, with typed request helpers
mod slow_clients; // slow heads and bodies closed within their limits while normal requests pass
