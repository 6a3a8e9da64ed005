"""CloudWatch's alarm evaluation (tools/local_aws_patches/alarm_evaluation.py) on hand-built
datapoints: periods and statistics, M out of N, each way of treating missing data, each operator;
and the holds on a policy an alarm runs (scaling_holds.py: cooldown, warm-up)."""
from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

from local_aws_patches import alarm_evaluation as ev
from local_aws_patches import scaling_holds

HIGH = ev.AlarmSpec(period=60, evaluation_periods=3, threshold=80, comparison="GreaterThanOrEqualToThreshold",
                    datapoints_to_alarm=2)


def spec(**over: object) -> ev.AlarmSpec:
    return ev.AlarmSpec(**{**HIGH.__dict__, **over})


# --- periods and statistics -----------------------------------------------------------------

def test_samples_fall_in_the_period_that_ends_at_or_after_them() -> None:
    samples = [(0.0, 1), (0.5, 2), (60.0, 3), (61.0, 4), (120.0, 5), (180.0, 6), (181.0, 7)]
    assert ev.periods(samples, now=180, period=60, count=3) == [[2, 3], [4, 5], [6]]


@pytest.mark.parametrize(("name", "value"), [
    ("Average", 25.0), ("Sum", 100.0), ("Minimum", 10.0), ("Maximum", 40.0), ("SampleCount", 4.0), ("p50", 20.0),
    ("p100", 40.0)])
def test_statistics(name: str, value: float) -> None:
    assert ev.statistic([10, 20, 30, 40], name) == value


def test_a_period_without_samples_is_missing() -> None:
    samples = [(10.0, 90), (130.0, 95)]
    assert ev.datapoints(samples, now=180, spec=spec()) == [90.0, None, 95.0]


# --- M out of N --------------------------------------------------------------------------------

@pytest.mark.parametrize(("points", "state"), [
    ([90, 90, 10], "ALARM"),     # 2 of 3 breach
    ([90, 10, 90], "ALARM"),     # not necessarily consecutive
    ([10, 10, 90], "OK"),        # 1 of 3
    ([10, 10, 10], "OK"),
])
def test_m_out_of_n(points: list[float], state: str) -> None:
    assert ev.evaluate(points, spec(), "OK") == state


def test_without_datapoints_to_alarm_every_period_must_breach() -> None:
    every = spec(datapoints_to_alarm=None)
    assert ev.evaluate([90, 90, 10], every, "OK") == "OK"
    assert ev.evaluate([90, 90, 90], every, "OK") == "ALARM"


# --- missing data --------------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "points", "current", "state"), [
    ("missing", [None, None, None], "OK", "INSUFFICIENT_DATA"),
    ("missing", [None, 90, 90], "OK", "ALARM"),
    ("missing", [None, None, 90], "OK", "OK"),
    ("ignore", [None, None, None], "ALARM", "ALARM"),
    ("ignore", [None, None, None], "OK", "OK"),
    ("ignore", [None, 90, 90], "OK", "ALARM"),
    ("breaching", [None, None, None], "OK", "ALARM"),
    ("breaching", [None, 10, 90], "OK", "ALARM"),   # the missing one counts as the second breach
    ("breaching", [10, 10, None], "OK", "OK"),
    ("notBreaching", [None, None, None], "ALARM", "OK"),
    ("notBreaching", [None, 90, None], "OK", "OK"),
    ("notBreaching", [90, None, 90], "OK", "ALARM"),
])
def test_missing_data(mode: str, points: list[float | None], current: str, state: str) -> None:
    assert ev.evaluate(points, spec(treat_missing=mode), current) == state


# --- operators ------------------------------------------------------------------------------

@pytest.mark.parametrize(("operator", "value", "breaches"), [
    ("GreaterThanOrEqualToThreshold", 80, True), ("GreaterThanOrEqualToThreshold", 79.9, False),
    ("GreaterThanThreshold", 80, False), ("GreaterThanThreshold", 80.1, True),
    ("LessThanThreshold", 80, False), ("LessThanThreshold", 79.9, True),
    ("LessThanOrEqualToThreshold", 80, True), ("LessThanOrEqualToThreshold", 80.1, False),
])
def test_operators(operator: str, value: float, breaches: bool) -> None:
    one = spec(comparison=operator, evaluation_periods=1, datapoints_to_alarm=1)
    assert ev.evaluate([value], one, "OK") == ("ALARM" if breaches else "OK")


def test_anomaly_detection_operators_are_not_evaluated() -> None:
    assert not ev.supported(spec(comparison="LessThanLowerOrGreaterThanUpperThreshold"))
    assert ev.supported(spec())


def test_reason_names_the_datapoints_and_threshold() -> None:
    text = ev.reason([85.5, 90.0, 10.0], spec(), "ALARM")
    assert text.startswith("Threshold Crossed: 3 out of the last 3 datapoints [10, 90, 85.5]")
    assert "greater than or equal to the threshold (80)" in text
    assert ev.reason([None, None, None], spec(), "INSUFFICIENT_DATA").startswith("Insufficient Data")


# --- holds on a policy an alarm runs -----------------------------------------------------------

def group(**over: object) -> SimpleNamespace:
    return SimpleNamespace(**{"default_cooldown": 300, "default_instance_warmup": None, "suspended_processes": [],
                              **over})


def policy(kind: str, **over: object) -> SimpleNamespace:
    return SimpleNamespace(policy_type=kind, cooldown=over.get("cooldown"),
                           estimated_instance_warmup=over.get("warmup"))


def test_step_scale_out_counts_warming_instances_and_blocks_scale_in() -> None:
    g, out = group(), policy("StepScaling", warmup=300)
    assert scaling_holds.allowed(out, g, 1, 2, now=0) == 2
    scaling_holds.note(out, g, 1, 2, now=0)
    assert scaling_holds.allowed(out, g, 2, 3, now=10) == 2      # the same step again: already added
    assert scaling_holds.allowed(out, g, 2, 4, now=10) == 3      # a bigger step adds the difference
    assert scaling_holds.allowed(out, g, 2, 1, now=10) == 2      # no scale-in while one warms up
    assert scaling_holds.allowed(out, g, 2, 1, now=301) == 1     # warm-up over
    assert scaling_holds.allowed(out, g, 2, 3, now=301) == 3


def test_simple_scaling_waits_for_the_cooldown() -> None:
    g, simple = group(), policy("SimpleScaling", cooldown=120)
    scaling_holds.note(simple, g, 1, 2, now=0)
    assert scaling_holds.allowed(simple, g, 2, 3, now=119) == 2
    assert scaling_holds.allowed(simple, g, 2, 3, now=121) == 3
    # no policy cooldown: the group's DefaultCooldown
    g2 = group()
    scaling_holds.note(policy("SimpleScaling"), g2, 1, 2, now=0)
    assert scaling_holds.allowed(policy("SimpleScaling"), g2, 2, 1, now=299) == 2
    assert scaling_holds.allowed(policy("SimpleScaling"), g2, 2, 1, now=301) == 1


def test_suspended_alarm_notification_runs_no_policy() -> None:
    g = group()
    g.suspended_processes = ["AlarmNotification"]
    assert scaling_holds.allowed(policy("StepScaling"), g, 1, 2, now=0) == 1


def test_a_warm_up_or_cooldown_of_0_holds_nothing() -> None:
    g, out = group(), policy("StepScaling", warmup=0)
    scaling_holds.note(out, g, 1, 2, now=0)
    assert scaling_holds.allowed(out, g, 2, 1, now=0.001) == 1
    g2, simple = group(default_cooldown=0), policy("SimpleScaling", cooldown=None)
    scaling_holds.note(simple, g2, 1, 2, now=0)
    assert scaling_holds.allowed(simple, g2, 2, 3, now=0.001) == 3
