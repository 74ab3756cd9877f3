//! This machine's parts a test borrows: a free loopback port, a temp file of this
//! test run.

use std::sync::atomic::{AtomicUsize, Ordering};

/// A port that was free a moment ago (bind port 0, read it, release it): for
/// servers that cannot be told to pick one themselves (redis-server, nginx).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A file of `contents` in the temp directory, unique to this test run (manifests,
/// API-key files, mappings a test hands the gateway by path).
pub fn temp_file(name: &str, contents: &str) -> String {
    let path = temp_path(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

/// A path in the temp directory, unique to this test run, with nothing there yet.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "catalog-test-{}-{}-{name}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ))
}
