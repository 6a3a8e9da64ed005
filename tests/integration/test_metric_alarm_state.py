# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""webfleet.aws.metric_alarm_state through Ansible against the local endpoint."""
from __future__ import annotations

from typing import Any

import pytest
from harness import AnsibleRunner, assert_refused, module_task

MOD = "webfleet.aws.metric_alarm_state"
GROUP = "nginx-asg"


def task(check: bool = False, **args: Any) -> dict[str, Any]:
    return module_task(MOD, check, **args)


def put_alarm(aws: Any, name: str, operator: str, threshold: float, actions: list[str] | None = None,
              enabled: bool = True) -> None:
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average", Period=300,
        EvaluationPeriods=1, Threshold=threshold, ComparisonOperator=operator, ActionsEnabled=enabled,
        Dimensions=[{"Name": "AutoScalingGroupName", "Value": GROUP}], AlarmActions=actions or [])


def alarm(aws: Any, name: str) -> dict[str, Any]:
    return aws.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def group(aws: Any) -> dict[str, Any]:
    return aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]


def test_set_state_check_rerun_force(ansible: AnsibleRunner, aws: Any) -> None:
    put_alarm(aws, "nginx-cpu-high", "GreaterThanOrEqualToThreshold", 80)
    assert alarm(aws, "nginx-cpu-high")["StateValue"] == "INSUFFICIENT_DATA"
    to_alarm = dict(name="nginx-cpu-high", state_value="ALARM", reason="scale check",
                    reason_data='{"recentDatapoints": [95.0]}')

    check = ansible.run_tasks([task(check=True, **to_alarm)])[0]
    assert check["changed"] is True and check["state_changed"] is True and not check.get("failed"), check
    assert check["diff"]["before"]["state_value"] == "INSUFFICIENT_DATA"
    assert check["diff"]["after"] == {"alarm_name": "nginx-cpu-high", "state_value": "ALARM",
                                      "state_reason": "scale check"}
    assert check["alarm"]["state_value"] == "ALARM" and check["previous"]["state_value"] == "INSUFFICIENT_DATA"
    assert alarm(aws, "nginx-cpu-high")["StateValue"] == "INSUFFICIENT_DATA"

    first, rerun, other_reason, forced = ansible.run_tasks([
        task(**to_alarm), task(**to_alarm), task(**dict(to_alarm, reason="again")),
        task(**dict(to_alarm, reason="forced", force=True)),
    ])
    assert first["changed"] is True and first["state_changed"] is True, first
    assert first["previous"]["state_value"] == "INSUFFICIENT_DATA"
    assert first["alarm"]["state_value"] == "ALARM" and first["alarm"]["state_reason"] == "scale check"
    assert first["alarm"]["state_reason_data"] == '{"recentDatapoints": [95.0]}'
    assert first["alarm"]["alarm_arn"] == alarm(aws, "nginx-cpu-high")["AlarmArn"]
    assert rerun["changed"] is False and rerun["diff"]["before"] == rerun["diff"]["after"], rerun
    assert other_reason["changed"] is False  # same state: only force sets it again
    assert forced["changed"] is True and forced["state_changed"] is False
    assert forced["diff"]["before"]["state_reason"] == "scale check"
    assert forced["diff"]["after"]["state_reason"] == "forced"
    got = alarm(aws, "nginx-cpu-high")
    assert got["StateValue"] == "ALARM" and got["StateReason"] == "forced"

    # the default reason, and back to OK
    ok = ansible.run_tasks([task(name="nginx-cpu-high", state_value="OK")])[0]
    assert ok["changed"] is True and ok["previous"]["state_value"] == "ALARM"
    got = alarm(aws, "nginx-cpu-high")
    assert got["StateValue"] == "OK" and got["StateReason"] == "set by webfleet.aws.metric_alarm_state"


def test_actions_disabled_warns(ansible: AnsibleRunner, aws: Any) -> None:
    put_alarm(aws, "quiet", "GreaterThanOrEqualToThreshold", 80, enabled=False)
    res = ansible.run_tasks([task(name="quiet", state_value="ALARM")])[0]
    assert res["changed"] is True and res["alarm"]["actions_enabled"] is False
    assert any("actions disabled" in w for w in res.get("warnings", [])), res


def scaling_setup(aws: Any) -> tuple[str, str]:
    """SPEC section 5/6 on the endpoint: group min 1 / max 3 / desired 1, the two step policies of
    playbooks/infra.yml and the cpu-high / cpu-low alarms pointing at them."""
    image = aws.register_image()
    asg = aws.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="nginx-lc", ImageId=image, InstanceType="t3.micro")
    asg.create_auto_scaling_group(AutoScalingGroupName=GROUP, LaunchConfigurationName="nginx-lc", MinSize=1,
                                  MaxSize=3, DesiredCapacity=1, AvailabilityZones=["us-east-1a", "us-east-1b"])
    # no warm-up here (infra.yml: 300 s), so the scale-in right after the scale-out is not held back
    # (the warm-up's hold: tests/endpoint/test_metrics.py)
    out = asg.put_scaling_policy(AutoScalingGroupName=GROUP, PolicyName="nginx-scale-out", PolicyType="StepScaling",
                                 AdjustmentType="ChangeInCapacity", EstimatedInstanceWarmup=0,
                                 StepAdjustments=[{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}])
    in_ = asg.put_scaling_policy(AutoScalingGroupName=GROUP, PolicyName="nginx-scale-in", PolicyType="StepScaling",
                                 AdjustmentType="ChangeInCapacity", EstimatedInstanceWarmup=300,
                                 StepAdjustments=[{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}])
    put_alarm(aws, "nginx-cpu-high", "GreaterThanOrEqualToThreshold", 80, [out["PolicyARN"]])
    put_alarm(aws, "nginx-cpu-low", "LessThanOrEqualToThreshold", 20, [in_["PolicyARN"]])
    return out["PolicyARN"], in_["PolicyARN"]


def test_alarms_drive_the_group_out_and_back(ansible: AnsibleRunner, aws: Any) -> None:
    scaling_setup(aws)
    assert group(aws)["DesiredCapacity"] == 1
    high = dict(name="nginx-cpu-high", state_value="ALARM", reason="scale check: CPU busy")
    check, up, again, forced = ansible.run_tasks([task(check=True, **high), task(**high), task(**high),
                                                  task(**dict(high, force=True))])
    assert check["changed"] is True and not check.get("failed"), check
    assert up["changed"] is True and up["state_changed"] is True, up
    # a rerun changes nothing, and forcing the same state runs no action (AWS acts on a change only)
    assert again["changed"] is False and forced["changed"] is True and forced["state_changed"] is False
    g = group(aws)
    assert g["DesiredCapacity"] == 2 and len(g["Instances"]) == 2, g

    # the low alarm brings it back (the high one goes back to OK first, as AWS's next evaluation would)
    calm, low = ansible.run_tasks([task(name="nginx-cpu-high", state_value="OK"),
                                   task(name="nginx-cpu-low", state_value="ALARM", reason="scale check: CPU idle")])
    assert calm["changed"] is True and low["changed"] is True, low
    g = group(aws)
    assert g["DesiredCapacity"] == 1 and len(g["Instances"]) == 1, g
    activities = aws.client("autoscaling").describe_scaling_activities(AutoScalingGroupName=GROUP)["Activities"]
    causes = " ".join(a["Cause"] for a in activities)
    assert "nginx-cpu-high" in causes and "nginx-cpu-low" in causes


# -- bad input ------------------------------------------------------------------------------------------
EARLY = [  # (case, args, parameter, words): fail before any API call
    ("unknown-state-value", {"name": "nginx-cpu-high", "state_value": "FIRING"}, "state_value",
     "must be one of: OK, ALARM, INSUFFICIENT_DATA, got: FIRING"),
    ("reason-data-not-json", {"name": "nginx-cpu-high", "state_value": "ALARM", "reason_data": "{cpu: 95"},
     "reason_data", "is not valid JSON"),
    ("reason-data-too-long", {"name": "nginx-cpu-high", "state_value": "ALARM",
                              "reason_data": '{"x": "' + "a" * 4000 + '"}'}, "reason_data",
     "must be at most 4000 characters (got 4009)"),
    ("reason-too-long", {"name": "nginx-cpu-high", "state_value": "ALARM", "reason": "r" * 1024}, "reason",
     "must be at most 1023 characters (got 1024)"),
    ("name-too-long", {"name": "n" * 256, "state_value": "ALARM"}, "name", "must be 1 to 255 characters"),
    ("name-empty", {"name": "", "state_value": "ALARM"}, "name", "must be 1 to 255 characters"),
]
LOOKUP = [
    ("unknown-alarm", {"name": "no-such-alarm", "state_value": "ALARM"}, "name",
     "no CloudWatch alarm 'no-such-alarm' in this region"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    local_aws.reset()
    put_alarm(local_aws, "nginx-cpu-high", "GreaterThanOrEqualToThreshold", 80)
    tmp = tmp_path_factory.mktemp("alarm_state_bad")
    runner = AnsibleRunner(local_aws, tmp)
    early = runner.run_tasks([{MOD: args} for _, args, _, _ in EARLY],
                             extra_env={"WEBFLEET_API_LOG": str(tmp / "early.log")})
    lookup = runner.run_tasks([{MOD: args} for _, args, _, _ in LOOKUP],
                              extra_env={"WEBFLEET_API_LOG": str(tmp / "lookup.log")})
    logs = {n: (tmp / f"{n}.log").read_text().split()[1::2] if (tmp / f"{n}.log").exists() else []
            for n in ("early", "lookup")}
    return {"results": dict(zip([c[0] for c in EARLY + LOOKUP], early + lookup)), "logs": logs,
            "state": alarm(local_aws, "nginx-cpu-high")["StateValue"]}


@pytest.mark.parametrize(("case", "param", "words"), [(c[0], c[2], c[3]) for c in EARLY + LOOKUP],
                         ids=[c[0] for c in EARLY + LOOKUP])
def test_bad_input(bad_results: dict[str, Any], case: str, param: str, words: str) -> None:
    assert_refused(bad_results["results"][case], param, words, by_ansible=case == "unknown-state-value")


def test_bad_input_calls_nothing_first_and_changes_nothing(bad_results: dict[str, Any]) -> None:
    assert bad_results["logs"]["early"] == []
    assert bad_results["logs"]["lookup"] == ["DescribeAlarms"]
    assert bad_results["state"] == "INSUFFICIENT_DATA"


# -- faults -------------------------------------------------------------------------------------------------
def test_converges_under_faults(ansible_faulty: AnsibleRunner, aws: Any) -> None:
    scaling_setup(aws)
    results = ansible_faulty.run_tasks([
        task(name="nginx-cpu-high", state_value="ALARM"),
        task(name="nginx-cpu-high", state_value="ALARM"),
        task(name="nginx-cpu-low", state_value="OK"),
        task(name="nginx-cpu-low", state_value="OK"),
    ])
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, False, True, False]
    assert alarm(aws, "nginx-cpu-high")["StateValue"] == "ALARM" and alarm(aws, "nginx-cpu-low")["StateValue"] == "OK"
    assert group(aws)["DesiredCapacity"] == 2  # the ALARM transition ran its policy exactly once
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
