# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""VPC lookups: the VPC a resource goes in (the region's default VPC when none is named).
"""
from __future__ import annotations

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references


# -- AWS lookups -----------------------------------------------------------------------------
def find_vpc(client: Any, vpc_id: str | None, param: str = "vpc_id") -> dict[str, Any]:
    """The VPC ``vpc_id``, or the region's default VPC; ParamError naming ``param`` when missing."""
    if vpc_id:
        return require_references(client, param, "vpc", [vpc_id],
                                  "{what} {ids} does not exist in this region; check the id")[vpc_id]
    vpcs = client.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise ParamError(param, f"this region has no default VPC; give {param}")
    return vpcs[0]
