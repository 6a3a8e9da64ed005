"""End to end: playbooks/infra.yml and playbooks/teardown.yml against a fresh local endpoint.

fresh endpoint -> `--check` (nothing created, nothing fails) -> infra.yml -> independent boto3
assertions of every SPEC value -> rerun (changed=0) -> teardown.yml (no resource left, the endpoint
the test started keeps running) -> teardown again (changed=0) -> infra.yml rebuilds from nothing.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fleet import Endpoint, assert_spec, playbook, resources

pytestmark = pytest.mark.e2e


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/moto-api/", timeout=5).close()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_infra_build_rerun_teardown(aws: Endpoint, tmp_path: Path) -> None:
    empty = resources(aws)
    assert all(not v for v in empty.values()), empty

    # --check on the empty endpoint: does not fail, creates nothing
    playbook(aws, tmp_path, "infra.yml", "--check")
    assert resources(aws) == empty

    # build
    first = playbook(aws, tmp_path, "infra.yml")
    assert first["changed"] > 0
    assert_spec(aws)

    # rerun: nothing changes
    rerun = playbook(aws, tmp_path, "infra.yml")
    assert rerun["changed"] == 0, rerun
    assert rerun["failed"] == 0

    # teardown: nothing of SPEC section 8 is left; the endpoint (started by the test) keeps running
    playbook(aws, tmp_path, "teardown.yml")
    left = resources(aws)
    for kind, items in left.items():
        assert items == [], f"{kind} left after teardown: {items}"
    assert answers(aws.url), "teardown stopped an endpoint no playbook started"

    again = playbook(aws, tmp_path, "teardown.yml")
    assert again["changed"] == 0, again

    # and from nothing again (the lab's last homework)
    playbook(aws, tmp_path, "infra.yml")
    assert_spec(aws)
    playbook(aws, tmp_path, "teardown.yml")
    assert all(items == [] for items in resources(aws).values())
