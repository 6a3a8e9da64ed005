# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers shared by launch_template, launch_config and autoscaling_group.

Nothing here calls AWS: these functions validate inputs, build API request
shapes and compare desired with current state, so they are unit-tested alone.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any, Iterable, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.tags import dict_to_tag_list

AMI_RE = re.compile(r"^ami-[0-9a-f]{8}([0-9a-f]{9})?$")
SG_RE = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
SUBNET_RE = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
# family[generation][attributes].size, e.g. t3.micro, m5d.2xlarge, c7gn.metal, u-6tb1.56xlarge, mac2-m2.metal
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9-]+$")
LT_NAME_RE = re.compile(r"^[a-zA-Z0-9().\-/_]{3,128}$")
LC_PREFIX_RE = re.compile(r"^[\w+=,.@-]{1,200}$")
SNS_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")
VOLUME_TYPES = ("standard", "io1", "io2", "gp2", "gp3", "sc1", "st1")

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


# -- the instance definition options of launch_template and launch_config ---------------------

def instance_argument_spec(metadata_options: Mapping[str, Any] | None = None,
                           block_device_mappings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The argument spec both modules share (a fresh copy); ``metadata_options`` and ``block_device_mappings``
    add the suboptions only one of the APIs has. Documented by the ``webfleet.aws.instance`` fragment and
    each module (the options whose descriptions differ)."""
    return dict(
        image_id=dict(type="str"),
        instance_type=dict(type="str", default="t3.micro"),
        key_name=dict(type="str", no_log=False),
        user_data=dict(type="str"),
        iam_instance_profile=dict(type="str"),
        monitoring=dict(type="bool", default=True),
        metadata_options=dict(type="dict", apply_defaults=True, options=dict(
            http_tokens=dict(type="str", default="required", choices=["required", "optional"]),
            http_put_response_hop_limit=dict(type="int", default=2),
            http_endpoint=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
            **(metadata_options or {}),
        )),
        block_device_mappings=dict(type="list", elements="dict", options=dict(
            device_name=dict(type="str", required=True),
            volume_size=dict(type="int"),
            volume_type=dict(type="str", choices=list(VOLUME_TYPES)),
            iops=dict(type="int"),
            throughput=dict(type="int"),
            encrypted=dict(type="bool", default=True),
            delete_on_termination=dict(type="bool", default=True),
            snapshot_id=dict(type="str"),
            **(block_device_mappings or {}),
        )),
    )


# -- user data -------------------------------------------------------------------------------

def encode_user_data(text: str | None) -> str | None:
    """Plain text -> the base64 string the EC2/Auto Scaling APIs take."""
    if text is None:
        return None
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def decode_user_data(value: str | None) -> str | None:
    """The API's base64 user data -> text (values that are not base64 are returned as they are)."""
    if value is None:
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return value


def user_data_digest(text: str | None) -> str | None:
    """What diffs show instead of user data: its sha256 (user data may hold secrets)."""
    if text is None:
        return None
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- validation --------------------------------------------------------------------------------

def check_sizes(min_size: int | None, max_size: int | None, desired: int | None) -> tuple[str, str] | None:
    """(parameter, problem) when min <= desired <= max does not hold, else None."""
    for name, value in (("min_size", min_size), ("max_size", max_size), ("desired_capacity", desired)):
        if value is not None and value < 0:
            return name, f"must be 0 or more, got {value}"
    if min_size is not None and max_size is not None and min_size > max_size:
        return "min_size", f"{min_size} is greater than max_size {max_size}; lower min_size or raise max_size"
    if desired is not None:
        if min_size is not None and desired < min_size:
            return "desired_capacity", f"{desired} is below min_size {min_size}; use a value from min_size to max_size"
        if max_size is not None and desired > max_size:
            return "desired_capacity", f"{desired} is above max_size {max_size}; use a value from min_size to max_size"
    return None


def instance_type_problem(value: str | None) -> str | None:
    if value is not None and not INSTANCE_TYPE_RE.match(value):
        return f"'{value}' is not an instance type; use a name such as t3.micro or m5.large"
    return None


def block_device_problem(mappings: Iterable[Mapping[str, Any]] | None) -> tuple[str, str] | None:
    for i, bdm in enumerate(mappings or ()):
        where = f"block_device_mappings[{i}]"
        if not bdm.get("device_name"):
            return where + ".device_name", "is required, for example /dev/xvda"
        size = bdm.get("volume_size")
        if size is not None and size < 1:
            return where + ".volume_size", f"must be at least 1 (GiB), got {size}"
        if bdm.get("volume_type") not in (None, *VOLUME_TYPES):
            return where + ".volume_type", f"must be one of {', '.join(VOLUME_TYPES)}"
    return None


# -- launch template data --------------------------------------------------------------------

def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None and _drop_none(v) not in ({}, [])}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def ebs_mapping(bdm: Mapping[str, Any]) -> dict[str, Any]:
    """One block_device_mappings entry (module options) -> the API's BlockDeviceMapping."""
    if bdm.get("virtual_name"):
        return {"DeviceName": bdm["device_name"], "VirtualName": bdm["virtual_name"]}
    if bdm.get("no_device"):
        return {"DeviceName": bdm["device_name"], "NoDevice": ""}
    ebs = {
        "VolumeSize": bdm.get("volume_size"),
        "VolumeType": bdm.get("volume_type"),
        "Iops": bdm.get("iops"),
        "Throughput": bdm.get("throughput"),
        "SnapshotId": bdm.get("snapshot_id"),
        "DeleteOnTermination": bdm.get("delete_on_termination", True),
        "Encrypted": bdm.get("encrypted", True),
        "KmsKeyId": bdm.get("kms_key_id"),
    }
    return _drop_none({"DeviceName": bdm["device_name"], "Ebs": ebs})


def launch_template_data(params: Mapping[str, Any]) -> dict[str, Any]:
    """The LaunchTemplateData the module's options ask for (API shape, no None values)."""
    meta = params.get("metadata_options") or {}
    profile = params.get("iam_instance_profile")
    data: dict[str, Any] = {
        "ImageId": params.get("image_id"),
        "InstanceType": params.get("instance_type"),
        "KeyName": params.get("key_name"),
        "SecurityGroupIds": sorted(params["security_group_ids"]) if params.get("security_group_ids") else None,
        "UserData": encode_user_data(params.get("user_data")),
        "IamInstanceProfile": (
            ({"Arn": profile} if profile.startswith("arn:") else {"Name": profile}) if profile else None),
        "Monitoring": {"Enabled": bool(params.get("monitoring", True))},
        "MetadataOptions": {
            "HttpTokens": meta.get("http_tokens", "required"),
            "HttpPutResponseHopLimit": meta.get("http_put_response_hop_limit"),
            "HttpEndpoint": meta.get("http_endpoint", "enabled"),
            "InstanceMetadataTags": meta.get("instance_metadata_tags"),
        },
        "BlockDeviceMappings": [ebs_mapping(b) for b in params.get("block_device_mappings") or ()] or None,
        "TagSpecifications": [
            {"ResourceType": ts["resource_type"], "Tags": dict_to_tag_list(ts.get("tags"))}
            for ts in params.get("tag_specifications") or ()
        ] or None,
    }
    return _drop_none(data)


def normalise_template_data(data: Mapping[str, Any] | None, managed: Iterable[str]) -> dict[str, Any]:
    """A comparable form of LaunchTemplateData, restricted to the ``managed`` top-level keys.

    Lists AWS treats as sets are sorted; user data is decoded so base64 padding or
    an endpoint storing plain text does not read as a change.
    """
    out: dict[str, Any] = {}
    for key in managed:
        if not data or data.get(key) is None:
            continue
        value = data[key]
        if key == "SecurityGroupIds":
            value = sorted(value)
        elif key == "UserData":
            value = decode_user_data(value)
        elif key == "BlockDeviceMappings":
            value = sorted(value, key=lambda b: b.get("DeviceName", ""))
        elif key == "TagSpecifications":
            # the template's own tags (resource type launch-template) are managed by `tags`, not the data
            value = sorted(
                ({"ResourceType": ts["ResourceType"],
                  "Tags": sorted(ts.get("Tags", []), key=lambda t: t["Key"])}
                 for ts in value if ts.get("ResourceType") != "launch-template"),
                key=lambda ts: ts["ResourceType"]) or None
            if value is None:
                continue
        out[key] = value
    return out


def _covers(current: Any, desired: Any) -> bool:
    """True when ``current`` holds everything ``desired`` asks for (extra keys AWS adds in
    nested structures are defaults, not differences)."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(_covers(current.get(k), v) for k, v in desired.items())
    if isinstance(desired, list):
        return isinstance(current, list) and len(current) == len(desired) and all(
            _covers(c, d) for c, d in zip(current, desired))
    return current == desired


def template_data_differs(current: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> bool:
    """Does the latest version's data differ from the desired data?

    Top-level keys are compared for presence (dropping KeyName is a change);
    nested values only on what the desired side specifies.
    """
    managed = set(desired) | set(TEMPLATE_MANAGED_KEYS)
    cur = normalise_template_data(current, managed)
    want = normalise_template_data(desired, managed)
    if set(cur) != set(want):
        return True
    return not all(_covers(cur[k], want[k]) for k in want)


TEMPLATE_MANAGED_KEYS = (
    "ImageId", "InstanceType", "KeyName", "SecurityGroupIds", "UserData", "IamInstanceProfile",
    "Monitoring", "MetadataOptions", "BlockDeviceMappings", "TagSpecifications",
)


def template_data_view(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """snake_case view for diffs; user data appears as its sha256 only."""
    from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

    norm = normalise_template_data(data, TEMPLATE_MANAGED_KEYS)
    user_data = norm.pop("UserData", None)
    tag_specs = norm.pop("TagSpecifications", None)
    view = camel_dict_to_snake_dict(norm)
    if user_data is not None:
        view["user_data"] = user_data_digest(user_data)
    if tag_specs is not None:
        view["tag_specifications"] = [
            {"resource_type": ts["ResourceType"], "tags": {t["Key"]: t.get("Value", "") for t in ts["Tags"]}}
            for ts in tag_specs]
    return view


def versions_to_delete(versions: Iterable[int], keep: int | None, protect: Iterable[int]) -> list[int]:
    """Oldest version numbers beyond the newest ``keep``, never one in ``protect`` (default/latest)."""
    if not keep:
        return []
    ordered = sorted(set(versions), reverse=True)
    protected = set(protect)
    return sorted(v for v in ordered[keep:] if v not in protected)


# -- launch configurations ----------------------------------------------------------------------

def content_hash(definition: Mapping[str, Any], length: int = 10) -> str:
    """Short, stable hash of a definition (key order and list order of sets do not matter)."""
    blob = json.dumps(definition, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]


def launch_config_definition(params: Mapping[str, Any]) -> dict[str, Any]:
    """CreateLaunchConfiguration arguments (without the name) for the module's options."""
    meta = params.get("metadata_options") or {}
    definition = {
        "ImageId": params.get("image_id"),
        "InstanceType": params.get("instance_type"),
        "KeyName": params.get("key_name"),
        "SecurityGroups": sorted(params.get("security_groups") or []) or None,
        "UserData": encode_user_data(params.get("user_data")),
        "IamInstanceProfile": params.get("iam_instance_profile"),
        "InstanceMonitoring": {"Enabled": bool(params.get("monitoring", True))},
        "MetadataOptions": {
            "HttpTokens": meta.get("http_tokens", "required"),
            "HttpPutResponseHopLimit": meta.get("http_put_response_hop_limit"),
            "HttpEndpoint": meta.get("http_endpoint", "enabled"),
        },
        "BlockDeviceMappings": sorted((ebs_mapping(b) for b in params.get("block_device_mappings") or ()),
                                      key=lambda b: b["DeviceName"]) or None,
        "AssociatePublicIpAddress": params.get("associate_public_ip_address"),
    }
    return _drop_none(definition)


def launch_config_name(prefix: str, definition: Mapping[str, Any]) -> str:
    """Deterministic name: same content -> same name; changed content -> a new name."""
    hashed = dict(definition)
    if hashed.get("UserData") is not None:  # hash the text, not its encoding
        hashed["UserData"] = user_data_digest(decode_user_data(hashed["UserData"]))
    return f"{prefix}-{content_hash(hashed)}"


def owned_by_prefix(names: Iterable[str], prefix: str) -> list[str]:
    """Launch configuration names this module made for ``prefix`` (prefix + '-' + 10 hex)."""
    pattern = re.compile(re.escape(prefix) + r"-[0-9a-f]{10}$")
    return sorted(n for n in names if pattern.match(n))


# -- Auto Scaling groups ------------------------------------------------------------------------

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


# -- Auto Scaling group views ------------------------------------------------------------------

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
    min_size, max_size = params["min_size"], params["max_size"]
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
