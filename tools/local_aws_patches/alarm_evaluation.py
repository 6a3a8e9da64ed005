"""How CloudWatch evaluates a metric alarm, as pure functions (no moto): metrics.py feeds them the
alarm's datapoints; tests/unit/test_alarm_evaluation.py feeds them hand-built ones.

AWS (CloudWatch User Guide, "Evaluating an alarm" and "Configuring how CloudWatch alarms treat
missing data"): the evaluation range is the last EvaluationPeriods periods; each period's datapoint
is the Statistic of the samples in it, or missing; the alarm goes to ALARM when at least
DatapointsToAlarm of them breach the threshold, else to OK. Missing datapoints count as breaching
(``breaching``) or not (``notBreaching``); with ``missing`` and ``ignore`` they are left out, and a
range with no datapoint at all makes the alarm INSUFFICIENT_DATA (``missing``) or keeps its state
(``ignore``). Not modelled: CloudWatch's look-back past the range when some datapoints are missing.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

OPERATORS = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
OPERATOR_WORDS = {
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "GreaterThanThreshold": "greater than",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}
TREAT_MISSING = ("missing", "notBreaching", "breaching", "ignore")


@dataclass(frozen=True)
class AlarmSpec:
    """What an alarm's evaluation reads (PutMetricAlarm's parameters)."""

    period: float  # seconds
    evaluation_periods: int
    threshold: float
    comparison: str
    statistic: str = "Average"  # or an extended statistic such as p90
    datapoints_to_alarm: int | None = None  # None: EvaluationPeriods
    treat_missing: str = "missing"

    @property
    def needed(self) -> int:
        return self.datapoints_to_alarm or self.evaluation_periods


def supported(spec: AlarmSpec) -> bool:
    """Whether this evaluator handles the alarm (anomaly-detection operators are not)."""
    return spec.comparison in OPERATORS and spec.period > 0 and spec.evaluation_periods > 0


def statistic(values: Sequence[float], name: str) -> float | None:
    """CloudWatch's statistic of one period's samples (None: no sample, the datapoint is missing)."""
    if not values:
        return None
    if name == "Average":
        return sum(values) / len(values)
    if name == "Sum":
        return float(sum(values))
    if name == "Minimum":
        return float(min(values))
    if name == "Maximum":
        return float(max(values))
    if name == "SampleCount":
        return float(len(values))
    if name.startswith("p"):  # percentile, nearest rank
        ordered = sorted(values)
        rank = math.ceil(float(name[1:]) / 100 * len(ordered))
        return float(ordered[min(max(rank, 1), len(ordered)) - 1])
    raise ValueError(f"unknown statistic {name}")


def periods(samples: Sequence[tuple[float, float]], now: float, period: float, count: int) -> list[list[float]]:
    """The samples (time, value) of each of the last ``count`` periods ending at ``now``, oldest
    first; period i covers (now - (count - i) * period, now - (count - i - 1) * period]."""
    out: list[list[float]] = [[] for _ in range(count)]
    start = now - count * period
    for t, value in samples:
        if start < t <= now:
            index = min(int((t - start) // period), count - 1)
            if t - start == index * period and index > 0:  # on a boundary: the earlier period's end
                index -= 1
            out[index].append(value)
    return out


def datapoints(samples: Sequence[tuple[float, float]], now: float, spec: AlarmSpec) -> list[float | None]:
    """The evaluation range's datapoints, oldest first (None = missing)."""
    return [statistic(p, spec.statistic) for p in periods(samples, now, spec.period, spec.evaluation_periods)]


def breaches(value: float, spec: AlarmSpec) -> bool:
    return bool(OPERATORS[spec.comparison](value, spec.threshold))


def evaluate(points: Sequence[float | None], spec: AlarmSpec, current: str) -> str:
    """The alarm's state after an evaluation of ``points`` (the range's datapoints, oldest first)."""
    mode = spec.treat_missing if spec.treat_missing in TREAT_MISSING else "missing"
    present = [p for p in points if p is not None]
    missing = len(points) - len(present)
    if not present and mode in ("missing", "ignore"):
        return "INSUFFICIENT_DATA" if mode == "missing" else current
    bad = sum(1 for p in present if breaches(p, spec)) + (missing if mode == "breaching" else 0)
    return "ALARM" if bad >= spec.needed else "OK"


def reason(points: Sequence[float | None], spec: AlarmSpec, state: str) -> str:
    """StateReason in CloudWatch's words."""
    present = [p for p in points if p is not None]
    if state == "INSUFFICIENT_DATA" or not present:
        return f"Insufficient Data: {len(points)} datapoints were unknown."
    shown = ", ".join(f"{p:g}" for p in reversed(present))
    crossed = "Threshold Crossed"
    words = OPERATOR_WORDS[spec.comparison]
    if state == "ALARM":
        return (f"{crossed}: {len(present)} out of the last {len(points)} datapoints [{shown}] "
                f"{'was' if len(present) == 1 else 'were'} {words} the threshold ({spec.threshold:g}) "
                f"(minimum {spec.needed} datapoint{'s' if spec.needed != 1 else ''} for OK -> ALARM transition).")
    return (f"{crossed}: {len(present)} out of the last {len(points)} datapoints [{shown}] "
            f"{'was' if len(present) == 1 else 'were'} not {words} the threshold ({spec.threshold:g}) "
            f"(minimum 1 datapoint for ALARM -> OK transition).")
