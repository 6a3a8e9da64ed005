"""GET /moto-api/webfleet/lab: what the local lab runs, as JSON — the endpoint's URL plus each
running service's part (load balancers' local URLs, the DNS responder, metrics, mailbox).
tools/webfleet status prints it."""
from __future__ import annotations

import json
import os
from typing import Any

from ._registry import Behaviour, Route

PORT_ENV = "WEBFLEET_LOCAL_AWS_SERVE_PORT"  # set by tools/local_aws.py serve
HOST_ENV = "WEBFLEET_LOCAL_AWS_SERVE_HOST"


def lab(_request: Any, _full_url: str, _headers: Any) -> tuple[int, dict[str, str], str]:
    from . import lab_info

    host = os.environ.get(HOST_ENV, "127.0.0.1")
    body = {"endpoint": f"http://{host}:{os.environ.get(PORT_ENV, '5000')}", **lab_info()}
    return 200, {"Content-Type": "application/json"}, json.dumps(body, default=str)


BEHAVIOURS: list[Behaviour] = [
    Route("/moto-api/webfleet/lab", lab, "the local lab's own control URL (no AWS counterpart)"),
]
