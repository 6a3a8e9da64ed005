# -*- coding: utf-8 -*-
"""Pure scaling-policy validation and comparison (no AWS)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.policies import (
    desired_policy_view,
    normalise_steps,
    policy_param_problem,
    policy_view,
    put_policy_request,
    step_problems,
)


def params(**kw: Any) -> dict[str, Any]:
    base = dict(policy_type="StepScaling", adjustment_type=None, step_adjustments=None, estimated_instance_warmup=None,
                metric_aggregation_type=None, min_adjustment_magnitude=None, scaling_adjustment=None, cooldown=None,
                target_tracking=None)
    base.update(kw)
    return base


def step(lower: float | None = None, upper: float | None = None, adj: int = 1) -> dict[str, Any]:
    return {"lower_bound": lower, "upper_bound": upper, "scaling_adjustment": adj}


@pytest.mark.parametrize("steps", [
    [step(0)],
    [step(None, 0, -1)],
    [step(0, 10, 1), step(10, 20, 2), step(20, None, 3)],
    [step(None, -10, -2), step(-10, 0, -1)],
    [step()],
])
def test_valid_steps(steps: list) -> None:
    assert step_problems(steps) is None


@pytest.mark.parametrize("steps,param,needle", [
    ([], "step_adjustments", "required"),
    ([step(0, 10), step(5, None)], "step_adjustments[1].lower_bound", "overlaps"),
    ([step(0, 10), step(20, None)], "step_adjustments[1].lower_bound", "not next to"),
    ([step(10, None), step(0, 10)], "step_adjustments[0].upper_bound", "last step"),
    ([step(0, 10), step(None, 0)], "step_adjustments[1].lower_bound", "first step"),
    ([step(10, 5)], "step_adjustments[0].upper_bound", "greater than"),
    ([step(), step(0)], "step_adjustments[0]", "neither bound"),
    ([{"lower_bound": 0, "upper_bound": None, "scaling_adjustment": None}], "step_adjustments[0].scaling_adjustment",
     "required"),
])
def test_invalid_steps(steps: list, param: str, needle: str) -> None:
    problem = step_problems(steps)
    assert problem is not None and problem[0] == param and needle in problem[1], problem


def test_describe_and_desired_views_match_with_defaults() -> None:
    described = {"PolicyType": "StepScaling", "AdjustmentType": "ChangeInCapacity", "EstimatedInstanceWarmup": 300,
                 "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}], "Enabled": True}
    current = policy_view(described)
    assert current["metric_aggregation_type"] == "Average"  # AWS's default when omitted
    desired = desired_policy_view(params(step_adjustments=[{"lower_bound": 0, "scaling_adjustment": 1}]), current)
    assert desired == current


def test_step_order_and_float_normalised() -> None:
    aws = [{"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
           {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 1}]
    assert normalise_steps(aws) == [step(0.0, 10.0, 1), step(10.0, None, 2)]


def test_simple_scaling_cooldown_left_alone_when_unset() -> None:
    current = policy_view({"PolicyType": "SimpleScaling", "AdjustmentType": "ChangeInCapacity", "ScalingAdjustment": 1,
                           "Cooldown": 300})
    assert desired_policy_view(params(policy_type="SimpleScaling", scaling_adjustment=1), current) == current
    assert desired_policy_view(params(policy_type="SimpleScaling", scaling_adjustment=1, cooldown=60),
                               current)["cooldown"] == 60


def test_target_tracking_view_and_request() -> None:
    p = params(policy_type="TargetTrackingScaling",
               target_tracking={"predefined_metric": "ASGAverageCPUUtilization", "target_value": 50,
                                "disable_scale_in": False, "resource_label": None})
    desired = desired_policy_view(p, None)
    req = put_policy_request("g", "p", desired)
    assert req["TargetTrackingConfiguration"]["TargetValue"] == 50.0
    assert req["EstimatedInstanceWarmup"] == 300 and "AdjustmentType" not in req
    described = {"PolicyType": "TargetTrackingScaling", "EstimatedInstanceWarmup": 300,
                 "TargetTrackingConfiguration": {"PredefinedMetricSpecification": {
                     "PredefinedMetricType": "ASGAverageCPUUtilization"}, "TargetValue": 50}}
    assert policy_view(described) == desired


def test_step_request_omits_open_bounds() -> None:
    desired = desired_policy_view(params(step_adjustments=[step(None, 0, -1)]), None)
    req = put_policy_request("g", "p", desired)
    assert req["StepAdjustments"] == [{"ScalingAdjustment": -1, "MetricIntervalUpperBound": 0.0}]
    assert req["MetricAggregationType"] == "Average" and req["AdjustmentType"] == "ChangeInCapacity"


@pytest.mark.parametrize("kw,param", [
    (dict(policy_type="SimpleScaling"), "scaling_adjustment"),
    (dict(policy_type="SimpleScaling", scaling_adjustment=1, step_adjustments=[step(0)]), "step_adjustments"),
    (dict(policy_type="TargetTrackingScaling"), "target_tracking"),
    (dict(policy_type="TargetTrackingScaling", adjustment_type="ExactCapacity",
          target_tracking={"predefined_metric": "ASGAverageCPUUtilization", "target_value": 5}), "adjustment_type"),
    (dict(policy_type="TargetTrackingScaling",
          target_tracking={"predefined_metric": "ALBRequestCountPerTarget", "target_value": 5}),
     "target_tracking.resource_label"),
    (dict(step_adjustments=[step(0)], min_adjustment_magnitude=1), "min_adjustment_magnitude"),
    (dict(step_adjustments=[step(0)], estimated_instance_warmup=-1), "estimated_instance_warmup"),
    (dict(step_adjustments=[step(0)], cooldown=60), "cooldown"),
])
def test_param_problems(kw: dict, param: str) -> None:
    problem = policy_param_problem(params(**kw))
    assert problem is not None and problem[0] == param, problem
