#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_tag_info
short_description: Find the instances, security groups and key pairs that carry every given tag
description:
  - Lists the region's not-terminated instances, security groups and key pairs tagged with every key and
    value of O(tags), for example the builders an interrupted bake left (C(Role=builder), C(Project=webfleet)).
  - RV(names) joins their names (an instance's C(Name) tag, a group's name, a key pair's name), so that each
    can be removed by name with M(webfleet.aws.ec2_instance), M(webfleet.aws.security_group) and
    M(webfleet.aws.key_pair).
  - Never changes anything.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
options:
  tags:
    description: The tags to match (all of them). At least one.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The builders earlier bakes left
  webfleet.aws.ec2_tag_info:
    tags: {Role: builder, Project: webfleet}
  register: builders
"""

RETURN = r"""
instances:
  description: The matching instances that are not terminated, in snake_case (tags as a dict).
  returned: always
  type: list
  elements: dict
security_groups:
  description: The matching security groups, in snake_case.
  returned: always
  type: list
  elements: dict
key_pairs:
  description: The matching key pairs, in snake_case.
  returned: always
  type: list
  elements: dict
names:
  description: The sorted, unique names of all of them (instances without a C(Name) tag are left out).
  returned: always
  type: list
  elements: str
  sample: [webfleet-bake-0123456789ab]
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSInfo

LIVE = ["pending", "running", "stopping", "stopped", "shutting-down"]
ARGUMENT_SPEC: dict[str, Any] = dict(tags=dict(type="dict", required=True))


class TagInfo(AWSInfo):
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def label(self) -> str:
        return f"what is tagged {self.params['tags']}"

    def validate(self) -> None:
        if not self.params["tags"]:
            raise ParamError("tags", "give at least one tag to match, for example {Role: builder}")

    def read(self) -> dict[str, Any]:
        client = self.module.client("ec2")
        filters = [{"Name": f"tag:{k}", "Values": [str(v)]} for k, v in sorted(self.params["tags"].items())]
        reservations = paginate(client, "describe_instances", "Reservations",
                                Filters=[*filters, {"Name": "instance-state-name", "Values": LIVE}])
        groups = paginate(client, "describe_security_groups", "SecurityGroups", Filters=filters)
        keys = client.describe_key_pairs(Filters=filters)["KeyPairs"]
        instances = [snake(i) for r in reservations for i in r["Instances"]]
        names = {i.get("tags", {}).get("Name") for i in instances} - {None, ""}
        names |= {g["GroupName"] for g in groups} | {k["KeyName"] for k in keys}
        return {"instances": instances, "security_groups": [snake(g) for g in groups],
                "key_pairs": [snake(k) for k in keys], "names": sorted(names)}


def main() -> None:
    TagInfo.run()


if __name__ == "__main__":
    main()
