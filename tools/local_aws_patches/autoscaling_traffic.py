"""Auto Scaling traffic sources (Attach/Describe/DetachTrafficSources; moto 5.2.5: HTTP 500), mapped
onto the group's classic LB names (type "elb") and target group ARNs (type "elbv2"); and
DetachLoadBalancers deregisters the group's instances only from the LBs being detached."""
from __future__ import annotations

from typing import Any

from ._util import wrap


def apply() -> None:
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.models import AutoScalingBackend
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult, EmptyResult

    def split(self: AutoScalingResponse) -> tuple[str, list[str], list[str]]:
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

    def attach_traffic_sources(self: AutoScalingResponse) -> ActionResult:
        name, elbs, target_groups = split(self)
        if elbs:
            self.autoscaling_backend.attach_load_balancers(name, elbs)
        if target_groups:
            self.autoscaling_backend.attach_load_balancer_target_groups(name, target_groups)
        return EmptyResult()

    def detach_traffic_sources(self: AutoScalingResponse) -> ActionResult:
        name, elbs, target_groups = split(self)
        if elbs:
            self.autoscaling_backend.detach_load_balancers(name, elbs)
        if target_groups:
            self.autoscaling_backend.detach_load_balancer_target_groups(name, target_groups)
        return EmptyResult()

    def describe_traffic_sources(self: AutoScalingResponse) -> ActionResult:
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

    for func in (attach_traffic_sources, detach_traffic_sources, describe_traffic_sources):
        setattr(AutoScalingResponse, func.__name__, func)

    # AWS: detaching LB "a" leaves the instances registered with the group's other LBs; moto
    # deregistered them from every LB of the group.
    def detach_load_balancers(_original: Any, self: AutoScalingBackend, group_name: str,
                              load_balancer_names: list[str]) -> None:
        group = self.autoscaling_groups[group_name]
        instance_ids = {state.instance.id for state in group.instance_states}
        for lb_name in load_balancer_names:
            if lb_name in group.load_balancer_names and lb_name in self.elb_backend.load_balancers:
                self.elb_backend.deregister_instances(lb_name, instance_ids, from_autoscaling=True)
        group.load_balancer_names = [x for x in group.load_balancer_names if x not in load_balancer_names]

    wrap(AutoScalingBackend, "detach_load_balancers", detach_load_balancers)
