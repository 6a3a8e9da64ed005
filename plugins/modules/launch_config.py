#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: launch_config
short_description: Manage Auto Scaling launch configurations named by their content
description:
  - AWS launch configurations cannot be changed. This module names each one O(name_prefix) plus a short
    hash of its normalised definition, so the same definition always gives the same name (no change) and
    a changed definition creates a new launch configuration.
  - Older launch configurations with the same prefix that no Auto Scaling group uses are deleted
    (O(cleanup_old)); one still used by a group stays until the group moves to the new one.
  - Instance metadata requires tokens (IMDSv2), EBS volumes are encrypted and detailed monitoring is on
    unless told otherwise.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name_prefix:
    description: Name prefix; the launch configuration is named C(<name_prefix>-<10 hex digits>).
    type: str
    required: true
  state:
    description:
      - C(present) makes sure the launch configuration for this definition exists.
      - C(absent) deletes every launch configuration with this prefix that no group uses, and reports the rest.
    type: str
    choices: [present, absent]
    default: present
  security_groups:
    description: Security group ids (C(sg-...)), or names in EC2-Classic/default VPC.
    type: list
    elements: str
  user_data:
    description: User data as plain text; the module base64-encodes it. Diffs never show it.
    type: str
  monitoring:
    description: Detailed (1-minute) CloudWatch monitoring (C(InstanceMonitoring.Enabled)).
    type: bool
    default: true
  associate_public_ip_address:
    description: Give instances in a VPC a public address. Unset leaves the subnet's setting.
    type: bool
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
        description: Hop limit of metadata responses (1-64).
        type: int
        default: 2
      http_endpoint:
        description: Whether the metadata service is reachable.
        type: str
        choices: [enabled, disabled]
        default: enabled
  block_device_mappings:
    description: Volumes of the instances; EBS volumes are encrypted by default.
    type: list
    elements: dict
    suboptions:
      device_name:
        description: Device name, for example C(/dev/xvda).
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
      delete_on_termination:
        description: Delete the volume with the instance.
        type: bool
        default: true
      snapshot_id:
        description: Snapshot the volume starts from.
        type: str
  cleanup_old:
    description: Delete the older launch configurations with this prefix that no group uses.
    type: bool
    default: true
extends_documentation_fragment:
  - webfleet.aws.instance
  - webfleet.aws.connection
"""

EXAMPLES = r"""
- name: Launch configuration from the nginx image
  webfleet.aws.launch_config:
    name_prefix: nginx-lc
    image_id: "{{ ami.image_id }}"
    instance_type: t3.micro
    key_name: lab-key
    security_groups: ["{{ ec2_sg.group_id }}"]
  register: lc

- name: The group uses it by its generated name
  webfleet.aws.autoscaling_group:
    name: web-asg
    launch_config_name: "{{ lc.name }}"
    vpc_zone_identifier: "{{ subnet_ids }}"

- name: Remove every unused launch configuration of the prefix
  webfleet.aws.launch_config:
    name_prefix: nginx-lc
    state: absent
"""

RETURN = r"""
name:
  description: Name of the launch configuration for this definition.
  returned: when state is present
  type: str
  sample: nginx-lc-3f2a9c01be
launch_configuration:
  description: The launch configuration in snake_case (in check mode, before it exists, the definition).
  returned: when state is present
  type: dict
deleted:
  description: Launch configurations this run deleted (or would delete in check mode).
  returned: always
  type: list
  elements: str
in_use:
  description: Launch configurations with this prefix still used, and the groups using them.
  returned: always
  type: dict
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.instance_options import (
    block_device_problem,
    check_image_and_type,
    instance_argument_spec,
)
from ansible_collections.webfleet.aws.plugins.module_utils.launch_configs import (
    LC_PREFIX_RE,
    launch_config_definition,
    launch_config_name,
    owned_by_prefix,
)
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references

ARGUMENT_SPEC: dict[str, Any] = dict(
    name_prefix=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    # launch configurations know neither instance metadata tags nor a KMS key for EBS volumes
    **instance_argument_spec(),
    security_groups=dict(type="list", elements="str"),
    associate_public_ip_address=dict(type="bool"),
    cleanup_old=dict(type="bool", default=True),
)


def check_references(module: AWSModule, ec2: Any) -> None:
    p = module.params
    groups = p["security_groups"] or []
    checks = (("image_id", "image", [p["image_id"]]),
              ("security_groups", "security_group", [g for g in groups if g.startswith("sg-")]),
              ("security_groups", "security_group_name", [g for g in groups if not g.startswith("sg-")]),
              ("key_name", "key_pair", [p["key_name"]]))
    with module.aws_errors("look up the resources the launch configuration names"):
        for param, kind, ids in checks:
            require_references(ec2, param, kind, ids,
                               f"{{ids}} not found in region {module.region}; create it first or correct the name")


def usage(autoscaling: Any, names: list[str]) -> dict[str, list[str]]:
    """{launch configuration name: [groups using it]} for ``names``."""
    used: dict[str, list[str]] = {}
    for group in paginate(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups"):
        lc = group.get("LaunchConfigurationName")
        if lc in names:
            used.setdefault(lc, []).append(group["AutoScalingGroupName"])
    return used


class LaunchConfigs(AWSResource):
    """The launch configurations named ``<name_prefix>-<hash of the definition>``: one per definition."""

    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_IF = [("state", "present", ("image_id",))]

    def label(self) -> str:
        return f"launch configurations named {self.params['name_prefix']}-*"

    def validate(self) -> None:
        p = self.params
        if not LC_PREFIX_RE.match(p["name_prefix"]):
            raise ParamError("name_prefix", "must be 1-200 letters, digits or _+=,.@- characters")
        if p["state"] == "absent":
            return
        check_image_and_type(p)
        hops = p["metadata_options"]["http_put_response_hop_limit"]
        if hops is not None and not 1 <= hops <= 64:
            raise ParamError("metadata_options.http_put_response_hop_limit", f"must be 1 to 64, got {hops}")
        bad = block_device_problem(p["block_device_mappings"])
        if bad:
            raise ParamError(*bad)

    def read(self) -> dict[str, Any]:
        """{name: launch configuration} of every launch configuration in the region."""
        self.autoscaling = self.module.client("autoscaling")
        existing = {lc["LaunchConfigurationName"]: lc
                    for lc in paginate(self.autoscaling, "describe_launch_configurations", "LaunchConfigurations")}
        self.owned = owned_by_prefix(existing, self.params["name_prefix"])
        self.in_use = usage(self.autoscaling, self.owned) if self.owned else {}
        return existing

    def state_present(self, existing: dict[str, Any]) -> None:
        p = self.params
        self.definition = launch_config_definition(p)
        self.name = launch_config_name(p["name_prefix"], self.definition)
        if self.name not in existing:  # the name hashes the definition: an existing one's ids were accepted by AWS
            check_references(self.module, self.module.client("ec2"))
        self.to_delete = [n for n in self.owned if n != self.name and n not in self.in_use] \
            if p["cleanup_old"] else []
        self.plan(existing)

    def state_absent(self, existing: dict[str, Any]) -> None:
        self.name, self.definition = None, {}
        self.to_delete = [n for n in self.owned if n not in self.in_use]
        if self.in_use:
            kept = "; ".join(f"{lc} (used by {', '.join(groups)})" for lc, groups in sorted(self.in_use.items()))
            self.module.warn(f"launch configurations still in use were kept: {kept}")
        self.plan(existing)

    def plan(self, existing: dict[str, Any]) -> None:
        name = self.name
        before = {"launch_configurations": self.owned}
        after = {"launch_configurations": sorted((set(self.owned) | ({name} if name else set())) -
                                                 set(self.to_delete))}
        if name:
            after["current"] = before["current"] = name
            if name not in existing:
                before["current"] = None
        self.converge(existing, before, after)

    def apply(self, existing: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
        name, autoscaling, made = self.name, self.autoscaling, None
        created = bool(name) and name not in existing
        if created:
            autoscaling.create_launch_configuration(LaunchConfigurationName=name, **self.definition)
            self.module.on_failure(f"delete launch configuration {name}",
                                   lambda: autoscaling.delete_launch_configuration(LaunchConfigurationName=name))
        for old in self.to_delete:
            with self.module.aws_errors(f"delete launch configuration {old}"):
                autoscaling.delete_launch_configuration(LaunchConfigurationName=old)
        if created:  # CreateLaunchConfiguration answers with nothing to report
            found = autoscaling.describe_launch_configurations(LaunchConfigurationNames=[name])["LaunchConfigurations"]
            made = found[0] if found else {}
        return made

    def result(self, existing: dict[str, Any], after: dict[str, Any], made: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"deleted": self.to_delete, "in_use": self.in_use}
        if self.name:
            lc = made if made is not None else existing.get(self.name)
            result["name"] = self.name
            result["launch_configuration"] = snake(lc or dict(self.definition, LaunchConfigurationName=self.name))
        return result


def main() -> None:
    LaunchConfigs.run()


if __name__ == "__main__":
    main()
