"""Item 2 of issue 10: SSH from the world is refused whatever way the CIDRs are written (pure check)."""
from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.security_groups import expand_rules
from ansible_collections.webfleet.aws.plugins.module_utils.ssh_guard import ssh_cidr_problem, ssh_sources

WORLD = [
    "0.0.0.0/0",
    "0.0.0.0/00",                         # passed the old text compare
    "0.0.0.0/0.0.0.0",                    # netmask form
    "::/0",
    "::/000",
    ["0.0.0.0/1", "128.0.0.0/1"],         # a union that is the world
    "0.0.0.0/1,128.0.0.0/1",              # the same as one comma-separated string (list options split it)
    ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"],
    ["::/1", "8000::/1"],
    ["10.0.0.0/8", "0.0.0.0/0"],
]


@pytest.mark.parametrize("cidrs", WORLD, ids=[str(c) for c in WORLD])
def test_item2_world_ssh_refused(cidrs):
    problem = ssh_cidr_problem(cidrs)
    assert "every IPv" in problem, problem
    # allowing wide ranges never allows the world
    assert "every IPv" in ssh_cidr_problem(cidrs, allow_wide=True)


WIDE = ["0.0.0.0/1", "10.0.0.0/7", ["10.0.0.0/8", "11.0.0.0/8"], "2000::/3", "2001:db8::/31"]


@pytest.mark.parametrize("cidrs", WIDE, ids=[str(c) for c in WIDE])
def test_item2_wide_ssh_refused_unless_allowed(cidrs):
    assert "wider than" in ssh_cidr_problem(cidrs)
    assert ssh_cidr_problem(cidrs, allow_wide=True) == ""


NARROW = ["", None, [], "203.0.113.7/32", "203.0.113.7", "10.0.0.0/8", ["10.0.0.0/8", "192.168.0.0/16"],
          "2001:db8::/32", "10.0.0.0/8, 172.16.0.0/12"]


@pytest.mark.parametrize("cidrs", NARROW, ids=[str(c) for c in NARROW])
def test_item2_narrow_ssh_accepted(cidrs):
    assert ssh_cidr_problem(cidrs) == ""


@pytest.mark.parametrize("cidrs", ["example.org", "300.1.2.3/32", "10.0.0.0/33", "0.0.0.0/0 x"])
def test_item2_not_a_cidr_refused(cidrs):
    assert "is not an IPv4 or IPv6 CIDR" in ssh_cidr_problem(cidrs)


def test_item2_ssh_sources_are_the_rules_that_open_port_22():
    rules = expand_rules([
        {"proto": "tcp", "ports": 80, "cidr_ip": "0.0.0.0/0"},          # HTTP: not SSH
        {"proto": "tcp", "ports": "20-30", "cidr_ip": "0.0.0.0/1"},     # a range with 22
        {"proto": "all", "cidr_ip": "128.0.0.0/1"},                     # every protocol
        {"proto": "udp", "ports": 22, "cidr_ip": "1.0.0.0/8"},          # not TCP
        {"proto": "tcp", "ports": 22, "cidr_ipv6": "::/0"},
        {"proto": "tcp", "ports": 22, "group_id": "sg-12345678"},      # a group: no CIDR
    ], "rules")
    assert ssh_sources(rules) == ["0.0.0.0/1", "128.0.0.0/1", "::/0"]
    assert "every IPv4" in ssh_cidr_problem(ssh_sources(rules))
