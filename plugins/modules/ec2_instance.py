#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_instance
short_description: Launch or terminate one named instance (the image bake's builder)
description:
  - Keeps one instance named O(name) (its C(Name) tag) running from O(image_id). A pending, running, stopping
    or stopped instance with that C(Name) tag and that image is the same instance, so a rerun launches nothing.
  - Before launching, the image, subnet, security groups and key pair are looked up; a missing one fails naming
    its parameter and nothing is launched. A launch whose wait fails is terminated again.
  - On an existing instance, O(tags), O(security_group_ids) and O(http_tokens) are brought in line; the other
    launch settings (type, subnet, key, user data, root volume) only apply at launch and give a warning.
  - The metadata service requires IMDSv2 tokens and the root volume is encrypted, unless told otherwise.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
options:
  name:
    description: The instance's C(Name) tag, which identifies it.
    type: str
    required: true
  image_id:
    description: The image to launch from. Required with O(state=present).
    type: str
  instance_type:
    description: The instance type.
    type: str
    default: t3.micro
  subnet_id:
    description: The subnet to launch in. Defaults to a default subnet of the default VPC (AWS's choice).
    type: str
  security_group_ids:
    description: Security groups of the instance (in the subnet's VPC). Defaults to the VPC's default group.
    type: list
    elements: str
  key_name:
    description: The key pair for SSH access.
    type: str
  user_data:
    description:
      - User data (a shell script or cloud-init text, at most 16 KB). Only its SHA-256 is shown in the diff.
    type: str
  http_tokens:
    description: C(required) makes the metadata service IMDSv2-only; C(optional) also allows IMDSv1.
    type: str
    choices: [required, optional]
    default: required
  root_volume_encrypted:
    description: Encrypt the root EBS volume (with the account's default EBS key).
    type: bool
    default: true
  root_volume_size:
    description: Size of the root volume in GiB. Defaults to the image's.
    type: int
  state:
    description: C(present) launches the instance if needed; C(absent) terminates every instance of that name.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until the instance is C(running) (or C(terminated) with O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Builder for the nginx image
  webfleet.aws.ec2_instance:
    name: nginx-ami-builder
    image_id: "{{ base.image_id }}"
    subnet_id: "{{ net.subnets_by_az | dict2items | map(attribute='value') | map('first') | first }}"
    security_group_ids: ["{{ builder_sg.group_id }}"]
    key_name: webfleet-admin
    tags:
      Project: webfleet
  register: builder

- name: Remove the builder
  webfleet.aws.ec2_instance:
    name: nginx-ami-builder
    state: absent
"""

RETURN = r"""
instance:
  description: The instance in snake_case (tags as a dict); empty when only reported in check mode.
  returned: when state is present
  type: dict
  sample: {instance_id: i-0123, private_ip_address: 172.31.1.2, public_ip_address: 3.4.5.6, state: {name: running}}
instance_id:
  description: The instance's id.
  returned: when state is present and the instance exists
  type: str
instance_ids:
  description: The instances terminated (or that would be).
  returned: when state is absent
  type: list
  elements: str
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import hashlib
import re
import uuid
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSError, AWSModule, ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    apply_tags,
    desired_tags,
    tag_list_to_dict,
    tag_specifications,
)

LIVE = ["pending", "running", "stopping", "stopped"]
TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True), image_id=dict(type="str"),
    instance_type=dict(type="str", default="t3.micro"), subnet_id=dict(type="str"),
    security_group_ids=dict(type="list", elements="str"), key_name=dict(type="str", no_log=False),
    user_data=dict(type="str"), http_tokens=dict(type="str", default="required", choices=["required", "optional"]),
    root_volume_encrypted=dict(type="bool", default=True), root_volume_size=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=600),
)


def find(client: Any, name: str, image_id: str | None) -> list[dict[str, Any]]:
    filters = [{"Name": "tag:Name", "Values": [name]}, {"Name": "instance-state-name", "Values": LIVE}]
    if image_id:
        filters.append({"Name": "image-id", "Values": [image_id]})
    reservations = paginate(client, "describe_instances", "Reservations", Filters=filters)
    return sorted((i for r in reservations for i in r["Instances"]),
                  key=lambda i: (i.get("LaunchTime", ""), i["InstanceId"]))


def check_references(module: AWSModule, client: Any) -> tuple[str, int | None]:
    """Every referenced resource exists (ParamError/AWSError naming the parameter otherwise).

    Returns the image's root device name and root volume size (the launch restates it with encryption on).
    """
    p = module.params
    image = require_references(client, "image_id", "image", [p["image_id"]])[p["image_id"]]
    if image.get("State") != "available":
        raise AWSError(f"parameter 'image_id': image {p['image_id']} is {image.get('State')}, not available",
                       parameter="image_id")
    vpc_id = None
    if p["subnet_id"]:
        vpc_id = require_references(client, "subnet_id", "subnet", [p["subnet_id"]])[p["subnet_id"]]["VpcId"]
    groups = require_references(client, "security_group_ids", "security_group", p["security_group_ids"] or [])
    for group_id in p["security_group_ids"] or []:
        group = groups[group_id]
        if vpc_id and group.get("VpcId") != vpc_id:
            raise AWSError(f"parameter 'security_group_ids': {group_id} is in {group.get('VpcId')}, not in the "
                           f"subnet's VPC {vpc_id}", parameter="security_group_ids")
    require_references(client, "key_name", "key_pair", [p["key_name"]])
    root = image.get("RootDeviceName") or "/dev/xvda"
    sizes = [m["Ebs"].get("VolumeSize") for m in image.get("BlockDeviceMappings", [])
             if m.get("DeviceName") == root and m.get("Ebs")]
    return root, (sizes[0] if sizes else None)


def view(inst: dict[str, Any] | None) -> dict[str, Any]:
    if not inst:
        return {}
    return {"name": tag_list_to_dict(inst.get("Tags")).get("Name"), "image_id": inst.get("ImageId"),
            "instance_type": inst.get("InstanceType"), "subnet_id": inst.get("SubnetId"),
            "key_name": inst.get("KeyName"),
            "security_group_ids": sorted(g["GroupId"] for g in inst.get("SecurityGroups", [])),
            "http_tokens": inst.get("MetadataOptions", {}).get("HttpTokens"),
            "tags": tag_list_to_dict(inst.get("Tags"))}


def wait_state(module: AWSModule, client: Any, ids: list[str], state: str) -> float:
    def probe() -> list[dict[str, Any]]:
        return [i for r in client.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]]

    def done(instances: list[dict[str, Any]]) -> bool:
        states = {i["State"]["Name"] for i in instances}
        if state == "running" and states & {"shutting-down", "terminated", "stopped"}:
            reason = instances[0].get("StateReason", {}).get("Message", "no reason given")
            raise AWSError(f"instance {ids[0]} stopped before it ran: {reason}", instance_id=ids[0])
        return states == {state}

    return module.wait(probe, done, f"instance(s) {', '.join(ids)} to be {state}", module.params["wait_timeout"])[1]


class EC2Instance(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [("state", "present", ("image_id",))]
    WHAT = "instance"

    def validate(self) -> None:
        p = self.params
        for param, prefix in (("image_id", "ami-"), ("subnet_id", "subnet-")):
            if p[param] and not p[param].startswith(prefix):
                raise ParamError(param, f"'{p[param]}' is not an id like {prefix}0123abcd")
        bad = [g for g in p["security_group_ids"] or [] if not g.startswith("sg-")]
        if bad:
            raise ParamError("security_group_ids", f"{bad} are not security group ids like sg-0123abcd")
        if not TYPE_RE.match(p["instance_type"]):
            raise ParamError("instance_type", f"'{p['instance_type']}' is not an instance type like t3.micro")
        if p["user_data"] is not None and len(p["user_data"].encode()) > 16384:
            raise ParamError("user_data", "is larger than AWS's 16 KB limit; move the script to S3 or an image")
        if p["root_volume_size"] is not None and not 1 <= p["root_volume_size"] <= 16384:
            raise ParamError("root_volume_size", "must be 1-16384 GiB")
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", "must be 0 or more seconds")
        self.tags = {**(p["tags"] or {}), "Name": p["name"]}

    def read(self) -> list[dict[str, Any]]:
        p = self.params
        self.client = self.module.client("ec2")
        return find(self.client, p["name"], p["image_id"] if p["state"] == "present" else None)

    def exists(self, found: list[dict[str, Any]]) -> bool:
        return bool(found)

    def state_absent(self, found: list[dict[str, Any]]) -> None:
        ids, waited = [i["InstanceId"] for i in found], 0.0
        if ids and not self.module.check_mode:
            with self.module.aws_errors(f"terminate {', '.join(ids)}"):
                self.client.terminate_instances(InstanceIds=ids)
            if self.params["wait"]:
                waited = wait_state(self.module, self.client, ids, "terminated")
        self.module.exit(before=view(found[0]) if found else {}, after={}, instance_ids=ids, waited=waited)

    def state_present(self, found: list[dict[str, Any]]) -> None:
        p = self.params
        if found:
            self.inst, before = found[0], view(found[0])
            for param in ("instance_type", "subnet_id", "key_name"):
                if p[param] and p[param] != before[param]:
                    self.module.warn(f"{param} of {self.inst['InstanceId']} is {before[param]}; it applies only at "
                                     "launch (terminate the instance to relaunch it)")
            self.converge(found, before, self.desired(before))
            return
        with self.module.aws_errors(f"check what instance '{p['name']}' refers to"):
            self.root_device, self.root_size = check_references(self.module, self.client)
            others = [i["InstanceId"] for i in find(self.client, p["name"], None)]
        if others:
            self.module.warn(f"instance(s) {', '.join(others)} named '{p['name']}' run another image; "
                             "launching a new one")
        self.converge(found, {}, self.desired(None))

    def desired(self, before: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        if before:
            after = {**before, "tags": desired_tags(before["tags"], self.tags, p["purge_tags"]),
                     "http_tokens": p["http_tokens"]}
            if p["security_group_ids"]:
                after["security_group_ids"] = sorted(p["security_group_ids"])
            return after
        after = {"name": p["name"], "image_id": p["image_id"], "instance_type": p["instance_type"],
                 "subnet_id": p["subnet_id"], "key_name": p["key_name"],
                 "security_group_ids": sorted(p["security_group_ids"] or []), "http_tokens": p["http_tokens"],
                 "tags": self.tags, "root_volume_encrypted": p["root_volume_encrypted"]}
        if p["user_data"] is not None:
            after["user_data_sha256"] = hashlib.sha256(p["user_data"].encode()).hexdigest()
        return after

    def apply(self, found: list[dict[str, Any]], after: dict[str, Any]) -> str:
        if not found:
            return self._launch()
        p, client, inst = self.params, self.client, self.inst
        before = view(inst)
        if after["security_group_ids"] != before["security_group_ids"]:
            client.modify_instance_attribute(InstanceId=inst["InstanceId"], Groups=after["security_group_ids"])
        if after["http_tokens"] != before["http_tokens"]:
            client.modify_instance_metadata_options(InstanceId=inst["InstanceId"], HttpTokens=p["http_tokens"],
                                                    HttpEndpoint="enabled")
        apply_tags(client, [inst["InstanceId"]], before["tags"], self.tags, p["purge_tags"])
        return inst["InstanceId"]

    def _launch(self) -> str:
        p, client = self.params, self.client
        ebs: dict[str, Any] = {"Encrypted": p["root_volume_encrypted"], "DeleteOnTermination": True}
        if p["root_volume_size"] or self.root_size:
            ebs["VolumeSize"] = p["root_volume_size"] or self.root_size
        args: dict[str, Any] = {
            "ImageId": p["image_id"], "InstanceType": p["instance_type"], "MinCount": 1, "MaxCount": 1,
            "ClientToken": uuid.uuid4().hex,  # retries of this one launch never start a second instance
            "MetadataOptions": {"HttpTokens": p["http_tokens"], "HttpEndpoint": "enabled"},
            "BlockDeviceMappings": [{"DeviceName": self.root_device, "Ebs": ebs}],
            "TagSpecifications": tag_specifications(["instance", "volume"], self.tags),
        }
        for param, key in (("subnet_id", "SubnetId"), ("security_group_ids", "SecurityGroupIds"),
                           ("key_name", "KeyName"), ("user_data", "UserData")):
            if p[param]:
                args[key] = p[param]
        instance_id = client.run_instances(**args)["Instances"][0]["InstanceId"]
        self.module.on_failure(f"terminate instance {instance_id}",
                               lambda: client.terminate_instances(InstanceIds=[instance_id]))
        return instance_id

    def result(self, found: list[dict[str, Any]], after: dict[str, Any], final: Any) -> dict[str, Any]:
        p, client = self.params, self.client
        if not found:  # a launch (or a check-mode one)
            if final is None:
                return {"instance": {}, "waited": 0.0}
            waited = wait_state(self.module, client, [final], "running") if p["wait"] else 0.0
            inst = client.describe_instances(InstanceIds=[final])["Reservations"][0]["Instances"][0]
            return {"instance": snake(inst), "instance_id": final, "waited": waited}
        inst, waited = self.inst, 0.0
        if inst["State"]["Name"] == "pending" and p["wait"] and not self.module.check_mode:
            waited = wait_state(self.module, client, [inst["InstanceId"]], "running")
        inst = find(client, p["name"], p["image_id"])[0]
        return {"instance": snake(inst), "instance_id": inst["InstanceId"], "waited": waited}


def main() -> None:
    EC2Instance.run()


if __name__ == "__main__":
    main()
