"""The local endpoint answers a retried create as AWS does (issue 10 item 9; local_aws_patches/idempotency.py)."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.needs_patch  # tools/local_aws_patches/idempotency.py; `pytest --unpatched` checks it


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_run_instances_client_token(aws: Any) -> None:
    ec2 = aws.client("ec2")
    image = aws.register_image()
    first = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken="t-1")["Instances"][0]
    again = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken="t-1")["Instances"][0]
    assert again["InstanceId"] == first["InstanceId"]
    assert len(ec2.describe_instances()["Reservations"]) == 1
    with pytest.raises(ClientError) as exc:
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.small", ClientToken="t-1")
    assert code(exc) == "IdempotentParameterMismatch"
    other = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, ClientToken="t-2")["Instances"][0]
    assert other["InstanceId"] != first["InstanceId"]


def test_launch_template_and_version_client_token(aws: Any) -> None:
    ec2 = aws.client("ec2")
    data = {"ImageId": aws.register_image(), "InstanceType": "t3.micro"}
    made = [ec2.create_launch_template(LaunchTemplateName="lt", LaunchTemplateData=data, ClientToken="c")
            ["LaunchTemplate"]["LaunchTemplateId"] for _ in range(2)]
    assert made[0] == made[1]
    versions = [ec2.create_launch_template_version(LaunchTemplateId=made[0], ClientToken="v", LaunchTemplateData=dict(
        data, InstanceType="t3.small"))["LaunchTemplateVersion"]["VersionNumber"] for _ in range(2)]
    assert versions == [2, 2]
    listed = ec2.describe_launch_template_versions(LaunchTemplateId=made[0])["LaunchTemplateVersions"]
    assert sorted(v["VersionNumber"] for v in listed) == [1, 2]


def test_hosted_zone_caller_reference_is_used_once(aws: Any) -> None:
    r53 = aws.client("route53")
    r53.create_hosted_zone(Name="example.com", CallerReference="ref-1")
    with pytest.raises(ClientError) as exc:
        r53.create_hosted_zone(Name="example.com", CallerReference="ref-1")
    assert code(exc) == "HostedZoneAlreadyExists"
    assert len(r53.list_hosted_zones()["HostedZones"]) == 1


def test_auto_scaling_names_in_use_are_refused(aws: Any) -> None:
    asg = aws.client("autoscaling")
    image = aws.register_image()
    asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro")
    with pytest.raises(ClientError) as exc:
        asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.small")
    assert code(exc) == "AlreadyExists"
    kwargs = {"AutoScalingGroupName": "g", "LaunchConfigurationName": "lc", "MinSize": 0, "MaxSize": 1,
              "AvailabilityZones": ["us-east-1a"]}
    asg.create_auto_scaling_group(**kwargs)
    with pytest.raises(ClientError) as exc:
        asg.create_auto_scaling_group(**kwargs)
    assert code(exc) == "AlreadyExists"
    [lc] = asg.describe_launch_configurations()["LaunchConfigurations"]
    assert lc["InstanceType"] == "t3.micro"
