"""autoscaling_group_info through Ansible against the local endpoint."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from harness import assert_refused

INFO = "webfleet.aws.autoscaling_group_info"


def make_group(aws: Any, name: str = "nginx-asg", desired: int = 1) -> None:
    ec2, asg = aws.client("ec2"), aws.client("autoscaling")
    image = aws.register_image()
    ec2.create_launch_template(LaunchTemplateName=f"{name}-lt",
                               LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"})
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    asg.create_auto_scaling_group(AutoScalingGroupName=name, MinSize=0, MaxSize=3, DesiredCapacity=desired,
                                  LaunchTemplate={"LaunchTemplateName": f"{name}-lt", "Version": "$Latest"},
                                  VPCZoneIdentifier=",".join(subnets))


def test_reads_the_group_and_its_instances(aws, ansible):
    make_group(aws, desired=2)
    res = ansible.module("autoscaling_group_info", name="nginx-asg", activities=5)
    assert not res.get("failed"), res
    assert res["exists"] and not res["changed"]
    group = res["auto_scaling_group"]
    assert group["auto_scaling_group_name"] == "nginx-asg" and group["desired_capacity"] == 2
    assert len(group["instances"]) == 2 and res["in_service"] == 2
    assert all(i["instance_id"].startswith("i-") and i["lifecycle_state"] == "InService" for i in group["instances"])
    assert res["activities"] and all("description" in a for a in res["activities"])
    assert res["waited"] == 0


def test_returns_the_tags_as_a_list(aws, ansible):
    # deploy.yml reads its note of the capacity it added from them (issue 10, item 6)
    make_group(aws)
    aws.client("autoscaling").create_or_update_tags(Tags=[
        {"ResourceId": "nginx-asg", "ResourceType": "auto-scaling-group", "Key": "Role", "Value": "web",
         "PropagateAtLaunch": True},
        {"ResourceId": "nginx-asg", "ResourceType": "auto-scaling-group", "Key": "webfleet:deploy-added-capacity",
         "Value": "1", "PropagateAtLaunch": False}])
    res = ansible.module("autoscaling_group_info", name="nginx-asg")
    assert not res.get("failed"), res
    tags = {t["key"]: (t["value"], t["propagate_at_launch"]) for t in res["auto_scaling_group"]["tags"]}
    assert tags == {"Role": ("web", True), "webfleet:deploy-added-capacity": ("1", False)}


def test_missing_group_fails_naming_it_unless_not_required(aws, ansible):
    missing = ansible.module("autoscaling_group_info", name="nosuch-asg")
    assert_refused(missing, "name", "nosuch-asg")
    optional = ansible.module("autoscaling_group_info", name="nosuch-asg", required=False)
    assert not optional.get("failed") and optional["exists"] is False and optional["auto_scaling_group"] == {}


def test_waits_until_the_group_reaches_the_wanted_size(aws, ansible):
    make_group(aws, desired=1)
    asg = aws.client("autoscaling")

    def grow_later() -> None:
        time.sleep(10)  # after the module's first read, also when a loaded machine starts it slowly
        asg.set_desired_capacity(AutoScalingGroupName="nginx-asg", DesiredCapacity=2)

    thread = threading.Thread(target=grow_later)
    thread.start()
    try:
        res = ansible.module("autoscaling_group_info", name="nginx-asg",
                             wait_for={"desired_capacity": 2, "in_service": 2}, wait_timeout=60)
    finally:
        thread.join()
    assert not res.get("failed"), res
    assert res["auto_scaling_group"]["desired_capacity"] == 2 and res["in_service"] == 2
    assert res["waited"] >= 2


def test_wait_timeout_says_what_it_waited_for(aws, ansible):
    make_group(aws, desired=1)
    res = ansible.module("autoscaling_group_info", name="nginx-asg", wait_for={"in_service": 3}, wait_timeout=3)
    assert res["failed"] and "nginx-asg" in res["msg"] and "in_service" in res["msg"]


@pytest.mark.parametrize("args, param, words", [
    ({"name": " "}, "name", "must be the group's name"),
    ({"name": "nginx-asg", "activities": -1}, "activities", "must be 0 to 100"),
    ({"name": "nginx-asg", "wait_for": {"in_service": -1}}, "wait_for.in_service", "must be 0 or more"),
    ({"name": "nginx-asg", "wait_timeout": -5}, "wait_timeout", "must be 0 or more seconds"),
])
def test_bad_input_names_the_parameter(aws, ansible, args, param, words):
    assert_refused(ansible.module("autoscaling_group_info", **args), param, words)


def test_faults(aws, ansible_faulty):
    make_group(aws, desired=1)
    res = ansible_faulty.run_tasks([{INFO: {"name": "nginx-asg", "activities": 2}}] * 2)
    assert all(not r.get("failed") and not r["changed"] for r in res), res
    assert res[0]["in_service"] == res[1]["in_service"] == 1
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
