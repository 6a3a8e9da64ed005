"""The local AWS endpoint answers as AWS documents it, where plain moto 5.2.5 does not.

Every test talks to the real endpoint process (tools/local_aws.py serve) with boto3. Each one
fails on plain moto (marker needs_patch): the test command runs this file again with
`pytest --unpatched` (WEBFLEET_LOCAL_AWS_UNPATCHED=1), where any of them that passes fails the run.
The few cases marked plain_moto pass there too: they guard moto behaviour the modules rely on.
"""
from __future__ import annotations

import base64
import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from harness import Endpoint

pytestmark = pytest.mark.needs_patch
# plain moto answers these already; kept next to the cases its patch fixes
plain_moto = pytest.mark.plain_moto

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
    pytest.param(lambda elb: elb.describe_load_balancer_policies(LoadBalancerName="nope"), marks=plain_moto),
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


def clb_create_error(aws: Endpoint, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(ClientError) as exc:
        aws.client("elb").create_load_balancer(LoadBalancerName="refused", Listeners=[
            {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}], **kwargs)
    assert not aws.client("elb").describe_load_balancers()["LoadBalancerDescriptions"]
    return error_of(exc)


def test_clb_create_refuses_unknown_or_misplaced_references(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    subnets = default_subnets(aws)
    first = subnets[0]["SubnetId"]
    vpc = subnets[0]["VpcId"]
    assert clb_create_error(aws, Subnets=["subnet-0123456789abcdef0"]) == (400, "SubnetNotFound")
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    elsewhere = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.9.1.0/24",
                                  AvailabilityZone=subnets[1]["AvailabilityZone"])["Subnet"]["SubnetId"]
    assert clb_create_error(aws, Subnets=[first, elsewhere]) == (409, "InvalidConfigurationRequest")
    same_zone = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.200.0/24",
                                  AvailabilityZone=subnets[0]["AvailabilityZone"])["Subnet"]["SubnetId"]
    assert clb_create_error(aws, Subnets=[first, same_zone]) == (409, "InvalidConfigurationRequest")
    assert clb_create_error(aws, Subnets=[first], SecurityGroups=["sg-0123456789abcdef0"]) == \
        (400, "InvalidSecurityGroup")
    foreign = ec2.create_security_group(GroupName="foreign", Description="x", VpcId=other_vpc)["GroupId"]
    assert clb_create_error(aws, Subnets=[first], SecurityGroups=[foreign]) == (400, "InvalidSecurityGroup")
    own = ec2.create_security_group(GroupName="own", Description="x", VpcId=vpc)["GroupId"]
    aws.client("elb").create_load_balancer(LoadBalancerName="made", Subnets=[first], SecurityGroups=[own], Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])


@pytest.mark.parametrize("region,zone_id", [("us-east-1", "Z35SXDOTRQ7X7K"), ("eu-west-1", "Z32O12XQLNTSW2")])
def test_clb_dns_name_and_hosted_zone_follow_region(aws: Endpoint, region: str, zone_id: str) -> None:
    lb = make_clb(aws, region=region)
    assert re.fullmatch(rf"web-lb-\d+\.{region}\.elb\.amazonaws\.com", lb["DNSName"]), lb["DNSName"]
    assert lb["CanonicalHostedZoneNameID"] == zone_id
    assert lb["CanonicalHostedZoneName"] == lb["DNSName"]



def test_clb_stickiness_policies_described_like_aws(aws: Endpoint) -> None:
    make_clb(aws)
    elb = aws.client("elb")
    elb.create_lb_cookie_stickiness_policy(LoadBalancerName="web-lb", PolicyName="lb-cookie",
                                           CookieExpirationPeriod=300)
    elb.create_app_cookie_stickiness_policy(LoadBalancerName="web-lb", PolicyName="app-cookie", CookieName="SESSION")
    with pytest.raises(ClientError) as exc:
        elb.create_lb_cookie_stickiness_policy(LoadBalancerName="web-lb", PolicyName="lb-cookie")
    assert error_of(exc) == (400, "DuplicatePolicyName")
    described = {p["PolicyName"]: p for p in elb.describe_load_balancer_policies(LoadBalancerName="web-lb")[
        "PolicyDescriptions"]}
    assert described == {
        "lb-cookie": {"PolicyName": "lb-cookie", "PolicyTypeName": "LBCookieStickinessPolicyType",
                      "PolicyAttributeDescriptions": [{"AttributeName": "CookieExpirationPeriod",
                                                       "AttributeValue": "300"}]},
        "app-cookie": {"PolicyName": "app-cookie", "PolicyTypeName": "AppCookieStickinessPolicyType",
                       "PolicyAttributeDescriptions": [{"AttributeName": "CookieName", "AttributeValue": "SESSION"}]},
    }



def test_clb_attributes_defaults_and_stable_modify(aws: Endpoint) -> None:
    make_clb(aws)
    elb = aws.client("elb")

    def attributes() -> dict[str, Any]:
        return elb.describe_load_balancer_attributes(LoadBalancerName="web-lb")["LoadBalancerAttributes"]

    fresh = attributes()
    assert fresh["ConnectionDraining"] == {"Enabled": False, "Timeout": 300}
    assert fresh["AdditionalAttributes"] == [{"Key": "elb.http.desyncmitigationmode", "Value": "defensive"}]
    for _ in range(3):  # the same change again and again reads back the same
        elb.modify_load_balancer_attributes(LoadBalancerName="web-lb", LoadBalancerAttributes={
            "CrossZoneLoadBalancing": {"Enabled": True}, "ConnectionDraining": {"Enabled": True, "Timeout": 300}})
    after = attributes()
    assert after["AdditionalAttributes"] == fresh["AdditionalAttributes"]
    assert after["CrossZoneLoadBalancing"] == {"Enabled": True}
    assert after["ConnectionDraining"] == {"Enabled": True, "Timeout": 300}



def test_clb_listener_keeps_instance_protocol(aws: Endpoint) -> None:
    elb = aws.client("elb")
    cert = aws.client("acm").request_certificate(DomainName="www.example.com")["CertificateArn"]
    elb.create_load_balancer(LoadBalancerName="web-lb", AvailabilityZones=["us-east-1a"], Listeners=[
        {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80,
         "SSLCertificateId": cert}])
    elb.create_load_balancer_listeners(LoadBalancerName="web-lb", Listeners=[
        {"Protocol": "SSL", "LoadBalancerPort": 8443, "InstanceProtocol": "TCP", "InstancePort": 8080,
         "SSLCertificateId": cert},
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    listeners = {d["Listener"]["LoadBalancerPort"]: d["Listener"] for d in elb.describe_load_balancers(
        LoadBalancerNames=["web-lb"])["LoadBalancerDescriptions"][0]["ListenerDescriptions"]}
    assert {port: (lis["Protocol"], lis["InstanceProtocol"]) for port, lis in listeners.items()} == {
        443: ("HTTPS", "HTTP"), 8443: ("SSL", "TCP"), 80: ("HTTP", "HTTP")}


# --- helpers for Auto Scaling --------------------------------------------------------------

def default_subnets(aws: Endpoint, count: int = 2) -> list[dict[str, Any]]:
    subnets = aws.client("ec2").describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    return sorted(subnets, key=lambda s: s["AvailabilityZone"])[:count]


def base_image(aws: Endpoint) -> str:
    # Filtered: serializing all of moto's ~1,000 images takes seconds per call.
    return aws.client("ec2").describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}])["Images"][0]["ImageId"]


def make_launch_template(aws: Endpoint, name: str = "web-lt", **data: Any) -> str:
    ec2 = aws.client("ec2")
    image = base_image(aws)
    ec2.create_launch_template(LaunchTemplateName=name,
                               LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro", **data})
    return image


def make_group(aws: Endpoint, name: str = "web-asg", desired: int = 1, min_size: int = 1, max_size: int = 3,
               lb: str | None = None, **extra: Any) -> dict[str, Any]:
    """An ASG on a launch template ("web-lt", made if missing) over two subnets in two AZs."""
    ec2 = aws.client("ec2")
    if not ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": ["web-lt"]}])[
            "LaunchTemplates"]:
        make_launch_template(aws)
    asg = aws.client("autoscaling")
    params: dict[str, Any] = {
        "AutoScalingGroupName": name, "MinSize": min_size, "MaxSize": max_size, "DesiredCapacity": desired,
        "LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "$Latest"},
        "VPCZoneIdentifier": ",".join(s["SubnetId"] for s in default_subnets(aws)),
        **extra,
    }
    if lb:
        params["LoadBalancerNames"] = [lb]
    asg.create_auto_scaling_group(**params)
    return group(aws, name)


def group(aws: Endpoint, name: str = "web-asg") -> dict[str, Any]:
    return aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"][0]


def step_policy(aws: Endpoint, name: str, adjustment: int, lower: float | None = 0, upper: float | None = None,
                group_name: str = "web-asg", warmup: int = 300) -> str:
    step: dict[str, Any] = {"ScalingAdjustment": adjustment}
    if lower is not None:
        step["MetricIntervalLowerBound"] = lower
    if upper is not None:
        step["MetricIntervalUpperBound"] = upper
    return aws.client("autoscaling").put_scaling_policy(
        AutoScalingGroupName=group_name, PolicyName=name, PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity", StepAdjustments=[step], EstimatedInstanceWarmup=warmup,
        MetricAggregationType="Average",
    )["PolicyARN"]


def cpu_alarm(aws: Endpoint, name: str, actions: list[str], operator: str = "GreaterThanOrEqualToThreshold",
              threshold: float = 80.0, group_name: str = "web-asg") -> None:
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": group_name}], Period=300, EvaluationPeriods=1,
        Threshold=threshold, ComparisonOperator=operator, AlarmActions=actions,
    )


# --- 2. PutScalingPolicy / DescribePolicies -------------------------------------------------

ARN_RE = r"arn:aws:autoscaling:us-east-1:\d{12}:scalingPolicy:[0-9a-f-]+:autoScalingGroupName/web-asg:policyName/"


@pytest.mark.parametrize("kind", ["StepScaling", "SimpleScaling", "TargetTrackingScaling"])
def test_put_scaling_policy_returns_policy_arn(aws: Endpoint, kind: str) -> None:
    make_group(aws)
    params: dict[str, Any] = {"AutoScalingGroupName": "web-asg", "PolicyName": "p", "PolicyType": kind}
    if kind == "StepScaling":
        params.update(AdjustmentType="ChangeInCapacity",
                      StepAdjustments=[{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])
    elif kind == "SimpleScaling":
        params.update(AdjustmentType="ChangeInCapacity", ScalingAdjustment=1)
    else:
        params["TargetTrackingConfiguration"] = {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0}
    arn = aws.client("autoscaling").put_scaling_policy(**params)["PolicyARN"]
    assert re.fullmatch(ARN_RE + "p", arn), arn


def test_describe_policies_lists_linked_alarms(aws: Endpoint) -> None:
    make_group(aws)
    out_arn = step_policy(aws, "scale-out", 1)
    in_arn = step_policy(aws, "scale-in", -1, lower=None, upper=0)
    cpu_alarm(aws, "cpu-high", [out_arn])
    cpu_alarm(aws, "cpu-low", [in_arn], operator="LessThanOrEqualToThreshold", threshold=20)
    cpu_alarm(aws, "unrelated", [])
    policies = {p["PolicyName"]: p for p in aws.client("autoscaling").describe_policies(
        AutoScalingGroupName="web-asg")["ScalingPolicies"]}
    alarm_arns = {a["AlarmName"]: a["AlarmArn"] for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert policies["scale-out"]["PolicyARN"] == out_arn
    assert policies["scale-out"]["Alarms"] == [{"AlarmName": "cpu-high", "AlarmARN": alarm_arns["cpu-high"]}]
    assert policies["scale-in"]["Alarms"] == [{"AlarmName": "cpu-low", "AlarmARN": alarm_arns["cpu-low"]}]


def test_policy_names_are_per_group(aws: Endpoint) -> None:
    make_group(aws, "a")
    make_group(aws, "b")
    step_policy(aws, "scale-out", 1, group_name="a")
    step_policy(aws, "scale-out", 2, group_name="b")
    asg = aws.client("autoscaling")
    for name, adjustment in [("a", 1), ("b", 2)]:
        (policy,) = asg.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
        assert policy["StepAdjustments"][0]["ScalingAdjustment"] == adjustment
    asg.delete_policy(AutoScalingGroupName="a", PolicyName="scale-out")
    assert asg.describe_policies(AutoScalingGroupName="a")["ScalingPolicies"] == []
    assert len(asg.describe_policies(AutoScalingGroupName="b")["ScalingPolicies"]) == 1


# --- 5. ExecutePolicy, alarms that scale, scaling activities --------------------------------

@pytest.mark.parametrize("adjustment_type,adjustment,start,expected", [
    pytest.param("ChangeInCapacity", 1, 1, 2, marks=plain_moto),
    ("ChangeInCapacity", 5, 1, 3),          # clamped to MaxSize
    ("ChangeInCapacity", -5, 2, 1),         # clamped to MinSize
    pytest.param("ExactCapacity", 3, 1, 3, marks=plain_moto),
    pytest.param("PercentChangeInCapacity", 50, 2, 3, marks=plain_moto),
    pytest.param("PercentChangeInCapacity", 10, 2, 3, marks=plain_moto),  # 0.2 of an instance rounds up to 1
])
def test_execute_simple_policy(aws: Endpoint, adjustment_type: str, adjustment: int, start: int,
                               expected: int) -> None:
    make_group(aws, desired=start)
    asg = aws.client("autoscaling")
    asg.put_scaling_policy(AutoScalingGroupName="web-asg", PolicyName="p", PolicyType="SimpleScaling",
                           AdjustmentType=adjustment_type, ScalingAdjustment=adjustment)
    asg.execute_policy(AutoScalingGroupName="web-asg", PolicyName="p", HonorCooldown=False)
    g = group(aws)
    assert g["DesiredCapacity"] == expected
    assert len(g["Instances"]) == expected


def test_execute_step_policy_picks_step_by_metric(aws: Endpoint) -> None:
    make_group(aws)
    asg = aws.client("autoscaling")
    arn = asg.put_scaling_policy(
        AutoScalingGroupName="web-asg", PolicyName="out", PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity", StepAdjustments=[
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2}])["PolicyARN"]
    asg.execute_policy(PolicyName=arn, MetricValue=85, BreachThreshold=80)
    assert group(aws)["DesiredCapacity"] == 2
    asg.execute_policy(AutoScalingGroupName="web-asg", PolicyName="out", MetricValue=99, BreachThreshold=80)
    assert group(aws)["DesiredCapacity"] == 3  # 2 + 2 = 4, clamped to MaxSize 3
    with pytest.raises(ClientError) as exc:
        asg.execute_policy(AutoScalingGroupName="web-asg", PolicyName="out")
    assert error_of(exc) == (400, "ValidationError")


def test_alarm_in_alarm_state_scales_group_and_registers_with_lb(aws: Endpoint) -> None:
    make_clb(aws, "web-lb")
    make_group(aws, lb="web-lb")
    # no warm-up: the scale-in right after the scale-out is not held back (the hold: test_metrics.py)
    out_arn = step_policy(aws, "scale-out", 1, warmup=0)
    in_arn = step_policy(aws, "scale-in", -1, lower=None, upper=0)
    cpu_alarm(aws, "cpu-high", [out_arn])
    cpu_alarm(aws, "cpu-low", [in_arn], operator="LessThanOrEqualToThreshold", threshold=20)
    cw, elb = aws.client("cloudwatch"), aws.client("elb")
    first = {i["InstanceId"] for i in group(aws)["Instances"]}

    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    g = group(aws)
    ids = {i["InstanceId"] for i in g["Instances"]}
    assert g["DesiredCapacity"] == 2 and len(ids) == 2 and first < ids
    health = elb.describe_instance_health(LoadBalancerName="web-lb")["InstanceStates"]
    assert {h["InstanceId"]: h["State"] for h in health} == {i: "InService" for i in ids}
    running = aws.client("ec2").describe_instances(InstanceIds=sorted(ids))["Reservations"]
    assert all(i["State"]["Name"] == "running" for r in running for i in r["Instances"])

    cw.set_alarm_state(AlarmName="cpu-high", StateValue="OK", StateReason="calm")
    cw.set_alarm_state(AlarmName="cpu-low", StateValue="ALARM", StateReason="idle")
    assert group(aws)["DesiredCapacity"] == 1
    assert len(elb.describe_instance_health(LoadBalancerName="web-lb")["InstanceStates"]) == 1

    activities = aws.client("autoscaling").describe_scaling_activities(AutoScalingGroupName="web-asg")["Activities"]
    descriptions = [a["Description"] for a in activities]
    assert descriptions[0].startswith("Terminating EC2 instance: ")  # newest first
    assert sum(d.startswith("Launching a new EC2 instance: ") for d in descriptions) == 2
    assert "cpu-low" in activities[0]["Cause"] and "from 2 to 1" in activities[0]["Cause"]
    assert all(a["StatusCode"] == "Successful" for a in activities)


def test_alarm_with_actions_disabled_does_not_scale(aws: Endpoint) -> None:
    make_group(aws)
    cpu_alarm(aws, "cpu-high", [step_policy(aws, "scale-out", 1)])
    cw = aws.client("cloudwatch")
    cw.disable_alarm_actions(AlarmNames=["cpu-high"])
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    assert group(aws)["DesiredCapacity"] == 1
    # the same alarm with its actions enabled again does scale: "nothing happened" above is the
    # disabled actions, not an endpoint whose alarms never act (plain moto's)
    cw.enable_alarm_actions(AlarmNames=["cpu-high"])
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="OK", StateReason="calm")
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    assert group(aws)["DesiredCapacity"] == 2


# --- 3. Notification configurations ---------------------------------------------------------

LAUNCH_TERMINATE = ["autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
                    "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR"]


def test_notification_configuration_lifecycle(aws: Endpoint) -> None:
    make_group(aws)
    topic = aws.client("sns").create_topic(Name="asg-events")["TopicArn"]
    asg = aws.client("autoscaling")
    asg.put_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic,
                                       NotificationTypes=LAUNCH_TERMINATE)
    rows = asg.describe_notification_configurations(AutoScalingGroupNames=["web-asg"])["NotificationConfigurations"]
    assert sorted(r["NotificationType"] for r in rows) == sorted(LAUNCH_TERMINATE)
    assert {(r["AutoScalingGroupName"], r["TopicARN"]) for r in rows} == {("web-asg", topic)}

    # a second Put for the same topic replaces its types
    asg.put_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic,
                                       NotificationTypes=["autoscaling:EC2_INSTANCE_LAUNCH"])
    rows = asg.describe_notification_configurations(AutoScalingGroupNames=["web-asg"])["NotificationConfigurations"]
    assert [r["NotificationType"] for r in rows] == ["autoscaling:EC2_INSTANCE_LAUNCH"]

    asg.delete_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic)
    assert asg.describe_notification_configurations()["NotificationConfigurations"] == []


def test_notification_configurations_go_with_their_group(aws: Endpoint) -> None:
    make_group(aws, desired=0, min_size=0)
    topic = aws.client("sns").create_topic(Name="asg-events")["TopicArn"]
    asg = aws.client("autoscaling")
    asg.put_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic,
                                       NotificationTypes=LAUNCH_TERMINATE)
    asg.delete_auto_scaling_group(AutoScalingGroupName="web-asg", ForceDelete=True)
    assert asg.describe_notification_configurations()["NotificationConfigurations"] == []


@pytest.mark.parametrize("group_name,types", [
    ("web-asg", ["autoscaling:EC2_INSTANCE_EXPLODE"]),
    ("no-such-group", ["autoscaling:EC2_INSTANCE_LAUNCH"]),
])
def test_notification_configuration_validation(aws: Endpoint, group_name: str, types: list[str]) -> None:
    make_group(aws)
    topic = aws.client("sns").create_topic(Name="asg-events")["TopicArn"]
    asg = aws.client("autoscaling")
    with pytest.raises(ClientError) as exc:
        asg.put_notification_configuration(AutoScalingGroupName=group_name, TopicARN=topic, NotificationTypes=types)
    assert error_of(exc) == (400, "ValidationError")
    assert asg.describe_notification_configurations()["NotificationConfigurations"] == []


def test_describe_notification_types(aws: Endpoint) -> None:
    types = aws.client("autoscaling").describe_auto_scaling_notification_types()["AutoScalingNotificationTypes"]
    assert sorted(types) == sorted([*LAUNCH_TERMINATE, "autoscaling:TEST_NOTIFICATION"])


# --- 4. Metrics collection ------------------------------------------------------------------

def test_enable_and_disable_metrics_collection(aws: Endpoint) -> None:
    make_group(aws)
    asg = aws.client("autoscaling")

    def enabled() -> set[str]:
        return {m["Metric"] for m in group(aws)["EnabledMetrics"]}

    asg.enable_metrics_collection(AutoScalingGroupName="web-asg", Granularity="1Minute",
                                  Metrics=["GroupMinSize", "GroupMaxSize"])
    asg.enable_metrics_collection(AutoScalingGroupName="web-asg", Granularity="1Minute",
                                  Metrics=["GroupInServiceInstances"])
    assert enabled() == {"GroupMinSize", "GroupMaxSize", "GroupInServiceInstances"}
    assert {m["Granularity"] for m in group(aws)["EnabledMetrics"]} == {"1Minute"}
    asg.disable_metrics_collection(AutoScalingGroupName="web-asg", Metrics=["GroupMaxSize"])
    assert enabled() == {"GroupMinSize", "GroupInServiceInstances"}
    asg.disable_metrics_collection(AutoScalingGroupName="web-asg")
    assert enabled() == set()
    asg.enable_metrics_collection(AutoScalingGroupName="web-asg", Granularity="1Minute")
    assert "GroupTotalInstances" in enabled() and len(enabled()) > 10


# --- 6. Instance refresh --------------------------------------------------------------------

def refresh_until_done(aws: Endpoint, refresh_id: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every answer of DescribeInstanceRefreshes (which moves the refresh on) until it ends."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        (refresh,) = aws.client("autoscaling").describe_instance_refreshes(
            AutoScalingGroupName="web-asg", InstanceRefreshIds=[refresh_id])["InstanceRefreshes"]
        seen.append(refresh)
        if refresh["Status"] not in ("Pending", "InProgress", "Cancelling"):
            break
        time.sleep(0.1)
    return seen


def new_template_version(aws: Endpoint) -> str:
    """Version 2 of web-lt, on another image; that image's id."""
    ec2 = aws.client("ec2")
    image = ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-2023*arm64"]}])["Images"][0]["ImageId"]
    ec2.create_launch_template_version(LaunchTemplateName="web-lt", SourceVersion="1",
                                       LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"})
    return image


def test_instance_refresh_replaces_instances_from_new_template_version(aws: Endpoint) -> None:
    make_clb(aws, "web-lb")
    make_group(aws, desired=2, lb="web-lb")
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    old = {i["InstanceId"] for i in group(aws)["Instances"]}
    new_image = new_template_version(aws)
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName="web-asg", Preferences={
        "MinHealthyPercentage": 50, "InstanceWarmup": 0})["InstanceRefreshId"]
    with pytest.raises(ClientError) as exc:
        asg.start_instance_refresh(AutoScalingGroupName="web-asg")
    assert error_of(exc) == (400, "InstanceRefreshInProgress")

    seen = refresh_until_done(aws, refresh_id)
    statuses = [r["Status"] for r in seen]
    assert statuses[-1] == "Successful" and "InProgress" in statuses
    assert seen[-1]["PercentageComplete"] == 100
    assert [r["PercentageComplete"] for r in seen] == sorted(r["PercentageComplete"] for r in seen)

    g = group(aws)
    new = {i["InstanceId"] for i in g["Instances"]}
    assert len(new) == 2 and not new & old
    described = ec2.describe_instances(InstanceIds=sorted(new))["Reservations"]
    assert {i["ImageId"] for r in described for i in r["Instances"]} == {new_image}
    health = aws.client("elb").describe_instance_health(LoadBalancerName="web-lb")["InstanceStates"]
    assert {h["InstanceId"] for h in health} == new
    # a finished refresh no longer blocks the next one
    asg.start_instance_refresh(AutoScalingGroupName="web-asg")


def refresh_look(aws: Endpoint, refresh_id: str) -> tuple[str, set[str]]:
    """The refresh's status (after one more look) and the group's instances."""
    (refresh,) = aws.client("autoscaling").describe_instance_refreshes(
        AutoScalingGroupName="web-asg", InstanceRefreshIds=[refresh_id])["InstanceRefreshes"]
    return refresh["Status"], {i["InstanceId"] for i in group(aws)["Instances"]}


def test_instance_refresh_ends_old_instances_once_new_are_healthy_and_warm(aws: Endpoint) -> None:
    """The replacement launches first; the old instance stays, in the LB, while the new one is not
    InService in the LB (health check type ELB; these instances have no container, so never) and
    during the warm-up once it is healthy (type EC2: running)."""
    make_clb(aws, "web-lb")
    make_group(aws, lb="web-lb", HealthCheckType="ELB", HealthCheckGracePeriod=5)
    asg, elb = aws.client("autoscaling"), aws.client("elb")
    (first,) = {i["InstanceId"] for i in group(aws)["Instances"]}
    new_template_version(aws)
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName="web-asg", Preferences={
        "MinHealthyPercentage": 100, "InstanceWarmup": 0})["InstanceRefreshId"]
    for _ in range(20):  # 2 s: the new instance never passes the LB's check
        status, ids = refresh_look(aws, refresh_id)
        time.sleep(0.1)
    assert status == "InProgress" and first in ids and len(ids) == 2, (status, ids)
    registered = elb.describe_load_balancers(LoadBalancerNames=["web-lb"])["LoadBalancerDescriptions"][0]["Instances"]
    assert {i["InstanceId"] for i in registered} == ids, "both in the LB: the new one to pass its health checks"

    # health check type EC2: healthy when running; a 2 s warm-up, then the old one goes
    asg.update_auto_scaling_group(AutoScalingGroupName="web-asg", HealthCheckType="EC2")
    asg.cancel_instance_refresh(AutoScalingGroupName="web-asg")
    assert refresh_until_done(aws, refresh_id)[-1]["Status"] == "Cancelled"
    assert {i["InstanceId"] for i in group(aws)["Instances"]} == {first}, "a cancel keeps the old instance"
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName="web-asg", Preferences={
        "MinHealthyPercentage": 100, "InstanceWarmup": 2})["InstanceRefreshId"]
    started = time.monotonic()
    while (look := refresh_look(aws, refresh_id))[0] == "Pending" or len(look[1]) < 2:
        time.sleep(0.05)
    assert first in look[1]
    seen = refresh_until_done(aws, refresh_id)
    assert seen[-1]["Status"] == "Successful" and time.monotonic() - started >= 2, seen[-1]
    (last,) = {i["InstanceId"] for i in group(aws)["Instances"]}
    assert last != first


def test_cancel_instance_refresh(aws: Endpoint) -> None:
    make_group(aws, desired=2)
    asg = aws.client("autoscaling")
    with pytest.raises(ClientError) as exc:
        asg.cancel_instance_refresh(AutoScalingGroupName="web-asg")
    assert error_of(exc) == (400, "ActiveInstanceRefreshNotFound")
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName="web-asg")["InstanceRefreshId"]
    assert asg.cancel_instance_refresh(AutoScalingGroupName="web-asg")["InstanceRefreshId"] == refresh_id
    seen = refresh_until_done(aws, refresh_id)
    assert seen[-1]["Status"] == "Cancelled"
    asg.start_instance_refresh(AutoScalingGroupName="web-asg")  # allowed again once cancelled


# --- 7. Instances spread over the group's AZs -----------------------------------------------

def test_group_instances_balanced_over_subnets_azs(aws: Endpoint) -> None:
    subnets = default_subnets(aws)
    zones = {s["AvailabilityZone"] for s in subnets}
    make_group(aws, desired=4, max_size=6)

    def per_zone() -> dict[str, int]:
        counts: dict[str, int] = {}
        for instance in group(aws)["Instances"]:
            counts[instance["AvailabilityZone"]] = counts.get(instance["AvailabilityZone"], 0) + 1
        return counts

    assert per_zone() == {zone: 2 for zone in zones}
    reservations = aws.client("ec2").describe_instances(Filters=[
        {"Name": "tag:aws:autoscaling:groupName", "Values": ["web-asg"]},
        {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
    assert {i["SubnetId"] for r in reservations for i in r["Instances"]} == {s["SubnetId"] for s in subnets}
    asg = aws.client("autoscaling")
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=2)
    assert per_zone() == {zone: 1 for zone in zones}
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=5)
    assert sorted(per_zone().values()) == [2, 3]


# --- 8. EC2: CreateImage, launch template user data -----------------------------------------

def builder_instance(aws: Endpoint) -> str:
    return aws.client("ec2").run_instances(ImageId=base_image(aws), MinCount=1, MaxCount=1,
                                           InstanceType="t3.micro")["Instances"][0]["InstanceId"]


def test_create_image_tags_its_snapshots(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    image_id = ec2.create_image(InstanceId=builder_instance(aws), Name="ec2-nginx-ami", TagSpecifications=[
        {"ResourceType": "image", "Tags": [{"Key": "role", "Value": "web"}]},
        {"ResourceType": "snapshot", "Tags": [{"Key": "role", "Value": "web-disk"}]},
    ])["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Tags"] == [{"Key": "role", "Value": "web"}]
    snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
    assert snapshot_ids
    for snapshot in ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]:
        assert snapshot["Tags"] == [{"Key": "role", "Value": "web-disk"}]


def test_create_image_refuses_duplicate_name(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    instance_id = builder_instance(aws)
    first = ec2.create_image(InstanceId=instance_id, Name="ec2-nginx-ami")["ImageId"]
    with pytest.raises(ClientError) as exc:
        ec2.create_image(InstanceId=instance_id, Name="ec2-nginx-ami")
    assert error_of(exc) == (400, "InvalidAMIName.Duplicate")
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]] == [first]
    ec2.deregister_image(ImageId=first)
    ec2.create_image(InstanceId=instance_id, Name="ec2-nginx-ami")  # the name is free again


def test_launch_template_version_user_data_and_asg_launch(aws: Endpoint) -> None:
    make_launch_template(aws)
    ec2 = aws.client("ec2")
    user_data = base64.b64encode(b"#!/bin/bash\nsystemctl enable --now nginx\n").decode()
    version = ec2.create_launch_template_version(
        LaunchTemplateName="web-lt", SourceVersion="1", LaunchTemplateData={"UserData": user_data},
    )["LaunchTemplateVersion"]
    assert version["VersionNumber"] == 2
    assert version["LaunchTemplateData"]["UserData"] == user_data
    assert version["LaunchTemplateData"]["InstanceType"] == "t3.micro"  # from SourceVersion 1
    described = ec2.describe_launch_template_versions(LaunchTemplateName="web-lt", Versions=["2"])[
        "LaunchTemplateVersions"][0]
    assert described["LaunchTemplateData"]["UserData"] == user_data

    aws.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="web-asg", MinSize=1, MaxSize=2, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "2"},
        VPCZoneIdentifier=default_subnets(aws)[0]["SubnetId"])
    (instance,) = group(aws)["Instances"]
    attr = ec2.describe_instance_attribute(InstanceId=instance["InstanceId"], Attribute="userData")
    assert attr["UserData"]["Value"] == user_data


# --- 9. SNS email subscriptions wait for confirmation ---------------------------------------

def test_email_subscription_stays_pending_confirmation(aws: Endpoint) -> None:
    sns = aws.client("sns")
    topic = sns.create_topic(Name="asg-events")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"] == \
        "pending confirmation"
    arn = sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="bot@example.com",
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    queue = "arn:aws:sqs:us-east-1:123456789012:events"
    sqs_arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]

    listed = {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=topic)[
        "Subscriptions"]}
    assert listed == {"ops@example.com": "PendingConfirmation", "bot@example.com": "PendingConfirmation",
                      queue: sqs_arn}
    assert {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]} == listed
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "true"
    assert sns.get_subscription_attributes(SubscriptionArn=sqs_arn)["Attributes"]["PendingConfirmation"] == "false"
    # subscribing again is no new subscription, and still pending
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 3


# --- 10. Unimplemented actions answer an AWS-style error ------------------------------------

@pytest.mark.parametrize("service,operation,params", [
    ("ec2", "describe_capacity_block_offerings", {"CapacityDurationHours": 24}),      # ec2 query protocol
    ("logs", "describe_account_policies", {"policyType": "DATA_PROTECTION_POLICY"}),  # JSON protocol
])
def test_unimplemented_action_is_invalid_action(aws: Endpoint, service: str, operation: str,
                                                params: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as exc:
        getattr(aws.client(service), operation)(**params)
    assert error_of(exc) == (400, "InvalidAction")
    assert "not implemented by the local endpoint" in exc.value.response["Error"]["Message"]


def test_autoscaling_fixed_describe_calls(aws: Endpoint) -> None:
    make_group(aws)
    asg = aws.client("autoscaling")
    assert {t["AdjustmentType"] for t in asg.describe_adjustment_types()["AdjustmentTypes"]} == {
        "ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"}
    assert "InstanceRefresh" in {p["ProcessName"] for p in asg.describe_scaling_process_types()["Processes"]}
    limits = asg.describe_account_limits()
    assert limits["NumberOfAutoScalingGroups"] == 1 and limits["MaxNumberOfAutoScalingGroups"] > 1


# --- Deleting what is in use ----------------------------------------------------------------

def test_delete_group_with_instances_needs_force(aws: Endpoint) -> None:
    make_group(aws, desired=1)
    asg = aws.client("autoscaling")
    with pytest.raises(ClientError) as exc:
        asg.delete_auto_scaling_group(AutoScalingGroupName="web-asg")
    assert error_of(exc) == (400, "ResourceInUse")
    assert len(group(aws)["Instances"]) == 1
    asg.delete_auto_scaling_group(AutoScalingGroupName="web-asg", ForceDelete=True)
    assert asg.describe_auto_scaling_groups()["AutoScalingGroups"] == []


def test_launch_configuration_in_use_cannot_be_deleted(aws: Endpoint) -> None:
    asg = aws.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="web-lc", ImageId=base_image(aws),
                                    InstanceType="t3.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="web-asg", LaunchConfigurationName="web-lc", MinSize=0,
                                  MaxSize=1, DesiredCapacity=0,
                                  VPCZoneIdentifier=default_subnets(aws)[0]["SubnetId"])
    with pytest.raises(ClientError) as exc:
        asg.delete_launch_configuration(LaunchConfigurationName="web-lc")
    assert error_of(exc) == (400, "ResourceInUse")
    asg.delete_auto_scaling_group(AutoScalingGroupName="web-asg")  # no instances: no force needed
    asg.delete_launch_configuration(LaunchConfigurationName="web-lc")
    assert asg.describe_launch_configurations()["LaunchConfigurations"] == []


# --- Traffic sources ------------------------------------------------------------------------

def test_traffic_sources_and_detaching_one_lb(aws: Endpoint) -> None:
    make_clb(aws, "lb-a")
    make_clb(aws, "lb-b")
    make_group(aws, desired=1, lb="lb-a")
    asg, elb = aws.client("autoscaling"), aws.client("elb")
    asg.attach_traffic_sources(AutoScalingGroupName="web-asg", TrafficSources=[{"Identifier": "lb-b", "Type": "elb"}])
    sources = asg.describe_traffic_sources(AutoScalingGroupName="web-asg")["TrafficSources"]
    assert sorted(s["Identifier"] for s in sources) == ["lb-a", "lb-b"]
    (instance,) = group(aws)["Instances"]
    for lb in ("lb-a", "lb-b"):
        states = elb.describe_instance_health(LoadBalancerName=lb)["InstanceStates"]
        assert [(s["InstanceId"], s["State"]) for s in states] == [(instance["InstanceId"], "InService")]

    asg.detach_traffic_sources(AutoScalingGroupName="web-asg", TrafficSources=[{"Identifier": "lb-a", "Type": "elb"}])
    assert group(aws)["LoadBalancerNames"] == ["lb-b"]
    assert elb.describe_instance_health(LoadBalancerName="lb-a")["InstanceStates"] == []
    assert len(elb.describe_instance_health(LoadBalancerName="lb-b")["InstanceStates"]) == 1


def test_scaling_policy_needs_existing_group(aws: Endpoint) -> None:
    asg = aws.client("autoscaling")
    with pytest.raises(ClientError) as exc:
        asg.put_scaling_policy(AutoScalingGroupName="no-such-group", PolicyName="p", PolicyType="SimpleScaling",
                               AdjustmentType="ChangeInCapacity", ScalingAdjustment=1)
    assert error_of(exc) == (400, "ValidationError")
    assert asg.describe_policies()["ScalingPolicies"] == []


def test_alarm_whose_group_is_gone_still_changes_state(aws: Endpoint) -> None:
    make_group(aws)
    cpu_alarm(aws, "cpu-high", [step_policy(aws, "scale-out", 1)])
    aws.client("autoscaling").delete_auto_scaling_group(AutoScalingGroupName="web-asg", ForceDelete=True)
    cw = aws.client("cloudwatch")
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    assert cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"][0]["StateValue"] == "ALARM"


# --- EC2: security groups in use -------------------------------------------------------------

def test_security_group_in_use_is_not_deleted(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    busy = ec2.create_security_group(GroupName="busy", Description="busy", VpcId=vpc)["GroupId"]
    ref = ec2.create_security_group(GroupName="ref", Description="ref", VpcId=vpc)["GroupId"]
    subnet = default_subnets(aws)[0]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[busy])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.authorize_security_group_ingress(GroupId=ref, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": busy}]}])
    with pytest.raises(ClientError) as exc:
        ec2.delete_security_group(GroupId=busy)
    assert error_of(exc) == (400, "DependencyViolation")
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    with pytest.raises(ClientError) as exc:  # still referenced by ref's rule
        ec2.delete_security_group(GroupId=busy)
    assert error_of(exc) == (400, "DependencyViolation")
    ec2.delete_security_group(GroupId=ref)
    ec2.delete_security_group(GroupId=busy)
    assert not ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["busy", "ref"]}])[
        "SecurityGroups"]


def test_create_security_group_refuses_unknown_vpc(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    with pytest.raises(ClientError) as exc:
        ec2.create_security_group(GroupName="lost", Description="lost", VpcId="vpc-0123456789abcdef0")
    assert error_of(exc) == (400, "InvalidVpcID.NotFound")
    assert "vpc-0123456789abcdef0" in exc.value.response["Error"]["Message"]
    assert not ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["lost"]}])["SecurityGroups"]


def test_launch_template_tags_stay_out_of_version_data(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    ec2.create_launch_template(
        LaunchTemplateName="web-lt", LaunchTemplateData={
            "ImageId": base_image(aws),
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "project", "Value": "web"}]}])
    version = ec2.describe_launch_template_versions(LaunchTemplateName="web-lt")["LaunchTemplateVersions"][0]
    assert version["LaunchTemplateData"]["TagSpecifications"] == [
        {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}]
    template = ec2.describe_launch_templates(LaunchTemplateNames=["web-lt"])["LaunchTemplates"][0]
    assert template["Tags"] == [{"Key": "project", "Value": "web"}]


def test_delete_launch_template_versions_keeps_numbering(aws: Endpoint) -> None:
    make_launch_template(aws)
    ec2 = aws.client("ec2")
    for i in range(3):
        ec2.create_launch_template_version(LaunchTemplateName="web-lt", LaunchTemplateData={
            "UserData": base64.b64encode(f"echo {i}\n".encode()).decode()})
    out = ec2.delete_launch_template_versions(LaunchTemplateName="web-lt", Versions=["1", "2", "3", "9"])
    assert [v["VersionNumber"] for v in out["SuccessfullyDeletedLaunchTemplateVersions"]] == [2, 3]
    failed = {v["VersionNumber"]: v["ResponseError"]["Code"]
              for v in out["UnsuccessfullyDeletedLaunchTemplateVersions"]}
    assert failed == {1: "unexpectedError", 9: "launchTemplateVersionDoesNotExist"}  # 1 is the default
    version = ec2.create_launch_template_version(LaunchTemplateName="web-lt", LaunchTemplateData={
        "InstanceType": "t3.large"})["LaunchTemplateVersion"]
    assert version["VersionNumber"] == 5  # numbers are never reused
    versions = ec2.describe_launch_template_versions(LaunchTemplateName="web-lt")["LaunchTemplateVersions"]
    assert sorted(v["VersionNumber"] for v in versions) == [1, 4, 5]
    four = ec2.describe_launch_template_versions(LaunchTemplateName="web-lt", Versions=["4"])[
        "LaunchTemplateVersions"][0]
    assert base64.b64decode(four["LaunchTemplateData"]["UserData"]) == b"echo 2\n"
    (template,) = ec2.describe_launch_templates(LaunchTemplateNames=["web-lt"])["LaunchTemplates"]
    assert template["LatestVersionNumber"] == 5 and template["DefaultVersionNumber"] == 1


def test_launch_template_tags_follow_create_and_delete_tags(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    template_id = ec2.create_launch_template(
        LaunchTemplateName="web-lt", LaunchTemplateData={"ImageId": base_image(aws)},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "project", "Value": "web"}]}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_tags(Resources=[template_id], Tags=[{"Key": "project", "Value": "web2"}, {"Key": "x", "Value": "1"}])
    ec2.delete_tags(Resources=[template_id], Tags=[{"Key": "x"}])
    (template,) = ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"]
    assert template["Tags"] == [{"Key": "project", "Value": "web2"}]


def test_modify_image_description(aws: Endpoint) -> None:
    ec2 = aws.client("ec2")
    image_id = ec2.create_image(InstanceId=builder_instance(aws), Name="ec2-nginx-ami", Description="v1")["ImageId"]
    ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "v2"})
    assert ec2.describe_images(ImageIds=[image_id])["Images"][0]["Description"] == "v2"
    ec2.modify_image_attribute(ImageId=image_id, Attribute="description", Value="v3")
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="description")["Description"]["Value"] == "v3"


def test_group_events_are_published_to_the_configured_topic(aws: Endpoint) -> None:
    make_group(aws, desired=1)
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="asg-events")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="asg-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    asg = aws.client("autoscaling")
    asg.put_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic,
                                       NotificationTypes=LAUNCH_TERMINATE)
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=2)
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=1)

    events = []
    for _ in range(5):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        events += [json.loads(m["Body"]) for m in messages]
        if len(events) >= 3:
            break
    assert [e["Event"] for e in events] == ["autoscaling:TEST_NOTIFICATION", "autoscaling:EC2_INSTANCE_LAUNCH",
                                            "autoscaling:EC2_INSTANCE_TERMINATE"]
    assert all(e["AutoScalingGroupName"] == "web-asg" for e in events)
    assert events[1]["EC2InstanceId"].startswith("i-") and events[2]["EC2InstanceId"].startswith("i-")


def test_group_event_subjects_are_aws_own(aws: Endpoint) -> None:
    """AWS's notification subjects: "Auto Scaling: launch for group "web-asg"" and "... termination ..."."""
    make_group(aws, desired=1)
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="asg-subjects")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="asg-subjects")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)  # the SNS envelope carries the Subject
    asg = aws.client("autoscaling")
    asg.put_notification_configuration(AutoScalingGroupName="web-asg", TopicARN=topic,
                                       NotificationTypes=LAUNCH_TERMINATE)
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=2)
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=1)
    subjects: list[str] = []
    for _ in range(5):
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        subjects += [json.loads(m["Body"])["Subject"] for m in messages]
        if len(subjects) >= 3:
            break
    assert subjects == ['Auto Scaling: test notification for group "web-asg"',
                        'Auto Scaling: launch for group "web-asg"',
                        'Auto Scaling: termination for group "web-asg"']


def test_alarm_state_change_notifies_its_topic(aws: Endpoint) -> None:
    sns, sqs, cw = aws.client("sns"), aws.client("sqs"), aws.client("cloudwatch")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alarms")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    cpu_alarm(aws, "cpu-high", [topic])
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="still")  # no change: no message
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert (body["AlarmName"], body["NewStateValue"], body["NewStateReason"]) == ("cpu-high", "ALARM", "load test")
    assert body["Trigger"]["MetricName"] == "CPUUtilization" and body["Trigger"]["Threshold"] == 80.0


def test_instances_report_the_version_they_were_launched_from(aws: Endpoint) -> None:
    make_group(aws, desired=1)  # on web-lt $Latest = version 1
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    ec2.create_launch_template_version(LaunchTemplateName="web-lt", SourceVersion="1",
                                       LaunchTemplateData={"InstanceType": "t3.small"})
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=2)
    versions = sorted(i["LaunchTemplate"]["Version"] for i in group(aws)["Instances"])
    assert versions == ["1", "2"]
    described = asg.describe_auto_scaling_instances()["AutoScalingInstances"]
    assert sorted(i["LaunchTemplate"]["Version"] for i in described) == ["1", "2"]

    # SkipMatching: only the instance on version 1 is replaced
    refresh_id = asg.start_instance_refresh(AutoScalingGroupName="web-asg", Preferences={
        "SkipMatching": True, "MinHealthyPercentage": 0, "InstanceWarmup": 0})["InstanceRefreshId"]
    seen = refresh_until_done(aws, refresh_id)
    assert seen[-1]["Status"] == "Successful"
    assert sorted(i["LaunchTemplate"]["Version"] for i in group(aws)["Instances"]) == ["2", "2"]


def test_alarm_starts_insufficient_data_and_update_keeps_state(aws: Endpoint) -> None:
    cw = aws.client("cloudwatch")

    def state() -> str:
        return cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"][0]["StateValue"]

    cpu_alarm(aws, "cpu-high", [])
    assert state() == "INSUFFICIENT_DATA"
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="load test")
    cpu_alarm(aws, "cpu-high", [], threshold=90)
    assert state() == "ALARM"
    assert cw.describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"][0]["Threshold"] == 90


def test_encrypted_root_mapping_without_size_takes_the_image_size(aws: Endpoint) -> None:
    """AWS sizes an EBS mapping that names neither VolumeSize nor SnapshotId from the image."""
    make_launch_template(aws, BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True}}])
    instances = make_group(aws)["Instances"]
    assert len(instances) == 1
    described = aws.client("ec2").describe_instances(InstanceIds=[instances[0]["InstanceId"]])
    mappings = described["Reservations"][0]["Instances"][0]["BlockDeviceMappings"]
    volume_id = next(m["Ebs"]["VolumeId"] for m in mappings if m["DeviceName"] == "/dev/xvda")
    volume = aws.client("ec2").describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert volume["Encrypted"] and volume["Size"] >= 1


def test_deregistered_group_instance_leaves_the_lb_until_registered_again(aws: Endpoint) -> None:
    make_clb(aws, "web-lb")
    make_group(aws, lb="web-lb", desired=1)
    elb, asg = aws.client("elb"), aws.client("autoscaling")
    (first,) = [i["InstanceId"] for i in group(aws)["Instances"]]

    def members() -> list[str]:
        return sorted(i["InstanceId"] for i in elb.describe_load_balancers(
            LoadBalancerNames=["web-lb"])["LoadBalancerDescriptions"][0]["Instances"])

    elb.deregister_instances_from_load_balancer(LoadBalancerName="web-lb", Instances=[{"InstanceId": first}])
    assert members() == []
    assert elb.describe_instance_health(LoadBalancerName="web-lb")["InstanceStates"] == []
    # the group registers only what it launches: the one taken out stays out
    asg.set_desired_capacity(AutoScalingGroupName="web-asg", DesiredCapacity=2)
    second = ({i["InstanceId"] for i in group(aws)["Instances"]} - {first}).pop()
    assert members() == [second]
    # put back by hand (twice: one entry), it is the group's again and leaves with it
    for _ in range(2):
        elb.register_instances_with_load_balancer(LoadBalancerName="web-lb", Instances=[{"InstanceId": first}])
    assert members() == sorted([first, second])
    asg.terminate_instance_in_auto_scaling_group(InstanceId=first, ShouldDecrementDesiredCapacity=True)
    assert members() == [second]
