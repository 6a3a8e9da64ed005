#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: route53_zone
short_description: Manage a Route53 hosted zone (public, or private to a VPC)
description:
  - Create, update (comment, tags) or delete a Route53 hosted zone, and return its id and name servers.
  - A zone is found by its name; a private zone by its name and O(vpc_id). With O(create=false) the module only
    looks the zone up (and fails naming O(name) when there is none), for playbooks that need the zone id.
  - Deleting a zone that still holds records other than its apex SOA and NS fails, naming the records to remove,
    unless O(force=true), which deletes those records first.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Domain name of the zone, for example C(example.com) (a trailing dot is optional).
    type: str
    required: true
  state:
    description: Whether the zone should exist.
    type: str
    choices: [present, absent]
    default: present
  comment:
    description: Comment of the zone. When unset, the current comment is left alone.
    type: str
  vpc_id:
    description: Make (or find) a private zone associated with this VPC.
    type: str
  vpc_region:
    description: Region of O(vpc_id); defaults to the module's region.
    type: str
  create:
    description: With C(false), never create or change the zone, only look it up.
    type: bool
    default: true
  force:
    description: With O(state=absent), delete the zone's records (other than the apex SOA and NS) first.
    type: bool
    default: false
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
"""

EXAMPLES = r"""
- name: The service's public zone
  webfleet.aws.route53_zone:
    name: example.com
    comment: nginx lab
  register: zone

- name: Look up an existing zone only
  webfleet.aws.route53_zone:
    name: example.com
    create: false

- name: Delete the zone and every record in it
  webfleet.aws.route53_zone:
    name: example.com
    state: absent
    force: true
"""

RETURN = r"""
zone_id:
  description: Id of the zone without the C(/hostedzone/) prefix (null in check mode before creation).
  returned: state=present
  type: str
  sample: Z0123456789ABCDEFGHIJ
name_servers:
  description: The zone's name servers (public zones).
  returned: state=present
  type: list
  elements: str
zone:
  description: The zone.
  returned: state=present
  type: dict
  contains:
    zone_id: {description: Id without prefix., type: str}
    name: {description: Name with the trailing dot., type: str}
    comment: {description: Comment., type: str}
    private_zone: {description: Whether the zone is private., type: bool}
    vpc_id: {description: VPC of a private zone., type: str}
    record_count: {description: Number of record sets., type: int}
    tags: {description: Tags., type: dict}
deleted_records:
  description: Records deleted with O(force=true) (name and type).
  returned: state=absent
  type: list
"""

import uuid
from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, is_not_found
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.route53 import (
    domain_problem,
    fqdn,
    removable_records,
    short_zone_id,
)
from ansible_collections.webfleet.aws.plugins.module_utils.tags import compare_tags, tag_list_to_dict


def find_zone(r53: Any, name: str, vpc_id: str | None) -> dict[str, Any] | None:
    """The zone called ``name`` (private and associated with ``vpc_id`` when given, else public)."""
    for zone in paginate(r53, "list_hosted_zones", "HostedZones"):
        if fqdn(zone["Name"]) != name or bool(zone["Config"].get("PrivateZone")) != bool(vpc_id):
            continue
        detail = r53.get_hosted_zone(Id=zone["Id"])
        if vpc_id and vpc_id not in [v.get("VPCId") for v in detail.get("VPCs", [])]:
            continue
        tags = r53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=short_zone_id(zone["Id"]))
        return {"zone_id": short_zone_id(zone["Id"]), "name": fqdn(zone["Name"]),
                "comment": zone["Config"].get("Comment", ""), "private_zone": bool(vpc_id), "vpc_id": vpc_id,
                "record_count": zone.get("ResourceRecordSetCount"),
                "name_servers": detail.get("DelegationSet", {}).get("NameServers", []),
                "tags": tag_list_to_dict(tags.get("ResourceTagSet", {}).get("Tags"))}
    return None


def view(zone: dict[str, Any] | None) -> dict[str, Any]:
    return {k: zone[k] for k in ("name", "comment", "private_zone", "vpc_id", "tags")} if zone else {}


def delete(module: AWSModule, r53: Any, zone: dict[str, Any]) -> list[dict[str, str]]:
    rrsets = paginate(r53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone["zone_id"])
    extra = removable_records(rrsets, zone["name"])
    listed = [{"name": r["Name"], "type": r["Type"]} for r in extra]
    if extra and not module.params["force"]:
        names = ", ".join(f"{r['name']} {r['type']}" for r in listed[:10]) + (" ..." if len(listed) > 10 else "")
        module.fail_param("name", f"zone {zone['name']} ({zone['zone_id']}) still holds {len(extra)} record set(s): "
                                  f"{names}; remove them first (webfleet.aws.route53_record state=absent) or set force")
    if module.check_mode:
        return listed
    for i in range(0, len(extra), 100):  # well under the 1000-change batch limit
        changes = [{"Action": "DELETE", "ResourceRecordSet": r} for r in extra[i:i + 100]]
        r53.change_resource_record_sets(HostedZoneId=zone["zone_id"], ChangeBatch={"Changes": changes})
    try:
        r53.delete_hosted_zone(Id=zone["zone_id"])
    except Exception as exc:
        if not is_not_found(exc, "NoSuchHostedZone"):
            raise
    return listed


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    comment=dict(type="str"),
    vpc_id=dict(type="str"),
    vpc_region=dict(type="str"),
    create=dict(type="bool", default=True),
    force=dict(type="bool", default=False),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


class HostedZone(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "hosted zone"

    def label(self) -> str:
        return f"hosted zone {fqdn(self.params['name'])}"

    def validate(self) -> None:
        p = self.params
        problem = domain_problem(p["name"])
        if problem:
            raise ParamError("name", problem)
        if p["vpc_id"] and not p["vpc_id"].startswith("vpc-"):
            raise ParamError("vpc_id", f"'{p['vpc_id']}' is not a VPC id such as vpc-0123456789abcdef0")
        if p["comment"] is not None and len(p["comment"]) > 256:
            raise ParamError("comment", "must be at most 256 characters")
        self.name = fqdn(p["name"])

    def read(self) -> dict[str, Any] | None:
        self.r53 = self.module.client("route53")
        return find_zone(self.r53, self.name, self.params["vpc_id"])

    def state_absent(self, current: dict[str, Any] | None) -> None:
        deleted: list[dict[str, str]] = []
        if current:  # also in check mode: it lists the records a delete would remove
            with self.module.aws_errors(f"delete {self.label()}"):
                deleted = delete(self.module, self.r53, current)
        self.module.exit(before=view(current), after={}, deleted_records=deleted)

    def state_present(self, current: dict[str, Any] | None) -> None:
        p = self.params
        if not p["create"]:
            if current is None:
                kind = f"private zone for VPC {p['vpc_id']}" if p["vpc_id"] else "public zone"
                self.module.fail_param("name", f"no {kind} named {self.name}; create it (create: true) or "
                                               "correct the name")
            self.module.exit(changed=False, zone_id=current["zone_id"], name_servers=current["name_servers"],
                             zone=current)
        self.converge(current, view(current), view(self.desired(current)))

    def desired(self, current: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        base = current or {"zone_id": None, "name": self.name, "comment": "", "private_zone": bool(p["vpc_id"]),
                           "vpc_id": p["vpc_id"], "record_count": None, "name_servers": [], "tags": {}}
        self.to_tag, self.to_untag = compare_tags(base["tags"], p["tags"], p["purge_tags"])
        tags = {k: v for k, v in base["tags"].items() if k not in self.to_untag}
        tags.update(self.to_tag)
        comment = base["comment"] if p["comment"] is None else p["comment"]
        self.zone = dict(base, comment=comment, tags=tags)
        return self.zone

    def apply(self, current: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        p, r53, desired = self.params, self.r53, self.zone
        if current is None:
            made = self._create(desired["comment"])
            zone_id = short_zone_id(made["HostedZone"]["Id"])
        else:
            zone_id = current["zone_id"]
            if desired["comment"] != current["comment"]:
                r53.update_hosted_zone_comment(Id=zone_id, Comment=desired["comment"])
        self._set_tags(zone_id, current is not None)
        if current is None:  # CreateHostedZone's answer has what a lookup would read (the tags: just set)
            return dict(desired, zone_id=zone_id, record_count=made["HostedZone"].get("ResourceRecordSetCount"),
                        name_servers=made.get("DelegationSet", {}).get("NameServers", []))
        return find_zone(r53, self.name, p["vpc_id"]) or dict(desired, zone_id=zone_id)

    def _create(self, comment: str) -> dict[str, Any]:
        p, r53 = self.params, self.r53
        req: dict[str, Any] = {"Name": self.name, "CallerReference": str(uuid.uuid4()),
                               "HostedZoneConfig": {"Comment": comment, "PrivateZone": bool(p["vpc_id"])}}
        if p["vpc_id"]:
            req["VPC"] = {"VPCId": p["vpc_id"], "VPCRegion": p["vpc_region"] or self.module.region}
        try:
            made = r53.create_hosted_zone(**req)
        except Exception as exc:
            if is_not_found(exc, "InvalidVPCId"):
                raise ParamError("vpc_id", f"no VPC {p['vpc_id']} in region {req['VPC']['VPCRegion']}; "
                                           "give an existing VPC (and vpc_region)") from None
            raise
        zone_id = short_zone_id(made["HostedZone"]["Id"])
        self.module.on_failure(f"delete hosted zone {zone_id}", lambda: r53.delete_hosted_zone(Id=zone_id))
        return made

    def _set_tags(self, zone_id: str, existed: bool) -> None:
        untag = self.to_untag if existed else []
        if not (self.to_tag or untag):
            return
        change: dict[str, Any] = {"ResourceType": "hostedzone", "ResourceId": zone_id}
        if self.to_tag:
            change["AddTags"] = [{"Key": k, "Value": v} for k, v in sorted(self.to_tag.items())]
        if untag:
            change["RemoveTagKeys"] = untag
        self.r53.change_tags_for_resource(**change)

    def result(self, current: dict[str, Any] | None, after: dict[str, Any], final: Any) -> dict[str, Any]:
        zone = final or self.zone
        return {"zone_id": zone["zone_id"], "name_servers": zone["name_servers"], "zone": zone}


def main() -> None:
    HostedZone.run()


if __name__ == "__main__":
    main()
