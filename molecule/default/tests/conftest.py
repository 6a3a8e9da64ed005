"""Fixtures for the Molecule verifier: the instances (testinfra hosts over `docker exec`,
plus their IP for real HTTP from the host), the fixture manifest, and a runner that
applies converge.yml again with extra vars through the Molecule inventory.

Molecule runs these tests with MOLECULE_* set; running them by hand after
`molecule converge` works the same (run_molecule.sh verify).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
import testinfra
import yaml

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
SCENARIO = Path(os.environ.get("MOLECULE_SCENARIO_DIRECTORY", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(PROJECT / "tests" / "web"))

from webcheck import container_ip  # noqa: E402

SITE_LINK = "/usr/share/nginx/html/Fastcampus-web-deploy"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run these tests through molecule (tests/web/run_molecule.sh)", 2)
    return value


def inventory_hosts() -> list[str]:
    """Instance names from the Molecule inventory's `web` group."""
    inv_dir = Path(_env("MOLECULE_EPHEMERAL_DIRECTORY")) / "inventory"
    names: set[str] = set()
    for f in inv_dir.glob("*.yml"):
        data = yaml.safe_load(f.read_text()) or {}
        for group, body in data.items():
            if group == "web" and body:
                names.update((body.get("hosts") or {}).keys())
    if not names:
        pytest.exit(f"no hosts in group web under {inv_dir}", 2)
    return sorted(names)


@dataclass
class Instance:
    name: str
    ip: str
    host: Any  # testinfra.host.Host

    @property
    def url(self) -> str:
        return f"http://{self.ip}"

    @property
    def systemd(self) -> bool:
        return self.host.file("/run/systemd/system").is_directory


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "instance_name" in metafunc.fixturenames:
        metafunc.parametrize("instance_name", inventory_hosts(), scope="module")


@pytest.fixture(scope="module")
def instance(instance_name: str) -> Instance:
    return Instance(instance_name, container_ip(instance_name), testinfra.get_host(f"docker://{instance_name}"))


@pytest.fixture(scope="session")
def instances() -> list[Instance]:
    return [Instance(n, container_ip(n), testinfra.get_host(f"docker://{n}")) for n in inventory_hosts()]


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    """What the fixture builder wrote: commit ids, markers, repo URL (host side)."""
    return json.loads((Path(_env("MOLECULE_EPHEMERAL_DIRECTORY")) / "fixture" / "fixture.json").read_text())


@dataclass
class PlayResult:
    rc: int
    stats: dict[str, dict[str, int]]
    failures: dict[str, list[str]]  # host -> messages of its failed tasks
    output: str

    def failed_hosts(self) -> set[str]:
        return {h for h, s in self.stats.items() if s.get("failures") or s.get("unreachable")}


def _failures(report: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for host, res in task.get("hosts", {}).items():
                if res.get("failed") and not res.get("ignore_errors"):
                    msg = res.get("msg") or res.get("stderr") or json.dumps(res)[:2000]
                    out.setdefault(host, []).append(f"{task['task']['name']}: {msg}")
    return out


@pytest.fixture(scope="session")
def converge() -> Callable[..., PlayResult]:
    """Run converge.yml (or another playbook of the scenario: ``playbook=``) against the Molecule
    instances with the given extra vars."""
    inventory = _env("MOLECULE_INVENTORY_FILE")

    def run(playbook: str = "converge.yml", **extra_vars: Any) -> PlayResult:
        env = {**os.environ, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_NOCOLOR": "1"}
        proc = subprocess.run(
            ["ansible-playbook", "-i", str(Path(inventory).parent), str(SCENARIO / playbook),
             "-e", json.dumps(extra_vars)],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900,
        )
        try:
            report = json.loads(proc.stdout[proc.stdout.index("{"):])
        except ValueError as exc:
            msg = f"ansible-playbook gave no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            raise AssertionError(msg) from exc
        return PlayResult(proc.returncode, report.get("stats", {}), _failures(report), proc.stdout + proc.stderr)

    return run
