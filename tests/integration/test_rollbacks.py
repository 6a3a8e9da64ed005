"""Undo steps (AWSModule.on_failure, run by AWSModule.fail) through a real failure at the endpoint:
a module makes something, a later call of the same run is refused by the endpoint as AWS would
refuse it, the result lists what was rolled back, and boto3 finds nothing half-made. A failure on
a resource that existed before the run undoes nothing of it."""
from __future__ import annotations

from harness import REGION, AnsibleRunner, Endpoint

# a well-formed ARN of a platform endpoint that does not exist: only the endpoint can refuse it
MISSING_APP_ENDPOINT = f"arn:aws:sns:{REGION}:123456789012:endpoint/GCM/webfleet/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab"
# a VPC security group holds at most 60 inbound rules (AWS's default quota; the endpoint keeps it too)
TOO_MANY_CIDRS = [f"10.0.{i}.0/24" for i in range(61)]


def user_groups(aws: Endpoint) -> list[str]:
    found = aws.client("ec2").describe_security_groups()["SecurityGroups"]
    return [g["GroupName"] for g in found if g["GroupName"] != "default"]


def topics(aws: Endpoint) -> list[str]:
    return [t["TopicArn"].rsplit(":", 1)[1] for t in aws.client("sns").list_topics()["Topics"]]


def assert_undone(res: dict, operation: str, what: str) -> None:
    """The task failed on ``operation`` and its one undo step (``what`` ...) ran without error."""
    assert res.get("failed") is True and not res.get("changed"), res
    assert res.get("operation") == operation, res
    (undo,) = res["rolled_back"]
    assert undo.startswith(what) and "FAILED" not in undo, res


def test_security_group_refused_rules_delete_the_new_group(aws: Endpoint, ansible: AnsibleRunner) -> None:
    # CreateSecurityGroup succeeds, then AuthorizeSecurityGroupIngress is refused (61 rules)
    res = ansible.run_tasks([{"webfleet.aws.security_group": {
        "name": "half-made", "description": "web", "rules": [{"proto": "tcp", "ports": 80, "cidr_ip": TOO_MANY_CIDRS}],
    }}])[0]
    assert_undone(res, "AuthorizeSecurityGroupIngress", "delete security group sg-")
    assert res["error"]["code"] == "RulesPerSecurityGroupLimitExceeded", res
    assert user_groups(aws) == []


def test_security_group_existing_group_is_kept(aws: Endpoint, ansible: AnsibleRunner) -> None:
    group_id = aws.security_group("kept")
    res = ansible.run_tasks([{"webfleet.aws.security_group": {
        "name": "kept", "description": "web", "rules": [{"proto": "tcp", "ports": 80, "cidr_ip": TOO_MANY_CIDRS}],
    }}])[0]
    assert res.get("failed") is True and "rolled_back" not in res, res
    assert [g["GroupId"] for g in aws.client("ec2").describe_security_groups(GroupNames=["kept"])["SecurityGroups"]] \
        == [group_id]


def test_sns_topic_refused_subscription_deletes_the_new_topic(aws: Endpoint, ansible: AnsibleRunner) -> None:
    # CreateTopic succeeds, then Subscribe is refused (no such platform endpoint)
    res = ansible.module("sns_topic", name="half-made", subscriptions=[
        {"protocol": "email", "endpoint": "ops@example.com"},
        {"protocol": "application", "endpoint": MISSING_APP_ENDPOINT}])
    assert_undone(res, "Subscribe", "delete SNS topic arn:aws:sns:")
    assert res["error"]["code"] == "InvalidParameter", res
    assert topics(aws) == []
    assert aws.client("sns").list_subscriptions()["Subscriptions"] == []


def test_sns_topic_existing_topic_is_kept(aws: Endpoint, ansible: AnsibleRunner) -> None:
    arn = aws.client("sns").create_topic(Name="kept")["TopicArn"]
    res = ansible.module("sns_topic", name="kept", subscriptions=[
        {"protocol": "application", "endpoint": MISSING_APP_ENDPOINT}])
    assert res.get("failed") is True and "rolled_back" not in res, res
    assert [t["TopicArn"] for t in aws.client("sns").list_topics()["Topics"]] == [arn]
