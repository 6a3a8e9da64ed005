"""launch_config through Ansible against the local endpoint."""
from __future__ import annotations

import re
from typing import Any

import pytest
from harness import assert_refused

PREFIX = "nginx-lc"


def lcs(aws: Any) -> list[str]:
    return sorted(lc["LaunchConfigurationName"]
                  for lc in aws.client("autoscaling").describe_launch_configurations()["LaunchConfigurations"])


def task(**params: Any) -> dict[str, Any]:
    return {"webfleet.aws.launch_config": params}


def args(aws: Any, **over: Any) -> dict[str, Any]:
    base = {"name_prefix": PREFIX, "image_id": aws.register_image(), "security_groups": [aws.security_group()],
            "user_data": "#!/bin/bash\nsystemctl start nginx\n",
            "block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3"}]}
    base.update(over)
    return base


def test_lifecycle(aws: Any, ansible: Any) -> None:
    a = args(aws)
    asg = aws.client("autoscaling")
    (r,) = ansible.run_tasks([task(**a)], check=True, diff=True)
    assert r["changed"] and re.match(r"^nginx-lc-[0-9a-f]{10}$", r["name"]), r.get("msg")
    assert lcs(aws) == []

    r1, r2 = ansible.run_tasks([task(**a), task(**a)])
    assert r1["changed"] and r1["name"] == r["name"], r1.get("msg")
    assert not r2["changed"] and r2["name"] == r1["name"]
    assert lcs(aws) == [r1["name"]]
    lc = asg.describe_launch_configurations()["LaunchConfigurations"][0]
    assert lc["InstanceMonitoring"] == {"Enabled": True}
    assert lc["MetadataOptions"]["HttpTokens"] == "required"
    assert lc["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert r1["launch_configuration"]["instance_type"] == "t3.micro"

    # a group uses the first one; a changed definition makes a new one and keeps the used one
    asg.create_auto_scaling_group(AutoScalingGroupName="nginx-asg", LaunchConfigurationName=r1["name"],
                                  MinSize=0, MaxSize=1, DesiredCapacity=0, AvailabilityZones=["us-east-1a"])
    changed = dict(a, instance_type="t3.small")
    (c,) = ansible.run_tasks([task(**changed)], check=True, diff=True)
    assert c["changed"] and c["name"] != r1["name"] and lcs(aws) == [r1["name"]]
    (u,) = ansible.run_tasks([task(**changed)], diff=True)
    assert u["changed"] and u["diff"]["after"]["current"] == u["name"] and u["diff"]["before"]["current"] is None
    assert u["in_use"] == {r1["name"]: ["nginx-asg"]} and u["deleted"] == []
    assert lcs(aws) == sorted([r1["name"], u["name"]])

    # the group moves: the old one is cleaned up on the next run
    asg.update_auto_scaling_group(AutoScalingGroupName="nginx-asg", LaunchConfigurationName=u["name"])
    (again,) = ansible.run_tasks([task(**changed)])
    assert again["changed"] and again["deleted"] == [r1["name"]], again
    assert lcs(aws) == [u["name"]]

    # absent: the one in use stays (and is reported); check mode changes nothing
    (d,) = ansible.run_tasks([task(name_prefix=PREFIX, state="absent")], check=True)
    assert not d["changed"] and d["in_use"] == {u["name"]: ["nginx-asg"]}, d
    asg.delete_auto_scaling_group(AutoScalingGroupName="nginx-asg", ForceDelete=True)
    (chk,) = ansible.run_tasks([task(name_prefix=PREFIX, state="absent")], check=True)
    assert chk["changed"] and chk["deleted"] == [u["name"]] and lcs(aws) == [u["name"]]
    d1, d2 = ansible.run_tasks([task(name_prefix=PREFIX, state="absent")] * 2)
    assert d1["changed"] and d1["deleted"] == [u["name"]], d1
    assert not d2["changed"] and not d2.get("failed")
    assert lcs(aws) == []


def test_other_prefixes_untouched(aws: Any, ansible: Any) -> None:
    a = args(aws)
    asg = aws.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="nginx-lc-manual", ImageId=a["image_id"],
                                    InstanceType="t3.micro")
    asg.create_launch_configuration(LaunchConfigurationName="nginx-lc-extra-0123456789", ImageId=a["image_id"],
                                    InstanceType="t3.micro")
    r1, r2 = ansible.run_tasks([task(**a), task(name_prefix=PREFIX, state="absent")])
    assert r1["changed"] and r2["deleted"] == [r1["name"]]
    assert lcs(aws) == ["nginx-lc-extra-0123456789", "nginx-lc-manual"]


BAD = [
    ({"image_id": None}, "image_id", "state is present but all of the following are missing: image_id"),
    ({"image_id": "ami-12345678"}, "image_id", "ami-12345678 not found in region us-east-1"),
    ({"instance_type": "large"}, "instance_type", "'large' is not an instance type"),
    ({"security_groups": ["sg-0123456789abcdef0"]}, "security_groups",
     "sg-0123456789abcdef0 not found in region us-east-1"),
    ({"security_groups": ["no-such-group"]}, "security_groups", "no-such-group not found in region us-east-1"),
    ({"key_name": "no-such-key"}, "key_name", "no-such-key not found in region us-east-1"),
    ({"metadata_options": {"http_put_response_hop_limit": 99}}, "metadata_options.http_put_response_hop_limit",
     "must be 1 to 64, got 99"),
    ({"block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": -1}]},
     "block_device_mappings[0].volume_size",
     "must be at least 1 (GiB), got -1"),
    ({"name_prefix": "bad prefix!"}, "name_prefix", "must be 1-200 letters, digits or _+=,.@- characters"),
]


@pytest.mark.parametrize(("over", "param", "words"), BAD, ids=[f"{b[1]}{i}" for i, b in enumerate(BAD)])
def test_bad_input(aws: Any, ansible: Any, over: dict[str, Any], param: str, words: str) -> None:
    a = {k: v for k, v in args(aws, **over).items() if v is not None}
    (r,) = ansible.run_tasks([task(**a)])
    # a missing image_id is refused by the module's declared required_if, in Ansible's words
    assert_refused(r, param, words, by_ansible=words.startswith("state is present but"))
    assert lcs(aws) == []


def test_faults(aws: Any, ansible_faulty: Any) -> None:
    a = args(aws)
    r = ansible_faulty.run_tasks([task(**a), task(**a), task(**dict(a, instance_type="t3.small")),
                                  task(name_prefix=PREFIX, state="absent"), task(name_prefix=PREFIX, state="absent")])
    assert [x["changed"] for x in r] == [True, False, True, True, False], [x.get("msg") for x in r]
    assert r[2]["deleted"] == [r[0]["name"]]
    assert lcs(aws) == []
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
