"""Auto Scaling instance refresh: Start/Describe/CancelInstanceRefresh (moto 5.2.5: HTTP 500).

A refresh replaces the group's instances with ones launched from its current launch template
version or launch configuration (or from DesiredConfiguration, which becomes the group's), a batch
at a time, the batch sized by MinHealthyPercentage as AWS does: Pending -> InProgress -> Successful;
CancelInstanceRefresh: Cancelling -> Cancelled. Each batch launches its replacements first; the old
instances are terminated (deregistered and drained: autoscaling_traffic.py) only once the new ones
are healthy -- running, and with health check type ELB InService in every load balancer of the
group -- and their instance warm-up has passed (InstanceWarmup, else the group's grace period; lab
time, see clock.py). The refresh moves on when DescribeInstanceRefreshes is called.
"""
from __future__ import annotations

import math
import time
from typing import Any

from . import clock
from ._registry import Add, Behaviour
from ._util import aws_error, backend_state, validation_error

ACTIVE = ("Pending", "InProgress", "Cancelling")
RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"


def utcnow() -> Any:
    from moto.core.utils import utcnow as moto_utcnow

    return moto_utcnow()


def refreshes(backend: Any) -> list[dict[str, Any]]:
    return backend_state(backend, "instance_refreshes", list)


def matches_config(group: Any, state: Any) -> bool:
    """The instance was launched from what the group launches now (SkipMatching)."""
    template = group.ec2_launch_template
    if template is not None:
        current = str(template.get_version(group.launch_template_version).number)
        return (state.launch_template or {}).get("Version") == current
    return state.launch_configuration_name == getattr(group, "launch_configuration_name", None)


def advance(backend: Any, refresh: dict[str, Any]) -> None:
    """One look at a refresh: finish the batch under way once its new instances are warm, start the
    next one, or finish."""
    if refresh["Status"] not in ACTIVE:
        return
    group = backend.autoscaling_groups.get(refresh["AutoScalingGroupName"])
    if group is None:
        refresh.update(Status="Failed", StatusReason="The Auto Scaling group was deleted.", EndTime=utcnow())
        return
    batch = refresh["_in_flight"]
    if batch is not None and refresh["Status"] == "Cancelling":
        drop_new(backend, group, refresh, batch)  # the old instances of the batch under way stay
    elif batch is not None:
        if not batch_ready(backend, group, refresh, batch):
            return
        finish_batch(backend, group, refresh, batch)
    if refresh["Status"] == "Cancelling":
        refresh.update(Status="Cancelled", StatusReason="Instance refresh cancelled by user request.",
                       EndTime=utcnow())
        return
    refresh["Status"] = "InProgress"
    pending: list[str] = refresh["_pending"]
    if pending and refresh["_started_batches"]:
        batch_ids = pending[:refresh["_batch"]]
        del pending[:refresh["_batch"]]
        refresh["_in_flight"] = start_batch(backend, group, batch_ids)
    elif not pending and refresh["_started_batches"]:
        refresh.update(Status="Successful", EndTime=utcnow(), PercentageComplete=100, InstancesToUpdate=0)
    refresh["_started_batches"] = True


def start_batch(backend: Any, group: Any, batch_ids: list[str]) -> dict[str, Any]:
    """Launch as many new instances as the batch has, registered with the group's LBs (the old ones
    keep serving meanwhile)."""
    old = [s.instance.id for s in group.instance_states if s.instance.id in batch_ids]
    before = {s.instance.id for s in group.instance_states}
    group.replace_autoscaling_group_instances(len(old), group.get_propagated_tags())
    backend.update_attached_elbs(group.name)
    new = [s.instance.id for s in group.instance_states if s.instance.id not in before]
    return {"old": old, "new": new, "healthy_at": None}


def batch_ready(backend: Any, group: Any, refresh: dict[str, Any], batch: dict[str, Any]) -> bool:
    """The batch's new instances have been healthy for the instance warm-up."""
    if not all(healthy(backend, group, i) for i in batch["new"]):
        batch["healthy_at"] = None
        return False
    if batch["healthy_at"] is None:
        batch["healthy_at"] = time.monotonic()
    return time.monotonic() - batch["healthy_at"] >= clock.real_seconds(refresh["_warmup"])


def healthy(backend: Any, group: Any, instance_id: str) -> bool:
    """Running; with health check type ELB, InService in each of the group's load balancers."""
    from .elb_dataplane import instance_states

    state = next((s for s in group.instance_states if s.instance.id == instance_id), None)
    if state is None or state.instance.state != "running":
        return False
    if group.health_check_type != "ELB":
        return True
    for name in group.load_balancer_names:
        states = instance_states(backend.account_id, backend.region_name, name)
        if states is not None and states.get(instance_id, {}).get("State") != "InService":
            return False
    return True


def end_instances(backend: Any, group: Any, refresh: dict[str, Any], ids: list[str]) -> list[Any]:
    """Terminate the group's instances ``ids`` as Auto Scaling does (out of their LBs, drained);
    the batch under way is over. Their states, as they were."""
    from .autoscaling_traffic import group_terminating

    ending = [s for s in group.instance_states if s.instance.id in ids]
    if ending:
        with group_terminating():
            backend.ec2_backend.terminate_instances([s.instance.id for s in ending])
        group.instance_states = [s for s in group.instance_states if s not in ending]
    backend.update_attached_elbs(group.name)
    refresh["_in_flight"] = None
    return ending


def drop_new(backend: Any, group: Any, refresh: dict[str, Any], batch: dict[str, Any]) -> None:
    """A cancelled refresh: the batch's replacements go, its old instances keep serving."""
    end_instances(backend, group, refresh, batch["new"])


def finish_batch(backend: Any, group: Any, refresh: dict[str, Any], batch: dict[str, Any]) -> None:
    """Terminate the batch's old instances (out of their LBs first); log both sides as activities."""
    from moto.autoscaling.models import Activity

    old = end_instances(backend, group, refresh, batch["old"])
    done = refresh["_total"] - len(refresh["_pending"])
    refresh["PercentageComplete"] = 100 if refresh["_total"] == 0 else int(100 * done / refresh["_total"])
    refresh["InstancesToUpdate"] = len(refresh["_pending"])
    cause = (f"At {utcnow().isoformat()}Z an instance was replaced by instance refresh "
             f"{refresh['InstanceRefreshId']}.")
    log = backend_state(backend, "activities", list)
    for instance_id in batch["new"]:
        log.append(Activity(f"Launching a new EC2 instance: {instance_id}", cause, group, status_code="Successful"))
    for state in old:
        log.append(Activity(f"Terminating EC2 instance: {state.instance.id}", cause, group,
                            status_code="Successful"))


def public(refresh: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in refresh.items() if not k.startswith("_") and v is not None}


def start_instance_refresh(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.autoscaling_backend
    name = self._get_param("AutoScalingGroupName")
    group = backend.autoscaling_groups.get(name)
    if group is None:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    # AWS: one refresh at a time per group.
    for other in refreshes(backend):
        if other["AutoScalingGroupName"] == name and other["Status"] in ACTIVE:
            raise aws_error("InstanceRefreshInProgress",
                                "An Instance Refresh is already in progress and blocks the execution of this "
                                f"Instance Refresh. Instance refresh {other['InstanceRefreshId']} is in progress.")
    strategy = self._get_param("Strategy") or "Rolling"
    if strategy not in ("Rolling", "ReplaceRootVolume"):
        raise validation_error(f"Strategy {strategy} is not valid")
    preferences = self._get_param("Preferences") or {}
    desired = self._get_param("DesiredConfiguration") or {}
    min_healthy = int(preferences.get("MinHealthyPercentage", 90))
    if not 0 <= min_healthy <= 100:
        raise validation_error("MinHealthyPercentage must be between 0 and 100")
    if desired.get("LaunchTemplate"):
        # AWS: the desired configuration is what new instances launch from, and becomes the group's.
        group._set_launch_configuration(None, desired["LaunchTemplate"], None)
        group.launch_config = None
        group.launch_configuration_name = None
    states = list(group.instance_states)
    if preferences.get("SkipMatching"):
        states = [s for s in states if not matches_config(group, s)]
    # AWS replaces (100 - MinHealthyPercentage) % of the group at a time, at least one instance.
    batch = max(1, math.floor(len(group.instance_states) * (100 - min_healthy) / 100))
    refresh = new_refresh(group, states, strategy, {"MinHealthyPercentage": min_healthy, **preferences}, desired,
                          batch)
    warmup = preferences.get("InstanceWarmup")
    refresh["_warmup"] = float(group.health_check_grace_period or 0) if warmup is None else float(warmup)
    refreshes(backend).append(refresh)
    return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})


def new_refresh(group: Any, states: list[Any], strategy: str, preferences: dict[str, Any],
                desired: dict[str, Any], batch: int) -> dict[str, Any]:
    from moto.moto_api._internal import mock_random

    return {
        "InstanceRefreshId": str(mock_random.uuid4()),
        "AutoScalingGroupName": group.name,
        "Status": "Pending",
        "StatusReason": None,
        "StartTime": utcnow(),
        "EndTime": None,
        "PercentageComplete": 0,
        "InstancesToUpdate": len(states),
        "Preferences": preferences,
        "DesiredConfiguration": desired or None,
        "Strategy": strategy,
        "_pending": [s.instance.id for s in states],
        "_total": len(states),
        "_batch": batch,
        "_started_batches": False,
        "_in_flight": None,  # the batch under way: its old and new instance ids, when the new became healthy
    }


def describe_instance_refreshes(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.autoscaling_backend
    name = self._get_param("AutoScalingGroupName")
    ids = self._get_param("InstanceRefreshIds", [])
    found = [r for r in reversed(refreshes(backend))  # newest first, as AWS
             if r["AutoScalingGroupName"] == name and (not ids or r["InstanceRefreshId"] in ids)]
    for refresh in found:
        advance(backend, refresh)
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxRecords") or 50)
    token = str(start + size) if start + size < len(found) else None
    return ActionResult({"InstanceRefreshes": [public(r) for r in found[start:start + size]], "NextToken": token})


def cancel_instance_refresh(self: Any) -> Any:
    from moto.core.responses import ActionResult

    name = self._get_param("AutoScalingGroupName")
    for refresh in refreshes(self.autoscaling_backend):
        if refresh["AutoScalingGroupName"] == name and refresh["Status"] in ("Pending", "InProgress"):
            refresh["Status"] = "Cancelling"
            return ActionResult({"InstanceRefreshId": refresh["InstanceRefreshId"]})
    raise aws_error("ActiveInstanceRefreshNotFound",
                        f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, start_instance_refresh,
        f"{API}, StartInstanceRefresh: Preferences (MinHealthyPercentage, SkipMatching), DesiredConfiguration; "
        "InstanceRefreshInProgress"),
    Add(RESPONSE, describe_instance_refreshes,
        "Auto Scaling User Guide, \"Instance refresh\": Pending -> InProgress -> Successful; a batch's old "
        "instances end once the new ones are healthy and warm"),
    Add(RESPONSE, cancel_instance_refresh,
        f"{API}, CancelInstanceRefresh: Cancelling -> Cancelled; ActiveInstanceRefreshNotFound"),
]
