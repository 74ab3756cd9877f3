//! `--ready-file PATH`: once the gateway listens, its bound address is written to a
//! file, so whoever started it on port 0 (the end-to-end tests, `scripts/`) learns
//! the port without reading the log. Written whole or not at all: a temporary file
//! beside it, then renamed, so a reader polling for the file never sees half an
//! address.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Writes `address` (as `host:port` and a newline) to `path`, atomically.
///
/// # Errors
/// The I/O error of writing the temporary file or of renaming it.
pub fn write(path: &Path, address: SocketAddr) -> io::Result<()> {
    let temporary = temporary_path(path);
    std::fs::write(&temporary, format!("{address}\n"))?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        // Nothing half-done left behind; the rename's error is the one to report.
        let _ = std::fs::remove_file(&temporary);
    })
}

/// `PATH.tmp.PID` beside `path`: same directory, so the rename stays on one file
/// system, and per process, so two gateways given one path do not share it.
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp.{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ready-file-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_address_is_written_with_a_newline_and_no_temporary_file_is_left() {
        let dir = scratch("write");
        let path = dir.join("ready");
        let address: SocketAddr = "127.0.0.1:45678".parse().unwrap();

        write(&path, address).unwrap();

        assert_eq!(std::fs::read_to_string(&path).unwrap(), "127.0.0.1:45678\n");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["ready"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_old_file_is_replaced_whole() {
        let dir = scratch("replace");
        let path = dir.join("ready");
        std::fs::write(
            &path,
            "an address from a previous run, longer than this one\n",
        )
        .unwrap();

        write(&path, "[::1]:8080".parse().unwrap()).unwrap();

        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[::1]:8080\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_that_does_not_exist_is_an_error() {
        let path = std::env::temp_dir().join("no-such-dir-for-ready-file/ready");

        assert!(write(&path, "127.0.0.1:1".parse().unwrap()).is_err());
    }
}
