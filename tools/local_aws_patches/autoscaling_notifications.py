"""Auto Scaling notification configurations (Put/Describe/DeleteNotificationConfiguration and
DescribeAutoScalingNotificationTypes); moto 5.2.5 answers HTTP 500 for all four."""
from __future__ import annotations

import json
from typing import Any

from ._registry import Add, Behaviour, Wrap
from ._util import backend_state, validation_error

RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"

# The types DescribeAutoScalingNotificationTypes lists (Auto Scaling API reference).
NOTIFICATION_TYPES = [
    "autoscaling:EC2_INSTANCE_LAUNCH",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
    "autoscaling:EC2_INSTANCE_TERMINATE",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
    "autoscaling:TEST_NOTIFICATION",
]


# The Subject AWS gives each event's notification ("Auto Scaling: launch for group \"web\"").
SUBJECTS = {
    "autoscaling:EC2_INSTANCE_LAUNCH": "launch",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR": "launch error",
    "autoscaling:EC2_INSTANCE_TERMINATE": "termination",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR": "termination error",
    "autoscaling:TEST_NOTIFICATION": "test notification",
}


def configurations(backend: Any) -> dict[str, dict[str, list[str]]]:
    """group name -> topic ARN -> notification types."""
    return backend_state(backend, "notification_configurations", dict)


def notify(group: Any, event: str, instance: Any | None, description: str, only_topic: str | None = None) -> None:
    """Publish an Auto Scaling event to the topics of the group's configurations that ask for it
    (or to ``only_topic`` whatever it asks for), in AWS's message format."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random
    from moto.sns.models import sns_backends

    backend = group.autoscaling_backend
    topics = configurations(backend).get(group.name, {})
    now = utcnow().isoformat() + "Z"
    message: dict[str, Any] = {
        "Service": "AWS Auto Scaling", "Time": now, "RequestId": str(mock_random.uuid4()),
        "Event": event, "AccountId": backend.account_id, "AutoScalingGroupName": group.name,
        "AutoScalingGroupARN": group.arn, "ActivityId": str(mock_random.uuid4()), "Description": description,
        "Cause": description, "StartTime": now, "EndTime": now, "StatusCode": "InProgress", "StatusMessage": "",
        "Progress": 50,
    }
    if instance is not None:
        message["EC2InstanceId"] = instance.id
        message["Details"] = {"Subnet ID": instance.subnet_id or "", "Availability Zone": instance.placement.zone}
    sns = sns_backends[backend.account_id][backend.region_name]
    for topic, kinds in topics.items():
        if (topic == only_topic or (only_topic is None and event in kinds)) and topic in sns.topics:
            sns.publish(json.dumps(message), arn=topic,
                        subject=f"Auto Scaling: {SUBJECTS[event]} for group \"{group.name}\"")


def existing_group(self: Any) -> str:
    name = self._get_param("AutoScalingGroupName")
    if name not in self.autoscaling_backend.autoscaling_groups:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    return str(name)


def put_notification_configuration(self: Any) -> Any:
    """AWS: a group holds one configuration per topic; a second Put for the same topic replaces its types."""
    from moto.core.responses import EmptyResult

    group = existing_group(self)
    topic = self._get_param("TopicARN") or ""
    types = self._get_param("NotificationTypes", [])
    if not topic.startswith("arn:") or ":sns:" not in topic:
        raise validation_error(f"Invalid SNS topic ARN: {topic}")
    if not types:
        raise validation_error("NotificationTypes must contain at least one notification type")
    unknown = [t for t in types if t not in NOTIFICATION_TYPES]
    if unknown:
        raise validation_error(f"Notification type {unknown[0]} is not valid. Valid types: "
                               f"{', '.join(NOTIFICATION_TYPES)}")
    configurations(self.autoscaling_backend).setdefault(group, {})[topic] = sorted(set(types))
    # AWS sends a test notification to the topic when the configuration is made.
    notify(self.autoscaling_backend.autoscaling_groups[group], "autoscaling:TEST_NOTIFICATION", None,
           f"Test notification for group {group}", only_topic=topic)
    return EmptyResult()


def describe_notification_configurations(self: Any) -> Any:
    from moto.core.responses import ActionResult

    names = self._get_param("AutoScalingGroupNames", [])
    rows = [
        {"AutoScalingGroupName": group, "TopicARN": topic, "NotificationType": kind}
        for group, topics in sorted(configurations(self.autoscaling_backend).items())
        if not names or group in names
        for topic, kinds in sorted(topics.items())
        for kind in kinds
    ]
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxRecords") or 50)
    token = str(start + size) if start + size < len(rows) else None
    return ActionResult({"NotificationConfigurations": rows[start:start + size], "NextToken": token})


def delete_notification_configuration(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    group = existing_group(self)
    topics = configurations(self.autoscaling_backend).get(group, {})
    topics.pop(self._get_param("TopicARN"), None)
    return EmptyResult()


def describe_auto_scaling_notification_types(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"AutoScalingNotificationTypes": NOTIFICATION_TYPES})


def delete_auto_scaling_group(original: Any, self: Any, group_name: str) -> None:
    """AWS: deleting a group deletes its notification configurations."""
    original(self, group_name)
    configurations(self).pop(group_name, None)


def replace_autoscaling_group_instances(original: Any, self: Any, count_needed: int,
                                        propagated_tags: dict[str, str]) -> None:
    """AWS: each launch is notified to the topics configured for it."""
    before = {state.instance.id for state in self.instance_states}
    original(self, count_needed, propagated_tags)
    for state in self.instance_states:
        if state.instance.id not in before:
            notify(self, "autoscaling:EC2_INSTANCE_LAUNCH", state.instance,
                   f"Launching a new EC2 instance: {state.instance.id}")


def terminate_instances(original: Any, self: Any, instance_ids: list[str]) -> Any:
    """AWS: each termination of a group's instance is notified to the topics configured for it."""
    terminating = []
    for instance_id in instance_ids:
        instance = self.get_instance(instance_id)
        group = getattr(instance, "autoscaling_group", None)
        if group is not None and instance.state != "terminated":
            terminating.append((group, instance))
    result = original(self, instance_ids)
    for group, instance in terminating:
        notify(group, "autoscaling:EC2_INSTANCE_TERMINATE", instance, f"Terminating EC2 instance: {instance.id}")
    return result


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, put_notification_configuration,
        f"{API}, PutNotificationConfiguration: one configuration per topic, validated; a test notification"),
    Add(RESPONSE, describe_notification_configurations,
        f"{API}, DescribeNotificationConfigurations: AutoScalingGroupNames, MaxRecords/NextToken"),
    Add(RESPONSE, delete_notification_configuration, f"{API}, DeleteNotificationConfiguration"),
    Add(RESPONSE, describe_auto_scaling_notification_types, f"{API}, DescribeAutoScalingNotificationTypes"),
    Wrap("moto.autoscaling.models:AutoScalingBackend", "delete_auto_scaling_group", delete_auto_scaling_group,
         f"{API}, DeleteAutoScalingGroup: the group's notification configurations are deleted with it"),
    Wrap("moto.autoscaling.models:FakeAutoScalingGroup", "replace_autoscaling_group_instances",
         replace_autoscaling_group_instances,
         "Auto Scaling User Guide, \"Amazon SNS notification options\": autoscaling:EC2_INSTANCE_LAUNCH"),
    Wrap("moto.ec2.models:EC2Backend", "terminate_instances", terminate_instances,
         "Auto Scaling User Guide, \"Amazon SNS notification options\": autoscaling:EC2_INSTANCE_TERMINATE"),
]
