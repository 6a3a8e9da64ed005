"""Auto Scaling instances report the launch template version / launch configuration they were
launched from (DescribeAutoScalingGroups, DescribeAutoScalingInstances), as AWS does; moto 5.2.5
reported the template's default version and the group's current launch configuration."""
from __future__ import annotations

from typing import Any

from ._util import wrap


def launched_from(group: Any) -> tuple[str | None, str | None]:
    """(launch template version number, launch configuration name) new instances of the group use."""
    template = group.ec2_launch_template
    if template is not None:
        return str(template.get_version(group.launch_template_version).number), None
    return None, getattr(group, "launch_configuration_name", None)


def apply() -> None:
    from moto.autoscaling.models import InstanceState

    def init(original: Any, self: InstanceState, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        group = self.auto_scaling_group
        self._webfleet_version, self._webfleet_lc = launched_from(group) if group is not None else (None, None)
        self._webfleet_template = group.ec2_launch_template if group is not None else None

    wrap(InstanceState, "__init__", init)

    def launch_template(self: InstanceState) -> dict[str, Any] | None:
        template = getattr(self, "_webfleet_template", None)
        if template is None:
            return None
        return {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name,
                "Version": self._webfleet_version}

    def launch_configuration_name(self: InstanceState) -> str | None:
        return getattr(self, "_webfleet_lc", None)

    InstanceState.launch_template = property(launch_template)  # type: ignore[assignment,method-assign]
    InstanceState.launch_configuration_name = property(  # type: ignore[assignment,method-assign]
        launch_configuration_name)
