"""Fidelity patches for moto 5.2.5, one module per service; see tools/local_aws.py for the list."""
from __future__ import annotations

import importlib

# Applied in this order; each module's apply() is independent of the others.
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
    "idempotency",
    "errors",
]


def apply_all() -> list[str]:
    applied = []
    for name in PATCH_MODULES:
        importlib.import_module(f"{__name__}.{name}").apply()
        applied.append(name)
    return applied
