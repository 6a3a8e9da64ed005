"""SNS email deliveries land in a local Maildir a mail client opens.

On AWS an email/email-json subscription first gets a confirmation message with a link; only once
the recipient follows it (or someone calls ConfirmSubscription with its token) does the topic's
messages reach the address. Locally each such delivery is an RFC 5322 message in
<state dir>/mail/<port> (Maildir: tmp/ new/ cur/), and the link is the endpoint's
GET /moto-api/webfleet/sns/confirm?TopicArn=...&Token=..., which confirms like ConfirmSubscription.
sns.py makes the subscriptions pending; this module sends, confirms and delivers.
"""
from __future__ import annotations

import email.utils
import json
import mailbox
import secrets
import threading
import urllib.parse
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ._registry import Behaviour, Route, ServeContext, Service, Wrap

BY_EMAIL = ("email", "email-json")
CONFIRM_PATH = "/moto-api/webfleet/sns/confirm"
SENDER = "no-reply@sns.amazonaws.com"
CONFIRM_SUBJECT = "AWS Notification - Subscription Confirmation"
DEFAULT_SUBJECT = "AWS Notification Message"  # SNS's subject when Publish names none
OPT_OUT = ("Please do not reply directly to this email. If you wish to remove yourself from receiving all "
           "future SNS subscription confirmation requests please send an email to sns-opt-out")


class Mailbox:
    """A Maildir written by one endpoint (threads of one process: a lock keeps names unique)."""

    def __init__(self, path: Path, endpoint_url: str) -> None:
        self.path = path
        self.endpoint_url = endpoint_url
        self.lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(str(path), create=True)

    def deliver(self, message: EmailMessage) -> None:
        with self.lock:
            mailbox.Maildir(str(self.path), create=True).add(message)

    def info(self) -> dict[str, Any]:
        files = sorted((p for d in ("new", "cur") for p in (self.path / d).glob("*") if p.is_file()),
                       key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
        latest = []
        for path in files[:3]:
            with path.open("rb") as fh:
                headers = email.message_from_binary_file(fh)
            latest.append({"date": headers["Date"], "to": headers["To"], "subject": headers["Subject"]})
        return {"maildir": str(self.path), "messages": len(files), "latest": latest}


MAILBOX: list[Mailbox] = []  # the running one (none before serve starts it, e.g. unit tests)


def start(context: ServeContext) -> None:
    MAILBOX[:] = [Mailbox(context.state_dir / "mail" / str(context.port), f"http://{context.host}:{context.port}")]


def stop() -> None:
    MAILBOX.clear()


def info() -> dict[str, Any] | None:
    return MAILBOX[0].info() if MAILBOX else None


def is_pending(subscription: Any) -> bool:
    """As GetSubscriptionAttributes says (sns.py sets it "true" for a new email subscription)."""
    return str(subscription.attributes.get("PendingConfirmation", "false")).lower() == "true"


def mark_confirmed(subscription: Any, authenticated: bool) -> None:
    subscription._webfleet_pending = False  # sns.py's flag: the lists show the real ARN from now on
    subscription.confirmed = True
    subscription.attributes["PendingConfirmation"] = "false"
    subscription.attributes["ConfirmationWasAuthenticated"] = "true" if authenticated else "false"


def compose(subscription: Any, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    name = getattr(subscription.topic, "display_name", "") or "AWS Notifications"
    msg["From"] = email.utils.formataddr((name, SENDER))
    msg["To"] = subscription.endpoint
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = email.utils.make_msgid(domain="email.amazonses.com")
    # 8bit keeps the link readable in the file itself (the default, quoted-printable, breaks long
    # lines and escapes "="); RFC 5322's 998-octet line limit still needs quoted-printable.
    fits = all(len(line.encode()) <= 998 for line in body.splitlines())
    msg.set_content(body, cte="8bit" if fits else "quoted-printable")
    return msg


def confirm_link(box: Mailbox, subscription: Any) -> str:
    query = urllib.parse.urlencode({"TopicArn": subscription.topic_arn, "Token": subscription._webfleet_token,
                                    "Endpoint": subscription.endpoint})
    return f"{box.endpoint_url}{CONFIRM_PATH}?{query}"


def confirmation(box: Mailbox, subscription: Any) -> EmailMessage:
    link = confirm_link(box, subscription)
    arn = subscription.topic_arn
    if subscription.protocol == "email-json":
        body = json.dumps({
            "Type": "SubscriptionConfirmation", "MessageId": str(uuid.uuid4()),
            "Token": subscription._webfleet_token, "TopicArn": arn,
            "Message": f"You have chosen to subscribe to the topic {arn}.\n"
                       "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": link, "Timestamp": email.utils.formatdate(usegmt=True), "SignatureVersion": "1",
        }, indent=2)
    else:
        body = (f"You have chosen to subscribe to the topic: \n{arn}\n\nTo confirm this subscription, click or "
                f"visit the link below (If this was in error no action is necessary): \n"
                f"Confirm subscription: {link}\n\n{OPT_OUT}\n")
    return compose(subscription, CONFIRM_SUBJECT, body)


def subscribe(original: Any, self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
    """AWS sends the confirmation on Subscribe, and again when a still-pending one is subscribed again."""
    subscription = original(self, topic_arn, endpoint, protocol)
    if protocol in BY_EMAIL and is_pending(subscription):
        if "_webfleet_token" not in subscription.__dict__:
            subscription._webfleet_token = secrets.token_hex(64)
        if MAILBOX:
            MAILBOX[0].deliver(confirmation(MAILBOX[0], subscription))
    return subscription


def notification(subscription: Any, message: str, message_id: str, subject: str | None) -> EmailMessage:
    if subscription.protocol == "email-json":
        body = json.dumps(subscription.get_post_data(message, message_id, subject), indent=2)
    else:
        unsubscribe = (f"https://sns.{subscription.topic.sns_backend.region_name}.amazonaws.com/unsubscribe.html?"
                       + urllib.parse.urlencode({"SubscriptionArn": subscription.arn,
                                                 "Endpoint": subscription.endpoint}))
        body = (f"{message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or "
                f"visit the link below to unsubscribe:\n{unsubscribe}\n\n"
                "Please do not reply directly to this email. If you have any questions or comments regarding "
                "this email, please contact us at https://aws.amazon.com/support\n")
    return compose(subscription, subject or DEFAULT_SUBJECT, body)


def publish(original: Any, self: Any, message: str, message_id: str, subject: str | None = None,
            message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
            deduplication_id: str | None = None, message_structure: str | None = None) -> None:
    """A confirmed email subscription gets the message (its filter policy and the "email" key of a
    JSON MessageStructure apply, as for the other protocols); a pending one gets nothing."""
    original(self, message, message_id, subject=subject, message_attributes=message_attributes,
             group_id=group_id, deduplication_id=deduplication_id, message_structure=message_structure)
    if self.protocol not in BY_EMAIL or is_pending(self) or not MAILBOX:
        return
    matcher = self._filter_policy_matcher
    if matcher is not None and not matcher.matches(message_attributes, message):
        return
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    MAILBOX[0].deliver(notification(self, message, message_id, subject))


def by_token(backend: Any, topic_arn: str, token: str) -> Any | None:
    """The topic's email subscription this token was sent to (pending or already confirmed)."""
    for subscription in list(backend.subscriptions.values()):
        if (subscription.topic_arn == topic_arn and token
                and secrets.compare_digest(subscription.__dict__.get("_webfleet_token", ""), token)):
            return subscription
    return None


def confirm_subscription(original: Any, self: Any) -> Any:
    """ConfirmSubscription with the token of a confirmation message confirms that subscription and
    answers its ARN (moto answers a made-up ARN and confirms nothing); a bad token is InvalidParameter."""
    from moto.core.responses import ActionResult
    from moto.sns.exceptions import SNSInvalidParameter

    topic_arn = self._get_param("TopicArn")
    self.backend.get_topic(topic_arn)  # NotFound, as moto and AWS answer
    subscription = by_token(self.backend, topic_arn, self._get_param("Token") or "")
    if subscription is None:
        raise SNSInvalidParameter("Invalid parameter: Token")
    if is_pending(subscription):
        mark_confirmed(subscription, authenticated=True)
    return ActionResult({"SubscriptionArn": subscription.arn})


PAGE = ("<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><h1>{title}</h1>\n<p>{text}</p>"
        "</body></html>\n")


def page(status: int, title: str, text: str) -> tuple[int, dict[str, str], str]:
    import html

    return status, {"Content-Type": "text/html; charset=utf-8"}, PAGE.format(title=html.escape(title),
                                                                             text=html.escape(text))


def confirm_route(_request: Any, full_url: str, _headers: Any) -> tuple[int, dict[str, str], str]:
    """The confirmation message's link: confirms as ConfirmSubscription does, answers a page."""
    from moto.sns.models import sns_backends

    query = urllib.parse.parse_qs(urllib.parse.urlsplit(full_url).query)
    topic_arn = query.get("TopicArn", [""])[0]
    parts = topic_arn.split(":")
    if len(parts) != 6 or parts[2] != "sns":
        return page(400, "Invalid Parameter", f"TopicArn is not a topic's ARN: {topic_arn!r}")
    backend = sns_backends[parts[4]][parts[3]]
    subscription = by_token(backend, topic_arn, query.get("Token", [""])[0])
    if subscription is None:
        return page(404, "Invalid Token", "No subscription of this topic was sent this token.")
    if is_pending(subscription):
        mark_confirmed(subscription, authenticated=False)
    return page(200, "Subscription confirmed!",
                f"You have successfully subscribed. Your subscription's id is: {subscription.arn}")


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.sns.models:SNSBackend", "subscribe", subscribe,
         "SNS Developer Guide: Email notifications — Subscribe sends a subscription confirmation message"),
    Wrap("moto.sns.models:Subscription", "publish", publish,
         "SNS Developer Guide: Email notifications — confirmed email/email-json endpoints get the topic's messages"),
    Wrap("moto.sns.responses:SNSResponse", "confirm_subscription", confirm_subscription,
         "SNS API Reference: ConfirmSubscription — verifies the token sent by Subscribe, returns the SubscriptionArn"),
    Route(CONFIRM_PATH, confirm_route,
          "SNS Developer Guide: confirming a subscription by following the confirmation message's link"),
    Service("mail", start, stop, "the lab's mailbox: SNS email deliveries as a Maildir (no AWS counterpart)", info),
]
