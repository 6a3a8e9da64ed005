"""Pure security group rule functions of module_utils/security_groups.py (no AWS)."""
from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.security_groups import (
    diff_entries,
    entries_to_permissions,
    expand_rules,
    permissions_to_entries,
    result_entries,
)


def test_forms_of_the_same_rule_are_equal():
    a = expand_rules([{"proto": "tcp", "ports": 80, "cidr_ip": "0.0.0.0/0"}], "rules")
    b = expand_rules([{"proto": "6", "ports": "80-80", "cidr_ip": ["0.0.0.0/0"]}], "rules")
    c = expand_rules([{"proto": "TCP", "from_port": 80, "to_port": 80, "cidr_ip": "0.0.0.0/0"}], "rules")
    assert a == b == c == {("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): ""}


def test_lists_and_ranges_expand():
    got = expand_rules([{"proto": "tcp", "ports": [22, "8000-8100"], "cidr_ip": ["10.0.0.0/8", "1.2.3.4"]}], "r")
    assert set(got) == {("tcp", 22, 22, "cidr_ip", "10.0.0.0/8"), ("tcp", 22, 22, "cidr_ip", "1.2.3.4/32"),
                        ("tcp", 8000, 8100, "cidr_ip", "10.0.0.0/8"), ("tcp", 8000, 8100, "cidr_ip", "1.2.3.4/32")}


def test_all_and_icmp():
    world = "0.0.0.0/0"
    assert expand_rules([{"proto": "all", "cidr_ip": world}], "r") == {("-1", None, None, "cidr_ip", world): ""}
    assert expand_rules([{"proto": "icmp", "cidr_ip": world}], "r") == {("icmp", -1, -1, "cidr_ip", world): ""}
    assert expand_rules([{"proto": "icmp", "ports": 8, "cidr_ip": "0.0.0.0/0"}], "r") == {
        ("icmp", 8, -1, "cidr_ip", "0.0.0.0/0"): ""}


@pytest.mark.parametrize(("rule", "param"), [
    ({"proto": "tcp", "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "tcp", "ports": 80, "from_port": 80, "to_port": 80, "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "tcp", "ports": "100-90", "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "tcp", "ports": "http", "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "tcp", "from_port": 80, "cidr_ip": "0.0.0.0/0"}, "r[0].from_port"),
    ({"proto": "all", "ports": 80, "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "bogus", "cidr_ip": "0.0.0.0/0"}, "r[0].proto"),
    ({"proto": "icmp", "ports": 300, "cidr_ip": "0.0.0.0/0"}, "r[0].ports"),
    ({"proto": "icmp", "from_port": 8, "to_port": 256, "cidr_ip": "0.0.0.0/0"}, "r[0].to_port"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0.5/8"}, "r[0].cidr_ip"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": "::/0"}, "r[0].cidr_ip"),
    ({"proto": "tcp", "ports": 80, "cidr_ipv6": "nope"}, "r[0].cidr_ipv6"),
    ({"proto": "tcp", "ports": 80, "group_id": "web"}, "r[0].group_id"),
    ({"proto": "tcp", "ports": 80}, "r[0]"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": "0.0.0.0/0", "cidr_ipv6": "::/0"}, "r[0]"),
])
def test_bad_rules_name_the_parameter(rule, param):
    with pytest.raises(ParamError) as err:
        expand_rules([rule], "r")
    assert err.value.param == param


def test_permissions_round_trip_and_self():
    perms = [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
         "Ipv6Ranges": [], "UserIdGroupPairs": [{"GroupId": "sg-own"}, {"GroupId": "sg-other"}]},
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    ]
    entries = permissions_to_entries(perms, "sg-own")
    assert entries == {
        ("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): "web",
        ("tcp", 80, 80, "group_id", "self"): "",
        ("tcp", 80, 80, "group_id", "sg-other"): "",
        ("-1", None, None, "cidr_ip", "10.0.0.0/8"): "",
        ("-1", None, None, "cidr_ipv6", "::/0"): "",
    }
    back = permissions_to_entries(entries_to_permissions(entries, "sg-own"), "sg-own")
    assert back == entries
    assert {"GroupId": "sg-own"} in [p for perm in entries_to_permissions(entries, "sg-own")
                                     for p in perm.get("UserIdGroupPairs", [])]


def test_diff_purge_and_descriptions():
    cur = {("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): "old", ("tcp", 22, 22, "cidr_ip", "10.0.0.0/8"): ""}
    want = {("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): "new", ("tcp", 443, 443, "cidr_ip", "0.0.0.0/0"): ""}
    add, remove, describe = diff_entries(cur, want, purge=True)
    assert list(add) == [("tcp", 443, 443, "cidr_ip", "0.0.0.0/0")]
    assert list(remove) == [("tcp", 22, 22, "cidr_ip", "10.0.0.0/8")]
    assert describe == {("tcp", 80, 80, "cidr_ip", "0.0.0.0/0"): "new"}
    assert diff_entries(cur, want, purge=False)[1] == {}
    assert diff_entries(cur, None, purge=True) == ({}, {}, {})
    assert result_entries(cur, want, purge=True) == want
    assert len(result_entries(cur, want, purge=False)) == 3
