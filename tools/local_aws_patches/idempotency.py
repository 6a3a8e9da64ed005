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

from ._registry import Behaviour, Wrap
from ._util import AUTOSCALING_ERRORS, EC2_ERRORS, ROUTE53_ERRORS, aws_error, backend_state

# response class -> (method, the EC2 API Reference action whose ClientToken it honours)
TOKEN_ACTIONS = {
    "moto.ec2.responses.instances:InstanceResponse": [("run_instances", "RunInstances")],
    "moto.ec2.responses.launch_templates:LaunchTemplates": [
        ("create_launch_template", "CreateLaunchTemplate"),
        ("create_launch_template_version", "CreateLaunchTemplateVersion"),
    ],
}
AUTOSCALING = "moto.autoscaling.responses:AutoScalingResponse"


def _request_without_token(response: Any) -> list[tuple[str, Any]]:
    return sorted((k, repr(v)) for k, v in response.querystring.items() if k != "ClientToken")


def with_client_token(original: Any, self: Any) -> Any:
    token = self._get_param("ClientToken")
    if not token:
        return original(self)
    seen = backend_state(self.ec2_backend, "client_tokens", dict)
    key = (self._get_param("Action"), token)
    request = _request_without_token(self)
    if key in seen:
        first_request, answer = seen[key]
        if first_request != request:
            raise aws_error("IdempotentParameterMismatch",
                            f"Client token {token} was used before with other parameters", EC2_ERRORS)
        return answer
    answer = original(self)
    seen[key] = (request, answer)
    return answer


def already_exists(message: str) -> Exception:
    return aws_error("AlreadyExists", message, AUTOSCALING_ERRORS)


def create_hosted_zone(original: Any, self: Any) -> Any:
    reference = self._get_param("CallerReference")
    for zone in self.backend.zones.values():
        if reference and zone.caller_reference == reference:
            raise aws_error("HostedZoneAlreadyExists", "A hosted zone has already been created with the "
                            f"specified caller reference: {reference}", ROUTE53_ERRORS)
    return original(self)


def create_group(original: Any, self: Any) -> Any:
    name = self._get_param("AutoScalingGroupName")
    if name in self.autoscaling_backend.autoscaling_groups:
        raise already_exists(f"AutoScalingGroup by this name already exists - "
                             f"A group with the name {name} already exists")
    return original(self)


def create_configuration(original: Any, self: Any) -> Any:
    name = self._get_param("LaunchConfigurationName")
    if name in self.autoscaling_backend.launch_configurations:
        raise already_exists(f"Launch Configuration by this name already exists - "
                             f"A launch configuration already exists with the name {name}")
    return original(self)


BEHAVIOURS: list[Behaviour] = [
    *[Wrap(target, method, with_client_token,
           f"EC2 API Reference, \"Ensuring idempotency\"; {action}: ClientToken, IdempotentParameterMismatch")
      for target, methods in TOKEN_ACTIONS.items() for method, action in methods],
    Wrap("moto.route53.responses:Route53", "create_hosted_zone", create_hosted_zone,
         "Route 53 API Reference, CreateHostedZone: HostedZoneAlreadyExists for a used CallerReference"),
    Wrap(AUTOSCALING, "create_auto_scaling_group", create_group,
         "Auto Scaling API Reference, CreateAutoScalingGroup: AlreadyExists"),
    Wrap(AUTOSCALING, "create_launch_configuration", create_configuration,
         "Auto Scaling API Reference, CreateLaunchConfiguration: AlreadyExists"),
]
