"""CloudWatch alarms: they notify their SNS topic actions on a state change, as AWS does (moto
5.2.5 runs no alarm action at all; scaling policy actions: autoscaling_policies); a new alarm
starts in INSUFFICIENT_DATA and PutMetricAlarm on an existing one keeps its state."""
from __future__ import annotations

import json
from typing import Any

from moto.core.utils import utcnow

from ._util import wrap

REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
                "ap-northeast-2": "Asia Pacific (Seoul)", "ap-northeast-1": "Asia Pacific (Tokyo)"}


def alarm_message(alarm: Any, account_id: str, region: str, old_state: str) -> dict[str, Any]:
    """The JSON AWS publishes to an alarm's SNS actions."""
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


def apply() -> None:
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.core.exceptions import ServiceException
    from moto.sns.models import sns_backends

    def set_alarm_state(original: Any, self: CloudWatchBackend, alarm_name: str, reason: str, reason_data: str,
                        state_value: str) -> None:
        alarm = self.alarms.get(alarm_name)
        previous = alarm.state_value if alarm is not None else None
        original(self, alarm_name, reason, reason_data, state_value)
        if alarm is None or previous == state_value or not alarm.actions_enabled:
            return
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[state_value] or []
        message = json.dumps(alarm_message(alarm, self.account_id, self.region_name, previous or ""))
        subject = f'{state_value}: "{alarm.name}" in {REGION_NAMES.get(self.region_name, self.region_name)}'
        for arn in actions:
            if not arn.startswith("arn:") or arn.split(":")[2] != "sns":
                continue
            region = arn.split(":")[3]
            try:
                sns_backends[self.account_id][region].publish(message, arn=arn, subject=subject[:100])
            except ServiceException:
                pass  # AWS: a failing action (e.g. a deleted topic) does not fail SetAlarmState

    wrap(CloudWatchBackend, "set_alarm_state", set_alarm_state)

    # AWS: a new alarm is INSUFFICIENT_DATA until first evaluated; "when you update an existing
    # alarm, its state is left unchanged" (PutMetricAlarm). moto started (and restarted) at OK.
    def put_metric_alarm(original: Any, self: CloudWatchBackend, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        existing = self.alarms.get(name)
        alarm = original(self, *args, **kwargs)
        if existing is not None:
            for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
                setattr(alarm, attr, getattr(existing, attr))
        else:
            alarm.state_value = "INSUFFICIENT_DATA"
        return alarm

    wrap(CloudWatchBackend, "put_metric_alarm", put_metric_alarm)
