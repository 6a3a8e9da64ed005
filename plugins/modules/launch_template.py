#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: launch_template
short_description: Manage an EC2 launch template and its versions
description:
  - Creates, updates or deletes an EC2 launch template.
  - A new version is created only when the requested content differs from the template's latest version.
  - Instance metadata requires tokens (IMDSv2) and EBS volumes are encrypted unless told otherwise.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the launch template.
    type: str
    required: true
  state:
    description: Whether the template should exist.
    type: str
    choices: [present, absent]
    default: present
  security_group_ids:
    description: Security group ids (C(sg-...)) of the instances.
    type: list
    elements: str
  user_data:
    description:
      - User data as plain text; the module base64-encodes it.
      - Diffs show its sha256, never the content.
    type: str
  monitoring:
    description: Detailed (1-minute) CloudWatch monitoring.
    type: bool
    default: true
  metadata_options:
    description: Instance metadata service settings.
    type: dict
    suboptions:
      http_tokens:
        description: C(required) enforces IMDSv2.
        type: str
        choices: [required, optional]
        default: required
      http_put_response_hop_limit:
        description: Hop limit of metadata responses (1-64); 2 lets containers reach the service.
        type: int
        default: 2
      http_endpoint:
        description: Whether the metadata service is reachable.
        type: str
        choices: [enabled, disabled]
        default: enabled
      instance_metadata_tags:
        description: Expose instance tags in the metadata.
        type: str
        choices: [enabled, disabled]
  block_device_mappings:
    description: Volumes of the instances; EBS volumes are encrypted by default.
    type: list
    elements: dict
    suboptions:
      device_name:
        description: Device name, for example C(/dev/xvda) for the root volume.
        type: str
        required: true
      volume_size:
        description: Size in GiB.
        type: int
      volume_type:
        description: EBS volume type.
        type: str
        choices: [standard, io1, io2, gp2, gp3, sc1, st1]
      iops:
        description: Provisioned IOPS.
        type: int
      throughput:
        description: Throughput in MiB/s (gp3).
        type: int
      encrypted:
        description: Encrypt the volume.
        type: bool
        default: true
      kms_key_id:
        description: KMS key for the encryption.
        type: str
      delete_on_termination:
        description: Delete the volume with the instance.
        type: bool
        default: true
      snapshot_id:
        description: Snapshot the volume starts from.
        type: str
  tag_specifications:
    description: Tags given to resources launched from the template.
    type: list
    elements: dict
    suboptions:
      resource_type:
        description: What the tags go on.
        type: str
        choices: [instance, volume, network-interface]
        required: true
      tags:
        description: The tags.
        type: dict
        required: true
  version_description:
    description: Description of a version this run creates.
    type: str
  default_version:
    description: C(latest) makes the latest version the default; a number makes that version the default.
    type: str
    default: latest
  versions_to_keep:
    description:
      - Keep at most this many versions (newest first); older ones are deleted.
      - The default version is never deleted. Unset keeps every version.
    type: int
extends_documentation_fragment:
  - webfleet.aws.instance
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
"""

EXAMPLES = r"""
- name: Launch template for the nginx image
  webfleet.aws.launch_template:
    name: nginx-lt
    image_id: "{{ ami.image_id }}"
    instance_type: t3.micro
    key_name: lab-key
    security_group_ids: ["{{ ec2_sg.group_id }}"]
    user_data: |
      #!/bin/bash
      systemctl start nginx
    block_device_mappings:
      - device_name: /dev/xvda
        volume_size: 8
        volume_type: gp3
    tag_specifications:
      - resource_type: instance
        tags: {Name: nginx}
    tags: {project: web}

- name: Roll back to version 3
  webfleet.aws.launch_template:
    name: nginx-lt
    image_id: "{{ ami.image_id }}"
    default_version: "3"

- name: Delete it
  webfleet.aws.launch_template:
    name: nginx-lt
    state: absent
"""

RETURN = r"""
launch_template:
  description: The template (empty when absent).
  returned: always
  type: dict
  contains:
    launch_template_id: {description: Template id., type: str, sample: lt-0123456789abcdef0}
    launch_template_name: {description: Name., type: str, sample: nginx-lt}
    latest_version_number: {description: Latest version., type: int, sample: 2}
    default_version_number: {description: Default version., type: int, sample: 2}
    tags: {description: Tags of the template., type: dict}
version:
  description: The default version's data in snake_case (user data base64-encoded, as AWS returns it).
  returned: when state is present
  type: dict
deleted_versions:
  description: Version numbers deleted because of O(versions_to_keep).
  returned: always
  type: list
  elements: int
"""

import re
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, describe_or_none, snake
from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    SG_RE,
    block_device_problem,
    check_image_and_type,
    instance_argument_spec,
)
from ansible_collections.webfleet.aws.plugins.module_utils.launch_templates import (
    LT_NAME_RE,
    launch_template_data,
    template_data_differs,
    template_data_view,
    versions_to_delete,
)
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    apply_tags,
    desired_tags,
    dict_to_tag_list,
    tag_list_to_dict,
)

NOT_FOUND = ("InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound")

ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **instance_argument_spec(
        metadata_options=dict(instance_metadata_tags=dict(type="str", choices=["enabled", "disabled"])),
        block_device_mappings=dict(kms_key_id=dict(type="str", no_log=False)),
    ),
    security_group_ids=dict(type="list", elements="str"),
    tag_specifications=dict(type="list", elements="dict", options=dict(
        resource_type=dict(type="str", required=True, choices=["instance", "volume", "network-interface"]),
        tags=dict(type="dict", required=True),
    )),
    version_description=dict(type="str"),
    default_version=dict(type="str", default="latest"),
    versions_to_keep=dict(type="int"),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def check_references(module: AWSModule, ec2: Any) -> None:
    p = module.params
    with module.aws_errors("look up the resources the template names"):
        for param, kind, ids in (("image_id", "image", [p["image_id"]]),
                                 ("security_group_ids", "security_group", p["security_group_ids"] or ()),
                                 ("key_name", "key_pair", [p["key_name"]])):
            require_references(ec2, param, kind, ids,
                               f"{{ids}} not found in region {module.region}; create it first or correct the name")


def read_current(ec2: Any, name: str) -> dict[str, Any] | None:
    template = describe_or_none(
        lambda: ec2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"][0], *NOT_FOUND)
    if template is None:
        return None
    versions = paginate(ec2, "describe_launch_template_versions", "LaunchTemplateVersions",
                        LaunchTemplateId=template["LaunchTemplateId"])
    return {"template": template, "versions": {v["VersionNumber"]: v for v in versions}}


def view(template: dict[str, Any] | None, data: dict[str, Any] | None) -> dict[str, Any]:
    """Comparable view: the version numbers, the template's tags and the latest version's data."""
    if template is None:
        return {}
    return {"name": template["LaunchTemplateName"], "latest_version": template["LatestVersionNumber"],
            "default_version": template["DefaultVersionNumber"], "tags": tag_list_to_dict(template.get("Tags")),
            "launch_template_data": template_data_view(data)}


class LaunchTemplate(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [("state", "present", ("image_id",))]
    WHAT = "launch template"

    def validate(self) -> None:
        p = self.params
        if not LT_NAME_RE.match(p["name"]):
            raise ParamError("name", "must be 3-128 characters: letters, digits and ( ) . - / _")
        if p["state"] == "absent":
            return
        check_image_and_type(p)
        for sg in p["security_group_ids"] or ():
            if not SG_RE.match(sg):
                raise ParamError("security_group_ids", f"'{sg}' is not a security group id; use sg-... ids")
        hops = (p["metadata_options"] or {}).get("http_put_response_hop_limit")
        if hops is not None and not 1 <= hops <= 64:
            raise ParamError("metadata_options.http_put_response_hop_limit", f"must be 1 to 64, got {hops}")
        bad = block_device_problem(p["block_device_mappings"])
        if bad:
            raise ParamError(*bad)
        if p["default_version"] not in ("latest", "$Latest") and not re.match(r"^[1-9]\d*$", p["default_version"]):
            raise ParamError("default_version", f"'{p['default_version']}' must be 'latest' or a version number")
        if p["versions_to_keep"] is not None and p["versions_to_keep"] < 1:
            raise ParamError("versions_to_keep", "must be 1 or more (or unset to keep every version)")

    def read(self) -> dict[str, Any] | None:
        self.ec2 = self.module.client("ec2")
        return read_current(self.ec2, self.params["name"])

    def state_absent(self, current: dict[str, Any] | None) -> None:
        if current and not self.module.check_mode:
            with self.module.aws_errors(f"delete {self.label()}"):
                self.ec2.delete_launch_template(LaunchTemplateId=current["template"]["LaunchTemplateId"])
        before = view(current["template"], None) if current else {}
        self.module.exit(before=before, after={}, launch_template={}, deleted_versions=[])

    def state_present(self, current: dict[str, Any] | None) -> None:
        p = self.params
        self.desired_data = launch_template_data(p)
        template = current["template"] if current else None
        latest = template["LatestVersionNumber"] if template else 0
        self.latest_data = current["versions"][latest]["LaunchTemplateData"] if template else None
        self.new_version = template is None or template_data_differs(self.latest_data, self.desired_data)
        if self.new_version:  # the ids of an unchanged latest version were accepted by AWS already
            check_references(self.module, self.ec2)
        want_latest = latest + 1 if self.new_version else latest
        self.want_default = want_latest if p["default_version"] in ("latest", "$Latest") else int(p["default_version"])
        if self.want_default > want_latest:
            self.module.fail_param("default_version",
                                   f"version {self.want_default} does not exist (latest is {want_latest})")
        if template and self.want_default not in current["versions"] and self.want_default != want_latest:
            self.module.fail_param("default_version",
                                   f"version {self.want_default} was deleted; choose an existing version")
        existing = list(current["versions"]) if current else []
        self.to_delete = versions_to_delete(existing + ([want_latest] if self.new_version else []),
                                            p["versions_to_keep"], protect=(self.want_default, want_latest))
        before = view(template, self.latest_data) if template else {}
        self.converge(current, before, self.desired(current), unseen=bool(self.to_delete))

    def desired(self, current: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        template = current["template"] if current else None
        latest = template["LatestVersionNumber"] if template else 0
        cur_tags = tag_list_to_dict(template.get("Tags")) if template else {}
        data = self.desired_data if self.new_version else self.latest_data
        return {"name": p["name"], "latest_version": latest + 1 if self.new_version else latest,
                "default_version": self.want_default, "tags": desired_tags(cur_tags, p["tags"], p["purge_tags"]),
                "launch_template_data": template_data_view(data)}

    def apply(self, current: dict[str, Any] | None, desired: dict[str, Any]) -> dict[str, Any]:
        p, ec2 = self.params, self.ec2
        template = self._create() if current is None else current["template"]
        lt_id = template["LaunchTemplateId"]
        if current is not None and self.new_version:
            self._add_version(lt_id)
        modified = template.get("DefaultVersionNumber") != self.want_default
        if modified:
            ec2.modify_launch_template(LaunchTemplateId=lt_id, DefaultVersion=str(self.want_default))
        if current is not None:
            apply_tags(ec2, [lt_id], tag_list_to_dict(template.get("Tags")), p["tags"], p["purge_tags"])
        if self.to_delete:
            ec2.delete_launch_template_versions(LaunchTemplateId=lt_id, Versions=[str(v) for v in self.to_delete])
        if current is None and not modified and not self.to_delete:
            # CreateLaunchTemplate answers with the new template, whose one version holds the data just given
            return {"template": template, "version": self._first_version(template)}
        final = ec2.describe_launch_templates(LaunchTemplateIds=[lt_id])["LaunchTemplates"][0]
        version = ec2.describe_launch_template_versions(
            LaunchTemplateId=lt_id, Versions=[str(final["DefaultVersionNumber"])])["LaunchTemplateVersions"][0]
        return {"template": final, "version": version}

    def _create(self) -> dict[str, Any]:
        p, ec2 = self.params, self.ec2
        kwargs: dict[str, Any] = {"LaunchTemplateName": p["name"], "LaunchTemplateData": self.desired_data}
        if p["tags"]:  # tagged at creation
            kwargs["TagSpecifications"] = [{"ResourceType": "launch-template", "Tags": dict_to_tag_list(p["tags"])}]
        if p["version_description"]:
            kwargs["VersionDescription"] = p["version_description"]
        template = ec2.create_launch_template(**kwargs)["LaunchTemplate"]
        lt_id = template["LaunchTemplateId"]
        self.module.on_failure(f"delete launch template {lt_id}",
                               lambda: ec2.delete_launch_template(LaunchTemplateId=lt_id))
        return template

    def _add_version(self, lt_id: str) -> None:
        p, ec2 = self.params, self.ec2
        kwargs = {"LaunchTemplateId": lt_id, "LaunchTemplateData": self.desired_data}
        if p["version_description"]:
            kwargs["VersionDescription"] = p["version_description"]
        made = ec2.create_launch_template_version(**kwargs)["LaunchTemplateVersion"]["VersionNumber"]
        self.module.on_failure(f"delete version {made} of {lt_id}", lambda: ec2.delete_launch_template_versions(
            LaunchTemplateId=lt_id, Versions=[str(made)]))
        if p["default_version"] in ("latest", "$Latest"):
            self.want_default = made

    def _first_version(self, template: dict[str, Any]) -> dict[str, Any]:
        p = self.params
        return {"LaunchTemplateId": template["LaunchTemplateId"], "LaunchTemplateName": template["LaunchTemplateName"],
                "VersionNumber": template["LatestVersionNumber"], "CreateTime": template.get("CreateTime"),
                "CreatedBy": template.get("CreatedBy"), "DefaultVersion": True,
                "LaunchTemplateData": self.desired_data,
                **({"VersionDescription": p["version_description"]} if p["version_description"] else {})}

    def result(self, current: dict[str, Any] | None, desired: dict[str, Any], final: Any) -> dict[str, Any]:
        if final is not None:
            return {"launch_template": snake(final["template"]), "version": snake(final["version"]),
                    "deleted_versions": self.to_delete}
        template = current["template"] if current else None
        if not self.module.check_mode:  # nothing to do: report what was read
            return {"launch_template": snake(template), "deleted_versions": [],
                    "version": snake(current["versions"][template["DefaultVersionNumber"]])}
        default_data = self.desired_data if desired["default_version"] == desired["latest_version"] \
            and self.new_version else (current["versions"][self.want_default]["LaunchTemplateData"]
                                       if template and self.want_default in current["versions"] else self.desired_data)
        return {"launch_template": {"launch_template_id": template and template["LaunchTemplateId"],
                                    "launch_template_name": self.params["name"],
                                    "latest_version_number": desired["latest_version"],
                                    "default_version_number": self.want_default, "tags": desired["tags"]},
                "version": {"launch_template_data": snake(default_data)}, "deleted_versions": self.to_delete}


def main() -> None:
    LaunchTemplate.run()


if __name__ == "__main__":
    main()
