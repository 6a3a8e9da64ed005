# -*- coding: utf-8 -*-
"""Pure metric-alarm validation and comparison (no AWS)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.alarms import (
    action_target,
    alarm_param_problem,
    alarm_view,
    desired_alarm_view,
    put_alarm_request,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:t"


def params(**kw: Any) -> dict[str, Any]:
    base = dict(metric_name="CPUUtilization", namespace="AWS/EC2", statistic=None, extended_statistic=None,
                dimensions={"AutoScalingGroupName": "g", "Other": 1}, period=300, evaluation_periods=1,
                datapoints_to_alarm=None, threshold=80, comparison_operator="GreaterThanOrEqualToThreshold",
                alarm_actions=[TOPIC], ok_actions=None, insufficient_data_actions=None, treat_missing_data="missing",
                unit=None, description=None, actions_enabled=True)
    base.update(kw)
    return base


def test_valid() -> None:
    assert alarm_param_problem(params()) is None
    assert alarm_param_problem(params(period=10, evaluation_periods=5, datapoints_to_alarm=3)) is None
    assert alarm_param_problem(params(extended_statistic="p99.9")) is None


@pytest.mark.parametrize("kw,param", [
    (dict(comparison_operator="GreaterOrEqual"), "comparison_operator"),
    (dict(period=-60), "period"),
    (dict(period=45), "period"),
    (dict(evaluation_periods=0), "evaluation_periods"),
    (dict(period=3600, evaluation_periods=25), "evaluation_periods"),
    (dict(evaluation_periods=2, datapoints_to_alarm=3), "datapoints_to_alarm"),
    (dict(statistic="Average", extended_statistic="p99"), "extended_statistic"),
    (dict(extended_statistic="median"), "extended_statistic"),
    (dict(statistic="Mean"), "statistic"),
    (dict(alarm_actions=["topic"]), "alarm_actions[0]"),
    (dict(ok_actions=[TOPIC] * 6), "ok_actions"),
    (dict(unit="Percentage"), "unit"),
    (dict(treat_missing_data="zero"), "treat_missing_data"),
])
def test_problems(kw: dict, param: str) -> None:
    problem = alarm_param_problem(params(**kw))
    assert problem is not None and problem[0] == param, problem


def test_described_alarm_equals_desired() -> None:
    desired = desired_alarm_view(params(threshold="80", alarm_actions=[TOPIC, TOPIC]))
    described = {"MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
                 "Dimensions": [{"Name": "Other", "Value": "1"}, {"Name": "AutoScalingGroupName", "Value": "g"}],
                 "Period": 300, "EvaluationPeriods": 1, "Threshold": 80, "ActionsEnabled": True,
                 "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": [TOPIC], "OKActions": [],
                 "InsufficientDataActions": []}
    assert alarm_view(described) == desired


def test_request() -> None:
    req = put_alarm_request("a", desired_alarm_view(params(extended_statistic="p90", unit="Percent")))
    assert req["ExtendedStatistic"] == "p90" and "Statistic" not in req and req["Unit"] == "Percent"
    assert req["Dimensions"][0] == {"Name": "AutoScalingGroupName", "Value": "g"}
    assert req["DatapointsToAlarm"] == 1 and req["Threshold"] == 80.0


def test_action_target() -> None:
    assert action_target(TOPIC) == ("sns", "us-east-1", {"topic_arn": TOPIC})
    policy = ("arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:1a2b-3c:autoScalingGroupName/nginx-asg:"
              "policyName/scale-out")
    assert action_target(policy) == ("autoscaling", "eu-west-1", {"group": "nginx-asg", "policy": "scale-out"})
    assert action_target("arn:aws:automate:us-east-1:ec2:stop") is None
    assert action_target("arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/x") is None
