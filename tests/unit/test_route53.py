# -*- coding: utf-8 -*-
"""Pure Route53 validation and comparison (no AWS)."""
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.route53 import (
    desired_record_view,
    domain_problem,
    fqdn,
    normalise_value,
    record_fqdn,
    record_param_problem,
    record_view,
    removable_records,
    rrset_from_view,
)

ALIAS = {"dns_name": "nginx-lb-1.eu-west-1.elb.amazonaws.com", "hosted_zone_id": "Z32O12XQLNTSW2",
         "evaluate_target_health": False}


def params(**kw: Any) -> dict[str, Any]:
    base = dict(zone="example.com", zone_id=None, record="www", type="A", state="present", ttl=None,
                values=["192.0.2.1"], alias=None)
    base.update(kw)
    return base


def test_fqdn() -> None:
    assert fqdn("WWW.Example.com") == fqdn("www.example.com.") == "www.example.com."
    assert fqdn("\\052.example.com.") == "*.example.com."


@pytest.mark.parametrize("name,zone,expected", [
    ("www", "example.com", "www.example.com."),
    ("www.example.com", "example.com.", "www.example.com."),
    ("WWW.EXAMPLE.COM.", "example.com", "www.example.com."),
    ("@", "example.com", "example.com."),
    ("example.com", "example.com", "example.com."),
    ("a.b", "example.com", "a.b.example.com."),
    ("www.example.org", "example.com", "www.example.org.example.com."),
    ("www.example.org.", "example.com", None),
    ("*.example.com", "example.com", "*.example.com."),
])
def test_record_fqdn(name: str, zone: str, expected: str | None) -> None:
    assert record_fqdn(name, zone) == expected


def test_domain_problem() -> None:
    assert domain_problem("example.com") is None
    assert domain_problem("exa mple.com") and domain_problem("a" * 64 + ".com") and domain_problem("")
    assert domain_problem("*.example.com") and domain_problem("*.example.com", allow_wildcard=True) is None
    assert domain_problem("www.*.example.com", allow_wildcard=True)


@pytest.mark.parametrize("rtype,a,b", [
    ("A", "192.0.2.1", " 192.0.2.1"),
    ("AAAA", "2001:db8::1", "2001:DB8:0:0:0:0:0:1"),
    ("CNAME", "CDN.example.net", "cdn.example.net."),
    ("MX", "10 MX.example.com", "10  mx.example.com."),
    ("TXT", "v=spf1 -all", '"v=spf1 -all"'),
])
def test_values_normalised(rtype: str, a: str, b: str) -> None:
    assert normalise_value(rtype, a) == normalise_value(rtype, b)


def test_txt_inner_quotes_escaped() -> None:
    assert normalise_value("TXT", 'say "hi"') == '"say \\"hi\\""'


def test_described_equals_desired() -> None:
    described = {"Name": "WWW.example.com.", "Type": "A", "TTL": 300,
                 "ResourceRecords": [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}]}
    assert record_view(described) == desired_record_view(params(values=["192.0.2.1", "192.0.2.2"]), "www.example.com.")
    alias = {"Name": "example.com.", "Type": "A", "AliasTarget": {
        "HostedZoneId": "Z32O12XQLNTSW2", "DNSName": "NGINX-LB-1.eu-west-1.elb.amazonaws.com.",
        "EvaluateTargetHealth": False}}
    desired = desired_record_view(params(values=None, alias=ALIAS), "example.com.")
    assert record_view(alias) == desired
    assert "TTL" not in rrset_from_view(desired) and rrset_from_view(desired)["AliasTarget"]["HostedZoneId"]


@pytest.mark.parametrize("kw,param", [
    (dict(type="AA"), "type"),
    (dict(ttl=-1), "ttl"),
    (dict(values=[]), "values"),
    (dict(values=["300.1.1.1"]), "values[0]"),
    (dict(type="AAAA", values=["192.0.2.1"]), "values[0]"),
    (dict(type="CNAME", values=["a.example.net", "b.example.net"]), "values"),
    (dict(type="MX", values=["mail.example.com"]), "values[0]"),
    (dict(type="SRV", values=["10 mail.example.com"]), "values[0]"),
    (dict(alias=ALIAS), "alias"),
    (dict(values=None, type="TXT", alias=ALIAS), "type"),
    (dict(values=None, alias=dict(ALIAS, hosted_zone_id="nginx-lb")), "alias.hosted_zone_id"),
    (dict(values=None, alias=dict(ALIAS, dns_name="not a name")), "alias.dns_name"),
    (dict(zone=None, zone_id="/hostedzone/bad id"), "zone_id"),
    (dict(record="w w"), "record"),
])
def test_param_problems(kw: dict, param: str) -> None:
    problem = record_param_problem(params(**kw))
    assert problem is not None and problem[0] == param, problem


def test_absent_needs_no_values() -> None:
    assert record_param_problem(params(state="absent", values=None)) is None


def test_removable_records() -> None:
    rrsets = [{"Name": "example.com.", "Type": "SOA"}, {"Name": "example.com.", "Type": "NS"},
              {"Name": "sub.example.com.", "Type": "NS"}, {"Name": "example.com.", "Type": "A"}]
    assert [(r["Name"], r["Type"]) for r in removable_records(rrsets, "Example.com")] == \
        [("sub.example.com.", "NS"), ("example.com.", "A")]
