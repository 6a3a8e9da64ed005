#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_info
short_description: Facts about one VPC (the default VPC unless told otherwise) and its subnets per availability zone
description:
  - Finds one VPC - the region's default VPC, the VPC O(vpc_id), or the single VPC matching O(filters) -
    and returns it with its subnets, grouped per availability zone.
  - Never changes anything.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
options:
  vpc_id:
    description: The VPC's id. When neither this nor O(filters) is given, the default VPC is used.
    type: str
  filters:
    description:
      - DescribeVpcs filters as a dictionary, for example C(tag:Name=web) written as a mapping.
      - Must match exactly one VPC.
      - A value may be a list.
    type: dict
  subnet_filters:
    description:
      - Extra DescribeSubnets filters for the VPC's subnets, for example C(default-for-az=true) written as a mapping.
    type: dict
"""

EXAMPLES = r"""
- name: Default VPC and its subnets
  webfleet.aws.vpc_info:
  register: net

- name: Two subnets in two zones for the Auto Scaling group
  ansible.builtin.set_fact:
    asg_subnets: "{{ (net.subnets_by_az | dict2items | map(attribute='value') | map('first') | list)[:2] }}"

- name: A VPC by tag
  webfleet.aws.vpc_info:
    filters:
      "tag:Name": web
"""

RETURN = r"""
vpc:
  description: The VPC, in snake_case (tags as a dict).
  returned: always
  type: dict
  sample: {vpc_id: vpc-0123, cidr_block: 172.31.0.0/16, is_default: true, tags: {}}
vpc_id:
  description: The VPC's id.
  returned: always
  type: str
subnets:
  description: The VPC's subnets, in snake_case, sorted by availability zone then id.
  returned: always
  type: list
  elements: dict
subnets_by_az:
  description: Subnet ids per availability zone.
  returned: always
  type: dict
  sample: {us-east-1a: [subnet-1], us-east-1b: [subnet-2]}
default_for_az:
  description: The default subnet of each availability zone (default VPC only).
  returned: always
  type: dict
  sample: {us-east-1a: subnet-1}
availability_zones:
  description: The zones that hold at least one subnet, sorted.
  returned: always
  type: list
  elements: str
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSInfo
from ansible_collections.webfleet.aws.plugins.module_utils.vpcs import find_vpc


def as_filters(filters: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [{"Name": str(k), "Values": [str(v) for v in (vals if isinstance(vals, list) else [vals])]}
            for k, vals in sorted((filters or {}).items())]


ARGUMENT_SPEC: dict[str, Any] = dict(
    vpc_id=dict(type="str"), filters=dict(type="dict"), subnet_filters=dict(type="dict"),
)


class VPCInfo(AWSInfo):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    MUTUALLY_EXCLUSIVE = [("vpc_id", "filters")]
    WHAT = "the VPC"

    def validate(self) -> None:
        vpc_id = self.params["vpc_id"]
        if vpc_id and not vpc_id.startswith("vpc-"):
            raise ParamError("vpc_id", f"'{vpc_id}' is not a VPC id like vpc-0123abcd")

    def read(self) -> dict[str, Any]:
        p, client = self.params, self.module.client("ec2")
        if p["filters"]:
            vpcs = paginate(client, "describe_vpcs", "Vpcs", Filters=as_filters(p["filters"]))
            if len(vpcs) != 1:
                ids = ", ".join(v["VpcId"] for v in vpcs) or "none"
                raise ParamError("filters", f"must match exactly one VPC, matched {len(vpcs)} ({ids}); narrow them")
            vpc = vpcs[0]
        else:
            vpc = find_vpc(client, p["vpc_id"])
        filters = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, *as_filters(p["subnet_filters"])]
        subnets = paginate(client, "describe_subnets", "Subnets", Filters=filters)
        subnets.sort(key=lambda s: (s["AvailabilityZone"], s["SubnetId"]))
        by_az: dict[str, list[str]] = {}
        default_for_az: dict[str, str] = {}
        for subnet in subnets:
            by_az.setdefault(subnet["AvailabilityZone"], []).append(subnet["SubnetId"])
            if subnet.get("DefaultForAz"):
                default_for_az[subnet["AvailabilityZone"]] = subnet["SubnetId"]
        return {"vpc": snake(vpc), "vpc_id": vpc["VpcId"], "subnets": [snake(s) for s in subnets],
                "subnets_by_az": by_az, "default_for_az": default_for_az, "availability_zones": sorted(by_az)}


def main() -> None:
    VPCInfo.run()


if __name__ == "__main__":
    main()
