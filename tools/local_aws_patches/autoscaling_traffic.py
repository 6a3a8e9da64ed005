"""Auto Scaling traffic sources (Attach/Describe/DetachTrafficSources; moto 5.2.5: HTTP 500), mapped
onto the group's classic LB names (type "elb") and target group ARNs (type "elbv2"); and
DetachLoadBalancers deregisters the group's instances only from the LBs being detached."""
from __future__ import annotations

from typing import Any

from ._registry import Add, Behaviour, Wrap

RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"


def split(self: Any) -> tuple[str, list[str], list[str]]:
    """The request's group, its classic LB names (type elb) and target group ARNs (type elbv2)."""
    from moto.autoscaling.exceptions import ValidationError

    name = self._get_param("AutoScalingGroupName")
    if name not in self.autoscaling_backend.autoscaling_groups:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    sources = self._get_param("TrafficSources", [])
    elbs, target_groups = [], []
    for source in sources:
        kind = source.get("Type") or ("elbv2" if source["Identifier"].startswith("arn:") else "elb")
        if kind == "elb":
            elbs.append(source["Identifier"])
        elif kind == "elbv2":
            target_groups.append(source["Identifier"])
        else:
            raise ValidationError(f"Traffic source type {kind} is not supported by the local endpoint")
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
    from moto.autoscaling.exceptions import ValidationError
    from moto.core.responses import ActionResult

    name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
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


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, attach_traffic_sources, f"{API}, AttachTrafficSources: types elb and elbv2"),
    Add(RESPONSE, detach_traffic_sources, f"{API}, DetachTrafficSources: types elb and elbv2"),
    Add(RESPONSE, describe_traffic_sources, f"{API}, DescribeTrafficSources: TrafficSourceType filter"),
    Wrap("moto.autoscaling.models:AutoScalingBackend", "detach_load_balancers", detach_load_balancers,
         f"{API}, DetachLoadBalancers: instances leave only the detached load balancers"),
]
