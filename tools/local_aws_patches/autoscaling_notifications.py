"""Auto Scaling notification configurations (Put/Describe/DeleteNotificationConfiguration and
DescribeAutoScalingNotificationTypes); moto 5.2.5 answers HTTP 500 for all four."""
from __future__ import annotations

from typing import Any

from ._util import backend_state, wrap

# The types DescribeAutoScalingNotificationTypes lists (Auto Scaling API reference).
NOTIFICATION_TYPES = [
    "autoscaling:EC2_INSTANCE_LAUNCH",
    "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
    "autoscaling:EC2_INSTANCE_TERMINATE",
    "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
    "autoscaling:TEST_NOTIFICATION",
]


def configurations(backend: Any) -> dict[str, dict[str, list[str]]]:
    """group name -> topic ARN -> notification types."""
    return backend_state(backend, "notification_configurations", dict)


def apply() -> None:
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.models import AutoScalingBackend
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult, EmptyResult

    def existing_group(self: AutoScalingResponse) -> str:
        name = self._get_param("AutoScalingGroupName")
        if name not in self.autoscaling_backend.autoscaling_groups:
            raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
        return name

    # AWS: a group holds one configuration per topic; a second Put for the same topic replaces its types.
    def put_notification_configuration(self: AutoScalingResponse) -> ActionResult:
        group = existing_group(self)
        topic = self._get_param("TopicARN") or ""
        types = self._get_param("NotificationTypes", [])
        if not topic.startswith("arn:") or ":sns:" not in topic:
            raise ValidationError(f"Invalid SNS topic ARN: {topic}")
        if not types:
            raise ValidationError("NotificationTypes must contain at least one notification type")
        unknown = [t for t in types if t not in NOTIFICATION_TYPES]
        if unknown:
            raise ValidationError(f"Notification type {unknown[0]} is not valid. Valid types: "
                                  f"{', '.join(NOTIFICATION_TYPES)}")
        configurations(self.autoscaling_backend).setdefault(group, {})[topic] = sorted(set(types))
        return EmptyResult()

    def describe_notification_configurations(self: AutoScalingResponse) -> ActionResult:
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

    def delete_notification_configuration(self: AutoScalingResponse) -> ActionResult:
        group = existing_group(self)
        topics = configurations(self.autoscaling_backend).get(group, {})
        topics.pop(self._get_param("TopicARN"), None)
        return EmptyResult()

    def describe_auto_scaling_notification_types(self: AutoScalingResponse) -> ActionResult:
        return ActionResult({"AutoScalingNotificationTypes": NOTIFICATION_TYPES})

    for func in (put_notification_configuration, describe_notification_configurations,
                 delete_notification_configuration, describe_auto_scaling_notification_types):
        setattr(AutoScalingResponse, func.__name__, func)

    # AWS: deleting a group deletes its notification configurations.
    def delete_auto_scaling_group(original: Any, self: AutoScalingBackend, group_name: str) -> None:
        original(self, group_name)
        configurations(self).pop(group_name, None)

    wrap(AutoScalingBackend, "delete_auto_scaling_group", delete_auto_scaling_group)
