"""deploy.yml's batch sizes and the instances it leaves alone (issue 13, item 9), on a real local fleet:
site.yml once, the group at two instances, then

- bad webfleet_deploy_serial values ("abc", "100%") are refused before anything changes, naming it
- webfleet_deploy_serial=50% on two instances: batches of one, no instance added, the LB never empty
- three instances, two already at the commit, webfleet_deploy_serial=2: those two are left alone
  (never out of the LB, nothing changed on them), the third is updated
- webfleet_deploy_serial=2 on two instances: one instance added for the rollout (a batch of two
  must leave one serving), all three updated in batches of two and one, the group back at two
(The rescue path -- rollback and back into the LB -- is tests/e2e/test_deploy.py's item 4.)
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fleet import Endpoint
from test_deploy import CAPACITY_TAG, group, lb_watch, resize, wait_until
from test_site import Fleet, needs_docker

pytestmark = pytest.mark.e2e

ROLLOUT_PLAY = "PLAY [Deploy | Roll the new version out]"


@pytest.fixture
def fleet(aws: Endpoint, tmp_path: Path) -> Any:
    made = Fleet(aws, tmp_path)
    yield made
    made.close()


def instance_hosts(run: Any) -> dict[str, dict[str, int]]:
    """The rollout's hosts in the PLAY RECAP (every host but localhost)."""
    return {h: c for h, c in run.recap.items() if h != "localhost"}


def sizes(aws: Endpoint) -> tuple[int, int, int]:
    """Min size, desired capacity, max size: what a deploy must give back as it found them."""
    g = group(aws)
    return g["MinSize"], g["DesiredCapacity"], g["MaxSize"]


def check_refusals(fleet: Fleet, two: list[str]) -> None:
    """Values no batch size can come from, or that take the whole group out at once: refused, nothing changed."""
    bad = deploy_serial(fleet, "stage", "abc", ok=False)
    assert bad.rc != 0 and "webfleet_deploy_serial must be a number of instances or a percentage" in bad.output
    assert "(got abc)" in bad.output, bad.output[-3000:]
    whole = deploy_serial(fleet, "stage", "100%", ok=False)
    assert whole.rc != 0 and "refused: with webfleet_deploy_serial=100%" in whole.output, whole.output[-3000:]
    assert "No capacity avoids that" in whole.output
    assert [fleet.marker(i) for i in two] == ["v1", "v1"] and fleet.in_service() == two


def deploy_serial(fleet: Fleet, version: str, serial: str, ok: bool = True) -> Any:
    return fleet.play("playbooks/deploy.yml", "-e", f"site_version={version}", "-e",
                      f"webfleet_deploy_serial={serial}", ok=ok)


@needs_docker
def test_deploy_serial_batches_and_instances_left_alone(aws: Endpoint, fleet: Fleet) -> None:
    fleet.play("site.yml")
    two = resize(aws, fleet, 2)
    assert [fleet.marker(i) for i in two] == ["v1", "v1"]
    check_refusals(fleet, two)

    # 50 % of two: one at a time, no capacity added, one instance serving throughout
    before = sizes(aws)
    with lb_watch(fleet) as in_lb:
        half = deploy_serial(fleet, "stage", "50%")
    assert half.output.count(ROLLOUT_PLAY) == 2, "50% of 2 instances is not two batches of one"
    assert in_lb and min(in_lb) >= 1 and max(in_lb) == 2, in_lb
    assert sizes(aws) == before and CAPACITY_TAG not in {t["Key"] for t in group(aws).get("Tags", [])}
    assert [fleet.marker(i) for i in two] == ["v2", "v2"] and fleet.in_service() == two

    # a third instance (the baked v1): the two at stage's commit are left alone, in the LB throughout
    three = resize(aws, fleet, 3)
    (new,) = set(three) - set(two)
    assert fleet.marker(new) == "v1"
    with lb_watch(fleet) as in_lb:
        partial = deploy_serial(fleet, "stage", "2")
    hosts = instance_hosts(partial)
    assert sorted(c["changed"] > 0 for c in hosts.values()) == [False, False, True], partial.recap
    assert in_lb and min(in_lb) >= 2, f"an instance already at the commit left the LB: {in_lb}"
    assert [fleet.marker(i) for i in three] == ["v2"] * 3 and fleet.in_service() == three

    # 2 of two instances: one more for the rollout, batches of two and one, then back to two
    two = resize(aws, fleet, 2)
    before = sizes(aws)
    with lb_watch(fleet) as in_lb:
        pair = deploy_serial(fleet, "master", "2")
    assert pair.output.count(ROLLOUT_PLAY) == 2, "3 instances 2 at a time is not two batches"
    assert len(instance_hosts(pair)) == 3, pair.recap
    assert in_lb and min(in_lb) >= 1 and max(in_lb) == 3, in_lb
    assert sizes(aws) == before and CAPACITY_TAG not in {t["Key"] for t in group(aws).get("Tags", [])}
    left = wait_until("the group back at two instances", lambda: len(ids := fleet.group_instances()) == 2 and ids)
    assert [fleet.marker(i) for i in left] == ["v1", "v1"] and fleet.in_service() == left
