"""Helpers shared by the patches."""
from __future__ import annotations

import functools
from typing import Any, Callable


def backend_state(backend: Any, name: str, factory: Callable[[], Any]) -> Any:
    """Extra per-backend state kept in the backend's __dict__, so POST /moto-api/reset clears it too."""
    key = f"_webfleet_{name}"
    if key not in backend.__dict__:
        backend.__dict__[key] = factory()
    return backend.__dict__[key]


def wrap(cls: Any, name: str, wrapper: Callable[..., Any]) -> None:
    """Replace ``cls.name`` by ``wrapper(original, *args, **kwargs)``."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def patched(*args: Any, **kwargs: Any) -> Any:
        return wrapper(original, *args, **kwargs)

    setattr(cls, name, patched)
