# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module side of the shared AWS core.

Modules do not use :class:`AWSModule` directly: :mod:`lifecycle`'s ``AWSResource`` builds it and runs
these steps in this order once for all of them. A module built on :class:`AWSModule` reads as
"validate -> read current -> compare with desired -> change (unless check mode) -> return":

    module = AWSModule(argument_spec=dict(name=dict(required=True), ...))
    if bad(module.params["x"]):
        module.fail_param("x", "must be ...; use ...")   # before any API call
    ec2 = module.client("ec2")
    with module.aws_errors("describe security group 'web'"):
        current = read(ec2, ...)
    desired = build(module.params, current)
    if current != desired and not module.check_mode:
        with module.aws_errors("update security group 'web'"):
            ...
    module.exit(before=current, after=desired, security_group=...)

``exit`` derives ``changed`` and the diff from ``before``/``after`` once, the
same way for every module (community.general's ModuleHelper idea).
"""
from __future__ import annotations

import contextlib
from dataclasses import astuple
from typing import Any, Callable, Iterator, Mapping, TypeVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.webfleet.aws.plugins.module_utils.clients import (
    BOTO3_IMPORT_ERROR,
    CONNECTION_OPTIONS,
    HAS_BOTO3,
    MissingRegionError,
    aws_client,
    session_region,
)
from ansible_collections.webfleet.aws.plugins.module_utils.retries import RetryPolicy, error_code
from ansible_collections.webfleet.aws.plugins.module_utils.waiters import WaitTimeout, wait_for

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # reported in AWSModule.__init__
    BotoCoreError = ClientError = Exception  # type: ignore[misc,assignment]

T = TypeVar("T")

CONNECTION_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "region": {"type": "str", "aliases": ["aws_region"]},
    "profile": {"type": "str", "aliases": ["aws_profile"]},
    "access_key": {"type": "str", "aliases": ["aws_access_key_id"], "no_log": False},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key"], "no_log": True},
    "session_token": {"type": "str", "aliases": ["aws_session_token"], "no_log": True},
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url"]},
}
assert set(CONNECTION_ARGUMENT_SPEC) == set(CONNECTION_OPTIONS)


class AWSError(Exception):
    """Raised by helpers that want the module to fail with a prepared message."""

    def __init__(self, msg: str, **details: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.details = details


class ParamError(ValueError):
    """Invalid input, raised by pure validators: ``param`` names the option (or its path,
    e.g. ``health_check.target``), ``problem`` says what is wrong and what to do.
    Inside ``AWSModule.aws_errors`` (or via ``AWSModule.fail_param``) it fails the module."""

    def __init__(self, param: str, problem: str) -> None:
        super().__init__(f"{param}: {problem}")
        self.param = param
        self.problem = problem


class AWSModule:
    """AnsibleModule plus connection options, retrying clients, errors, waits and diffs."""

    def __init__(self, argument_spec: Mapping[str, Any], supports_check_mode: bool = True, **kwargs: Any) -> None:
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(argument_spec)
        self._module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        if not HAS_BOTO3:
            self._module.fail_json(msg=missing_required_lib("boto3 and botocore"), exception=str(BOTO3_IMPORT_ERROR))
        self._clients: dict[tuple[str, str | None, tuple[Any, ...] | None], Any] = {}
        self._rollbacks: list[tuple[str, Callable[[], Any]]] = []

    # -- plain AnsibleModule access -------------------------------------------------
    @property
    def params(self) -> dict[str, Any]:
        return self._module.params

    @property
    def check_mode(self) -> bool:
        return self._module.check_mode

    @property
    def diff_mode(self) -> bool:
        return bool(self._module._diff)

    def warn(self, msg: str) -> None:
        self._module.warn(msg)

    # -- clients ------------------------------------------------------------------
    def client(self, service: str, region: str | None = None, policy: RetryPolicy | None = None) -> Any:
        """The module's client for ``service`` (one per service, region and retry policy).

        ``policy`` bounds the retries of this client's calls differently from the default, e.g. a
        consistency wait limited by the module's ``wait_timeout``.
        """
        key = (service, region, None if policy is None else astuple(policy))
        if key not in self._clients:
            try:
                self._clients[key] = aws_client(service, self.params, region=region, policy=policy)
            except MissingRegionError as exc:
                self.fail_param("region", str(exc))
            except (BotoCoreError, ValueError) as exc:
                self.fail(f"cannot create the {service} client: {exc}; check the region, profile and credentials")
        return self._clients[key]

    @property
    def region(self) -> str | None:
        return session_region(self.params)

    # -- failures ---------------------------------------------------------------------
    def on_failure(self, description: str, undo: Callable[[], Any]) -> None:
        """Register an undo step run (newest first) if the module fails later on."""
        self._rollbacks.append((description, undo))

    def _run_rollbacks(self) -> list[str]:
        done = []
        while self._rollbacks:
            description, undo = self._rollbacks.pop()
            try:
                undo()
                done.append(description)
            except Exception as exc:
                done.append(f"{description} FAILED ({exc}); remove it by hand")
        return done

    def fail(self, msg: str, **details: Any) -> None:
        rolled_back = self._run_rollbacks()
        if rolled_back:
            details["rolled_back"] = rolled_back
        self._module.fail_json(msg=msg, **details)

    def fail_param(self, param: str, problem: str) -> None:
        """Fail on invalid input, naming the parameter (call before the first API call)."""
        self.fail(f"parameter '{param}': {problem}", parameter=param)

    def fail_aws(self, exc: BaseException, action: str) -> None:
        code = error_code(exc)
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            operation = getattr(exc, "operation_name", "?")
            msg = f"failed to {action}: {operation} answered {code}: {err.get('Message', '')}".rstrip(": ")
            self.fail(msg, error={"code": code, "message": err.get("Message", "")}, operation=operation)
        self.fail(f"failed to {action}: {exc}")

    @contextlib.contextmanager
    def aws_errors(self, action: str) -> Iterator[None]:
        """Turn botocore errors, ParamError and AWSError inside the block into a clear failure."""
        try:
            yield
        except ParamError as exc:
            self.fail_param(exc.param, exc.problem)
        except AWSError as exc:
            self.fail(exc.msg, **exc.details)
        except (ClientError, BotoCoreError) as exc:
            self.fail_aws(exc, action)

    def wait(
        self, probe: Callable[[], Any], done: Callable[[Any], bool], what: str, timeout: float, delay: float = 2.0
    ) -> tuple[Any, float]:
        """Poll until ``done``; a timeout fails the module naming what it waited for."""
        try:
            with self.aws_errors(f"check {what}"):
                return wait_for(probe, done, what, timeout, delay=delay)
        except WaitTimeout as exc:
            self.fail(f"{exc}; raise wait_timeout or look at the resource in the AWS console", waited_for=what)
        raise AssertionError("unreachable")

    # -- results ------------------------------------------------------------------------
    def exit(self, before: Any = None, after: Any = None, changed: bool | None = None, **result: Any) -> None:
        """Finish: ``changed`` defaults to before != after; the diff is derived from both."""
        if changed is None:
            changed = before != after
        if self.diff_mode:
            result["diff"] = {"before": {} if before is None else before, "after": {} if after is None else after}
        self._module.exit_json(changed=changed, **result)


def snake(resource: Mapping[str, Any] | None, keep_tags: bool = True) -> dict[str, Any]:
    """A boto3 resource description in snake_case; a ``Tags`` list becomes a dict."""
    if not resource:
        return {}
    data = dict(resource)
    tags = data.pop("Tags", None)
    out = camel_dict_to_snake_dict(data)
    if keep_tags and tags is not None:
        out["tags"] = {t["Key"]: t.get("Value", "") for t in tags} if isinstance(tags, list) else dict(tags)
    return out


def is_not_found(exc: BaseException, *codes: str, malformed: bool = False) -> bool:
    """True for a ClientError whose code is one of ``codes`` (or contains 'NotFound' when none given).

    With ``malformed`` (and no ``codes``), a 'Malformed' code counts too: EC2 answers
    ``InvalidAMIID.Malformed`` for an id that cannot exist, which for a lookup is "not there".
    """
    code = error_code(exc)
    if codes:
        return code in codes
    return "NotFound" in code or (malformed and "Malformed" in code)


def describe_or_none(call: Callable[[], T], *codes: str, malformed: bool = False) -> T | None:
    """``call()``, or None when it fails with a not-found code (as :func:`is_not_found` decides)."""
    try:
        return call()
    except Exception as exc:
        if is_not_found(exc, *codes, malformed=malformed):
            return None
        raise
