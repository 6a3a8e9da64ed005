# -*- coding: utf-8 -*-
"""Pure SNS validation/comparison helpers (no AWS)."""
from __future__ import annotations

import pytest

from ansible_collections.webfleet.aws.plugins.module_utils.sns import (
    sns_endpoint_problem,
    sns_subscription_key,
    topic_name_problem,
)


@pytest.mark.parametrize("protocol,endpoint", [
    ("email", "ops@example.com"),
    ("email-json", "a.b+c@mail.example.org"),
    ("http", "http://hooks.example.com/x?y=1"),
    ("https", "https://hooks.example.com"),
    ("sqs", "arn:aws:sqs:eu-west-1:123456789012:events"),
    ("sqs", "arn:aws:sqs:eu-west-1:123456789012:events.fifo"),
    ("lambda", "arn:aws:lambda:eu-west-1:123456789012:function:notify"),
    ("lambda", "arn:aws:lambda:eu-west-1:123456789012:function:notify:prod"),
    ("sms", "+4915112345678"),
    ("application", "arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/app/0123-abcd"),
])
def test_valid_endpoints(protocol: str, endpoint: str) -> None:
    assert sns_endpoint_problem(protocol, endpoint) is None


@pytest.mark.parametrize("protocol,endpoint,needle", [
    ("email", "ops", "email address"),
    ("email", "ops@localhost", "email address"),
    ("email", "", "email address"),
    ("https", "http://hooks.example.com", "https://"),
    ("http", "hooks.example.com", "http://"),
    ("sqs", "https://sqs.eu-west-1.amazonaws.com/123456789012/events", "SQS queue ARN"),
    ("lambda", "arn:aws:sqs:eu-west-1:123456789012:events", "Lambda function ARN"),
    ("sms", "015112345678", "E.164"),
    ("application", "arn:aws:sns:eu-west-1:123456789012:topic", "endpoint ARN"),
    ("smoke", "x", "unknown protocol"),
])
def test_invalid_endpoints(protocol: str, endpoint: str, needle: str) -> None:
    problem = sns_endpoint_problem(protocol, endpoint)
    assert problem and needle in problem


def test_subscription_key_case() -> None:
    assert sns_subscription_key("email", "Ops@Example.COM ") == sns_subscription_key("email", "ops@example.com")
    assert sns_subscription_key("https", "https://a/B") != sns_subscription_key("https", "https://a/b")


def test_topic_name() -> None:
    assert topic_name_problem("nginx-asg_events1") is None
    assert topic_name_problem("bad name") and topic_name_problem("x" * 257) and topic_name_problem("")
