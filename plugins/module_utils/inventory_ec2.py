# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the ``webfleet.aws.ec2`` inventory plugin (no AWS calls, no Ansible).

The plugin turns every instance into a *record*: a plain, JSON-serialisable dict
(datetimes as ISO strings) holding everything the inventory is built from. Records
are what the inventory cache stores, so an inventory served from cache is built by
the same code, from the same data, as a live one.
"""
from __future__ import annotations

import difflib
import json
import re
from typing import Any, Iterable, Mapping, Sequence

# ---------------------------------------------------------------------------
# Filters

# DescribeInstances filter names (AWS EC2 API reference, DescribeInstances "Filter.N").
INSTANCE_FILTERS = frozenset("""
affinity architecture availability-zone availability-zone-id block-device-mapping.attach-time
block-device-mapping.delete-on-termination block-device-mapping.device-name block-device-mapping.status
block-device-mapping.volume-id boot-mode capacity-reservation-id
capacity-reservation-specification.capacity-reservation-preference
capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id
capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn
client-token current-instance-boot-mode dns-name ebs-optimized ena-support enclave-options.enabled
hibernation-options.configured host-id hypervisor iam-instance-profile.arn iam-instance-profile.id image-id
instance-id instance-lifecycle instance-state-code instance-state-name instance-type instance.group-id
instance.group-name ip-address ipv6-address kernel-id key-name launch-index launch-time
maintenance-options.auto-recovery metadata-options.http-endpoint metadata-options.http-protocol-ipv4
metadata-options.http-protocol-ipv6 metadata-options.http-put-response-hop-limit metadata-options.http-tokens
metadata-options.instance-metadata-tags monitoring-state network-performance-options.bandwidth-weighting
operator.managed operator.principal outpost-arn owner-id placement-group-name placement-partition-number
platform platform-details private-dns-name private-dns-name-options.enable-resource-name-dns-a-record
private-dns-name-options.enable-resource-name-dns-aaaa-record private-dns-name-options.hostname-type
private-ip-address product-code product-code.type ramdisk-id reason requester-id reservation-id
root-device-name root-device-type source-dest-check spot-instance-request-id state-reason-code
state-reason-message subnet-id tag-key tag-value tenancy tpm-support usage-operation
usage-operation-update-time virtualization-type vpc-id group-id group-name
""".split())
# Families whose members are many (network-interface.*) or free-form (tag:<key>).
INSTANCE_FILTER_PREFIXES = ("tag:", "network-interface.", "association.")


def check_filter_name(name: str) -> str | None:
    """None when ``name`` is a DescribeInstances filter, else a message saying what to fix."""
    if not isinstance(name, str) or not name:
        return f"filter name {name!r} must be a non-empty string"
    if name in INSTANCE_FILTERS:
        return None
    prefix = next((p for p in INSTANCE_FILTER_PREFIXES if name.startswith(p)), None)
    if prefix and len(name) > len(prefix):
        return None
    close = difflib.get_close_matches(name, [*sorted(INSTANCE_FILTERS), "tag:<key>"], n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (f"unknown EC2 DescribeInstances filter {name!r}{hint}; use a name from "
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html, e.g. "
            "instance-state-name, tag:Name, instance-type")


def filter_list(filters: Mapping[str, Any]) -> list[dict[str, Any]]:
    """{"tag:Name": "web", "instance-type": ["t3.micro"]} -> the API's [{"Name":..., "Values": [...]}]."""
    out = []
    for name, value in filters.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        out.append({"Name": name, "Values": [str(v).lower() if isinstance(v, bool) else str(v) for v in values]})
    return out


# ---------------------------------------------------------------------------
# Names

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def sanitize(name: str) -> str:
    """A group-name-safe form: every character other than A-Z a-z 0-9 _ becomes _."""
    return _UNSAFE.sub("_", name)


def asg_group(name: str) -> str:
    return "asg_" + sanitize(name)


def zone_group(zone: str) -> str:
    return "az_" + sanitize(zone)


def region_group(region: str) -> str:
    return "region_" + sanitize(region)


def elb_group(name: str) -> str:
    return "elb_" + sanitize(name)


# hostnames preference -> record field
HOSTNAME_FIELDS: dict[str, str] = {
    "public-dns-name": "public_dns_name",
    "dns-name": "public_dns_name",
    "private-dns-name": "private_dns_name",
    "private-ip-address": "private_ip_address",
    "ip-address": "public_ip_address",
    "public-ip-address": "public_ip_address",
    "instance-id": "instance_id",
}
ADDRESS_PREFERENCES = frozenset(HOSTNAME_FIELDS) - {"instance-id"}
DEFAULT_HOSTNAMES = ["public-dns-name", "private-dns-name", "private-ip-address", "instance-id"]


def check_hostname_preference(pref: Any) -> str | None:
    """None when ``pref`` is a valid ``hostnames`` entry, else what to fix."""
    if isinstance(pref, str) and (pref in HOSTNAME_FIELDS or (pref.startswith("tag:") and len(pref) > 4)):
        return None
    return (f"unknown hostnames entry {pref!r}; use one of {', '.join(sorted(HOSTNAME_FIELDS))} "
            "or tag:<Key> (for example tag:Name)")


def preference_value(record: Mapping[str, Any], pref: str) -> str | None:
    if pref.startswith("tag:"):
        value = record["tags"].get(pref[4:])
    else:
        value = record.get(HOSTNAME_FIELDS[pref])
    return value or None


def choose_hostname(record: Mapping[str, Any], preferences: Sequence[str]) -> tuple[str, str | None]:
    """(hostname, address for ansible_host) for one record.

    The hostname is the first non-empty preference; when none is set, the instance id.
    ansible_host is the hostname itself when it came from an address preference,
    otherwise the public IP address, else the private IP address (None for neither).
    """
    for pref in preferences:
        value = preference_value(record, pref)
        if value:
            if pref in ADDRESS_PREFERENCES:
                return value, value
            break
    else:
        value = record["instance_id"]
    return value, record.get("public_ip_address") or record.get("private_ip_address") or None


def unique_hostnames(names: Sequence[str], instance_ids: Sequence[str]) -> list[str]:
    """Make hostnames unique: every name shared by several instances becomes ``<name>_<instance id>``.

    All members of a clash are renamed (not "all but the first"), so a host's name does
    not depend on the order the API lists instances in.
    """
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [f"{n}_{i}" if seen[n] > 1 else n for n, i in zip(names, instance_ids)]


# ---------------------------------------------------------------------------
# Records

def iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def tags_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or ()}


def instance_record(inst: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The normalised, JSON-serialisable record of one DescribeInstances item."""
    tags = tags_dict(inst.get("Tags"))
    placement = inst.get("Placement") or {}
    zone = placement.get("AvailabilityZone")
    lt_id = tags.get("aws:ec2launchtemplate:id")
    return {
        "instance_id": inst["InstanceId"],
        "instance_type": inst.get("InstanceType"),
        "image_id": inst.get("ImageId"),
        "state": (inst.get("State") or {}).get("Name"),
        "private_ip_address": inst.get("PrivateIpAddress"),
        "public_ip_address": inst.get("PublicIpAddress"),
        "private_dns_name": inst.get("PrivateDnsName") or None,
        "public_dns_name": inst.get("PublicDnsName") or None,
        "placement": {
            "availability_zone": zone,
            "tenancy": placement.get("Tenancy"),
            "group_name": placement.get("GroupName") or None,
        },
        "availability_zone": zone,
        "region": region,
        "subnet_id": inst.get("SubnetId"),
        "vpc_id": inst.get("VpcId"),
        "key_name": inst.get("KeyName"),
        "architecture": inst.get("Architecture"),
        "platform": inst.get("Platform"),
        "security_groups": [{"group_id": g.get("GroupId"), "group_name": g.get("GroupName")}
                            for g in inst.get("SecurityGroups") or ()],
        "tags": tags,
        "launch_time": iso(inst.get("LaunchTime")),
        # the instance's vCPUs are core_count x threads_per_core
        "cpu_options": ({"core_count": inst["CpuOptions"].get("CoreCount"),
                         "threads_per_core": inst["CpuOptions"].get("ThreadsPerCore")}
                        if inst.get("CpuOptions") else None),
        "asg_name": tags.get("aws:autoscaling:groupName"),
        "lifecycle_state": None,
        "launch_template": ({"id": lt_id, "name": None, "version": tags.get("aws:ec2launchtemplate:version")}
                            if lt_id else None),
    }


def add_autoscaling(records: Sequence[dict[str, Any]], groups: Iterable[Mapping[str, Any]]) -> None:
    """Fill lifecycle_state, asg_name and launch_template from DescribeAutoScalingGroups items."""
    by_id: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for group in groups:
        for member in group.get("Instances") or ():
            by_id[member["InstanceId"]] = (group["AutoScalingGroupName"], member)
    for record in records:
        found = by_id.get(record["instance_id"])
        if not found:
            continue
        name, member = found
        record["lifecycle_state"] = member.get("LifecycleState")
        record["asg_name"] = record["asg_name"] or name
        lt = member.get("LaunchTemplate")
        if lt:
            record["launch_template"] = {"id": lt.get("LaunchTemplateId"), "name": lt.get("LaunchTemplateName"),
                                         "version": lt.get("Version")}


def add_load_balancers(records: Sequence[dict[str, Any]], balancers: Iterable[Mapping[str, Any]]) -> None:
    """Set each record's ``load_balancers`` (classic ELB names it is registered in, sorted)."""
    by_id: dict[str, list[str]] = {}
    for lb in balancers:
        for member in lb.get("Instances") or ():
            by_id.setdefault(member["InstanceId"], []).append(lb["LoadBalancerName"])
    for record in records:
        record["load_balancers"] = sorted(by_id.get(record["instance_id"], ()))


# ---------------------------------------------------------------------------
# Region errors

# Codes meaning "this account cannot use this region": a warning, the other regions still count.
# (Bad credentials answer InvalidClientTokenId / SignatureDoesNotMatch everywhere: those fail.)
REGION_SKIP_CODES = frozenset({"AuthFailure", "OptInRequired", "UnauthorizedOperation"})


def region_error_is_skippable(code: str) -> bool:
    return code in REGION_SKIP_CODES


# ---------------------------------------------------------------------------
# Expressions (compose / groups / keyed_groups)

_SIMPLE_PATH = re.compile(r"^\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*$")
# Expressions whose result may differ between two evaluations with the same variables.
_IMPURE = re.compile(r"random|shuffle|uuid|now|lookup|query|\bq\s*\(|\bvars\b|\bhostvars\b|\bgroups\b")


class NotSimple(Exception):
    """The expression needs the template engine."""


class Undefined(Exception):
    """The path names something the variables do not hold (Jinja's Undefined)."""


def simple_path(expression: str) -> list[str] | None:
    """["tags", "Role"] for "tags.Role"; None for anything that is not a plain dotted name."""
    match = _SIMPLE_PATH.match(expression)
    return match.group(1).split(".") if match else None


def resolve_path(variables: Mapping[str, Any], names: Sequence[str]) -> Any:
    """Look up a dotted path through dictionaries, as Jinja would.

    Raises Undefined (with Jinja's wording) for a missing key, NotSimple for anything
    Jinja might resolve differently (a dict method name such as ``items``, a non-dict).
    """
    value: Any = variables
    for depth, name in enumerate(names):
        if not isinstance(value, Mapping) or hasattr(dict, name):
            if value is None and depth:
                raise Undefined(f"object of type 'NoneType' has no attribute {name!r}")
            raise NotSimple(name)
        if name not in value:
            raise Undefined(f"{name!r} is undefined" if depth == 0
                            else f"object of type 'dict' has no attribute {name!r}")
        value = value[name]
    return value


def memo_key(expression: str, names: Sequence[str] | None, variables: Mapping[str, Any]) -> tuple[str, ...] | None:
    """A key identifying the result of a pure expression over ``variables`` (None: do not memoise)."""
    if names is None:
        return None
    parts = [expression]
    try:
        for name in names:
            parts.append(json.dumps(variables[name], sort_keys=True, default=repr) if name in variables else "\0")
    except (TypeError, ValueError):
        return None
    return tuple(parts)


def referenced_names(expression: str) -> list[str] | None:
    """The variables a Jinja expression reads, sorted; None when it cannot be memoised safely."""
    if _IMPURE.search(expression):
        return None
    try:
        import jinja2
        from jinja2 import meta

        env = jinja2.Environment()
        return sorted(meta.find_undeclared_variables(env.parse("{{ (" + expression + ") }}")))
    except Exception:
        return None

