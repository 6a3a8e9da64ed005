#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: metric_alarm
short_description: Manage a CloudWatch metric alarm
description:
  - Create, update or delete a CloudWatch alarm on a single metric with a static threshold.
  - AWS replaces the whole alarm on every PutMetricAlarm, so options left unset take their defaults.
  - The alarm is only put again when its definition differs; dimension order, action order, the threshold's
    number form and the defaults AWS fills in (datapoints to alarm, treat missing data) are normalised first,
    so a rerun with the same definition reports no change.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the alarm.
    type: str
    required: true
  state:
    description: Whether the alarm should exist.
    type: str
    choices: [present, absent]
    default: present
  metric_name:
    description: Metric to watch.
    type: str
    default: CPUUtilization
  namespace:
    description: Namespace of the metric.
    type: str
    default: AWS/EC2
  statistic:
    description:
      - Statistic of the metric (C(SampleCount), C(Average), C(Sum), C(Minimum), C(Maximum)).
      - Defaults to C(Average) unless O(extended_statistic) is given; the two are mutually exclusive.
    type: str
  extended_statistic:
    description: A percentile statistic such as C(p99) instead of O(statistic).
    type: str
  dimensions:
    description: "Dimensions of the metric, for example C({AutoScalingGroupName: web-asg})."
    type: dict
  period:
    description: Seconds per evaluated period; 10, 30 or a multiple of 60.
    type: int
    default: 300
  evaluation_periods:
    description: Number of most recent periods evaluated.
    type: int
    default: 1
  datapoints_to_alarm:
    description:
      - Breaching data points (out of O(evaluation_periods)) that trigger the alarm.
      - When unset, equal to O(evaluation_periods), as AWS does.
    type: int
  threshold:
    description: Value compared with the statistic.
    type: float
  comparison_operator:
    description: How the statistic is compared with O(threshold).
    type: str
    choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
  alarm_actions:
    description: ARNs run on the transition to ALARM (SNS topics, scaling policies, EC2 actions); at most 5.
    type: list
    elements: str
  ok_actions:
    description: ARNs run on the transition to OK; at most 5.
    type: list
    elements: str
  insufficient_data_actions:
    description: ARNs run on the transition to INSUFFICIENT_DATA; at most 5.
    type: list
    elements: str
  treat_missing_data:
    description: How missing data points are treated.
    type: str
    choices: [missing, breaching, notBreaching, ignore]
    default: missing
  unit:
    description: Unit of the metric (for example C(Percent)); unset matches any unit.
    type: str
  description:
    description: Description of the alarm.
    type: str
  actions_enabled:
    description: Whether the actions run on state changes.
    type: bool
    default: true
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
notes:
  - O(threshold) and O(comparison_operator) are required with O(state=present).
"""

EXAMPLES = r"""
- name: CPU high on the group -> scale out and notify (average CPU >= 80 % for one period of 300 s)
  webfleet.aws.metric_alarm:
    name: nginx-cpu-high
    dimensions:
      AutoScalingGroupName: web-asg
    threshold: 80
    comparison_operator: GreaterThanOrEqualToThreshold
    alarm_actions:
      - "{{ scale_out.policy_arn }}"
      - "{{ topic.topic_arn }}"

- name: CPU low -> scale in
  webfleet.aws.metric_alarm:
    name: nginx-cpu-low
    dimensions:
      AutoScalingGroupName: web-asg
    threshold: 20
    comparison_operator: LessThanOrEqualToThreshold
    alarm_actions: ["{{ scale_in.policy_arn }}"]

- name: Remove an alarm
  webfleet.aws.metric_alarm:
    name: nginx-cpu-low
    state: absent
"""

RETURN = r"""
alarm:
  description:
    - The alarm in snake_case (as DescribeAlarms reports it, with tags). The desired definition in check mode.
    - A new alarm whose actions include a scaling policy is reported from the definition just put (state
      C(INSUFFICIENT_DATA), as AWS sets it), without reading it back.
  returned: state=present
  type: dict
  contains:
    alarm_name: {description: Name., type: str}
    alarm_arn: {description: ARN., type: str}
    state_value: {description: "OK, ALARM or INSUFFICIENT_DATA.", type: str}
    threshold: {description: Threshold., type: float}
    dimensions: {description: Dimensions (list of name/value)., type: list}
    tags: {description: Tags., type: dict}
alarm_arn:
  description: ARN of the alarm (null in check mode before creation).
  returned: state=present
  type: str
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.alarms import (
    ACTION_PARAMS,
    COMPARISON_OPERATORS,
    TREAT_MISSING,
    action_target,
    alarm_param_problem,
    alarm_view,
    desired_alarm_view,
    put_alarm_request,
)
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, describe_or_none, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    compare_tags,
    dict_to_tag_list,
    tag_list_to_dict,
)


def read_alarm(cw: Any, name: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    alarms = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm"]).get("MetricAlarms", [])
    alarm = next((a for a in alarms if a["AlarmName"] == name), None)
    if alarm is None:
        return None, {}
    return alarm, tag_list_to_dict(cw.list_tags_for_resource(ResourceARN=alarm["AlarmArn"]).get("Tags"))


def check_actions(module: AWSModule, desired: dict[str, Any], before: dict[str, Any]) -> tuple[str, str] | None:
    """Fail naming the parameter when a new action points at an SNS topic or scaling policy that does not exist.

    Returns (partition, account) of the caller when a check found a scaling policy: DescribePolicies lists the
    caller's own policies, so the ARN it answers names the caller's account (an alarm's account). None otherwise.
    """
    owner = None
    for key in ACTION_PARAMS:
        for i, arn in enumerate(module.params[key] or []):
            target = action_target(arn)
            if arn in before.get(key, []) or target is None:
                continue
            service, region, ids = target
            client = module.client(service, region=region or None)
            with module.aws_errors(f"check {key}[{i}] {arn}"):
                if service == "sns":
                    if describe_or_none(lambda c=client, arn=ids["topic_arn"]: c.get_topic_attributes(TopicArn=arn),
                                        "NotFound", "NotFoundException") is not None:
                        continue
                else:
                    found = client.describe_policies(AutoScalingGroupName=ids["group"], PolicyNames=[ids["policy"]])
                    if found.get("ScalingPolicies"):
                        parts = found["ScalingPolicies"][0].get("PolicyARN", "").split(":")
                        if len(parts) > 4 and parts[1] and parts[4]:
                            owner = (parts[1], parts[4])
                        continue
            kind = "SNS topic" if service == "sns" else "scaling policy"
            module.fail_param(f"{key}[{i}]", f"no {kind} {arn}; create it first (its ARN comes from "
                                             f"webfleet.aws.{'sns_topic' if service == 'sns' else 'scaling_policy'})")
    return owner


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    metric_name=dict(type="str", default="CPUUtilization"),
    namespace=dict(type="str", default="AWS/EC2"),
    statistic=dict(type="str"),
    extended_statistic=dict(type="str"),
    dimensions=dict(type="dict"),
    period=dict(type="int", default=300),
    evaluation_periods=dict(type="int", default=1),
    datapoints_to_alarm=dict(type="int"),
    threshold=dict(type="float"),
    comparison_operator=dict(type="str", choices=list(COMPARISON_OPERATORS)),
    alarm_actions=dict(type="list", elements="str"),
    ok_actions=dict(type="list", elements="str"),
    insufficient_data_actions=dict(type="list", elements="str"),
    treat_missing_data=dict(type="str", default="missing", choices=list(TREAT_MISSING)),
    unit=dict(type="str"),
    description=dict(type="str"),
    actions_enabled=dict(type="bool", default=True),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


class MetricAlarm(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [("state", "present", ("threshold", "comparison_operator"))]
    WHAT = "alarm"

    def validate(self) -> None:
        if self.params["state"] == "present":
            problem = alarm_param_problem(self.params)
            if problem:
                raise ParamError(*problem)

    def read(self) -> dict[str, Any] | None:
        self.cw = self.module.client("cloudwatch")
        current, self.tags = read_alarm(self.cw, self.params["name"])
        return current

    def view(self, current: dict[str, Any] | None) -> dict[str, Any]:
        return dict(alarm_view(current), tags=self.tags) if current else {}

    def delete(self, current: dict[str, Any]) -> None:
        self.cw.delete_alarms(AlarmNames=[self.params["name"]])

    def state_present(self, current: dict[str, Any] | None) -> None:
        before, desired = self.view(current), self.desired(current)
        self.owner = check_actions(self.module, desired, before) if desired != before else None
        self.converge(current, before, desired)

    def desired(self, current: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        self.to_tag, self.to_untag = compare_tags(self.tags, p["tags"], p["purge_tags"])
        after_tags = {k: v for k, v in self.tags.items() if k not in self.to_untag}
        after_tags.update(self.to_tag)
        return dict(desired_alarm_view(p), tags=after_tags)

    def apply(self, current: dict[str, Any] | None, desired: dict[str, Any]) -> dict[str, Any]:
        name, cw = self.params["name"], self.cw
        request = put_alarm_request(name, desired)
        if current is None:
            request["Tags"] = dict_to_tag_list(desired["tags"])
        before = self.view(current)
        if current is None or {k: v for k, v in desired.items() if k != "tags"} != \
                {k: v for k, v in before.items() if k != "tags"}:
            cw.put_metric_alarm(**request)
        if current is None:
            self.module.on_failure(f"delete alarm {name}", lambda: cw.delete_alarms(AlarmNames=[name]))
        else:
            if self.to_untag:
                cw.untag_resource(ResourceARN=current["AlarmArn"], TagKeys=self.to_untag)
            if self.to_tag:
                cw.tag_resource(ResourceARN=current["AlarmArn"], Tags=dict_to_tag_list(self.to_tag))
        if current is None and self.owner and self.module.region:
            # a new alarm is the definition just put, in state INSUFFICIENT_DATA (PutMetricAlarm: "the alarm
            # state is immediately set to INSUFFICIENT_DATA"); its ARN is the caller's account's
            partition, account = self.owner
            fresh = {k: v for k, v in request.items() if k != "Tags"}
            fresh.update(AlarmArn=f"arn:{partition}:cloudwatch:{self.module.region}:{account}:alarm:{name}",
                         StateValue="INSUFFICIENT_DATA")
        else:  # the alarm as AWS reports it now; its tags are the ones just applied
            fresh = next(a for a in cw.describe_alarms(
                AlarmNames=[name], AlarmTypes=["MetricAlarm"])["MetricAlarms"] if a["AlarmName"] == name)
        return dict(snake(fresh), tags=desired["tags"])

    def result(self, current: dict[str, Any] | None, desired: dict[str, Any], final: Any) -> dict[str, Any]:
        if self.params["state"] == "absent":
            return {}
        alarm = final
        if alarm is None:
            alarm = dict(snake(current), tags=self.tags) if current else \
                dict(desired, alarm_name=self.params["name"], alarm_arn=None)
        return {"alarm": alarm, "alarm_arn": alarm.get("alarm_arn")}


def main() -> None:
    MetricAlarm.run()


if __name__ == "__main__":
    main()
