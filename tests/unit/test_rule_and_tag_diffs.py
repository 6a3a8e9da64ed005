"""Compare/diff and conversion logic that bench/mutation_score.py found untested (its survivors in
module_utils/security_groups.py and tags.py): how AWS's IpPermissions read as entries and back, the rule
bounds, and the defaults of the tag diff."""
from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils import tags
from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.security_groups import (
    SELF,
    entries_to_described,
    entries_to_permissions,
    entries_view,
    expand_rules,
    normalize_proto,
    permissions_to_entries,
)

OWN, OTHER, OWNER = "sg-own", "sg-other", "123456789012"
ENTRIES = {
    ("tcp", 80, 80, "cidr_ip", "10.0.0.0/8"): "web",
    ("tcp", 80, 80, "cidr_ipv6", "2001:db8::/32"): "",
    ("tcp", 80, 80, "group_id", SELF): "",
    ("icmp", 8, 0, "group_id", OTHER): "ping",
}


def test_permissions_by_number_and_kind_read_as_entries() -> None:
    """DescribeSecurityGroups may give protocols as numbers; ports count for tcp/udp/icmp only."""
    permissions = [
        {"IpProtocol": "6", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "web"}],
         "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}], "UserIdGroupPairs": [{"GroupId": OWN, "UserId": OWNER}]},
        {"IpProtocol": "1", "FromPort": 8, "ToPort": 0,
         "UserIdGroupPairs": [{"GroupId": OTHER, "Description": "ping"}]},
        {"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "50", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
    ]
    assert permissions_to_entries(permissions, OWN) == {
        **ENTRIES,
        ("-1", None, None, "cidr_ip", "0.0.0.0/0"): "",
        ("50", None, None, "cidr_ip", "10.1.0.0/16"): "",
    }


def test_entries_to_permissions_one_per_entry() -> None:
    assert entries_to_permissions(ENTRIES, OWN) == [
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0,
         "UserIdGroupPairs": [{"GroupId": OTHER, "Description": "ping"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "web"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": OWN}]},
    ]
    assert entries_to_permissions({("-1", None, None, "cidr_ip", "0.0.0.0/0"): ""}, OWN) == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def test_entries_to_described_as_aws_reports_them() -> None:
    """One permission per protocol and ports, every list present, the owner on group pairs."""
    assert entries_to_described(ENTRIES, OWN, OWNER) == [
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
         "UserIdGroupPairs": [{"GroupId": OTHER, "Description": "ping", "UserId": OWNER}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "web"}], "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
         "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": OWN, "UserId": OWNER}]},
    ]
    described = entries_to_described({("-1", None, None, "group_id", SELF): ""}, OWN, None)
    assert described == [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                          "UserIdGroupPairs": [{"GroupId": OWN}]}]
    # the round trip: what AWS would describe reads back as the same entries
    assert permissions_to_entries(entries_to_described(ENTRIES, OWN, OWNER), OWN) == ENTRIES


def test_entries_view_for_diffs() -> None:
    assert entries_view(ENTRIES) == [
        {"proto": "icmp", "from_port": 8, "to_port": 0, "group_id": OTHER, "description": "ping"},
        {"proto": "tcp", "from_port": 80, "to_port": 80, "cidr_ip": "10.0.0.0/8", "description": "web"},
        {"proto": "tcp", "from_port": 80, "to_port": 80, "cidr_ipv6": "2001:db8::/32"},
        {"proto": "tcp", "from_port": 80, "to_port": 80, "group_id": SELF},
    ]


@pytest.mark.parametrize("given,proto", [("0", "0"), ("255", "255"), ("17", "udp"), ("6", "tcp"), ("ALL", "-1"),
                                         ("58", "icmpv6"), (" Icmp ", "icmp")])
def test_protocol_names_and_numbers(given: str, proto: str) -> None:
    assert normalize_proto(given, "rules[0]") == proto


@pytest.mark.parametrize("rule,key", [
    ({"proto": "tcp", "ports": 65535}, ("tcp", 65535, 65535)),
    ({"proto": "tcp", "ports": "0-65535"}, ("tcp", 0, 65535)),
    ({"proto": "udp", "from_port": 53, "to_port": 53}, ("udp", 53, 53)),
    ({"proto": "icmp", "from_port": 8, "to_port": 0}, ("icmp", 8, 0)),  # type 8, code 0: not a range
    ({"proto": "icmp", "ports": 3}, ("icmp", 3, -1)),  # type 3, any code
    ({"proto": "icmp", "from_port": 255, "to_port": 255}, ("icmp", 255, 255)),
])
def test_port_bounds_accepted(rule: dict, key: tuple) -> None:
    assert list(expand_rules([{**rule, "cidr_ip": "10.0.0.0/8"}], "rules")) == [(*key, "cidr_ip", "10.0.0.0/8")]


@pytest.mark.parametrize("rule,param,problem", [
    ({"proto": "256"}, "rules[0].proto",
     "'256' is not a protocol; use tcp, udp, icmp, icmpv6, all (-1) or a number 0-255"),
    ({"proto": "tcp", "ports": 65536}, "rules[0].ports", "65536 is out of range; use 0-65535"),
    ({"proto": "icmp", "ports": 256}, "rules[0].ports", "256 is out of range; use -1-255 (ICMP type/code)"),
    ({"proto": "tcp", "from_port": 90, "to_port": 80}, "rules[0].from_port", "90 is greater than to_port 80"),
    ({"proto": "tcp", "ports": "x-80"}, "rules[0].ports", "'x' is not a port number"),
    ({"proto": "tcp", "ports": "90-80"}, "rules[0].ports", "range '90-80' starts after it ends; write it as low-high"),
    ({"proto": "tcp", "ports": 80, "from_port": 80, "to_port": 80}, "rules[0].ports",
     "give either ports or from_port/to_port, not both"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": None, "cidr_ipv6": "10.0.0.0/8"}, "rules[0].cidr_ipv6",
     "'10.0.0.0/8' is an IPv4 address; put it in cidr_ip"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": "10.0.0/x"}, "rules[0].cidr_ip",
     "'10.0.0/x' is not an IPv4 CIDR; write it like 10.0.0.0/16"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": None, "group_id": "web"}, "rules[0].group_id",
     "['web'] must be security group ids like sg-0123abcd"),
    ({"proto": "tcp", "ports": 80, "cidr_ip": "2001:db8::/32"}, "rules[0].cidr_ip",
     "'2001:db8::/32' is an IPv6 address; put it in cidr_ipv6"),
    ({"proto": "tcp", "ports": 80, "group_name": "lb"}, "rules[0]",
     "give exactly one source of cidr_ip, cidr_ipv6, group_id, group_name (got ['cidr_ip', 'group_name'])"),
])
def test_bad_rules_name_the_parameter_and_the_problem(rule: dict, param: str, problem: str) -> None:
    with pytest.raises(ParamError) as exc:
        expand_rules([{"cidr_ip": "10.0.0.0/8", **rule}], "rules")
    assert (exc.value.param, exc.value.problem) == (param, problem)


def test_group_sources_are_kept_as_given() -> None:
    """Ids are checked for their prefix only; names stay unresolved until the module looks them up."""
    rules = [{"proto": "tcp", "ports": 80, "group_id": ["sg-0123abcd"]},
             {"proto": "udp", "ports": 53, "group_name": "lb"}]
    assert expand_rules(rules, "rules") == {("tcp", 80, 80, "group_id", "sg-0123abcd"): "",
                                            ("udp", 53, 53, "group_name", "lb"): ""}


def test_tag_diff_defaults_purge() -> None:
    """Without ``purge``, tags not named go (AWS modules' purge_tags default is true)."""
    current = {"a": "1", "old": "x", "aws:cloudformation:stack": "s"}
    assert tags.compare_tags(current, {"a": "2"}) == ({"a": "2"}, ["old"])
    assert tags.desired_tags({"a": "1", "old": "x"}, {"a": "2"}) == {"a": "2"}


def test_tag_without_a_value_reads_as_empty() -> None:
    assert tags.tag_list_to_dict([{"Key": "flag"}, {"Key": "Name", "Value": "web"}]) == {"flag": "", "Name": "web"}
