"""CloudWatch metrics that measure something, and alarms that evaluate them, in the local lab.

- Every running instance with a container (ec2_containers) publishes ``AWS/EC2 CPUUtilization``
  (Percent): its container's cgroup CPU time over the interval, as a percentage of the instance
  type's vCPUs (the container's CPU limit is that many CPUs), per ``InstanceId`` and, averaged over
  the group's instances, per ``AutoScalingGroupName``; every 60 s with detailed monitoring (the
  instance's, its launch template's or launch configuration's), else every 300 s. Instances
  without a container publish nothing.
- Every metric alarm is evaluated as CloudWatch does (alarm_evaluation.py), once a minute (each
  period for periods under a minute); a change of state goes through
  CloudWatchBackend.set_alarm_state, so its actions run (cloudwatch.py: SNS, scaling policies).
  While an alarm stays in a state, its Auto Scaling actions run again once a minute, as on AWS.
- All intervals are lab time (clock.py: WEBFLEET_LAB_SPEED); timestamps stay real.
- DescribeInstances answers CpuOptions and, for instances launched from a launch template or
  launch configuration with detailed monitoring, Monitoring.State "enabled" (moto: "disabled").
"""
from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import alarm_evaluation as ev
from . import clock
from ._registry import Behaviour, ServeContext, Service, Wrap

log = logging.getLogger("webfleet.local_aws")

NAMESPACE = "AWS/EC2"
METRIC = "CPUUtilization"
DETAILED, BASIC = 60.0, 300.0  # seconds between datapoints (EC2 User Guide, "Monitor your instances")
EVALUATION_INTERVAL = 60.0  # CloudWatch evaluates alarms once a minute
STEP = 5.0  # lab seconds between two looks of the sampler
# vCPUs of common types, when moto's instance type data is not there
VCPUS = {"t2.nano": 1, "t2.micro": 1, "t2.small": 1, "t2.medium": 2, "t3.nano": 2, "t3.micro": 2,
         "t3.small": 2, "t3.medium": 2, "t3.large": 2, "m5.large": 2, "c5.large": 2}


def vcpus(instance_type: str | None) -> int:
    """The instance type's default vCPU count (EC2 DescribeInstanceTypes' VCpuInfo.DefaultVCpus)."""
    try:
        from moto.ec2.models.instance_types import INSTANCE_TYPES

        return int(INSTANCE_TYPES[instance_type]["VCpuInfo"]["DefaultVCpus"])
    except (ImportError, KeyError, TypeError, ValueError):
        return VCPUS.get(instance_type or "", 1)


def cpu_options(instance_type: str | None) -> dict[str, int]:
    """DescribeInstances' CpuOptions of a type's default configuration."""
    try:
        from moto.ec2.models.instance_types import INSTANCE_TYPES

        info = INSTANCE_TYPES[instance_type]["VCpuInfo"]
        return {"CoreCount": int(info["DefaultCores"]), "ThreadsPerCore": int(info.get("DefaultThreadsPerCore", 1))}
    except (ImportError, KeyError, TypeError, ValueError):
        return {"CoreCount": vcpus(instance_type), "ThreadsPerCore": 1}


def docker_cpus(count: int) -> str:
    """`docker run --cpus`: the vCPU count, at most this machine's CPUs (Docker refuses more)."""
    return str(max(1, min(count, os.cpu_count() or 1)))


# --- the containers' CPU time -------------------------------------------------------------------

def cgroup_files(full_id: str) -> list[Path]:
    """Where Docker keeps a container's CPU time: cgroup v1 (cgroupfs or systemd driver), v2."""
    root = Path("/sys/fs/cgroup")
    return [root / "cpuacct" / "docker" / full_id / "cpuacct.usage",
            root / "cpu,cpuacct" / "docker" / full_id / "cpuacct.usage",
            root / "cpuacct" / "system.slice" / f"docker-{full_id}.scope" / "cpuacct.usage",
            root / "system.slice" / f"docker-{full_id}.scope" / "cpu.stat",
            root / "docker" / full_id / "cpu.stat"]


def read_usage_ns(path: Path) -> int:
    """CPU time used so far, in ns (cpuacct.usage is ns; cpu.stat's usage_usec is µs)."""
    text = path.read_text()
    if path.name == "cpu.stat":
        fields = dict(line.split() for line in text.splitlines() if line.strip())
        return int(fields["usage_usec"]) * 1000
    return int(text.strip())


def container_cgroup(name: str) -> Path | None:
    try:
        proc = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True,
                              timeout=10, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    full_id = proc.stdout.strip()
    found = [p for p in cgroup_files(full_id) if full_id and p.exists()]
    return found[0] if found else None


def utilization(used_ns: int, seconds: float, cpus: int) -> float:
    """CPUUtilization: CPU time over the wall time of ``cpus`` vCPUs, in percent (0-100)."""
    if seconds <= 0:
        return 0.0
    return max(0.0, min(100.0, used_ns / 1e9 / (seconds * cpus) * 100))


def epoch(value: datetime) -> float:
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()


def detailed(instance: Any) -> bool:
    """Detailed monitoring: the instance's own, else its group's launch template or configuration."""
    if str(getattr(instance, "monitoring_state", "")).lower() == "enabled":
        return True
    group = getattr(instance, "autoscaling_group", None)
    if group is None:
        return False
    template = getattr(group, "ec2_launch_template", None)
    if template is not None:
        try:
            data = template.get_version(group.launch_template_version).data
        except Exception:
            return False
        return bool((data.get("Monitoring") or {}).get("Enabled"))
    config = getattr(group, "launch_config", None)
    return bool(getattr(config, "instance_monitoring_enabled", False))


def backends(name: str) -> list[tuple[str, str, Any]]:
    """(account, region, backend) of every backend of ``name`` this endpoint has made so far."""
    if name == "ec2":
        from moto.ec2.models import ec2_backends as found
    else:
        from moto.cloudwatch.models import cloudwatch_backends as found
    return [(account, region, backend) for account, regions in list(found.items())
            for region, backend in list(regions.items())]


def put(account: str, region: str, dimension: str, value_of: str, value: float, when: datetime) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch_backends[account][region].put_metric_data(NAMESPACE, [{
        "MetricName": METRIC, "Value": round(value, 4), "Unit": "Percent", "Timestamp": when,
        "Dimensions": [{"Name": dimension, "Value": value_of}]}])


# --- the sampler -----------------------------------------------------------------------------------

@dataclass
class Track:
    """One instance's container, as the sampler follows it."""

    path: Path
    cpus: int
    seen_at: float  # real time of the last reading
    used_ns: int
    last: float | None = None  # its latest datapoint


@dataclass
class Sampler:
    started: float = field(default_factory=time.time)
    tracks: dict[str, Track] = field(default_factory=dict)
    next_evaluation: dict[str, float] = field(default_factory=dict)
    published: int = 0
    evaluations: int = 0

    def due(self, now: float, last: float, interval: float) -> bool:
        """On the lab's grid of ``interval`` (so a group's instances publish together)."""
        step = clock.real_seconds(interval)
        return int((now - self.started) / step) > int((last - self.started) / step)

    def sample(self, now: float, when: datetime) -> None:
        from .ec2_containers import container_name, container_of

        groups: dict[tuple[str, str, str], list[float]] = {}
        running: set[str] = set()
        for account, region, backend in backends("ec2"):
            for instance in list(backend.all_instances()):
                if instance.state != "running" or container_of(instance.id) is None:
                    continue
                running.add(instance.id)
                value = self.sample_instance(instance, now, container_name(instance.id))
                if value is None:
                    continue
                put(account, region, "InstanceId", instance.id, value, when)
                self.published += 1
                group = getattr(instance, "autoscaling_group", None)
                if group is not None:
                    groups.setdefault((account, region, group.name), []).append(value)
        for gone in set(self.tracks) - running:
            del self.tracks[gone]
        for (account, region, name), values in groups.items():
            put(account, region, "AutoScalingGroupName", name, sum(values) / len(values), when)
            self.published += 1

    def sample_instance(self, instance: Any, now: float, name: str) -> float | None:
        """The instance's CPUUtilization when a datapoint is due, else None."""
        track = self.tracks.get(instance.id)
        if track is None:
            path = container_cgroup(name)
            if path is None:
                return None
            self.tracks[instance.id] = Track(path, vcpus(instance.instance_type), now, read_usage_ns(path))
            return None
        if not self.due(now, track.seen_at, DETAILED if detailed(instance) else BASIC):
            return None
        try:
            used = read_usage_ns(track.path)
        except OSError:  # the container went away between two looks
            return None
        value = utilization(used - track.used_ns, now - track.seen_at, track.cpus)
        track.seen_at, track.used_ns, track.last = now, used, value
        return value


# --- alarm evaluation ----------------------------------------------------------------------------

def alarm_spec(alarm: Any) -> ev.AlarmSpec | None:
    """The evaluation's view of a moto alarm (None for metric-math alarms and unsupported ones)."""
    if not alarm.metric_name or alarm.period is None or alarm.threshold is None:
        return None
    spec = ev.AlarmSpec(
        period=float(alarm.period), evaluation_periods=int(alarm.evaluation_periods or 1),
        threshold=float(alarm.threshold), comparison=alarm.comparison_operator,
        statistic=alarm.extended_statistic or alarm.statistic or "Average",
        datapoints_to_alarm=int(alarm.datapoints_to_alarm) if alarm.datapoints_to_alarm else None,
        treat_missing=alarm.treat_missing_data or "missing")
    return spec if ev.supported(spec) else None


def samples_of(cw: Any, alarm: Any, since: float) -> list[tuple[float, float]]:
    """The (real time, value) samples of the alarm's metric (same namespace, name, dimensions)."""
    wanted = {(d.name, d.value) for d in alarm.dimensions}
    out = []
    for datum in list(cw.metric_data):
        if datum.namespace != alarm.namespace or datum.name != alarm.metric_name:
            continue
        value = getattr(datum, "value", None)
        if value is None or {(d.name, d.value) for d in datum.dimensions} != wanted:
            continue
        t = epoch(datum.timestamp)
        if t > since:
            out.append((t, float(value)))
    return out


def reason_data(spec: ev.AlarmSpec, points: list[float | None], now: float) -> str:
    import json

    def iso(t: float) -> str:
        return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    real_period = clock.real_seconds(spec.period)
    start = now - spec.evaluation_periods * real_period
    evaluated = [{"timestamp": iso(start + i * real_period), "value": p}
                 for i, p in enumerate(points) if p is not None]
    return json.dumps({"version": "1.0", "queryDate": iso(now), "startDate": iso(start),
                       "statistic": spec.statistic, "period": int(spec.period),
                       "recentDatapoints": [p for p in points if p is not None],
                       "threshold": spec.threshold, "evaluatedDatapoints": list(reversed(evaluated))})


def evaluate_alarm(cw: Any, alarm: Any, spec: ev.AlarmSpec, now: float) -> None:
    """One evaluation: a new state goes through set_alarm_state (its actions run); an unchanged
    state runs its Auto Scaling actions again (AWS: once a minute while the alarm stays in it)."""
    from .cloudwatch import ACTION_RUNNERS, AlarmChange

    real_period = clock.real_seconds(spec.period)
    samples = samples_of(cw, alarm, now - spec.evaluation_periods * real_period)
    points = ev.datapoints(samples, now, dataclasses.replace(spec, period=real_period))
    state = ev.evaluate(points, spec, alarm.state_value)
    data = reason_data(spec, points, now)
    if state != alarm.state_value:
        cw.set_alarm_state(alarm.name, ev.reason(points, spec, state), data, state)
        return
    if not alarm.actions_enabled:
        return
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}.get(state) or []
    change = AlarmChange(cw, alarm, state, state, data)
    for arn in [a for a in actions if ":autoscaling:" in a]:
        for runner in ACTION_RUNNERS:
            try:
                runner(change, arn)
            except Exception as exc:  # a failing action never stops the evaluation of the others
                log.info("alarm %s: action %s: %s", alarm.name, arn, exc)


def evaluate_alarms(sampler: Sampler, now: float) -> None:
    for _account, _region, cw in backends("cloudwatch"):
        for alarm in list(cw.alarms.values()):
            spec = alarm_spec(alarm)
            if spec is None:
                continue
            interval = clock.real_seconds(min(spec.period, EVALUATION_INTERVAL))
            due = sampler.next_evaluation.setdefault(alarm.alarm_arn, now + interval)
            if now < due:
                continue
            sampler.next_evaluation[alarm.alarm_arn] = now + interval
            sampler.evaluations += 1
            try:
                evaluate_alarm(cw, alarm, spec, now)
            except Exception:
                log.exception("evaluating alarm %s", alarm.name)


# --- the service ---------------------------------------------------------------------------------

_state: dict[str, Any] = {}


def loop(sampler: Sampler, stop: threading.Event) -> None:
    from moto.core.utils import utcnow

    while not stop.wait(max(clock.real_seconds(STEP), 0.05)):
        try:
            sampler.sample(time.time(), utcnow())
            evaluate_alarms(sampler, time.time())
        except Exception:  # the lab keeps measuring after a bad look
            log.exception("metrics sampler")


def start(_context: ServeContext) -> None:
    stop_event = threading.Event()
    sampler = Sampler()
    thread = threading.Thread(target=loop, args=(sampler, stop_event), name="webfleet-metrics", daemon=True)
    _state.update(sampler=sampler, stop=stop_event, thread=thread)
    thread.start()


def stop() -> None:
    if "stop" in _state:
        _state["stop"].set()
        _state["thread"].join(10)
    _state.clear()


def info() -> dict[str, Any]:
    sampler: Sampler | None = _state.get("sampler")
    return {"speed": clock.speed(), "detailed_interval": DETAILED, "basic_interval": BASIC,
            "datapoints_published": sampler.published if sampler else 0,
            "alarm_evaluations": sampler.evaluations if sampler else 0,
            "cpu_utilization": {i: t.last for i, t in sampler.tracks.items()} if sampler else {}}


# --- DescribeInstances: CpuOptions and Monitoring ------------------------------------------------

def monitoring_requested(backend: Any, kwargs: dict[str, Any]) -> bool:
    """Detailed monitoring from the launch template or configuration the launch used."""
    template = kwargs.get("launch_template")
    if template:
        try:
            data = backend._get_template_from_args(template).data
        except Exception:
            return False
        return bool((data.get("Monitoring") or {}).get("Enabled"))
    config = kwargs.get("launch_config")
    return bool(getattr(config, "instance_monitoring_enabled", False))


def run_instances(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    reservation = original(self, *args, **kwargs)
    enabled = monitoring_requested(self, kwargs)
    for instance in reservation.instances:
        instance.cpu_options = cpu_options(instance.instance_type)
        if enabled:
            instance.monitoring_state = "enabled"
    return reservation


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.ec2.models:EC2Backend", "run_instances", run_instances,
         "EC2 API Reference, Instance: CpuOptions; Monitoring from the launch template (RunInstances)"),
    Service("metrics", start, stop,
            "CloudWatch User Guide: EC2 CPUUtilization (Monitor your instances) and alarm evaluation "
            "(Using Amazon CloudWatch alarms)", info),
]
