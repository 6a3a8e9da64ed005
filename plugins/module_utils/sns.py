# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SNS topics and subscriptions (pure): name and endpoint checks, the key a subscription is compared by.
"""
from __future__ import annotations

import re

# ---------------------------------------------------------------- SNS
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


E164_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")


TOPIC_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


ARN_RE = r"^arn:aws[a-z-]*:{service}:[a-z0-9-]+:[0-9]{{12}}:{rest}$"


SNS_ENDPOINT_RULES: dict[str, tuple[str, str]] = {
    # protocol: (regex, what it must be)
    "email": (EMAIL_RE.pattern, "an email address such as ops@example.com"),
    "email-json": (EMAIL_RE.pattern, "an email address such as ops@example.com"),
    "http": (r"^http://[^\s/]+\S*$", "an http:// URL"),
    "https": (r"^https://[^\s/]+\S*$", "an https:// URL"),
    "sqs": (ARN_RE.format(service="sqs", rest=r"[A-Za-z0-9_-]+(\.fifo)?"), "an SQS queue ARN"),
    "lambda": (ARN_RE.format(service="lambda", rest=r"function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?"),
               "a Lambda function ARN"),
    "sms": (E164_RE.pattern, "a phone number in E.164 form such as +4915112345678"),
    "application": (ARN_RE.format(service="sns", rest=r"endpoint/\S+"), "an SNS platform application endpoint ARN"),
}


def topic_name_problem(name: str) -> str | None:
    if not TOPIC_NAME_RE.match(name or ""):
        return f"'{name}' is not a valid topic name; use 1-256 letters, digits, hyphens or underscores"
    return None


def sns_endpoint_problem(protocol: str, endpoint: str | None) -> str | None:
    """Why ``endpoint`` does not suit ``protocol`` (None when it does)."""
    rule = SNS_ENDPOINT_RULES.get(protocol)
    if rule is None:
        return f"unknown protocol '{protocol}'; use one of {', '.join(SNS_ENDPOINT_RULES)}"
    if not endpoint or not re.match(rule[0], endpoint):
        return f"'{endpoint}' is not valid for protocol {protocol}: it must be {rule[1]}"
    return None


def sns_subscription_key(protocol: str, endpoint: str) -> tuple[str, str]:
    """Identity of a subscription: email addresses compare case-insensitively."""
    if protocol in ("email", "email-json"):
        return protocol, endpoint.strip().lower()
    return protocol, endpoint.strip()
