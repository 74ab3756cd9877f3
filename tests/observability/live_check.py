"""make test-observability, part two: the dashboard and the rules against a real
Prometheus scraping a real gateway under load.

Usage: live_check.py GATEWAY_URL  (scripts/with-gateway.sh gives it one)

Starts Prometheus (Debian's `prometheus`) on a free loopback port scraping the gateway
every second, with deploy/observability's recording and alert rules loaded; puts
load on the gateway for LOAD_SECONDS (lookups found and not, bad codes, baskets, a
client over its rate limit); then checks that Prometheus loaded every rule healthy
and that every query of the dashboard parses and returns data. Prints each query
with its series count; exits 1 on the first that does not. Stops Prometheus on exit.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OBS = os.path.join(ROOT, "deploy", "observability")
LOAD_SECONDS = int(os.environ.get("LOAD_SECONDS", "25"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url, body, headers=None):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def load(gateway, until):
    """Traffic of every kind the panels show, until `until`."""
    shapes = [
        ({"query": '{ product(gtin: "036000291452") { title } }'}, {}),
        ({"query": '{ product(gtin: "4006381333932") { title } }'}, {}),  # bad check digit
        ({"query": "query B($g: [String!]!) { products(gtins: $g) { title } }",
          "variables": {"g": ["036000291452", "012345678905", "04252614", "00000000000000"]}}, {}),
        ({"query": '{ lookups(codes: ["0036000291452", "x"]) { status } }'}, {}),
        ({"query": '{ product(gtin: "%s") { title } }'}, {"x-client-id": "greedy-till"}),
    ]
    sent = 0
    while time.time() < until:
        for body, headers in shapes:
            if "%s" in body["query"]:
                # A new GTIN each time (upstream calls, misses), from one greedy client.
                n = sent % 100000
                payload = f"{n:011d}"
                digits = [int(c) for c in payload]
                check = (10 - (sum(digits[0::2]) * 3 + sum(digits[1::2])) % 10) % 10
                body = {"query": body["query"] % (payload + str(check))}
            post(gateway + "/graphql", body, headers)
            sent += 1
    return sent


def query(prometheus, expr):
    url = prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def rule_groups(prometheus):
    with urllib.request.urlopen(prometheus + "/api/v1/rules", timeout=10) as response:
        return json.load(response)["data"]["groups"]


def main():
    gateway = sys.argv[1].rstrip("/")
    address = urllib.parse.urlparse(gateway).netloc
    work = tempfile.mkdtemp(prefix="catalog-prom-")
    port = free_port()
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w", encoding="utf-8") as out:
        out.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {os.path.abspath(os.path.join(OBS, "recording.yaml"))}
  - {os.path.abspath(os.path.join(OBS, "alerts.yaml"))}
scrape_configs:
  - job_name: catalog
    static_configs:
      - targets: ["{address}"]
        labels: {{track: stable}}
""")
    prometheus_bin = os.environ.get("PROMETHEUS", "prometheus")
    server = subprocess.Popen(
        [prometheus_bin, f"--config.file={config}", f"--storage.tsdb.path={work}/data",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prometheus.log"), "w"),
    )
    prometheus = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(prometheus + "/-/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit(f"Prometheus did not start: see {work}/prometheus.log")
        started = time.time()

        until = time.time() + LOAD_SECONDS
        threads = [threading.Thread(target=load, args=(gateway, until)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(3)  # a last scrape and rule evaluation

        # A group is first evaluated within one of its intervals of the start, at an
        # offset Prometheus derives from the group's name and its file's path (which
        # differs with each clone): a rule not evaluated yet is waited for, until the
        # longest interval has passed, not judged ("unknown").
        groups = rule_groups(prometheus)
        deadline = started + max(group["interval"] for group in groups) + 5
        while time.time() < deadline and any(
            rule.get("health") == "unknown" for group in groups for rule in group["rules"]
        ):
            time.sleep(0.5)
            groups = rule_groups(prometheus)

        failures = 0
        rules = [rule for group in groups for rule in group["rules"]]
        for rule in rules:
            if rule.get("health") != "ok":
                failures += 1
                print(f"FAIL rule {rule['name']}: {rule.get('health')} {rule.get('lastError', '')}")
        print(f"{len(rules)} rules loaded by Prometheus")
        expected = sum(
            text.count("- record:") + text.count("- alert:")
            for text in (open(os.path.join(OBS, name), encoding="utf-8").read()
                         for name in ("recording.yaml", "alerts.yaml"))
        )
        if len(rules) != expected:
            failures += 1
            print(f"FAIL {len(rules)} rules loaded, {expected} written")

        with open(os.path.join(OBS, "dashboard.json"), encoding="utf-8") as dashboard:
            panels = json.load(dashboard)["panels"]
        for panel in panels:
            for target in panel["targets"]:
                expr = target["expr"].replace("$__rate_interval", "1m")
                answer = query(prometheus, expr)
                series = answer.get("data", {}).get("result", [])
                ok = answer.get("status") == "success" and len(series) > 0
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {len(series):3} series  {panel['title']} [{target['refId']}]")
        if failures:
            sys.exit(f"{failures} checks failed (Prometheus's data and log: {work})")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
