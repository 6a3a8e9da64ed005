"""What holds back a scaling policy an alarm runs (autoscaling_policies.run_policy with holds),
as AWS does (Auto Scaling User Guide, "Scaling cooldowns" and "Step scaling policies: instance
warmup"); intervals in lab time (clock.py):

- simple scaling: after a simple scaling activity, the group's other simple scaling policies
  wait for the cooldown (the policy's Cooldown, else the group's DefaultCooldown);
- step scaling: instances a scale-out added are warming up for EstimatedInstanceWarmup (else the
  group's DefaultInstanceWarmup, else DefaultCooldown): they count as capacity already added, so
  a breach of the same step adds nothing more; scale-in waits until none is warming up;
- a group whose AlarmNotification process is suspended runs no alarm's policy.
Not a registry module: it declares no behaviour of its own.
"""
from __future__ import annotations

import time
from typing import Any

from . import clock

DEFAULT_COOLDOWN = 300


def holds(group: Any) -> dict[str, Any]:
    if "_webfleet_holds" not in group.__dict__:
        group.__dict__["_webfleet_holds"] = {"simple_until": 0.0, "warming": []}
    return group.__dict__["_webfleet_holds"]


def suspended(group: Any, process: str) -> bool:
    names = {p if isinstance(p, str) else p.get("ProcessName") for p in getattr(group, "suspended_processes", []) or []}
    return process in names


def warming(group: Any, now: float) -> int:
    """Instances added by step scale-outs that are still warming up."""
    state = holds(group)
    state["warming"] = [(until, n) for until, n in state["warming"] if until > now]
    return sum(n for _until, n in state["warming"])


def allowed(policy: Any, group: Any, before: int, after: int, now: float | None = None) -> int:
    """The desired capacity the policy may set (``before`` when it is held back)."""
    now = time.time() if now is None else now
    if suspended(group, "AlarmNotification"):
        return before
    if policy.policy_type == "SimpleScaling":
        return before if now < holds(group)["simple_until"] else after
    warm = warming(group, now)
    if after < before:
        return before if warm else after
    return max(before, after - warm)


def note(policy: Any, group: Any, before: int, after: int, now: float | None = None) -> None:
    """Start the cooldown or the warm-up of the activity the policy just started."""
    now = time.time() if now is None else now
    if policy.policy_type == "SimpleScaling":
        cooldown = first_set(policy.cooldown, group.default_cooldown, DEFAULT_COOLDOWN)
        holds(group)["simple_until"] = now + clock.real_seconds(cooldown)
    elif after > before:
        warmup = first_set(policy.estimated_instance_warmup, getattr(group, "default_instance_warmup", None),
                           group.default_cooldown, DEFAULT_COOLDOWN)
        holds(group)["warming"].append((now + clock.real_seconds(warmup), after - before))


def first_set(*values: Any) -> float:
    """The first value that is set (0 is a value: no warm-up, no cooldown)."""
    return float(next(v for v in values if v is not None))
