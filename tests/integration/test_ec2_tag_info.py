"""ec2_tag_info through Ansible against the local endpoint (issue 10 item 17: how the builder sweep finds
builders by their tags)."""
from __future__ import annotations

from harness import assert_refused

TAGS = [{"Key": "Role", "Value": "builder"}, {"Key": "Project", "Value": "webfleet"}]


def test_item17_finds_instances_groups_and_key_pairs_by_every_tag(aws, ansible):
    ec2 = aws.client("ec2")
    ec2.create_key_pair(KeyName="b1", TagSpecifications=[{"ResourceType": "key-pair", "Tags": TAGS}])
    ec2.create_key_pair(KeyName="other", TagSpecifications=[{"ResourceType": "key-pair", "Tags": TAGS[:1]}])
    group = ec2.create_security_group(GroupName="b2", Description="b", VpcId=aws.default_vpc_id(),
                                      TagSpecifications=[{"ResourceType": "security-group", "Tags": TAGS}])
    image = aws.register_image()
    live, gone = (ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}, *TAGS]}])["Instances"][0]["InstanceId"]
        for name in ("b3", "b4"))
    ec2.terminate_instances(InstanceIds=[gone])
    res = ansible.module("ec2_tag_info", tags={"Role": "builder", "Project": "webfleet"})
    assert not res.get("failed") and res["changed"] is False, res
    assert res["names"] == ["b1", "b2", "b3"]
    assert [i["instance_id"] for i in res["instances"]] == [live]
    assert [g["group_id"] for g in res["security_groups"]] == [group["GroupId"]]
    assert [k["key_name"] for k in res["key_pairs"]] == ["b1"]
    res = ansible.module("ec2_tag_info", tags={"Role": "nothing"})
    assert res["names"] == [] and res["instances"] == []


def test_no_tags_refused(aws, ansible):
    assert_refused(ansible.module("ec2_tag_info", tags={}), "tags", "at least one tag")
