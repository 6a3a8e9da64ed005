#!/usr/bin/env python3
"""infra.yml / teardown.yml vs. the same playbooks made of amazon.aws/community.aws modules.

Starts its own local AWS endpoint on a free port and, in front of it, a counting proxy (also on a
free port): every AWS API request of either side goes through the proxy and is counted there, the
same way for both (the endpoint's control calls under /moto-api/ are not counted). For each side
and each round: reset the endpoint, then time

    create    ansible-playbook playbooks/infra.yml        | bench/peer/infra_peer.yml
    rerun     the same again (a no-op: changed=0 expected)
    teardown  ansible-playbook playbooks/teardown.yml     | bench/peer/teardown_peer.yml

Sides alternate (webfleet first in odd rounds, the peer first in even ones). Prints a table of
medians and the ratios against the targets: create <= 0.6x the peer's requests and <= 0.7x its
wall time; no-op rerun <= 0.5x requests and <= 0.7x wall time; then the requests of each phase
by operation (first round).

Both sides run with a controller-only inventory (localhost; the values are the role defaults of
webfleet.aws.settings, which both sides' plays load): the playbooks act on localhost only, and the
default inventory's AWS source (inventories/local/local.ec2.yml, fixed to port 5000) would otherwise
query, or retry against, whatever does or does not answer there - the same fixed cost on both
sides, unrelated to either playbook.

Usage: bench/infra_bench.py [--rounds 1] [--json FILE]     (about 6-10 minutes a round here)
This prints figures; it is not a test. Wall times depend on the machine's load.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOP = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(TOP / "tests"))
from play_recap import NoRecap, host_recap  # noqa: E402  (tests/ holds the one guarded recap reader)

SIDES = {
    "webfleet": {"create": "playbooks/infra.yml", "teardown": "playbooks/teardown.yml"},
    "peer": {"create": "bench/peer/infra_peer.yml", "teardown": "bench/peer/teardown_peer.yml"},
}
PHASES = ("create", "rerun", "teardown")
TARGETS = {"create": (0.6, 0.7), "rerun": (0.5, 0.7)}  # (requests, wall) as a fraction of the peer's
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingProxy(ThreadingHTTPServer):
    """Forwards every request to the endpoint and counts the AWS API requests."""

    daemon_threads = True

    def __init__(self, port: int, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", port), CountingHandler)
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.count = 0
        self.operations: Counter[str] = Counter()

    def take(self) -> tuple[int, dict[str, int]]:
        with self.lock:
            n, ops = self.count, dict(self.operations)
            self.count, self.operations = 0, Counter()
            return n, ops


def operation_of(method: str, path: str, headers: Any, body: bytes) -> str:
    """The AWS operation of a request: JSON/CBOR target header, query-protocol Action, else REST method + path."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action") if body else None
    if action:
        return action[0]
    if "/operation/" in path:  # smithy-rpc-v2-cbor: /service/<Service>/operation/<Operation>
        return path.rsplit("/", 1)[-1]
    # REST (Route53): the path without ids, e.g. "GET /2013-04-01/hostedzone/{id}/rrset"
    parts = [seg if not re.fullmatch(r"[A-Z0-9]{8,}", seg) else "{id}" for seg in urlsplit(path).path.split("/")]
    return f"{method} {'/'.join(parts)}"


class CountingHandler(BaseHTTPRequestHandler):
    server: CountingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.path.startswith("/moto-api"):
            op = operation_of(self.command, self.path, self.headers, body)
            with self.server.lock:
                self.server.count += 1
                self.server.operations[op] += 1
        conn = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=300)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_HEADERS | {"content-length"}:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def reset(endpoint_url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(endpoint_url + "/moto-api/reset", method="POST"), timeout=30).close()


def controller_inventory(where: Path) -> Path:
    """localhost only (the values come from the plays' webfleet.aws.settings role defaults)."""
    inv = where / "inventory"
    inv.mkdir(parents=True, exist_ok=True)
    (inv / "hosts.yml").write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: \"{{ ansible_playbook_python }}\"\n")
    return inv


def run_playbook(playbook: str, url: str, env: dict[str, str], log: Path, inventory: Path) -> tuple[float, int]:
    """Run one playbook; return (wall seconds, changed count). Fails loudly when the playbook fails."""
    # like the peer, infra.yml hands over once the instances run (its placeholder image serves nothing)
    cmd = [str(BIN / "ansible-playbook"), playbook, "-i", str(inventory), "-e", f"webfleet_endpoint_url={url}",
           "-e", "webfleet_asg_wait_in_lb=false"]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=TOP, env=env, capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - start
    log.write_text(proc.stdout + proc.stderr)
    try:
        recap = host_recap(proc.stdout)
    except NoRecap:
        raise SystemExit(f"{playbook} printed no PLAY RECAP ({proc.returncode}); see {log}") from None
    if proc.returncode != 0 or recap["failed"] or recap["unreachable"]:
        raise SystemExit(f"{playbook} failed ({proc.returncode}); see {log}")
    return wall, recap["changed"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    ap.add_argument("--logs", type=Path, default=Path("/tmp/webfleet-infra-bench"), help="playbook outputs")
    args = ap.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)

    port, proxy_port = free_port(), free_port()
    endpoint_url, proxy_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{proxy_port}"
    endpoint = subprocess.Popen(
        [sys.executable, str(TOP / "tools" / "local_aws.py"), "serve", "--port", str(port)],
        stdout=open(args.logs / "endpoint.log", "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proxy = CountingProxy(proxy_port, port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "ANSIBLE_CONFIG": str(TOP / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
        "WEBFLEET_STATE_DIR": str(args.logs / "state"),
        # per-task times in the logs (both sides alike)
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
    }
    env.pop("WEBFLEET_API_LOG", None)
    inventory = controller_inventory(args.logs)
    results: dict[str, dict[str, list[dict[str, Any]]]] = {s: {p: [] for p in PHASES} for s in SIDES}
    try:
        wait_http(endpoint_url + "/moto-api/")
        for rnd in range(1, args.rounds + 1):
            order = list(SIDES) if rnd % 2 else list(reversed(SIDES))
            for side in order:
                reset(endpoint_url)
                proxy.take()
                for phase in PHASES:
                    playbook = SIDES[side]["teardown" if phase == "teardown" else "create"]
                    log = args.logs / f"{side}-{phase}-{rnd}.log"
                    wall, changed = run_playbook(playbook, proxy_url, env, log, inventory)
                    requests, operations = proxy.take()
                    results[side][phase].append({"wall": wall, "requests": requests, "changed": changed,
                                                 "operations": operations})
                    print(f"round {rnd} {side:8} {phase:8} {wall:6.1f} s {requests:4d} requests changed={changed}",
                          flush=True)
    finally:
        proxy.shutdown()
        endpoint.terminate()
        endpoint.wait(15)

    print_table(results)
    print_operations(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def print_operations(results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    """Requests by operation, first round, both sides (the most frequent first)."""
    for phase in PHASES:
        print(f"\n{phase} (round 1): requests by operation")
        for side in SIDES:
            ops = results[side][phase][0]["operations"]
            listed = ", ".join(f"{op} {n}" for op, n in sorted(ops.items(), key=lambda kv: (-kv[1], kv[0])))
            print(f"  {side:8} {sum(ops.values()):3d}: {listed}")


def median(items: list[dict[str, Any]], key: str) -> float:
    return statistics.median(i[key] for i in items)


def print_table(results: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
    print()
    print(f"{'phase':9} {'webfleet req':>12} {'peer req':>9} {'ratio':>6} {'target':>7}   "
          f"{'webfleet s':>10} {'peer s':>7} {'ratio':>6} {'target':>7}")
    for phase in PHASES:
        w, p = results["webfleet"][phase], results["peer"][phase]
        wr, pr = median(w, "requests"), median(p, "requests")
        ws, ps = median(w, "wall"), median(p, "wall")
        req_target, wall_target = TARGETS.get(phase, (None, None))

        def verdict(ratio: float, target: float | None) -> str:
            if target is None:
                return "-"
            return f"<={target:.1f} {'ok' if ratio <= target else 'MISSED'}"

        r_ratio, w_ratio = wr / pr if pr else float("nan"), ws / ps if ps else float("nan")
        print(f"{phase:9} {wr:12.0f} {pr:9.0f} {r_ratio:6.2f} {verdict(r_ratio, req_target):>10}   "
              f"{ws:10.1f} {ps:7.1f} {w_ratio:6.2f} {verdict(w_ratio, wall_target):>10}")
    print("\nrequests: counted at a proxy in front of the endpoint (same for both sides); "
          "wall: whole ansible-playbook runs, medians over rounds")


if __name__ == "__main__":
    sys.exit(main())
