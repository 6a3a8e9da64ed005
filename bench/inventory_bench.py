#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: webfleet.aws.ec2 against amazon.aws.aws_ec2 on the local endpoint (prints figures; not a test).

    .venv/bin/python bench/inventory_bench.py --sizes 1000 5000 --runs 3

For each size it starts its own local endpoint (tools/local_aws.py serve on a free port), creates two
small real Auto Scaling groups plus loose instances up to the size, then, alternating the two plugins
in the same session, times ``ansible-inventory --list`` live (cache on, --flush-cache: a refresh) and
from cache (jsonfile), and the endpoint's own DescribeInstances paging alone (a plain boto3 loop,
1,000 a page, same filter). "own" = wall time minus that paging time: what the plugin (and
ansible-inventory around it) costs on top of waiting for the endpoint. "cpu" is the user+system CPU time
of the ansible-inventory process (the endpoint runs in another process), a figure less sensitive to
other load on the machine.

moto pages DescribeInstances by reservations, not instances (AWS counts instances), so with a few
large reservations the whole fleet comes in one response, which on a loaded machine takes longer than
the 60 s read timeout both plugins give botocore. The timed processes therefore run ansible-inventory
through a two-line shim that raises botocore's read timeout to 15 minutes, for both plugins alike.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "us-east-1"
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}

# The same query and construction for both plugins.
COMMON: dict[str, Any] = {
    "regions": [REGION],
    "filters": {"instance-state-name": "running"},
    "hostnames": ["instance-id"],
    "keyed_groups": [
        {"key": "tags.Role", "prefix": "role"},
        {"key": "instance_type", "prefix": "type"},
        {"key": "placement.availability_zone", "prefix": "zone"},
    ],
    "groups": {"big": "instance_type.startswith('m5')"},
    "compose": {"ansible_host": "private_ip_address"},
    "strict": False,
    "cache": True,
    "cache_plugin": "ansible.builtin.jsonfile",
    "cache_timeout": 86400,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_endpoint(port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(ROOT / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"endpoint exited: see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).close()
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("endpoint did not answer")


def client(service: str, url: str) -> Any:
    # moto renders a 1,000-instance page slowly, more so on a loaded machine: do not let the reference loop time out
    return boto3.client(service, region_name=REGION, endpoint_url=url, config=Config(read_timeout=900),
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def create_fleet(url: str, size: int) -> None:
    ec2, asg = client("ec2", url), client("autoscaling", url)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    asg.create_launch_configuration(LaunchConfigurationName="bench-lc", ImageId=image, InstanceType="t3.micro")
    members = 0
    for name, count in (("bench-web", 3), ("bench-api", 2)):
        asg.create_auto_scaling_group(AutoScalingGroupName=name, LaunchConfigurationName="bench-lc", MinSize=count,
                                      MaxSize=count, DesiredCapacity=count, AvailabilityZones=ZONES[:2])
        members += count
    left, batch = size - members, 0
    while left > 0:
        n = min(500, left)
        ec2.run_instances(
            ImageId=image, MinCount=n, MaxCount=n, InstanceType=["t3.micro", "t3.small", "m5.large"][batch % 3],
            Placement={"AvailabilityZone": ZONES[batch % len(ZONES)]},
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "Name", "Value": f"bench-{batch}"}, {"Key": "Role", "Value": ["web", "api", "db"][batch % 3]},
                {"Key": "Shard", "Value": str(batch // 2)}]}],
        )
        left -= n
        batch += 1


def paging_time(url: str) -> tuple[float, int]:
    ec2 = client("ec2", url)
    started = time.perf_counter()
    count = 0
    for page in ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "instance-state-name", "Values": ["running"]}], PaginationConfig={"PageSize": 1000}):
        count += sum(len(r["Instances"]) for r in page["Reservations"])
    return time.perf_counter() - started, count


SHIM = """
import sys
import botocore.config

_init = botocore.config.Config.__init__


def _patient(self, *args, **kwargs):
    kwargs["read_timeout"] = 900
    _init(self, *args, **kwargs)


botocore.config.Config.__init__ = _patient
sys.argv[0] = "ansible-inventory"
from ansible.cli.inventory import main
main()
"""


def run(config: Path, env: dict[str, str], flush: bool) -> tuple[float, float, dict[str, Any]]:
    cmd = [sys.executable, "-c", SHIM, "-i", str(config), "--list"] + (["--flush-cache"] if flush else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or not proc.stdout.startswith("{") or "Failed to parse" in proc.stderr:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(proc.stdout)


def plain(value: Any) -> Any:
    return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value


def summary(data: dict[str, Any]) -> tuple[int, int]:
    return len(data["_meta"]["hostvars"]), len([g for g in data if g != "_meta"])


def bench(size: int, runs: int, work: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_endpoint(port, work / f"endpoint-{size}.log")
    try:
        t0 = time.perf_counter()
        create_fleet(url, size)
        print(f"\n== {size} instances (created in {time.perf_counter() - t0:.0f}s), endpoint {url}", flush=True)
        env = {**os.environ, **CREDS, "AWS_ENDPOINT_URL": url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
               "ANSIBLE_INVENTORY_ENABLED": "webfleet.aws.ec2,amazon.aws.aws_ec2",
               "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true"}
        configs = {}
        for plugin, fname in (("webfleet.aws.ec2", f"bench{size}.ec2.yml"),
                              ("amazon.aws.aws_ec2", f"bench{size}.aws_ec2.yml")):
            cfg = {"plugin": plugin, **COMMON, "cache_connection": str(work / f"cache-{plugin}-{size}")}
            if plugin == "amazon.aws.aws_ec2":
                cfg["endpoint_url"] = url
            path = work / fname
            path.write_text(yaml.safe_dump(cfg))
            configs[plugin] = path
        times: dict[str, dict[str, list[float]]] = {p: {"live": [], "cached": [], "cpu_live": [], "cpu_cached": []}
                                                    for p in configs}
        paging: list[float] = []
        hosts: dict[str, set[str]] = {}
        for rep in range(runs):
            seconds, count = paging_time(url)
            paging.append(seconds)
            print(f"  run {rep + 1}: endpoint paging alone {seconds:.1f}s ({count} instances)", flush=True)
            for plugin, path in configs.items():
                wall, cpu, data = run(path, env, flush=True)
                times[plugin]["live"].append(wall)
                times[plugin]["cpu_live"].append(cpu)
                hosts[plugin] = {plain(v.get("instance_id")) for v in data["_meta"]["hostvars"].values()}
                wall_c, cpu_c, cached = run(path, env, flush=False)
                times[plugin]["cached"].append(wall_c)
                times[plugin]["cpu_cached"].append(cpu_c)
                same = "identical to live" if cached == data else "DIFFERENT from live"
                print(f"  run {rep + 1}: {plugin:20s} live {wall:6.1f}s (cpu {cpu:5.1f}s)  cached {wall_c:6.1f}s "
                      f"(cpu {cpu_c:5.1f}s)  hosts/groups {summary(data)}  cached {same}", flush=True)
        if len(set(map(frozenset, hosts.values()))) != 1:
            print("  WARNING: the two plugins listed different instances")
        return {"size": size, "paging": statistics.median(paging),
                "med": {p: {k: statistics.median(v) for k, v in t.items()} for p, t in times.items()}}
    finally:
        proc.terminate()
        proc.wait(30)


def report(results: list[dict[str, Any]], runs: int) -> None:
    print(f"\nMedians of {runs} alternating run(s); own = live wall - endpoint paging alone")
    print(f"{'hosts':>6} {'plugin':20s} {'live':>7} {'own':>7} {'cached':>7} {'cpu live':>9} {'cpu cached':>10}")
    for r in results:
        for plugin, m in r["med"].items():
            own = m["live"] - r["paging"]
            print(f"{r['size']:>6} {plugin:20s} {m['live']:7.1f} {own:7.1f} {m['cached']:7.1f} "
                  f"{m['cpu_live']:9.1f} {m['cpu_cached']:10.1f}")
        ours, theirs = r["med"]["webfleet.aws.ec2"], r["med"]["amazon.aws.aws_ec2"]
        own_ours, own_theirs = ours["live"] - r["paging"], theirs["live"] - r["paging"]
        print(f"{r['size']:>6} endpoint paging alone {r['paging']:.1f}s | ratios webfleet/aws_ec2: "
              f"cached {ours['cached'] / theirs['cached']:.3f} (target <= 0.1), "
              f"live own {own_ours / own_theirs:.3f} (target <= 0.2), "
              f"cpu live {ours['cpu_live'] / theirs['cpu_live']:.3f}, "
              f"cpu cached {ours['cpu_cached'] / theirs['cpu_cached']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3, help="alternating runs per plugin and size")
    parser.add_argument("--nice", type=int, default=0,
                        help="scheduling priority change for the benchmark, its endpoint and the runs (e.g. -10 as root"
                             " on a machine shared with other work, to keep other load from dominating the figures)")
    args = parser.parse_args()
    if args.nice:
        os.nice(args.nice)
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as tmp:
        results = [bench(size, args.runs, Path(tmp)) for size in args.sizes]
    report(results, args.runs)


if __name__ == "__main__":
    main()
