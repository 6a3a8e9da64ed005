"""Retried creates meet what the first try made, as on AWS.

* EC2 RunInstances, CreateLaunchTemplate and CreateLaunchTemplateVersion take a ClientToken: a
  request repeating a token answers what the first request with it made (nothing new is made);
  the same token with other parameters is refused (400 IdempotentParameterMismatch). moto 5.2.5
  ignored the token: a retry after a lost answer launched a second instance or made a second
  template version.
* Route53 CreateHostedZone answers a CallerReference already used with HostedZoneAlreadyExists;
  moto made a second zone of the same name.
* Auto Scaling CreateAutoScalingGroup and CreateLaunchConfiguration refuse a name already in use
  (400 AlreadyExists); moto replaced the group or configuration in place.
"""
from __future__ import annotations

from typing import Any

from ._util import backend_state, wrap

TOKEN_ACTIONS = {
    "InstanceResponse": ["run_instances"],
    "LaunchTemplates": ["create_launch_template", "create_launch_template_version"],
}


def _request_without_token(response: Any) -> list[tuple[str, Any]]:
    return sorted((k, repr(v)) for k, v in response.querystring.items() if k != "ClientToken")


def with_client_token(original: Any, self: Any) -> Any:
    from moto.ec2.exceptions import EC2ClientError

    token = self._get_param("ClientToken")
    if not token:
        return original(self)
    seen = backend_state(self.ec2_backend, "client_tokens", dict)
    key = (self._get_param("Action"), token)
    request = _request_without_token(self)
    if key in seen:
        first_request, answer = seen[key]
        if first_request != request:
            raise EC2ClientError("IdempotentParameterMismatch",
                                 f"Client token {token} was used before with other parameters")
        return answer
    answer = original(self)
    seen[key] = (request, answer)
    return answer


def apply() -> None:
    from moto.autoscaling.exceptions import AutoscalingClientError
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.ec2.responses.instances import InstanceResponse
    from moto.ec2.responses.launch_templates import LaunchTemplates
    from moto.route53.exceptions import Route53ClientError
    from moto.route53.responses import Route53

    for cls in (InstanceResponse, LaunchTemplates):
        for name in TOKEN_ACTIONS[cls.__name__]:
            wrap(cls, name, with_client_token)

    def create_hosted_zone(original: Any, self: Route53) -> Any:
        reference = self._get_param("CallerReference")
        for zone in self.backend.zones.values():
            if reference and zone.caller_reference == reference:
                raise Route53ClientError(
                    "HostedZoneAlreadyExists",
                    f"A hosted zone has already been created with the specified caller reference: {reference}")
        return original(self)

    wrap(Route53, "create_hosted_zone", create_hosted_zone)

    def create_group(original: Any, self: AutoScalingResponse) -> Any:
        name = self._get_param("AutoScalingGroupName")
        if name in self.autoscaling_backend.autoscaling_groups:
            raise AutoscalingClientError("AlreadyExists", f"AutoScalingGroup by this name already exists - "
                                                          f"A group with the name {name} already exists")
        return original(self)

    def create_configuration(original: Any, self: AutoScalingResponse) -> Any:
        name = self._get_param("LaunchConfigurationName")
        if name in self.autoscaling_backend.launch_configurations:
            raise AutoscalingClientError("AlreadyExists", f"Launch Configuration by this name already exists - "
                                                          f"A launch configuration already exists with the name {name}")
        return original(self)

    wrap(AutoScalingResponse, "create_auto_scaling_group", create_group)
    wrap(AutoScalingResponse, "create_launch_configuration", create_configuration)
