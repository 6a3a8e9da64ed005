#!/usr/bin/env python3
"""Traffic through the local load balancer before and during a rollout (issue 11 item 6).

    .venv/bin/python bench/rollout_bench.py [--endpoint http://127.0.0.1:5000] [--lb nginx-lb]
        [--before 10] [--connections 8] [--max-seconds 900] [--path /] [--json FILE]
        -- ansible-playbook playbooks/deploy.yml -e site_version=stage

Against a running local lab (e.g. after `./tools/webfleet up`, the group at 2 instances): takes the
LB's local URL from GET /moto-api/webfleet/lab (only a 127.0.0.0/8 address is accepted), sends
requests from ``--connections`` keep-alive connections for ``--before`` seconds, then again while
the command after ``--`` runs (at most ``--max-seconds``), and prints for each phase: requests,
requests/s, latency p50/p90/p99/max, non-2xx responses and socket errors (a connection that fails,
resets or times out; the client reconnects). Exit status 1 when the rollout phase had any non-2xx
response or socket error, or the command failed.
"""
from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)  # seconds, of 2xx responses
    non_2xx: int = 0
    socket_errors: int = 0
    seconds: float = 0.0

    def summary(self) -> dict[str, float]:
        ms = sorted(x * 1000 for x in self.latencies)
        def pct(p: float) -> float:
            return ms[min(len(ms) - 1, int(p / 100 * len(ms)))] if ms else 0.0
        total = len(ms) + self.non_2xx
        return {"requests": total, "rps": total / self.seconds if self.seconds else 0.0,
                "p50_ms": pct(50), "p90_ms": pct(90), "p99_ms": pct(99), "max_ms": ms[-1] if ms else 0.0,
                "mean_ms": statistics.fmean(ms) if ms else 0.0,
                "non_2xx": self.non_2xx, "socket_errors": self.socket_errors}


class Load:
    """``connections`` threads, each a keep-alive client looping GET ``path`` until stopped."""

    def __init__(self, url: str, path: str, connections: int) -> None:
        parsed = urlparse(url)
        self.host, self.port, self.path = str(parsed.hostname), parsed.port or 80, path
        if not ipaddress.ip_address(self.host).is_loopback:
            raise SystemExit(f"refusing to send load to {self.host}: only 127.0.0.0/8")
        self.connections = connections
        self.lock = threading.Lock()

    def run(self, phase: Phase, stop: threading.Event) -> None:
        started = time.monotonic()
        threads = [threading.Thread(target=self.client, args=(phase, stop), daemon=True)
                   for _ in range(self.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        phase.seconds = time.monotonic() - started

    def client(self, phase: Phase, stop: threading.Event) -> None:
        conn: http.client.HTTPConnection | None = None
        while not stop.is_set():
            conn = conn or http.client.HTTPConnection(self.host, self.port, timeout=10)
            began = time.monotonic()
            try:
                conn.request("GET", self.path)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                with self.lock:
                    phase.socket_errors += 1
                continue
            with self.lock:
                if 200 <= resp.status < 300:
                    phase.latencies.append(time.monotonic() - began)
                else:
                    phase.non_2xx += 1
            if resp.will_close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def lb_url(endpoint: str, name: str) -> str:
    with urllib.request.urlopen(f"{endpoint}/moto-api/webfleet/lab", timeout=10) as resp:
        lbs = json.load(resp).get("load_balancers", {})
    if name not in lbs:
        raise SystemExit(f"no load balancer {name!r} in the lab: {sorted(lbs)}")
    return str(lbs[name]["url"])


def measure(load: Load, before: float, command: list[str], max_seconds: float) -> tuple[dict[str, Phase], int]:
    phases = {"before": Phase(), "during": Phase()}
    stop = threading.Event()
    timer = threading.Timer(before, stop.set)
    timer.start()
    load.run(phases["before"], stop)
    stop = threading.Event()
    runner = threading.Thread(target=load.run, args=(phases["during"], stop), daemon=True)
    runner.start()
    try:
        rc = subprocess.run(command, timeout=max_seconds, check=False).returncode
    except subprocess.TimeoutExpired:
        rc = -1
    stop.set()
    runner.join()
    return phases, rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--endpoint", default="http://127.0.0.1:5000")
    ap.add_argument("--lb", default="nginx-lb")
    ap.add_argument("--before", type=float, default=10.0)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--max-seconds", type=float, default=900.0)
    ap.add_argument("--path", default="/")
    ap.add_argument("--json", type=Path)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("the rollout command goes after --")
    load = Load(lb_url(args.endpoint, args.lb), args.path, args.connections)
    phases, rc = measure(load, args.before, command, args.max_seconds)
    summary: dict[str, Any] = {name: p.summary() for name, p in phases.items()}
    print(f"{'phase':<8} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'non-2xx':>8} {'sock err':>8}")
    for name, s in summary.items():
        print(f"{name:<8} {s['requests']:>9.0f} {s['rps']:>8.1f} {s['p50_ms']:>8.2f} {s['p90_ms']:>8.2f} "
              f"{s['p99_ms']:>8.2f} {s['max_ms']:>8.1f} {s['non_2xx']:>8.0f} {s['socket_errors']:>8.0f}")
    print(f"rollout command exit status: {rc}; rollout phase {phases['during'].seconds:.1f} s")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "rc": rc, **summary}, indent=2))
    during = summary["during"]
    return 0 if rc == 0 and during["non_2xx"] == 0 and during["socket_errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
