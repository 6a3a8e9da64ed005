"""Auto Scaling instances report the launch template version / launch configuration they were
launched from (DescribeAutoScalingGroups, DescribeAutoScalingInstances), as AWS does; moto 5.2.5
reported the template's default version and the group's current launch configuration."""
from __future__ import annotations

from typing import Any

from ._registry import Behaviour, Replace, Wrap

STATE = "moto.autoscaling.models:InstanceState"
API = "Auto Scaling API Reference"


def launched_from(group: Any) -> tuple[str | None, str | None]:
    """(launch template version number, launch configuration name) new instances of the group use."""
    template = group.ec2_launch_template
    if template is not None:
        return str(template.get_version(group.launch_template_version).number), None
    return None, getattr(group, "launch_configuration_name", None)


def init(original: Any, self: Any, *args: Any, **kwargs: Any) -> None:
    """An instance remembers what its group launched it from."""
    original(self, *args, **kwargs)
    group = self.auto_scaling_group
    self._webfleet_version, self._webfleet_lc = launched_from(group) if group is not None else (None, None)
    self._webfleet_template = group.ec2_launch_template if group is not None else None


def launch_template(self: Any) -> dict[str, Any] | None:
    template = getattr(self, "_webfleet_template", None)
    if template is None:
        return None
    return {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name,
            "Version": self._webfleet_version}


def launch_configuration_name(self: Any) -> str | None:
    return getattr(self, "_webfleet_lc", None)


BEHAVIOURS: list[Behaviour] = [
    Wrap(STATE, "__init__", init, f"{API}, Instance: launched from a template version or launch configuration"),
    Replace(STATE, "launch_template", property(launch_template),
            f"{API}, Instance.LaunchTemplate: the version the instance was launched from"),
    Replace(STATE, "launch_configuration_name", property(launch_configuration_name),
            f"{API}, Instance.LaunchConfigurationName: the configuration the instance was launched from"),
]
