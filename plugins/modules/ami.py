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

from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSError, AWSModule, is_not_found, snake
from ansible_collections.webfleet.aws.plugins.module_utils.images import find_image, image_snapshots
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


def validate(module: AWSModule) -> None:
    p = module.params
    if p["state"] == "present" and not p["name"] and not p["image_id"]:
        module.fail_param("name", "required to create or find an image")
    if p["state"] == "absent" and not p["name"] and not p["image_id"]:
        module.fail_param("image_id", "give image_id or name of the image to deregister")
    if p["name"] and not NAME_RE.match(p["name"]):
        module.fail_param("name", f"'{p['name']}' must be 3-128 letters, digits, spaces or ()[]./-'@_")
    if p["image_id"] and not p["image_id"].startswith("ami-"):
        module.fail_param("image_id", f"'{p['image_id']}' is not an image id like ami-0123abcd")
    if p["instance_id"] and not p["instance_id"].startswith("i-"):
        module.fail_param("instance_id", f"'{p['instance_id']}' is not an instance id like i-0123abcd")
    if p["description"] is not None and len(p["description"]) > 255:
        module.fail_param("description", "must be at most 255 characters")
    if p["wait_timeout"] < 0:
        module.fail_param("wait_timeout", "must be 0 or more seconds")


def wait_available(module: AWSModule, client: Any, image_id: str) -> tuple[dict[str, Any], float]:
    def probe() -> dict[str, Any]:
        return client.describe_images(ImageIds=[image_id])["Images"][0]

    def done(image: dict[str, Any]) -> bool:
        if image.get("State") in ("failed", "error", "invalid"):
            reason = image.get("StateReason", {}).get("Message", "no reason given")
            raise AWSError(f"image {image_id} ended in state {image['State']}: {reason}", image_id=image_id)
        return image.get("State") == "available"

    return module.wait(probe, done, f"image {image_id} to become available", module.params["wait_timeout"])


def absent(module: AWSModule, client: Any, image: dict[str, Any] | None) -> None:
    if image is None:
        module.exit(before={}, after={}, snapshot_ids=[], waited=0.0)
    snapshots = image_snapshots(image) if module.params["delete_snapshots"] else []
    if not module.check_mode:
        with module.aws_errors(f"deregister image {image['ImageId']}"):
            client.deregister_image(ImageId=image["ImageId"])
            for snapshot_id in snapshots:
                try:
                    client.delete_snapshot(SnapshotId=snapshot_id)
                except Exception as exc:  # an already deleted snapshot is what we want
                    if not is_not_found(exc):
                        raise
    module.exit(before=view(image), after={}, image_id=image["ImageId"], snapshot_ids=snapshots, waited=0.0)


def main() -> None:
    module = AWSModule(argument_spec=dict(
        name=dict(type="str"), image_id=dict(type="str"), instance_id=dict(type="str"),
        description=dict(type="str"), no_reboot=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=900),
        delete_snapshots=dict(type="bool", default=True),
    ))
    validate(module)
    p = module.params
    client = module.client("ec2")
    with module.aws_errors(f"find image '{p['image_id'] or p['name']}'"):
        image = find_image(client, p["image_id"], p["name"])
    if p["state"] == "absent":
        absent(module, client, image)
    if image is None and p["image_id"]:
        module.fail_param("image_id", f"image {p['image_id']} does not exist; give name and instance_id to create one")
    before = view(image)
    waited = 0.0
    if image is not None:
        after = {**before, "tags": desired_tags(before["tags"], p["tags"], p["purge_tags"])}
        if p["description"] is not None:
            after["description"] = p["description"]
        if before != after and not module.check_mode:
            with module.aws_errors(f"update image {image['ImageId']}"):
                if after["description"] != before["description"]:
                    client.modify_image_attribute(ImageId=image["ImageId"], Description={"Value": after["description"]})
                resources = [image["ImageId"], *image_snapshots(image)]
                apply_tags(client, resources, before["tags"], p["tags"], p["purge_tags"])
        if image.get("State") == "pending" and p["wait"] and not module.check_mode:
            image, waited = wait_available(module, client, image["ImageId"])
        with module.aws_errors(f"describe image {image['ImageId']}"):
            image = client.describe_images(ImageIds=[image["ImageId"]])["Images"][0]
        module.exit(before=before, after=after, image_id=image["ImageId"], image=snake(image),
                    snapshot_ids=image_snapshots(image), waited=waited)
    if not p["instance_id"]:
        module.fail_param("instance_id", f"required to create image '{p['name']}' (no image of that name exists)")
    with module.aws_errors(f"describe instance {p['instance_id']}"):
        require_references(client, "instance_id", "instance", [p["instance_id"]])
    after = {"name": p["name"], "description": p["description"] or "", "tags": dict(p["tags"] or {})}
    if module.check_mode:
        module.exit(before={}, after=after, image_id=None, image={}, snapshot_ids=[], waited=0.0)
    with module.aws_errors(f"create image '{p['name']}' from {p['instance_id']}"):
        args: dict[str, Any] = {"InstanceId": p["instance_id"], "Name": p["name"], "NoReboot": p["no_reboot"]}
        if p["description"]:
            args["Description"] = p["description"]
        if p["tags"]:
            args["TagSpecifications"] = tag_specifications(["image", "snapshot"], p["tags"])
        image_id = client.create_image(**args)["ImageId"]
        module.on_failure(f"deregister image {image_id} and delete its snapshots",
                          lambda: undo_create(client, image_id))
        if p["wait"]:
            image, waited = wait_available(module, client, image_id)
        image = client.describe_images(ImageIds=[image_id])["Images"][0]
    module.exit(before={}, after=after, image_id=image_id, image=snake(image),
                snapshot_ids=image_snapshots(image), waited=waited)


def undo_create(client: Any, image_id: str) -> None:
    images = client.describe_images(ImageIds=[image_id])["Images"]
    client.deregister_image(ImageId=image_id)
    for snapshot_id in image_snapshots(images[0]) if images else []:
        client.delete_snapshot(SnapshotId=snapshot_id)


if __name__ == "__main__":
    main()
