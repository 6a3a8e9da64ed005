"""`tools/lab_status.py` (./tools/webfleet status) against a real endpoint process: the group's size,
the alarms' states and the mail come from it; a service the lab does not run reads "not running";
no endpoint → exit 3 with a message that says so."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, Endpoint, free_port

SCRIPT = ROOT / "tools" / "lab_status.py"


def status(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--endpoint", endpoint, *args], capture_output=True,
                          text=True, timeout=60)


def build(aws: Endpoint) -> dict[str, Any]:
    """A group of 2 (plain instances: the image names no Docker image), an alarm in ALARM, a subscription."""
    ec2 = aws.client("ec2")
    ec2.create_launch_template(LaunchTemplateName="status-lt",
                               LaunchTemplateData={"ImageId": aws.register_image(), "InstanceType": "t3.micro"})
    asg = aws.client("autoscaling")
    asg.create_auto_scaling_group(AutoScalingGroupName="status-asg", MinSize=1, MaxSize=3, DesiredCapacity=2,
                                  LaunchTemplate={"LaunchTemplateName": "status-lt"}, AvailabilityZones=["us-east-1a"])
    sns = aws.client("sns")
    topic = sns.create_topic(Name="status-events")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="status@example.com")
    cw = aws.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="status-high", MetricName="CPUUtilization", Namespace="AWS/EC2",
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=80,
                        ComparisonOperator="GreaterThanThreshold")
    cw.set_alarm_state(AlarmName="status-high", StateValue="ALARM", StateReason="test")
    group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["status-asg"])["AutoScalingGroups"][0]
    return {"ids": sorted(i["InstanceId"] for i in group["Instances"])}


@pytest.mark.needs_patch
def test_status_of_a_running_endpoint(lab_endpoint: tuple[Endpoint, Path]) -> None:
    aws, state = lab_endpoint
    built = build(aws)
    proc = status(aws.url, "--json")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["endpoint"] == aws.url
    assert got["groups"]["status-asg"] == {"desired": 2, "min": 1, "max": 3, "instances": 2, "in_service": built["ids"]}
    assert got["alarms"] == {"status-high": "ALARM"}
    assert got["mail"]["maildir"] == str(state / "mail" / aws.url.rsplit(":", 1)[1])
    assert got["mail"]["latest"][0]["to"] == "status@example.com"
    assert {"endpoint": "status@example.com", "protocol": "email", "topic": "status-events",
            "state": "PendingConfirmation"} in got["subscriptions"]
    with urllib.request.urlopen(aws.url + "/moto-api/webfleet/lab", timeout=10) as resp:
        lab = json.loads(resp.read())
    assert got["not_running"] == [s for s in ("load_balancers", "dns", "metrics", "mail") if s not in lab]
    assert set(got["load_balancers"]) == set(lab.get("load_balancers") or {})

    text = status(aws.url).stdout
    assert f"endpoint        {aws.url}" in text
    assert f"group           status-asg  desired 2 (min 1, max 3), InService 2: {', '.join(built['ids'])}" in text
    assert "alarms          status-high ALARM" in text
    assert "to status@example.com: AWS Notification - Subscription Confirmation" in text
    assert "subscription    status@example.com to status-events: PendingConfirmation" in text
    for service in got["not_running"]:
        assert any(line.startswith(service.replace("_", " ")) and "not running" in line for line in text.splitlines())


def test_endpoint_down_exits_3() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in ((), ("--json",)):
        proc = status(url, *args)
        assert proc.returncode == 3
        assert proc.stdout == ""
        assert f"does not answer at {url}" in proc.stderr
