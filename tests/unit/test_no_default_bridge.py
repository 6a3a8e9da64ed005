"""The local mode never depends on Docker's default bridge (issue: a Docker engine started for the first
time records no Gateway for it, and `tools/webfleet up` failed on such an engine).

The behaviour is tested where it happens (tests/endpoint/test_instance_containers.py: instances run
on the `webfleet` network only, `local_aws.py network` makes it and prints its gateway; tests/e2e: the
whole local flow on this machine's engine). This test keeps the default bridge out of every file the
local mode runs, so a later change cannot quietly bring the dependency back.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIME = ["playbooks", "roles", "tools", "inventories", "site.yml"]
# reading the bridge's addresses, or putting a container on it by name
BRIDGE = re.compile(r"network\s+inspect\s+bridge|--network[ =,\"']+bridge\b|NetworkSettings\.Gateway|docker0")


def run_time_files() -> list[Path]:
    files: list[Path] = []
    for entry in RUN_TIME:
        path = ROOT / entry
        found = [path] if path.is_file() else path.rglob("*")
        files += [p for p in found if p.is_file() and "__pycache__" not in p.parts]
    return files


def test_no_run_time_file_reads_the_default_bridge() -> None:
    files = run_time_files()
    assert len(files) > 50  # the scan really covers the playbooks, roles and tools
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in files
                 for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1) if BRIDGE.search(line)]
    assert offenders == []


def test_the_scan_finds_what_the_old_code_did() -> None:
    # the line that broke a fresh engine (playbooks/tasks/local_site_repo.yml before the fix)
    old = "ansible.builtin.command: docker network inspect bridge --format '{{ (index .IPAM.Config 0).Gateway }}'"
    assert BRIDGE.search(old)
