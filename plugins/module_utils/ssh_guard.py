# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is SSH about to be opened to the world? One pure check, used by the security_group module
(rules that open port 22) and, through the filter webfleet.aws.ssh_cidr_problem, by the playbooks
(webfleet_admin_cidr, webfleet_bake_ssh_cidr).

CIDRs are parsed with ipaddress, never compared as text: ``0.0.0.0/00``, ``0.0.0.0/0.0.0.0`` and
``::/0`` are all the world, and so is ``0.0.0.0/1`` + ``128.0.0.0/1`` (their union). Ranges wider
than WIDEST_PREFIX are refused too unless the caller allows wide ranges.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable, List, Union

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

# The widest prefix accepted without allow_wide: an IPv4 /8 (16.7 million addresses) and an IPv6
# /32 (a whole provider's allocation). Anything wider is the internet in all but name.
WIDEST_PREFIX = {4: 8, 6: 32}


def cidr_list(values: Any) -> List[str]:
    """A CIDR, a comma-separated string of them (Ansible's list options split it the same way) or a list."""
    if values is None:
        return []
    items: Iterable[Any] = values if isinstance(values, (list, tuple, set)) else [values]
    out = []
    for item in items:
        out.extend(part.strip() for part in str(item).split(",") if part.strip())
    return out


def parse_cidrs(values: Any) -> List[Network]:
    """Every CIDR of ``values`` as a network (host bits dropped); ValueError names the one that is not a CIDR."""
    networks = []
    for text in cidr_list(values):
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"'{text}' is not an IPv4 or IPv6 CIDR (write it like 203.0.113.7/32)") from None
    return networks


def ssh_cidr_problem(values: Any, allow_wide: bool = False) -> str:
    """What is wrong with opening SSH to ``values``, or '' when nothing is.

    Refused: anything that is not a CIDR; any set whose union covers all of IPv4 or all of IPv6
    (always); a range wider than WIDEST_PREFIX, also when only the union of several is that wide
    (unless ``allow_wide``).
    """
    try:
        networks = parse_cidrs(values)
    except ValueError as exc:
        return str(exc)
    for version in (4, 6):
        mine = [n for n in networks if n.version == version]
        for merged in ipaddress.collapse_addresses(mine):  # type: ignore[type-var]
            given = ", ".join(str(n) for n in mine if n.subnet_of(merged))  # type: ignore[arg-type]
            if merged.prefixlen == 0:
                return (f"{given} opens SSH to every IPv{version} address ({merged}); "
                        "give your own network instead, for example 203.0.113.7/32")
            if merged.prefixlen < WIDEST_PREFIX[version] and not allow_wide:
                return (f"{given} opens SSH to {merged}, wider than /{WIDEST_PREFIX[version]}; "
                        "give a narrower range, or allow wide ranges explicitly")
    return ""


def ssh_sources(entries: Iterable[Any]) -> List[str]:
    """The CIDR sources of normalized rule entries ``(proto, from, to, kind, source)`` (module_utils.security_groups)
    that open TCP port 22: tcp with 22 in its range, or every protocol (-1)."""
    out = []
    for proto, start, end, kind, source in entries:
        if kind not in ("cidr_ip", "cidr_ipv6"):
            continue
        if proto == "-1" or (proto == "tcp" and start is not None and start <= 22 <= end):
            out.append(source)
    return sorted(set(out))
