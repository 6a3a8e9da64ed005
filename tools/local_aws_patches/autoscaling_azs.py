"""Auto Scaling keeps a group balanced over its Availability Zones.

AWS launches each new instance in the group's AZ (subnet of VPCZoneIdentifier) with the fewest
instances, and on scale-in (Default termination policy) first terminates in the AZ with the most.
moto 5.2.5 launches every instance in the first subnet and removes the first instances listed.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from ._util import wrap


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


def apply() -> None:
    from moto.autoscaling.models import FakeAutoScalingGroup

    def replace_autoscaling_group_instances(original: Any, self: FakeAutoScalingGroup, count_needed: int,
                                            propagated_tags: dict[str, str]) -> None:
        zones = zone_subnets(self)
        if len(zones) < 2:
            original(self, count_needed, propagated_tags)
            return
        saved = (self.vpc_zone_identifier, self.availability_zones)
        try:
            for _ in range(count_needed):
                counts = Counter(s.availability_zone for s in self.instance_states)
                zone = min(zones, key=lambda z: counts[z])  # ties: the first listed AZ
                # the original launches in the first subnet / a random AZ of these: give it just one
                self.vpc_zone_identifier = zones[zone] if saved[0] else None
                self.availability_zones = [zone]
                original(self, 1, dict(propagated_tags))
        finally:
            self.vpc_zone_identifier, self.availability_zones = saved

    wrap(FakeAutoScalingGroup, "replace_autoscaling_group_instances", replace_autoscaling_group_instances)

    def set_desired_capacity(original: Any, self: FakeAutoScalingGroup, new_capacity: int | None) -> None:
        target = self.min_size if new_capacity is None else new_capacity
        surplus = len(self.active_instances()) - (target or 0)
        if surplus > 0:
            # moto removes the first unprotected instances listed: list first those AWS would pick,
            # one at a time from the AZ that has the most (oldest first within it).
            candidates = [s for s in self.instance_states if not s.protected_from_scale_in]
            counts = Counter(s.availability_zone for s in self.instance_states)
            chosen: list[Any] = []
            for _ in range(min(surplus, len(candidates))):
                zone = max((s.availability_zone for s in candidates), key=lambda z: counts[z])
                pick = next(s for s in candidates if s.availability_zone == zone)
                candidates.remove(pick)
                counts[zone] -= 1
                chosen.append(pick)
            self.instance_states = chosen + [s for s in self.instance_states if s not in chosen]
        original(self, new_capacity)

    wrap(FakeAutoScalingGroup, "set_desired_capacity", set_desired_capacity)
