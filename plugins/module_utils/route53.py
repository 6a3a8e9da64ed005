# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure validation and comparison for Route53 zones and records (no AWS calls; see tests/unit/test_route53.py)."""
from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

RECORD_TYPES = ("A", "AAAA", "CAA", "CNAME", "DS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "TXT")
ALIAS_TYPES = ("A", "AAAA")
HOSTNAME_TYPES = ("CNAME", "NS", "PTR")  # the whole value is a DNS name
LABEL_RE = re.compile(r"^(\*|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)$")
ZONE_ID_RE = re.compile(r"^(/hostedzone/)?[A-Z0-9]{1,32}$")  # AWS: up to 32 characters, e.g. Z2FDTNDATAQYW2
MAX_TTL = 2147483647


def fqdn(name: str) -> str:
    """Lower case with one trailing dot; Route53's octal escapes (\\052 for *) decoded."""
    name = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), name.strip())
    return name.rstrip(".").lower() + "."


def short_zone_id(zone_id: str) -> str:
    return zone_id.split("/")[-1]


def domain_problem(name: str | None, allow_wildcard: bool = False) -> str | None:
    if not name or name.strip() in (".", ""):
        return "is empty; give a DNS name such as example.com"
    labels = fqdn(name).rstrip(".").split(".")
    if len(fqdn(name)) > 255:
        return f"'{name}' is longer than 255 characters"
    for i, label in enumerate(labels):
        if not LABEL_RE.match(label) or (label == "*" and (i != 0 or not allow_wildcard)):
            return (f"'{name}' is not a valid DNS name (label '{label}'); use letters, digits and hyphens, "
                    "labels of at most 63 characters" + (", '*' only as the first label" if allow_wildcard else ""))
    return None


def record_fqdn(name: str, zone: str) -> str | None:
    """The record's absolute name, or None when it lies outside ``zone``.

    ``@`` is the zone apex. A name ending with a dot is absolute. Without the dot, a name that equals
    the zone name or ends with ``.<zone>`` is absolute; any other name is relative to the zone.
    """
    zone = fqdn(zone)
    if name.strip() == "@":
        return zone
    absolute = name.strip().endswith(".")
    full = fqdn(name)
    if full == zone or full.endswith("." + zone):
        return full
    return None if absolute else fqdn(name.strip() + "." + zone)


def _txt(value: str) -> str:
    value = value.strip()
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def normalise_value(rtype: str, value: str) -> str:
    """One record value in a comparable form (and the form sent to AWS for TXT/SPF: quoted)."""
    value = str(value).strip()
    if rtype in ("A", "AAAA"):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    if rtype in HOSTNAME_TYPES:
        return fqdn(value)
    if rtype in ("TXT", "SPF"):
        return _txt(value)
    if rtype in ("MX", "SRV"):
        parts = value.split()
        return " ".join([*parts[:-1], fqdn(parts[-1])]) if parts else value
    return " ".join(value.split())


def value_problem(rtype: str, value: str) -> str | None:
    value = str(value).strip()
    if rtype == "A":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            return f"'{value}' is not an IPv4 address"
    if rtype == "AAAA":
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            return f"'{value}' is not an IPv6 address"
    if rtype in HOSTNAME_TYPES and domain_problem(value, allow_wildcard=False):
        return f"'{value}' is not a DNS name"
    if rtype == "MX" and not re.match(r"^\d{1,5}\s+\S+$", value):
        return f"'{value}' must be '<priority> <mail server>', such as '10 mail.example.com'"
    if rtype == "SRV" and not re.match(r"^\d+\s+\d+\s+\d+\s+\S+$", value):
        return f"'{value}' must be '<priority> <weight> <port> <target>'"
    if rtype in ("TXT", "SPF") and len(value) > 4000:
        return "is longer than 4000 characters"
    return None


def record_param_problem(p: Mapping[str, Any]) -> tuple[str, str] | None:
    """(parameter, problem) for a record AWS would refuse, or None. ``p`` holds the module parameters."""
    rtype = p["type"]
    if rtype not in RECORD_TYPES:
        return "type", f"'{rtype}' is not a Route53 record type; use one of {', '.join(RECORD_TYPES)}"
    if p.get("zone_id") and not ZONE_ID_RE.match(p["zone_id"]):
        return "zone_id", f"'{p['zone_id']}' is not a hosted zone id such as Z0123456789ABCDEFGHIJ"
    if p.get("zone") and domain_problem(p["zone"]):
        return "zone", domain_problem(p["zone"]) or ""
    name_problem = domain_problem(p["record"].replace("@", "x"), allow_wildcard=True) if p.get("record") else "is empty"
    if name_problem:
        return "record", name_problem
    if p.get("state") == "absent":
        return None
    alias = p.get("alias")
    if alias:
        if p.get("values") or p.get("ttl") is not None:
            return "alias", "cannot be combined with ttl or values: an alias record has neither; remove them"
        if rtype not in ALIAS_TYPES:
            return "type", f"alias records here are A or AAAA (to a load balancer), not {rtype}"
        if domain_problem(alias.get("dns_name")):
            return "alias.dns_name", domain_problem(alias.get("dns_name")) or ""
        if not ZONE_ID_RE.match(alias.get("hosted_zone_id") or ""):
            return "alias.hosted_zone_id", (f"'{alias.get('hosted_zone_id')}' is not a hosted zone id; give the load "
                                            "balancer's canonical_hosted_zone_id")
        return None
    ttl = p.get("ttl")
    if ttl is not None and not 0 <= ttl <= MAX_TTL:
        return "ttl", f"must be between 0 and {MAX_TTL} seconds, got {ttl}"
    values = p.get("values") or []
    if not values:
        return "values", f"give at least one value for a {rtype} record, or use alias"
    if rtype == "CNAME" and len(values) > 1:
        return "values", "a CNAME record has exactly one value"
    for i, value in enumerate(values):
        problem = value_problem(rtype, value)
        if problem:
            return f"values[{i}]", problem
    return None


def record_view(rrset: Mapping[str, Any] | None) -> dict[str, Any]:
    """The comparable view of a ResourceRecordSet."""
    if not rrset:
        return {}
    rtype = rrset["Type"]
    view: dict[str, Any] = {"name": fqdn(rrset["Name"]), "type": rtype}
    alias = rrset.get("AliasTarget")
    if alias:
        view["alias"] = {"dns_name": fqdn(alias["DNSName"]), "hosted_zone_id": short_zone_id(alias["HostedZoneId"]),
                         "evaluate_target_health": bool(alias.get("EvaluateTargetHealth", False))}
    else:
        view["ttl"] = rrset.get("TTL")
        view["values"] = sorted({normalise_value(rtype, r["Value"]) for r in rrset.get("ResourceRecords", [])})
    return view


def desired_record_view(p: Mapping[str, Any], name: str) -> dict[str, Any]:
    rtype = p["type"]
    view: dict[str, Any] = {"name": name, "type": rtype}
    alias = p.get("alias")
    if alias:
        view["alias"] = {"dns_name": fqdn(alias["dns_name"]), "hosted_zone_id": short_zone_id(alias["hosted_zone_id"]),
                         "evaluate_target_health": bool(alias.get("evaluate_target_health"))}
    else:
        view["ttl"] = 300 if p.get("ttl") is None else p["ttl"]
        view["values"] = sorted({normalise_value(rtype, v) for v in p["values"]})
    return view


def rrset_from_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """A ResourceRecordSet for ChangeResourceRecordSets."""
    rrset: dict[str, Any] = {"Name": view["name"], "Type": view["type"]}
    if "alias" in view:
        a = view["alias"]
        rrset["AliasTarget"] = {"DNSName": a["dns_name"], "HostedZoneId": a["hosted_zone_id"],
                                "EvaluateTargetHealth": a["evaluate_target_health"]}
    else:
        rrset["TTL"] = view["ttl"]
        rrset["ResourceRecords"] = [{"Value": v} for v in view["values"]]
    return rrset


def removable_records(rrsets: list[Mapping[str, Any]], zone_name: str) -> list[Mapping[str, Any]]:
    """Records that must go before a zone can be deleted (all but the apex SOA and NS)."""
    apex = fqdn(zone_name)
    return [r for r in rrsets if not (fqdn(r["Name"]) == apex and r["Type"] in ("SOA", "NS"))]
