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



@functools.cache
def error_class(code: str, base: str = "moto.core.exceptions:ServiceException") -> Any:
    """moto's exception ``base`` for the error ``code``, as a class of this package: moto serializes an
    error with the shape of the service its class's module belongs to, and a class of moto.core (a
    plain ServiceException) has none (HTTP 500). Made on first use, so importing a patch does not
    import moto."""
    return type(code, (resolve(base),), {"code": code, "__module__": __name__})
