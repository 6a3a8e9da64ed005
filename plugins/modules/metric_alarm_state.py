#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: metric_alarm_state
short_description: Set a CloudWatch alarm's state, to test what the alarm sets off
description:
  - Sets the state of an existing CloudWatch alarm with SetAlarmState, as the scaling lab check does, so that the
    alarm's actions (scaling policies, SNS topics) can be tried without loading the instances.
  - The change is temporary. AWS evaluates the alarm again at its next period and sets the state its metric
    calls for; an alarm on an idle group goes back from C(ALARM) to C(OK) (or C(INSUFFICIENT_DATA)) within
    minutes. Actions already run (for example a scaling activity) are not undone.
  - AWS runs an alarm's actions only when its state B(changes), and only with actions enabled. By default the module
    calls SetAlarmState only when the alarm is not in O(state_value) already (no change otherwise); with
    O(force=true) it always calls it, which refreshes the state reason but runs no action when the state stays
    the same.
version_added: 0.1.0
author: webfleet.aws contributors (@webfleet)
options:
  name:
    description: Name of the alarm (create it with M(webfleet.aws.metric_alarm)).
    type: str
    required: true
  state_value:
    description: The state to set.
    type: str
    choices: [OK, ALARM, INSUFFICIENT_DATA]
    required: true
  reason:
    description: Why the state is set, in words (at most 1023 characters); shown in the alarm's history.
    type: str
    default: set by webfleet.aws.metric_alarm_state
  reason_data:
    description:
      - Why the state is set, as a JSON document (at most 4000 characters), checked before anything is called.
      - "For a step scaling policy, the last value of C(recentDatapoints) is the metric value that picks the step,
        for example C({\"recentDatapoints\": [95.0]}); without it the alarm's threshold does."
    type: str
  force:
    description:
      - C(false) - set the state only when the alarm is not in O(state_value) (changed only then).
      - C(true) - set it even when the alarm is already in that state (always changed). AWS runs no action for that.
    type: bool
    default: false
extends_documentation_fragment:
  - webfleet.aws.connection
notes:
  - Supports check mode (nothing is set) and diff mode (the alarm's state value and reason, before and after).
  - Works for composite alarms too.
"""

EXAMPLES = r"""
- name: Drive the high-CPU alarm to ALARM (its scale-out policy adds an instance)
  webfleet.aws.metric_alarm_state:
    name: nginx-cpu-high
    state_value: ALARM
    reason: scale check - pretend the CPU is busy
    reason_data: '{"recentDatapoints": [95.0]}'

- name: Then let the low-CPU alarm bring the group back to one instance
  webfleet.aws.metric_alarm_state:
    name: nginx-cpu-low
    state_value: ALARM
    reason: scale check - pretend the CPU is idle
"""

RETURN = r"""
previous:
  description: The alarm's state before the task.
  returned: always
  type: dict
  contains:
    state_value: {description: "OK, ALARM or INSUFFICIENT_DATA.", type: str}
    state_reason: {description: The reason of that state., type: str}
    state_reason_data: {description: Its JSON reason data (null when none)., type: str}
    state_updated_timestamp: {description: When the state was set (ISO 8601)., type: str}
  sample: {state_value: INSUFFICIENT_DATA, state_reason: Unchecked, state_reason_data: null,
           state_updated_timestamp: "2026-01-01T00:00:00+00:00"}
alarm:
  description:
    - The alarm's state after the task (read back from AWS; what would be set, in check mode), with its name, ARN
      and whether its actions are enabled.
  returned: always
  type: dict
  contains:
    alarm_name: {description: Name., type: str}
    alarm_arn: {description: ARN., type: str}
    actions_enabled: {description: Whether the alarm runs actions on state changes., type: bool}
    state_value: {description: "OK, ALARM or INSUFFICIENT_DATA.", type: str}
    state_reason: {description: The reason of that state., type: str}
    state_reason_data: {description: Its JSON reason data (null when none)., type: str}
    state_updated_timestamp: {description: When the state was set (ISO 8601)., type: str}
state_changed:
  description: Whether the state value changed (only then does AWS run the alarm's actions).
  returned: always
  type: bool
"""

import json
from typing import Any, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.core import ParamError
from ansible_collections.webfleet.aws.plugins.module_utils.lifecycle import AWSResource

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
DEFAULT_REASON = "set by webfleet.aws.metric_alarm_state"


def validate(p: Mapping[str, Any]) -> None:
    """Raise ParamError for input AWS would refuse (no API call)."""
    if not 1 <= len(p["name"] or "") <= 255:
        raise ParamError("name", "must be 1 to 255 characters")
    if len(p["reason"] or "") > 1023:
        raise ParamError("reason", f"must be at most 1023 characters (got {len(p['reason'])})")
    data = p["reason_data"]
    if data is not None:
        if len(data) > 4000:
            raise ParamError("reason_data", f"must be at most 4000 characters (got {len(data)})")
        try:
            json.loads(data)
        except ValueError as exc:
            raise ParamError("reason_data", f"is not valid JSON ({exc}); write a JSON document, "
                                            "e.g. '{\"recentDatapoints\": [95.0]}'") from None


def read_alarm(cw: Any, name: str) -> dict[str, Any] | None:
    found = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    alarms = list(found.get("MetricAlarms") or []) + list(found.get("CompositeAlarms") or [])
    return next((a for a in alarms if a.get("AlarmName") == name), None)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def state_of(alarm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "state_value": alarm.get("StateValue"),
        "state_reason": alarm.get("StateReason"),
        "state_reason_data": alarm.get("StateReasonData"),
        "state_updated_timestamp": _iso(alarm.get("StateUpdatedTimestamp")),
    }


def alarm_result(alarm: Mapping[str, Any], state: Mapping[str, Any]) -> dict[str, Any]:
    return {"alarm_name": alarm["AlarmName"], "alarm_arn": alarm.get("AlarmArn"),
            "actions_enabled": alarm.get("ActionsEnabled"), **state}


ARGUMENT_SPEC: dict[str, Any] = dict(
    name=dict(type="str", required=True),
    state_value=dict(type="str", required=True, choices=list(STATES)),
    reason=dict(type="str", default=DEFAULT_REASON),
    reason_data=dict(type="str"),
    force=dict(type="bool", default=False),
)


class AlarmState(AWSResource):
    ARGUMENT_SPEC = ARGUMENT_SPEC
    WHAT = "alarm"

    def validate(self) -> None:
        validate(self.params)

    def read(self) -> dict[str, Any] | None:
        self.cw = self.module.client("cloudwatch")
        current = read_alarm(self.cw, self.params["name"])
        if current is None:
            raise ParamError("name", f"no CloudWatch alarm '{self.params['name']}' in this region; create it with "
                                     "webfleet.aws.metric_alarm (or check the name and the region)")
        return current

    def state_present(self, current: dict[str, Any]) -> None:
        """The only state: the alarm's state is set (changed when it differs, or always with force)."""
        p, name = self.params, self.params["name"]
        self.previous = state_of(current)
        self.state_changed = self.previous["state_value"] != p["state_value"]
        act = self.state_changed or p["force"]
        before = {"alarm_name": name, "state_value": self.previous["state_value"],
                  "state_reason": self.previous["state_reason"]}
        after = dict(before, state_value=p["state_value"], state_reason=p["reason"]) if act else dict(before)
        if self.state_changed and not current.get("ActionsEnabled", True):
            self.module.warn(f"alarm '{name}' has its actions disabled: AWS runs none of them for this state change")
        self.converge(current, before, after, unseen=act)

    def apply(self, current: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
        p = self.params
        request = {"AlarmName": p["name"], "StateValue": p["state_value"], "StateReason": p["reason"]}
        if p["reason_data"] is not None:
            request["StateReasonData"] = p["reason_data"]
        self.cw.set_alarm_state(**request)
        return read_alarm(self.cw, p["name"])

    def result(self, current: dict[str, Any], after: dict[str, Any], fresh: Any) -> dict[str, Any]:
        p, state = self.params, dict(self.previous)
        if self.state_changed or p["force"]:
            state.update(state_value=p["state_value"], state_reason=p["reason"], state_reason_data=p["reason_data"])
        if fresh is not None:
            current, state = fresh, state_of(fresh)
        return {"previous": self.previous, "alarm": alarm_result(current, state), "state_changed": self.state_changed}


def main() -> None:
    AlarmState.run()


if __name__ == "__main__":
    main()
