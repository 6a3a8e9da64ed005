"""Helpers shared by the patches."""
from __future__ import annotations

from typing import Any, Callable


def backend_state(backend: Any, name: str, factory: Callable[[], Any]) -> Any:
    """Extra per-backend state kept in the backend's __dict__, so POST /moto-api/reset clears it too."""
    key = f"_webfleet_{name}"
    if key not in backend.__dict__:
        backend.__dict__[key] = factory()
    return backend.__dict__[key]

