"""Issue 10 item 17: a bake interrupted before it removed its builder, whose fingerprint then changed,
left the builder's instance, security group, key pair and key file under a name no later bake looks
for. teardown.yml (and each bake's start) finds builders by their tags (Role: builder, Project:
webfleet) and removes all of it; what is not a builder stays."""
from __future__ import annotations

from pathlib import Path

import pytest
from fleet import Endpoint, playbook, run

pytestmark = pytest.mark.e2e

OLD = "webfleet-bake-0ld0ld0ld0ld"  # another fingerprint's builder
BUILDER_TAGS = [{"Key": "Project", "Value": "webfleet"}, {"Key": "Role", "Value": "builder"}]


def leave_builder(aws: Endpoint, state: Path, name: str, tags: list[dict[str, str]]) -> None:
    """What bake_builder_start.yml makes, as an interrupted bake leaves it."""
    ec2 = aws.client("ec2")
    ec2.create_key_pair(KeyName=name, TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}])
    group = ec2.create_security_group(GroupName=name, Description="builder", VpcId=aws.default_vpc_id(),
                                      TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])
    ec2.run_instances(ImageId=aws.register_image(), MinCount=1, MaxCount=1, KeyName=name,
                      SecurityGroupIds=[group["GroupId"]],
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}, *tags]}])
    state.mkdir(parents=True, exist_ok=True)
    (state / f"{name}.pem").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")


def left(aws: Endpoint, state: Path) -> dict[str, list[str]]:
    ec2 = aws.client("ec2")
    instances = [t["Value"] for r in ec2.describe_instances(Filters=[
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])["Reservations"]
        for i in r["Instances"] for t in i.get("Tags", []) if t["Key"] == "Name"]
    return {"instances": sorted(instances),
            "security_groups": sorted(g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
                                      if g["GroupName"] != "default"),
            "key_pairs": sorted(k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]),
            "key_files": sorted(p.name for p in state.glob("*.pem"))}


def test_item17_teardown_sweeps_builders_of_other_fingerprints(aws: Endpoint, tmp_path: Path) -> None:
    state = tmp_path
    leave_builder(aws, state, OLD, BUILDER_TAGS)
    # not a builder: another project's resources of the same shape stay
    leave_builder(aws, state, "someone-else", [{"Key": "Role", "Value": "builder"}])
    assert left(aws, state)["instances"] == sorted([OLD, "someone-else"])
    result = run(aws, state, "playbooks/teardown.yml")
    assert result.rc == 0, result.output[-4000:]
    assert left(aws, state) == {"instances": ["someone-else"], "security_groups": ["someone-else"],
                                "key_pairs": ["someone-else"], "key_files": ["someone-else.pem"]}
    again = playbook(aws, state, "teardown.yml")
    assert again["changed"] == 0, again
