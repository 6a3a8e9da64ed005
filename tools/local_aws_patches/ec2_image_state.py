"""A control call for tests: put an image in the state a half-made bake leaves (pending, failed),
which moto never does by itself (its CreateImage answers with an image already available).

    POST /moto-api/webfleet/image-state  {"image_id": "ami-...", "state": "failed",
                                          "region": "us-east-1", "age_seconds": 7200}

``age_seconds`` (optional) moves the image's CreationDate that far into the past (a stale pending
image). Answers 200 with the image's id and state, 404 for an unknown image."""
from __future__ import annotations

import datetime
import json
from typing import Any

from ._registry import Behaviour, Route

PATH = "/moto-api/webfleet/image-state"
STATES = ("pending", "available", "invalid", "deregistered", "transient", "failed", "error", "disabled")


def set_image_state(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2.models import ec2_backends

    size = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(size).decode() or "{}")
    if body.get("state") not in STATES:
        return 400, {}, f"state must be one of {', '.join(STATES)}"
    backend = ec2_backends[DEFAULT_ACCOUNT_ID][body.get("region", "us-east-1")]
    image = backend.amis.get(body.get("image_id", ""))
    if image is None:
        return 404, {}, f"no image {body.get('image_id')!r}"
    image.state = body["state"]
    if body.get("age_seconds"):
        from moto.core.utils import utcnow

        image.creation_date = utcnow() - datetime.timedelta(seconds=int(body["age_seconds"]))
    return 200, {"Content-Type": "application/json"}, json.dumps({"image_id": image.id, "state": image.state})


BEHAVIOURS: list[Behaviour] = [
    Route(PATH, set_image_state, "a test control URL (no AWS counterpart); EC2 API Reference, Image.State values"),
]
