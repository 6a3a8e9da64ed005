"""SNS: email subscriptions wait for confirmation, as on AWS.

AWS leaves an email/email-json subscription unconfirmed until the recipient follows the link:
Subscribe answers "pending confirmation" (unless ReturnSubscriptionArn), the list calls show
SubscriptionArn "PendingConfirmation", and its attributes say PendingConfirmation "true".
moto 5.2.5 confirms them at once.
"""
from __future__ import annotations

from typing import Any

from ._registry import Behaviour, Wrap

RESPONSE = "moto.sns.responses:SNSResponse"
API = "SNS API Reference"

CONFIRMED_BY_RECIPIENT = ("email", "email-json")


def is_pending(subscription: Any) -> bool:
    return bool(getattr(subscription, "_webfleet_pending", False))


def listed(subscription: Any) -> dict[str, Any]:
    return {
        "SubscriptionArn": "PendingConfirmation" if is_pending(subscription) else subscription.arn,
        "Owner": subscription.owner,
        "Protocol": subscription.protocol,
        "Endpoint": subscription.endpoint,
        "TopicArn": subscription.topic_arn,
    }


def subscribe(original: Any, self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
    """A new email/email-json subscription waits for the recipient's confirmation."""
    existed = self._find_subscription(topic_arn, endpoint, protocol) is not None
    subscription = original(self, topic_arn, endpoint, protocol)
    if not existed and protocol in CONFIRMED_BY_RECIPIENT:
        subscription._webfleet_pending = True
        subscription.confirmed = False
        subscription.attributes["PendingConfirmation"] = "true"
        subscription.attributes["ConfirmationWasAuthenticated"] = "false"
    return subscription


def subscribe_response(original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    result = original(self)
    arn = result.result["SubscriptionArn"]
    subscription = self.backend.subscriptions.get(arn)
    wants_arn = str(self._get_param("ReturnSubscriptionArn", False)).lower() == "true"
    if subscription is not None and is_pending(subscription) and not wants_arn:
        return ActionResult({"SubscriptionArn": "pending confirmation"})
    return result


def as_listed(original: Any, self: Any) -> Any:
    from moto.core.responses import ActionResult

    result = original(self).result
    return ActionResult({"Subscriptions": [listed(s) for s in result["Subscriptions"]],
                         "NextToken": result["NextToken"]})


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.sns.models:SNSBackend", "subscribe", subscribe,
         f"{API}, Subscribe; SNS Developer Guide, \"Email notifications\": email subscriptions pending confirmation"),
    Wrap(RESPONSE, "subscribe", subscribe_response,
         f"{API}, Subscribe: SubscriptionArn \"pending confirmation\" unless ReturnSubscriptionArn"),
    Wrap(RESPONSE, "list_subscriptions", as_listed, f"{API}, ListSubscriptions: SubscriptionArn PendingConfirmation"),
    Wrap(RESPONSE, "list_subscriptions_by_topic", as_listed,
         f"{API}, ListSubscriptionsByTopic: SubscriptionArn PendingConfirmation"),
]
