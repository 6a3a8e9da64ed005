"""Auto Scaling refuses to delete what is in use, as AWS documents (ResourceInUse):
a group that still has instances unless ForceDelete, a launch configuration a group uses."""
from __future__ import annotations

from typing import Any

from ._registry import Behaviour, Wrap
from ._util import AUTOSCALING_ERRORS, aws_error

API = "Auto Scaling API Reference"


def resource_in_use(message: str) -> Exception:
    return aws_error("ResourceInUse", message, AUTOSCALING_ERRORS)


def delete_auto_scaling_group(original: Any, self: Any) -> Any:
    """AWS: DeleteAutoScalingGroup without ForceDelete fails while the group has instances
    (moto terminated them and deleted the group anyway)."""
    name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    force = str(self._get_param("ForceDelete", False)).lower() == "true"
    if group is not None and group.instance_states and not force:
        raise resource_in_use("You cannot delete an AutoScalingGroup while there are instances or pending Spot "
                              "instance request(s) still in the group.")
    return original(self)


def delete_launch_configuration(original: Any, self: Any, name: str) -> None:
    """AWS: a launch configuration attached to a group cannot be deleted (moto deleted it)."""
    for group in self.autoscaling_groups.values():
        if getattr(group, "launch_configuration_name", None) == name and group.launch_config is not None:
            raise resource_in_use(f"Cannot delete launch configuration {name} because it is attached to "
                                  f"AutoScalingGroup {group.name}")
    original(self, name)


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.autoscaling.responses:AutoScalingResponse", "delete_auto_scaling_group", delete_auto_scaling_group,
         f"{API}, DeleteAutoScalingGroup: ResourceInUse while it has instances, unless ForceDelete"),
    Wrap("moto.autoscaling.models:AutoScalingBackend", "delete_launch_configuration", delete_launch_configuration,
         f"{API}, DeleteLaunchConfiguration: ResourceInUse while a group uses it"),
]
