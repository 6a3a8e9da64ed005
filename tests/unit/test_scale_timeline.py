"""tools/scale_timeline.py: the figures it reads off a scaling check's samples, and the SVG it draws."""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import scale_timeline as tl


def samples() -> list[dict]:
    """Load at t=100: ALARM at 130, desired 2 at 131, InService in the LB at 140, back to 1 at 200."""
    rows = []
    for t in range(90, 211, 10):
        alarm = "ALARM" if 130 <= t < 160 else "OK"
        desired = 2 if 130 <= t < 200 else 1
        lb = 2 if 140 <= t < 200 else 1
        rows.append({"t": float(t), "desired": desired, "in_service": desired, "lb_in_service": lb,
                     "alarms": {"cpu-high": alarm, "cpu-low": "ALARM" if t >= 190 else "OK"}})
    return rows


def test_milestones_are_seconds_after_the_load_started() -> None:
    assert tl.milestones(samples(), "cpu-high", load_start=100) == {"alarm": 30.0, "out": 40.0, "in": 100.0}


def test_milestones_of_a_check_that_never_scaled() -> None:
    still = [dict(s, desired=1, in_service=1, lb_in_service=1, alarms={"cpu-high": "OK"}) for s in samples()]
    assert tl.milestones(still, "cpu-high", load_start=100) == {"alarm": None, "out": None, "in": None}


def test_svg_is_one_self_contained_image_of_cpu_alarms_and_counts() -> None:
    cpu = [(float(t), 90.0 if 100 <= t < 160 else 2.0) for t in range(90, 211, 5)]
    text = tl.svg(samples(), cpu, {"cpu-high": 80, "cpu-low": 20}, [(131.0, "Launching a new EC2 instance")],
                  {"load on": 100.0}, speed=10, title="nginx-asg")
    root = ET.fromstring(text)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert not [e for e in root.iter() if e.get("href") or e.get("{http://www.w3.org/1999/xlink}href")]
    (line,) = root.iter(f"{ns}polyline")
    assert len(line.get("points").split()) == len(cpu)
    states = [e.findtext(f"{ns}title") for e in root.iter(f"{ns}rect") if e.find(f"{ns}title") is not None]
    assert states == ["OK", "ALARM", "OK", "OK", "ALARM"]  # cpu-high: 130-160 in ALARM; cpu-low: from 190
    labels = [e.text for e in root.iter(f"{ns}text")]
    assert "cpu-high 80" in labels and "cpu-low 20" in labels and "load on" in labels
    assert "lab time (x10 the wall clock)" in labels
    assert len(list(root.iter(f"{ns}circle"))) == 1  # the activity
    assert len([p for p in root.iter(f"{ns}path")]) == 2  # desired and InService


def test_the_cpu_axis_fits_small_values() -> None:
    assert tl.scale_top([0.5, 3.2, 1.0]) == 5  # a few percent on a busy test machine stay readable
    assert tl.scale_top([95.0, 80.0]) == 100
    assert tl.segments(samples(), "cpu-high", 220.0) == [(90.0, 130.0, "OK"), (130.0, 160.0, "ALARM"),
                                                         (160.0, 220.0, "OK")]
