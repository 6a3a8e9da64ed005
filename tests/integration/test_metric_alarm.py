# -*- coding: utf-8 -*-
"""webfleet.aws.metric_alarm through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import AnsibleRunner, assert_refused

TOPIC = "arn:aws:sns:us-east-1:123456789012:nginx-events"
POLICY = ("arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1a2b3c4d-0000-1111-2222-333344445555:"
          "autoScalingGroupName/nginx-asg:policyName/nginx-scale-out")
HIGH = {"name": "nginx-cpu-high", "dimensions": {"AutoScalingGroupName": "nginx-asg"}, "threshold": 80,
        "comparison_operator": "GreaterThanOrEqualToThreshold", "alarm_actions": [TOPIC],
        "tags": {"project": "webfleet"}}


def make_targets(aws) -> str:
    """The SNS topic and scaling policy the alarm actions point at (moto's policy ARN replaces POLICY)."""
    aws.client("sns").create_topic(Name="nginx-events")
    image = aws.client("ec2").describe_images()["Images"][0]["ImageId"]
    asg = aws.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId=image, InstanceType="t3.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName="nginx-asg", LaunchConfigurationName="lc", MinSize=0,
                                  MaxSize=1, AvailabilityZones=["us-east-1a"])
    asg.put_scaling_policy(AutoScalingGroupName="nginx-asg", PolicyName="nginx-scale-out", PolicyType="StepScaling",
                           AdjustmentType="ChangeInCapacity",
                           StepAdjustments=[{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])
    arn = asg.describe_policies(AutoScalingGroupName="nginx-asg")["ScalingPolicies"][0]["PolicyARN"]
    return arn


def run(ansible, args: dict, **kw) -> dict:
    return ansible.run_tasks([{"webfleet.aws.metric_alarm": args}], **kw)[0]


def alarms(aws) -> dict[str, dict]:
    return {a["AlarmName"]: a for a in aws.client("cloudwatch").describe_alarms()["MetricAlarms"]}


def test_lifecycle(aws, ansible) -> None:
    policy = make_targets(aws)
    high = dict(HIGH, alarm_actions=[policy, TOPIC])
    r = run(ansible, high, check=True, diff=True)
    assert r["changed"] and r["diff"]["after"]["threshold"] == 80.0 and r["alarm_arn"] is None
    assert alarms(aws) == {}

    # rerun with the same definition written differently: actions reordered, threshold as a string
    same = dict(high, alarm_actions=[TOPIC, policy], threshold="80.0", datapoints_to_alarm=1)
    r, again = ansible.run_tasks([{"webfleet.aws.metric_alarm": high}, {"webfleet.aws.metric_alarm": same}])
    assert r["changed"] and not again["changed"], again
    got = alarms(aws)["nginx-cpu-high"]
    assert got["Period"] == 300 and got["Statistic"] == "Average" and got["Namespace"] == "AWS/EC2"
    assert got["MetricName"] == "CPUUtilization" and got["EvaluationPeriods"] == 1
    assert sorted(got["AlarmActions"]) == sorted([TOPIC, policy])
    assert r["alarm"]["alarm_arn"] == got["AlarmArn"] == r["alarm_arn"]
    assert r["alarm"]["state_value"] and r["alarm"]["tags"] == {"project": "webfleet"}

    # update check mode, then update one attribute, then rerun
    low = dict(high, threshold=90)
    r = run(ansible, low, check=True, diff=True)
    assert r["changed"] and r["diff"]["before"]["threshold"] == 80.0 and r["diff"]["after"]["threshold"] == 90.0
    assert alarms(aws)["nginx-cpu-high"]["Threshold"] == 80.0
    r, again, retag = ansible.run_tasks([{"webfleet.aws.metric_alarm": low}, {"webfleet.aws.metric_alarm": low},
                                         {"webfleet.aws.metric_alarm": dict(low, tags={"env": "lab"})}], diff=True)
    assert r["changed"] and r["diff"]["after"]["threshold"] == 90.0 and not again["changed"]
    assert retag["changed"] and retag["diff"]["after"]["tags"] == {"env": "lab"}
    assert alarms(aws)["nginx-cpu-high"]["Threshold"] == 90.0
    arn = alarms(aws)["nginx-cpu-high"]["AlarmArn"]
    tags = aws.client("cloudwatch").list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert tags == [{"Key": "env", "Value": "lab"}]

    absent = {"name": "nginx-cpu-high", "state": "absent"}
    r = run(ansible, absent, check=True)
    assert r["changed"] and "nginx-cpu-high" in alarms(aws)
    r, again = ansible.run_tasks([{"webfleet.aws.metric_alarm": absent}] * 2)
    assert r["changed"] and not again["changed"] and not again.get("failed")
    assert alarms(aws) == {}


BAD = [
    ("unknown_operator", {"comparison_operator": "GreaterOrEqual"}, "comparison_operator",
     "must be one of: GreaterThanOrEqualToThreshold"),
    ("negative_period", {"period": -60}, "period", "must be 10, 30 or a positive multiple of 60 seconds, got -60"),
    ("period_not_minute_multiple", {"period": 90}, "period",
     "must be 10, 30 or a positive multiple of 60 seconds, got 90"),
    ("datapoints_over_evaluation", {"evaluation_periods": 2, "datapoints_to_alarm": 3}, "datapoints_to_alarm",
     "must be between 1 and evaluation_periods (2), got 3"),
    ("zero_evaluation_periods", {"evaluation_periods": 0}, "evaluation_periods", "must be 1 or more, got 0"),
    ("bad_action_arn", {"alarm_actions": ["nginx-scale-out"]}, "alarm_actions[0]",
     "'nginx-scale-out' is not an action ARN"),
    ("statistic_and_extended", {"statistic": "Average", "extended_statistic": "p99"}, "extended_statistic",
     "cannot be combined with statistic"),
    ("unknown_statistic", {"statistic": "Mean"}, "statistic", "'Mean' is unknown; use one of SampleCount"),
    ("treat_missing_unknown", {"treat_missing_data": "zero"}, "treat_missing_data",
     "must be one of: missing, breaching, notBreaching, ignore, got: zero"),
    ("unknown_unit", {"unit": "Percentage"}, "unit", "'Percentage' is not a CloudWatch unit"),
    ("missing_topic", {"alarm_actions": [TOPIC]}, "alarm_actions[0]", f"no SNS topic {TOPIC}; create it first"),
    ("missing_policy", {"ok_actions": [POLICY]}, "ok_actions[0]", f"no scaling policy {POLICY}; create it first"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws, tmp_path_factory) -> dict:
    """All bad-input cases in one playbook run (each task fails on its own), then the endpoint's alarms."""
    local_aws.reset()
    runner = AnsibleRunner(local_aws, tmp_path_factory.mktemp("bad_alarm"))
    base = dict(HIGH, alarm_actions=[])
    results = runner.run_tasks([{"webfleet.aws.metric_alarm": {**base, **extra}} for _, extra, _, _ in BAD])
    return {"results": dict(zip([b[0] for b in BAD], results)), "alarms": alarms(local_aws)}


@pytest.mark.parametrize("case,extra,param,words", BAD, ids=[b[0] for b in BAD])
def test_bad_input(bad_results, case, extra, param, words) -> None:
    by_ansible = case in ("unknown_operator", "treat_missing_unknown")
    assert_refused(bad_results["results"][case], param, words, by_ansible=by_ansible)
    assert bad_results["alarms"] == {}


def test_faults(aws, ansible_faulty) -> None:
    make_targets(aws)
    low = dict(HIGH, name="nginx-cpu-low", threshold=20, comparison_operator="LessThanOrEqualToThreshold",
               alarm_actions=[TOPIC], ok_actions=[TOPIC])
    tasks = [{"webfleet.aws.metric_alarm": a} for a in (HIGH, low)]
    results = ansible_faulty.run_tasks(tasks + tasks)
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, True, False, False]
    got = alarms(aws)
    assert set(got) == {"nginx-cpu-high", "nginx-cpu-low"}
    assert got["nginx-cpu-low"]["Threshold"] == 20.0 and got["nginx-cpu-low"]["OKActions"] == [TOPIC]
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_created_alarm_reported_as_described(aws, ansible) -> None:
    """A new alarm acting on a scaling policy is reported from its definition (no read after PutMetricAlarm)."""
    from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

    policy = make_targets(aws)
    r = run(ansible, dict(HIGH, alarm_actions=[policy, TOPIC], ok_actions=[TOPIC], unit="Percent",
                          description="CPU high"))
    assert r["changed"], r
    read = camel_dict_to_snake_dict(alarms(aws)["nginx-cpu-high"])
    got = r["alarm"]
    assert got["alarm_arn"] == read["alarm_arn"] == r["alarm_arn"]
    assert got["state_value"] == read["state_value"] == "INSUFFICIENT_DATA"
    assert got["tags"] == {"project": "webfleet"}
    for key in ("alarm_name", "alarm_description", "metric_name", "namespace", "statistic", "dimensions", "period",
                "evaluation_periods", "datapoints_to_alarm", "threshold", "comparison_operator", "treat_missing_data",
                "unit", "actions_enabled"):
        assert got[key] == read[key], key
    for key in ("alarm_actions", "ok_actions", "insufficient_data_actions"):
        assert sorted(got[key]) == sorted(read[key]), key
