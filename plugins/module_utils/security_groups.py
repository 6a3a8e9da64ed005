# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Security group rules (pure: expand, compare, convert to and from IpPermissions) and the
lookups a security group needs (a group by name or id, names in rules, what uses a group).

A rule as the user writes it is expanded into normalized entries ``(proto, from_port, to_port,
source_kind, source)`` and compared as a set with the entries read back from AWS's ``IpPermissions``.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping, Optional, Tuple

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.references import require_references

# (proto, from_port, to_port, source_kind, source)
RuleKey = Tuple[str, Optional[int], Optional[int], str, str]


SELF = "self"  # how a rule naming the group itself is written in normalized entries


PROTO_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1", "-1": "-1"}


PORTED = ("tcp", "udp")


SOURCE_KINDS = ("cidr_ip", "cidr_ipv6", "group_id", "group_name")


# -- rules: pure ---------------------------------------------------------------------------
def normalize_proto(value: Any, where: str) -> str:
    text = str(value).strip().lower()
    text = PROTO_NAMES.get(text, text)
    if text in ("tcp", "udp", "icmp", "icmpv6", "-1"):
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        return text
    raise ParamError(f"{where}.proto",
                     f"'{value}' is not a protocol; use tcp, udp, icmp, icmpv6, all (-1) or a number 0-255")


def _port(value: Any, where: str, low: int) -> int:
    """A port (low 0) or an ICMP type/code (low -1, at most 255)."""
    try:
        port = int(str(value).strip())
    except ValueError:
        raise ParamError(where, f"'{value}' is not a port number") from None
    high = 255 if low < 0 else 65535
    if not low <= port <= high:
        raise ParamError(where, f"{port} is out of range; use {low}-{high}" + (" (ICMP type/code)" if low < 0 else ""))
    return port


def parse_ports(rule: Mapping[str, Any], proto: str, where: str) -> list[tuple[int | None, int | None]]:
    """The (from, to) ranges of a rule: ``ports`` (80, [80, 443], "8000-8100") or from_port/to_port."""
    ports = rule.get("ports")
    has_range = rule.get("from_port") is not None or rule.get("to_port") is not None
    if ports not in (None, []) and has_range:
        raise ParamError(f"{where}.ports", "give either ports or from_port/to_port, not both")
    if proto == "-1" or (proto not in PORTED and proto not in ("icmp", "icmpv6")):
        if ports not in (None, []) or has_range:
            raise ParamError(f"{where}.ports", f"protocol {proto} covers all ports; remove ports/from_port/to_port")
        return [(None, None)]
    low = -1 if proto in ("icmp", "icmpv6") else 0
    if has_range:
        if rule.get("from_port") is None or rule.get("to_port") is None:
            raise ParamError(f"{where}.from_port", "give both from_port and to_port")
        start = _port(rule["from_port"], f"{where}.from_port", low)
        end = _port(rule["to_port"], f"{where}.to_port", low)
        if proto in PORTED and start > end:
            raise ParamError(f"{where}.from_port", f"{start} is greater than to_port {end}")
        return [(start, end)]
    if ports in (None, []):
        if proto in PORTED:
            raise ParamError(f"{where}.ports",
                             f"required for protocol {proto}; for example ports: 80, [80, 443] or '0-65535'")
        return [(-1, -1)]  # every ICMP type and code
    ranges = []
    for item in ports if isinstance(ports, list) else [ports]:
        text = str(item).strip()
        if "-" in text.lstrip("-") and proto in PORTED:
            first, _, last = text.partition("-")
            start, end = _port(first, f"{where}.ports", low), _port(last, f"{where}.ports", low)
            if start > end:
                raise ParamError(f"{where}.ports", f"range '{text}' starts after it ends; write it as low-high")
            ranges.append((start, end))
        else:
            port = _port(text, f"{where}.ports", low)
            ranges.append((port, port) if proto in PORTED else (port, -1))
    return ranges


def _cidrs(values: Iterable[Any], version: int, where: str) -> list[str]:
    out = []
    for value in values:
        text = str(value).strip()
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ParamError(where, f"'{text}' is not an IPv{version} CIDR; write it like "
                             + ("10.0.0.0/16" if version == 4 else "2001:db8::/32")) from None
        if net.version != version:
            other = "cidr_ipv6" if version == 4 else "cidr_ip"
            raise ParamError(where, f"'{text}' is an IPv{net.version} address; put it in {other}")
        if str(net.network_address) != text.split("/")[0] and "/" in text:
            raise ParamError(where, f"'{text}' has host bits set; use {net.with_prefixlen}")
        out.append(net.with_prefixlen)
    return out


def expand_rule(rule: Mapping[str, Any], where: str) -> list[tuple[RuleKey, str]]:
    """One user rule -> normalized (key, description) entries. ``group_name`` stays unresolved."""
    if rule.get("proto") is None:
        raise ParamError(f"{where}.proto", "required; use tcp, udp, icmp, all or a protocol number")
    proto = normalize_proto(rule["proto"], where)
    given = [k for k in SOURCE_KINDS if rule.get(k) not in (None, [], "")]
    if len(given) != 1:
        raise ParamError(where, "give exactly one source of cidr_ip, cidr_ipv6, group_id, group_name "
                         f"(got {given or 'none'})")
    kind = given[0]
    if kind == "cidr_ip":
        sources = _cidrs(_as_list(rule[kind]), 4, f"{where}.cidr_ip")
    elif kind == "cidr_ipv6":
        sources = _cidrs(_as_list(rule[kind]), 6, f"{where}.cidr_ipv6")
    else:
        sources = [str(v) for v in _as_list(rule[kind])]
        if kind == "group_id" and any(not s.startswith("sg-") for s in sources):
            raise ParamError(f"{where}.group_id", f"{sources} must be security group ids like sg-0123abcd")
    desc = rule.get("rule_desc") or rule.get("description") or ""
    return [((proto, start, end, kind, src), desc) for start, end in parse_ports(rule, proto, where) for src in sources]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def expand_rules(rules: Iterable[Mapping[str, Any]] | None, param: str) -> dict[RuleKey, str]:
    entries: dict[RuleKey, str] = {}
    for index, rule in enumerate(rules or []):
        for key, desc in expand_rule(rule, f"{param}[{index}]"):
            entries[key] = desc or entries.get(key, "")
    return entries


def permissions_to_entries(permissions: Iterable[Mapping[str, Any]], own_id: str | None) -> dict[RuleKey, str]:
    """AWS IpPermissions -> normalized entries (the group's own id becomes ``self``)."""
    entries: dict[RuleKey, str] = {}
    for perm in permissions or []:
        proto = PROTO_NAMES.get(str(perm.get("IpProtocol")), str(perm.get("IpProtocol")))
        if proto in PORTED or proto in ("icmp", "icmpv6"):
            start, end = perm.get("FromPort"), perm.get("ToPort")
        else:
            start = end = None
        for item in perm.get("IpRanges", []):
            entries[(proto, start, end, "cidr_ip", item["CidrIp"])] = item.get("Description", "")
        for item in perm.get("Ipv6Ranges", []):
            entries[(proto, start, end, "cidr_ipv6", item["CidrIpv6"])] = item.get("Description", "")
        for item in perm.get("UserIdGroupPairs", []):
            gid = item.get("GroupId", "")
            entries[(proto, start, end, "group_id", SELF if gid == own_id else gid)] = item.get("Description", "")
    return entries


def entries_to_permissions(entries: Mapping[RuleKey, str], own_id: str) -> list[dict[str, Any]]:
    """Normalized entries -> IpPermissions for Authorize/Revoke/UpdateDescriptions (one per entry)."""
    perms = []
    for (proto, start, end, kind, src), desc in sorted(entries.items(), key=lambda kv: repr(kv[0])):
        perm: dict[str, Any] = {"IpProtocol": proto}
        if start is not None:
            perm["FromPort"], perm["ToPort"] = start, end
        extra = {"Description": desc} if desc else {}
        if kind == "cidr_ip":
            perm["IpRanges"] = [{"CidrIp": src, **extra}]
        elif kind == "cidr_ipv6":
            perm["Ipv6Ranges"] = [{"CidrIpv6": src, **extra}]
        else:
            perm["UserIdGroupPairs"] = [{"GroupId": own_id if src == SELF else src, **extra}]
        perms.append(perm)
    return perms


def entries_to_described(entries: Mapping[RuleKey, str], own_id: str, owner_id: str | None) -> list[dict[str, Any]]:
    """Normalized entries -> IpPermissions as DescribeSecurityGroups reports them (one per protocol and ports)."""
    perms: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for (proto, start, end, kind, src), desc in sorted(entries.items(), key=lambda kv: repr(kv[0])):
        perm = perms.setdefault((proto, start, end), {
            "IpProtocol": proto, **({"FromPort": start, "ToPort": end} if start is not None else {}),
            "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []})
        extra = {"Description": desc} if desc else {}
        if kind == "cidr_ip":
            perm["IpRanges"].append({"CidrIp": src, **extra})
        elif kind == "cidr_ipv6":
            perm["Ipv6Ranges"].append({"CidrIpv6": src, **extra})
        else:
            pair = {"GroupId": own_id if src == SELF else src, **extra}
            perm["UserIdGroupPairs"].append({**pair, "UserId": owner_id} if owner_id else pair)
    return list(perms.values())


def diff_entries(current: Mapping[RuleKey, str], desired: Mapping[RuleKey, str] | None,
                 purge: bool) -> tuple[dict[RuleKey, str], dict[RuleKey, str], dict[RuleKey, str]]:
    """(to_add, to_remove, descriptions_to_update); ``desired`` None leaves the rules alone."""
    if desired is None:
        return {}, {}, {}
    to_add = {k: d for k, d in desired.items() if k not in current}
    to_remove = {k: d for k, d in current.items() if k not in desired} if purge else {}
    to_describe = {k: d for k, d in desired.items() if k in current and current[k] != d}
    return to_add, to_remove, to_describe


def result_entries(current: Mapping[RuleKey, str], desired: Mapping[RuleKey, str] | None,
                   purge: bool) -> dict[RuleKey, str]:
    to_add, to_remove, to_describe = diff_entries(current, desired, purge)
    out = {k: d for k, d in current.items() if k not in to_remove}
    out.update(to_add)
    out.update(to_describe)
    return out


def entries_view(entries: Mapping[RuleKey, str]) -> list[dict[str, Any]]:
    """Readable, sorted rule list for diffs."""
    view = []
    for (proto, start, end, kind, src), desc in sorted(entries.items(), key=lambda kv: repr(kv[0])):
        item: dict[str, Any] = {"proto": proto, "from_port": start, "to_port": end, kind: src}
        if desc:
            item["description"] = desc
        view.append(item)
    return view


# -- security groups -------------------------------------------------------------------------
def find_group(client: Any, name: str | None, group_id: str | None, vpc_id: str | None) -> dict[str, Any] | None:
    if group_id:
        groups = client.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroups"]
    else:
        groups = client.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]},
                                                          {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    return groups[0] if groups else None


def resolve_names(client: Any, entries: dict, own_name: str | None, vpc_id: str, param: str,
                  known: Mapping[RuleKey, str] | None = None) -> dict:
    """Replace group_name sources with group ids (or self); ParamError naming the rule parameter when unknown.

    Group ids that rules in ``known`` (the group's current rules) already name were accepted by AWS:
    only the others are looked up.
    """
    names = {key[4] for key in entries if key[3] == "group_name" and key[4] != own_name}
    found = {name: group["GroupId"] for name, group in require_references(
        client, param, "security_group_name", names,
        f"security group name(s) {{ids}} not found in {vpc_id}; create them first or use group_id",
        filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).items()}
    accepted = {key[4] for key in known or () if key[3] == "group_id"}
    ids = {key[4] for key in entries if key[3] == "group_id" and key[4] != SELF and key[4] not in accepted}
    require_references(client, param, "security_group", ids,
                       "security group id(s) {ids} do not exist; check the ids and the region")
    out = {}
    for (proto, start, end, kind, src), desc in entries.items():
        if kind == "group_name":
            kind, src = "group_id", SELF if src == own_name else found[src]
        out[(proto, start, end, kind, src)] = desc
    return out


def security_group_users(client: Any, group_id: str) -> str:
    """What still uses a group (network interfaces and referencing groups), for the failure message."""
    users = []
    enis = client.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group_id]}])["NetworkInterfaces"]
    for eni in enis:
        owner = eni.get("Attachment", {}).get("InstanceId") or eni.get("Description") or eni.get("InterfaceType", "")
        users.append(f"network interface {eni['NetworkInterfaceId']} ({owner})")
    for key in ("ip-permission.group-id", "egress.ip-permission.group-id"):
        for grp in client.describe_security_groups(Filters=[{"Name": key, "Values": [group_id]}])["SecurityGroups"]:
            if grp["GroupId"] != group_id:
                users.append(f"rules of security group {grp['GroupId']} ({grp['GroupName']})")
    return ", ".join(sorted(set(users))) or "nothing EC2 lists (an AWS service may still hold it)"
