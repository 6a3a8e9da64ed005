# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance options launch configurations and launch templates share (pure): their argument
spec, user data encoding, size and block device checks.
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any, Iterable, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError

AMI_RE = re.compile(r"^ami-[0-9a-f]{8}([0-9a-f]{9})?$")


SG_RE = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")


# family[generation][attributes].size, e.g. t3.micro, m5d.2xlarge, c7gn.metal, u-6tb1.56xlarge, mac2-m2.metal
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9-]+$")


VOLUME_TYPES = ("standard", "io1", "io2", "gp2", "gp3", "sc1", "st1")


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


def check_image_and_type(params: Mapping[str, Any]) -> None:
    """The image id and instance type both launch templates and configurations need (ParamError)."""
    image_id = params["image_id"]
    if not AMI_RE.match(image_id):
        raise ParamError("image_id", f"'{image_id}' is not an AMI id; use ami- followed by 8 or 17 hex digits")
    problem = instance_type_problem(params["instance_type"])
    if problem:
        raise ParamError("instance_type", problem)


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
