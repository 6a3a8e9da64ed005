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
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, describe_or_none, snake
from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    AMI_RE,
    SG_RE,
    block_device_problem,
    instance_argument_spec,
    instance_type_problem,
)
from ansible_collections.webfleet.aws.plugins.module_utils.launch_templates import (
    LT_NAME_RE,
    launch_template_data,
    template_data_differs,
    template_data_view,
    versions_to_delete,
)
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


def validate(module: AWSModule) -> None:
    p = module.params
    if not LT_NAME_RE.match(p["name"]):
        module.fail_param("name", "must be 3-128 characters: letters, digits and ( ) . - / _")
    if p["state"] == "absent":
        return
    if not p["image_id"]:
        module.fail_param("image_id", "is required with state=present; give the AMI id (ami-...)")
    if not AMI_RE.match(p["image_id"]):
        module.fail_param("image_id", f"'{p['image_id']}' is not an AMI id; use ami- followed by 8 or 17 hex digits")
    problem = instance_type_problem(p["instance_type"])
    if problem:
        module.fail_param("instance_type", problem)
    for sg in p["security_group_ids"] or ():
        if not SG_RE.match(sg):
            module.fail_param("security_group_ids", f"'{sg}' is not a security group id; use sg-... ids")
    hops = (p["metadata_options"] or {}).get("http_put_response_hop_limit")
    if hops is not None and not 1 <= hops <= 64:
        module.fail_param("metadata_options.http_put_response_hop_limit", f"must be 1 to 64, got {hops}")
    bad = block_device_problem(p["block_device_mappings"])
    if bad:
        module.fail_param(*bad)
    if p["default_version"] not in ("latest", "$Latest") and not re.match(r"^[1-9]\d*$", p["default_version"]):
        module.fail_param("default_version", f"'{p['default_version']}' must be 'latest' or a version number")
    if p["versions_to_keep"] is not None and p["versions_to_keep"] < 1:
        module.fail_param("versions_to_keep", "must be 1 or more (or unset to keep every version)")


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


def main() -> None:
    module = AWSModule(argument_spec=ARGUMENT_SPEC)
    validate(module)
    p = module.params
    ec2 = module.client("ec2")
    with module.aws_errors(f"describe launch template '{p['name']}'"):
        current = read_current(ec2, p["name"])

    if p["state"] == "absent":
        if current and not module.check_mode:
            with module.aws_errors(f"delete launch template '{p['name']}'"):
                ec2.delete_launch_template(LaunchTemplateId=current["template"]["LaunchTemplateId"])
        before = view(current["template"], None) if current else {}
        module.exit(before=before, after={}, launch_template={}, deleted_versions=[])

    desired_data = launch_template_data(p)
    template = current["template"] if current else None
    latest = template["LatestVersionNumber"] if template else 0
    latest_data = current["versions"][latest]["LaunchTemplateData"] if template else None
    new_version = template is None or template_data_differs(latest_data, desired_data)
    if new_version:  # the ids of an unchanged latest version were accepted by AWS already
        check_references(module, ec2)
    want_latest = latest + 1 if new_version else latest
    want_default = want_latest if p["default_version"] in ("latest", "$Latest") else int(p["default_version"])
    if want_default > want_latest:
        module.fail_param("default_version", f"version {want_default} does not exist (latest is {want_latest})")
    cur_tags = tag_list_to_dict(template.get("Tags")) if template else {}
    existing = list(current["versions"]) if current else []
    to_delete = versions_to_delete(existing + ([want_latest] if new_version else []), p["versions_to_keep"],
                                       protect=(want_default, want_latest))
    before = view(template, latest_data) if template else {}
    default_data = desired_data if want_default == want_latest and new_version else (
        current["versions"][want_default]["LaunchTemplateData"] if template and want_default in current["versions"]
        else desired_data)
    after = {"name": p["name"], "latest_version": want_latest, "default_version": want_default,
             "tags": desired_tags(cur_tags, p["tags"], p["purge_tags"]),
             "launch_template_data": template_data_view(desired_data if new_version else latest_data)}
    if template and want_default not in current["versions"] and want_default != want_latest:
        module.fail_param("default_version", f"version {want_default} was deleted; choose an existing version")

    if module.check_mode:
        module.exit(before=before, after=after, changed=before != after or bool(to_delete),
                    launch_template={"launch_template_id": template and template["LaunchTemplateId"],
                                     "launch_template_name": p["name"], "latest_version_number": want_latest,
                                     "default_version_number": want_default, "tags": after["tags"]},
                    version={"launch_template_data": snake(default_data)}, deleted_versions=to_delete)

    if before == after and not to_delete:  # nothing to do: report what was read
        module.exit(before=before, after=after, changed=False, launch_template=snake(template),
                    version=snake(current["versions"][template["DefaultVersionNumber"]]), deleted_versions=[])
    with module.aws_errors(f"update launch template '{p['name']}'"):
        created = template is None
        if created:
            kwargs: dict[str, Any] = {"LaunchTemplateName": p["name"], "LaunchTemplateData": desired_data}
            if p["tags"]:  # tagged at creation
                kwargs["TagSpecifications"] = [{"ResourceType": "launch-template", "Tags": dict_to_tag_list(p["tags"])}]
            if p["version_description"]:
                kwargs["VersionDescription"] = p["version_description"]
            template = ec2.create_launch_template(**kwargs)["LaunchTemplate"]
            lt_id = template["LaunchTemplateId"]
            module.on_failure(f"delete launch template {lt_id}",
                              lambda: ec2.delete_launch_template(LaunchTemplateId=lt_id))
        elif new_version:
            lt_id = template["LaunchTemplateId"]
            kwargs = {"LaunchTemplateId": lt_id, "LaunchTemplateData": desired_data}
            if p["version_description"]:
                kwargs["VersionDescription"] = p["version_description"]
            made = ec2.create_launch_template_version(**kwargs)["LaunchTemplateVersion"]["VersionNumber"]
            module.on_failure(f"delete version {made} of {lt_id}", lambda: ec2.delete_launch_template_versions(
                LaunchTemplateId=lt_id, Versions=[str(made)]))
            want_default = made if p["default_version"] in ("latest", "$Latest") else want_default
        lt_id = template["LaunchTemplateId"]
        modified = template.get("DefaultVersionNumber") != want_default
        if modified:
            ec2.modify_launch_template(LaunchTemplateId=lt_id, DefaultVersion=str(want_default))
        if not created:
            apply_tags(ec2, [lt_id], cur_tags, p["tags"], p["purge_tags"])
        if to_delete:
            ec2.delete_launch_template_versions(LaunchTemplateId=lt_id, Versions=[str(v) for v in to_delete])
        # CreateLaunchTemplate answers with the new template; read it again only after other changes
        final = template if created and not modified and not to_delete else \
            ec2.describe_launch_templates(LaunchTemplateIds=[lt_id])["LaunchTemplates"][0]
        if final is template and created:  # its one version holds the data just given
            version = {"LaunchTemplateId": lt_id, "LaunchTemplateName": template["LaunchTemplateName"],
                       "VersionNumber": template["LatestVersionNumber"], "CreateTime": template.get("CreateTime"),
                       "CreatedBy": template.get("CreatedBy"), "DefaultVersion": True,
                       "LaunchTemplateData": desired_data,
                       **({"VersionDescription": p["version_description"]} if p["version_description"] else {})}
        else:
            version = ec2.describe_launch_template_versions(
                LaunchTemplateId=lt_id, Versions=[str(final["DefaultVersionNumber"])])["LaunchTemplateVersions"][0]
    module.exit(before=before, after=after, changed=before != after or bool(to_delete),
                launch_template=snake(final), version=snake(version), deleted_versions=to_delete)


if __name__ == "__main__":
    main()
