# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy applied to every AWS API call the collection makes.

Every client created by :func:`clients.aws_client` routes its calls through
:func:`call_with_retries`, so no call site has to opt in. Two kinds of error
are retried, with full-jitter exponential backoff, bounded in attempts and time:

* throttling, server-side faults, timeouts and dropped connections (any operation);
* eventual-consistency codes of the service, only for operations that change
  something: a read that says "not found" is an answer, a write that says
  "not found" right after the resource was created is a lag.

A change retried after a transient fault may have been done by the try that failed (its answer
was lost): when the retry then fails with "already exists" (or, for a delete, "not found"), the
caller's ``converge`` re-reads and answers for it (see :mod:`converge`).
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

try:
    from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
    from botocore.exceptions import ConnectionError as BotoConnectionError
except ImportError:  # handled by the caller (missing boto3 is reported once)
    ClientError = BotoConnectionError = ConnectionClosedError = ReadTimeoutError = Exception  # type: ignore[misc,assignment]

THROTTLING_CODES = frozenset({
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",  # Route53: a change for this zone is still being applied
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
    "ServerError",
})

# Codes AWS documents as transient right after a related change, per service, with how
# long each lag may last. Retried only for mutating operations (see module docstring).
# "Not found" right after a create clears within seconds; a resource still held by one
# being deleted (an ELB's network interfaces holding a security group) can take minutes.
SHORT_LAG = 30.0
LONG_LAG = 300.0
CONSISTENCY_CODES: dict[str, dict[str, float]] = {
    "ec2": {
        "InvalidGroup.NotFound": SHORT_LAG,  # authorize/tag right after CreateSecurityGroup
        "InvalidInstanceID.NotFound": SHORT_LAG,  # tag/terminate right after RunInstances
        "InvalidAMIID.NotFound": SHORT_LAG,  # launch right after CreateImage
        "InvalidLaunchTemplateId.NotFound": SHORT_LAG,
        "InvalidLaunchTemplateName.NotFoundException": SHORT_LAG,
        "IncorrectInstanceState": SHORT_LAG,
        "DependencyViolation": LONG_LAG,  # delete SG while an ELB/ENI is still being released
    },
    "autoscaling": {
        "ScalingActivityInProgress": LONG_LAG,
        "ResourceInUse": LONG_LAG,  # delete LC/group while the group still winds down
        "ResourceContention": SHORT_LAG,
    },
    "elb": {"InvalidInstance": SHORT_LAG, "DependencyThrottle": SHORT_LAG},
    "elbv2": {"ResourceInUse": LONG_LAG},
}

READ_PREFIXES = ("Describe", "List", "Get")


@dataclass
class RetryPolicy:
    """How hard to retry. The defaults suit interactive playbook runs."""

    max_attempts: int = 10
    # attempts when the endpoint cannot be reached at all (None: max_attempts); an inventory asks
    # for few, so that a dead endpoint costs a second, not the whole backoff
    connection_attempts: int | None = None
    base_delay: float = 0.3
    max_delay: float = 8.0
    # caps every consistency lag of CONSISTENCY_CODES (tests lower it)
    max_consistency_seconds: float = LONG_LAG
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", ""))
    return ""


def http_status(exc: BaseException) -> int:
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    return 0


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


def consistency_lag(service: str, operation: str, exc: BaseException) -> float:
    """Seconds a consistency error may be retried for (0: not a consistency error here)."""
    if not is_mutating(operation):
        return 0.0
    return CONSISTENCY_CODES.get(service, {}).get(error_code(exc), 0.0)


def classify(service: str, operation: str, exc: BaseException) -> str | None:
    """Return "transient", "consistency" or None (do not retry)."""
    # a dropped connection (ConnectionClosedError) is as transient as one that never opened
    if isinstance(exc, (BotoConnectionError, ConnectionClosedError, ReadTimeoutError)):
        return "transient"
    if not isinstance(exc, ClientError):
        return None
    if error_code(exc) in THROTTLING_CODES or http_status(exc) >= 500:
        return "transient"
    if consistency_lag(service, operation, exc):
        return "consistency"
    return None


def call_with_retries(
    service: str,
    operation: str,
    call: Callable[[], Any],
    policy: RetryPolicy,
    converge: Callable[[BaseException], Any] | None = None,
) -> Any:
    """Run ``call`` until it succeeds, fails for good, or the policy's bounds are hit.

    ``converge(exc)``: asked when a try fails after an earlier try of a change ended in a transient
    fault (that try may have been done); its answer, unless None, is the call's answer.
    """
    started = time.monotonic()
    attempt = 0
    maybe_done = False  # an earlier try of this change may have been done upstream
    while True:
        try:
            return call()
        except Exception as exc:
            kind = classify(service, operation, exc)
            attempt += 1
            if maybe_done and converge is not None and kind != "transient":
                answer = converge(exc)
                if answer is not None:
                    return answer
            if kind == "transient" and is_mutating(operation):
                maybe_done = True
            if kind is None:
                raise
            if kind == "transient" and attempt >= policy.max_attempts:
                raise
            if kind == "transient" and policy.connection_attempts is not None \
                    and isinstance(exc, BotoConnectionError) and attempt >= policy.connection_attempts:
                raise
            if kind == "consistency":
                allowed = min(policy.max_consistency_seconds, consistency_lag(service, operation, exc))
                if time.monotonic() - started >= allowed:
                    raise
            policy.sleep(policy.delay(min(attempt, 8)))
