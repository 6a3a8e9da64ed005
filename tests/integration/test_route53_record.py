# -*- coding: utf-8 -*-
"""webfleet.aws.route53_record through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import AnsibleRunner, assert_refused

ZONE = "example.com"
LB_DNS = "nginx-lb-123456789.us-east-1.elb.amazonaws.com"
LB_ZONE = "Z35SXDOTRQ7X7K"


def run(ansible, args: dict, **kw) -> dict:
    return ansible.run_tasks([{"webfleet.aws.route53_record": args}], **kw)[0]


def make_zone(aws, name: str = ZONE) -> str:
    zone = aws.client("route53").create_hosted_zone(Name=name, CallerReference=name)
    return zone["HostedZone"]["Id"].split("/")[-1]


def records(aws, zone_id: str) -> dict[tuple[str, str], dict]:
    rrsets = aws.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"], r["Type"]): r for r in rrsets if r["Type"] not in ("SOA", "NS")}


def test_plain_record_lifecycle(aws, ansible) -> None:
    zone_id = make_zone(aws)
    args = {"zone": ZONE, "record": "www", "type": "A", "values": ["192.0.2.10", "192.0.2.11"]}
    r = run(ansible, args, check=True, diff=True)
    assert r["changed"] and r["diff"]["after"]["name"] == "www.example.com." and r["change_id"] is None
    assert records(aws, zone_id) == {}

    # the same record written differently: FQDN in upper case with trailing dot, values reordered
    same = dict(args, record="WWW.Example.com.", values=["192.0.2.11", "192.0.2.10"], zone_id=zone_id, zone=None)
    r, again = ansible.run_tasks([{"webfleet.aws.route53_record": args},
                                  {"webfleet.aws.route53_record": {k: v for k, v in same.items() if v is not None}}])
    assert r["changed"] and r["change_id"] and not again["changed"], again
    got = records(aws, zone_id)[("www.example.com.", "A")]
    assert got["TTL"] == 300 and sorted(v["Value"] for v in got["ResourceRecords"]) == ["192.0.2.10", "192.0.2.11"]

    new = dict(args, ttl=60)
    r = run(ansible, new, check=True, diff=True)
    assert r["changed"] and r["diff"]["before"]["ttl"] == 300 and r["diff"]["after"]["ttl"] == 60
    assert records(aws, zone_id)[("www.example.com.", "A")]["TTL"] == 300
    r, again = ansible.run_tasks([{"webfleet.aws.route53_record": dict(new, wait=True, wait_timeout=30)},
                                  {"webfleet.aws.route53_record": new}], diff=True)
    assert r["changed"] and r["diff"]["after"]["ttl"] == 60 and not again["changed"]
    assert r["change_status"] == "INSYNC" and r["waited"] >= 0
    assert records(aws, zone_id)[("www.example.com.", "A")]["TTL"] == 60

    # delete without giving the values: the current ones are used
    absent = {"zone": ZONE, "record": "www", "type": "A", "state": "absent"}
    r = run(ansible, absent, check=True)
    assert r["changed"] and ("www.example.com.", "A") in records(aws, zone_id)
    r, again = ansible.run_tasks([{"webfleet.aws.route53_record": absent}] * 2)
    assert r["changed"] and not again["changed"] and not again.get("failed")
    assert records(aws, zone_id) == {}


def test_alias_to_load_balancer(aws, ansible) -> None:
    zone_id = make_zone(aws)
    args = {"zone": ZONE, "record": "example.com", "type": "A",
            "alias": {"dns_name": LB_DNS, "hosted_zone_id": LB_ZONE}}
    r, again, upper = ansible.run_tasks([
        {"webfleet.aws.route53_record": args}, {"webfleet.aws.route53_record": args},
        {"webfleet.aws.route53_record": dict(args, alias={"dns_name": LB_DNS.upper() + ".",
                                                          "hosted_zone_id": LB_ZONE})},
    ])
    assert r["changed"] and not again["changed"] and not upper["changed"], (again, upper)
    got = records(aws, zone_id)[("example.com.", "A")]
    assert got["AliasTarget"]["HostedZoneId"] == LB_ZONE and "TTL" not in got
    assert got["AliasTarget"]["DNSName"].rstrip(".").lower() == LB_DNS
    r = run(ansible, dict(args, alias=dict(args["alias"], evaluate_target_health=True)), diff=True)
    assert r["changed"] and r["diff"]["after"]["alias"]["evaluate_target_health"] is True
    assert records(aws, zone_id)[("example.com.", "A")]["AliasTarget"]["EvaluateTargetHealth"] is True


def test_txt_mx_cname_normalised(aws, ansible) -> None:
    zone_id = make_zone(aws)
    tasks = [{"zone": ZONE, "record": "@", "type": "TXT", "values": ["v=spf1 -all", '"hello world"']},
             {"zone": ZONE, "record": "mail", "type": "MX", "values": ["10 MX1.example.com", "20 mx2.example.com."]},
             {"zone": ZONE, "record": "static", "type": "CNAME", "values": ["CDN.example.net"]}]
    first = ansible.run_tasks([{"webfleet.aws.route53_record": t} for t in tasks] * 2)
    assert [r["changed"] for r in first] == [True, True, True, False, False, False], first
    got = records(aws, zone_id)
    assert sorted(v["Value"] for v in got[("example.com.", "TXT")]["ResourceRecords"]) == \
        ['"hello world"', '"v=spf1 -all"']
    assert ("mail.example.com.", "MX") in got and ("static.example.com.", "CNAME") in got


BAD = [
    ("unknown_zone", {"zone": "missing.example"}, "zone", "no public hosted zone named missing.example."),
    ("unknown_zone_id", {"zone": None, "zone_id": "ZNOSUCHZONE123"}, "zone_id", "no hosted zone ZNOSUCHZONE123"),
    ("alias_bad_zone_id", {"values": None, "ttl": None,
                           "alias": {"dns_name": LB_DNS, "hosted_zone_id": "nginx-lb"}}, "alias.hosted_zone_id",
     "'nginx-lb' is not a hosted zone id"),
    ("alias_with_values", {"alias": {"dns_name": LB_DNS, "hosted_zone_id": LB_ZONE}}, "alias",
     "cannot be combined with ttl or values"),
    ("bad_ttl", {"ttl": -5}, "ttl", "must be between 0 and 2147483647 seconds, got -5"),
    ("record_type_unknown", {"type": "AA"}, "type", "must be one of: A, AAAA, CAA, CNAME"),
    ("a_value_not_ip", {"values": ["192.0.2.300"]}, "values[0]", "'192.0.2.300' is not an IPv4 address"),
    ("record_outside_zone", {"record": "www.example.org."}, "record",
     "'www.example.org.' is not in zone example.com."),
    ("two_cname_values", {"type": "CNAME", "values": ["a.example.net", "b.example.net"]}, "values",
     "a CNAME record has exactly one value"),
    ("mx_without_priority", {"type": "MX", "values": ["mail.example.com"]}, "values[0]",
     "must be '<priority> <mail server>'"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws, tmp_path_factory) -> dict:
    local_aws.reset()
    zone_id = make_zone(local_aws)
    runner = AnsibleRunner(local_aws, tmp_path_factory.mktemp("bad_record"))
    base = {"zone": ZONE, "record": "www", "type": "A", "values": ["192.0.2.10"]}
    tasks = []
    for _, extra, _, _ in BAD:
        args = {**base, **extra}
        tasks.append({"webfleet.aws.route53_record": {k: v for k, v in args.items() if v is not None}})
    results = runner.run_tasks(tasks)
    return {"results": dict(zip([b[0] for b in BAD], results)), "records": records(local_aws, zone_id),
            "zones": len(local_aws.client("route53").list_hosted_zones()["HostedZones"])}


@pytest.mark.parametrize("case,extra,param,words", BAD, ids=[b[0] for b in BAD])
def test_bad_input(bad_results, case, extra, param, words) -> None:
    assert_refused(bad_results["results"][case], param, words, by_ansible=case == "record_type_unknown")
    assert bad_results["records"] == {} and bad_results["zones"] == 1


def test_faults(aws, ansible_faulty) -> None:
    zone_id = make_zone(aws)
    tasks = [{"webfleet.aws.route53_record": {"zone": ZONE, "record": "www", "type": "A",
                                              "alias": {"dns_name": LB_DNS, "hosted_zone_id": LB_ZONE}}},
             {"webfleet.aws.route53_record": {"zone": ZONE, "record": "api", "type": "A", "values": ["192.0.2.1"],
                                              "wait": True, "wait_timeout": 60}}]
    results = ansible_faulty.run_tasks(tasks + tasks)
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert set(records(aws, zone_id)) == {("www.example.com.", "A"), ("api.example.com.", "A")}
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_deleting_a_record_of_a_zone_that_is_gone_is_unchanged(aws, ansible) -> None:
    """Teardown order must not matter: no zone means no record to delete."""
    absent = {"zone": ZONE, "record": "www", "type": "A", "state": "absent"}
    by_name, by_id = ansible.run_tasks([
        {"webfleet.aws.route53_record": absent},
        {"webfleet.aws.route53_record": {"zone_id": "Z0000000000000000000", "record": "www", "type": "A",
                                         "state": "absent"}},
    ])
    assert not by_name.get("failed") and not by_name["changed"], by_name
    assert not by_id.get("failed") and not by_id["changed"], by_id
    # creating in a missing zone still fails, naming the parameter
    present = run(ansible, {"zone": ZONE, "record": "www", "type": "A", "values": ["192.0.2.1"]})
    assert present["failed"] and "parameter 'zone'" in present["msg"]
    assert aws.client("route53").list_hosted_zones()["HostedZones"] == []
