"""Auto Scaling keeps a group balanced over its Availability Zones.

AWS launches each new instance in the group's AZ (subnet of VPCZoneIdentifier) with the fewest
instances, and on scale-in (Default termination policy) first terminates in the AZ with the most.
moto 5.2.5 launches every instance in the first subnet and removes the first instances listed.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ._registry import Behaviour, Wrap

GROUP = "moto.autoscaling.models:FakeAutoScalingGroup"


def zone_subnets(group: Any) -> dict[str, str | None]:
    """The group's AZs in order, each with its subnet (None without VPCZoneIdentifier)."""
    if group.vpc_zone_identifier:
        subnets = group.autoscaling_backend.ec2_backend.describe_subnets(
            subnet_ids=group.vpc_zone_identifier.split(","))
        by_id = {s.id: s.availability_zone for s in subnets}
        result: dict[str, str | None] = {}
        for subnet_id in group.vpc_zone_identifier.split(","):
            result.setdefault(by_id[subnet_id], subnet_id)
        return result
    return {zone: None for zone in group.availability_zones}


def replace_autoscaling_group_instances(original: Any, self: Any, count_needed: int,
                                        propagated_tags: dict[str, str]) -> None:
    """Each new instance in the AZ with the fewest instances (ties: the first listed AZ)."""
    zones = zone_subnets(self)
    if len(zones) < 2:
        original(self, count_needed, propagated_tags)
        return
    saved = (self.vpc_zone_identifier, self.availability_zones)
    try:
        for _ in range(count_needed):
            counts = Counter(s.availability_zone for s in self.instance_states)
            zone = min(zones, key=lambda z: counts[z])
            # the original launches in the first subnet / a random AZ of these: give it just one
            self.vpc_zone_identifier = zones[zone] if saved[0] else None
            self.availability_zones = [zone]
            original(self, 1, dict(propagated_tags))
    finally:
        self.vpc_zone_identifier, self.availability_zones = saved


def set_desired_capacity(original: Any, self: Any, new_capacity: int | None) -> None:
    """Scale-in terminates first in the AZ with the most instances (oldest first within it)."""
    target = self.min_size if new_capacity is None else new_capacity
    surplus = len(self.active_instances()) - (target or 0)
    if surplus > 0:
        # moto removes the first unprotected instances listed: list first those AWS would pick
        chosen = scale_in_order(self.instance_states, surplus)
        self.instance_states = chosen + [s for s in self.instance_states if s not in chosen]
    original(self, new_capacity)


def scale_in_order(states: list[Any], surplus: int) -> list[Any]:
    """The ``surplus`` unprotected instances AWS terminates, one at a time from the AZ that has the most."""
    candidates = [s for s in states if not s.protected_from_scale_in]
    counts = Counter(s.availability_zone for s in states)
    chosen: list[Any] = []
    for _ in range(min(surplus, len(candidates))):
        zone = max((s.availability_zone for s in candidates), key=lambda z: counts[z])
        pick = next(s for s in candidates if s.availability_zone == zone)
        candidates.remove(pick)
        counts[zone] -= 1
        chosen.append(pick)
    return chosen


BEHAVIOURS: list[Behaviour] = [
    Wrap(GROUP, "replace_autoscaling_group_instances", replace_autoscaling_group_instances,
         "Auto Scaling User Guide, \"Availability Zone distribution\": launch in the AZ with the fewest instances"),
    Wrap(GROUP, "set_desired_capacity", set_desired_capacity,
         "Auto Scaling User Guide, \"Default termination policy\": scale-in from the AZ with the most instances"),
]
