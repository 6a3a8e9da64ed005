# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Auto Scaling groups (pure): the comparable view of a group, the desired view, the UpdateAutoScalingGroup
arguments, tags, metrics, notifications and which instances run an outdated launch template.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

SUBNET_RE = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")


SNS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")


NOTIFICATION_TYPES = (
    "autoscaling:EC2_INSTANCE_LAUNCH",
    "autoscaling:EC2_INSTANCE_TERMINATE",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
)


ALL_NOTIFICATION_TYPES = (*NOTIFICATION_TYPES, "autoscaling:TEST_NOTIFICATION")


TERMINATION_POLICIES = (
    "Default", "OldestInstance", "NewestInstance", "OldestLaunchConfiguration",
    "ClosestToNextInstanceHour", "OldestLaunchTemplate", "AllocationStrategy",
)


GROUP_METRICS = (
    "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
    "GroupPendingInstances", "GroupStandbyInstances", "GroupTerminatingInstances", "GroupTotalInstances",
    "GroupInServiceCapacity", "GroupPendingCapacity", "GroupStandbyCapacity", "GroupTerminatingCapacity",
    "GroupTotalCapacity", "WarmPoolDesiredCapacity", "WarmPoolWarmedCapacity", "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity", "WarmPoolTerminatedCapacity", "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity", "GroupAndWarmPoolTotalCapacity",
)


def normalise_asg_tags(tags: Any, propagate_default: bool = True) -> dict[str, dict[str, Any]] | None:
    """tags as a dict ({key: value}) or a list of {key, value, propagate_at_launch} ->
    {key: {"value": str, "propagate_at_launch": bool}}; None stays None (leave tags alone)."""
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return {str(k): {"value": str(v), "propagate_at_launch": propagate_default} for k, v in tags.items()}
    out: dict[str, dict[str, Any]] = {}
    for item in tags:
        key = item.get("key", item.get("Key"))
        if key is None:
            raise ValueError("every tag in the list needs a 'key'")
        prop = item.get("propagate_at_launch", item.get("PropagateAtLaunch"))
        out[str(key)] = {"value": str(item.get("value", item.get("Value", ""))),
                         "propagate_at_launch": propagate_default if prop is None else bool(prop)}
    return out


def current_asg_tags(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {t["Key"]: {"value": t.get("Value", ""), "propagate_at_launch": bool(t.get("PropagateAtLaunch"))}
            for t in tags or () if not t["Key"].startswith("aws:")}


def compare_asg_tags(current: Mapping[str, Mapping[str, Any]], desired: Mapping[str, Mapping[str, Any]] | None,
                     purge: bool) -> tuple[dict[str, Mapping[str, Any]], list[str]]:
    """(tags to create or update, keys to delete)."""
    if desired is None:
        return {}, []
    to_set = {k: v for k, v in desired.items() if dict(current.get(k) or {}) != dict(v)}
    to_remove = sorted(k for k in current if k not in desired) if purge else []
    return to_set, to_remove


def diff_sets(current: Iterable[str], desired: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """(to add, to remove); desired None means leave alone."""
    if desired is None:
        return [], []
    cur, want = set(current), set(desired)
    return sorted(want - cur), sorted(cur - want)


def metrics_view(enabled_metrics: Iterable[Mapping[str, Any]] | None) -> dict[str, Any]:
    metrics = sorted({m["Metric"] for m in enabled_metrics or ()})
    granularity = next((m.get("Granularity") for m in enabled_metrics or ()), None)
    return {"enabled": bool(metrics), "granularity": granularity if metrics else None, "metrics": metrics}


def desired_metrics_view(option: Mapping[str, Any] | None, current: Mapping[str, Any]) -> dict[str, Any]:
    """metrics_collection option -> the view ``metrics_view`` gives once applied."""
    if option is None:
        return dict(current)
    if not option.get("enabled", True):
        return {"enabled": False, "granularity": None, "metrics": []}
    metrics = sorted(option.get("metrics") or ())
    if not metrics:  # [] = every metric; AWS lists them all, and the list grows over time
        basic = set(GROUP_METRICS[:8])
        have = set(current.get("metrics") or ())
        metrics = sorted(have) if current.get("enabled") and basic <= have else sorted(basic)
    return {"enabled": True, "granularity": option.get("granularity") or "1Minute", "metrics": metrics}


def in_service_count(instances: Iterable[Mapping[str, Any]]) -> int:
    return sum(1 for i in instances
               if i.get("LifecycleState") == "InService" and i.get("HealthStatus", "Healthy") == "Healthy")


def group_view(group: Mapping[str, Any] | None, notification: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The comparable snake_case view of a DescribeAutoScalingGroups entry ({} when absent)."""
    if not group:
        return {}
    lt = group.get("LaunchTemplate") or (group.get("MixedInstancesPolicy") or {}).get(
        "LaunchTemplate", {}).get("LaunchTemplateSpecification")
    view = {
        "launch_template": {"id": lt.get("LaunchTemplateId"), "version": str(lt.get("Version", "$Default"))}
        if lt else None,
        "launch_config_name": group.get("LaunchConfigurationName"),
        "min_size": group["MinSize"],
        "max_size": group["MaxSize"],
        "desired_capacity": group["DesiredCapacity"],
        "vpc_zone_identifier": sorted(s for s in (group.get("VPCZoneIdentifier") or "").split(",") if s),
        "load_balancers": sorted(group.get("LoadBalancerNames") or []),
        "target_group_arns": sorted(group.get("TargetGroupARNs") or []),
        "health_check_type": group.get("HealthCheckType", "EC2"),
        "health_check_grace_period": group.get("HealthCheckGracePeriod", 0),
        "default_cooldown": group.get("DefaultCooldown", 300),
        "termination_policies": list(group.get("TerminationPolicies") or ["Default"]),
        "metrics_collection": metrics_view(group.get("EnabledMetrics")),
        "tags": current_asg_tags(group.get("Tags")),
    }
    if notification is not None:
        view["notification"] = dict(notification)
    return view


def notification_view(configs: Iterable[Mapping[str, Any]], topic_arn: str) -> dict[str, Any]:
    types = sorted(c["NotificationType"] for c in configs if c.get("TopicARN") == topic_arn)
    return {"topic_arn": topic_arn, "types": types}


def desired_group_view(params: Mapping[str, Any], current: Mapping[str, Any], lt_id: str | None) -> dict[str, Any]:
    """The view the group should have: module options over the current view (options left unset keep it)."""
    cur = dict(current)
    lt = params.get("launch_template")
    if lt:
        launch_template, lc_name = {"id": lt_id, "version": str(lt.get("version") or "$Default")}, None
    elif params.get("launch_config_name"):
        launch_template, lc_name = None, params["launch_config_name"]
    else:
        launch_template, lc_name = cur.get("launch_template"), cur.get("launch_config_name")
    # unset: the group keeps its own (a new group is given both: AWS has no default)
    min_size = params["min_size"] if params["min_size"] is not None else cur.get("min_size")
    max_size = params["max_size"] if params["max_size"] is not None else cur.get("max_size")
    desired = params.get("desired_capacity")
    if desired is None:  # keep the current capacity (1 for a new group), inside the new bounds
        desired = min(max(cur.get("desired_capacity", 1), min_size), max_size)

    def keep(option: str, key: str | None = None, transform: Any = sorted) -> Any:
        value = params.get(option)
        return transform(value) if value is not None else cur.get(key or option, transform([]))

    view = {
        "launch_template": launch_template,
        "launch_config_name": lc_name,
        "min_size": min_size,
        "max_size": max_size,
        "desired_capacity": desired,
        "vpc_zone_identifier": keep("vpc_zone_identifier"),
        "load_balancers": keep("load_balancers"),
        "target_group_arns": keep("target_group_arns"),
        "health_check_type": params["health_check_type"],
        "health_check_grace_period": params["health_check_grace_period"],
        "default_cooldown": params["default_cooldown"],
        "termination_policies": keep("termination_policies", transform=lambda v: list(v) or ["Default"]),
        "metrics_collection": desired_metrics_view(params.get("metrics_collection"),
                                                   cur.get("metrics_collection") or metrics_view(None)),
        "tags": dict(cur.get("tags") or {}),
    }
    wanted_tags = normalise_asg_tags(params.get("tags"), params.get("propagate_at_launch", True))
    to_set, to_remove = compare_asg_tags(view["tags"], wanted_tags, params.get("purge_tags", True))
    view["tags"] = {k: v for k, v in {**view["tags"], **to_set}.items() if k not in to_remove}
    note = params.get("notification")
    if note:
        view["notification"] = {"topic_arn": note["topic_arn"], "types": sorted(set(note.get("types") or ()))}
    return view


def update_arguments(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateAutoScalingGroup arguments for what differs between two group views (no name)."""
    args: dict[str, Any] = {}
    if desired["launch_template"] != current.get("launch_template") and desired["launch_template"]:
        args["LaunchTemplate"] = {"LaunchTemplateId": desired["launch_template"]["id"],
                                  "Version": desired["launch_template"]["version"]}
    if desired["launch_config_name"] != current.get("launch_config_name") and desired["launch_config_name"]:
        args["LaunchConfigurationName"] = desired["launch_config_name"]
    simple = {"min_size": "MinSize", "max_size": "MaxSize", "desired_capacity": "DesiredCapacity",
              "health_check_type": "HealthCheckType", "health_check_grace_period": "HealthCheckGracePeriod",
              "default_cooldown": "DefaultCooldown", "termination_policies": "TerminationPolicies"}
    for key, api in simple.items():
        if desired[key] != current.get(key):
            args[api] = desired[key]
    if desired["vpc_zone_identifier"] != current.get("vpc_zone_identifier"):
        args["VPCZoneIdentifier"] = ",".join(desired["vpc_zone_identifier"])
    return args


def outdated_instances(instances: Iterable[Mapping[str, Any]], lt_id: str | None, lt_version: Any,
                       lc_name: str | None, spec_version: str | None = None) -> list[str]:
    """Instances not launched from the desired template version (resolved number) or configuration.

    An instance reporting a symbolic version ($Latest/$Default) equal to the group's ``spec_version``
    is taken as current (nothing says otherwise), so it never causes endless refreshes.
    """
    out = []
    for inst in instances:
        if lt_id:
            spec = inst.get("LaunchTemplate") or {}
            version = str(spec.get("Version"))
            if version.startswith("$") and version == spec_version:
                continue
            if spec.get("LaunchTemplateId") != lt_id or version != str(lt_version):
                out.append(inst["InstanceId"])
        elif lc_name and inst.get("LaunchConfigurationName") != lc_name:
            out.append(inst["InstanceId"])
    return sorted(out)
