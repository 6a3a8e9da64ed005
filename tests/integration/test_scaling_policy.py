# -*- coding: utf-8 -*-
"""webfleet.aws.scaling_policy through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import AnsibleRunner, assert_refused

GROUP = "nginx-asg"
OUT = {"name": "nginx-scale-out", "auto_scaling_group": GROUP,
       "step_adjustments": [{"lower_bound": 0, "scaling_adjustment": 1}]}


def make_group(aws, name: str = GROUP) -> None:
    image = aws.client("ec2").describe_images()["Images"][0]["ImageId"]
    asg = aws.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName=f"{name}-lc", ImageId=image, InstanceType="t3.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName=name, LaunchConfigurationName=f"{name}-lc", MinSize=0,
                                  MaxSize=3, DesiredCapacity=0, AvailabilityZones=["us-east-1a", "us-east-1b"])


def policies(aws, group: str = GROUP) -> dict[str, dict]:
    return {p["PolicyName"]: p for p in
            aws.client("autoscaling").describe_policies(AutoScalingGroupName=group)["ScalingPolicies"]}


def run(ansible, args: dict, **kw) -> dict:
    return ansible.run_tasks([{"webfleet.aws.scaling_policy": args}], **kw)[0]


def test_step_policy_lifecycle(aws, ansible) -> None:
    make_group(aws)
    r = run(ansible, OUT, check=True, diff=True)
    assert r["changed"] and r["diff"]["after"]["step_adjustments"][0]["lower_bound"] == 0.0, r
    assert policies(aws) == {}

    r, again = ansible.run_tasks([{"webfleet.aws.scaling_policy": OUT}] * 2)
    assert r["changed"] and not again["changed"], again
    got = policies(aws)["nginx-scale-out"]
    assert got["PolicyType"] == "StepScaling" and got["AdjustmentType"] == "ChangeInCapacity"
    assert got["EstimatedInstanceWarmup"] == 300
    assert got["StepAdjustments"] == [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]
    assert again["policy_arn"] == got["PolicyARN"]

    # change one attribute: check mode first, then for real
    changed = dict(OUT, estimated_instance_warmup=120)
    r = run(ansible, changed, check=True, diff=True)
    assert r["changed"] and r["diff"]["before"]["estimated_instance_warmup"] == 300
    assert policies(aws)["nginx-scale-out"]["EstimatedInstanceWarmup"] == 300
    r, again = ansible.run_tasks([{"webfleet.aws.scaling_policy": changed}] * 2, diff=True)
    assert r["changed"] and r["diff"]["after"]["estimated_instance_warmup"] == 120
    assert not again["changed"]
    assert policies(aws)["nginx-scale-out"]["EstimatedInstanceWarmup"] == 120

    absent = {"name": "nginx-scale-out", "auto_scaling_group": GROUP, "state": "absent"}
    r = run(ansible, absent, check=True)
    assert r["changed"] and "nginx-scale-out" in policies(aws)
    r, again = ansible.run_tasks([{"webfleet.aws.scaling_policy": absent}] * 2)
    assert r["changed"] and not again["changed"] and not again.get("failed")
    assert policies(aws) == {}


def test_policy_arn_returned_on_create(aws, ansible) -> None:
    make_group(aws)
    r = run(ansible, OUT)
    assert r["policy_arn"] == policies(aws)["nginx-scale-out"]["PolicyARN"]


def test_linked_alarms_returned(aws, ansible) -> None:
    make_group(aws)
    created = run(ansible, OUT)
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="nginx-cpu-high", MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": GROUP}], Period=300, EvaluationPeriods=1, Threshold=80,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[created["policy_arn"]])
    r = run(ansible, OUT)
    assert not r["changed"]
    assert [a["alarm_name"] for a in r["scaling_policy"]["alarms"]] == ["nginx-cpu-high"], r["scaling_policy"]


def test_simple_and_target_tracking(aws, ansible) -> None:
    make_group(aws)
    simple = {"name": "simple", "auto_scaling_group": GROUP, "policy_type": "SimpleScaling", "scaling_adjustment": -1}
    tt = {"name": "cpu50", "auto_scaling_group": GROUP, "policy_type": "TargetTrackingScaling",
          "target_tracking": {"predefined_metric": "ASGAverageCPUUtilization", "target_value": 50}}
    steps = {"name": "steps", "auto_scaling_group": GROUP, "adjustment_type": "PercentChangeInCapacity",
             "min_adjustment_magnitude": 1,
             "step_adjustments": [{"upper_bound": -10, "scaling_adjustment": -20},
                                  {"lower_bound": -10, "upper_bound": 0, "scaling_adjustment": -10}]}
    tasks = [{"webfleet.aws.scaling_policy": a} for a in (simple, tt, steps)]
    first = ansible.run_tasks(tasks + tasks)
    assert [r["changed"] for r in first] == [True, True, True, False, False, False], first
    got = policies(aws)
    assert got["simple"]["ScalingAdjustment"] == -1
    assert got["cpu50"]["TargetTrackingConfiguration"]["TargetValue"] == 50.0
    assert len(got["steps"]["StepAdjustments"]) == 2
    r = run(ansible, dict(tt, target_tracking=dict(tt["target_tracking"], target_value=60)), diff=True)
    assert r["changed"] and r["diff"]["after"]["target_tracking"]["target_value"] == 60.0
    assert policies(aws)["cpu50"]["TargetTrackingConfiguration"]["TargetValue"] == 60.0


BAD = [
    ("unknown_group", {"auto_scaling_group": "no-such-asg"}, "auto_scaling_group",
     "no Auto Scaling group named 'no-such-asg'"),
    ("steps_overlap", {"step_adjustments": [{"upper_bound": 10, "scaling_adjustment": 1},
                                            {"lower_bound": 5, "scaling_adjustment": 2}]},
     "step_adjustments[1].lower_bound", "(5.0) overlaps step_adjustments[0].upper_bound (10.0)"),
    ("steps_unsorted", {"step_adjustments": [{"lower_bound": 10, "scaling_adjustment": 2},
                                             {"lower_bound": 0, "upper_bound": 10, "scaling_adjustment": 1}]},
     "step_adjustments[0].upper_bound", "only the last step may have no upper bound"),
    ("steps_gap", {"step_adjustments": [{"lower_bound": 0, "upper_bound": 10, "scaling_adjustment": 1},
                                        {"lower_bound": 20, "scaling_adjustment": 2}]},
     "step_adjustments[1].lower_bound", "(20.0) is not next to step_adjustments[0].upper_bound"),
    ("adjustment_type_unknown", {"adjustment_type": "AddOne"}, "adjustment_type",
     "must be one of: ChangeInCapacity, ExactCapacity, PercentChangeInCapacity, got: AddOne"),
    ("simple_without_adjustment", {"policy_type": "SimpleScaling", "step_adjustments": None}, "scaling_adjustment",
     "is required for policy_type SimpleScaling"),
    ("negative_warmup", {"estimated_instance_warmup": -5}, "estimated_instance_warmup",
     "must be 0 or more seconds, got -5"),
    ("magnitude_without_percent", {"min_adjustment_magnitude": 2}, "min_adjustment_magnitude",
     "applies only with adjustment_type PercentChangeInCapacity"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws, tmp_path_factory) -> dict:
    """All bad-input cases in one playbook run (each task fails on its own), then the endpoint's policies."""
    local_aws.reset()
    make_group(local_aws)
    runner = AnsibleRunner(local_aws, tmp_path_factory.mktemp("bad_policy"))
    results = runner.run_tasks([{"webfleet.aws.scaling_policy": {**OUT, **extra}} for _, extra, _, _ in BAD])
    groups = local_aws.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    return {"results": dict(zip([b[0] for b in BAD], results)), "policies": policies(local_aws),
            "groups": [g["AutoScalingGroupName"] for g in groups]}


@pytest.mark.parametrize("case,extra,param,needle", BAD, ids=[b[0] for b in BAD])
def test_bad_input(bad_results, case, extra, param, needle) -> None:
    assert_refused(bad_results["results"][case], param, needle, by_ansible=case == "adjustment_type_unknown")
    assert bad_results["policies"] == {} and bad_results["groups"] == [GROUP]


def test_faults(aws, ansible_faulty) -> None:
    make_group(aws)
    down = {"name": "nginx-scale-in", "auto_scaling_group": GROUP,
            "step_adjustments": [{"upper_bound": 0, "scaling_adjustment": -1}]}
    results = ansible_faulty.run_tasks([{"webfleet.aws.scaling_policy": a} for a in (OUT, down, OUT, down)])
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, True, False, False]
    got = policies(aws)
    assert set(got) == {"nginx-scale-out", "nginx-scale-in"}
    assert got["nginx-scale-in"]["StepAdjustments"] == [{"MetricIntervalUpperBound": 0.0, "ScalingAdjustment": -1}]
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_unknown_group_check_mode(aws, ansible) -> None:
    """Check mode makes no PutScalingPolicy that would refuse the group: the group is looked up instead."""
    r = run(ansible, dict(OUT, auto_scaling_group="no-such-asg"), check=True)
    assert_refused(r, "auto_scaling_group", "no Auto Scaling group named 'no-such-asg'")
