# -*- coding: utf-8 -*-
"""webfleet.aws.sns_topic through Ansible against the local endpoint."""
from __future__ import annotations

import pytest
from harness import assert_refused

NAME = "nginx-asg-events"
SQS = "arn:aws:sqs:us-east-1:123456789012:events"


def run(ansible, args: dict, **kw) -> dict:
    return ansible.run_tasks([{"webfleet.aws.sns_topic": args}], **kw)[0]


def topics(aws) -> list[str]:
    return [t["TopicArn"] for t in aws.client("sns").list_topics()["Topics"]]


def subs(aws, arn: str) -> list[tuple[str, str]]:
    return sorted((s["Protocol"], s["Endpoint"]) for s in
                  aws.client("sns").list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"])


def test_lifecycle(aws, ansible) -> None:
    args = dict(name=NAME, display_name="nginx", tags={"project": "webfleet"},
                subscriptions=[{"protocol": "https", "endpoint": "https://hooks.example.com/a"}])
    # check mode create: nothing made
    r = run(ansible, args, check=True, diff=True)
    assert r["changed"] and r["diff"]["after"]["display_name"] == "nginx"
    assert topics(aws) == []

    r, again = ansible.run_tasks([{"webfleet.aws.sns_topic": args}] * 2)
    assert r["changed"] and not again["changed"], again
    arn = r["topic_arn"]
    assert r["subscriptions"][0]["protocol"] == "https"
    assert subs(aws, arn) == [("https", "https://hooks.example.com/a")]
    assert aws.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "nginx"
    assert {t["Key"]: t["Value"] for t in aws.client("sns").list_tags_for_resource(ResourceArn=arn)["Tags"]} == \
        {"project": "webfleet"}

    # check mode update: reported, nothing changed
    new = dict(args, display_name="nginx fleet", subscriptions=[{"protocol": "sqs", "endpoint": SQS}])
    r = run(ansible, new, check=True, diff=True)
    assert r["changed"] and r["diff"]["before"]["display_name"] == "nginx"
    assert r["diff"]["after"]["subscriptions"] == [{"protocol": "sqs", "endpoint": SQS}]
    assert subs(aws, arn) == [("https", "https://hooks.example.com/a")]

    # update: one attribute + subscription swap (purged) + tags purged
    r, again, kept = ansible.run_tasks([
        {"webfleet.aws.sns_topic": dict(new, tags={"env": "lab"})},
        {"webfleet.aws.sns_topic": dict(new, tags={"env": "lab"})},
        {"webfleet.aws.sns_topic": dict(name=NAME, purge_subscriptions=False, purge_tags=False, tags={},
                                        subscriptions=[{"protocol": "https", "endpoint": "https://b.example.com"}])},
    ], diff=True)
    assert r["changed"] and r["diff"]["after"]["display_name"] == "nginx fleet", r
    assert not again["changed"], again
    assert kept["changed"]
    assert subs(aws, arn) == [("https", "https://b.example.com"), ("sqs", SQS)]
    assert {t["Key"] for t in aws.client("sns").list_tags_for_resource(ResourceArn=arn)["Tags"]} == {"env"}

    # check mode delete, delete, delete again
    r = run(ansible, {"name": NAME, "state": "absent"}, check=True)
    assert r["changed"] and topics(aws) == [arn]
    r, again = ansible.run_tasks([{"webfleet.aws.sns_topic": {"name": NAME, "state": "absent"}}] * 2)
    assert r["changed"] and not again["changed"] and not again.get("failed")
    assert topics(aws) == []


def test_email_subscription_is_not_resubscribed(aws, ansible) -> None:
    args = dict(name=NAME, subscriptions=[{"protocol": "email", "endpoint": "Ops@Example.com"}])
    r, again = ansible.run_tasks([{"webfleet.aws.sns_topic": args},
                                  {"webfleet.aws.sns_topic": dict(args, subscriptions=[
                                      {"protocol": "email", "endpoint": "ops@example.com"}])}])
    assert r["changed"] and not again["changed"], again
    assert len(subs(aws, r["topic_arn"])) == 1


def test_pending_email_counts_as_present_and_is_not_purged(aws, ansible) -> None:
    args = dict(name=NAME, subscriptions=[{"protocol": "email", "endpoint": "ops@example.com"}])
    r, again, purge = ansible.run_tasks([{"webfleet.aws.sns_topic": args}, {"webfleet.aws.sns_topic": args},
                                         {"webfleet.aws.sns_topic": dict(name=NAME, subscriptions=[])}])
    assert r["subscriptions"][0]["state"] == "pending", r
    assert r["subscriptions"][0]["subscription_arn"] is None
    assert not again["changed"]
    assert not purge["changed"] and not purge.get("failed")
    assert any("pending confirmation" in w for w in purge.get("warnings", [])), purge
    assert subs(aws, r["topic_arn"]) == [("email", "ops@example.com")]


BAD = [
    ("email_endpoint", dict(subscriptions=[{"protocol": "email", "endpoint": "not-an-address"}]),
     "subscriptions[0].endpoint", "'not-an-address' is not valid for protocol email"),
    ("https_endpoint", dict(subscriptions=[{"protocol": "https", "endpoint": "http://plain.example.com"}]),
     "subscriptions[0].endpoint", "'http://plain.example.com' is not valid for protocol https"),
    ("sms_endpoint", dict(subscriptions=[{"protocol": "sms", "endpoint": "0151 1234"}]), "subscriptions[0].endpoint",
     "it must be a phone number in E.164 form"),
    ("bad_name", dict(name="bad name!"), "name", "'bad name!' is not a valid topic name"),
]


@pytest.mark.parametrize("case,extra,param,words", BAD, ids=[b[0] for b in BAD])
def test_bad_input(aws, ansible, case, extra, param, words) -> None:
    assert_refused(run(ansible, {"name": NAME, **extra}), param, words)
    assert topics(aws) == []


def test_faults(aws, ansible_faulty) -> None:
    args = dict(name=NAME, display_name="nginx", tags={"a": "b"},
                subscriptions=[{"protocol": "sqs", "endpoint": SQS},
                               {"protocol": "https", "endpoint": "https://hooks.example.com/a"}])
    r, again = ansible_faulty.run_tasks([{"webfleet.aws.sns_topic": args}] * 2)
    assert not r.get("failed") and not again.get("failed"), (r, again)
    assert not again["changed"]
    assert topics(aws) == [r["topic_arn"]]
    assert subs(aws, r["topic_arn"]) == [("https", "https://hooks.example.com/a"), ("sqs", SQS)]
    ansible_faulty.endpoint.assert_lost_answers()  # item 9: some answers were lost after the work was done
