"""Auto Scaling traffic sources (Attach/Describe/DetachTrafficSources; moto 5.2.5: HTTP 500), mapped
onto the group's classic LB names (type "elb") and target group ARNs (type "elbv2");
DetachLoadBalancers deregisters the group's instances only from the LBs being detached; and an
instance Auto Scaling terminates (scale-in, TerminateInstanceInAutoScalingGroup, instance refresh)
leaves its load balancers first, after connection draining (moto terminated it while the LB still
routed to it). An instance terminated through EC2 is not drained, as on AWS.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._registry import Add, Behaviour, Wrap
from ._util import validation_error

_terminating = threading.local()  # depth of Auto Scaling calls under way in this thread that terminate

RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"


def split(self: Any) -> tuple[str, list[str], list[str]]:
    """The request's group, its classic LB names (type elb) and target group ARNs (type elbv2)."""
    name = self._get_param("AutoScalingGroupName")
    if name not in self.autoscaling_backend.autoscaling_groups:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    sources = self._get_param("TrafficSources", [])
    elbs, target_groups = [], []
    for source in sources:
        kind = source.get("Type") or ("elbv2" if source["Identifier"].startswith("arn:") else "elb")
        if kind == "elb":
            elbs.append(source["Identifier"])
        elif kind == "elbv2":
            target_groups.append(source["Identifier"])
        else:
            raise validation_error(f"Traffic source type {kind} is not supported by the local endpoint")
    return name, elbs, target_groups


def attach_traffic_sources(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name, elbs, target_groups = split(self)
    if elbs:
        self.autoscaling_backend.attach_load_balancers(name, elbs)
    if target_groups:
        self.autoscaling_backend.attach_load_balancer_target_groups(name, target_groups)
    return EmptyResult()


def detach_traffic_sources(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    name, elbs, target_groups = split(self)
    if elbs:
        self.autoscaling_backend.detach_load_balancers(name, elbs)
    if target_groups:
        self.autoscaling_backend.detach_load_balancer_target_groups(name, target_groups)
    return EmptyResult()


def describe_traffic_sources(self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    kind = self._get_param("TrafficSourceType")
    rows = [{"TrafficSource": n, "Identifier": n, "Type": "elb", "State": "InService"}
            for n in group.load_balancer_names]
    rows += [{"TrafficSource": a, "Identifier": a, "Type": "elbv2", "State": "InService"}
             for a in group.target_group_arns]
    return ActionResult({"TrafficSources": [r for r in rows if not kind or r["Type"] == kind]})


def detach_load_balancers(_original: Any, self: Any, group_name: str, load_balancer_names: list[str]) -> None:
    """AWS: detaching LB "a" leaves the instances registered with the group's other LBs; moto
    deregistered them from every LB of the group."""
    group = self.autoscaling_groups[group_name]
    instance_ids = {state.instance.id for state in group.instance_states}
    for lb_name in load_balancer_names:
        if lb_name in group.load_balancer_names and lb_name in self.elb_backend.load_balancers:
            self.elb_backend.deregister_instances(lb_name, instance_ids, from_autoscaling=True)
    group.load_balancer_names = [x for x in group.load_balancer_names if x not in load_balancer_names]


@contextmanager
def group_terminating() -> Iterator[None]:
    """Terminations in this block are Auto Scaling's (they drain first)."""
    depth = getattr(_terminating, "depth", 0)
    _terminating.depth = depth + 1
    try:
        yield
    finally:
        _terminating.depth = depth


def set_desired_capacity(original: Any, self: Any, new_capacity: int | None) -> None:
    with group_terminating():
        original(self, new_capacity)


def terminate_instance(original: Any, self: Any, instance_id: str, should_decrement: bool) -> Any:
    with group_terminating():
        return original(self, instance_id, should_decrement)


def terminate_instances(original: Any, self: Any, instance_ids: list[str]) -> Any:
    if getattr(_terminating, "depth", 0):
        leave_load_balancers(self, instance_ids)
    return original(self, instance_ids)


def leave_load_balancers(ec2: Any, instance_ids: list[str]) -> None:
    """Deregister the instances from every classic LB of their region that has them, then wait
    until the data plane routes nothing new to them and their requests in flight are done."""
    from moto.elb.models import elb_backends

    from .elb_dataplane import withdraw

    elb = elb_backends[ec2.account_id][ec2.region_name]
    left: set[str] = set()
    for lb in list(elb.load_balancers.values()):
        mine = set(instance_ids) & set(lb.instance_ids)
        if mine:
            elb.deregister_instances(lb.name, mine, from_autoscaling=True)
            left |= mine
    withdraw(left)


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, attach_traffic_sources, f"{API}, AttachTrafficSources: types elb and elbv2"),
    Add(RESPONSE, detach_traffic_sources, f"{API}, DetachTrafficSources: types elb and elbv2"),
    Add(RESPONSE, describe_traffic_sources, f"{API}, DescribeTrafficSources: TrafficSourceType filter"),
    Wrap("moto.autoscaling.models:AutoScalingBackend", "detach_load_balancers", detach_load_balancers,
         f"{API}, DetachLoadBalancers: instances leave only the detached load balancers"),
    Wrap("moto.autoscaling.models:FakeAutoScalingGroup", "set_desired_capacity", set_desired_capacity,
         "Auto Scaling User Guide, \"Use Elastic Load Balancing\": scale-in deregisters, drains, then terminates"),
    Wrap("moto.autoscaling.models:AutoScalingBackend", "terminate_instance", terminate_instance,
         f"{API}, TerminateInstanceInAutoScalingGroup: the instance is deregistered and drained first"),
    Wrap("moto.ec2.models:EC2Backend", "terminate_instances", terminate_instances,
         "Auto Scaling User Guide, \"Connection draining\": Auto Scaling waits for in-flight requests before "
         "terminating"),
]
