"""The local endpoint's behaviours for moto 5.2.5, one module per service; see tools/local_aws.py
for the list and _registry.py for how each module declares them (BEHAVIOURS)."""
from __future__ import annotations

import importlib
import logging
from typing import Any

from ._registry import ServeContext, Service, install

log = logging.getLogger("webfleet.local_aws")

# Installed in this order.
PATCH_MODULES = [
    "elb",
    "elb_membership",
    "autoscaling_policies",
    "autoscaling_notifications",
    "autoscaling_metrics",
    "autoscaling_refresh",
    "autoscaling_azs",
    "autoscaling_instances",
    "autoscaling_describe",
    "autoscaling_groups",
    "autoscaling_traffic",
    "cloudwatch",
    "ec2",
    "ec2_security_groups",
    "ec2_image_state",
    "ec2_containers",
    "elb_health",
    "sns",
    "sns_mailbox",
    "idempotency",
    "errors",
    "lab",
]

SERVICES: list[Service] = []
RUNNING: list[Service] = []


def apply_all() -> list[str]:
    """Install every module's behaviours (modules not yet converted still have apply())."""
    for name in PATCH_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        if hasattr(module, "BEHAVIOURS"):
            SERVICES.extend(install(name, module.BEHAVIOURS))
        else:
            module.apply()
    return list(PATCH_MODULES)


def start_services(context: ServeContext) -> None:
    """Start the lab's running parts (after apply_all, once the endpoint answers)."""
    for service in SERVICES:
        service.start(context)
        RUNNING.append(service)


def stop_services() -> None:
    while RUNNING:
        service = RUNNING.pop()
        try:
            service.stop()
        except Exception as exc:  # stopping the others matters more
            log.warning("stopping %s: %s", service.name, exc)


def lab_info() -> dict[str, Any]:
    """Each running service's part of GET /moto-api/webfleet/lab."""
    return {s.name: s.info() for s in RUNNING if s.info is not None}
