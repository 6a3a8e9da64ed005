"""vpc_info through Ansible against the local endpoint."""
from __future__ import annotations

import pytest

INFO = "webfleet.aws.vpc_info"


def test_default_vpc_and_subnets_per_az(aws, ansible):
    ec2 = aws.client("ec2")
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    other = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[other], Tags=[{"Key": "Name", "Value": "web"}])
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    sub_a = ec2.create_subnet(VpcId=other, CidrBlock="10.20.1.0/24", AvailabilityZone=azs[0])["Subnet"]["SubnetId"]
    sub_b = ec2.create_subnet(VpcId=other, CidrBlock="10.20.2.0/24", AvailabilityZone=azs[1])["Subnet"]["SubnetId"]

    res = ansible.run_tasks([
        {INFO: {}},
        {INFO: {"vpc_id": other}},
        {INFO: {"filters": {"tag:Name": "web"}}},
        {INFO: {"filters": {"tag:Name": "nosuch"}}},
        {INFO: {"vpc_id": "vpc-00000000"}},
        {INFO: {"vpc_id": "web"}},
    ], check=True)
    first = res[0]
    assert not first["changed"] and first["vpc_id"] == default["VpcId"] and first["vpc"]["is_default"]
    expected = {}
    for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default["VpcId"]]}])["Subnets"]:
        expected.setdefault(s["AvailabilityZone"], []).append(s["SubnetId"])
    assert {k: sorted(v) for k, v in first["subnets_by_az"].items()} == {k: sorted(v) for k, v in expected.items()}
    assert set(first["default_for_az"]) == set(expected) and len(first["availability_zones"]) >= 2

    for r in res[1:3]:
        assert not r["changed"] and r["vpc_id"] == other and r["vpc"]["tags"] == {"Name": "web"}
        assert r["subnets_by_az"] == {azs[0]: [sub_a], azs[1]: [sub_b]} and r["default_for_az"] == {}
    assert res[3]["failed"] and "parameter 'filters'" in res[3]["msg"]
    assert res[4]["failed"] and "parameter 'vpc_id'" in res[4]["msg"] and "vpc-00000000" in res[4]["msg"]
    assert res[5]["failed"] and "parameter 'vpc_id'" in res[5]["msg"]


@pytest.mark.parametrize("args", [{}, {"subnet_filters": {"default-for-az": "true"}}])
def test_faults(aws, ansible_faulty, args):
    res = ansible_faulty.run_tasks([{INFO: args}] * 2)
    assert all(not r.get("failed") and not r["changed"] for r in res), res
    assert res[0]["subnets_by_az"] == res[1]["subnets_by_az"] and res[0]["subnets_by_az"]
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
