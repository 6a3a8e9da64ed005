"""Issue 10 item 8: a half-made image (pending or failed, left when the AMI step died after CreateImage)
is never taken for the baked one: bake_ami.yml bakes again instead of "nothing to bake", and infra.yml
launches the newest *available* baked image. Images are put in those states with the endpoint's
control call (tools/local_aws_patches/ec2_image_state.py). Neither playbook bakes here (--check, or
infra.yml alone), so no Docker is needed."""
from __future__ import annotations

import json
import re
import sys
import urllib.request
from pathlib import Path

import pytest
from fleet import ROOT, SPEC, Endpoint, playbook, run

pytestmark = pytest.mark.e2e


def set_state(aws: Endpoint, image_id: str, state: str, age_seconds: int = 0) -> None:
    body = json.dumps({"image_id": image_id, "state": state, "age_seconds": age_seconds}).encode()
    req = urllib.request.Request(aws.url + "/moto-api/webfleet/image-state", data=body, method="POST")
    urllib.request.urlopen(req, timeout=10).close()


def baked(aws: Endpoint, name: str, state: str, age_seconds: int = 0) -> str:
    """An image as bake_ami.yml names and tags it, in ``state``."""
    ec2 = aws.client("ec2")
    image_id = aws.register_image(name)
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "webfleet:fingerprint", "Value": name[-12:] * 5},
                                                {"Key": "Project", "Value": "webfleet"}])
    set_state(aws, image_id, state, age_seconds)
    return image_id


def test_item8_failed_image_is_baked_again(aws: Endpoint, tmp_path: Path) -> None:
    import subprocess

    site = tmp_path / "site"
    subprocess.run([sys.executable, str(ROOT / "tools" / "sample_site.py"), str(site)],
                   check=True, capture_output=True)
    args = ("--check", "-e", f"site_repo={site / 'site.git'}")
    first = run(aws, tmp_path, "playbooks/bake_ami.yml", *args)
    assert first.rc == 0, first.output[-3000:]
    name = re.search(r"would bake (\S+) from site commit", first.output)[1]
    image_id = baked(aws, name, "failed")
    again = run(aws, tmp_path, "playbooks/bake_ami.yml", *args)
    assert again.rc == 0, again.output[-3000:]
    assert "nothing to bake" not in again.output and f"would bake {name}" in again.output, again.output[-3000:]
    assert image_id in again.output  # the deregistration it would do, named
    set_state(aws, image_id, "available")
    done = run(aws, tmp_path, "playbooks/bake_ami.yml", *args)
    assert f"({image_id}) already has site commit" in done.output, done.output[-3000:]


def test_item8_infra_launches_newest_available_image(aws: Endpoint, tmp_path: Path) -> None:
    prefix = SPEC["webfleet_ami_name"]
    good = baked(aws, f"{prefix}-aaaaaaaaaaaa", "available", age_seconds=600)
    baked(aws, f"{prefix}-bbbbbbbbbbbb", "failed", age_seconds=60)
    baked(aws, f"{prefix}-cccccccccccc", "pending")
    playbook(aws, tmp_path, "infra.yml")
    ec2 = aws.client("ec2")
    version = ec2.describe_launch_template_versions(LaunchTemplateName=SPEC["webfleet_launch_template_name"],
                                                    Versions=["$Default"])["LaunchTemplateVersions"][0]
    assert version["LaunchTemplateData"]["ImageId"] == good
