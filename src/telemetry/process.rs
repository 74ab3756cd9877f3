//! The process's memory, read at scrape time for `/metrics`: its resident set
//! (`process_resident_memory_bytes`, the name every Prometheus client library uses)
//! and the memory limit it runs under (`catalog_memory_limit_bytes`: its cgroup's
//! limit, else the machine's memory, which is then the limit), so "memory near the
//! limit" is one ratio an alert can watch on any deployment, Kubernetes or not.
//! Linux only: elsewhere they are absent.

use std::path::Path;

/// The resident set size in bytes (`VmRSS` of `/proc/self/status`).
pub(crate) fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    vm_rss_bytes(&status)
}

/// The memory the process may use in bytes: its cgroup's limit (v2's `memory.max`,
/// else v1's `memory.limit_in_bytes`) when it has one ("max", or v1's page-rounded
/// `i64::MAX`, is none), else the machine's (`MemTotal` of `/proc/meminfo`).
pub(crate) fn limit_bytes() -> Option<u64> {
    let root = Path::new("/sys/fs/cgroup");
    let v2 = std::fs::read_to_string(root.join("memory.max")).ok();
    let v1 = || std::fs::read_to_string(root.join("memory/memory.limit_in_bytes")).ok();
    v2.or_else(v1)
        .as_deref()
        .and_then(parse_limit)
        .or_else(|| mem_total_bytes(&std::fs::read_to_string("/proc/meminfo").ok()?))
}

fn mem_total_bytes(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|line| line.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

fn parse_limit(text: &str) -> Option<u64> {
    let limit: u64 = text.trim().parse().ok()?;
    // cgroup v1 writes "no limit" as the largest page-aligned i64.
    (limit < (1 << 62)).then_some(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resident_set_is_read_from_vm_rss_in_kib() {
        let status =
            "Name:\tcatalog-gateway\nVmPeak:\t  900 kB\nVmRSS:\t   20480 kB\nThreads:\t3\n";
        assert_eq!(vm_rss_bytes(status), Some(20 * 1024 * 1024));
        assert_eq!(vm_rss_bytes("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_set() {
        let bytes = resident_bytes().unwrap_or_default();
        assert!(bytes > 1024 * 1024, "{bytes}");
    }

    #[test]
    fn without_a_cgroup_limit_the_machine_memory_is_the_limit() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:  1 kB\n";
        assert_eq!(mem_total_bytes(meminfo), Some(24_576_000 * 1024));
        let limit = limit_bytes().unwrap_or_default();
        let resident = resident_bytes().unwrap_or(u64::MAX);
        assert!(limit > resident, "{limit} <= {resident}");
    }

    #[test]
    fn no_limit_is_no_value_and_a_limit_is_its_bytes() {
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit("536870912\n"), Some(512 << 20));
    }
}
