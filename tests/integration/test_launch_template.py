"""launch_template through Ansible against the local endpoint."""
from __future__ import annotations

import base64
from typing import Any

import pytest
from harness import assert_refused

NAME = "nginx-lt"


def templates(aws: Any) -> list[dict[str, Any]]:
    return aws.client("ec2").describe_launch_templates()["LaunchTemplates"]


def versions(aws: Any, name: str = NAME) -> list[dict[str, Any]]:
    return aws.client("ec2").describe_launch_template_versions(LaunchTemplateName=name)["LaunchTemplateVersions"]


def lt(runner: Any, check: bool = False, diff: bool = False, **params: Any) -> dict[str, Any]:
    """One launch_template task (the fixture's module() reserves the 'name' keyword)."""
    return runner.run_tasks([{"webfleet.aws.launch_template": params}], check=check, diff=diff)[0]


def args(aws: Any, **over: Any) -> dict[str, Any]:
    base = {
        "name": NAME, "image_id": aws.register_image(), "instance_type": "t3.micro",
        "security_group_ids": [aws.security_group()], "user_data": "#!/bin/bash\nsystemctl start nginx\n",
        "block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 8, "volume_type": "gp3"}],
        "tag_specifications": [{"resource_type": "instance", "tags": {"Name": "nginx"}}],
        "tags": {"project": "web"},
    }
    base.update(over)
    return base


def test_lifecycle(aws: Any, ansible: Any) -> None:
    a = args(aws)
    # check mode create: nothing made
    r = lt(ansible, check=True, diff=True, **a)
    assert r["changed"] and not r.get("failed"), (r.get("msg"), r.get("module_stderr"))
    assert r["diff"]["after"]["launch_template_data"]["user_data"].startswith("sha256:")
    assert templates(aws) == []

    r1, r2 = ansible.run_tasks([{"webfleet.aws.launch_template": a}] * 2)
    assert r1["changed"] and not r1.get("failed"), r1.get("msg")
    made = r1["launch_template"]
    assert made["launch_template_name"] == NAME and made["latest_version_number"] == 1
    assert made["default_version_number"] == 1 and made["tags"] == {"project": "web"}
    assert not r2["changed"], r2.get("diff")
    data = versions(aws)[0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["Monitoring"] == {"Enabled": True}
    assert data["BlockDeviceMappings"][0]["Ebs"]["Encrypted"] is True
    assert data["InstanceType"] == "t3.micro"
    assert base64.b64decode(data["UserData"]).decode().startswith("#!/bin/bash")

    # check mode update: no new version
    changed = dict(a, instance_type="t3.small")
    r = lt(ansible, check=True, diff=True, **changed)
    assert r["changed"]
    assert r["diff"]["before"]["launch_template_data"]["instance_type"] == "t3.micro"
    assert r["diff"]["after"]["launch_template_data"]["instance_type"] == "t3.small"
    assert len(versions(aws)) == 1

    # real update: version 2, default follows latest
    r, again = ansible.run_tasks([{"webfleet.aws.launch_template": changed}] * 2, diff=True)
    assert r["changed"] and r["launch_template"]["latest_version_number"] == 2, r
    assert r["launch_template"]["default_version_number"] == 2
    assert r["diff"]["after"]["launch_template_data"]["instance_type"] == "t3.small"
    assert r["version"]["launch_template_data"]["instance_type"] == "t3.small"
    assert not again["changed"], again.get("diff")

    # pin default to 1; a new version while pinned keeps the default
    r = lt(ansible, **dict(changed, default_version="1"))
    assert r["changed"] and r["launch_template"]["default_version_number"] == 1, r
    r = lt(ansible, diff=True, **dict(changed, default_version="1", key_name=None, monitoring=False))
    assert r["changed"] and r["launch_template"]["latest_version_number"] == 3, r.get("msg")
    assert r["launch_template"]["default_version_number"] == 1
    assert r["diff"]["after"]["launch_template_data"]["monitoring"] == {"enabled": False}
    # user data changed -> version 4 becomes the default again; the diff shows only digests
    r = lt(ansible, diff=True, **dict(changed, user_data="echo hi\n"))
    assert r["changed"] and r["launch_template"]["latest_version_number"] == 4, r.get("msg")
    assert r["launch_template"]["default_version_number"] == 4
    before, after = r["diff"]["before"]["launch_template_data"], r["diff"]["after"]["launch_template_data"]
    assert before["user_data"] != after["user_data"] and after["user_data"].startswith("sha256:")
    assert "echo hi" not in str(r["diff"])

    # check mode delete, delete, delete again
    r = lt(ansible, check=True, name=NAME, state="absent")
    assert r["changed"] and len(templates(aws)) == 1
    r1, r2 = ansible.run_tasks([{"webfleet.aws.launch_template": {"name": NAME, "state": "absent"}}] * 2)
    assert r1["changed"] and not r2["changed"] and not r2.get("failed"), (r1, r2)
    assert templates(aws) == []


def test_versions_to_keep(aws: Any, ansible: Any) -> None:
    a = args(aws)
    tasks = [{"webfleet.aws.launch_template": dict(a, user_data=f"echo {i}\n")} for i in range(3)]
    tasks.append({"webfleet.aws.launch_template": dict(a, user_data="echo 3\n", versions_to_keep=2)})
    r = ansible.run_tasks(tasks)[-1]
    assert r["changed"] and r["deleted_versions"] == [1, 2], r.get("msg")
    assert sorted(v["VersionNumber"] for v in versions(aws)) == [3, 4]


def test_tag_update(aws: Any, ansible: Any) -> None:
    a = args(aws)
    _r0, r1, r2 = ansible.run_tasks([{"webfleet.aws.launch_template": a},
                                    {"webfleet.aws.launch_template": dict(a, tags={"project": "web2", "x": "1"})},
                                    {"webfleet.aws.launch_template": dict(a, tags={"project": "web2", "x": "1"})}],
                                   diff=True)
    assert r1["changed"] and r1["diff"]["after"]["tags"] == {"project": "web2", "x": "1"}, r1
    assert r1["launch_template"]["latest_version_number"] == 1  # tags make no new version
    assert not r2["changed"], r2.get("diff")
    assert templates(aws)[0]["Tags"] == [{"Key": "project", "Value": "web2"}, {"Key": "x", "Value": "1"}]


BAD = [
    ({"image_id": None}, "image_id", "state is present but all of the following are missing: image_id"),
    ({"image_id": "ami-12345678"}, "image_id", "ami-12345678 not found in region us-east-1"),  # well-formed
    ({"image_id": "image-1"}, "image_id", "'image-1' is not an AMI id"),
    ({"instance_type": "micro"}, "instance_type", "'micro' is not an instance type"),
    ({"security_group_ids": ["sg-0123456789abcdef0"]}, "security_group_ids",
     "sg-0123456789abcdef0 not found in region us-east-1"),
    ({"security_group_ids": ["web"]}, "security_group_ids", "'web' is not a security group id"),
    ({"key_name": "no-such-key"}, "key_name", "no-such-key not found in region us-east-1"),
    ({"metadata_options": {"http_put_response_hop_limit": 0}}, "metadata_options.http_put_response_hop_limit",
     "must be 1 to 64, got 0"),
    ({"block_device_mappings": [{"device_name": "/dev/xvda", "volume_size": 0}]},
     "block_device_mappings[0].volume_size",
     "must be at least 1 (GiB), got 0"),
    ({"default_version": "newest"}, "default_version", "'newest' must be 'latest' or a version number"),
    ({"default_version": "4"}, "default_version", "version 4 does not exist (latest is 1)"),
    ({"versions_to_keep": 0}, "versions_to_keep", "must be 1 or more"),
    ({"name": "x"}, "name", "must be 3-128 characters"),
]


@pytest.mark.parametrize(("over", "param", "words"), BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_input(aws: Any, ansible: Any, over: dict[str, Any], param: str, words: str) -> None:
    a = {k: v for k, v in args(aws, **over).items() if v is not None}
    # a missing image_id is refused by the module's declared required_if, in Ansible's words
    assert_refused(lt(ansible, **a), param, words, by_ansible=words.startswith("state is present but"))
    assert templates(aws) == []


def test_faults(aws: Any, ansible_faulty: Any) -> None:
    a = args(aws)
    r1, r2, r3 = ansible_faulty.run_tasks([
        {"webfleet.aws.launch_template": a},
        {"webfleet.aws.launch_template": a},
        {"webfleet.aws.launch_template": dict(a, instance_type="t3.small")},
    ])
    assert r1["changed"] and not r2["changed"] and r3["changed"], (r1, r2, r3)
    assert sorted(v["VersionNumber"] for v in versions(aws)) == [1, 2]
    r = ansible_faulty.run_tasks([{"webfleet.aws.launch_template": {"name": NAME, "state": "absent"}}] * 2)
    assert r[0]["changed"] and not r[1]["changed"]
    assert templates(aws) == []
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done


def test_created_version_reported_as_described(aws: Any, ansible: Any) -> None:
    """A new template's version is reported from the create's answer and the data given (no read after it)."""
    from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

    r = lt(ansible, **args(aws, version_description="first"))
    assert r["changed"] and not r.get("failed"), r.get("msg")
    read = camel_dict_to_snake_dict(versions(aws)[0], ignore_list=["Tags"])
    got = r["version"]
    for key in ("launch_template_id", "launch_template_name", "version_number", "default_version",
                "version_description", "created_by"):
        assert got[key] == read[key], key
    assert got["launch_template_data"] == read["launch_template_data"], (got, read)
    assert got["create_time"]
