# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""boto3 clients built from the collection's connection options.

The same options (and environment fall-backs) serve the modules and the
inventory plugin; see the ``webfleet.aws.connection`` doc fragment.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Mapping

from ansible_collections.webfleet.aws.plugins.module_utils.converge import converged_answer, fill_idempotency_tokens
from ansible_collections.webfleet.aws.plugins.module_utils.retries import RetryPolicy, call_with_retries

try:
    import boto3
    import botocore
    import botocore.configloader
    import botocore.session
    from botocore.config import Config

    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR: Exception | None = None
except ImportError as _exc:  # reported by the caller with a useful message
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = _exc

COLLECTION_VERSION = "0.1.0"

# option name -> environment variables consulted, in order, when the option is unset
ENV_FALLBACKS: dict[str, tuple[str, ...]] = {
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "profile": ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"),
    "access_key": ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
    "secret_key": ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
    "session_token": ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"),
    "endpoint_url": ("AWS_ENDPOINT_URL",),
}
CONNECTION_OPTIONS = tuple(ENV_FALLBACKS)

# When set, every request is appended to this file as "service operation" (benchmarks count them).
API_LOG_ENV = "WEBFLEET_API_LOG"


class MissingRegionError(ValueError):
    pass


def resolve_connection(options: Mapping[str, Any]) -> dict[str, Any]:
    """Fill unset connection options from the environment."""
    resolved: dict[str, Any] = {}
    for name, env_names in ENV_FALLBACKS.items():
        value = options.get(name)
        if value in (None, ""):
            value = next((os.environ[e] for e in env_names if os.environ.get(e)), None)
        resolved[name] = value
    return resolved


def _session(conn: Mapping[str, Any]) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=conn.get("access_key"),
        aws_secret_access_key=conn.get("secret_key"),
        aws_session_token=conn.get("session_token"),
        profile_name=conn.get("profile"),
        region_name=conn.get("region"),
    )


def session_region(options: Mapping[str, Any]) -> str | None:
    """The region named by the options, the environment or the profile (None when none does)."""
    conn = resolve_connection(options)
    return conn["region"] or _session(conn).region_name


# Environment variables that choose credentials outside the connection options (roles, web identity,
# container credentials, other credentials/config files).
IDENTITY_ENV = ("AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
# Profile settings that say whose credentials a profile gives (never the secret).
PROFILE_IDENTITY_KEYS = ("aws_access_key_id", "role_arn", "source_profile", "credential_source",
                         "credential_process", "web_identity_token_file", "sso_account_id", "sso_role_name",
                         "sso_session", "sso_start_url")


def _profile_identity(profile: str | None, depth: int = 0) -> dict[str, Any]:
    """The identity settings of a profile in the shared config and credentials files (read locally)."""
    try:
        session = botocore.session.Session(profile=profile)
        name = profile or "default"
        settings = dict(session.full_config.get("profiles", {}).get(name, {}))
        credentials_file = os.path.expanduser(session.get_config_variable("credentials_file"))
        if os.path.isfile(credentials_file):
            settings.update(botocore.configloader.raw_config_parse(credentials_file).get(name, {}))
    except Exception as exc:  # an unreadable/invalid file: the plugin's own call will report it
        return {"error": type(exc).__name__}
    identity: dict[str, Any] = {k: settings.get(k) for k in PROFILE_IDENTITY_KEYS if settings.get(k)}
    source = settings.get("source_profile")
    if source and source != profile and depth < 3:
        identity["source"] = _profile_identity(source, depth + 1)
    return identity


def credentials_identity(options: Mapping[str, Any]) -> str:
    """A digest naming whose credentials ``options`` select, without any network call.

    It covers the access key id (never the secret key or session token), the profile and what the
    shared files say it is (its key id, role, SSO account, ...), the environment variables that pick
    other credentials and the endpoint; two accounts give two digests. Only the digest leaves here.
    """
    conn = resolve_connection(options)
    parts: dict[str, Any] = {
        "access_key": conn.get("access_key"),
        "profile": conn.get("profile"),
        "endpoint_url": conn.get("endpoint_url"),
        "env": {name: os.environ.get(name) for name in IDENTITY_ENV if os.environ.get(name)},
    }
    if not conn.get("access_key"):
        parts["profile_settings"] = _profile_identity(conn.get("profile"))
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _log_request(log_path: str):
    def handler(model: Any = None, **_: Any) -> None:
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{model.service_model.endpoint_prefix} {model.name}\n")

    return handler


def aws_client(
    service: str,
    options: Mapping[str, Any],
    region: str | None = None,
    policy: RetryPolicy | None = None,
) -> Any:
    """A boto3 client whose every call (paginators and waiters included) is retried, a retried change
    converging on what an earlier try of it did (see :mod:`converge`)."""
    conn = resolve_connection(options)
    session = _session(conn)
    region = region or conn["region"] or session.region_name
    if not region:
        raise MissingRegionError(
            "no AWS region: set the 'region' option, AWS_REGION or AWS_DEFAULT_REGION, or a profile with a region"
        )
    client = session.client(
        service,
        region_name=region,
        endpoint_url=conn.get("endpoint_url") or None,
        config=Config(
            retries={"total_max_attempts": 1},  # our policy retries; botocore's would multiply it
            user_agent_extra=f"webfleet.aws/{COLLECTION_VERSION}",
            connect_timeout=10,
            read_timeout=60,
        ),
    )
    policy = policy or RetryPolicy()
    make_api_call = client._make_api_call

    def retrying_api_call(operation_name: str, api_params: Mapping[str, Any]) -> Any:
        # one idempotency token for all tries of this call (botocore would fill one per request)
        params = fill_idempotency_tokens(client.meta.service_model.operation_model(operation_name), api_params)
        return call_with_retries(
            service, operation_name, lambda: make_api_call(operation_name, dict(params)), policy,
            converge=lambda exc: converged_answer(service, operation_name, params, exc, read))

    def read(operation_name: str, **api_params: Any) -> Any:
        return retrying_api_call(operation_name, api_params)

    # Instance attribute shadows the class method: generated methods, paginators
    # and waiters all call self._make_api_call, so nothing escapes the policy.
    client._make_api_call = retrying_api_call
    log_path = os.environ.get(API_LOG_ENV)
    if log_path:
        client.meta.events.register("before-call", _log_request(log_path))
    return client


def paginate(client: Any, operation: str, result_key: str, **params: Any) -> list[Any]:
    """All items of ``result_key`` across every page of ``operation``."""
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(result_key, []))
    return items


def botocore_version() -> str:
    return botocore.__version__ if HAS_BOTO3 else "missing"
