"""Issue 10 item 2, the playbooks' side: webfleet_admin_cidr and webfleet_bake_ssh_cidr that open SSH
to the world (however written) fail the playbook at its first task, naming the variable, with nothing
made. The CIDR parsing itself is unit-tested (tests/unit/test_ssh_guard.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet import Endpoint, resources, run

pytestmark = pytest.mark.e2e

# the spellings the old text compare let through, each variable, and site.yml failing before its bake
CASES = [
    ("playbooks/infra.yml", "webfleet_admin_cidr", "0.0.0.0/00"),
    ("playbooks/infra.yml", "webfleet_admin_cidr", ["0.0.0.0/1", "128.0.0.0/1"]),
    ("playbooks/infra.yml", "webfleet_admin_cidr", "10.0.0.0/7"),
    ("playbooks/bake_ami.yml", "webfleet_bake_ssh_cidr", "0.0.0.0/1,128.0.0.0/1"),
    ("playbooks/bake_ami.yml", "webfleet_bake_ssh_cidr", "::/0"),
    ("site.yml", "webfleet_admin_cidr", "0.0.0.0/0.0.0.0"),
]


@pytest.mark.parametrize(("book", "var", "cidr"), CASES, ids=[f"{b}-{v}-{c}" for b, v, c in CASES])
def test_item2_world_ssh_variable_refused(aws: Endpoint, tmp_path: Path, book: str, var: str, cidr: object) -> None:
    empty = resources(aws)
    result = run(aws, tmp_path, book, "-e", json.dumps({var: cidr}))
    assert result.rc != 0, result.output[-3000:]
    assert f"{var}: " in result.output and ("every IPv" in result.output or "wider than /8" in result.output), \
        result.output[-3000:]
    assert result.recap["localhost"]["changed"] == 0, result.recap
    assert resources(aws) == empty
