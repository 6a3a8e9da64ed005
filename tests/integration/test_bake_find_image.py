"""Issue 10 item 8: a half-made image is never taken for a baked one. playbooks/tasks/bake_find_image.yml
(bake_ami.yml's "is there an image already") run against the endpoint, with images put in the states an
interrupted AMI step leaves (tools/local_aws_patches/ec2_image_state.py)."""
from __future__ import annotations

import json
import urllib.request

from harness import ROOT

NAME = "ec2-nginx-ami-0123456789ab"
TASKS = str(ROOT / "playbooks" / "tasks" / "bake_find_image.yml")


def set_state(aws, image_id: str, state: str, age_seconds: int = 0) -> None:
    body = json.dumps({"image_id": image_id, "state": state, "age_seconds": age_seconds}).encode()
    req = urllib.request.Request(aws.url + "/moto-api/webfleet/image-state", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.load(resp)["state"] == state


def find(ansible) -> dict:
    results = ansible.run_tasks([
        {"ansible.builtin.include_tasks": TASKS, "vars": {"webfleet_bake_image_name": NAME}},
        {"ansible.builtin.debug": {"var": "webfleet_bake_existing"}},
    ])
    assert not any(r.get("failed") for r in results), results
    return results[-1]["webfleet_bake_existing"]


def images(aws) -> dict[str, str]:
    found = aws.client("ec2").describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [NAME]}])
    return {i["ImageId"]: i["State"] for i in found["Images"]}


def test_item8_failed_image_is_not_baked_and_is_removed(aws, ansible):
    image_id = aws.register_image(NAME)
    set_state(aws, image_id, "failed")
    existing = find(ansible)
    assert existing["image"] == {}, existing  # not "nothing to bake"
    assert images(aws) == {}  # deregistered: the bake makes it again


def test_item8_stale_pending_image_is_removed_young_one_kept(aws, ansible):
    image_id = aws.register_image(NAME)
    set_state(aws, image_id, "pending", age_seconds=2 * 3600)
    assert find(ansible)["image"] == {}
    assert images(aws) == {}
    image_id = aws.register_image(NAME)
    set_state(aws, image_id, "pending")  # still being made: left alone, but not baked yet either
    assert find(ansible)["image"] == {}
    assert images(aws) == {image_id: "pending"}


def test_item8_available_image_is_baked(aws, ansible):
    image_id = aws.register_image(NAME)
    existing = find(ansible)
    assert existing["image"]["image_id"] == image_id and existing["image"]["state"] == "available"
    assert images(aws) == {image_id: "available"}
