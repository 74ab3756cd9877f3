#!/usr/bin/env python3
"""The parts of `make fleet-test` (bench/fleet.sh) that shell is poor at.

  upstream     a product catalog speaking the default contract whose answers change on
               demand: every valid GTIN is found, titled "Fleet item <GTIN-14> v<n>";
               POST /_bump {"gtins": [...]} raises n of those products (the demo catalog
               cannot change a product, and the invalidation check needs one that did).
  invalidate   changes 20 products upstream, sends POST /admin/invalidate to the first
               replica and asks every replica directly until each serves the new titles:
               the figure is the slowest (replica, product) pair, from the POST (with
               --outage: sent while Redis's master is down, from the next election).
  rate         one client at 3x its rate limit and one at half of it, paced, through the
               load balancer: the first must be held to rate x time + burst (+-10 %), the
               second never refused.
  shared-tier  after a Redis master was replaced: until every replica writes to the new
               master again (a product looked up on that replica, directly, shows up as a
               key there; with a Cluster, keys of the failed master's slots).

Each check prints one `FIGURE ...` line and exits 1 when the check fails. Only
127.0.0.1 is contacted; the standard library only (CI has python3, nothing else).
"""

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY_PREFIX = "catalog-gateway:v1:"


def check_digit(body):
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def gtin13(prefix, n):
    """A valid GTIN-13: PREFIX (4 digits) + n on 8 digits + check digit."""
    body = f"{prefix}{n:08d}"
    return body + check_digit(body)


def valid(code):
    return code.isdigit() and len(code) in (8, 12, 13, 14) and check_digit(code[:-1]) == code[-1]


def gtin14(code):
    return code.rjust(14, "0")


# ---- upstream ---------------------------------------------------------------------------
class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the gateways pool their connections
    versions = {}
    lock = threading.Lock()

    def log_message(self, *_):
        pass

    def product(self, key):
        g = gtin14(key)
        with self.lock:
            v = self.versions.get(g, 1)
        return {"gtin": g, "title": f"Fleet item {g} v{v}", "availability": "IN_STOCK",
                "price": {"amount": "1.00", "currency": "EUR"}}

    def send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/products":
            keys = []
            for part in query.split("&"):
                name, _, value = part.partition("=")
                if name == "gtins":
                    keys += [k for k in value.split(",") if valid(k)]
            self.send(200, {"products": [self.product(k) for k in keys]})
        elif path.startswith("/products/") and valid(path[len("/products/"):]):
            self.send(200, self.product(path[len("/products/"):]))
        elif path == "/":
            self.send(200, {"status": "ok"})
        else:
            self.send(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/_bump":
            self.send(404, {"error": "not found"})
            return
        with self.lock:
            for code in body.get("gtins", []):
                g = gtin14(code)
                self.versions[g] = self.versions.get(g, 1) + 1
        self.send(200, {"bumped": len(body.get("gtins", []))})


def serve_upstream(args):
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Upstream)
    server.daemon_threads = True
    server.serve_forever()


# ---- HTTP client ------------------------------------------------------------------------
class Client:
    """One keep-alive connection to 127.0.0.1:port (reopened after a failure)."""

    def __init__(self, port, headers=None, timeout=5.0):
        self.port, self.headers, self.timeout, self.conn = port, headers or {}, timeout, None

    def request(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"content-type": "application/json", **self.headers, **(headers or {})}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=all_headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def graphql(self, query):
        status, body = self.request("POST", "/graphql", {"query": query})
        return status, json.loads(body) if status == 200 else body


def titles_query(codes):
    return "{ products(gtins: [%s]) { gtin title } }" % ", ".join(json.dumps(c) for c in codes)


def ports(text):
    return [int(p) for p in text.split(",")]


# ---- invalidate -------------------------------------------------------------------------
def wait_file(path, timeout, text=False):
    """The file's content once it exists (and, with TEXT, holds some); None after
    TIMEOUT seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path) as f:
                content = f.read().strip()
            if content or not text:
                return content
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    return None


def invalidate(args):
    """With --outage DIR: warms, writes DIR/warm, waits for DIR/killed (Redis's master
    was just killed), then changes and invalidates the products while Redis is down,
    and measures from the unix time in DIR/elected (the next master's election)."""
    replicas = ports(args.replicas)
    codes = [gtin13(args.prefix, args.first + i) for i in range(args.count)]
    query = titles_query(codes)
    key = {"x-api-key": args.api_key}
    # Every replica holds every product (local tier and response cache), old titles.
    for port in replicas:
        for _ in range(2):
            status, body = Client(port, key).graphql(query)
            if status != 200 or any(p is None or not p["title"].endswith(" v1") for p in body["data"]["products"]):
                print(f"FIGURE {args.name} FAIL: replica :{port} did not serve the products first: {status} {str(body)[:200]}")
                return 1
    if args.outage:
        open(f"{args.outage}/warm", "w").close()
        if wait_file(f"{args.outage}/killed", 30) is None:
            print(f"FIGURE {args.name} FAIL: Redis's master was not killed")
            return 1
    status, _ = Client(args.upstream).request("POST", "/_bump", {"gtins": codes})
    assert status == 200, "the upstream refused the change"
    seen = {port: {} for port in replicas}  # port -> gtin14 -> unix time first served new
    posted = time.time()
    admin = Client(replicas[0], {"authorization": f"Bearer {args.admin_token}"})
    status, body = admin.request("POST", "/admin/invalidate", {"gtins": codes})
    if status != 200:
        print(f"FIGURE {args.name} FAIL: POST /admin/invalidate answered {status} {body[:200]!r}")
        return 1
    redis = json.loads(body).get("redis")

    def watch(port):
        client = Client(port, key, timeout=2.0)
        while len(seen[port]) < len(codes) and time.time() - posted < args.timeout:
            try:
                status, answer = client.graphql(query)
            except OSError:
                continue
            at = time.time()
            if status != 200:
                continue
            for product in answer["data"]["products"]:
                if product and not product["title"].endswith(" v1"):
                    seen[port].setdefault(product["gtin"], at)
            time.sleep(0.005)

    threads = [threading.Thread(target=watch, args=(port,)) for port in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    origin, since = posted, "the POST"
    if args.outage:
        elected = wait_file(f"{args.outage}/elected", args.timeout, text=True)
        if elected is None:
            print(f"FIGURE {args.name} FAIL: no new master")
            return 1
        origin, since = float(elected), "the new master's election (POST during the outage)"
    missing = [(port, len(codes) - len(seen[port])) for port in replicas if len(seen[port]) < len(codes)]
    if missing:
        late = ", ".join(f":{p} {n} old" for p, n in missing)
        print(f"FIGURE {args.name} FAIL: {args.timeout:.0f} s after the POST still old products ({late}); redis: {redis}")
        return 1
    if args.outage and max(max(seen[port].values()) for port in replicas) < origin:
        # Every replica served new before the election: the invalidation did not wait
        # for the failed master (a Cluster's other shards, or the local fan-out), so
        # the time from the election would be negative; the time from the POST is
        # what it took.
        origin, since = posted, "the POST (before the new master's election)"
    per_replica = [(max(seen[port].values()) - origin) * 1000 for port in replicas]
    worst = max(per_replica)
    ok = worst <= args.limit_ms
    print(f"FIGURE {args.name} {'PASS' if ok else 'FAIL'}: {len(codes)} products changed, POST to replica 1 "
          f"(redis: {redis}); served new by all {len(replicas)} replicas (asked directly) {worst:.0f} ms after "
          f"{since} (max over products; per replica {', '.join(f'{m:.0f}' for m in per_replica)} ms; "
          f"limit {args.limit_ms} ms)")
    return 0 if ok else 1


# ---- rate -------------------------------------------------------------------------------
def rate(args):
    stop_at = time.monotonic() + 0.5 + args.seconds
    counts = {"greedy": {}, "modest": {}}
    lock = threading.Lock()
    begin = time.monotonic() + 0.5
    last = [begin]  # when the last answer came: the bucket refilled until then

    def sender(who, key, per_s, lane, lanes):
        client = Client(args.lb, {"x-api-key": key})
        k = 0
        while True:
            due = begin + (k * lanes + lane) / per_s
            if due >= stop_at:
                break
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                status, _ = client.request("POST", "/graphql", {"query": "{ __typename }"})
            except OSError:
                status = 0
            with lock:
                counts[who][status] = counts[who].get(status, 0) + 1
                last[0] = max(last[0], time.monotonic())
            k += 1

    lanes = {"greedy": args.lanes, "modest": 2}
    keys = {"greedy": args.greedy_key, "modest": args.modest_key}
    rates = {"greedy": 3 * args.rate, "modest": args.rate / 2}
    threads = [threading.Thread(target=sender, args=(who, keys[who], rates[who], lane, lanes[who]))
               for who in lanes for lane in range(lanes[who])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = last[0] - begin
    greedy, modest = counts["greedy"], counts["modest"]
    admitted = greedy.get(200, 0)
    expected = args.rate * elapsed + args.burst
    sent = sum(greedy.values())
    other = {s: n for who in counts for s, n in counts[who].items() if s not in (200, 429)}
    held = abs(admitted - expected) <= 0.1 * expected
    loaded = sent >= 2.5 * args.rate * elapsed  # it really asked for ~3x
    never_refused = modest.get(429, 0) == 0
    ok = held and loaded and never_refused and not other
    print(f"FIGURE rate-limit {'PASS' if ok else 'FAIL'}: client at 3x --rate-limit {args.rate:g}/s through the "
          f"load balancer for {elapsed:.2f} s: sent {sent}, admitted {admitted} (expected rate x time + burst "
          f"= {expected:.0f} +-10 %: {admitted / expected * 100 - 100:+.1f} %), refused {greedy.get(429, 0)}; "
          f"client at half its limit: sent {sum(modest.values())}, refused {modest.get(429, 0)}"
          f"{f'; other statuses {other}' if other else ''}")
    return 0 if ok else 1


# ---- shared tier ------------------------------------------------------------------------
def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key):
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            key = key[start + 1:end]
    return crc16(key.encode()) % 16384


def in_slots(key, ranges):
    slot = key_slot(key)
    return any(a <= slot <= b for a, b in ranges)


def redis_cli(port, *words):
    out = subprocess.run(["redis-cli", "-c", "-h", "127.0.0.1", "-p", str(port), *words],
                         capture_output=True, text=True, timeout=5)
    return out.stdout.strip()


def shared_tier(args):
    """Every replica writes its fresh lookups to the new master again; seconds from
    ELECTED (unix time, when the new master was seen elected)."""
    replicas = ports(args.replicas)
    ranges = [tuple(int(x) for x in r.split("-")) for r in args.slots.split(",")] if args.slots else None
    next_n = [args.first]

    def fresh():
        while True:
            code = gtin13(args.prefix, next_n[0])
            next_n[0] += 1
            if ranges is None or in_slots(KEY_PREFIX + gtin14(code), ranges):
                return code

    used = {}
    key = {"x-api-key": args.api_key}
    clients = {port: Client(port, key, timeout=2.0) for port in replicas}
    while len(used) < len(replicas) and time.time() - args.elected < args.timeout:
        asked = {}
        for port in replicas:
            if port in used:
                continue
            code = fresh()
            try:
                clients[port].graphql(titles_query([code]))
            except OSError:
                continue
            asked[port] = code
        time.sleep(0.05)  # the write to Redis follows the answer
        for port, code in asked.items():
            if redis_cli(args.redis_port, "exists", KEY_PREFIX + gtin14(code)) == "1":
                used[port] = time.time() - args.elected
        time.sleep(0.1)
    if len(used) < len(replicas):
        missing = [f":{p}" for p in replicas if p not in used]
        print(f"FIGURE shared-tier FAIL: {' '.join(missing)} never wrote to the new master within {args.timeout:.0f} s of the election")
        return 1
    worst = max(used.values())
    # Every replica's /readyz says its tier is connected again, within the same limit.
    # Polled: under load a lookup slower than the Redis budget marks a tier down until
    # its prober's next PING (at most 500 ms later), the designed degradation.
    while True:
        status = {}
        for port in replicas:
            try:
                code, body = Client(port).request("GET", "/readyz")
                status[port] = json.loads(body)["detail"]["cache"]["redis"] if code == 200 else f"HTTP {code}"
            except (OSError, ValueError, KeyError, TypeError):
                status[port] = "unreadable"
        connected = all(s == "connected" for s in status.values())
        seen = time.time() - args.elected
        if connected or seen > args.limit_s:
            break
        time.sleep(0.1)
    ok = worst <= args.limit_s and connected
    print(f"FIGURE shared-tier {'PASS' if ok else 'FAIL'}: every replica wrote to the new master (:{args.redis_port}) "
          f"{max(worst, 0):.1f} s after its election (per replica {', '.join(f'{used[p]:.1f}' for p in replicas)} s; limit {args.limit_s:g} s); "
          f"/readyz cache.redis: {', '.join(sorted(set(status.values())))} {max(seen, 0):.1f} s after the election")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("upstream")
    p.add_argument("--port", type=int, required=True)
    p.set_defaults(run=serve_upstream)
    p = sub.add_parser("invalidate")
    p.add_argument("--replicas", required=True, help="ports, comma separated; the POST goes to the first")
    p.add_argument("--upstream", type=int, required=True, help="port of `fleet.py upstream`")
    p.add_argument("--admin-token", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--prefix", default="9531")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--limit-ms", type=int, default=1000)
    p.add_argument("--name", default="invalidation", help="the figure's name")
    p.add_argument("--outage", metavar="DIR", help="invalidate while Redis is down (see invalidate's doc)")
    p.add_argument("--timeout", type=float, default=5.0)
    p.set_defaults(run=invalidate)
    p = sub.add_parser("rate")
    p.add_argument("--lb", type=int, required=True)
    p.add_argument("--greedy-key", required=True)
    p.add_argument("--modest-key", required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--burst", type=float, required=True)
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--lanes", type=int, default=6)
    p.set_defaults(run=rate)
    p = sub.add_parser("shared-tier")
    p.add_argument("--replicas", required=True)
    p.add_argument("--redis-port", type=int, required=True, help="the new master")
    p.add_argument("--elected", type=float, required=True, help="unix time of the election")
    p.add_argument("--slots", help="slot ranges of the new master (Cluster), e.g. 0-5460")
    p.add_argument("--api-key", required=True)
    p.add_argument("--prefix", default="9532")
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--limit-s", type=float, default=10.0)
    p.add_argument("--timeout", type=float, default=20.0)
    p.set_defaults(run=shared_tier)
    args = parser.parse_args()
    sys.exit(args.run(args) or 0)


if __name__ == "__main__":
    main()
