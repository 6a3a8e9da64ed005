# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Launch templates (pure): the request data from the options, its comparable view, and which
old versions to delete.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    _drop_none,
    decode_user_data,
    ebs_mapping,
    encode_user_data,
    user_data_digest,
)
from ansible_collections.webfleet.aws.plugins.module_utils.tags import dict_to_tag_list

LT_NAME_RE = re.compile(r"^[a-zA-Z0-9().\-/_]{3,128}$")


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
