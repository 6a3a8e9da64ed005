# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch metric alarms (pure): parameter checks, the comparable view, the PutMetricAlarm request and
what an alarm action points at.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.policies import _num
from ansible_collections.webfleet.aws.plugins.module_utils.sns import TOPIC_NAME_RE

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
