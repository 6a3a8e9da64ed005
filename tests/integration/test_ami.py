"""ami and ami_info through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import assert_refused

AMI = "webfleet.aws.ami"
INFO = "webfleet.aws.ami_info"


def base_image(ec2) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*"]}])
    return images["Images"][0]["ImageId"]


def builder(ec2) -> str:
    return ec2.run_instances(ImageId=base_image(ec2), MinCount=1, MaxCount=1,
                             InstanceType="t3.micro")["Instances"][0]["InstanceId"]


def own_images(ec2, name=None):
    filters = [{"Name": "name", "Values": [name]}] if name else []
    return [i for i in ec2.describe_images(Owners=["self"], Filters=filters)["Images"]
            if i.get("State") != "deregistered"]


def snapshots(ec2):
    return ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]


def test_lifecycle(aws, ansible):
    ec2 = aws.client("ec2")
    instance = builder(ec2)
    snaps_before = {s["SnapshotId"] for s in snapshots(ec2)}
    args = {"name": "ec2-nginx-ami", "description": "amazon linux2 + nginx + site", "instance_id": instance,
            "no_reboot": True}

    res = ansible.run_tasks([{AMI: args}], check=True, diff=True)[0]
    assert res["changed"] and res["diff"]["after"]["name"] == "ec2-nginx-ami" and res["image_id"] is None
    assert own_images(ec2) == []

    results = ansible.run_tasks([{AMI: args}, {AMI: args}, {AMI: {"name": "ec2-nginx-ami"}}])
    assert [r["changed"] for r in results] == [True, False, False], results
    image_id = results[0]["image_id"]
    assert results[1]["image_id"] == results[2]["image_id"] == image_id
    assert results[0]["image"]["state"] == "available" and "waited" in results[0]
    assert [i["ImageId"] for i in own_images(ec2)] == [image_id]
    snaps = results[0]["snapshot_ids"]
    assert set(snaps) <= {s["SnapshotId"] for s in snapshots(ec2)}

    # check mode update, then update tags in place (description: see test_description_update)
    changed = {**args, "tags": {"Project": "webfleet"}}
    res = ansible.run_tasks([{AMI: changed}], check=True, diff=True)[0]
    assert res["changed"] and res["diff"]["after"]["tags"] == {"Project": "webfleet"}
    assert not own_images(ec2)[0].get("Tags")
    results = ansible.run_tasks([{AMI: changed}, {AMI: changed}], diff=True)
    assert [r["changed"] for r in results] == [True, False]
    assert results[0]["diff"]["before"]["tags"] == {}
    image = own_images(ec2)[0]
    assert image["ImageId"] == image_id and image["Tags"] == [{"Key": "Project", "Value": "webfleet"}]

    # ami_info finds it; most_recent picks the newest
    second = ansible.run_tasks([{AMI: {"name": "ec2-nginx-ami-2", "instance_id": instance, "no_reboot": True}}])[0]
    info = ansible.run_tasks([
        {INFO: {"owners": ["self"], "name": "ec2-nginx-ami*", "most_recent": True}},
        {INFO: {"owners": ["self"], "filters": {"tag:Project": "webfleet"}}},
        {INFO: {"owners": ["self"], "name": "nothing-*", "most_recent": True}},
        {INFO: {"owners": ["self"], "name": "nothing-*", "required": True}},
        {INFO: {"image_ids": [image_id]}},
    ])
    assert not info[0]["changed"] and len(info[0]["images"]) == 2
    newest = max(info[0]["images"], key=lambda i: i["creation_date"])
    assert info[0]["image_id"] == newest["image_id"]
    assert [i["image_id"] for i in info[1]["images"]] == [image_id]
    assert info[2]["images"] == [] and info[2]["image_id"] is None and not info[2].get("failed")
    assert info[3]["failed"] and "nothing-*" in info[3]["msg"]
    assert info[4]["images"][0]["name"] == "ec2-nginx-ami"

    # check mode delete; delete (by name, then by id) with snapshots; delete again
    res = ansible.run_tasks([{AMI: {"name": "ec2-nginx-ami", "state": "absent"}}], check=True)[0]
    assert res["changed"] and len(own_images(ec2)) == 2
    results = ansible.run_tasks([
        {AMI: {"name": "ec2-nginx-ami", "state": "absent"}},
        {AMI: {"image_id": second["image_id"], "state": "absent"}},
        {AMI: {"name": "ec2-nginx-ami", "state": "absent"}},
        {AMI: {"image_id": second["image_id"], "state": "absent"}},
    ])
    assert [r["changed"] for r in results] == [True, True, False, False], results
    assert results[0]["snapshot_ids"] == snaps
    assert own_images(ec2) == []
    assert {s["SnapshotId"] for s in snapshots(ec2)} == snaps_before


def test_description_update(aws, ansible):
    ec2 = aws.client("ec2")
    args = {"name": "described", "instance_id": builder(ec2), "no_reboot": True, "description": "v1"}
    v2 = {**args, "description": "v2"}
    results = ansible.run_tasks([{AMI: args}, {AMI: v2}, {AMI: v2}], diff=True)
    assert [r["changed"] for r in results] == [True, True, False], results
    assert results[1]["diff"]["before"]["description"] == "v1" and results[1]["diff"]["after"]["description"] == "v2"
    assert own_images(ec2)[0]["Description"] == "v2"


def test_tags_on_image_and_snapshots(aws, ansible):
    ec2 = aws.client("ec2")
    res = ansible.run_tasks([{AMI: {"name": "tagged", "instance_id": builder(ec2), "no_reboot": True,
                                    "tags": {"Project": "webfleet"}}}])[0]
    assert res["changed"] and not res.get("failed"), res
    assert res["image"]["tags"] == {"Project": "webfleet"}
    for snapshot in ec2.describe_snapshots(SnapshotIds=res["snapshot_ids"])["Snapshots"]:
        assert snapshot["Tags"] == [{"Key": "Project", "Value": "webfleet"}]


def test_base_image_lookup(aws, ansible):
    res = ansible.run_tasks([{INFO: {"owners": ["amazon"], "name": "amzn2-ami-hvm-*", "architecture": "x86_64",
                                     "most_recent": True, "required": True}}])[0]
    assert not res.get("failed") and res["image_id"].startswith("ami-"), res
    assert res["image"]["name"].startswith("amzn2-ami-hvm-")


BAD = [
    (AMI, {"name": "x"}, "name", "'x' must be 3-128 letters"),
    (AMI, {"name": "bake", "instance_id": "web"}, "instance_id", "'web' is not an instance id"),
    (AMI, {"name": "bake"}, "instance_id", "required to create image 'bake'"),
    (AMI, {"name": "bake", "instance_id": "i-0000000000000000"}, "instance_id",
     "instance i-0000000000000000 does not exist"),
    (AMI, {"name": "bake", "instance_id": "i-0000000000000000", "description": "d" * 300}, "description",
     "must be at most 255 characters"),
    (AMI, {"image_id": "ami-00000000", "instance_id": "i-0000000000000000"}, "image_id",
     "image ami-00000000 does not exist"),
    (AMI, {"name": "bake", "wait_timeout": -1}, "wait_timeout", "must be 0 or more seconds"),
    (INFO, {"image_ids": ["web"]}, "image_ids", "['web'] are not image ids like ami-0123abcd"),
    (INFO, {"image_ids": ["ami-00000000"]}, "image_ids", "at least one image does not exist"),
]


@pytest.mark.parametrize(("module", "args", "param", "words"), BAD,
                         ids=[f"{m[13:]}-{p}-{i}" for i, (m, _, p, _) in enumerate(BAD)])
def test_bad_input(aws, ansible, module, args, param, words):
    assert_refused(ansible.run_tasks([{module: args}])[0], param, words)
    assert own_images(aws.client("ec2")) == []


def test_faults_converge(aws, ansible_faulty):
    ec2 = aws.client("ec2")
    snaps_before = {s["SnapshotId"] for s in snapshots(ec2)}
    args = {"name": "bake", "instance_id": builder(ec2), "no_reboot": True, "description": "d"}
    results = ansible_faulty.run_tasks([{AMI: args}, {AMI: args}, {INFO: {"owners": ["self"], "most_recent": True}}])
    assert [r.get("failed", False) for r in results] == [False] * 3, results
    assert results[1]["changed"] is False and results[2]["image_id"] == results[0]["image_id"]
    assert len(own_images(ec2, "bake")) == 1
    results = ansible_faulty.run_tasks([{AMI: {"name": "bake", "state": "absent"}}] * 2)
    assert [r.get("failed", False) for r in results] == [False] * 2, results
    assert own_images(ec2) == [] and {s["SnapshotId"] for s in snapshots(ec2)} == snaps_before
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_declared_rules(aws, ansible):
    """Neither name nor image_id (or both null): the declared required_one_of fails before any call."""
    for res in ansible.run_tasks([{AMI: {"state": "absent"}}, {AMI: {"name": None, "image_id": None}}]):
        assert res.get("failed") and res["msg"] == "one of the following is required: name, image_id", res

