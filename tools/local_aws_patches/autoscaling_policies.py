"""Auto Scaling scaling policies: PolicyARN, linked alarms, per-group names, ExecutePolicy,
scaling activities, and CloudWatch alarms that run their scaling policies."""
from __future__ import annotations

import json
import math
from typing import Any

from . import scaling_holds
from ._registry import Behaviour, Replace, Wrap
from ._util import backend_state, validation_error
from .cloudwatch import AlarmChange, on_alarm_action

SCALING_POLICY_ARN_MARK = ":scalingPolicy:"
RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
BACKEND = "moto.autoscaling.models:AutoScalingBackend"
GROUP = "moto.autoscaling.models:FakeAutoScalingGroup"
API = "Auto Scaling API Reference"


def utcnow() -> Any:
    from moto.core.utils import utcnow as moto_utcnow

    return moto_utcnow()


def policy_key(group: str, name: str) -> str:
    return f"{group}|{name}"


def find_policy(backend: Any, name_or_arn: str, group: str | None) -> Any:
    for policy in backend.policies.values():
        if name_or_arn.startswith("arn:"):
            if policy.arn == name_or_arn:
                return policy
        elif policy.name == name_or_arn and (not group or policy.auto_scaling_group_name == group):
            return policy
    return None


def linked_alarms(policy: Any) -> list[dict[str, str]]:
    """CloudWatch alarms whose AlarmActions or OKActions name the policy's ARN."""
    from moto.cloudwatch.models import cloudwatch_backends

    backend = policy.autoscaling_backend
    cw = cloudwatch_backends[backend.account_id][backend.region_name]
    return [
        {"AlarmName": alarm.name, "AlarmARN": alarm.alarm_arn}
        for alarm in cw.alarms.values()
        if policy.arn in list(alarm.alarm_actions or []) + list(alarm.ok_actions or [])
    ]


def step_adjustment(policy: Any, metric_value: float, breach_threshold: float) -> int | None:
    """The ScalingAdjustment of the step the metric falls in (AWS's bound rules), None when none does.

    Above the threshold the lower bound is inclusive and the upper exclusive; below it, the
    other way round (AWS Auto Scaling User Guide, "Step adjustments").
    """
    diff = metric_value - breach_threshold
    steps = policy.step_adjustments or []
    if diff >= 0:
        for step in steps:
            lower = bound(step, "MetricIntervalLowerBound", -math.inf)
            upper = bound(step, "MetricIntervalUpperBound", math.inf)
            if lower <= diff < upper:
                return int(step["ScalingAdjustment"])
    if diff <= 0:
        for step in steps:
            lower = bound(step, "MetricIntervalLowerBound", -math.inf)
            upper = bound(step, "MetricIntervalUpperBound", math.inf)
            if lower < diff <= upper:
                return int(step["ScalingAdjustment"])
    return None


def bound(step: dict[str, Any], key: str, default: float) -> float:
    value = step.get(key)
    return default if value is None else float(value)


def new_capacity(policy: Any, group: Any, adjustment: int) -> int:
    """Desired capacity after applying ``adjustment`` per the policy's AdjustmentType, clamped to min/max."""
    current = group.desired_capacity or 0
    kind = policy.adjustment_type or "ChangeInCapacity"
    if kind == "ExactCapacity":
        target = adjustment
    elif kind == "PercentChangeInCapacity":
        change = current * adjustment / 100.0
        # AWS: |change| < 1 rounds away from zero to +-1, larger values round towards zero.
        if 0 < abs(change) < 1:
            step = 1 if change > 0 else -1
        else:
            step = int(change)
        magnitude = int(policy.min_adjustment_magnitude or 0)
        if magnitude and abs(step) < magnitude:
            step = magnitude if step >= 0 else -magnitude
        target = current + step
    else:
        target = current + adjustment
    return max(group.min_size or 0, min(group.max_size if group.max_size is not None else target, target))


def run_policy(policy: Any, metric_value: float | None, breach_threshold: float | None, cause: str,
               honour_holds: bool = False) -> None:
    """Apply the policy to its group, as AWS does when the policy is executed or its alarm fires."""
    backend = policy.autoscaling_backend
    group = backend.autoscaling_groups.get(policy.auto_scaling_group_name)
    if group is None:
        raise validation_error(f"AutoScalingGroup name not found - {policy.auto_scaling_group_name}")
    if policy.policy_type == "StepScaling":
        if metric_value is None or breach_threshold is None:
            raise validation_error("MetricValue and BreachThreshold are required for a step scaling policy")
        adjustment = step_adjustment(policy, metric_value, breach_threshold)
        if adjustment is None:
            return
    elif policy.policy_type == "SimpleScaling":
        adjustment = int(policy.scaling_adjustment or 0)
    else:
        raise validation_error(f"Policy type {policy.policy_type} is not supported by ExecutePolicy")
    before = group.desired_capacity
    after = new_capacity(policy, group, adjustment)
    if honour_holds:  # an alarm's run: cooldowns and warm-up hold it back (scaling_holds.py)
        after = scaling_holds.allowed(policy, group, before, after)
    if after == before:
        return
    group._webfleet_cause = f"{cause} changing the desired capacity from {before} to {after}."
    try:
        backend.set_desired_capacity(group.name, after)
    finally:
        group._webfleet_cause = None
    if honour_holds:
        scaling_holds.note(policy, group, before, after)


def activities(backend: Any) -> list[Any]:
    return backend_state(backend, "activities", list)


def put_scaling_policy(original: Any, self: Any) -> Any:
    """AWS: PutScalingPolicy answers PolicyARN for every policy type (moto's key "PolicyArn"
    is not the model's "PolicyARN", so boto3 sees nothing)."""
    from moto.core.responses import ActionResult

    original(self)
    policy = find_policy(self.autoscaling_backend, self._get_param("PolicyName"),
                         self._get_param("AutoScalingGroupName"))
    return ActionResult({"PolicyARN": policy.arn, "Alarms": []})


def backend_put_scaling_policy(original: Any, self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """AWS: policy names are unique per group, not per region; moto keys them by name alone, so a
    second group's "scale-out" replaced the first group's. A policy needs an existing group (moto
    stored policies for any name)."""
    group = kwargs.get("as_name")
    if group not in self.autoscaling_groups:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {group} not found")
    policy = original(self, name, *args, **kwargs)
    if self.policies.get(name) is policy:
        del self.policies[name]
    self.policies[policy_key(policy.auto_scaling_group_name, name)] = policy
    return policy


def delete_policy(_original: Any, self: Any) -> Any:
    """AWS: DeletePolicy takes the name (with the group) or the ARN."""
    from moto.core.responses import EmptyResult

    backend = self.autoscaling_backend
    policy = find_policy(backend, self._get_param("PolicyName"), self._get_param("AutoScalingGroupName"))
    if policy is not None:
        backend.policies.pop(policy_key(policy.auto_scaling_group_name, policy.name), None)
    return EmptyResult()


def delete_auto_scaling_group(original: Any, self: Any, group_name: str) -> None:
    """AWS: deleting a group deletes its scaling policies."""
    original(self, group_name)
    for key in [k for k, p in self.policies.items() if p.auto_scaling_group_name == group_name]:
        del self.policies[key]


def execute_policy(_original: Any, self: Any) -> Any:
    """AWS: ExecutePolicy applies a simple or step policy (MetricValue/BreachThreshold pick the step)
    and clamps the result to MinSize/MaxSize; moto 5.2.5 answers HTTP 500."""
    from moto.core.responses import EmptyResult

    backend = self.autoscaling_backend
    name = self._get_param("PolicyName")
    policy = find_policy(backend, name, self._get_param("AutoScalingGroupName"))
    if policy is None:
        raise validation_error(f"No scaling policy found for PolicyName {name}")
    metric = self._get_param("MetricValue")
    breach = self._get_param("BreachThreshold")
    run_policy(policy, None if metric is None else float(metric), None if breach is None else float(breach),
               f"At {utcnow().isoformat()}Z a user request executed policy {policy.name}")
    return EmptyResult()


def run_scaling_action(change: AlarmChange, arn: str) -> None:
    """AWS: an alarm action that is a scaling policy ARN executes the policy (the alarm's latest
    datapoint, else its threshold, picks the step). The state change itself: cloudwatch.py."""
    from moto.autoscaling.models import autoscaling_backends

    if SCALING_POLICY_ARN_MARK not in arn:
        return
    alarm = change.alarm
    backend = autoscaling_backends[change.backend.account_id][arn.split(":")[3]]
    policy = find_policy(backend, arn, None)
    if policy is None:
        return
    threshold = None if alarm.threshold is None else float(alarm.threshold)
    metric_value = threshold
    try:
        points = json.loads(change.reason_data or "{}").get("recentDatapoints") or []
        if points:
            metric_value = float(points[-1])
    except (ValueError, TypeError, AttributeError):
        pass
    run_policy(policy, metric_value, threshold,
               f"At {utcnow().isoformat()}Z a monitor alarm {alarm.name} in state {change.state} "
               f"triggered policy {policy.name}", honour_holds=True)


# The runner is called only by cloudwatch's installed set_alarm_state, so registering it on import is inert.
on_alarm_action(run_scaling_action)


def set_desired_capacity(original: Any, self: Any, new_capacity: int | None) -> None:
    """AWS: every launch and termination is a scaling activity (DescribeScalingActivities);
    moto always answers an empty list."""
    before = {state.instance.id for state in self.instance_states}
    original(self, new_capacity)
    after = {state.instance.id for state in self.instance_states}
    cause = getattr(self, "_webfleet_cause", None) or (
        f"At {utcnow().isoformat()}Z a user request update of AutoScalingGroup constraints to "
        f"min: {self.min_size}, max: {self.max_size}, desired: {self.desired_capacity} changing the desired "
        f"capacity to {self.desired_capacity}.")
    for instance_id in sorted(after - before):
        log_activity(self, f"Launching a new EC2 instance: {instance_id}", cause)
    for instance_id in sorted(before - after):
        log_activity(self, f"Terminating EC2 instance: {instance_id}", cause)


def log_activity(group: Any, description: str, cause: str) -> None:
    from moto.autoscaling.models import Activity

    activity = Activity(description, cause, group, status_code="Successful")
    activity.progress = 100
    activities(group.autoscaling_backend).append(activity)


def describe_scaling_activities(_original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    group = self._get_param("AutoScalingGroupName")
    ids = self._get_param("ActivityIds", [])
    found = [a for a in reversed(activities(self.autoscaling_backend))  # newest first, as AWS
             if (not group or a.auto_scaling_group_name == group) and (not ids or a.activity_id in ids)]
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxRecords") or 100)
    page = found[start:start + size]
    token = str(start + size) if start + size < len(found) else None
    return ActionResult({"Activities": page, "NextToken": token})


BEHAVIOURS: list[Behaviour] = [
    Wrap(RESPONSE, "put_scaling_policy", put_scaling_policy, f"{API}, PutScalingPolicy: PolicyARN in the answer"),
    Wrap(BACKEND, "put_scaling_policy", backend_put_scaling_policy,
         f"{API}, PutScalingPolicy: PolicyName unique per group; the group must exist (ValidationError)"),
    Wrap(RESPONSE, "delete_policy", delete_policy, f"{API}, DeletePolicy: PolicyName is the name or the ARN"),
    Wrap(BACKEND, "delete_auto_scaling_group", delete_auto_scaling_group,
         f"{API}, DeleteAutoScalingGroup: the group's scaling policies are deleted with it"),
    Replace("moto.autoscaling.models:FakeScalingPolicy", "alarms", property(linked_alarms),
            f"{API}, DescribePolicies: ScalingPolicy.Alarms, the CloudWatch alarms that invoke the policy"),
    Wrap(RESPONSE, "execute_policy", execute_policy,
         f"{API}, ExecutePolicy: simple and step policies (MetricValue, BreachThreshold), clamped to Min/MaxSize"),
    Wrap(GROUP, "set_desired_capacity", set_desired_capacity,
         f"{API}, Activity: each launch and termination is a scaling activity"),
    Wrap(RESPONSE, "describe_scaling_activities", describe_scaling_activities,
         f"{API}, DescribeScalingActivities: newest first, ActivityIds, MaxRecords/NextToken"),
]
