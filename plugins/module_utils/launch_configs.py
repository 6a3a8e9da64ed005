# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Launch configurations (pure): the definition from the options, its content-hashed name, and
which configurations a name prefix owns.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    _drop_none,
    decode_user_data,
    ebs_mapping,
    encode_user_data,
    user_data_digest,
)

LC_PREFIX_RE = re.compile(r"^[\w+=,.@-]{1,200}$")


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
