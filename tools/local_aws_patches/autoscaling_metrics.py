"""Auto Scaling group metrics collection: EnableMetricsCollection adds to the enabled set (all metrics
when none are named), DisableMetricsCollection exists (moto 5.2.5: HTTP 500), and
DescribeMetricCollectionTypes lists the metrics."""
from __future__ import annotations

from typing import Any

from ._registry import Add, Behaviour
from ._util import validation_error

# The group metrics AWS collects (Auto Scaling API reference, EnableMetricsCollection).
GROUP_METRICS = [
    "GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances",
    "GroupStandbyInstances", "GroupTerminatingInstances", "GroupTotalInstances", "GroupInServiceCapacity",
    "GroupPendingCapacity", "GroupStandbyCapacity", "GroupTerminatingCapacity", "GroupTotalCapacity",
    "WarmPoolDesiredCapacity", "WarmPoolWarmedCapacity", "WarmPoolPendingCapacity", "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity", "GroupAndWarmPoolDesiredCapacity", "GroupAndWarmPoolTotalCapacity",
]


RESPONSE = "moto.autoscaling.responses:AutoScalingResponse"
API = "Auto Scaling API Reference"


def target(self: Any) -> tuple[Any, list[str]]:
    """The request's group and metrics (all of them when none are named), both checked."""
    name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise validation_error(f"AutoScalingGroup name not found - AutoScalingGroup {name} not found")
    metrics = self._get_param("Metrics", []) or GROUP_METRICS
    unknown = [m for m in metrics if m not in GROUP_METRICS]
    if unknown:
        raise validation_error(f"Unknown metric: {unknown[0]}")
    return group, metrics


def enable_metrics_collection(self: Any) -> Any:
    """AWS: the named metrics are added to those already enabled (moto replaced the list, and an
    empty Metrics enabled nothing instead of everything); Granularity must be "1Minute"."""
    from moto.core.responses import EmptyResult

    group, metrics = target(self)
    if self._get_param("Granularity") != "1Minute":
        raise validation_error("Valid granularity is: 1Minute")
    group.metrics = [m for m in GROUP_METRICS if m in set(group.metrics) | set(metrics)]
    return EmptyResult()


def disable_metrics_collection(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    group, metrics = target(self)
    group.metrics = [m for m in group.metrics if m not in metrics]
    return EmptyResult()


def describe_metric_collection_types(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"Metrics": [{"Metric": m} for m in GROUP_METRICS],
                         "Granularities": [{"Granularity": "1Minute"}]})


BEHAVIOURS: list[Behaviour] = [
    Add(RESPONSE, enable_metrics_collection,
        f"{API}, EnableMetricsCollection: adds the named metrics (all when none), Granularity 1Minute"),
    Add(RESPONSE, disable_metrics_collection, f"{API}, DisableMetricsCollection"),
    Add(RESPONSE, describe_metric_collection_types, f"{API}, DescribeMetricCollectionTypes"),
]
