//! A TCP proxy in front of a local port, for faults a real server cannot be asked
//! to make: a network path that stops delivering (stalled: connections kept, bytes
//! held back in order until it resumes) or that is gone (cut: every connection
//! closed, new ones refused). Used between a gateway and its Redis.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Longest [`Proxy::wait_held`] waits for a command to be held back.
const EVENTUALLY: Duration = Duration::from_secs(10);

/// A TCP proxy to a local port that can be cut (every connection closed, new ones
/// refused: a network path gone) or stalled (connections kept, bytes held back in
/// order until it resumes).
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    stalled: Arc<AtomicBool>,
    /// What was read while stalled (both directions), not yet forwarded.
    held: Arc<Mutex<Vec<u8>>>,
    cut: Arc<AtomicBool>,
    pumps: Arc<Mutex<Vec<AbortOnDrop>>>,
    task: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stalled, cut) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let pumps = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn({
            let (stalled, cut, pumps) =
                (Arc::clone(&stalled), Arc::clone(&cut), Arc::clone(&pumps));
            let held = Arc::clone(&held);
            async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    if cut.load(Ordering::SeqCst) {
                        continue;
                    }
                    let Ok(outbound) = TcpStream::connect(("127.0.0.1", target_port)).await else {
                        continue;
                    };
                    let (in_read, in_write) = inbound.into_split();
                    let (out_read, out_write) = outbound.into_split();
                    let mut pumps = pumps.lock().unwrap_or_else(PoisonError::into_inner);
                    for (from, to) in [(in_read, out_write), (out_read, in_write)] {
                        let (stalled, held) = (Arc::clone(&stalled), Arc::clone(&held));
                        pumps.push(AbortOnDrop(tokio::spawn(pump(from, to, stalled, held))));
                    }
                }
            }
        });
        Proxy {
            addr,
            stalled,
            held,
            cut,
            pumps,
            task,
        }
    }

    pub fn stall(&self, on: bool) {
        if !on {
            self.held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
        self.stalled.store(on, Ordering::SeqCst);
    }

    /// Waits until a Redis `command` (upper case) is held back by the stall.
    pub async fn wait_held(&self, command: &str) {
        let wanted = format!("${}\r\n{command}\r\n", command.len()).into_bytes();
        let deadline = Instant::now() + EVENTUALLY;
        loop {
            let held = self
                .held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .windows(wanted.len())
                .any(|window| window == wanted.as_slice());
            if held {
                return;
            }
            assert!(Instant::now() < deadline, "no {command} sent");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Cuts (closing every connection) or restores the path.
    pub fn cut(&self, on: bool) {
        self.cut.store(on, Ordering::SeqCst);
        if on {
            self.pumps
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies `from` to `to`. While `stalled` is set it keeps reading but holds back
/// what it read (a copy goes to `held`), and sends it, in order, once resumed.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stalled: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut pending = Vec::new();
    loop {
        tokio::select! {
            read = from.read(&mut buf) => {
                let n = match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                if stalled.load(Ordering::SeqCst) {
                    held.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .extend_from_slice(&buf[..n]);
                }
            }
            () = tokio::time::sleep(Duration::from_millis(5)), if !pending.is_empty() => {}
        }
        if !pending.is_empty() && !stalled.load(Ordering::SeqCst) {
            if to.write_all(&pending).await.is_err() {
                return;
            }
            pending.clear();
        }
    }
}

/// Aborts a pump when dropped: cutting the proxy drops them all, which closes
/// both sockets of every connection.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
