//! The real binary, for what only a process shows (its log lines, signals, exit
//! statuses, flags that stop the start): started on port 0 with `--ready-file`, its
//! address read from that file once it listens, never from its log.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::local::temp_path;

/// How long a starting gateway may take to listen.
const START: Duration = Duration::from_secs(30);

/// Starts the real binary with `--listen 127.0.0.1:0 --log-format json` and a ready
/// file, then `flags`; see [`start_binary_with`].
///
/// # Errors
/// The exit status and stderr of a binary that stopped before it listened.
pub fn start_binary(flags: &[&str]) -> Result<(Child, String), (i32, String)> {
    start_binary_with(flags, |_| {})
}

/// Like [`start_binary`], with `configure` changing the command before it starts
/// (environment, `stdout(Stdio::piped())` for a test that reads the log; by default
/// stdout goes nowhere). Returns the child and the address it listens on
/// (`127.0.0.1:port`) once it listens.
///
/// # Errors
/// The exit status and stderr of a binary that stopped before it listened.
pub fn start_binary_with(
    flags: &[&str],
    configure: impl FnOnce(&mut Command),
) -> Result<(Child, String), (i32, String)> {
    let ready_file = temp_path("ready");
    let mut command = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"));
    command
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .arg("--ready-file")
        .arg(&ready_file)
        .args(flags)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    configure(&mut command);
    let mut child = command.spawn().expect("the binary starts");
    let deadline = Instant::now() + START;
    loop {
        // Written whole by a rename, so a file that exists holds the address.
        if let Ok(text) = std::fs::read_to_string(&ready_file) {
            let _ = std::fs::remove_file(&ready_file);
            let address: SocketAddr = text.trim().parse().expect("an address in the ready file");
            // Keep draining stderr so the child never blocks on a full pipe.
            if let Some(mut stderr) = child.stderr.take() {
                std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
            }
            return Ok((child, address.to_string()));
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                pipe.read_to_string(&mut stderr).unwrap();
            }
            return Err((status.code().unwrap_or(-1), stderr));
        }
        assert!(
            Instant::now() < deadline,
            "the gateway did not listen within {START:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
