//! `--ready-file`: the real binary writes the address it listens on into the file,
//! whole, once it listens (what `support::start_binary` and `scripts/` rely on to
//! learn a port-0 address without reading the log); a file it cannot write stops
//! the start, naming it.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::temp_path;

#[tokio::test]
async fn the_ready_file_holds_the_address_the_gateway_answers_on_and_nothing_else_is_left() {
    // Arrange: an empty directory of its own for the file.
    let dir = temp_path("ready-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("address");
    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args(["--listen", "127.0.0.1:0", "--drain-delay-ms", "0"])
        .arg("--ready-file")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Act: wait for the file, then ask the address it names.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(Instant::now() < deadline, "no ready file within 30 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let address: SocketAddr = text.trim_end().parse().unwrap();
    let health = reqwest::get(format!("http://{address}/healthz")).await;
    let _ = child.kill();
    let _ = child.wait();

    // Assert: one line, the bound port (not 0), answering; no temporary file left.
    assert!(
        text.ends_with('\n') && text.lines().count() == 1,
        "{text:?}"
    );
    assert_ne!(address.port(), 0);
    assert_eq!(health.unwrap().status(), 200);
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["address"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_ready_file_that_cannot_be_written_stops_the_start_naming_it() {
    let path = temp_path("no-such-dir").join("address");

    let mut child = Command::new(env!("CARGO_BIN_EXE_catalog-gateway"))
        .args(["--listen", "127.0.0.1:0", "--drain-delay-ms", "0"])
        .arg("--ready-file")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // A gateway that went on serving without its file would never exit: bounded.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the gateway kept running without its ready file");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("failed to write the ready file"),
        "{stderr}"
    );
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
}
