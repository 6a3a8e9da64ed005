"""verify.yml finds drift (issue 13, item 10): infra.yml builds the AWS side on a fresh endpoint,
verify.yml passes its drift check, then three resources are changed behind its back with boto3 --
the load balancer's health check (interval and target), the cpu-high alarm's threshold and a rule
added to the instances' security group. verify.yml must fail naming exactly those three resources,
its --diff must show the values that moved, and after infra.yml verify's drift check passes again.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fleet import SPEC, Endpoint, local_inventory, playbook, run, security_group

pytestmark = pytest.mark.e2e

DRIFT_LIST = re.compile(r"these differ from the SPEC's values: (.*?)\. Run verify\.yml with --diff", re.S)
IN_SYNC = re.compile(r"(\d+) resources as the SPEC says")


def drifted(output: str) -> set[str]:
    """The resources verify.yml's drift assertion names (empty when it passed)."""
    found = DRIFT_LIST.search(output)
    if not found:
        assert IN_SYNC.search(output), f"verify.yml's drift check did not run:\n{output[-6000:]}"
        return set()
    return {name.strip() for name in re.sub(r"\s+", " ", found.group(1)).split(",")}


def diff_line(sign: str, key: str, value: object) -> str:
    """A line of the --diff output, results as JSON ("key": "value",) or YAML (key: value), maybe a list item."""
    v = re.escape(str(value))
    return rf'^{re.escape(sign)}\s+(-\s+)?"?{key}"?: "?{v}"?,?$'


def change_behind_verifys_back(aws: Endpoint) -> None:
    """The health check's interval and target, the cpu-high threshold, an extra instance SG rule."""
    hc = SPEC["webfleet_lb_health_check"]
    aws.client("elb").configure_health_check(LoadBalancerName=SPEC["webfleet_lb_name"], HealthCheck={
        "Target": "TCP:80", "Interval": hc["interval"] + 7, "Timeout": hc["timeout"],
        "UnhealthyThreshold": hc["unhealthy_threshold"], "HealthyThreshold": hc["healthy_threshold"]})
    cw = aws.client("cloudwatch")
    (alarm,) = cw.describe_alarms(AlarmNames=[SPEC["webfleet_cpu_high_alarm"]])["MetricAlarms"]
    keep = ("AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
            "ComparisonOperator", "AlarmActions", "OKActions", "InsufficientDataActions", "ActionsEnabled",
            "AlarmDescription", "TreatMissingData")
    cw.put_metric_alarm(**{k: alarm[k] for k in keep if k in alarm}, Threshold=91.0)
    sg = security_group(aws, SPEC["webfleet_instance_security_group"])
    assert sg
    aws.client("ec2").authorize_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8081, "ToPort": 8081, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])


def test_verify_names_what_drifted(aws: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # results as JSON: a message on one line as the playbook wrote it (YAML wraps it and doubles quotes)
    monkeypatch.setenv("ANSIBLE_CALLBACK_RESULT_FORMAT", "json")
    inventory = local_inventory(aws, tmp_path)
    playbook(aws, tmp_path, "infra.yml")
    before = run(aws, tmp_path, "playbooks/verify.yml", inventory=inventory)
    assert before.rc == 0 and drifted(before.output) == set(), before.output[-6000:]

    change_behind_verifys_back(aws)
    after = run(aws, tmp_path, "playbooks/verify.yml", "--diff", inventory=inventory)
    assert after.rc != 0, after.output[-6000:]
    assert drifted(after.output) == {
        f"load balancer {SPEC['webfleet_lb_name']}", f"alarm {SPEC['webfleet_cpu_high_alarm']}",
        f"security group {SPEC['webfleet_instance_security_group']}"}, after.output[-6000:]
    # --diff shows each value that moved: what the endpoint holds (-) and the SPEC's value (+)
    hc = SPEC["webfleet_lb_health_check"]
    for sign, key, value in (("-", "target", "TCP:80"), ("+", "target", hc["target"]),
                             ("-", "interval", hc["interval"] + 7), ("+", "interval", hc["interval"]),
                             ("-", "threshold", 91.0), ("+", "threshold", float(SPEC["webfleet_cpu_high_threshold"])),
                             ("-", "cidr_ip", "10.9.0.0/16"), ("-", "from_port", 8081)):
        assert re.search(diff_line(sign, key, value), after.output, re.M), (sign, key, value, after.output[-6000:])
    assert "Verify | Summary" not in after.output  # the play stopped at the drift check

    playbook(aws, tmp_path, "infra.yml")
    repaired = run(aws, tmp_path, "playbooks/verify.yml", inventory=inventory)
    assert repaired.rc == 0 and drifted(repaired.output) == set(), repaired.output[-6000:]
