#!/usr/bin/env python3
"""nginx as the distribution ships it vs. nginx as the roles configure it (issue 2, section 7).

Two containers from webfleet/debian12 (no init system, identical otherwise):
  (a) "distro": apt-get install nginx, the fixture site copied into the default
      document root (/var/www/html), the packaged configuration untouched;
  (b) "roles":  webfleet.aws.nginx + site + vhost applied with ansible-playbook over
      the community.docker.docker connection, deploying the same fixture from git.

Measured from the host, to the containers' IPs only:
  - requests/s with wrk (-t2 -c50 by default) for /index.html and
    /resources/css/bootstrap.min.css (without and with Accept-Encoding: gzip);
    cases alternate run by run, the median is reported;
  - bytes transferred for the album page plus every asset it links (the sum of the
    response bodies as sent), without and with Accept-Encoding: gzip.

Targets: (b) >= 1.0x (a) in requests/s; album with gzip <= 0.3x the uncompressed bytes.
Usage: bench/web_bench.py [--duration 10] [--runs 3] [--keep]   (about 5 minutes)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOP / "tests" / "web"))
sys.path.insert(0, str(TOP / "tools"))

import sample_site as site_fixture  # noqa: E402
from webcheck import container_ip, fetch, page_assets, wait_http  # noqa: E402

IMAGE = "webfleet/debian12:latest"
NAMES = {"distro": "webfleet-bench-distro", "roles": "webfleet-bench-roles"}
FIXTURE_MOUNT = "/srv/webfleet-fixture"
PLAYBOOK = """\
- name: Web tier for the benchmark
  hosts: web
  gather_facts: true
  roles:
    - role: webfleet.aws.nginx
    - role: webfleet.aws.site
    - role: webfleet.aws.vhost
"""
# Paths wrk hammers; the label says which Accept-Encoding it sends.
WRK_TARGETS = [
    ("/index.html", None),
    ("/resources/css/bootstrap.min.css", None),
    ("/resources/css/bootstrap.min.css", "gzip"),
]


def sh(*args: str, timeout: float = 600, check: bool = True) -> str:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} -> {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def remove_containers() -> None:
    for name in NAMES.values():
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def start_container(name: str, fixture_dir: Path) -> str:
    sh("docker", "run", "-d", "--name", name, "--label", "webfleet.bench=1",
       "-v", f"{fixture_dir}:{FIXTURE_MOUNT}:ro", IMAGE, "sleep", "infinity")
    return container_ip(name)


def setup_distro(name: str, site_dir: Path) -> None:
    """(a): the package's own configuration, the site copied into its document root."""
    sh("docker", "exec", name, "sh", "-c",
       "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive "
       "apt-get install -y -q --no-install-recommends nginx >/dev/null", timeout=900)
    sh("docker", "cp", f"{site_dir}/.", f"{name}:/var/www/html/")
    # No init system in the container: start the daemon if the package did not.
    sh("docker", "exec", name, "sh", "-c", "pgrep -x nginx >/dev/null || nginx")


def setup_roles(name: str, workdir: Path) -> None:
    """(b): the collection's roles, applied exactly as a user would."""
    (workdir / "bench.yml").write_text(PLAYBOOK)
    inventory = {"web": {
        "hosts": {name: {"ansible_connection": "community.docker.docker"}},
        "vars": {"site_repo": f"file://{FIXTURE_MOUNT}/site.git", "site_version": "master"},
    }}
    (workdir / "inventory.json").write_text(json.dumps(inventory))
    env = {**os.environ, "ANSIBLE_CONFIG": str(TOP / "ansible.cfg"),
           "ANSIBLE_COLLECTIONS_PATH": str(TOP / "collections"),
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["ansible-playbook", "-i", str(workdir / "inventory.json"), str(workdir / "bench.yml")],
                          cwd=TOP, env=env, capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(f"the roles failed on {name}:\n{proc.stdout[-5000:]}\n{proc.stderr[-2000:]}")


def wrk(url: str, encoding: str | None, duration: int, threads: int, connections: int) -> float:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    if encoding:
        args += ["-H", f"Accept-Encoding: {encoding}"]
    out = sh(*args, url, timeout=duration + 60)
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        raise RuntimeError(f"no Requests/sec in wrk output:\n{out}")
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw non-2xx answers from {url}:\n{out}")
    return float(m.group(1))


def album_bytes(base: str, page_path: str, gzip_ok: bool) -> tuple[int, int]:
    """(bytes, requests) for the album page and every asset it links, as transferred."""
    headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
    page = fetch(base + page_path, headers=headers)
    if page.status != 200:
        raise RuntimeError(f"{page.url} -> {page.status}")
    total, count = len(page.raw), 1
    for url in page_assets(page.text, page.url):
        r = fetch(url, headers=headers, follow=False)
        if r.status != 200:
            raise RuntimeError(f"{url} -> {r.status}")
        total += len(r.raw)
        count += 1
    return total, count


def machine() -> dict[str, str]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "kernel": platform.release(),
        "wrk": sh("wrk", "-v", check=False).splitlines()[0] if shutil.which("wrk") else "missing",
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    ap.add_argument("--runs", type=int, default=3, help="wrk runs per case and URL (default 3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--keep", action="store_true", help="leave the containers running")
    ap.add_argument("--json", type=Path, help="also write the results to this file")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    started = time.monotonic()
    remove_containers()
    with tempfile.TemporaryDirectory(prefix="webfleet-bench-") as tmp:
        work = Path(tmp)
        fixture = work / "fixture"
        site_fixture.build(fixture)
        site_dir = work / "site"
        for rel, content in site_fixture.site_files("v1").items():
            (site_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (site_dir / rel).write_text(content)
        try:
            ips = {case: start_container(name, fixture) for case, name in NAMES.items()}
            print(f"containers: {ips}", flush=True)
            with ThreadPoolExecutor(2) as pool:
                jobs = [pool.submit(setup_distro, NAMES["distro"], site_dir),
                        pool.submit(setup_roles, NAMES["roles"], work)]
                for job in jobs:
                    job.result()
            print(f"set up in {time.monotonic() - started:.0f}s", flush=True)
            bases = {case: f"http://{ip}" for case, ip in ips.items()}
            versions = {case: sh("docker", "exec", NAMES[case], "sh", "-c", "nginx -v 2>&1") for case in NAMES}
            for case, base in bases.items():
                wait_http(base + "/index.html")
                marker = site_fixture.MARKERS["v1"]
                r = fetch(base + "/index.html")
                if r.status != 200 or marker not in r.text:
                    raise RuntimeError(f"({case}) {base}/index.html does not serve the fixture: {r.status}")

            # Album page transfer: (a) has no short URL, so its page is fetched by its file path.
            album_paths = {"distro": "/page/album/index.html", "roles": "/album/"}
            transfer = {case: {enc: album_bytes(bases[case], album_paths[case], enc == "gzip")
                               for enc in ("identity", "gzip")} for case in NAMES}

            rps: dict[str, dict[str, list[float]]] = {case: {} for case in NAMES}
            for path, enc in WRK_TARGETS:
                key = path + (" (gzip)" if enc else "")
                for case in NAMES:  # warm-up: page cache, worker start, keep-alive
                    wrk(bases[case] + path, enc, 2, args.threads, args.connections)
                for _ in range(args.runs):
                    for case in NAMES:  # alternate so drift hits both cases alike
                        rps[case].setdefault(key, []).append(
                            wrk(bases[case] + path, enc, args.duration, args.threads, args.connections))
                print(f"measured {key}", flush=True)
        finally:
            if not args.keep:
                remove_containers()

    info = machine()
    print()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}, {info['wrk']}")
    print(f"nginx: (a) {versions['distro'].strip()}  (b) {versions['roles'].strip()}")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.runs} alternating runs, median")
    print()
    print(f"{'requests/s':<42}{'(a) distro':>12}{'(b) roles':>12}{'b/a':>8}")
    ratios: dict[str, float] = {}
    for key in rps["distro"]:
        a, b = statistics.median(rps["distro"][key]), statistics.median(rps["roles"][key])
        ratios[key] = b / a
        print(f"{key:<42}{a:>12.0f}{b:>12.0f}{b / a:>7.2f}x")
    print()
    print(f"{'album page + assets, bytes transferred':<42}{'(a) distro':>12}{'(b) roles':>12}")
    for enc in ("identity", "gzip"):
        label = f"Accept-Encoding: {enc} ({transfer['distro'][enc][1]} requests)"
        print(f"{label:<42}{transfer['distro'][enc][0]:>12}{transfer['roles'][enc][0]:>12}")
    album_ratio = {case: transfer[case]["gzip"][0] / transfer[case]["identity"][0] for case in NAMES}
    print(f"{'gzip / identity':<42}{album_ratio['distro']:>11.2f}x{album_ratio['roles']:>11.2f}x")
    print()
    # The target is about plain requests (wrk sends no Accept-Encoding). The gzip row is
    # shown because browsers do ask for gzip: (a) then still sends CSS uncompressed
    # (text/css is not in Debian's gzip_types), (b) compresses every response on the fly.
    plain = {k: r for k, r in ratios.items() if "(gzip)" not in k}
    rps_ok = all(r >= 1.0 for r in plain.values())
    album_ok = album_ratio["roles"] <= 0.3
    print(f"target (b) >= 1.0x (a) requests/s, plain requests: {'met' if rps_ok else 'NOT met'} "
          f"(lowest {min(plain.values()):.2f}x)")
    print(f"target album transfer <= 0.3x uncompressed: {'met' if album_ok else 'NOT met'} "
          f"({album_ratio['roles']:.2f}x)")
    print(f"total time {time.monotonic() - started:.0f}s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": info, "rps": rps, "transfer": transfer,
                                         "args": vars(args) | {"json": str(args.json)}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
