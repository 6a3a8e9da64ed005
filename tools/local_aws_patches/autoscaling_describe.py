"""Auto Scaling's fixed-answer describe calls that moto 5.2.5 lacks (HTTP 500):
DescribeAdjustmentTypes, DescribeScalingProcessTypes, DescribeAccountLimits."""
from __future__ import annotations

from typing import Any

from ._registry import Add, Behaviour

# Values from the Auto Scaling API reference and the default service quotas.
ADJUSTMENT_TYPES = ["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"]
PROCESS_TYPES = ["AZRebalance", "AddToLoadBalancer", "AlarmNotification", "HealthCheck", "InstanceRefresh",
                 "Launch", "ReplaceUnhealthy", "ScheduledActions", "Terminate"]
MAX_GROUPS = 500
MAX_LAUNCH_CONFIGURATIONS = 200


RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"


def describe_adjustment_types(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"AdjustmentTypes": [{"AdjustmentType": t} for t in ADJUSTMENT_TYPES]})


def describe_scaling_process_types(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"Processes": [{"ProcessName": p} for p in PROCESS_TYPES]})


def describe_account_limits(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backend = self.autoscaling_backend
    return ActionResult({
        "MaxNumberOfAutoScalingGroups": MAX_GROUPS,
        "MaxNumberOfLaunchConfigurations": MAX_LAUNCH_CONFIGURATIONS,
        "NumberOfAutoScalingGroups": len(backend.autoscaling_groups),
        "NumberOfLaunchConfigurations": len(backend.launch_configurations),
    })


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, describe_adjustment_types, f"{API}, DescribeAdjustmentTypes"),
    Add(RESPONSE, describe_scaling_process_types, f"{API}, DescribeScalingProcessTypes"),
    Add(RESPONSE, describe_account_limits, f"{API}, DescribeAccountLimits; Auto Scaling User Guide, \"Quotas\""),
]
