#!/usr/bin/env python3
"""The local Classic LB data plane's cost: wrk through the LB's 127.0.0.N vs straight to an instance.

    .venv/bin/python bench/lb_bench.py [--duration 10] [--connections 16] [--runs 1] [--json FILE]

Starts its own endpoint (tools/local_aws.py serve on a free port), makes an LB (HTTP 80 -> 80) with
two instances of the real nginx image of tests/lab_nginx.py in two zones, waits until both are
InService, then, in the same run, `wrk -t2 -c<connections> -d<duration>s --latency` on /index.html:

- "lb": the LB's loopback address (the endpoint's asyncio data plane, round robin per request),
- "direct": one instance container's address (no proxy: the ceiling),
- "nginx-proxy": a third container of the same image configured as a reverse proxy (upstream with
  keepalive) to the two instances, the second candidate for the data plane.

Cases alternate run by run; the median run is printed. Load goes only to 127.0.0.0/8 and the
project's own containers. Everything it started is removed at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from harness import Endpoint, free_port, spawn  # noqa: E402
from lab_nginx import NGINX_IMAGE, build_nginx_image  # noqa: E402

PROXY_CONF = """\
upstream instances {{ server {a}:80; server {b}:80; keepalive 32; }}
server {{
    listen 80 default_server;
    access_log off;
    location / {{
        proxy_pass http://instances;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
}}
"""


def docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=False)


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50_ms": latency("50"), "p99_ms": latency("99"),
            "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def lab(endpoint: Endpoint) -> dict[str, Any]:
    with urllib.request.urlopen(f"{endpoint.url}/moto-api/webfleet/lab", timeout=5) as resp:
        return json.load(resp)


def make_fleet(endpoint: Endpoint) -> tuple[str, list[str], str]:
    """(the LB's URL, the two instances' container addresses, their Docker network)."""
    ec2, elb = endpoint.client("ec2"), endpoint.client("elb")
    image_id = endpoint.register_image("ec2-nginx-ami")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "webfleet:docker-image", "Value": NGINX_IMAGE}])
    elb.create_load_balancer(LoadBalancerName="bench-lb", AvailabilityZones=["us-east-1a", "us-east-1b"],
                             Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP",
                                         "InstancePort": 80}])
    elb.configure_health_check(LoadBalancerName="bench-lb", HealthCheck={
        "Target": "HTTP:80/index.html", "Interval": 5, "Timeout": 2, "UnhealthyThreshold": 2, "HealthyThreshold": 2})
    ids = [ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             Placement={"AvailabilityZone": z})["Instances"][0]["InstanceId"]
           for z in ("us-east-1a", "us-east-1b")]
    elb.register_instances_with_load_balancer(LoadBalancerName="bench-lb", Instances=[{"InstanceId": i} for i in ids])
    end = time.monotonic() + 60
    while len(lab(endpoint)["load_balancers"].get("bench-lb", {}).get("in_service", [])) < 2:
        if time.monotonic() > end:
            raise SystemExit("the instances did not get InService within 60 s")
        time.sleep(0.3)
    template = '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
    addresses = [docker("inspect", "-f", template, f"webfleet-{i}").stdout.strip() for i in ids]
    network = docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}",
                     f"webfleet-{ids[0]}").stdout.strip()
    return lab(endpoint)["load_balancers"]["bench-lb"]["url"], addresses, network


def start_proxy(addresses: list[str], network: str, workdir: Path) -> tuple[str, str]:
    """The nginx reverse proxy container: (its name, its URL)."""
    conf = workdir / "proxy.conf"
    conf.write_text(PROXY_CONF.format(a=addresses[0], b=addresses[1]))
    conf.chmod(0o644)
    name = f"webfleet-lbbench-proxy-{os.getpid()}"
    run = docker("run", "-d", "--pull", "never", "--name", name, "--network", network,
                 "-v", f"{conf}:/etc/nginx/sites-enabled/default:ro", NGINX_IMAGE)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    address = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()
    for _ in range(50):
        try:
            urllib.request.urlopen(f"http://{address}/index.html", timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return name, f"http://{address}"


def measure(cases: dict[str, str], runs: int, duration: int, connections: int) -> dict[str, dict[str, float]]:
    """Each case ``runs`` times, alternating the order; the run with the median requests/s."""
    results: dict[str, list[dict[str, float]]] = {case: [] for case in cases}
    for run in range(runs):
        for case in (list(cases) if run % 2 == 0 else list(reversed(cases))):
            results[case].append(wrk(cases[case], duration, connections))
    median = {}
    for case, found in results.items():
        middle = statistics.median_low([r["rps"] for r in found])
        median[case] = next(r for r in found if r["rps"] == middle)
    return median


def report(median: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    print(f"wrk -t2 -c{args.connections} -d{args.duration}s --latency /index.html, median of {args.runs} run(s)")
    print(f"{'case':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'sock err':>9} {'vs direct':>9}")
    direct = median["direct"]["rps"]
    for case, r in median.items():
        print(f"{case:<12} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['non_2xx']:>8.0f} "
              f"{r['socket_errors']:>9.0f} {r['rps'] / direct:>8.2f}x")
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.1f}; CPUs: {os.cpu_count()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-nginx-proxy", action="store_true", help="skip the nginx reverse proxy case")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    build_nginx_image()
    port = free_port()
    proxy = ""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"WEBFLEET_LAB_SPEED": "10", "WEBFLEET_LAB_DNS_PORT": "0"})
        proc = spawn([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                     f"http://127.0.0.1:{port}/moto-api/", Path(tmp) / "endpoint.log")
        try:
            url, addresses, network = make_fleet(Endpoint(f"http://127.0.0.1:{port}"))
            cases = {"lb": f"{url}/index.html", "direct": f"http://{addresses[0]}/index.html"}
            if not args.no_nginx_proxy:
                proxy, proxy_url = start_proxy(addresses, network, Path(tmp))
                cases["nginx-proxy"] = f"{proxy_url}/index.html"
            median = measure(cases, args.runs, args.duration, args.connections)
        finally:
            if proxy:
                docker("rm", "-f", proxy)
            ids = docker("ps", "-aq", "--filter", f"label=webfleet.local-aws.port={port}").stdout.split()
            if ids:
                docker("rm", "-f", *ids)
            proc.terminate()
            proc.wait(10)
    report(median, args)
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": str(args.json)}, "median": median}, indent=2))


if __name__ == "__main__":
    main()
