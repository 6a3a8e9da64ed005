# -*- coding: utf-8 -*-
"""webfleet.aws.route53_zone through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import AnsibleRunner, assert_refused

ZONE = "example.com"


def run(ansible, args: dict, **kw) -> dict:
    return ansible.run_tasks([{"webfleet.aws.route53_zone": args}], **kw)[0]


def zones(aws) -> dict[str, dict]:
    return {z["Name"]: z for z in aws.client("route53").list_hosted_zones()["HostedZones"]}


def test_lifecycle(aws, ansible) -> None:
    args = {"name": ZONE, "comment": "nginx lab", "tags": {"project": "webfleet"}}
    r = run(ansible, args, check=True, diff=True)
    assert r["changed"] and r["diff"]["after"]["comment"] == "nginx lab" and r["zone_id"] is None
    assert zones(aws) == {}

    r, again, lookup = ansible.run_tasks([{"webfleet.aws.route53_zone": args},
                                          {"webfleet.aws.route53_zone": dict(args, name="Example.COM.")},
                                          {"webfleet.aws.route53_zone": {"name": ZONE, "create": False}}])
    assert r["changed"] and not again["changed"] and not lookup["changed"], again
    zone = zones(aws)["example.com."]
    assert r["zone_id"] == zone["Id"].split("/")[-1] == lookup["zone_id"]
    assert "/" not in r["zone_id"] and r["name_servers"]
    assert zone["Config"]["Comment"] == "nginx lab"
    tags = aws.client("route53").list_tags_for_resource(ResourceType="hostedzone", ResourceId=r["zone_id"])
    assert tags["ResourceTagSet"]["Tags"] == [{"Key": "project", "Value": "webfleet"}]

    new = dict(args, comment="nginx fleet")
    r = run(ansible, new, check=True, diff=True)
    assert r["changed"] and r["diff"]["before"]["comment"] == "nginx lab"
    assert zones(aws)["example.com."]["Config"]["Comment"] == "nginx lab"
    r, again = ansible.run_tasks([{"webfleet.aws.route53_zone": new}] * 2, diff=True)
    assert r["changed"] and r["diff"]["after"]["comment"] == "nginx fleet" and not again["changed"]
    assert zones(aws)["example.com."]["Config"]["Comment"] == "nginx fleet"

    absent = {"name": ZONE, "state": "absent"}
    r = run(ansible, absent, check=True)
    assert r["changed"] and "example.com." in zones(aws)
    r, again = ansible.run_tasks([{"webfleet.aws.route53_zone": absent}] * 2)
    assert r["changed"] and not again["changed"] and not again.get("failed")
    assert zones(aws) == {}


def test_delete_with_records_needs_force(aws, ansible) -> None:
    zone_id = run(ansible, {"name": ZONE})["zone_id"]
    aws.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "www.example.com.", "Type": "A", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "192.0.2.10"}]}}]})
    refused, forced = ansible.run_tasks([{"webfleet.aws.route53_zone": {"name": ZONE, "state": "absent"}},
                                         {"webfleet.aws.route53_zone": {"name": ZONE, "state": "absent",
                                                                        "force": True}}])
    assert_refused(refused, "name", "www.example.com.")
    assert zone_id in refused["msg"]
    assert forced["changed"] and forced["deleted_records"] == [{"name": "www.example.com.", "type": "A"}]
    assert zones(aws) == {}


def test_private_zone(aws, ansible) -> None:
    vpc = aws.client("ec2").create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    public, private, again = ansible.run_tasks([
        {"webfleet.aws.route53_zone": {"name": "internal.example"}},
        {"webfleet.aws.route53_zone": {"name": "internal.example", "vpc_id": vpc}},
        {"webfleet.aws.route53_zone": {"name": "internal.example", "vpc_id": vpc}},
    ])
    assert public["changed"] and private["changed"] and not again["changed"], (private, again)
    assert public["zone_id"] != private["zone_id"] and private["zone"]["private_zone"]
    detail = aws.client("route53").get_hosted_zone(Id=private["zone_id"])
    assert detail["HostedZone"]["Config"]["PrivateZone"] and detail["VPCs"][0]["VPCId"] == vpc


BAD = [
    ("bad_name", {"name": "exa mple.com"}, "name", "'exa mple.com' is not a valid DNS name (label 'exa mple')"),
    ("label_too_long", {"name": "a" * 64 + ".com"}, "name", "labels of at most 63 characters"),
    ("bad_vpc_id", {"name": "internal.example", "vpc_id": "10.0.0.0/16"}, "vpc_id",
     "'10.0.0.0/16' is not a VPC id"),
    ("lookup_missing", {"name": "missing.example", "create": False}, "name",
     "no public zone named missing.example.; create it (create: true)"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws, tmp_path_factory) -> dict:
    local_aws.reset()
    runner = AnsibleRunner(local_aws, tmp_path_factory.mktemp("bad_zone"))
    results = runner.run_tasks([{"webfleet.aws.route53_zone": extra} for _, extra, _, _ in BAD])
    return {"results": dict(zip([b[0] for b in BAD], results)), "zones": zones(local_aws)}


@pytest.mark.parametrize("case,extra,param,words", BAD, ids=[b[0] for b in BAD])
def test_bad_input(bad_results, case, extra, param, words) -> None:
    assert_refused(bad_results["results"][case], param, words)
    assert bad_results["zones"] == {}


def test_faults(aws, ansible_faulty) -> None:
    tasks = [{"webfleet.aws.route53_zone": {"name": n, "comment": "c", "tags": {"a": "b"}}}
             for n in ("example.com", "example.org")]
    results = ansible_faulty.run_tasks(tasks + tasks)
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, True, False, False]
    assert set(zones(aws)) == {"example.com.", "example.org."}
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
