"""Auto Scaling group metrics collection: EnableMetricsCollection adds to the enabled set (all metrics
when none are named), DisableMetricsCollection exists (moto 5.2.5: HTTP 500), and
DescribeMetricCollectionTypes lists the metrics."""
from __future__ import annotations

from typing import Any

# The group metrics AWS collects (Auto Scaling API reference, EnableMetricsCollection).
GROUP_METRICS = [
    "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances",
    "GroupStandbyInstances", "GroupTerminatingInstances", "GroupTotalInstances", "GroupInServiceCapacity",
    "GroupPendingCapacity", "GroupStandbyCapacity", "GroupTerminatingCapacity", "GroupTotalCapacity",
    "WarmPoolDesiredCapacity", "WarmPoolWarmedCapacity", "WarmPoolPendingCapacity", "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity", "GroupAndWarmPoolDesiredCapacity", "GroupAndWarmPoolTotalCapacity",
]


def apply() -> None:
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult, EmptyResult

    def target(self: AutoScalingResponse) -> tuple[Any, list[str]]:
        name = self._get_param("AutoScalingGroupName")
        group = self.autoscaling_backend.autoscaling_groups.get(name)
        if group is None:
            raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
        metrics = self._get_param("Metrics", []) or GROUP_METRICS
        unknown = [m for m in metrics if m not in GROUP_METRICS]
        if unknown:
            raise ValidationError(f"Unknown metric: {unknown[0]}")
        return group, metrics

    # AWS: the named metrics are added to those already enabled (moto replaced the list, and an
    # empty Metrics enabled nothing instead of everything); Granularity must be "1Minute".
    def enable_metrics_collection(self: AutoScalingResponse) -> ActionResult:
        group, metrics = target(self)
        if self._get_param("Granularity") != "1Minute":
            raise ValidationError("Valid granularity is: 1Minute")
        group.metrics = [m for m in GROUP_METRICS if m in set(group.metrics) | set(metrics)]
        return EmptyResult()

    def disable_metrics_collection(self: AutoScalingResponse) -> ActionResult:
        group, metrics = target(self)
        group.metrics = [m for m in group.metrics if m not in metrics]
        return EmptyResult()

    def describe_metric_collection_types(self: AutoScalingResponse) -> ActionResult:
        return ActionResult({"Metrics": [{"Metric": m} for m in GROUP_METRICS],
                             "Granularities": [{"Granularity": "1Minute"}]})

    for func in (enable_metrics_collection, disable_metrics_collection, describe_metric_collection_types):
        setattr(AutoScalingResponse, func.__name__, func)
