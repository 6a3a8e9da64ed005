#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ami
short_description: Create an AMI from an instance, or deregister one with its snapshots
description:
  - O(state=present) creates an image from O(instance_id) named O(name) and waits until it is available.
    An image of that name the account already owns is the same image - it is returned unchanged, except
    that its description and tags are brought in line.
  - O(state=absent) deregisters the image found by O(image_id) or O(name) and deletes its EBS snapshots.
  - O(tags) are applied to the image and its snapshots together.
  - The snapshots inherit the encryption of the instance's volumes; the C(ec2_instance) module encrypts
    the root volume by default.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
options:
  name:
    description:
      - The image's name, unique among the account's images (3-128 characters of letters, digits and
        C(()[] ./-'@_)). Required to create an image.
    type: str
  image_id:
    description: The image's id (C(ami-...)); finds the image instead of O(name).
    type: str
  instance_id:
    description: The instance to image. Required to create an image.
    type: str
  description:
    description: The image's description (changed in place on an existing image).
    type: str
  no_reboot:
    description:
      - Do not shut the instance down before imaging. Faster, but file system integrity is not guaranteed.
    type: bool
    default: false
  state:
    description: Whether the image should exist.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until a new image is C(available).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for the image to become available.
    type: int
    default: 900
  delete_snapshots:
    description: With O(state=absent), also delete the EBS snapshots of the image.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Bake the nginx image from the builder
  webfleet.aws.ami:
    name: ec2-nginx-ami
    description: amazon linux2 + nginx + site
    instance_id: "{{ builder.instance.instance_id }}"
    tags:
      Project: webfleet
  register: baked

- name: Remove the image and its snapshots
  webfleet.aws.ami:
    name: ec2-nginx-ami
    state: absent
"""

RETURN = r"""
image_id:
  description: The image's id (C(null) when a create is only reported in check mode).
  returned: when the image exists or existed
  type: str
  sample: ami-0123456789abcdef0
image:
  description: The image as EC2 describes it, in snake_case (tags as a dict).
  returned: when state is present
  type: dict
snapshot_ids:
  description: The image's EBS snapshots (deleted ones with O(state=absent)).
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent waiting for the image.
  returned: always
  type: float
"""

import re
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import (
    AWSError,
    AWSModule,
    ParamError,
    is_not_found,
    snake,
)
from ansible_collections.webfleet.aws.plugins.module_utils.images import find_image, image_snapshots
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    apply_tags,
    desired_tags,
    tag_list_to_dict,
    tag_specifications,
)

NAME_RE = re.compile(r"^[A-Za-z0-9()\[\] ./\-'@_]{3,128}$")


def view(image: dict[str, Any] | None) -> dict[str, Any]:
    if not image:
        return {}
    return {"name": image.get("Name"), "description": image.get("Description") or "",
            "tags": tag_list_to_dict(image.get("Tags"))}


def wait_available(module: AWSModule, client: Any, image_id: str) -> tuple[dict[str, Any], float]:
    def probe() -> dict[str, Any]:
        return client.describe_images(ImageIds=[image_id])["Images"][0]

    def done(image: dict[str, Any]) -> bool:
        if image.get("State") in ("failed", "error", "invalid"):
            reason = image.get("StateReason", {}).get("Message", "no reason given")
            raise AWSError(f"image {image_id} ended in state {image['State']}: {reason}", image_id=image_id)
        return image.get("State") == "available"

    return module.wait(probe, done, f"image {image_id} to become available", module.params["wait_timeout"])


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str"), image_id=dict(type="str"), instance_id=dict(type="str"),
    description=dict(type="str"), no_reboot=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=900),
    delete_snapshots=dict(type="bool", default=True),
)


class Image(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = [("name", "image_id")]
    WHAT = "image"

    def label(self) -> str:
        return f"image '{self.params['image_id'] or self.params['name']}'"

    def validate(self) -> None:
        p = self.params
        if p["name"] and not NAME_RE.match(p["name"]):
            raise ParamError("name", f"'{p['name']}' must be 3-128 letters, digits, spaces or ()[]./-'@_")
        if p["image_id"] and not p["image_id"].startswith("ami-"):
            raise ParamError("image_id", f"'{p['image_id']}' is not an image id like ami-0123abcd")
        if p["instance_id"] and not p["instance_id"].startswith("i-"):
            raise ParamError("instance_id", f"'{p['instance_id']}' is not an instance id like i-0123abcd")
        if p["description"] is not None and len(p["description"]) > 255:
            raise ParamError("description", "must be at most 255 characters")
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", "must be 0 or more seconds")

    def read(self) -> dict[str, Any] | None:
        self.client = self.module.client("ec2")
        return find_image(self.client, self.params["image_id"], self.params["name"])

    def view(self, image: dict[str, Any] | None) -> dict[str, Any]:
        return view(image)

    def state_absent(self, image: dict[str, Any] | None) -> None:
        if image is None:
            self.module.exit(before={}, after={}, snapshot_ids=[], waited=0.0)
        self.snapshots = image_snapshots(image) if self.params["delete_snapshots"] else []
        super().state_absent(image)

    def delete(self, image: dict[str, Any]) -> None:
        self.client.deregister_image(ImageId=image["ImageId"])
        for snapshot_id in self.snapshots:
            try:
                self.client.delete_snapshot(SnapshotId=snapshot_id)
            except Exception as exc:  # an already deleted snapshot is what we want
                if not is_not_found(exc):
                    raise

    def state_present(self, image: dict[str, Any] | None) -> None:
        p = self.params
        if image is None and p["image_id"]:
            self.module.fail_param("image_id", f"image {p['image_id']} does not exist; give name and instance_id "
                                               "to create one")
        if image is None and not p["instance_id"]:
            self.module.fail_param("instance_id", f"required to create image '{p['name']}' (no image of that name "
                                                  "exists)")
        if image is None:
            with self.module.aws_errors(f"describe instance {p['instance_id']}"):
                require_references(self.client, "instance_id", "instance", [p["instance_id"]])
        self.waited = 0.0
        self.converge(image, view(image), self.desired(image))

    def desired(self, image: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        if image is None:
            return {"name": p["name"], "description": p["description"] or "", "tags": dict(p["tags"] or {})}
        before = view(image)
        after = {**before, "tags": desired_tags(before["tags"], p["tags"], p["purge_tags"])}
        if p["description"] is not None:
            after["description"] = p["description"]
        return after

    def apply(self, image: dict[str, Any] | None, after: dict[str, Any]) -> str:
        p, client = self.params, self.client
        if image is None:
            return self._create()
        before = view(image)
        if after["description"] != before["description"]:
            client.modify_image_attribute(ImageId=image["ImageId"], Description={"Value": after["description"]})
        apply_tags(client, [image["ImageId"], *image_snapshots(image)], before["tags"], p["tags"], p["purge_tags"])
        return image["ImageId"]

    def _create(self) -> str:
        p, client = self.params, self.client
        args: dict[str, Any] = {"InstanceId": p["instance_id"], "Name": p["name"], "NoReboot": p["no_reboot"]}
        if p["description"]:
            args["Description"] = p["description"]
        if p["tags"]:
            args["TagSpecifications"] = tag_specifications(["image", "snapshot"], p["tags"])
        image_id = client.create_image(**args)["ImageId"]
        self.module.on_failure(f"deregister image {image_id} and delete its snapshots",
                               lambda: undo_create(client, image_id))
        if p["wait"]:
            _, self.waited = wait_available(self.module, client, image_id)
        return image_id

    def result(self, image: dict[str, Any] | None, after: dict[str, Any], image_id: Any) -> dict[str, Any]:
        p, client = self.params, self.client
        if p["state"] == "absent":
            return {"image_id": image["ImageId"], "snapshot_ids": self.snapshots, "waited": 0.0}
        if image is None and image_id is None:  # check mode, nothing made
            return {"image_id": None, "image": {}, "snapshot_ids": [], "waited": 0.0}
        image_id = image_id or image["ImageId"]
        if image is not None and image.get("State") == "pending" and p["wait"] and not self.module.check_mode:
            _, self.waited = wait_available(self.module, client, image_id)
        found = client.describe_images(ImageIds=[image_id])["Images"][0]
        return {"image_id": image_id, "image": snake(found), "snapshot_ids": image_snapshots(found),
                "waited": self.waited}


def main() -> None:
    Image.run()


def undo_create(client: Any, image_id: str) -> None:
    images = client.describe_images(ImageIds=[image_id])["Images"]
    client.deregister_image(ImageId=image_id)
    for snapshot_id in image_snapshots(images[0]) if images else []:
        client.delete_snapshot(SnapshotId=snapshot_id)


if __name__ == "__main__":
    main()
