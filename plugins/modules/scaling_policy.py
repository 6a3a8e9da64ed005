#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: scaling_policy
short_description: Manage an EC2 Auto Scaling policy (step, simple or target tracking)
description:
  - Create, update or delete a scaling policy of an Auto Scaling group.
  - The policy is compared with DescribePolicies (numbers normalised, defaults AWS fills in applied), and only put
    again when it differs.
  - A step or simple scaling policy does nothing on its own; point a CloudWatch alarm's C(alarm_actions) at the
    returned RV(policy_arn) (see M(webfleet.aws.metric_alarm)).
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the policy (unique within the group).
    type: str
    required: true
  auto_scaling_group:
    description: Name of the Auto Scaling group. It must exist (the module fails naming it otherwise).
    type: str
    required: true
  state:
    description: Whether the policy should exist.
    type: str
    choices: [present, absent]
    default: present
  policy_type:
    description: Kind of policy.
    type: str
    choices: [StepScaling, SimpleScaling, TargetTrackingScaling]
    default: StepScaling
  adjustment_type:
    description:
      - How O(step_adjustments[].scaling_adjustment) / O(scaling_adjustment) is applied.
      - Defaults to C(ChangeInCapacity) for StepScaling and SimpleScaling; not used by TargetTrackingScaling.
    type: str
    choices: [ChangeInCapacity, ExactCapacity, PercentChangeInCapacity]
  step_adjustments:
    description:
      - Steps of a StepScaling policy, sorted by their bounds, without gaps or overlaps.
      - >-
        B(Bounds are relative to the alarm threshold), as in AWS's API. With an alarm "CPU >= 80", the step
        "80 <= CPU < +infinity" is C({lower_bound: 0, scaling_adjustment: 1}); "90 <= CPU" would be C(lower_bound: 10).
      - Only the first step may omit O(step_adjustments[].lower_bound) (-infinity), only the last may omit
        O(step_adjustments[].upper_bound) (+infinity).
    type: list
    elements: dict
    suboptions:
      lower_bound:
        description: Lower bound (inclusive), relative to the alarm threshold; unset means -infinity.
        type: float
      upper_bound:
        description: Upper bound (exclusive), relative to the alarm threshold; unset means +infinity.
        type: float
      scaling_adjustment:
        description: Instances (or percent) to add; negative to remove.
        type: int
        required: true
  estimated_instance_warmup:
    description:
      - Seconds a new instance needs before its metrics count (StepScaling and TargetTrackingScaling).
      - Defaults to C(300) for those policy types.
    type: int
  metric_aggregation_type:
    description: Aggregation of the alarm's metric (StepScaling only). Defaults to C(Average).
    type: str
    choices: [Minimum, Maximum, Average]
  min_adjustment_magnitude:
    description: Minimum number of instances to change, with O(adjustment_type=PercentChangeInCapacity) only.
    type: int
  scaling_adjustment:
    description: Instances (or percent) to add or remove (SimpleScaling only; required there).
    type: int
  cooldown:
    description:
      - Seconds after a scaling activity before another can start (SimpleScaling only).
      - When unset, the group's default cooldown applies.
    type: int
  target_tracking:
    description: Target tracking configuration (TargetTrackingScaling only; required there).
    type: dict
    suboptions:
      predefined_metric:
        description: Predefined metric to track.
        type: str
        required: true
        choices: [ASGAverageCPUUtilization, ASGAverageCPUUtilizationHighResolution, ASGAverageNetworkIn,
                  ASGAverageNetworkOut, ALBRequestCountPerTarget]
      resource_label:
        description: Target group label, required for C(ALBRequestCountPerTarget).
        type: str
      target_value:
        description: Value to keep the metric at (for example 50 for 50 % CPU).
        type: float
        required: true
      disable_scale_in:
        description: Never remove instances.
        type: bool
        default: false
extends_documentation_fragment:
  - webfleet.aws.connection
"""

EXAMPLES = r"""
- name: Scale out by one instance when the CPU alarm (>= 80 %) fires (80 <= CPU < +inf)
  webfleet.aws.scaling_policy:
    name: nginx-scale-out
    auto_scaling_group: web-asg
    step_adjustments:
      - lower_bound: 0
        scaling_adjustment: 1
    estimated_instance_warmup: 300
  register: scale_out

- name: Scale in by one instance when the low-CPU alarm (<= 20 %) fires (-inf < CPU <= 20)
  webfleet.aws.scaling_policy:
    name: nginx-scale-in
    auto_scaling_group: web-asg
    step_adjustments:
      - upper_bound: 0
        scaling_adjustment: -1

- name: Keep the average CPU at 50 %
  webfleet.aws.scaling_policy:
    name: nginx-cpu-50
    auto_scaling_group: web-asg
    policy_type: TargetTrackingScaling
    target_tracking:
      predefined_metric: ASGAverageCPUUtilization
      target_value: 50
"""

RETURN = r"""
policy_arn:
  description: ARN of the policy (use it in an alarm's alarm_actions). Null in check mode before creation.
  returned: state=present
  type: str
scaling_policy:
  description: The policy as compared by the module, with its name, group, ARN and linked alarms.
  returned: state=present
  type: dict
  contains:
    policy_name: {description: Name., type: str}
    auto_scaling_group_name: {description: Group., type: str}
    policy_type: {description: Type., type: str}
    adjustment_type: {description: Adjustment type., type: str}
    step_adjustments: {description: Steps (bounds relative to the alarm threshold)., type: list}
    estimated_instance_warmup: {description: Warm-up seconds., type: int}
    alarms: {description: Alarms that run the policy (alarm_name and alarm_arn)., type: list}
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import (
    ClientError,
    ParamError,
    describe_or_none,
)
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.policies import (
    ADJUSTMENT_TYPES,
    POLICY_TYPES,
    PREDEFINED_METRICS,
    desired_policy_view,
    policy_param_problem,
    policy_view,
    put_policy_request,
)
from ansible_collections.webfleet.aws.plugins.module_utils.retries import error_code


def read_policy(asg: Any, group: str, name: str) -> dict[str, Any] | None:
    policies = asg.describe_policies(AutoScalingGroupName=group, PolicyNames=[name]).get("ScalingPolicies", [])
    return next((p for p in policies if p["PolicyName"] == name), None)


def alarms(policy: dict[str, Any] | None) -> list[dict[str, str]]:
    linked = (policy or {}).get("Alarms", [])
    return [{"alarm_name": a.get("AlarmName"), "alarm_arn": a.get("AlarmARN")} for a in linked]


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    auto_scaling_group=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    policy_type=dict(type="str", default="StepScaling", choices=list(POLICY_TYPES)),
    adjustment_type=dict(type="str", choices=list(ADJUSTMENT_TYPES)),
    step_adjustments=dict(type="list", elements="dict", options=dict(
        lower_bound=dict(type="float"), upper_bound=dict(type="float"),
        scaling_adjustment=dict(type="int", required=True))),
    estimated_instance_warmup=dict(type="int"),
    metric_aggregation_type=dict(type="str", choices=["Minimum", "Maximum", "Average"]),
    min_adjustment_magnitude=dict(type="int"),
    scaling_adjustment=dict(type="int"),
    cooldown=dict(type="int"),
    target_tracking=dict(type="dict", options=dict(
        predefined_metric=dict(type="str", required=True, choices=list(PREDEFINED_METRICS)),
        resource_label=dict(type="str"),
        target_value=dict(type="float", required=True),
        disable_scale_in=dict(type="bool", default=False))),
)


class ScalingPolicy(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "scaling policy"

    def label(self) -> str:
        return f"scaling policy '{self.params['name']}' of group '{self.params['auto_scaling_group']}'"

    def validate(self) -> None:
        if self.params["state"] == "present":
            problem = policy_param_problem(self.params)
            if problem:
                raise ParamError(*problem)

    def read(self) -> dict[str, Any] | None:
        p = self.params
        group, name = p["auto_scaling_group"], p["name"]
        self.asg = asg = self.module.client("autoscaling")
        current = describe_or_none(lambda: read_policy(asg, group, name), "ValidationError")
        # a policy found proves its group exists. To make one, PutScalingPolicy itself refuses a group that
        # does not exist (ValidationError "AutoScalingGroup name not found"); check mode makes no call, so
        # there the group is looked up.
        self.group_found = current is not None or p["state"] != "present" or not self.module.check_mode or bool(
            asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group]).get("AutoScalingGroups"))
        return current

    def view(self, current: dict[str, Any] | None) -> dict[str, Any]:
        return policy_view(current)

    def delete(self, current: dict[str, Any]) -> None:
        self.asg.delete_policy(AutoScalingGroupName=self.params["auto_scaling_group"], PolicyName=self.params["name"])

    def no_group(self) -> str:
        return f"no Auto Scaling group named '{self.params['auto_scaling_group']}' in region {self.module.region}; " \
               "create the group first or correct the name"

    def state_present(self, current: dict[str, Any] | None) -> None:
        if not self.group_found:
            self.module.fail_param("auto_scaling_group", self.no_group())
        before = policy_view(current)
        self.converge(current, before, desired_policy_view(self.params, before))

    def apply(self, current: dict[str, Any] | None, desired: dict[str, Any]) -> dict[str, Any]:
        p = self.params
        try:
            return self.asg.put_scaling_policy(**put_policy_request(p["auto_scaling_group"], p["name"], desired))
        except ClientError as exc:
            if current is None and error_code(exc) == "ValidationError" and \
                    "AutoScalingGroup name not found" in exc.response.get("Error", {}).get("Message", ""):
                raise ParamError("auto_scaling_group", self.no_group()) from None
            raise

    def result(self, current: dict[str, Any] | None, desired: dict[str, Any], final: Any) -> dict[str, Any]:
        if self.params["state"] == "absent":
            return {}
        arn, linked = (current or {}).get("PolicyARN"), alarms(current)
        if final is not None:
            arn, linked = final.get("PolicyARN") or arn, alarms(final) or linked
        return {"policy_arn": arn,
                "scaling_policy": dict(desired, policy_name=self.params["name"], policy_arn=arn, alarms=linked,
                                       auto_scaling_group_name=self.params["auto_scaling_group"])}


def main() -> None:
    ScalingPolicy.run()


if __name__ == "__main__":
    main()
