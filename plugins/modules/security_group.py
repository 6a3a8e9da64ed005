#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: security_group
short_description: Manage an EC2 VPC security group and its ingress and egress rules
description:
  - Creates, updates or deletes one security group, found by O(name) in its VPC or by O(group_id).
  - Rules are compared as normalized sets of (protocol, from port, to port, source), so a rerun with the
    same rules reports no change whatever order or form (C(80) or C(80-80), C(all) or C(-1)) they are written in.
  - The module adds no rule of its own. In particular nothing opens port 22 to C(0.0.0.0/0) unless you write it.
  - Ingress rules that open TCP port 22 (tcp with 22 in the range, or every protocol) are refused before any
    change when their CIDRs, as a union, cover all of IPv4 or IPv6 (C(0.0.0.0/0), C(0.0.0.0/00), C(::/0),
    C(0.0.0.0/1) with C(128.0.0.0/1), ...) or a range wider than an IPv4 C(/8) or IPv6 C(/32), unless
    O(allow_world_ssh) is true. The rules the group keeps (O(purge_rules=false)) count too.
  - On update, new rules are authorized before old ones are revoked, so a failure half-way never leaves the
    group with fewer rules than before or after.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
options:
  name:
    description:
      - The group's name, unique in its VPC. Required unless O(group_id) is given.
    type: str
  group_id:
    description:
      - The group's id (C(sg-...)). Finds the group instead of O(name).
    type: str
  description:
    description:
      - The group's description. Required to create a group. AWS cannot change it afterwards; a different
        value on an existing group gives a warning.
    type: str
  vpc_id:
    description:
      - The VPC of the group. Defaults to the region's default VPC.
    type: str
  rules:
    description:
      - Ingress rules. Each rule has O(rules[].proto), ports, and exactly one source.
      - When omitted, the ingress rules are left as they are (a new group has none).
    type: list
    elements: dict
    suboptions: &rule_options
      proto:
        description: C(tcp), C(udp), C(icmp), C(icmpv6), C(all) (or C(-1)), or an IP protocol number.
        type: str
        required: true
      ports:
        description:
          - A port (C(80)), a range (C("8000-8100")) or a list of both. Required for tcp and udp.
          - For icmp, the ICMP type (all codes); omitted means every type.
        type: raw
      from_port:
        description: First port of the range (with O(rules[].to_port)), instead of O(rules[].ports).
        type: int
      to_port:
        description: Last port of the range.
        type: int
      cidr_ip:
        description: IPv4 CIDR (or list of them), for example C(10.0.0.0/16). Host bits must be zero.
        type: list
        elements: str
      cidr_ipv6:
        description: IPv6 CIDR (or list of them).
        type: list
        elements: str
      group_id:
        description: Id of a security group (or list of them) whose members are the source.
        type: list
        elements: str
      group_name:
        description:
          - Name of a security group in the same VPC (or list of them). The group's own name means itself.
        type: list
        elements: str
      rule_desc:
        description: Description of the rule.
        type: str
        aliases: [description]
  rules_egress:
    description:
      - Egress rules, same form as O(rules).
      - When omitted, the egress AWS gives every new group (all traffic to C(0.0.0.0/0)) is the desired egress.
    type: list
    elements: dict
    suboptions: *rule_options
  allow_world_ssh:
    description:
      - Allow ingress rules that open TCP port 22 to all of IPv4 or IPv6, or to a range wider than an IPv4 C(/8)
        or IPv6 C(/32). Without it such rules fail naming O(rules), before any change.
    type: bool
    default: false
  purge_rules:
    description: Remove ingress rules not listed in O(rules).
    type: bool
    default: true
  purge_rules_egress:
    description: Remove egress rules not listed in O(rules_egress).
    type: bool
    default: true
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - On delete, seconds to keep retrying while the group is still in use (C(DependencyViolation)), for
        example while a load balancer's network interfaces are released. Then the module fails naming the users.
    type: int
    default: 300
"""

EXAMPLES = r"""
- name: Load balancer group, HTTP from anywhere
  webfleet.aws.security_group:
    name: web-lb-sg
    description: nginx load balancer
    rules:
      - {proto: tcp, ports: 80, cidr_ip: 0.0.0.0/0}

- name: Instance group, HTTP from the load balancer, SSH from the admin network only
  webfleet.aws.security_group:
    name: aws-ec2-secure
    description: nginx instances
    rules:
      - {proto: tcp, ports: 80, group_name: web-lb-sg, rule_desc: from the LB}
      - {proto: tcp, ports: 22, cidr_ip: "{{ admin_cidr }}"}
    tags:
      Project: webfleet

- name: Remove it
  webfleet.aws.security_group:
    name: aws-ec2-secure
    state: absent
"""

RETURN = r"""
group_id:
  description: The group's id (absent after a delete of a missing group).
  returned: when the group exists or would be created (C(null) in check mode before creation)
  type: str
  sample: sg-0123456789abcdef0
security_group:
  description: The group as EC2 describes it, in snake_case (tags as a dict).
  returned: when state is present
  type: dict
  sample: {group_id: sg-0123, group_name: web, vpc_id: vpc-1, ip_permissions: [], tags: {}}
waited:
  description: Seconds spent deleting a group that was in use.
  returned: when state is absent
  type: float
"""

import time
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.core import ClientError, ParamError, snake
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.retries import RetryPolicy, error_code
from ansible_collections.webfleet.aws.plugins.module_utils.security_groups import (
    diff_entries,
    entries_to_described,
    entries_to_permissions,
    entries_view,
    expand_rules,
    find_group,
    permissions_to_entries,
    resolve_names,
    result_entries,
    security_group_users,
)
from ansible_collections.webfleet.aws.plugins.module_utils.ssh_guard import ssh_cidr_problem, ssh_sources
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    apply_tags,
    desired_tags,
    tag_list_to_dict,
    tag_specifications,
)
from ansible_collections.webfleet.aws.plugins.module_utils.vpcs import find_vpc

RULE_SPEC = dict(
    proto=dict(type="str", required=True), ports=dict(type="raw"), from_port=dict(type="int"),
    to_port=dict(type="int"), cidr_ip=dict(type="list", elements="str"), cidr_ipv6=dict(type="list", elements="str"),
    group_id=dict(type="list", elements="str"), group_name=dict(type="list", elements="str"),
    rule_desc=dict(type="str", aliases=["description"]),
)
ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str"), group_id=dict(type="str"), description=dict(type="str"), vpc_id=dict(type="str"),
    rules=dict(type="list", elements="dict", options=RULE_SPEC),
    rules_egress=dict(type="list", elements="dict", options=RULE_SPEC),
    purge_rules=dict(type="bool", default=True), purge_rules_egress=dict(type="bool", default=True),
    allow_world_ssh=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]), purge_tags=dict(type="bool", default=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    wait_timeout=dict(type="int", default=300),
)
# AWS gives every new group this egress (all traffic to anywhere)
DEFAULT_EGRESS = [{"proto": "-1", "cidr_ip": ["0.0.0.0/0"]}]


def view(group: dict | None, ingress: dict, egress: dict) -> dict:
    if group is None:
        return {}
    return {"group_name": group["GroupName"], "vpc_id": group.get("VpcId"), "description": group.get("Description"),
            "rules": entries_view(ingress), "rules_egress": entries_view(egress),
            "tags": tag_list_to_dict(group.get("Tags"))}


def replace_rules(client: Any, kind: str, own_id: str, add: dict, remove: dict) -> None:
    """Authorize ``add``, then revoke ``remove`` (``kind`` ingress or egress).

    Authorizing first leaves no gap, and when it fails every old rule is still there (revoking first
    lost them for good when the authorize then failed). Only when the group has no room for both
    (RulesPerSecurityGroupLimitExceeded) are the old rules revoked first; if the authorize still
    fails they are put back before the error is reported.
    """
    authorize = getattr(client, f"authorize_security_group_{kind}")
    revoke = getattr(client, f"revoke_security_group_{kind}")
    if add:
        try:
            authorize(GroupId=own_id, IpPermissions=entries_to_permissions(add, own_id))
        except ClientError as exc:
            if error_code(exc) != "RulesPerSecurityGroupLimitExceeded" or not remove:
                raise
            revoke(GroupId=own_id, IpPermissions=entries_to_permissions(remove, own_id))
            try:
                authorize(GroupId=own_id, IpPermissions=entries_to_permissions(add, own_id))
            except ClientError:
                authorize(GroupId=own_id, IpPermissions=entries_to_permissions(remove, own_id))
                raise
            return
    if remove:
        revoke(GroupId=own_id, IpPermissions=entries_to_permissions(remove, own_id))


class SecurityGroup(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = [("name", "group_id")]
    WHAT = "security group"

    def label(self) -> str:
        return f"security group '{self.params['group_id'] or self.params['name']}'"

    # -- validate ---------------------------------------------------------------------------------
    def validate(self) -> None:
        p = self.params
        if p["group_id"] and not p["group_id"].startswith("sg-"):
            raise ParamError("group_id", f"'{p['group_id']}' is not a security group id like sg-0123abcd")
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", "must be 0 or more seconds")
        self.want_in = self.want_out = None
        if p["state"] == "present":
            self.want_in = expand_rules(p["rules"], "rules") if p["rules"] is not None else None
            egress = DEFAULT_EGRESS if p["rules_egress"] is None else p["rules_egress"]
            self.want_out = expand_rules(egress, "rules_egress")
            self.refuse_world_ssh(self.want_in)

    def refuse_world_ssh(self, entries: dict | None) -> None:
        """ParamError naming ``rules`` when the ingress ``entries`` open SSH to the world (unless allow_world_ssh)."""
        if entries is None or self.params["allow_world_ssh"]:
            return
        problem = ssh_cidr_problem(ssh_sources(entries))
        if problem:
            raise ParamError("rules", f"the rules that open port 22 (tcp, or all protocols): {problem}; "
                                      "set allow_world_ssh: true only if that is really meant")

    # -- read ---------------------------------------------------------------------------------------
    def read(self) -> dict | None:
        p = self.params
        self.client = self.module.client("ec2")
        self.vpc_checked = True  # the VPC is known to exist
        if not (p["group_id"] or p["vpc_id"]):
            self.vpc_id = find_vpc(self.client, None)["VpcId"]
            return find_group(self.client, p["name"], None, self.vpc_id)
        self.vpc_id = p["vpc_id"]
        group = find_group(self.client, p["name"], p["group_id"], self.vpc_id)
        # a group found in it proves the VPC exists; CreateSecurityGroup refuses a VpcId that does not
        # exist (InvalidVpcID.NotFound, answered as the parameter), so only check mode, which
        # creates nothing, and a delete look it up
        self.vpc_checked = group is not None or bool(p["group_id"])
        if not self.vpc_checked and (self.module.check_mode or p["state"] == "absent"):
            find_vpc(self.client, self.vpc_id)  # fails naming vpc_id when it does not exist
            self.vpc_checked = True
        return group

    # -- absent -------------------------------------------------------------------------------------
    def state_absent(self, group: dict | None) -> None:
        if group is None:
            self.module.exit(before={}, after={}, waited=0.0)
        gid, waited = group["GroupId"], 0.0
        if not self.module.check_mode:
            started = time.monotonic()
            self.delete(group)
            waited = round(time.monotonic() - started, 1)
        self.module.exit(before=view(group, {}, {}), after={}, group_id=gid, waited=waited)

    def delete(self, group: dict) -> None:
        gid, module = group["GroupId"], self.module
        # The core retries DependencyViolation on mutating calls; bound it by wait_timeout.
        deleter = module.client("ec2", policy=RetryPolicy(max_consistency_seconds=self.params["wait_timeout"]))
        try:
            deleter.delete_security_group(GroupId=gid)
        except Exception as exc:
            if error_code(exc) == "DependencyViolation":
                with module.aws_errors(f"find what uses security group {gid}"):
                    users = security_group_users(self.client, gid)
                module.fail(f"security group '{group['GroupName']}' ({gid}) is still in use after "
                            f"{self.params['wait_timeout']}s by: {users}; remove or detach those first",
                            group_id=gid)
            if error_code(exc) != "InvalidGroup.NotFound":
                module.fail_aws(exc, f"delete security group {gid}")

    # -- present ------------------------------------------------------------------------------------
    def state_present(self, group: dict | None) -> None:
        p = self.params
        if group is None and p["group_id"]:
            self.module.fail_param("group_id", f"security group {p['group_id']} does not exist; "
                                               "give name to create a group")
        if group is None and not p["description"]:
            self.module.fail_param("description", f"required to create security group '{p['name']}'")
        with self.module.aws_errors(f"find the groups named in the rules of {self.label()}"):
            self.current_entries(group)
        if group and p["description"] and p["description"] != group.get("Description"):
            self.module.warn(f"security group {group['GroupId']}: AWS cannot change a description; "
                             f"keeping '{group.get('Description')}'")
        if self.want_in is not None and not p["purge_rules"]:  # the rules kept count too
            with self.module.aws_errors(f"check the rules of {self.label()}"):
                self.refuse_world_ssh(result_entries(self.cur_in, self.want_in, False))
        self.converge(group, view(group, self.cur_in, self.cur_out), self.desired(group))

    def current_entries(self, group: dict | None) -> None:
        """The current rules as entries, and the wanted ones with group names resolved to ids."""
        p = self.params
        self.vpc_id = group.get("VpcId", self.vpc_id) if group else self.vpc_id
        own_name = group["GroupName"] if group else p["name"]
        self.own_id = group["GroupId"] if group else None
        self.cur_in = permissions_to_entries(group.get("IpPermissions", []), self.own_id) if group else {}
        self.cur_out = permissions_to_entries(group.get("IpPermissionsEgress", []), self.own_id) if group else \
            expand_rules(DEFAULT_EGRESS, "rules_egress")
        try:
            if self.want_in is not None:
                self.want_in = resolve_names(self.client, self.want_in, own_name, self.vpc_id, "rules",
                                             known=self.cur_in)
            self.want_out = resolve_names(self.client, self.want_out, own_name, self.vpc_id, "rules_egress",
                                          known=self.cur_out)
        except ParamError:
            if not self.vpc_checked:  # names not found in it: the VPC itself may be what is missing
                find_vpc(self.client, self.vpc_id)
            raise

    def desired(self, group: dict | None) -> dict:
        p = self.params
        cur_tags = tag_list_to_dict(group.get("Tags")) if group else {}
        self.after_tags = desired_tags(cur_tags, p["tags"], p["purge_tags"])
        after_group = group or {"GroupName": p["name"], "VpcId": self.vpc_id, "Description": p["description"]}
        self.after_in = result_entries(self.cur_in, self.want_in, p["purge_rules"])
        self.after_out = result_entries(self.cur_out, self.want_out, p["purge_rules_egress"])
        tags = [{"Key": k, "Value": v} for k, v in self.after_tags.items()]
        return view({**after_group, "Tags": tags}, self.after_in, self.after_out)

    def apply(self, group: dict | None, desired: dict) -> dict:
        p = self.params
        made = self._create() if group is None else None
        if group is not None:
            apply_tags(self.client, [self.own_id], tag_list_to_dict(group.get("Tags")), p["tags"], p["purge_tags"])
        self._set_rules("ingress", self.cur_in, self.want_in, p["purge_rules"])
        self._set_rules("egress", self.cur_out, self.want_out, p["purge_rules_egress"])
        if made is None:
            return self.client.describe_security_groups(GroupIds=[self.own_id])["SecurityGroups"][0]
        return self._created_view(made)

    def _create(self) -> dict:
        p, client = self.params, self.client
        spec = tag_specifications(["security-group"], p["tags"])
        try:
            made = client.create_security_group(GroupName=p["name"], Description=p["description"],
                                                VpcId=self.vpc_id, **({"TagSpecifications": spec} if spec else {}))
        except ClientError as exc:
            if error_code(exc) == "InvalidVpcID.NotFound":
                raise ParamError("vpc_id", f"VPC {self.vpc_id} does not exist in this region; check the id") from None
            raise
        own_id = self.own_id = made["GroupId"]
        self.module.on_failure(f"delete security group {own_id}", lambda: client.delete_security_group(GroupId=own_id))
        return made

    def _set_rules(self, kind: str, current: dict, wanted: dict | None, purge: bool) -> None:
        add, remove, describe = diff_entries(current, wanted, purge)
        replace_rules(self.client, kind, self.own_id, add, remove)
        if describe:
            getattr(self.client, f"update_security_group_rule_descriptions_{kind}")(
                GroupId=self.own_id, IpPermissions=entries_to_permissions(describe, self.own_id))

    def _created_view(self, made: dict) -> dict:
        """A new group is what was just asked for: no need to read it back."""
        p, own_id = self.params, self.own_id
        arn = made.get("SecurityGroupArn")
        owner = arn.split(":")[4] if arn else None
        return {"GroupId": own_id, "GroupName": p["name"], "Description": p["description"], "VpcId": self.vpc_id,
                **({"OwnerId": owner, "SecurityGroupArn": arn} if owner else {}),
                "IpPermissions": entries_to_described(self.after_in, own_id, owner),
                "IpPermissionsEgress": entries_to_described(self.after_out, own_id, owner),
                "Tags": [{"Key": k, "Value": v} for k, v in self.after_tags.items()]}

    def result(self, group: dict | None, desired: dict, final: dict | None) -> dict:
        return {"group_id": self.own_id, "security_group": snake(final or group)}


def main() -> None:
    SecurityGroup.run()


if __name__ == "__main__":
    main()
