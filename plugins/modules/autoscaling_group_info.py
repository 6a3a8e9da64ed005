#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: autoscaling_group_info
short_description: Read one Auto Scaling group - sizes, instances and their states, recent activities
description:
  - Describes the Auto Scaling group O(name) with its instances (lifecycle and health states) and, with
    O(activities), its most recent scaling activities.
  - With O(wait_for), polls until the group matches (for example until two instances are C(InService)),
    reporting how long it waited; it fails after O(wait_timeout) naming what it waited for.
  - Never changes anything.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
options:
  name:
    description: The group's name.
    type: str
    required: true
  required:
    description: Fail (naming the group) when it does not exist; otherwise RV(exists) is C(false).
    type: bool
    default: true
  activities:
    description: How many of the newest scaling activities to return (0 for none).
    type: int
    default: 0
  wait_for:
    description: Poll until every given condition holds.
    type: dict
    suboptions:
      desired_capacity:
        description: The group's desired capacity equals this.
        type: int
      in_service:
        description: Exactly this many instances are C(InService) and C(Healthy).
        type: int
  wait_timeout:
    description: Seconds to wait with O(wait_for).
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Wait until the scale-out has two instances in service
  webfleet.aws.autoscaling_group_info:
    name: web-asg
    wait_for:
      desired_capacity: 2
      in_service: 2
    wait_timeout: 900
  register: grown

- name: Show the group's size
  ansible.builtin.debug:
    msg: "{{ grown.auto_scaling_group.desired_capacity }} desired, {{ grown.in_service }} in service"
"""

RETURN = r"""
exists:
  description: Whether the group exists.
  returned: always
  type: bool
auto_scaling_group:
  description:
    - The group in snake_case (as DescribeAutoScalingGroups reports it, tags as a list), with C(instances)
      (each with C(instance_id), C(lifecycle_state), C(health_status), C(availability_zone)). Empty when absent.
  returned: always
  type: dict
in_service:
  description: How many instances are C(InService) and C(Healthy).
  returned: always
  type: int
activities:
  description: The newest scaling activities in snake_case (C(description), C(status_code), C(start_time), ...).
  returned: when O(activities) > 0
  type: list
  elements: dict
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.autoscaling_groups import in_service_count
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSInfo


def matches(group: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    if not group:
        return False
    if wanted.get("desired_capacity") is not None and group["DesiredCapacity"] != wanted["desired_capacity"]:
        return False
    if wanted.get("in_service") is not None and in_service_count(group.get("Instances") or []) != wanted["in_service"]:
        return False
    return True


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    required=dict(type="bool", default=True),
    activities=dict(type="int", default=0),
    wait_for=dict(type="dict", options=dict(desired_capacity=dict(type="int"), in_service=dict(type="int"))),
    wait_timeout=dict(type="int", default=600),
)


class GroupInfo(AWSInfo):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def label(self) -> str:
        return f"the Auto Scaling group {self.params['name']}"

    def validate(self) -> None:
        p = self.params
        if not p["name"].strip():
            raise ParamError("name", "must be the group's name")
        if not 0 <= p["activities"] <= 100:
            raise ParamError("activities", "must be 0 to 100")
        self.wanted = {k: v for k, v in (p["wait_for"] or {}).items() if v is not None}
        for key, value in self.wanted.items():
            if value < 0:
                raise ParamError(f"wait_for.{key}", "must be 0 or more")
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", "must be 0 or more seconds")

    def group(self) -> dict[str, Any] | None:
        groups = self.autoscaling.describe_auto_scaling_groups(
            AutoScalingGroupNames=[self.params["name"]])["AutoScalingGroups"]
        return groups[0] if groups else None

    def read(self) -> dict[str, Any]:
        p, wanted, waited = self.params, self.wanted, 0.0
        self.autoscaling = self.module.client("autoscaling")
        group = self.group()
        if group is None and p["required"]:
            raise ParamError("name", f"Auto Scaling group {p['name']} not found in {self.module.region}; "
                                     "create it with webfleet.aws.autoscaling_group (playbooks/infra.yml)")
        if group is not None and wanted and not matches(group, wanted):
            group, waited = self.module.wait(self.group, lambda g: matches(g, wanted),
                                             f"Auto Scaling group {p['name']} to reach {wanted}", p["wait_timeout"])
        result: dict[str, Any] = {}
        if group is not None and p["activities"]:
            result["activities"] = [snake(a) for a in self.autoscaling.describe_scaling_activities(
                AutoScalingGroupName=p["name"], MaxRecords=p["activities"])["Activities"]]
        view = snake(group, keep_tags=False) if group else {}
        if group:  # the tags as the list the documentation promises (key, value, propagate_at_launch, ...)
            view["tags"] = [snake(t) for t in group.get("Tags") or []]
        return {"exists": group is not None, "auto_scaling_group": view, "waited": round(waited, 1),
                "in_service": in_service_count((group or {}).get("Instances") or []), **result}


def main() -> None:
    GroupInfo.run()


if __name__ == "__main__":
    main()
