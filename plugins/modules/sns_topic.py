#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: sns_topic
short_description: Manage an SNS topic and its subscriptions
description:
  - Create, update or delete an Amazon SNS standard topic, its display name, tags and subscriptions.
  - Subscriptions are compared by (protocol, endpoint), so a rerun never subscribes the same endpoint twice.
  - An email subscription waiting for its confirmation (C(PendingConfirmation)) counts as present. AWS gives it no
    ARN until it is confirmed, so it cannot be removed; when O(purge_subscriptions) would remove it, the module
    leaves it and warns.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the topic (1-256 letters, digits, C(-) and C(_)).
    type: str
    required: true
  state:
    description: Whether the topic should exist.
    type: str
    choices: [present, absent]
    default: present
  display_name:
    description:
      - Display name of the topic (used as the sender name of SMS and email messages).
      - When unset, the current display name is left alone.
    type: str
  subscriptions:
    description:
      - Subscriptions the topic should have.
      - When unset, the subscriptions are left alone.
    type: list
    elements: dict
    suboptions:
      protocol:
        description: Delivery protocol.
        type: str
        required: true
        choices: [email, email-json, http, https, sqs, lambda, sms, application]
      endpoint:
        description:
          - Where to deliver. An email address for C(email)/C(email-json), an C(http://) or C(https://) URL for
            C(http)/C(https), a queue ARN for C(sqs), a function ARN for C(lambda), an E.164 phone number such as
            C(+4915112345678) for C(sms), a platform endpoint ARN for C(application).
        type: str
        required: true
  purge_subscriptions:
    description: Remove (confirmed) subscriptions not listed in O(subscriptions).
    type: bool
    default: true
extends_documentation_fragment:
  - webfleet.aws.connection
  - webfleet.aws.connection.tags
"""

EXAMPLES = r"""
- name: Topic told of the Auto Scaling group's launches and terminations
  webfleet.aws.sns_topic:
    name: web-asg-events
    display_name: nginx ASG
    subscriptions:
      - protocol: email
        endpoint: ops@example.com
    tags:
      project: webfleet

- name: Remove the topic
  webfleet.aws.sns_topic:
    name: web-asg-events
    state: absent
"""

RETURN = r"""
topic_arn:
  description: ARN of the topic (absent in check mode before the topic exists, and after a delete).
  returned: state=present
  type: str
  sample: arn:aws:sns:eu-west-1:123456789012:web-asg-events
topic:
  description: The topic.
  returned: state=present
  type: dict
  contains:
    name: {description: Topic name., type: str}
    topic_arn: {description: Topic ARN., type: str}
    display_name: {description: Display name., type: str}
    tags: {description: Tags., type: dict}
subscriptions:
  description: The topic's subscriptions with their state.
  returned: state=present
  type: list
  elements: dict
  contains:
    protocol: {description: Protocol., type: str}
    endpoint: {description: Endpoint., type: str}
    subscription_arn: {description: "ARN, or null while the confirmation is pending.", type: str}
    state: {description: C(confirmed) or C(pending) (waiting for the endpoint to confirm)., type: str}
  sample: [{protocol: email, endpoint: ops@example.com, subscription_arn: null, state: pending}]
"""

from typing import Any

from ansible_collections.webfleet.aws.plugins.module_utils.clients import paginate
from ansible_collections.webfleet.aws.plugins.module_utils.core import AWSModule, ParamError, is_not_found
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource
from ansible_collections.webfleet.aws.plugins.module_utils.sns import (
    sns_endpoint_problem,
    sns_subscription_key,
    topic_name_problem,
)
from ansible_collections.webfleet.aws.plugins.module_utils.tags import (
    compare_tags,
    dict_to_tag_list,
    tag_list_to_dict,
)

PROTOCOLS = ["email", "email-json", "http", "https", "sqs", "lambda", "sms", "application"]
PENDING = ("PendingConfirmation", "pending confirmation")


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    display_name=dict(type="str"),
    subscriptions=dict(type="list", elements="dict", options=dict(
        protocol=dict(type="str", required=True, choices=PROTOCOLS),
        endpoint=dict(type="str", required=True),
    )),
    purge_subscriptions=dict(type="bool", default=True),
    tags=dict(type="dict", aliases=["resource_tags"]),
    purge_tags=dict(type="bool", default=True),
)


def find_topic(sns: Any, name: str) -> str | None:
    for topic in paginate(sns, "list_topics", "Topics"):
        if topic["TopicArn"].split(":")[-1] == name:
            return topic["TopicArn"]
    return None


def subscription(protocol: str, endpoint: str, sub_arn: str) -> dict[str, Any]:
    pending = sub_arn in PENDING or not sub_arn.startswith("arn:")
    return {"protocol": protocol, "endpoint": endpoint,
            "subscription_arn": None if pending else sub_arn, "state": "pending" if pending else "confirmed"}


def read_subscriptions(sns: Any, arn: str) -> list[dict[str, Any]]:
    subs = [subscription(s["Protocol"], s["Endpoint"], s.get("SubscriptionArn", ""))
            for s in paginate(sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=arn)
            if s.get("SubscriptionArn", "") != "Deleted"]
    return sorted(subs, key=lambda s: sns_subscription_key(s["protocol"], s["endpoint"]))


def read_current(sns: Any, name: str) -> dict[str, Any] | None:
    arn = find_topic(sns, name)
    if arn is None:
        return None
    try:
        attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        tags = tag_list_to_dict(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))
        subs = read_subscriptions(sns, arn)
    except Exception as exc:  # deleted between list and read
        if is_not_found(exc, "NotFound", "NotFoundException"):
            return None
        raise
    return {"topic_arn": arn, "name": name, "display_name": attrs.get("DisplayName", ""), "tags": tags,
            "subscriptions": subs}


def view(topic: dict[str, Any] | None) -> dict[str, Any]:
    if not topic:
        return {}
    return {"name": topic["name"], "display_name": topic["display_name"], "tags": topic["tags"],
            "subscriptions": [{"protocol": s["protocol"], "endpoint": s["endpoint"]} for s in topic["subscriptions"]]}


def plan_subscriptions(module: AWSModule, current: list[dict[str, Any]]) -> tuple[list, list, list]:
    """(to_subscribe, to_unsubscribe, kept) by (protocol, endpoint)."""
    wanted = module.params["subscriptions"]
    if wanted is None:
        return [], [], list(current)
    have = {sns_subscription_key(s["protocol"], s["endpoint"]): s for s in current}
    want: dict[tuple[str, str], dict[str, Any]] = {}
    for s in wanted:
        want.setdefault(sns_subscription_key(s["protocol"], s["endpoint"]), s)
    to_add = [{"protocol": s["protocol"], "endpoint": s["endpoint"]} for k, s in want.items() if k not in have]
    to_remove, kept = [], [s for k, s in have.items() if k in want]
    for k, s in have.items():
        if k in want:
            continue
        if not module.params["purge_subscriptions"]:
            kept.append(s)
        elif s["state"] == "pending":
            module.warn(f"subscription {s['protocol']}:{s['endpoint']} is pending confirmation and has no ARN yet, "
                        "so it cannot be removed; it expires after 3 days unconfirmed, or rerun after it is confirmed")
            kept.append(s)
        else:
            to_remove.append(s)
    return to_add, to_remove, kept


class SNSTopic(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "SNS topic"

    def validate(self) -> None:
        p = self.params
        problem = topic_name_problem(p["name"])
        if problem:
            raise ParamError("name", problem)
        for i, sub in enumerate(p["subscriptions"] or []):
            problem = sns_endpoint_problem(sub["protocol"], sub["endpoint"])
            if problem:
                raise ParamError(f"subscriptions[{i}].endpoint", problem)

    def read(self) -> dict[str, Any] | None:
        self.sns = self.module.client("sns")
        return read_current(self.sns, self.params["name"])

    def view(self, current: dict[str, Any] | None) -> dict[str, Any]:
        return view(current)

    def delete(self, current: dict[str, Any]) -> None:
        self.sns.delete_topic(TopicArn=current["topic_arn"])

    def state_present(self, current: dict[str, Any] | None) -> None:
        self.topic = self.desired(current)
        self.converge(current, view(current), view(self.topic))

    def desired(self, current: dict[str, Any] | None) -> dict[str, Any]:
        p = self.params
        base = current or {"topic_arn": None, "name": p["name"], "display_name": "", "tags": {}, "subscriptions": []}
        self.to_add, self.to_remove, kept = plan_subscriptions(self.module, base["subscriptions"])
        self.to_tag, self.to_untag = compare_tags(base["tags"], p["tags"], p["purge_tags"])
        display = base["display_name"] if p["display_name"] is None else p["display_name"]
        after_tags = {k: v for k, v in base["tags"].items() if k not in self.to_untag}
        after_tags.update(self.to_tag)
        return dict(base, display_name=display, tags=after_tags, subscriptions=sorted(
            kept + [dict(s, subscription_arn=None, state="pending") for s in self.to_add],
            key=lambda s: sns_subscription_key(s["protocol"], s["endpoint"])))

    def apply(self, current: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        sns, desired = self.sns, self.topic
        arn = self._create(desired) if current is None else current["topic_arn"]
        if current is not None:
            self._set_attributes(arn, current)
        added = [subscription(s["protocol"], s["endpoint"], sns.subscribe(
            TopicArn=arn, Protocol=s["protocol"], Endpoint=s["endpoint"]).get("SubscriptionArn", ""))
            for s in self.to_add]
        for s in self.to_remove:
            sns.unsubscribe(SubscriptionArn=s["subscription_arn"])
        # a new topic has only the subscriptions just made (Subscribe answered with their state)
        subs = sorted(added, key=lambda s: sns_subscription_key(s["protocol"], s["endpoint"])) \
            if current is None else read_subscriptions(sns, arn)
        return dict(desired, topic_arn=arn, subscriptions=subs)

    def _create(self, desired: dict[str, Any]) -> str:
        sns = self.sns
        attrs = {"DisplayName": desired["display_name"]} if desired["display_name"] else {}
        arn = sns.create_topic(Name=self.params["name"], Attributes=attrs,
                               Tags=dict_to_tag_list(desired["tags"]))["TopicArn"]
        self.module.on_failure(f"delete SNS topic {arn}", lambda: sns.delete_topic(TopicArn=arn))
        return arn

    def _set_attributes(self, arn: str, current: dict[str, Any]) -> None:
        display = self.topic["display_name"]
        if display != current["display_name"]:
            self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue=display)
        if self.to_untag:
            self.sns.untag_resource(ResourceArn=arn, TagKeys=self.to_untag)
        if self.to_tag:
            self.sns.tag_resource(ResourceArn=arn, Tags=dict_to_tag_list(self.to_tag))

    def result(self, current: dict[str, Any] | None, after: dict[str, Any], final: Any) -> dict[str, Any]:
        if self.params["state"] == "absent":
            return {}
        topic = final or self.topic
        return {"topic_arn": topic["topic_arn"], "subscriptions": topic["subscriptions"],
                "topic": {k: v for k, v in topic.items() if k != "subscriptions"}}


def main() -> None:
    SNSTopic.run()


if __name__ == "__main__":
    main()
