# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure validation and comparison for the scaling side: SNS topics, scaling policies, metric alarms.

Nothing here calls AWS; tests/unit/test_scaling.py and test_sns.py cover it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

# ---------------------------------------------------------------- SNS
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")
TOPIC_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ARN_RE = r"^arn:aws[a-z-]*:{service}:[a-z0-9-]+:[0-9]{{12}}:{rest}$"
SNS_ENDPOINT_RULES: dict[str, tuple[str, str]] = {
    # protocol: (regex, what it must be)
    "email": (EMAIL_RE.pattern, "an email address such as ops@example.com"),
    "email-json": (EMAIL_RE.pattern, "an email address such as ops@example.com"),
    "http": (r"^http://[^\s/]+\S*$", "an http:// URL"),
    "https": (r"^https://[^\s/]+\S*$", "an https:// URL"),
    "sqs": (ARN_RE.format(service="sqs", rest=r"[A-Za-z0-9_-]+(\.fifo)?"), "an SQS queue ARN"),
    "lambda": (ARN_RE.format(service="lambda", rest=r"function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?"),
               "a Lambda function ARN"),
    "sms": (E164_RE.pattern, "a phone number in E.164 form such as +4915112345678"),
    "application": (ARN_RE.format(service="sns", rest=r"endpoint/\S+"), "an SNS platform application endpoint ARN"),
}


def topic_name_problem(name: str) -> str | None:
    if not TOPIC_NAME_RE.match(name or ""):
        return f"'{name}' is not a valid topic name; use 1-256 letters, digits, hyphens or underscores"
    return None


def sns_endpoint_problem(protocol: str, endpoint: str | None) -> str | None:
    """Why ``endpoint`` does not suit ``protocol`` (None when it does)."""
    rule = SNS_ENDPOINT_RULES.get(protocol)
    if rule is None:
        return f"unknown protocol '{protocol}'; use one of {', '.join(SNS_ENDPOINT_RULES)}"
    if not endpoint or not re.match(rule[0], endpoint):
        return f"'{endpoint}' is not valid for protocol {protocol}: it must be {rule[1]}"
    return None


def sns_subscription_key(protocol: str, endpoint: str) -> tuple[str, str]:
    """Identity of a subscription: email addresses compare case-insensitively."""
    if protocol in ("email", "email-json"):
        return protocol, endpoint.strip().lower()
    return protocol, endpoint.strip()


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


# ---------------------------------------------------------------- metric alarms
# Static-threshold operators (the anomaly-detection ones need a ThresholdMetricId this module does not manage).
COMPARISON_OPERATORS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
                        "LessThanOrEqualToThreshold")
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
TREAT_MISSING = ("missing", "breaching", "notBreaching", "ignore")
UNITS = ("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
         "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
         "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
         "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None")
EXTENDED_STAT_RE = re.compile(r"^(p|tm|wm|tc|ts)(100|[0-9]{1,2})(\.[0-9]+)?$|^iqm$|^(TM|WM|PR|TC|TS)\([^)]*:[^)]*\)$")
ACTION_ARN_RE = re.compile(r"^arn:aws[a-z-]*:(sns|autoscaling|automate|swf|ssm|ssm-incidents|lambda):[a-z0-9-]+:\S+$")
ACTION_PARAMS = {"alarm_actions": "AlarmActions", "ok_actions": "OKActions",
                 "insufficient_data_actions": "InsufficientDataActions"}


def alarm_param_problem(p: Mapping[str, Any]) -> tuple[str, str] | None:
    """(parameter, problem) for alarm parameters AWS would refuse (or that make no sense), or None."""
    if p.get("comparison_operator") not in COMPARISON_OPERATORS:
        return "comparison_operator", (f"'{p.get('comparison_operator')}' is not a comparison operator; use one of "
                                       f"{', '.join(COMPARISON_OPERATORS)}")
    if p.get("statistic") and p.get("extended_statistic"):
        return "extended_statistic", "cannot be combined with statistic; give one of them"
    if p.get("statistic") and p["statistic"] not in STATISTICS:
        return "statistic", f"'{p['statistic']}' is unknown; use one of {', '.join(STATISTICS)}"
    if p.get("extended_statistic") and not EXTENDED_STAT_RE.match(p["extended_statistic"]):
        return "extended_statistic", f"'{p['extended_statistic']}' is not a percentile statistic such as p99 or tm90"
    period = p.get("period")
    if period is None or period <= 0 or (period not in (10, 30) and period % 60):
        return "period", f"must be 10, 30 or a positive multiple of 60 seconds, got {period}"
    evaluation = p.get("evaluation_periods")
    if evaluation is None or evaluation < 1:
        return "evaluation_periods", f"must be 1 or more, got {evaluation}"
    if period * evaluation > 86400:
        return "evaluation_periods", (f"period x evaluation_periods ({period} x {evaluation}) exceeds one day "
                                      "(86400 s); lower one of them")
    datapoints = p.get("datapoints_to_alarm")
    if datapoints is not None and not 1 <= datapoints <= evaluation:
        return "datapoints_to_alarm", f"must be between 1 and evaluation_periods ({evaluation}), got {datapoints}"
    if p.get("treat_missing_data") not in TREAT_MISSING:
        return "treat_missing_data", f"use one of {', '.join(TREAT_MISSING)}"
    if p.get("unit") is not None and p["unit"] not in UNITS:
        return "unit", f"'{p['unit']}' is not a CloudWatch unit; use one of {', '.join(UNITS)}"
    if len(p.get("dimensions") or {}) > 30:
        return "dimensions", "at most 30 dimensions"
    for key in ACTION_PARAMS:
        actions = p.get(key) or []
        if len(actions) > 5:
            return key, f"at most 5 actions, got {len(actions)}"
        for i, arn in enumerate(actions):
            if not ACTION_ARN_RE.match(arn or ""):
                return f"{key}[{i}]", (f"'{arn}' is not an action ARN; give an SNS topic ARN, a scaling policy ARN "
                                       "(policy_arn of webfleet.aws.scaling_policy) or an EC2/SSM/Lambda action ARN")
    return None


def desired_alarm_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """The alarm the parameters describe (PutMetricAlarm replaces the whole alarm: unset means default)."""
    return {
        "metric_name": p["metric_name"], "namespace": p["namespace"],
        "statistic": None if p.get("extended_statistic") else (p.get("statistic") or "Average"),
        "extended_statistic": p.get("extended_statistic"),
        "dimensions": {str(k): str(v) for k, v in (p.get("dimensions") or {}).items()},
        "period": p["period"], "evaluation_periods": p["evaluation_periods"],
        "datapoints_to_alarm": p.get("datapoints_to_alarm") or p["evaluation_periods"],
        "threshold": float(p["threshold"]), "comparison_operator": p["comparison_operator"],
        "alarm_actions": sorted(set(p.get("alarm_actions") or [])),
        "ok_actions": sorted(set(p.get("ok_actions") or [])),
        "insufficient_data_actions": sorted(set(p.get("insufficient_data_actions") or [])),
        "treat_missing_data": p.get("treat_missing_data") or "missing",
        "unit": p.get("unit"), "description": p.get("description") or "",
        "actions_enabled": True if p.get("actions_enabled") is None else bool(p["actions_enabled"]),
    }


def alarm_view(alarm: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable view of a DescribeAlarms entry (AWS's omitted defaults filled in)."""
    if not alarm:
        return {}
    evaluation = alarm.get("EvaluationPeriods")
    return {
        "metric_name": alarm.get("MetricName"), "namespace": alarm.get("Namespace"),
        "statistic": alarm.get("Statistic"), "extended_statistic": alarm.get("ExtendedStatistic"),
        "dimensions": {d["Name"]: d["Value"] for d in alarm.get("Dimensions") or []},
        "period": alarm.get("Period"), "evaluation_periods": evaluation,
        "datapoints_to_alarm": alarm.get("DatapointsToAlarm") or evaluation,
        "threshold": _num(alarm.get("Threshold")), "comparison_operator": alarm.get("ComparisonOperator"),
        "alarm_actions": sorted(alarm.get("AlarmActions") or []),
        "ok_actions": sorted(alarm.get("OKActions") or []),
        "insufficient_data_actions": sorted(alarm.get("InsufficientDataActions") or []),
        "treat_missing_data": alarm.get("TreatMissingData") or "missing",
        "unit": alarm.get("Unit"), "description": alarm.get("AlarmDescription") or "",
        "actions_enabled": bool(alarm.get("ActionsEnabled", True)),
    }


def put_alarm_request(name: str, view: Mapping[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm parameters for a desired view."""
    req: dict[str, Any] = {
        "AlarmName": name, "MetricName": view["metric_name"], "Namespace": view["namespace"],
        "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(view["dimensions"].items())],
        "Period": view["period"], "EvaluationPeriods": view["evaluation_periods"],
        "DatapointsToAlarm": view["datapoints_to_alarm"], "Threshold": view["threshold"],
        "ComparisonOperator": view["comparison_operator"], "TreatMissingData": view["treat_missing_data"],
        "AlarmDescription": view["description"], "ActionsEnabled": view["actions_enabled"],
    }
    for key, aws_key in ACTION_PARAMS.items():
        req[aws_key] = view[key]
    if view["extended_statistic"]:
        req["ExtendedStatistic"] = view["extended_statistic"]
    else:
        req["Statistic"] = view["statistic"]
    if view["unit"]:
        req["Unit"] = view["unit"]
    return req


def action_target(arn: str) -> tuple[str, str, dict[str, str]] | None:
    """(service, region, identifiers) of an alarm action this collection can check exists, else None.

    SNS topics and Auto Scaling policies are checked; EC2/SSM/Lambda actions are left to AWS.
    """
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, region, resource = parts[2], parts[3], parts[5]
    if service == "sns" and TOPIC_NAME_RE.match(resource):
        return "sns", region, {"topic_arn": arn}
    match = re.match(r"^scalingPolicy:[^:]+:autoScalingGroupName/(.+):policyName/(.+)$", resource)
    if service == "autoscaling" and match:
        return "autoscaling", region, {"group": match.group(1), "policy": match.group(2)}
    return None
