#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ami_info
short_description: Find machine images by owner, name pattern and filters; optionally the newest one
description:
  - Lists the images matching O(image_ids), O(owners), O(name) and O(filters), oldest first.
  - With O(most_recent), also returns the newest match (by C(CreationDate)) as RV(image) and RV(image_id),
    for example the current Amazon Linux 2023 base image.
  - Never changes anything.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
options:
  image_ids:
    description: Image ids to describe. An unknown id fails naming this parameter.
    type: list
    elements: str
    default: []
  owners:
    description: Owners (C(self), C(amazon), C(aws-marketplace) or account ids).
    type: list
    elements: str
    default: []
  name:
    description: Name pattern; C(*) matches any characters, C(?) one character.
    type: str
  architecture:
    description: Only images of this architecture.
    type: str
    choices: [i386, x86_64, arm64, x86_64_mac, arm64_mac]
  filters:
    description: Further DescribeImages filters as a dictionary; a value may be a list.
    type: dict
    default: {}
  most_recent:
    description: Also return the newest matching image as RV(image).
    type: bool
    default: false
  required:
    description: Fail (naming the search) when nothing matches.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The newest Amazon Linux 2023 base image
  webfleet.aws.ami_info:
    owners: [amazon]
    name: al2023-ami-2023.*-x86_64
    most_recent: true
    required: true
  register: base

- name: The images this project baked
  webfleet.aws.ami_info:
    owners: [self]
    filters:
      "tag:Project": webfleet
"""

RETURN = r"""
images:
  description: The matching images in snake_case (tags as a dict), oldest first.
  returned: always
  type: list
  elements: dict
image:
  description: The newest matching image (empty when none matches).
  returned: when O(most_recent) is true
  type: dict
image_id:
  description: The newest matching image's id (C(null) when none matches).
  returned: when O(most_recent) is true
  type: str
  sample: ami-0123456789abcdef0
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSError, ParamError, is_not_found, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSInfo

ARGUMENT_SPEC: dict[str, Any] = dict(
    image_ids=dict(type="list", elements="str", default=[]), owners=dict(type="list", elements="str", default=[]),
    name=dict(type="str"), architecture=dict(type="str", choices=["i386", "x86_64", "arm64", "x86_64_mac",
                                                                  "arm64_mac"]),
    filters=dict(type="dict", default={}), most_recent=dict(type="bool", default=False),
    required=dict(type="bool", default=False),
)


class ImageInfo(AWSInfo):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "images"

    def validate(self) -> None:
        bad = [i for i in self.params["image_ids"] if not str(i).startswith("ami-")]
        if bad:
            raise ParamError("image_ids", f"{bad} are not image ids like ami-0123abcd")

    def request(self) -> dict[str, Any]:
        p = self.params
        filters: dict[str, Any] = dict(p["filters"])
        if p["name"]:
            filters["name"] = p["name"]
        if p["architecture"]:
            filters["architecture"] = p["architecture"]
        args: dict[str, Any] = {
            "Filters": [{"Name": str(k), "Values": [str(x) for x in (v if isinstance(v, list) else [v])]}
                        for k, v in sorted(filters.items())],
        }
        if p["owners"]:
            args["Owners"] = p["owners"]
        if p["image_ids"]:
            args["ImageIds"] = p["image_ids"]
        return args

    def read(self) -> dict[str, Any]:
        p = self.params
        try:
            images = self.module.client("ec2").describe_images(**self.request())["Images"]
        except Exception as exc:
            if is_not_found(exc, malformed=True):
                raise ParamError("image_ids", f"{p['image_ids']}: at least one image does not exist ({exc})") from None
            raise
        images.sort(key=lambda i: (i.get("CreationDate", ""), i["ImageId"]))
        if not images and p["required"]:
            raise AWSError(f"no image matches owners={p['owners']} name={p['name']} filters={p['filters']}; "
                           "check the search and the region")
        result: dict[str, Any] = {"images": [snake(i) for i in images]}
        if p["most_recent"]:
            result["image"] = snake(images[-1]) if images else {}
            result["image_id"] = images[-1]["ImageId"] if images else None
        return result


def main() -> None:
    ImageInfo.run()


if __name__ == "__main__":
    main()
