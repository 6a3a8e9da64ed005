#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: route53_record
short_description: Manage a Route53 record set (plain or alias to a load balancer)
description:
  - Create, update or delete one record set (name + type) in a hosted zone.
  - The record is compared with what the zone holds after normalising names (case, trailing dot), DNS names in
    values, value order and TXT quoting, and only UPSERTed when it differs.
  - Deleting uses the record's current values (Route53's DELETE needs them), so O(values) may be left out.
  - Weighted, latency, failover and other routing policies (set identifiers) are not managed.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  zone:
    description: Name of the hosted zone (public unless O(private_zone)). One of O(zone) and O(zone_id) is required.
    type: str
  zone_id:
    description: Id of the hosted zone (with or without the C(/hostedzone/) prefix).
    type: str
  private_zone:
    description: With O(zone), look the name up among private zones instead of public ones.
    type: bool
    default: false
  record:
    description:
      - Name of the record. C(@) is the zone apex.
      - A name ending with a dot is absolute and must lie in the zone. A name without the trailing dot that equals
        the zone name or ends with C(.<zone>) is taken as absolute too; any other name is relative to the zone
        (C(www) in C(example.com) is C(www.example.com.)).
      - Compared case-insensitively; C(*) is allowed as the first label.
    type: str
    required: true
    aliases: [name]
  type:
    description: Record type.
    type: str
    required: true
    choices: [A, AAAA, CAA, CNAME, DS, MX, NAPTR, NS, PTR, SOA, SPF, SRV, TXT]
  state:
    description: Whether the record should exist.
    type: str
    choices: [present, absent]
    default: present
  ttl:
    description: Time to live in seconds of a plain record (not with O(alias)). Defaults to C(300).
    type: int
  values:
    description:
      - Values of a plain record, for example IP addresses, C(10 mail.example.com) for MX.
      - TXT values are quoted for you when they are not quoted already.
    type: list
    elements: str
  alias:
    description: Alias target of an A or AAAA record (mutually exclusive with O(ttl) and O(values)).
    type: dict
    suboptions:
      dns_name:
        description: DNS name of the target, for example the load balancer's C(dns_name).
        type: str
        required: true
      hosted_zone_id:
        description: Hosted zone id of the target, for example the load balancer's C(canonical_hosted_zone_id).
        type: str
        required: true
      evaluate_target_health:
        description: Answer only while the target is healthy.
        type: bool
        default: false
  wait:
    description: Wait until the change is C(INSYNC) on all Route53 servers.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 300
extends_documentation_fragment:
  - webfleet.aws.connection
"""

EXAMPLES = r"""
- name: The service's name points at the load balancer
  webfleet.aws.route53_record:
    zone: example.com
    record: www
    type: A
    alias:
      dns_name: "{{ lb.dns_name }}"
      hosted_zone_id: "{{ lb.canonical_hosted_zone_id }}"
    wait: true

- name: A plain record
  webfleet.aws.route53_record:
    zone: example.com
    record: mail.example.com
    type: MX
    ttl: 3600
    values: ["10 mx1.example.com", "20 mx2.example.com"]

- name: Remove it (current values are looked up)
  webfleet.aws.route53_record:
    zone: example.com
    record: mail
    type: MX
    state: absent
"""

RETURN = r"""
record:
  description: The record set as compared (name with trailing dot, type, ttl and values, or alias).
  returned: always
  type: dict
  sample: {name: www.example.com., type: A, alias: {dns_name: web-lb-1.eu-west-1.elb.amazonaws.com.,
           hosted_zone_id: Z32O12XQLNTSW2, evaluate_target_health: false}}
zone_id:
  description: Id of the zone (no prefix).
  returned: always
  type: str
change_id:
  description: Id of the Route53 change (null when nothing changed or in check mode).
  returned: always
  type: str
change_status:
  description: C(PENDING) or C(INSYNC) (null when nothing changed).
  returned: always
  type: str
waited:
  description: Seconds waited for C(INSYNC).
  returned: when O(wait) and a change was made
  type: float
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import (
    AWSModule,
    ParamError,
    describe_or_none,
    is_not_found,
)
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.route53 import (
    RECORD_TYPES,
    desired_record_view,
    fqdn,
    record_fqdn,
    record_param_problem,
    record_view,
    rrset_from_view,
    short_zone_id,
)


def find_zone(r53: Any, p: dict[str, Any]) -> tuple[str, str] | None:
    """(zone id, zone name) from zone or zone_id; None when there is no such zone."""
    if p["zone_id"]:
        zone = describe_or_none(lambda: r53.get_hosted_zone(Id=short_zone_id(p["zone_id"]))["HostedZone"],
                                "NoSuchHostedZone", "InvalidInput")
        return None if zone is None else (short_zone_id(zone["Id"]), fqdn(zone["Name"]))
    name = fqdn(p["zone"])
    for zone in paginate(r53, "list_hosted_zones", "HostedZones"):
        if fqdn(zone["Name"]) == name and bool(zone["Config"].get("PrivateZone")) == p["private_zone"]:
            return short_zone_id(zone["Id"]), name
    return None


def missing_zone(module: AWSModule) -> None:
    """No zone: nothing to delete (unchanged), nothing to put a record in (fail naming the parameter)."""
    p = module.params
    if p["state"] == "absent":
        module.exit(before={}, after={}, record={}, zone_id=None, change_id=None, change_status=None)
    if p["zone_id"]:
        module.fail_param("zone_id", f"no hosted zone {p['zone_id']}; give an existing zone id")
    kind = "private" if p["private_zone"] else "public"
    module.fail_param("zone", f"no {kind} hosted zone named {fqdn(p['zone'])}; "
                              "create it (webfleet.aws.route53_zone) first")


def read_record(r53: Any, zone_id: str, name: str, rtype: str) -> dict[str, Any] | None:
    page = r53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name, StartRecordType=rtype,
                                         MaxItems="10")
    for rrset in page.get("ResourceRecordSets", []):
        if fqdn(rrset["Name"]) == name and rrset["Type"] == rtype and not rrset.get("SetIdentifier"):
            return rrset
    return None


ARGUMENT_SPEC: dict[str, Any] = dict(
    zone=dict(type="str"),
    zone_id=dict(type="str"),
    private_zone=dict(type="bool", default=False),
    record=dict(type="str", required=True, aliases=["name"]),
    type=dict(type="str", required=True, choices=list(RECORD_TYPES)),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    ttl=dict(type="int"),
    values=dict(type="list", elements="str"),
    alias=dict(type="dict", options=dict(
        dns_name=dict(type="str", required=True),
        hosted_zone_id=dict(type="str", required=True),
        evaluate_target_health=dict(type="bool", default=False))),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=300),
)


class Record(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    REQUIRED_ONE_OF = [("zone", "zone_id")]
    MUTUALLY_EXCLUSIVE = [("zone", "zone_id")]
    WHAT = "record"

    def label(self) -> str:
        return f"record {getattr(self, 'name', self.params['record'])} {self.params['type']}"

    def validate(self) -> None:
        p = self.params
        problem = record_param_problem(p)
        if problem:
            raise ParamError(*problem)
        if p["wait_timeout"] < 0:
            raise ParamError("wait_timeout", f"must be 0 or more seconds, got {p['wait_timeout']}")

    def read(self) -> dict[str, Any] | None:
        p = self.params
        self.r53 = self.module.client("route53")
        zone = find_zone(self.r53, p)
        if zone is None:
            missing_zone(self.module)
        self.zone_id, zone_name = zone
        name = record_fqdn(p["record"], zone_name)
        if name is None:
            raise ParamError("record", f"'{p['record']}' is not in zone {zone_name}; give a name in the zone, "
                                       "or one relative to it (without the trailing dot)")
        self.name = name
        return read_record(self.r53, self.zone_id, name, p["type"])

    def state_present(self, current: dict[str, Any] | None) -> None:
        self.converge(current, record_view(current), desired_record_view(self.params, self.name))

    def state_absent(self, current: dict[str, Any] | None) -> None:
        self.converge(current, record_view(current), {})

    def apply(self, current: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        p = self.params
        if after:
            change = {"Action": "UPSERT", "ResourceRecordSet": rrset_from_view(after)}
        else:
            change = {"Action": "DELETE", "ResourceRecordSet": current}
        try:
            return self.r53.change_resource_record_sets(HostedZoneId=self.zone_id, ChangeBatch={
                "Comment": "webfleet.aws.route53_record", "Changes": [change]})["ChangeInfo"]
        except Exception as exc:
            if p["alias"] and is_not_found(exc, "InvalidChangeBatch"):
                self.module.fail_param("alias", f"Route53 refused the alias target: {exc}; check alias.dns_name and "
                                                "alias.hosted_zone_id (the load balancer's canonical hosted zone id)")
            with self.module.aws_errors(f"{change['Action'].lower()} record {self.name} {p['type']}"):
                raise
        raise AssertionError("unreachable")

    def result(self, current: dict[str, Any] | None, after: dict[str, Any], info: Any) -> dict[str, Any]:
        result: dict[str, Any] = {"zone_id": self.zone_id, "change_id": None, "change_status": None,
                                  "record": after or record_view(current)}
        if info is None:
            return result
        result.update(change_id=info["Id"].split("/")[-1], change_status=info["Status"])
        if self.params["wait"]:
            change_id = info["Id"]
            info, waited = self.module.wait(lambda: self.r53.get_change(Id=change_id)["ChangeInfo"],
                                            lambda c: c["Status"] == "INSYNC", f"change {change_id} to be INSYNC",
                                            self.params["wait_timeout"])
            result.update(change_status=info["Status"], waited=waited)
        return result


def main() -> None:
    Record.run()


if __name__ == "__main__":
    main()
