"""The local AWS endpoint answers as AWS documents it, where plain moto 5.2.5 does not.

Every test talks to the real endpoint process (tools/local_aws.py serve) with boto3. Run with
WEBFLEET_LOCAL_AWS_UNPATCHED=1 to serve plain moto: each test here then fails.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from conftest import Endpoint


def error_of(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    err = exc.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]


def make_clb(aws: Endpoint, name: str = "web-lb", region: str = "us-east-1") -> dict[str, Any]:
    elb = aws.client("elb", region)
    elb.create_load_balancer(
        LoadBalancerName=name, AvailabilityZones=[f"{region}a"],
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}],
    )
    return elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]


# --- 1. Classic ELB -------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda elb: elb.describe_load_balancer_attributes(LoadBalancerName="nope"),
    lambda elb: elb.describe_load_balancer_policies(LoadBalancerName="nope"),
    lambda elb: elb.configure_health_check(LoadBalancerName="nope", HealthCheck={
        "Target": "TCP:80", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10}),
    lambda elb: elb.modify_load_balancer_attributes(
        LoadBalancerName="nope", LoadBalancerAttributes={"CrossZoneLoadBalancing": {"Enabled": True}}),
    lambda elb: elb.create_lb_cookie_stickiness_policy(LoadBalancerName="nope", PolicyName="p"),
], ids=["attributes", "policies", "health_check", "modify_attributes", "stickiness"])
def test_clb_unknown_name_is_load_balancer_not_found(aws: Endpoint, call: Any) -> None:
    with pytest.raises(ClientError) as exc:
        call(aws.client("elb"))
    assert error_of(exc) == (400, "LoadBalancerNotFound")


def test_clb_gets_default_health_check(aws: Endpoint) -> None:
    lb = make_clb(aws)
    assert lb["HealthCheck"] == {
        "Target": "TCP:8080", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2, "HealthyThreshold": 10,
    }


@pytest.mark.parametrize("region,zone_id", [("us-east-1", "Z35SXDOTRQ7X7K"), ("eu-west-1", "Z32O12XQLNTSW2")])
def test_clb_dns_name_and_hosted_zone_follow_region(aws: Endpoint, region: str, zone_id: str) -> None:
    lb = make_clb(aws, region=region)
    assert re.fullmatch(rf"web-lb-\d+\.{region}\.elb\.amazonaws\.com", lb["DNSName"]), lb["DNSName"]
    assert lb["CanonicalHostedZoneNameID"] == zone_id
    assert lb["CanonicalHostedZoneName"] == lb["DNSName"]
