"""ec2_instance through Ansible against the local endpoint."""
from __future__ import annotations

import hashlib

import pytest
from harness import assert_refused

INST = "webfleet.aws.ec2_instance"


def base_image(ec2) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])
    return images["Images"][0]["ImageId"]


def live(ec2, name=None):
    filters = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
    if name:
        filters.append({"Name": "tag:Name", "Values": [name]})
    return [i for r in ec2.describe_instances(Filters=filters)["Reservations"] for i in r["Instances"]]


def setup_refs(ec2):
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]
    sg_a = ec2.create_security_group(GroupName="builder-a", Description="a", VpcId=subnet["VpcId"])["GroupId"]
    sg_b = ec2.create_security_group(GroupName="builder-b", Description="b", VpcId=subnet["VpcId"])["GroupId"]
    ec2.create_key_pair(KeyName="bake")
    return subnet["SubnetId"], sg_a, sg_b


def test_lifecycle(aws, ansible):
    ec2 = aws.client("ec2")
    subnet, sg_a, sg_b = setup_refs(ec2)
    script = "#!/bin/sh\necho secret-token > /tmp/x\n"
    args = {"name": "builder", "image_id": base_image(ec2), "subnet_id": subnet, "security_group_ids": [sg_a],
            "key_name": "bake", "user_data": script, "tags": {"Project": "webfleet"}}

    res = ansible.run_tasks([{INST: args}], check=True, diff=True)[0]
    assert res["changed"] and res["diff"]["before"] == {} and live(ec2) == []
    assert res["diff"]["after"]["user_data_sha256"] == hashlib.sha256(script.encode()).hexdigest()
    assert "secret-token" not in str(res["diff"])

    results = ansible.run_tasks([{INST: args}, {INST: args}], diff=True)
    assert [r["changed"] for r in results] == [True, False], results
    inst = results[0]["instance"]
    assert inst["instance_id"] == results[1]["instance_id"] and inst["state"]["name"] == "running"
    assert inst["private_ip_address"] and "public_ip_address" in inst and results[0]["waited"] >= 0
    assert inst["tags"] == {"Name": "builder", "Project": "webfleet"}
    assert inst["metadata_options"]["http_tokens"] == "required"
    assert "secret-token" not in str([r["diff"] for r in results]) + str(inst)
    [described] = live(ec2, "builder")
    assert described["InstanceType"] == "t3.micro" and described["KeyName"] == "bake"
    root = [m for m in described["BlockDeviceMappings"] if m["DeviceName"] == described["RootDeviceName"]]
    volume = ec2.describe_volumes(VolumeIds=[root[0]["Ebs"]["VolumeId"]])["Volumes"][0]
    assert volume["Encrypted"] is True

    # check mode update, then update security groups and tags
    changed = {**args, "security_group_ids": [sg_a, sg_b], "tags": {"Project": "webfleet", "Stage": "bake"}}
    res = ansible.run_tasks([{INST: changed}], check=True, diff=True)[0]
    assert res["changed"] and res["diff"]["after"]["security_group_ids"] == sorted([sg_a, sg_b])
    assert [g["GroupId"] for g in live(ec2, "builder")[0]["SecurityGroups"]] == [sg_a]
    results = ansible.run_tasks([{INST: changed}, {INST: changed}], diff=True)
    assert [r["changed"] for r in results] == [True, False], results
    assert results[0]["diff"]["before"]["security_group_ids"] == [sg_a]
    [described] = live(ec2, "builder")
    assert sorted(g["GroupId"] for g in described["SecurityGroups"]) == sorted([sg_a, sg_b])
    assert {t["Key"]: t["Value"] for t in described["Tags"]}["Stage"] == "bake"

    # check mode delete, delete, delete again
    res = ansible.run_tasks([{INST: {"name": "builder", "state": "absent"}}], check=True)[0]
    assert res["changed"] and res["instance_ids"] == [inst["instance_id"]] and len(live(ec2)) == 1
    results = ansible.run_tasks([{INST: {"name": "builder", "state": "absent"}}] * 2)
    assert [r["changed"] for r in results] == [True, False], results
    assert results[0]["instance_ids"] == [inst["instance_id"]] and live(ec2) == []
    state = ec2.describe_instances(InstanceIds=[inst["instance_id"]])["Reservations"][0]["Instances"][0]["State"]
    assert state["Name"] == "terminated"


def test_imdsv1_and_plain_volume_when_asked(aws, ansible):
    ec2 = aws.client("ec2")
    res = ansible.run_tasks([{INST: {"name": "legacy", "image_id": base_image(ec2), "http_tokens": "optional",
                                     "root_volume_encrypted": False, "root_volume_size": 12, "wait": False}}])[0]
    assert res["changed"] and not res.get("failed"), res
    assert res["instance"]["metadata_options"]["http_tokens"] == "optional"
    [described] = live(ec2, "legacy")
    root = [m for m in described["BlockDeviceMappings"] if m["DeviceName"] == described["RootDeviceName"]]
    volume = ec2.describe_volumes(VolumeIds=[root[0]["Ebs"]["VolumeId"]])["Volumes"][0]
    assert volume["Encrypted"] is False and volume["Size"] == 12


BAD = [
    ({"name": "b", "image_id": "ubuntu"}, "image_id", "'ubuntu' is not an id like ami-0123abcd"),
    ({"name": "b", "image_id": "ami-00000000"}, "image_id", "image ami-00000000 does not exist"),
    ({"name": "b", "image_id": "BASE", "subnet_id": "subnet-00000000"}, "subnet_id",
     "subnet subnet-00000000 does not exist"),
    ({"name": "b", "image_id": "BASE", "security_group_ids": ["sg-00000000"]}, "security_group_ids",
     "security group sg-00000000 does not exist"),
    ({"name": "b", "image_id": "BASE", "security_group_ids": ["web"]}, "security_group_ids",
     "['web'] are not security group ids like sg-0123abcd"),
    ({"name": "b", "image_id": "BASE", "key_name": "nosuch"}, "key_name", "key pair nosuch does not exist"),
    ({"name": "b", "image_id": "BASE", "instance_type": "huge"}, "instance_type",
     "'huge' is not an instance type like t3.micro"),
    ({"name": "b", "image_id": "BASE", "user_data": "x" * 17000}, "user_data",
     "is larger than AWS's 16 KB limit"),
    ({"name": "b", "image_id": "BASE", "wait_timeout": -5}, "wait_timeout", "must be 0 or more seconds"),
]


@pytest.mark.parametrize(("args", "param", "words"), BAD, ids=[p + str(i) for i, (_, p, _) in enumerate(BAD)])
def test_bad_input(aws, ansible, args, param, words):
    ec2 = aws.client("ec2")
    if args.get("image_id") == "BASE":
        args = {**args, "image_id": base_image(ec2)}
    assert_refused(ansible.run_tasks([{INST: args}])[0], param, words)
    assert live(ec2) == []


def test_faults_converge(aws, ansible_faulty):
    ec2 = aws.client("ec2")
    args = {"name": "builder", "image_id": base_image(ec2), "tags": {"A": "1"}}
    results = ansible_faulty.run_tasks([{INST: args}, {INST: args}])
    assert [r.get("failed", False) for r in results] == [False, False], results
    assert results[1]["changed"] is False and len(live(ec2, "builder")) == 1
    results = ansible_faulty.run_tasks([{INST: {"name": "builder", "state": "absent"}}] * 2)
    assert [r.get("failed", False) for r in results] == [False, False], results
    assert live(ec2) == []
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_another_image_is_another_instance(aws, ansible):
    ec2 = aws.client("ec2")
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "architecture", "Values": ["x86_64"]},
                                                             {"Name": "root-device-type", "Values": ["ebs"]}])
    first, second = [i["ImageId"] for i in images["Images"][:2]]
    results = ansible.run_tasks([
        {INST: {"name": "builder", "image_id": first, "wait": False}},
        {INST: {"name": "builder", "image_id": second, "wait": False}},
        {INST: {"name": "builder", "image_id": first, "wait": False}},
    ])
    assert [r["changed"] for r in results] == [True, True, False], results
    assert results[1]["warnings"] and results[0]["instance_id"] in results[1]["warnings"][0]
    assert len(live(ec2, "builder")) == 2
    res = ansible.run_tasks([{INST: {"name": "builder", "state": "absent"}}])[0]
    assert res["changed"] and sorted(res["instance_ids"]) == sorted(r["instance_id"] for r in results[:2])
    assert live(ec2) == []


def test_declared_rules(aws, ansible):
    """image_id is required to launch: Ansible's declared required_if fails before any call."""
    for res in ansible.run_tasks([{INST: {"name": "b"}}, {INST: {"name": "b", "image_id": None}}]):
        assert res.get("failed"), res
        assert res["msg"] == "state is present but all of the following are missing: image_id", res
    assert live(aws.client("ec2")) == []
