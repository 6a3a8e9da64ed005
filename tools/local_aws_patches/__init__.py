"""The local endpoint's behaviours for moto 5.2.5, one module per service, each declaring them in
its BEHAVIOURS list (see _registry.py); `python tools/local_aws.py behaviours` prints them all.
Importing this package, or any module of PATCH_MODULES, does not import moto."""
from __future__ import annotations

import importlib
import logging
from typing import Any

from ._registry import Behaviour, ServeContext, Service, install

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
    "elb_dataplane",
    "dns_responder",
    "metrics",
    "lab",
]

SERVICES: list[Service] = []
RUNNING: list[Service] = []


def behaviours(name: str) -> list[Behaviour]:
    """A patch module's BEHAVIOURS (importing it does not import moto)."""
    return list(importlib.import_module(f"{__name__}.{name}").BEHAVIOURS)


def apply_all() -> list[str]:
    """Install every module's behaviours, in PATCH_MODULES order."""
    for name in PATCH_MODULES:
        SERVICES.extend(install(name, behaviours(name)))
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
