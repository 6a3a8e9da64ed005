"""Helpers shared by the patches."""
from __future__ import annotations

import functools
from typing import Any, Callable

from ._registry import resolve


def backend_state(backend: Any, name: str, factory: Callable[[], Any]) -> Any:
    """Extra per-backend state kept in the backend's __dict__, so POST /moto-api/reset clears it too."""
    key = f"_webfleet_{name}"
    if key not in backend.__dict__:
        backend.__dict__[key] = factory()
    return backend.__dict__[key]


# moto's error base class of each service: its handlers catch their own (AutoscalingClientError, ...)
SERVICE_ERRORS = "moto.core.exceptions:ServiceException"
AUTOSCALING_ERRORS = "moto.autoscaling.exceptions:AutoscalingClientError"
EC2_ERRORS = "moto.ec2.exceptions:EC2ClientError"
ELB_ERRORS = "moto.elb.exceptions:ELBClientError"
ROUTE53_ERRORS = "moto.route53.exceptions:Route53ClientError"


@functools.cache
def error_class(code: str, base: str = SERVICE_ERRORS) -> Any:
    """moto's exception ``base`` for the error ``code``, as a class of this package: moto serializes an
    error with the shape of the service its class's module belongs to, and a class of moto.core (a
    plain ServiceException) has none (HTTP 500); a service's base keeps its module (that service's
    shapes). Made on first use, so importing a patch does not import moto."""
    parent = resolve(base)
    module = __name__ if parent.__module__.startswith("moto.core") else parent.__module__
    return type(code, (parent,), {"code": code, "__module__": module})


def aws_error(code: str, message: str, base: str = SERVICE_ERRORS) -> Exception:
    """The error ``code`` saying ``message``; its HTTP status is the one of the service's model."""
    return error_class(code, base)(message)


def validation_error(message: str) -> Exception:
    """Auto Scaling's ValidationError (HTTP 400)."""
    return aws_error("ValidationError", message, AUTOSCALING_ERRORS)
