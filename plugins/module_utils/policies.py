# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scaling policies (pure): step and parameter checks, the comparable view and the PutScalingPolicy request.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

# ---------------------------------------------------------------- scaling policies
POLICY_TYPES = ("StepScaling", "SimpleScaling", "TargetTrackingScaling")


ADJUSTMENT_TYPES = ("ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity")


PREDEFINED_METRICS = ("ASGAverageCPUUtilization", "ASGAverageCPUUtilizationHighResolution", "ASGAverageNetworkIn",
                      "ASGAverageNetworkOut", "ALBRequestCountPerTarget")


DEFAULT_WARMUP = 300


DEFAULT_AGGREGATION = "Average"


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def step_problems(steps: list[Mapping[str, Any]] | None) -> tuple[str, str] | None:
    """(parameter, problem) for step adjustments that AWS would refuse, or None.

    Steps must be sorted by their bounds, touch each other (no gap, no overlap), and
    only the first may have no lower bound (-infinity), only the last no upper bound (+infinity).
    """
    if not steps:
        return "step_adjustments", "is required for policy_type StepScaling; give at least one step"
    for i, step in enumerate(steps):
        lower, upper = _num(step.get("lower_bound")), _num(step.get("upper_bound"))
        where = f"step_adjustments[{i}]"
        if step.get("scaling_adjustment") is None:
            return f"{where}.scaling_adjustment", "is required; give the number (or percent) of instances to add/remove"
        if lower is None and upper is None and len(steps) > 1:
            return where, "has neither bound, so it covers every value; with several steps each needs a bound"
        if lower is not None and upper is not None and upper <= lower:
            return f"{where}.upper_bound", f"({upper:g}) must be greater than lower_bound ({lower:g})"
        if lower is None and i > 0:
            return f"{where}.lower_bound", "only the first step may have no lower bound (-infinity); sort the steps"
        if upper is None and i < len(steps) - 1:
            return f"{where}.upper_bound", "only the last step may have no upper bound (+infinity); sort the steps"
        if i > 0:
            prev_upper = _num(steps[i - 1].get("upper_bound"))
            if lower != prev_upper:
                kind = "overlaps" if lower is not None and prev_upper is not None and lower < prev_upper else \
                    "is not next to"
                return (f"{where}.lower_bound",
                        f"({lower}) {kind} step_adjustments[{i - 1}].upper_bound ({prev_upper}); steps must be"
                        " sorted by bounds, each lower_bound equal to the previous upper_bound")
    return None


def normalise_steps(steps: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Steps from the module (snake) or from AWS (Metric*Bound) in one comparable form."""
    out = []
    for s in steps:
        lower = s.get("lower_bound", s.get("MetricIntervalLowerBound"))
        upper = s.get("upper_bound", s.get("MetricIntervalUpperBound"))
        adj = s.get("scaling_adjustment", s.get("ScalingAdjustment"))
        out.append({"lower_bound": _num(lower), "upper_bound": _num(upper), "scaling_adjustment": int(adj)})
    return sorted(out, key=lambda s: float("-inf") if s["lower_bound"] is None else s["lower_bound"])


def policy_view(policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable view of a DescribePolicies entry (AWS's omitted defaults filled in)."""
    if not policy:
        return {}
    ptype = policy.get("PolicyType", "SimpleScaling")
    view: dict[str, Any] = {"policy_type": ptype}
    if ptype in ("StepScaling", "SimpleScaling"):
        view["adjustment_type"] = policy.get("AdjustmentType")
        view["min_adjustment_magnitude"] = policy.get("MinAdjustmentMagnitude")
    if ptype == "StepScaling":
        view["step_adjustments"] = normalise_steps(policy.get("StepAdjustments") or [])
        view["metric_aggregation_type"] = policy.get("MetricAggregationType") or DEFAULT_AGGREGATION
    if ptype == "SimpleScaling":
        view["scaling_adjustment"] = policy.get("ScalingAdjustment")
        view["cooldown"] = policy.get("Cooldown")
    if ptype in ("StepScaling", "TargetTrackingScaling"):
        view["estimated_instance_warmup"] = policy.get("EstimatedInstanceWarmup")
    if ptype == "TargetTrackingScaling":
        tt = policy.get("TargetTrackingConfiguration") or {}
        spec = tt.get("PredefinedMetricSpecification") or {}
        view["target_tracking"] = {
            "predefined_metric": spec.get("PredefinedMetricType"), "resource_label": spec.get("ResourceLabel"),
            "target_value": _num(tt.get("TargetValue")), "disable_scale_in": bool(tt.get("DisableScaleIn", False)),
        }
    return view


def desired_policy_view(params: Mapping[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable view the module parameters ask for (defaults applied)."""
    ptype = params["policy_type"]
    view: dict[str, Any] = {"policy_type": ptype}
    if ptype in ("StepScaling", "SimpleScaling"):
        view["adjustment_type"] = params.get("adjustment_type") or "ChangeInCapacity"
        view["min_adjustment_magnitude"] = params.get("min_adjustment_magnitude")
    if ptype == "StepScaling":
        view["step_adjustments"] = normalise_steps(params["step_adjustments"])
        view["metric_aggregation_type"] = params.get("metric_aggregation_type") or DEFAULT_AGGREGATION
    if ptype == "SimpleScaling":
        view["scaling_adjustment"] = params["scaling_adjustment"]
        cooldown = params.get("cooldown")
        if cooldown is None and current and current.get("policy_type") == ptype:
            cooldown = current.get("cooldown")  # unset: the group's default cooldown, as AWS reports it
        view["cooldown"] = cooldown
    if ptype in ("StepScaling", "TargetTrackingScaling"):
        warmup = params.get("estimated_instance_warmup")
        view["estimated_instance_warmup"] = DEFAULT_WARMUP if warmup is None else warmup
    if ptype == "TargetTrackingScaling":
        tt = params["target_tracking"]
        view["target_tracking"] = {
            "predefined_metric": tt["predefined_metric"], "resource_label": tt.get("resource_label"),
            "target_value": float(tt["target_value"]), "disable_scale_in": bool(tt.get("disable_scale_in")),
        }
    return view


def put_policy_request(group: str, name: str, view: Mapping[str, Any]) -> dict[str, Any]:
    """PutScalingPolicy parameters for a desired view."""
    req: dict[str, Any] = {"AutoScalingGroupName": group, "PolicyName": name, "PolicyType": view["policy_type"]}
    simple = {"adjustment_type": "AdjustmentType", "min_adjustment_magnitude": "MinAdjustmentMagnitude",
              "metric_aggregation_type": "MetricAggregationType", "scaling_adjustment": "ScalingAdjustment",
              "cooldown": "Cooldown", "estimated_instance_warmup": "EstimatedInstanceWarmup"}
    for key, aws_key in simple.items():
        if view.get(key) is not None:
            req[aws_key] = view[key]
    if "step_adjustments" in view:
        steps = []
        for s in view["step_adjustments"]:
            step: dict[str, Any] = {"ScalingAdjustment": s["scaling_adjustment"]}
            if s["lower_bound"] is not None:
                step["MetricIntervalLowerBound"] = s["lower_bound"]
            if s["upper_bound"] is not None:
                step["MetricIntervalUpperBound"] = s["upper_bound"]
            steps.append(step)
        req["StepAdjustments"] = steps
    if "target_tracking" in view:
        tt = view["target_tracking"]
        spec = {"PredefinedMetricType": tt["predefined_metric"]}
        if tt.get("resource_label"):
            spec["ResourceLabel"] = tt["resource_label"]
        req["TargetTrackingConfiguration"] = {"PredefinedMetricSpecification": spec, "TargetValue": tt["target_value"],
                                              "DisableScaleIn": tt["disable_scale_in"]}
    return req


def policy_param_problem(params: Mapping[str, Any]) -> tuple[str, str] | None:
    """(parameter, problem) for parameters that do not fit the policy type, or None."""
    ptype = params["policy_type"]
    only = {"step_adjustments": ("StepScaling",), "metric_aggregation_type": ("StepScaling",),
            "scaling_adjustment": ("SimpleScaling",), "cooldown": ("SimpleScaling",),
            "target_tracking": ("TargetTrackingScaling",),
            "adjustment_type": ("StepScaling", "SimpleScaling"),
            "min_adjustment_magnitude": ("StepScaling", "SimpleScaling"),
            "estimated_instance_warmup": ("StepScaling", "TargetTrackingScaling")}
    for key, types in only.items():
        if params.get(key) is not None and ptype not in types:
            return key, f"applies to policy_type {' or '.join(types)} only, not {ptype}; remove it"
    for key in ("estimated_instance_warmup", "cooldown"):
        if params.get(key) is not None and params[key] < 0:
            return key, f"must be 0 or more seconds, got {params[key]}"
    if params.get("min_adjustment_magnitude") is not None:
        if (params.get("adjustment_type") or "ChangeInCapacity") != "PercentChangeInCapacity":
            return "min_adjustment_magnitude", "applies only with adjustment_type PercentChangeInCapacity"
        if params["min_adjustment_magnitude"] < 1:
            return "min_adjustment_magnitude", "must be 1 or more"
    if ptype == "StepScaling":
        return step_problems(params.get("step_adjustments"))
    if ptype == "SimpleScaling" and params.get("scaling_adjustment") is None:
        return "scaling_adjustment", "is required for policy_type SimpleScaling"
    if ptype == "TargetTrackingScaling":
        tt = params.get("target_tracking")
        if not tt:
            return "target_tracking", "is required for policy_type TargetTrackingScaling"
        if tt["predefined_metric"] == "ALBRequestCountPerTarget" and not tt.get("resource_label"):
            return ("target_tracking.resource_label",
                    "is required for ALBRequestCountPerTarget; give app/<lb>/<id>/targetgroup/<tg>/<id>")
        if tt["target_value"] <= 0:
            return "target_tracking.target_value", f"must be greater than 0, got {tt['target_value']}"
    return None
