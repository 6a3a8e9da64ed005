"""How the endpoint's behaviours are declared and installed.

Each patch module lists what it does in a module-level ``BEHAVIOURS`` list, one entry per AWS
behaviour, each with the AWS documentation it follows in one line (``doc``):

- ``Wrap("moto.elb.models:ELBBackend", "get_load_balancer", func, doc)``: moto's method, wrapped;
  ``func(original, self, *args, **kwargs)``. One Wrap per method per module.
- ``Add("moto.autoscaling.responses:AutoScalingResponse", func, doc)``: an action moto lacks, as
  the method ``func.__name__``.
- ``Replace("moto.elb.models:FakeListener", "instance_protocol", value, doc)``: moto's attribute
  replaced outright (a property, or a method that never calls moto's). One per attribute per
  module, and never also wrapped in that module.
- ``Route("/moto-api/webfleet/image-state", handler, doc)``: a control URL of the endpoint;
  ``handler(request, full_url, headers) -> (status, headers, body)``.
- ``Service(name, start, stop, doc, info)``: a running part of the local lab (the load balancers'
  data plane, the metrics, the DNS responder, the mailbox); ``start(context)`` when the endpoint
  serves, ``stop()`` when it ends, ``info()`` its part of GET /moto-api/webfleet/lab.

Classes are named "module:Class" and imported only when installed, so importing a patch module
never imports moto (`local_aws.py stop` and the tests' helpers stay light).
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Union


@dataclass(frozen=True)
class Wrap:
    target: str  # "module:Class"
    method: str
    func: Callable[..., Any]
    doc: str


@dataclass(frozen=True)
class Add:
    target: str
    func: Callable[..., Any]
    doc: str


@dataclass(frozen=True)
class Replace:
    target: str
    name: str
    value: Any  # a property, or a function taking self
    doc: str


@dataclass(frozen=True)
class Route:
    path: str  # below the endpoint's root, e.g. "/moto-api/webfleet/lab"
    handler: Callable[[Any, str, Any], tuple[int, dict[str, str], str]]
    doc: str


@dataclass(frozen=True)
class ServeContext:
    """What a Service is started with."""

    host: str
    port: int
    state_dir: Path
    docker_network: str


@dataclass(frozen=True)
class Service:
    name: str
    start: Callable[[ServeContext], None]
    stop: Callable[[], None]
    doc: str
    info: Callable[[], Any] | None = field(default=None)


Behaviour = Union[Wrap, Add, Replace, Route, Service]


def resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def wrap(cls: Any, name: str, wrapper: Callable[..., Any]) -> None:
    """Replace ``cls.name`` by ``wrapper(original, *args, **kwargs)``."""
    original = getattr(cls, name)

    @functools.wraps(original)
    def patched(*args: Any, **kwargs: Any) -> Any:
        return wrapper(original, *args, **kwargs)

    setattr(cls, name, patched)


def check_unique(module: str, behaviours: list[Behaviour]) -> None:
    """One Wrap (or Replace) per method per module: a second one of the same method belongs in the first."""
    seen: set[tuple[str, str]] = set()
    for b in behaviours:
        if isinstance(b, (Wrap, Replace)):
            key = (b.target, b.method if isinstance(b, Wrap) else b.name)
            if key in seen:
                raise ValueError(f"{module}: {key[0]}.{key[1]} is wrapped twice; make it one behaviour")
            seen.add(key)


def install(module: str, behaviours: list[Behaviour]) -> list[Service]:
    """Install a module's Wraps, Adds and Routes; return its Services (started by serve)."""
    check_unique(module, behaviours)
    services = []
    for b in behaviours:
        if isinstance(b, Wrap):
            wrap(resolve(b.target), b.method, b.func)
        elif isinstance(b, Add):
            setattr(resolve(b.target), b.func.__name__, b.func)
        elif isinstance(b, Replace):
            setattr(resolve(b.target), b.name, b.value)
        elif isinstance(b, Route):
            from moto.moto_api._internal import urls

            urls.url_paths["{0}" + b.path] = b.handler
        else:
            services.append(b)
    return services


def describe(b: Behaviour) -> str:
    """What a behaviour changes, in a few words: "wrap moto.elb.models:ELBBackend.get_load_balancer"."""
    if isinstance(b, Wrap):
        return f"wrap {b.target}.{b.method}"
    if isinstance(b, Add):
        return f"add {b.target}.{b.func.__name__}"
    if isinstance(b, Replace):
        return f"replace {b.target}.{b.name}"
    if isinstance(b, Route):
        return f"route {b.path}"
    return f"service {b.name}"
