"""SNS email deliveries land in the endpoint's Maildir (tools/local_aws_patches/sns_mailbox.py):
the confirmation with its link first, the topic's messages only once the link (or
ConfirmSubscription with the token) confirmed the subscription. A real endpoint process with its
own state directory; the mail is read back with the stdlib email package."""
from __future__ import annotations

import email
import email.policy
import email.utils
import json
import re
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from harness import Endpoint, serve_endpoint

pytestmark = pytest.mark.needs_patch

SENDER = "AWS Notifications <no-reply@sns.amazonaws.com>"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/moto-api/webfleet/sns/confirm\?\S+")


@pytest.fixture(scope="module")
def mail_endpoint(lab_endpoint: tuple[Endpoint, Path]) -> tuple[Endpoint, Path]:
    """The endpoint and its Maildir."""
    aws, state = lab_endpoint
    return aws, state / "mail" / aws.url.rsplit(":", 1)[1]


def mails_to(maildir: Path, address: str) -> list[EmailMessage]:
    """The messages to ``address``, oldest first, parsed as a mail client would."""
    found = []
    for path in sorted(maildir.glob("new/*"), key=lambda p: p.stat().st_mtime_ns):
        with path.open("rb") as fh:
            msg = email.message_from_binary_file(fh, policy=email.policy.default)
        if msg["To"] == address:
            found.append(msg)
    return found


def subscribe(aws: Endpoint, address: str, protocol: str = "email") -> str:
    sns = aws.client("sns")
    topic = sns.create_topic(Name="nginx-asg-events")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=address)["SubscriptionArn"] == \
        "pending confirmation"
    return topic


def listed_arn(aws: Endpoint, topic: str, address: str) -> str:
    subs = aws.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    return next(s["SubscriptionArn"] for s in subs if s["Endpoint"] == address)


def test_email_confirmed_by_link_then_delivered(mail_endpoint: tuple[Endpoint, Path]) -> None:
    aws, maildir = mail_endpoint
    address = "ops-link@example.com"
    topic = subscribe(aws, address)
    [confirm] = mails_to(maildir, address)
    assert confirm["Subject"] == "AWS Notification - Subscription Confirmation"
    assert confirm["From"] == SENDER
    assert topic in confirm.get_content()
    link = LINK.search(confirm.get_content())
    assert link, confirm.get_content()
    assert any(link.group(0).encode() in p.read_bytes() for p in maildir.glob("new/*")), \
        "the link is not readable in the message file itself"

    aws.client("sns").publish(TopicArn=topic, Message="before confirmation", Subject="early")
    assert len(mails_to(maildir, address)) == 1, "a pending subscription got a message"
    assert listed_arn(aws, topic, address) == "PendingConfirmation"

    with urllib.request.urlopen(link.group(0), timeout=10) as resp:
        assert resp.status == 200
        assert "Subscription confirmed!" in resp.read().decode()
    arn = listed_arn(aws, topic, address)
    assert arn.startswith(topic + ":")
    assert aws.client("sns").get_subscription_attributes(SubscriptionArn=arn)["Attributes"][
        "PendingConfirmation"] == "false"

    aws.client("sns").publish(TopicArn=topic, Message="the group launched an instance", Subject="Auto Scaling: launch")
    delivered = mails_to(maildir, address)[-1]
    assert len(mails_to(maildir, address)) == 2
    assert delivered["Subject"] == "Auto Scaling: launch"
    assert delivered["From"] == SENDER
    assert delivered.get_content().startswith("the group launched an instance\n")
    assert email.utils.parsedate_to_datetime(delivered["Date"]).tzinfo is not None


def test_confirm_subscription_with_the_token(mail_endpoint: tuple[Endpoint, Path]) -> None:
    aws, maildir = mail_endpoint
    address = "ops-json@example.com"
    topic = subscribe(aws, address, "email-json")
    body = json.loads(mails_to(maildir, address)[0].get_content())
    assert body["Type"] == "SubscriptionConfirmation" and LINK.fullmatch(body["SubscribeURL"])
    sns = aws.client("sns")
    with pytest.raises(ClientError) as exc:
        sns.confirm_subscription(TopicArn=topic, Token="0" * 128)
    assert exc.value.response["Error"]["Code"] == "InvalidParameter"
    assert listed_arn(aws, topic, address) == "PendingConfirmation"

    arn = sns.confirm_subscription(TopicArn=topic, Token=body["Token"])["SubscriptionArn"]
    assert arn == listed_arn(aws, topic, address) != "PendingConfirmation"
    sns.publish(TopicArn=topic, Message="hello", Subject="json")
    note = json.loads(mails_to(maildir, address)[-1].get_content())
    assert (note["Type"], note["Message"], note["Subject"], note["TopicArn"]) == \
        ("Notification", "hello", "json", topic)


def test_alarm_message_reaches_the_mailbox_and_the_lab(mail_endpoint: tuple[Endpoint, Path]) -> None:
    aws, maildir = mail_endpoint
    address = "ops-alarm@example.com"
    topic = subscribe(aws, address)
    token = re.search(r"Token=([0-9a-f]+)", mails_to(maildir, address)[0].get_content())
    assert token
    aws.client("sns").confirm_subscription(TopicArn=topic, Token=token.group(1))
    cw = aws.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="cpu-high", MetricName="CPUUtilization", Namespace="AWS/EC2", Statistic="Average",
                        Period=60, EvaluationPeriods=1, Threshold=80, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[topic])
    cw.set_alarm_state(AlarmName="cpu-high", StateValue="ALARM", StateReason="test")
    alarm = mails_to(maildir, address)[-1]
    assert alarm["Subject"] == 'ALARM: "cpu-high" in US East (N. Virginia)'
    assert '"NewStateValue": "ALARM"' in alarm.get_content()

    with urllib.request.urlopen(aws.url + "/moto-api/webfleet/lab", timeout=10) as resp:
        mail = json.loads(resp.read())["mail"]
    assert mail["maildir"] == str(maildir)
    assert mail["messages"] == len(list(maildir.glob("new/*")))
    assert mail["latest"][0] == {"date": alarm["Date"], "to": address, "subject": alarm["Subject"]}
    assert len(mail["latest"]) == 3


def test_confirm_link_with_a_wrong_token_confirms_nothing(mail_endpoint: tuple[Endpoint, Path]) -> None:
    aws, maildir = mail_endpoint
    address = "ops-wrong@example.com"
    topic = subscribe(aws, address)
    link = LINK.search(mails_to(maildir, address)[0].get_content())
    assert link
    wrong = re.sub(r"Token=[0-9a-f]+", "Token=abc", link.group(0))
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(wrong, timeout=10)
    assert exc.value.code == 404
    assert listed_arn(aws, topic, address) == "PendingConfirmation"


def test_an_endpoint_the_tests_start_keeps_its_mail_in_its_own_directory(tmp_path: Path) -> None:
    """Tests never write into the user's state directory (~/.cache/webfleet): without a
    state_dir the harness's endpoint keeps its state beside its log."""
    with serve_endpoint(tmp_path) as aws:
        address = "ops-own@example.com"
        subscribe(aws, address)
        [confirm] = mails_to(tmp_path / "mail" / aws.url.rsplit(":", 1)[1], address)
    assert confirm["Subject"] == "AWS Notification - Subscription Confirmation"
