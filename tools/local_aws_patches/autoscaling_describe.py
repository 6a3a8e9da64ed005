"""Auto Scaling's fixed-answer describe calls that moto 5.2.5 lacks (HTTP 500):
DescribeAdjustmentTypes, DescribeScalingProcessTypes, DescribeAccountLimits."""
from __future__ import annotations

# Values from the Auto Scaling API reference and the default service quotas.
ADJUSTMENT_TYPES = ["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"]
PROCESS_TYPES = ["AZRebalance", "AddToLoadBalancer", "AlarmNotification", "HealthCheck", "InstanceRefresh",
                 "Launch", "ReplaceUnhealthy", "ScheduledActions", "Terminate"]
MAX_GROUPS = 500
MAX_LAUNCH_CONFIGURATIONS = 200


def apply() -> None:
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    def describe_adjustment_types(self: AutoScalingResponse) -> ActionResult:
        return ActionResult({"AdjustmentTypes": [{"AdjustmentType": t} for t in ADJUSTMENT_TYPES]})

    def describe_scaling_process_types(self: AutoScalingResponse) -> ActionResult:
        return ActionResult({"Processes": [{"ProcessName": p} for p in PROCESS_TYPES]})

    def describe_account_limits(self: AutoScalingResponse) -> ActionResult:
        backend = self.autoscaling_backend
        return ActionResult({
            "MaxNumberOfAutoScalingGroups": MAX_GROUPS,
            "MaxNumberOfLaunchConfigurations": MAX_LAUNCH_CONFIGURATIONS,
            "NumberOfAutoScalingGroups": len(backend.autoscaling_groups),
            "NumberOfLaunchConfigurations": len(backend.launch_configurations),
        })

    for func in (describe_adjustment_types, describe_scaling_process_types, describe_account_limits):
        setattr(AutoScalingResponse, func.__name__, func)
