"""CloudWatch alarms: a state change runs the new state's actions, as AWS does (moto 5.2.5 runs
none): SNS topics get AWS's alarm message here, scaling policies run through a runner that
autoscaling_policies registers (on_alarm_action); a new alarm starts in INSUFFICIENT_DATA and
PutMetricAlarm on an existing one keeps its state."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ._registry import Behaviour, Wrap

BACKEND = "moto.cloudwatch.models:CloudWatchBackend"
API = "CloudWatch API Reference"

REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
                "ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-1": "Asia Pacific (Tokyo)"}


@dataclass
class AlarmChange:
    """One alarm state change, as the action runners see it."""

    backend: Any  # the alarm's CloudWatchBackend
    alarm: Any
    previous: str
    state: str
    reason_data: str


# Called as runner(change, action_arn) for each action of the new state; a runner ignores
# ARNs that are not its kind.
ACTION_RUNNERS: list[Callable[[AlarmChange, str], None]] = []


def on_alarm_action(runner: Callable[[AlarmChange, str], None]) -> None:
    if runner not in ACTION_RUNNERS:
        ACTION_RUNNERS.append(runner)


def alarm_message(alarm: Any, account_id: str, region: str, old_state: str) -> dict[str, Any]:
    """The JSON AWS publishes to an alarm's SNS actions."""
    from moto.core.utils import utcnow

    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp.isoformat(),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": utcnow().isoformat(),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions or []),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": (alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
        },
    }


def set_alarm_state(original: Any, self: Any, alarm_name: str, reason: str, reason_data: str,
                    state_value: str) -> None:
    """AWS: an alarm entering a state runs that state's actions, once per change and only with
    actions enabled. SNS topics get AWS's alarm message here; other kinds of action (scaling
    policies: autoscaling_policies) register a runner with on_alarm_action."""
    from moto.core.exceptions import ServiceException

    alarm = self.alarms.get(alarm_name)
    previous = alarm.state_value if alarm is not None else None
    original(self, alarm_name, reason, reason_data, state_value)
    if alarm is None or previous == state_value or not alarm.actions_enabled:
        return
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state_value] or []
    change = AlarmChange(self, alarm, previous or "", state_value, reason_data)
    for arn in actions:
        for runner in ACTION_RUNNERS:
            try:
                runner(change, arn)
            except ServiceException:
                pass  # AWS: a failing action (e.g. a deleted topic) does not fail SetAlarmState


def publish_to_topic(change: AlarmChange, arn: str) -> None:
    """An SNS topic among the actions gets AWS's alarm message."""
    from moto.sns.models import sns_backends

    if not arn.startswith("arn:") or arn.split(":")[2] != "sns":
        return
    backend = change.backend
    message = json.dumps(alarm_message(change.alarm, backend.account_id, backend.region_name, change.previous))
    region = REGION_NAMES.get(backend.region_name, backend.region_name)
    subject = f'{change.state}: "{change.alarm.name}" in {region}'
    sns_backends[backend.account_id][arn.split(":")[3]].publish(message, arn=arn, subject=subject[:100])


on_alarm_action(publish_to_topic)


def put_metric_alarm(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    """AWS: a new alarm is INSUFFICIENT_DATA until first evaluated; "when you update an existing
    alarm, its state is left unchanged" (PutMetricAlarm). moto started (and restarted) at OK."""
    name = kwargs["name"] if "name" in kwargs else args[0]
    existing = self.alarms.get(name)
    alarm = original(self, *args, **kwargs)
    if existing is not None:
        for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(alarm, attr, getattr(existing, attr))
    else:
        alarm.state_value = "INSUFFICIENT_DATA"
    return alarm


BEHAVIOURS: list[Behaviour] = [
    Wrap(BACKEND, "set_alarm_state", set_alarm_state,
         f"{API}, SetAlarmState; CloudWatch User Guide, \"Alarm actions\": a state change runs that state's "
         "actions (SNS alarm message, scaling policies)"),
    Wrap(BACKEND, "put_metric_alarm", put_metric_alarm,
         f"{API}, PutMetricAlarm: a new alarm starts INSUFFICIENT_DATA; an updated one keeps its state"),
]
