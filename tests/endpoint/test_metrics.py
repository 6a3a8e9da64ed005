"""CPUUtilization measured from the instances' containers, and alarms that evaluate it
(tools/local_aws_patches/metrics.py, alarm_evaluation.py, scaling_holds.py).

A real endpoint process with its clock at WEBFLEET_LAB_SPEED=60 (a lab minute lasts a second),
real containers running `yes`, boto3 to read what CloudWatch and Auto Scaling answer. The CPU
figures are checked against the `yes` processes' own CPU time read from /proc on this machine
(the host is shared, so a `yes` does not always get a whole CPU; on an idle host one `yes` on a
2-vCPU t3.micro reads 50 %). Each test fails on plain moto (`pytest --unpatched`).
"""
from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from harness import Endpoint, docker, serve_endpoint
from test_instance_containers import (
    IMAGE_TAG,
    baked_image,
    docker_answers,
    instance_image,  # noqa: F401 (the session fixture that builds the instances' Docker image)
    remove_labelled,
)

SPEED = 60
pytestmark = [
    pytest.mark.skipif(not docker_answers(), reason="Docker does not answer (no docker client or daemon)"),
    pytest.mark.needs_patch,
]
CLK_TCK = os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def fast_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    """An endpoint of its own whose lab clock runs 60 times faster."""
    with serve_endpoint(tmp_path_factory.mktemp("metrics_endpoint"), speed=SPEED) as endpoint:
        yield endpoint


@pytest.fixture
def fast(fast_endpoint: Endpoint, instance_image: str) -> Iterator[Endpoint]:  # noqa: F811
    fast_endpoint.reset()
    yield fast_endpoint
    remove_labelled(fast_endpoint)


def launch(aws: Endpoint, image_id: str, instance_type: str = "t3.micro", detailed: bool = True) -> str:
    return aws.client("ec2").run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType=instance_type,
                                           Monitoring={"Enabled": detailed})["Instances"][0]["InstanceId"]


def start_yes(instance_id: str, count: int) -> list[int]:
    """`count` times `yes > /dev/null` in the instance's container; their host PIDs."""
    name = f"webfleet-{instance_id}"
    for _ in range(count):
        assert docker("exec", "-d", name, "sh", "-c", "exec timeout 300 yes > /dev/null").returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        top = docker("top", name, "-eo", "pid,comm").stdout.split("\n")[1:]
        pids = [int(line.split()[0]) for line in top if line.split()[1:] == ["yes"]]
        if len(pids) == count:
            return pids
        time.sleep(0.2)
    raise AssertionError(f"{count} yes did not start in {name}")


def stop_yes(instance_id: str) -> None:
    docker("exec", f"webfleet-{instance_id}", "sh", "-c", "kill $(pidof yes) 2>/dev/null; true")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def datapoints(aws: Endpoint, name: str, value: str, since: float) -> list[tuple[float, float]]:
    answer = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=[{"Name": name, "Value": value}],
        StartTime=since - 5, EndTime=time.time() + 5, Period=1, Statistics=["Average"], Unit="Percent")
    return sorted((d["Timestamp"].timestamp(), d["Average"]) for d in answer["Datapoints"])


def lab(aws: Endpoint) -> dict[str, Any]:
    with urllib.request.urlopen(aws.url + "/moto-api/webfleet/lab", timeout=5) as resp:
        return json.loads(resp.read())


def wait(probe: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


# --- tests --------------------------------------------------------------------------------------

def test_containers_get_their_types_vcpus(fast: Endpoint) -> None:
    image = baked_image(fast)
    micro, t2 = launch(fast, image, "t3.micro"), launch(fast, image, "t2.micro")
    nano_cpus = {i: int(docker("inspect", "-f", "{{.HostConfig.NanoCpus}}", f"webfleet-{i}").stdout)
                 for i in (micro, t2)}
    assert nano_cpus == {micro: min(2, os.cpu_count() or 1) * 10**9, t2: 10**9}
    described = {i["InstanceId"]: i for r in fast.client("ec2").describe_instances(InstanceIds=[micro, t2])[
        "Reservations"] for i in r["Instances"]}
    assert described[micro]["CpuOptions"] == {"CoreCount": 1, "ThreadsPerCore": 2}  # 2 vCPUs
    assert described[t2]["CpuOptions"] == {"CoreCount": 1, "ThreadsPerCore": 1}
    assert described[micro]["Monitoring"] == {"State": "enabled"}
    assert lab(fast)["metrics"]["speed"] == SPEED


def test_cpu_utilization_is_the_containers_cpu_time_over_its_vcpus(fast: Endpoint) -> None:
    image = baked_image(fast)
    loaded, basic = launch(fast, image), launch(fast, image, detailed=False)
    idle = wait(lambda: datapoints(fast, "InstanceId", loaded, time.time() - 3), "a first datapoint", 20)
    assert idle[-1][1] < 5, idle

    pids = start_yes(loaded, 1)
    time.sleep(2)  # a datapoint's interval is 1 s of lab minute here: let the first loaded one pass
    t0, used0 = time.time(), cpu_seconds(pids)
    time.sleep(8)
    t1, used1 = time.time(), cpu_seconds(pids)
    stop_yes(loaded)
    # what `yes` really got, as a percentage of the instance's 2 vCPUs
    expected = (used1 - used0) / (t1 - t0) / 2 * 100
    measured = [v for t, v in datapoints(fast, "InstanceId", loaded, t0) if t0 + 1 < t <= t1]
    assert len(measured) >= 5, measured
    average = sum(measured) / len(measured)
    print(f"CPUUtilization {average:.2f} %, the yes process's CPU time says {expected:.2f} %")
    assert abs(average - expected) <= max(0.75, expected * 0.3), (average, expected, measured)
    assert expected > 1.5, f"yes got almost no CPU ({expected:.1f} %): the host is too busy to measure"

    # basic monitoring: one datapoint per 5 lab minutes (5 s here), detailed: one per lab minute
    times = [t for t, _v in datapoints(fast, "InstanceId", basic, t0 - 10)]
    assert len(times) >= 2 and min(b - a for a, b in zip(times, times[1:])) >= 3.5, times  # (1 s buckets)


def test_alarm_runs_its_policy_and_warm_up_holds_the_next_one(fast: Endpoint) -> None:
    ec2, asg, cw = fast.client("ec2"), fast.client("autoscaling"), fast.client("cloudwatch")
    image = baked_image(fast)
    ec2.create_launch_template(LaunchTemplateName="metrics-lt", LaunchTemplateData={
        "ImageId": image, "InstanceType": "t3.micro", "Monitoring": {"Enabled": True}})
    asg.create_auto_scaling_group(AutoScalingGroupName="metrics-asg", MinSize=1, MaxSize=3, DesiredCapacity=1,
                                  LaunchTemplate={"LaunchTemplateName": "metrics-lt"},
                                  AvailabilityZones=["us-east-1a"])
    arn = asg.put_scaling_policy(
        AutoScalingGroupName="metrics-asg", PolicyName="out", PolicyType="StepScaling",
        AdjustmentType="ChangeInCapacity", EstimatedInstanceWarmup=600,  # 10 s here
        StepAdjustments=[{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])["PolicyARN"]
    cw.put_metric_alarm(AlarmName="busy", Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average",
                        Dimensions=[{"Name": "AutoScalingGroupName", "Value": "metrics-asg"}], Period=60,
                        EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=2,
                        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[arn])
    (first,) = [i["InstanceId"] for i in asg.describe_auto_scaling_groups(
        AutoScalingGroupNames=["metrics-asg"])["AutoScalingGroups"][0]["Instances"]]
    wait(lambda: datapoints(fast, "AutoScalingGroupName", "metrics-asg", time.time() - 3), "group datapoints", 20)
    wait(lambda: cw.describe_alarms(AlarmNames=["busy"])["MetricAlarms"][0]["StateValue"] == "OK", "OK (idle)", 20)

    def desired() -> int:
        return asg.describe_auto_scaling_groups(AutoScalingGroupNames=["metrics-asg"])[
            "AutoScalingGroups"][0]["DesiredCapacity"]

    start_yes(first, 2)  # one per vCPU
    try:
        wait(lambda: desired() == 2, "the alarm's scale-out", 30)
        alarm = cw.describe_alarms(AlarmNames=["busy"])["MetricAlarms"][0]
        assert alarm["StateValue"] == "ALARM" and "Threshold Crossed" in alarm["StateReason"]
        evaluated = json.loads(alarm["StateReasonData"])["evaluatedDatapoints"]
        assert len(evaluated) == 2 and all(p["value"] >= 2 for p in evaluated), evaluated  # 2 of 2 breach
        # still in ALARM, its action runs again each lab minute: the warming instance holds it
        time.sleep(6)
        assert cw.describe_alarms(AlarmNames=["busy"])["MetricAlarms"][0]["StateValue"] == "ALARM"
        assert desired() == 2
        wait(lambda: desired() == 3, "the next scale-out once the warm-up is over", 20)
    finally:
        stop_yes(first)
    causes = [a["Cause"] for a in asg.describe_scaling_activities(AutoScalingGroupName="metrics-asg")["Activities"]]
    assert any("monitor alarm busy in state ALARM triggered policy out" in c for c in causes), causes


@pytest.mark.parametrize(("mode", "start", "end"), [
    ("missing", "OK", "INSUFFICIENT_DATA"), ("breaching", "OK", "ALARM"),
    ("notBreaching", "ALARM", "OK"), ("ignore", "ALARM", "ALARM")])
def test_missing_data(fast: Endpoint, mode: str, start: str, end: str) -> None:
    """An instance without a container publishes nothing; its alarm treats the gap as configured."""
    cw = fast.client("cloudwatch")
    bare = launch(fast, fast.register_image("no-container"))
    assert not fast.client("ec2").describe_images(Filters=[{"Name": "tag-key", "Values": [IMAGE_TAG]}])["Images"]
    cw.put_metric_alarm(AlarmName="gap", Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average",
                        Dimensions=[{"Name": "InstanceId", "Value": bare}], Period=60, EvaluationPeriods=1,
                        Threshold=50, ComparisonOperator="GreaterThanThreshold", TreatMissingData=mode)
    cw.set_alarm_state(AlarmName="gap", StateValue=start, StateReason="test")
    before = lab(fast)["metrics"]["alarm_evaluations"]
    wait(lambda: lab(fast)["metrics"]["alarm_evaluations"] >= before + 3, "three evaluations", 20)
    assert cw.describe_alarms(AlarmNames=["gap"])["MetricAlarms"][0]["StateValue"] == end
    assert datapoints(fast, "InstanceId", bare, time.time() - 60) == []
