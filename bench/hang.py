#!/usr/bin/env python3
"""`make bench-hang`: a hung upstream under load (issue 15), measured from a client.

Starts a demo catalog and a gateway in front of it (loopback only), runs CLIENTS
closed-loop clients that each look up a new generated item per request, and after
HANG_AFTER seconds freezes the demo catalog with SIGSTOP (connections are still
accepted by the kernel, nothing is answered: a hung upstream), thaws it with SIGCONT
HANG_FOR seconds later, and keeps the load on for AFTER seconds more. Bounded in time;
every process started is stopped on exit.

Prints per phase: requests answered, requests/s, p50/p99 latency, outcomes; the time
from the hang to the first fast (< 100 ms) answer; the share of fast answers from
1 s into the hang to its end; the time from the thaw to the first product found
again; errors in the last second. A second gateway binary (`--baseline BIN`) is run
the same way in the same invocation, for a side-by-side figure.

Usage: bench/hang.py [--gateway BIN] [--baseline BIN] [--clients 16]
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

FAST = 0.100


def gtin(n):
    """The n-th generated demo item: 952 + 9 digits + check digit."""
    body = f"952{n % 100_000_000:09d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path, limit=20.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered on {port}{path}")


def client(port, first, stop_at, start, answers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    query = "query($g: String!) { product(gtin: $g) { title } }"
    n = first
    while time.monotonic() < stop_at:
        body = json.dumps({"query": query, "variables": {"g": gtin(n)}})
        n += 1
        asked = time.monotonic()
        try:
            conn.request("POST", "/graphql", body, {"content-type": "application/json"})
            reply = json.loads(conn.getresponse().read())
            errors = reply.get("errors") or []
            if errors:
                outcome = errors[0].get("extensions", {}).get("code", "error")
            elif (reply.get("data") or {}).get("product"):
                outcome = "found"
            else:
                outcome = "null"
        except (OSError, http.client.HTTPException, ValueError) as error:
            outcome = f"socket:{type(error).__name__}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        answers.append((asked - start, time.monotonic() - asked, outcome))


def percentile(values, share):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def run(binary, args, label):
    upstream_port, gateway_port = free_port(), free_port()
    procs = []
    try:
        demo = subprocess.Popen(
            [binary, "demo-catalog", "--listen", f"127.0.0.1:{upstream_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(demo)
        wait_http(upstream_port, "/products/09520000000004")
        log = open(f"/tmp/bench-hang-{label.replace(' ', '-')}.log", "w")
        gateway = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{gateway_port}",
             "--upstream-url", f"http://127.0.0.1:{upstream_port}", "--log-format", "json"],
            stdout=log, stderr=log,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")})
        procs.append(gateway)
        wait_http(gateway_port, "/readyz")

        answers = []
        start = time.monotonic()
        total = args.hang_after + args.hang_for + args.after
        threads = [threading.Thread(target=client, args=(
            gateway_port, i * 1_000_000 + int(start * 1000) % 500_000,
            start + total, start, answers)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.hang_after)
        demo.send_signal(signal.SIGSTOP)
        hung_at = time.monotonic() - start
        time.sleep(args.hang_for)
        demo.send_signal(signal.SIGCONT)
        thawed_at = time.monotonic() - start
        for thread in threads:
            thread.join(total + 30)
        end = time.monotonic() - start
    finally:
        for proc in procs:
            try:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
                proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()

    def phase(name, lo, hi):
        done = [a for a in answers if lo <= a[0] + a[1] < hi]
        took = [a[1] for a in done]
        outcomes = {}
        for a in done:
            outcomes[a[2]] = outcomes.get(a[2], 0) + 1
        rate = len(done) / (hi - lo) if hi > lo else 0
        print(f"| {label} | {name} | {len(done)} | {rate:.0f} | {percentile(took, .5) * 1000:.1f} "
              f"| {percentile(took, .99) * 1000:.1f} | {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))} |")

    phase("before the hang", 0.5, hung_at)
    phase("hang, first second", hung_at, hung_at + 1)
    phase("hang, rest", hung_at + 1, thawed_at)
    phase("after the thaw", thawed_at, end)
    first_fast = min((a[0] + a[1] - hung_at for a in answers
                      if a[0] >= hung_at and a[1] < FAST and a[2] != "found"), default=None)
    during = [a for a in answers if a[0] >= hung_at + 1 and a[0] + a[1] < thawed_at]
    fast = sum(1 for a in during if a[1] < FAST)
    back = min((a[0] + a[1] - thawed_at for a in answers
                if a[0] >= thawed_at and a[2] == "found"), default=None)
    last = [a for a in answers if a[0] >= end - 1]
    errors = sum(1 for a in last if a[2] != "found")
    return {
        "label": label,
        "first_fast_ms": None if first_fast is None else round(first_fast * 1000),
        "fast_share": (fast / len(during)) if during else 0.0,
        "during": len(during),
        "back_ms": None if back is None else round(back * 1000),
        "last_second_errors": errors,
        "last_second": len(last),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gateway", default="target/release/catalog-gateway")
    parser.add_argument("--baseline", help="another gateway binary, run the same way first")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--hang-after", type=float, default=1.5)
    parser.add_argument("--hang-for", type=float, default=4.0)
    parser.add_argument("--after", type=float, default=7.0)
    args = parser.parse_args()
    print(f"{args.clients} clients, hang at {args.hang_after} s for {args.hang_for} s, "
          f"then {args.after} s; load {os.getloadavg()[0]:.1f}")
    print("| gateway | phase | answered | per s | p50 ms | p99 ms | outcomes |")
    print("|---|---|---:|---:|---:|---:|---|")
    runs = []
    if args.baseline:
        runs.append(run(args.baseline, args, "baseline"))
    runs.append(run(args.gateway, args, "this build"))
    print()
    print("| gateway | first fast answer after the hang | fast answers from 1 s into the hang | "
          "first product after the thaw | errors in the last second |")
    print("|---|---:|---:|---:|---:|")
    for r in runs:
        print(f"| {r['label']} | {r['first_fast_ms']} ms | {r['fast_share'] * 100:.0f} % of {r['during']} | "
              f"{r['back_ms']} ms | {r['last_second_errors']} of {r['last_second']} |")
    failed = runs[-1]["last_second_errors"] > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
