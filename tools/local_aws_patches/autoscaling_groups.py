"""Auto Scaling refuses to delete what is in use, as AWS documents (ResourceInUse):
a group that still has instances unless ForceDelete, a launch configuration a group uses."""
from __future__ import annotations

from typing import Any

from ._util import wrap


def apply() -> None:
    from moto.autoscaling.exceptions import AutoscalingClientError
    from moto.autoscaling.models import AutoScalingBackend
    from moto.autoscaling.responses import AutoScalingResponse

    # AWS: DeleteAutoScalingGroup without ForceDelete fails while the group has instances
    # (moto terminated them and deleted the group anyway).
    def delete_auto_scaling_group(original: Any, self: AutoScalingResponse) -> Any:
        name = self._get_param("AutoScalingGroupName")
        group = self.autoscaling_backend.autoscaling_groups.get(name)
        force = str(self._get_param("ForceDelete", False)).lower() == "true"
        if group is not None and group.instance_states and not force:
            raise AutoscalingClientError(
                "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot "
                "instance request(s) still in the group.")
        return original(self)

    wrap(AutoScalingResponse, "delete_auto_scaling_group", delete_auto_scaling_group)

    # AWS: a launch configuration attached to a group cannot be deleted (moto deleted it).
    def delete_launch_configuration(original: Any, self: AutoScalingBackend, name: str) -> None:
        for group in self.autoscaling_groups.values():
            if getattr(group, "launch_configuration_name", None) == name and group.launch_config is not None:
                raise AutoscalingClientError(
                    "ResourceInUse", f"Cannot delete launch configuration {name} because it is attached to "
                    f"AutoScalingGroup {group.name}")
        original(self, name)

    wrap(AutoScalingBackend, "delete_launch_configuration", delete_launch_configuration)
