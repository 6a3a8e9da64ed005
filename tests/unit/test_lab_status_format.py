"""tools/lab_status.py's formatting, from canned lab JSON and API answers (no endpoint)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lab_status", ROOT / "tools" / "lab_status.py")
assert _spec and _spec.loader
lab_status: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lab_status)

ENDPOINT = "http://127.0.0.1:5000"
TOPIC = "arn:aws:sns:us-east-1:123456789012:nginx-asg-events"
LAB = {
    "endpoint": ENDPOINT,
    "load_balancers": {"nginx-lb": {"url": "http://127.0.0.2:80/", "address": "127.0.0.2",
                                    "dns_name": "nginx-lb-1.us-east-1.elb.amazonaws.com", "listeners": [80],
                                    "in_service": ["i-1", "i-2"], "region": "us-east-1"}},
    "dns": "127.0.0.1:5353",
    "metrics": {"period": 60, "instances": 2, "speed": 10.0},
    "mail": {"maildir": "/s/mail/5000", "messages": 4, "latest": [
        {"date": "Mon, 30 Nov 2026 16:00:02 +0000", "to": "ops@example.com",
         "subject": 'Auto Scaling: launch for group "nginx-asg"'},
        {"date": "Mon, 30 Nov 2026 16:00:01 +0000", "to": "ops@example.com",
         "subject": 'ALARM: "cpu-high" in US East (N. Virginia)'}]},
}
AWS = {
    "groups": [{"AutoScalingGroupName": "nginx-asg", "DesiredCapacity": 2, "MinSize": 1, "MaxSize": 3,
                "Instances": [{"InstanceId": "i-2", "LifecycleState": "InService"},
                              {"InstanceId": "i-1", "LifecycleState": "InService"},
                              {"InstanceId": "i-3", "LifecycleState": "Terminating"}]}],
    "alarms": [{"AlarmName": "cpu-low", "StateValue": "OK"}, {"AlarmName": "cpu-high", "StateValue": "ALARM"}],
    "subscriptions": [  # as AWS lists them: a pending one's ARN is "PendingConfirmation"
        {"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "new@example.com",
         "TopicArn": TOPIC},
        {"SubscriptionArn": "arn:aws:sns:us-east-1:123456789012:nginx-asg-events:5f0c", "Protocol": "email",
         "Endpoint": "ops@example.com", "TopicArn": TOPIC},
        {"SubscriptionArn": "arn:aws:sns:us-east-1:123456789012:nginx-asg-events:9a1b", "Protocol": "sqs",
         "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q", "TopicArn": TOPIC}],
}


def test_json_is_flat_at_the_top_with_details_below() -> None:
    status = lab_status.build_status(ENDPOINT, LAB, AWS)
    assert {k: status[k] for k in ("endpoint", "dns", "load_balancers")} == {
        "endpoint": ENDPOINT, "dns": "127.0.0.1:5353", "load_balancers": {"nginx-lb": "http://127.0.0.2:80/"}}
    assert status["load_balancer_details"]["nginx-lb"]["in_service"] == ["i-1", "i-2"]
    assert status["groups"] == {"nginx-asg": {"desired": 2, "min": 1, "max": 3, "instances": 3,
                                              "in_service": ["i-1", "i-2"]}}
    assert status["alarms"] == {"cpu-high": "ALARM", "cpu-low": "OK"}
    assert status["subscriptions"] == [  # email only: the lab's mailbox gets those
        {"endpoint": "new@example.com", "protocol": "email", "topic": "nginx-asg-events",
         "state": "PendingConfirmation"},
        {"endpoint": "ops@example.com", "protocol": "email", "topic": "nginx-asg-events", "state": "Confirmed"}]
    assert status["not_running"] == []
    json.dumps(status)  # serialisable as it is


def test_text_names_every_part() -> None:
    text = lab_status.render_text(lab_status.build_status(ENDPOINT, LAB, AWS))
    assert text.splitlines() == [
        "endpoint        http://127.0.0.1:5000",
        "dns             127.0.0.1:5353  (dig @127.0.0.1 -p 5353 <name>)",
        "load balancer   nginx-lb  http://127.0.0.2:80/  InService: i-1, i-2",
        "group           nginx-asg  desired 2 (min 1, max 3), InService 2: i-1, i-2",
        "alarms          cpu-high ALARM, cpu-low OK",
        "metrics         period 60, instances 2, speed 10.0",
        "subscription    new@example.com to nginx-asg-events: PendingConfirmation (no notices until the link in its "
        "confirmation mail is opened)",
        "subscription    ops@example.com to nginx-asg-events: confirmed",
        "mail            /s/mail/5000 (4 messages; a Maildir: mutt -f /s/mail/5000)",
        " " * 16 + 'Mon, 30 Nov 2026 16:00:02 +0000  to ops@example.com: Auto Scaling: launch for group "nginx-asg"',
        " " * 16 + 'Mon, 30 Nov 2026 16:00:01 +0000  to ops@example.com: ALARM: "cpu-high" in US East (N. Virginia)',
    ]


@pytest.mark.parametrize("missing", ["load_balancers", "dns", "metrics", "mail"])
def test_a_missing_service_is_not_running(missing: str) -> None:
    lab = {k: v for k, v in LAB.items() if k != missing}
    status = lab_status.build_status(ENDPOINT, lab, AWS)
    assert status["not_running"] == [missing]
    label = {"load_balancers": "load balancers", "dns": "dns", "metrics": "metrics", "mail": "mail"}[missing]
    lines = [line for line in lab_status.render_text(status).splitlines() if line.startswith(label)]
    assert len(lines) == 1 and "not running" in lines[0], lines
    assert status["dns"] is None if missing == "dns" else status["dns"] == "127.0.0.1:5353"
    assert status["load_balancers"] == ({} if missing == "load_balancers" else {"nginx-lb": "http://127.0.0.2:80/"})


def test_api_errors_are_shown_not_raised() -> None:
    status = lab_status.build_status(ENDPOINT, {"endpoint": ENDPOINT}, {"groups_error": "boom", "alarms_error": "bang",
                                                                        "subscriptions_error": "bust"})
    text = lab_status.render_text(status)
    assert "groups          unknown (boom)" in text and "alarms          unknown (bang)" in text
    assert "subscriptions   unknown (bust)" in text
    assert status["not_running"] == ["load_balancers", "dns", "metrics", "mail"]


@pytest.mark.parametrize("info, address", [
    ("127.0.0.1:5353", "127.0.0.1:5353"), ({"address": "127.0.0.1:53535"}, "127.0.0.1:53535"),
    ({"port": 5300}, "127.0.0.1:5300"), (None, None)])
def test_dns_address_from_its_info(info: Any, address: str | None) -> None:
    assert lab_status.dns_address(info) == address
