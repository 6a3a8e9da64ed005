"""End to end: the lab's scaling check with real CPU load, locally (scale_check.yml
-e webfleet_scale_check_method=cpu_load).

An endpoint of its own with its clock at WEBFLEET_LAB_SPEED=10 -> an image tagged with a Docker
image that serves /index.html -> infra.yml (group of 1 behind the LB, alarms, step policies) ->
scale_check.yml cpu_load: `yes` on the instance's 2 vCPUs, the real alarm adds an instance that
becomes InService in the LB, the load stops, the group goes back to 1; the timeline SVG it
prints exists and shows the run.

The alarms' thresholds are lowered for this run (1 % / 0.5 % instead of 80 % / 20 %): the test
machine is shared (2 cores; at load average 20 two `yes` there were measured getting 2.5 % of a
core each, an idle instance reads 0.01 %), so the SPEC's
80 % of the instance's vCPUs cannot be relied on. With such a low threshold, the loaded instance
alone would keep the pair's average above it; the group's max size is 2 so that, as with the
SPEC's values on AWS (one loaded instance of two reads 50 % < 80 %), it grows by exactly one.
The check itself is the one users run.
"""
from __future__ import annotations

import json
import mailbox
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet import SPEC, local_inventory, run
from harness import BASE_IMAGE, INSTANCE_IMAGE, Endpoint, build_instance_image, docker, serve_endpoint

pytestmark = pytest.mark.e2e

SPEED = 10


@pytest.fixture
def fast_aws(tmp_path: Path) -> Iterator[Endpoint]:
    """An endpoint of its own whose lab clock runs SPEED times faster; its containers go with it."""
    assert docker("image", "inspect", BASE_IMAGE).returncode == 0, f"{BASE_IMAGE} is missing (tools/images.sh)"
    build_instance_image()
    with serve_endpoint(tmp_path, speed=SPEED, stop_timeout=30) as endpoint:
        yield endpoint


def lab_mail(aws: Endpoint) -> list[tuple[str, str]]:
    """(subject, body) of every message in the endpoint's Maildir (GET /moto-api/webfleet/lab)."""
    with urllib.request.urlopen(f"{aws.url}/moto-api/webfleet/lab", timeout=10) as resp:
        maildir = json.load(resp)["mail"]["maildir"]
    found = []
    for message in mailbox.Maildir(maildir, create=False):
        part = message.get_payload(decode=True) or b""
        found.append((str(message["Subject"]), part.decode(errors="replace")))
    return found


def follow_confirmation(aws: Endpoint) -> None:
    """What the lab's user does with the first mail: open its link (the subscription is pending until then)."""
    (body,) = [b for s, b in lab_mail(aws) if s == "AWS Notification - Subscription Confirmation"]
    (link,) = re.findall(r"http://127\.0\.0\.1:\d+/moto-api/webfleet/sns/confirm\?\S+", body)
    with urllib.request.urlopen(link, timeout=10) as resp:
        assert resp.status == 200


def test_cpu_load_scales_out_and_back_in(fast_aws: Endpoint, tmp_path: Path) -> None:
    aws = fast_aws
    ec2 = aws.client("ec2")
    image_id = aws.register_image(f"{SPEC['webfleet_ami_name']}-cpuload")
    ec2.create_tags(Resources=[image_id], Tags=[{"Key": "webfleet:docker-image", "Value": INSTANCE_IMAGE},
                                                {"Key": "webfleet:fingerprint", "Value": "cpuload"}])
    inventory = local_inventory(aws, tmp_path)
    thresholds = ["-e", "webfleet_cpu_high_threshold=1", "-e", "webfleet_cpu_low_threshold=0.5",
                  "-e", "webfleet_asg_max_size=2"]
    started = time.monotonic()
    infra = run(aws, tmp_path, "playbooks/infra.yml", *thresholds, inventory=inventory)
    assert infra.rc == 0, infra.output[-6000:]
    built = time.monotonic()
    follow_confirmation(aws)

    check = run(aws, tmp_path, "playbooks/scale_check.yml", "-e", "webfleet_scale_check_method=cpu_load",
                *thresholds, inventory=inventory)
    assert check.rc == 0, check.output[-8000:]
    assert "out: 2 InService" in check.output and "in:  1 InService" in check.output, check.output[-3000:]
    assert re.search(r"one yes > /dev/null per vCPU \(2\)", check.output), "the load did not count the type's vCPUs"

    assert "timeline: " in check.output
    (svg,) = (tmp_path / "scale_check").glob("*.svg")  # WEBFLEET_STATE_DIR is tmp_path
    summary = json.loads(svg.with_suffix(".json").read_text())
    figures = summary["lab_seconds"]
    text = svg.read_text()
    assert text.startswith("<svg") and "<polyline" in text and "cpu-high" in text and "ALARM" in text
    assert all(isinstance(figures[k], (int, float)) for k in ("alarm", "out", "in")), figures
    assert figures["alarm"] <= figures["out"] <= figures["in"], figures
    activities = aws.client("autoscaling").describe_scaling_activities(
        AutoScalingGroupName=SPEC["webfleet_asg_name"])["Activities"]
    causes = [a["Cause"] for a in activities]
    assert any("alarm cpu-high in state ALARM" in c for c in causes), causes
    assert any("alarm cpu-low in state ALARM" in c for c in causes), causes
    # the notification the lab's user waits for: the launch notice, in the mailbox
    subjects = [subject for subject, _ in lab_mail(aws)]
    assert f'Auto Scaling: launch for group "{SPEC["webfleet_asg_name"]}"' in subjects, subjects
    print(f"infra {built - started:.0f} s, scale check {time.monotonic() - built:.0f} s, {summary}")
