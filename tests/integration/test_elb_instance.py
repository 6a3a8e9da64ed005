# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""webfleet.aws.elb_instance through Ansible against the local endpoint."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import AnsibleRunner, assert_refused, module_task

MOD = "webfleet.aws.elb_instance"
LBS = ["nginx-lb", "other-lb"]
UNKNOWN_INSTANCE = "i-0123456789abcdef0"


def task(check: bool = False, **args: Any) -> dict[str, Any]:
    return module_task(MOD, check, **args)


def setup_fleet(aws: Any, count: int = 2) -> list[str]:
    """Two classic LBs in the default VPC's subnets and ``count`` running instances (stand-in image)."""
    ec2 = aws.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    subnet_ids = [s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])[:2]]
    for name in LBS:
        aws.client("elb").create_load_balancer(
            LoadBalancerName=name, Subnets=subnet_ids,
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}])
    image = aws.register_image()
    started = ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType="t3.micro",
                                SubnetId=subnet_ids[0])["Instances"]
    return sorted(i["InstanceId"] for i in started)


def members(aws: Any) -> dict[str, list[str]]:
    found = aws.client("elb").describe_load_balancers()["LoadBalancerDescriptions"]
    return {d["LoadBalancerName"]: sorted(i["InstanceId"] for i in d["Instances"]) for d in found}


def test_register_deregister_and_put_back(ansible: AnsibleRunner, aws: Any) -> None:
    i1, i2 = setup_fleet(aws)
    aws.client("elb").register_instances_with_load_balancer(LoadBalancerName="nginx-lb",
                                                            Instances=[{"InstanceId": i2}])
    present = dict(instance_id=i1, load_balancers=["other-lb", "nginx-lb", "nginx-lb"], wait_timeout=60)

    check = ansible.run_tasks([task(check=True, **present)])[0]
    assert check["changed"] is True and not check.get("failed"), check
    assert check["diff"] == {"before": {"instance_id": i1, "load_balancers": []},
                             "after": {"instance_id": i1, "load_balancers": LBS}}
    assert check["waited"] == 0.0
    assert members(aws) == {"nginx-lb": [i2], "other-lb": []}

    reg, rerun = ansible.run_tasks([task(**present), task(**present)])
    assert reg["changed"] is True and not reg.get("failed"), reg
    assert reg["load_balancers"] == LBS and isinstance(reg["waited"], float)
    assert reg["instance_health"] == {lb: {"state": "InService", "reason_code": "N/A", "description": "N/A"}
                                      for lb in LBS}
    assert rerun["changed"] is False and rerun["diff"]["before"] == rerun["diff"]["after"], rerun
    assert members(aws) == {"nginx-lb": sorted([i1, i2]), "other-lb": [i1]}

    # take it out of every LB it is in (load_balancers unset): check mode first
    check_out = ansible.run_tasks([task(check=True, instance_id=i1, state="absent")])[0]
    assert check_out["changed"] is True and check_out["load_balancers"] == LBS
    assert check_out["diff"]["before"]["load_balancers"] == LBS and check_out["diff"]["after"]["load_balancers"] == []
    assert members(aws) == {"nginx-lb": sorted([i1, i2]), "other-lb": [i1]}

    out, out_again = ansible.run_tasks([task(instance_id=i1, state="absent", wait_timeout=60),
                                        task(instance_id=i1, state="absent")])
    assert out["changed"] is True and out["load_balancers"] == LBS, out
    assert out["instance_health"] == {lb: {"state": None, "reason_code": None, "description": None} for lb in LBS}
    assert isinstance(out["waited"], float)
    assert out_again["changed"] is False and out_again["load_balancers"] == [], out_again
    assert members(aws) == {"nginx-lb": [i2], "other-lb": []}  # the other instance stays

    # put it back into exactly the LBs the absent task reported, as deploy.yml does
    back, named_absent_noop = ansible.run_tasks([
        task(instance_id=i1, load_balancers=out["load_balancers"]),
        task(instance_id=i2, load_balancers=["other-lb"], state="absent"),
    ])
    assert back["changed"] is True and back["diff"]["after"]["load_balancers"] == LBS, back
    assert named_absent_noop["changed"] is False and named_absent_noop["load_balancers"] == []
    assert members(aws) == {"nginx-lb": sorted([i1, i2]), "other-lb": [i1]}

    # an empty list names no load balancer: nothing to do (an instance that was in none)
    nothing = ansible.run_tasks([task(instance_id=i1, load_balancers=[])])[0]
    assert nothing["changed"] is False and not nothing.get("failed") and nothing["load_balancers"] == [], nothing


def test_rerun_only_reads(ansible: AnsibleRunner, aws: Any, tmp_path: Path) -> None:
    (i1,) = setup_fleet(aws, count=1)
    assert ansible.run_tasks([task(instance_id=i1, load_balancers=LBS)])[0]["changed"] is True
    log = tmp_path / "api.log"
    again, gone = ansible.run_tasks([task(instance_id=i1, load_balancers=LBS),
                                     task(instance_id=i1, load_balancers=["nginx-lb"], state="absent", wait=False)],
                                    extra_env={"WEBFLEET_API_LOG": str(log)})
    assert again["changed"] is False and gone["changed"] is True
    ops = [line.split()[1] for line in log.read_text().splitlines() if line]
    assert [op for op in ops if not op.startswith("Describe")] == ["DeregisterInstancesFromLoadBalancer"]
    assert members(aws) == {"nginx-lb": [], "other-lb": [i1]}


def test_out_of_service_is_waited_for_and_timeout_explains(ansible: AnsibleRunner, aws: Any) -> None:
    (i1,) = setup_fleet(aws, count=1)
    elb = aws.client("elb")
    elb.register_instances_with_load_balancer(LoadBalancerName="nginx-lb", Instances=[{"InstanceId": i1}])
    elb.configure_health_check(LoadBalancerName="nginx-lb", HealthCheck={
        "Target": "HTTP:80/index.html", "Interval": 30, "Timeout": 5, "UnhealthyThreshold": 2,
        "HealthyThreshold": 10})
    aws.client("ec2").stop_instances(InstanceIds=[i1])  # the endpoint reports a stopped instance OutOfService
    waited, no_wait, checked = ansible.run_tasks([
        task(instance_id=i1, load_balancers=["nginx-lb"], wait_timeout=3),
        task(instance_id=i1, load_balancers=["nginx-lb"], wait=False),
        # check mode with nothing to change still waits (it only reads)
        task(check=True, instance_id=i1, load_balancers=["nginx-lb"], wait_timeout=3),
    ])
    assert checked.get("failed") is True and "OutOfService" in checked["msg"], checked
    assert waited.get("failed") is True and waited.get("changed") is False, waited
    msg = waited["msg"]
    for words in (i1, "'nginx-lb'", "OutOfService", "reason code N/A", "HTTP:80/index.html",
                  "security group", "web server", "wait_timeout"):
        assert words in msg, (words, msg)
    assert waited["load_balancer"] == "nginx-lb"
    assert waited["instance_health"]["nginx-lb"]["state"] == "OutOfService"
    # registered already: without wait nothing changes and the health is reported as it is
    assert no_wait["changed"] is False and not no_wait.get("failed"), no_wait
    assert no_wait["instance_health"]["nginx-lb"]["state"] == "OutOfService" and no_wait["waited"] == 0.0
    assert members(aws)["nginx-lb"] == [i1]


# -- bad input ------------------------------------------------------------------------------------------
# (case, args, parameter named, words in the message); these fail before any API call
EARLY = [
    ("bad-instance-id", {"instance_id": "web-1", "load_balancers": ["nginx-lb"]}, "instance_id",
     "'web-1' is not an EC2 instance id"),
    ("short-instance-id", {"instance_id": "i-123", "load_balancers": ["nginx-lb"]}, "instance_id",
     "'i-123' is not an EC2 instance id"),
    ("present-without-lbs", {"instance_id": UNKNOWN_INSTANCE}, "load_balancers",
     "is required with state=present"),
    ("bad-lb-name", {"instance_id": UNKNOWN_INSTANCE, "load_balancers": ["nginx-lb", "nginx_lb"]},
     "load_balancers[1]", "'nginx_lb' is not a classic load balancer name"),
    ("negative-wait-timeout", {"instance_id": UNKNOWN_INSTANCE, "load_balancers": ["nginx-lb"], "wait_timeout": -1},
     "wait_timeout", "must be 0 or more seconds (got -1)"),
    ("unknown-state", {"instance_id": UNKNOWN_INSTANCE, "state": "registered"}, "state",
     "must be one of: present, absent, got: registered"),
]
# these need a lookup first, and change nothing
LOOKUP = [
    ("unknown-instance", {"instance_id": UNKNOWN_INSTANCE, "load_balancers": ["nginx-lb"]}, "instance_id",
     f"no EC2 instance {UNKNOWN_INSTANCE} in this region"),
    ("unknown-instance-absent", {"instance_id": UNKNOWN_INSTANCE, "state": "absent"}, "instance_id",
     f"no EC2 instance {UNKNOWN_INSTANCE} in this region"),
    ("unknown-lb", {"load_balancers": ["nginx-lb", "no-such-lb"]}, "load_balancers",
     "no classic load balancer 'no-such-lb' in this region"),
    ("unknown-lb-absent", {"load_balancers": ["no-such-lb"], "state": "absent"}, "load_balancers",
     "no classic load balancer 'no-such-lb' in this region"),
    ("terminated-instance", {"load_balancers": ["nginx-lb"]}, "instance_id", "is terminated; it cannot be registered"),
]


@pytest.fixture(scope="module")
def bad_results(local_aws: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each group of bad inputs in one playbook run, with the API calls it made logged."""
    local_aws.reset()
    i1, i2 = setup_fleet(local_aws)
    local_aws.client("ec2").terminate_instances(InstanceIds=[i2])
    tmp = tmp_path_factory.mktemp("elb_instance_bad")
    runner = AnsibleRunner(local_aws, tmp)
    before = members(local_aws)
    early = runner.run_tasks([{MOD: args} for _, args, _, _ in EARLY],
                             extra_env={"WEBFLEET_API_LOG": str(tmp / "early.log")})
    ids = {"terminated-instance": i2}
    lookup = runner.run_tasks([{MOD: {"instance_id": ids.get(case, i1), **args}} for case, args, _, _ in LOOKUP],
                              extra_env={"WEBFLEET_API_LOG": str(tmp / "lookup.log")})
    logs = {name: (tmp / f"{name}.log").read_text().split() if (tmp / f"{name}.log").exists() else []
            for name in ("early", "lookup")}
    return {"results": dict(zip([c[0] for c in EARLY + LOOKUP], early + lookup)), "logs": logs,
            "before": before, "after": members(local_aws)}


@pytest.mark.parametrize(("case", "param", "words"), [(c[0], c[2], c[3]) for c in EARLY + LOOKUP],
                         ids=[c[0] for c in EARLY + LOOKUP])
def test_bad_input(bad_results: dict[str, Any], case: str, param: str, words: str) -> None:
    assert_refused(bad_results["results"][case], param, words, by_ansible=case == "unknown-state")


def test_bad_input_calls_nothing_first_and_changes_nothing(bad_results: dict[str, Any]) -> None:
    assert bad_results["logs"]["early"] == []  # validation before the first API call
    ops = bad_results["logs"]["lookup"][1::2]
    assert ops and all(op.startswith("Describe") for op in ops), ops
    assert bad_results["after"] == bad_results["before"]


# -- faults -------------------------------------------------------------------------------------------------
def test_converges_under_faults(ansible_faulty: AnsibleRunner, aws: Any) -> None:
    (i1,) = setup_fleet(aws, count=1)
    aws.client("elb").register_instances_with_load_balancer(LoadBalancerName="nginx-lb",
                                                            Instances=[{"InstanceId": i1}])
    results = ansible_faulty.run_tasks([
        task(instance_id=i1, state="absent", wait_timeout=60),
        task(instance_id=i1, state="absent", wait_timeout=60),
        task(instance_id=i1, load_balancers=LBS, wait_timeout=60),
        task(instance_id=i1, load_balancers=LBS, wait_timeout=60),
    ])
    assert not any(r.get("failed") for r in results), results
    assert [r["changed"] for r in results] == [True, False, True, False]
    assert results[0]["load_balancers"] == ["nginx-lb"]
    assert members(aws) == {"nginx-lb": [i1], "other-lb": [i1]}
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
