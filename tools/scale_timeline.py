#!/usr/bin/env python3
"""The scaling check's timeline (playbooks/scale_check.yml, cpu_load): a self-contained SVG of the
group's CPUUtilization, the alarms' states, and the desired / InService counts, over the check.

    scale_timeline.py record --asg nginx-asg --lb nginx-lb --alarm cpu-high --alarm cpu-low \\
        --out samples.jsonl --stop-file samples.stop [--endpoint-url URL] [--region R]
    scale_timeline.py render --samples samples.jsonl --out timeline.svg --asg nginx-asg \\
        --load-start EPOCH --load-stop EPOCH [--speed 60] [--endpoint-url URL] [--region R]

`record` samples DescribeAutoScalingGroups, DescribeInstanceHealth and DescribeAlarms every
--interval seconds until the stop file appears (or --max-seconds); `render` adds the CPU from
GetMetricData and the scaling activities (DescribeScalingActivities) and writes the SVG. Times
are shown in lab time (real seconds x --speed, the local endpoint's WEBFLEET_LAB_SPEED). Only
boto3, which the collection needs anyway.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

STATE_COLOURS = {"ALARM": "#d62728", "OK": "#2ca02c", "INSUFFICIENT_DATA": "#999999"}
WIDTH, LEFT, RIGHT = 960, 70, 20
CPU_TOP, CPU_H = 50, 200
ALARM_TOP, ALARM_ROW = 285, 22
COUNT_H = 140


# --- figures ---------------------------------------------------------------------------------

def milestones(samples: Sequence[dict[str, Any]], alarm: str, load_start: float) -> dict[str, float | None]:
    """Seconds (real) after the load started until: the alarm went to ALARM, one more instance was
    InService in the LB, and the group was back to its size (after that)."""
    if not samples:
        return {"alarm": None, "out": None, "in": None}
    base = next((s for s in samples if s["t"] >= load_start), samples[0])
    size = base["desired"]
    alarm_at = next((s["t"] for s in samples if s["t"] >= load_start and s["alarms"].get(alarm) == "ALARM"), None)
    out_at = next((s["t"] for s in samples if s["t"] >= load_start and s["lb_in_service"] > size), None)
    in_at = None
    if out_at is not None:
        in_at = next((s["t"] for s in samples if s["t"] > out_at and s["desired"] == size
                      and s["in_service"] == size and s["lb_in_service"] == size), None)
    return {k: (None if v is None else round(v - load_start, 1))
            for k, v in (("alarm", alarm_at), ("out", out_at), ("in", in_at))}


# --- SVG ---------------------------------------------------------------------------------------

class Axis:
    """Real epoch seconds -> x pixels; labels in lab minutes."""

    def __init__(self, start: float, end: float, speed: float) -> None:
        self.start, self.end, self.speed = start, max(end, start + 1e-3), speed

    def x(self, t: float) -> float:
        return LEFT + (t - self.start) / (self.end - self.start) * (WIDTH - LEFT - RIGHT)

    def ticks(self, count: int = 8) -> list[tuple[float, str]]:
        lab_span = (self.end - self.start) * self.speed
        step = next((s for s in (10, 30, 60, 120, 300, 600, 900, 1800, 3600) if lab_span / s <= count), 7200)
        out = []
        k = 0
        while k * step <= lab_span:
            minutes = k * step / 60
            out.append((self.start + k * step / self.speed, f"{minutes:g} min"))
            k += 1
        return out


def step_path(axis: Axis, points: Sequence[tuple[float, float]], y: Any) -> str:
    """An SVG path that holds each value until the next point."""
    parts = [f"M{axis.x(t):.1f},{y(v):.1f}" if i == 0 else f"H{axis.x(t):.1f}V{y(v):.1f}"
             for i, (t, v) in enumerate(points)]
    if points:
        parts.append(f"H{axis.x(axis.end):.1f}")
    return "".join(parts)


def scale_top(values: Sequence[float]) -> float:
    """The CPU axis' top: 100 %, or less when every value and threshold is far below it."""
    highest = max([*values, 1.0]) * 1.15
    return next((top for top in (2, 5, 10, 20, 50) if highest <= top), 100)


def segments(samples: Sequence[dict[str, Any]], name: str, end: float) -> list[tuple[float, float, str]]:
    """(start, end, state) of an alarm: consecutive samples in the same state merged."""
    out: list[tuple[float, float, str]] = []
    for a, b in zip(samples, [*samples[1:], None]):
        state = a["alarms"].get(name, "INSUFFICIENT_DATA")
        stop = b["t"] if b else end
        if out and out[-1][2] == state:
            out[-1] = (out[-1][0], stop, state)
        else:
            out.append((a["t"], stop, state))
    return out


def cpu_panel(axis: Axis, cpu: Sequence[tuple[float, float]], thresholds: dict[str, float]) -> list[str]:
    top = scale_top([v for _t, v in cpu] + list(thresholds.values()))

    def y(v: float) -> float:
        return CPU_TOP + CPU_H - v / top * CPU_H

    out = [f'<rect x="{LEFT}" y="{CPU_TOP}" width="{WIDTH - LEFT - RIGHT}" height="{CPU_H}" fill="#fafafa" '
           'stroke="#ccc"/>',
           f'<text x="{LEFT}" y="{CPU_TOP - 8}" class="h">CPUUtilization of the group (%, Average)</text>']
    for v in (0, top / 2, top):
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for name, value in thresholds.items():
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   'stroke="#888" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{WIDTH - RIGHT - 4}" y="{y(value) - 3:.1f}" text-anchor="end">'
                   f'{html.escape(name)} {value:g}</text>')
    if cpu:
        line = " ".join(f"{axis.x(t):.1f},{y(v):.1f}" for t, v in cpu)
        out.append(f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    return out


def alarm_panel(axis: Axis, samples: Sequence[dict[str, Any]], alarms: Sequence[str]) -> list[str]:
    out = [f'<text x="{LEFT}" y="{ALARM_TOP - 8}" class="h">Alarm states</text>']
    for row, name in enumerate(alarms):
        top = ALARM_TOP + row * ALARM_ROW
        out.append(f'<text x="{LEFT - 6}" y="{top + 15}" text-anchor="end">{html.escape(name)}</text>')
        for start, stop, state in segments(samples, name, axis.end):
            x0, x1 = axis.x(start), axis.x(stop)
            out.append(f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.5):.1f}" height="{ALARM_ROW - 4}" '
                       f'fill="{STATE_COLOURS.get(state, "#999")}"><title>{state}</title></rect>')
    return out


def count_panel(axis: Axis, samples: Sequence[dict[str, Any]], top: float) -> list[str]:
    highest = max([s["desired"] for s in samples] + [s["lb_in_service"] for s in samples] + [2])

    def y(v: float) -> float:
        return top + COUNT_H - v / highest * (COUNT_H - 10)

    out = [f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{COUNT_H}" fill="#fafafa" '
           'stroke="#ccc"/>',
           f'<text x="{LEFT}" y="{top - 8}" class="h">Instances: desired (orange), InService in the load balancer '
           '(purple)</text>']
    for v in range(highest + 1):
        out.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    for key, colour, width in (("desired", "#ff7f0e", 4), ("lb_in_service", "#9467bd", 2)):
        points = [(s["t"], s[key]) for s in samples]
        out.append(f'<path d="{step_path(axis, points, y)}" fill="none" stroke="{colour}" stroke-width="{width}"/>')
    return out


def svg(samples: Sequence[dict[str, Any]], cpu: Sequence[tuple[float, float]], thresholds: dict[str, float],
        activities: Sequence[tuple[float, str]], marks: dict[str, float], speed: float, title: str) -> str:
    """The whole timeline; times are real epoch seconds."""
    times = [s["t"] for s in samples] + [t for t, _v in cpu]
    axis = Axis(min(times), max(times), speed)
    alarms = sorted({name for s in samples for name in s["alarms"]})
    count_top = ALARM_TOP + len(alarms) * ALARM_ROW + 40
    height = count_top + COUNT_H + 50
    body = [f'<text x="{LEFT}" y="24" class="t">{html.escape(title)}</text>',
            *cpu_panel(axis, cpu, thresholds), *alarm_panel(axis, samples, alarms),
            *count_panel(axis, samples, count_top)]
    for t, label in axis.ticks():
        body.append(f'<line x1="{axis.x(t):.1f}" x2="{axis.x(t):.1f}" y1="{CPU_TOP}" y2="{count_top + COUNT_H}" '
                    'stroke="#eee"/>')
        body.append(f'<text x="{axis.x(t):.1f}" y="{count_top + COUNT_H + 16}" text-anchor="middle">{label}</text>')
    for name, t in marks.items():
        body.append(f'<line x1="{axis.x(t):.1f}" x2="{axis.x(t):.1f}" y1="{CPU_TOP}" y2="{count_top + COUNT_H}" '
                    'stroke="#000" stroke-dasharray="2 2"/>')
        body.append(f'<text x="{axis.x(t) + 3:.1f}" y="{CPU_TOP + 12}">{html.escape(name)}</text>')
    for t, text in activities:
        body.append(f'<circle cx="{axis.x(t):.1f}" cy="{count_top + COUNT_H - 4}" r="4" fill="#000">'
                    f'<title>{html.escape(text)}</title></circle>')
    body.append(f'<text x="{WIDTH - RIGHT}" y="{height - 8}" text-anchor="end">lab time '
                f'(x{speed:g} the wall clock)</text>' if speed != 1 else
                f'<text x="{WIDTH - RIGHT}" y="{height - 8}" text-anchor="end">time since the start</text>')
    style = ("<style>text{font:12px sans-serif;fill:#333}.h{font-weight:bold}.t{font-size:15px;"
             "font-weight:bold}</style>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}">{style}<rect width="100%" height="100%" fill="#fff"/>'
            + "".join(body) + "</svg>\n")


# --- AWS ------------------------------------------------------------------------------------------

def clients(args: argparse.Namespace) -> dict[str, Any]:
    import boto3

    options = {"region_name": args.region, "endpoint_url": args.endpoint_url or None}
    return {name: boto3.client(name, **options) for name in ("autoscaling", "elb", "cloudwatch")}


def sample(aws: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    group = aws["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=[args.asg])["AutoScalingGroups"]
    group = group[0] if group else {"DesiredCapacity": 0, "Instances": []}
    health = aws["elb"].describe_instance_health(LoadBalancerName=args.lb)["InstanceStates"] if args.lb else []
    alarms = aws["cloudwatch"].describe_alarms(AlarmNames=args.alarm)["MetricAlarms"] if args.alarm else []
    return {"t": round(time.time(), 3), "desired": group["DesiredCapacity"],
            "in_service": sum(1 for i in group["Instances"] if i["LifecycleState"] == "InService"),
            "lb_in_service": sum(1 for h in health if h["State"] == "InService"),
            "alarms": {a["AlarmName"]: a["StateValue"] for a in alarms}}


def record(args: argparse.Namespace) -> int:
    aws = clients(args)
    stop, deadline = Path(args.stop_file) if args.stop_file else None, time.monotonic() + args.max_seconds
    with open(args.out, "a", encoding="utf-8") as out:
        while time.monotonic() < deadline and not (stop and stop.exists()):
            try:
                out.write(json.dumps(sample(aws, args)) + "\n")
                out.flush()
            except Exception as exc:  # a missed sample is a gap in the picture, not a failed check
                print(f"sample failed: {exc}", file=sys.stderr)
            time.sleep(args.interval)
    return 0


def cpu_series(aws: dict[str, Any], asg: str, start: float, end: float, period: int) -> list[tuple[float, float]]:
    answer = aws["cloudwatch"].get_metric_data(
        MetricDataQueries=[{"Id": "cpu", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                       "Dimensions": [{"Name": "AutoScalingGroupName", "Value": asg}]},
            "Period": period, "Stat": "Average"}}],
        StartTime=dt.datetime.fromtimestamp(start, dt.timezone.utc),
        EndTime=dt.datetime.fromtimestamp(end, dt.timezone.utc))
    result = answer["MetricDataResults"][0]
    return sorted((t.timestamp(), v) for t, v in zip(result["Timestamps"], result["Values"]))


def render(args: argparse.Namespace) -> int:
    samples = [json.loads(line) for line in Path(args.samples).read_text().splitlines() if line.strip()]
    if not samples:
        print("no samples", file=sys.stderr)
        return 1
    aws = clients(args)
    start, end = samples[0]["t"], samples[-1]["t"]
    period = max(1, round(60 / args.speed)) if args.period is None else args.period
    cpu = [(t, v) for t, v in cpu_series(aws, args.asg, start - period, end + period, period) if start <= t <= end]
    names = sorted({n for s in samples for n in s["alarms"]})
    described = aws["cloudwatch"].describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []
    thresholds = {a["AlarmName"]: float(a["Threshold"]) for a in described}
    listed = aws["autoscaling"].describe_scaling_activities(AutoScalingGroupName=args.asg)["Activities"]
    activities = [(a["StartTime"].timestamp(), a["Description"]) for a in listed
                  if start <= a["StartTime"].timestamp() <= end]
    marks = {k: v for k, v in (("load on", args.load_start), ("load off", args.load_stop)) if v}
    figures = milestones(samples, args.high_alarm or (names[0] if names else ""), args.load_start or start)
    title = (f"{args.asg}: load -> ALARM {fmt(figures['alarm'], args.speed)}, +1 InService "
             f"{fmt(figures['out'], args.speed)}, back in {fmt(figures['in'], args.speed)} (lab time)")
    Path(args.out).write_text(svg(samples, cpu, thresholds, activities, marks, args.speed, title), encoding="utf-8")
    summary = json.dumps({"timeline": str(Path(args.out).resolve()), "speed": args.speed, "real_seconds": figures,
                          "lab_seconds": {k: None if v is None else round(v * args.speed) for k, v in figures.items()}})
    Path(args.out).with_suffix(".json").write_text(summary + "\n", encoding="utf-8")
    print(summary)
    return 0


def fmt(seconds: float | None, speed: float) -> str:
    if seconds is None:
        return "-"
    lab = seconds * speed
    return f"{lab / 60:.1f} min" if lab >= 60 else f"{lab:.0f} s"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("record", "render"):
        p = sub.add_parser(name)
        p.add_argument("--asg", required=True)
        p.add_argument("--region", default="us-east-1")
        p.add_argument("--endpoint-url", default="")
        p.add_argument("--out", required=True)
    rec = sub.choices["record"]
    rec.add_argument("--lb", default="")
    rec.add_argument("--alarm", action="append", default=[])
    rec.add_argument("--interval", type=float, default=5.0)
    rec.add_argument("--max-seconds", type=float, default=3600.0)
    rec.add_argument("--stop-file", default="")
    ren = sub.choices["render"]
    ren.add_argument("--samples", required=True)
    ren.add_argument("--speed", type=float, default=1.0)
    ren.add_argument("--period", type=int, default=None, help="GetMetricData period (default 60 / speed)")
    ren.add_argument("--high-alarm", default="")
    ren.add_argument("--load-start", type=float, default=0.0)
    ren.add_argument("--load-stop", type=float, default=0.0)
    args = ap.parse_args(argv)
    return record(args) if args.command == "record" else render(args)


if __name__ == "__main__":
    sys.exit(main())
