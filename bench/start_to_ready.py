#!/usr/bin/env python3
"""Start-to-ready time of the gateway: from just before exec to the first 200 on
/readyz, polled every 1 ms over a fresh loopback connection. Runs the binary N times
(each stopped with SIGTERM before the next) and prints "median min max" in ms.

usage: start_to_ready.py N PORT BINARY [ARGS...]
"""

import http.client
import os
import signal
import statistics
import subprocess
import sys
import time


def ready(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        conn.request("GET", "/readyz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def one_start(port: int, argv: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if ready(port):
                return (time.perf_counter() - start) * 1000.0
            if proc.poll() is not None:
                raise SystemExit(f"the gateway exited with {proc.returncode} before ready")
            if time.perf_counter() - start > 10:
                raise SystemExit("not ready after 10 s")
            time.sleep(0.001)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    n, port, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    env_argv = argv
    times = []
    for _ in range(n):
        times.append(one_start(port, env_argv))
        time.sleep(0.05)
    print(f"{statistics.median(times):.1f} {min(times):.1f} {max(times):.1f}")


if __name__ == "__main__":
    os.environ.setdefault("RUST_LOG", "info")
    main()
