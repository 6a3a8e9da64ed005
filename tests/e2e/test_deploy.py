"""deploy.yml's failure paths against a real local fleet (issue 10, items 4-6): site.yml once, then

- item 6: the SPEC's single instance: the rollout adds an instance first and gives it back after; the
  load balancer has an InService instance at every moment; the group is back at its size
- item 5: an instance an earlier run left out of the load balancer is InService there after a deploy
- item 4: `nginx -s reload` fails after the link switch on two instances (one with a history of one
  release, as baked): the rollout stops, the instance serves the release it served when the deploy
  began and is InService in the load balancer
- item 6: a group that cannot grow (max size 1): the deploy refuses, naming webfleet_deploy_serial
  and the capacity, and changes nothing
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fleet import SPEC, Endpoint, lb_traffic
from test_site import Fleet, docker, needs_docker

CAPACITY_TAG = "webfleet:deploy-added-capacity"


@pytest.fixture
def fleet(aws: Endpoint, tmp_path: Path) -> Iterator[Fleet]:
    made = Fleet(aws, tmp_path)
    yield made
    made.close()


def wait_until(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(1)


def group(aws: Endpoint) -> dict[str, Any]:
    return aws.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[SPEC["webfleet_asg_name"]])["AutoScalingGroups"][0]


def resize(aws: Endpoint, fleet: Fleet, desired: int, max_size: int | None = None) -> list[str]:
    """Set the group's desired capacity and minimum (and max size); wait until that many serve,
    InService in the LB. The minimum too: the endpoint evaluates cpu-low on the idle instances'
    real CPU, and its scale-in would take a desired-only instance away again."""
    args = {"MaxSize": max_size} if max_size is not None else {}
    aws.client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName=SPEC["webfleet_asg_name"], DesiredCapacity=desired, MinSize=desired, **args)
    return wait_until(f"{desired} instance(s) InService in the group and the LB", lambda: (
        (ids := fleet.group_instances()) and len(ids) == desired and fleet.in_service() == ids and ids))


@contextmanager
def lb_watch(fleet: Fleet) -> Iterator[list[int]]:
    """How many instances are InService in the LB, sampled every 0.2 s while the block runs."""
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(len(fleet.in_service()))
            stop.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join(10)


def deploy(fleet: Fleet, version: str, ok: bool = True) -> Any:
    return fleet.play("playbooks/deploy.yml", "-e", f"site_version={version}", ok=ok)


class Checks:
    """The item each check belongs to and what went wrong: one run shows every item that fails."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def __call__(self, ok: Any, what: str) -> bool:
        if not ok:
            self.failed.append(what)
        return bool(ok)


@needs_docker
def test_deploy_items_4_5_6_keep_serving_and_put_instances_back(aws: Endpoint, fleet: Fleet) -> None:
    check = Checks()
    fleet.play("site.yml")
    (only,) = fleet.group_instances()
    assert fleet.marker(only) == "v1" and fleet.in_service() == [only]

    # item 6: the only instance. One more for the rollout, never an empty load balancer, then back to 1
    # ... and under traffic through the load balancer's local address, not one request fails
    with lb_watch(fleet) as in_lb, lb_traffic(aws) as traffic:
        deployed = deploy(fleet, "stage")
    figures = traffic.summary()
    check(figures["requests"] > 0 and figures["non_2xx"] == 0 and figures["socket_errors"] == 0,
          f"item 6: requests through the LB failed during the deploy: {figures}")
    check(in_lb and min(in_lb) >= 1, f"item 6: the LB had no InService instance during the deploy: {in_lb}")
    check(in_lb and max(in_lb) == 2 and "Add instances for the rollout" in deployed.output,
          "item 6: no instance added for the rollout")
    after = group(aws)
    check((after["MinSize"], after["DesiredCapacity"], after["MaxSize"]) == (1, 1, 3),
          f"item 6: group sizes not given back: {after['MinSize']}/{after['DesiredCapacity']}/{after['MaxSize']}")
    check(CAPACITY_TAG not in {t["Key"] for t in after.get("Tags", [])}, "item 6: the capacity tag stays")
    (kept,) = wait_until("the group back at one instance", lambda: len(ids := fleet.group_instances()) == 1 and ids)
    check(fleet.marker(kept) == "v2" and fleet.in_service() == [kept], "item 6: the instance left is not v2, InService")

    # item 5: an instance an earlier run left out of the load balancer goes back in
    two = resize(aws, fleet, 2)
    at_v2 = [i for i in two if fleet.marker(i) == "v2"]
    assert len(at_v2) == 1, "the new instance should run the baked commit (v1)"
    aws.client("elb").deregister_instances_from_load_balancer(
        LoadBalancerName=SPEC["webfleet_lb_name"], Instances=[{"InstanceId": at_v2[0]}])
    assert fleet.in_service() == sorted(set(two) - set(at_v2))
    deploy(fleet, "master")
    check([fleet.marker(i) for i in two] == ["v1", "v1"], "item 5: the deploy did not bring both to v1")
    check(fleet.in_service() == two, "item 5: an instance left out of the load balancer stays out after the deploy")
    # for the next step every instance in the LB, whatever the deploy left
    aws.client("elb").register_instances_with_load_balancer(
        LoadBalancerName=SPEC["webfleet_lb_name"], Instances=[{"InstanceId": i} for i in two])
    wait_until("both InService in the LB", lambda: fleet.in_service() == two)

    # item 4: the reload fails after the switch (history written or not): back on v1, back in the LB
    for instance_id in two:
        docker("exec", f"webfleet-{instance_id}", "sh", "-c",
               "cp /run/nginx.pid /run/nginx.pid.good && echo not-a-pid > /run/nginx.pid")
    stopped = deploy(fleet, "stage", ok=False)
    assert stopped.rc != 0 and "The rollout stops here" in stopped.output, stopped.output[-6000:]
    hosts = {h: c for h, c in stopped.recap.items() if h != "localhost"}
    assert len(hosts) == 1 and next(iter(hosts.values()))["failed"] == 1, stopped.recap
    assert "Reload nginx" in stopped.output
    check([fleet.marker(i) for i in two] == ["v1", "v1"], "item 4: not the release served when the deploy began")
    check(fleet.in_service() == two, "item 4: an instance was left out of the load balancer")
    for instance_id in two:
        docker("exec", f"webfleet-{instance_id}", "mv", "/run/nginx.pid.good", "/run/nginx.pid")

    # item 6: a group that cannot grow for the rollout: refused before anything changes
    if check(fleet.in_service() == two, "item 6: (not tried: an instance is out of the LB)"):
        (last,) = resize(aws, fleet, 1, max_size=1)
        refused = deploy(fleet, "stage", ok=False)
        check(refused.rc != 0 and "refused" in refused.output and "webfleet_deploy_serial=1" in refused.output
              and "max size 1" in refused.output, "item 6: the deploy of the only instance was not refused")
        check(fleet.group_instances() == [last] and fleet.in_service() == [last] and fleet.marker(last) == "v1",
              "item 6: the refused deploy changed the instance")
        check((group(aws)["MinSize"], group(aws)["DesiredCapacity"]) == (1, 1), "item 6: the refused deploy resized")
    assert not check.failed, "\n".join(check.failed)
