"""Instances launched from a baked image run as real Docker containers.

An image (AMI) tagged ``webfleet:docker-image`` = a Docker image reference (bake_ami.yml commits
the builder container and registers such an AMI) gives every instance launched from it a container
``webfleet-<instance id>`` of that Docker image: RunInstances, Auto Scaling launches (scale-out,
instance refresh) all go through EC2Backend.run_instances. The container runs on the local
mode's own Docker network (docker_network.py) and is started like a systemd machine (cgroupns
host, /sys/fs/cgroup read-only, tmpfs /run /run/lock /tmp, stop signal SIGRTMIN+3; the image's
CMD decides what runs, never --privileged). Terminating the
instance (TerminateInstances, scale-in, ForceDelete, refresh) removes the container;
StopInstances/StartInstances/RebootInstances stop/start/restart it. Every container carries
the labels webfleet.local-aws.port=<endpoint port> and webfleet.instance-id=<id>; a reset
(POST /moto-api/reset) removes every container of this endpoint.

Docker calls of one request run concurrently and the request answers once they are done (a
launch answers with its containers started). Without Docker, or without the Docker image, the
instance still launches (like a broken AMI on AWS) and one log line says why it has no container.
Instances of untagged images never touch Docker.
"""
from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from typing import Any, Callable

from . import docker_network
from ._registry import Behaviour, Wrap
from .metrics import docker_cpus, vcpus

log = logging.getLogger("webfleet.local_aws")

IMAGE_TAG = "webfleet:docker-image"
LABEL_PORT = "webfleet.local-aws.port"
LABEL_INSTANCE = "webfleet.instance-id"
PORT_ENV = "WEBFLEET_LOCAL_AWS_SERVE_PORT"  # set by tools/local_aws.py serve
DOCKER_TIMEOUT = 120.0


def endpoint_port() -> str:
    return os.environ.get(PORT_ENV, "0")


def container_name(instance_id: str) -> str:
    return f"webfleet-{instance_id}"


def docker(*args: str, timeout: float = DOCKER_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def docker_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (proc.stderr or proc.stdout or "").splitlines() if line.strip()]
    errors = [line for line in lines if "rror" in line]  # not docker's "See 'docker run --help'."
    return (errors or lines or [f"docker exited with {proc.returncode}"])[0]


def remove_labelled_containers(port: int | str) -> list[str]:
    """Remove every container labelled with this endpoint's port; returns their ids."""
    if shutil.which("docker") is None:
        return []
    try:
        listed = docker("ps", "-aq", "--filter", f"label={LABEL_PORT}={port}", timeout=30)
        ids = listed.stdout.split() if listed.returncode == 0 else []
        if ids:
            docker("rm", "-f", *ids, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("could not remove the containers of port %s: %s", port, exc)
        return []
    return ids


# --- containers of this endpoint ----------------------------------------------------------------

@dataclass
class Container:
    instance_id: str
    image: str
    address: str | None = None  # the container's IP on the local mode's Docker network (cached)


_lock = threading.Lock()
_containers: dict[str, Container] = {}  # instance id -> its (running or stopped) container
_last_op: dict[str, threading.Thread] = {}  # instance id -> its latest Docker operation
_request = threading.local()  # .depth and .pending: the Docker operations the current request waits for


def container_of(instance_id: str) -> Container | None:
    """The instance's container, once its launch has finished (None when it has none)."""
    with _lock:
        return _containers.get(instance_id)


def container_address(instance_id: str) -> str | None:
    """The container's IP address (docker inspect once, then cached)."""
    container = container_of(instance_id)
    if container is None:
        return None
    if container.address is None:
        container.address = inspect_address(container_name(instance_id))
    return container.address


def inspect_address(name: str) -> str | None:
    try:
        network = docker_network.network_name()
        template = '{{with index .NetworkSettings.Networks "' + network + '"}}{{.IPAddress}}{{end}}'
        proc = docker("inspect", "-f", template, name, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    address = proc.stdout.strip() if proc.returncode == 0 else ""
    return address or None


def forget_all() -> None:
    with _lock:
        _containers.clear()
        _last_op.clear()


def schedule(instance_id: str, operation: Callable[[], None], wait: bool = True) -> None:
    """Run ``operation`` after the instance's previous Docker operation, in its own thread. Inside a
    request, ``wait`` makes the request answer only once it is done (all of them run concurrently)."""
    with _lock:
        previous = _last_op.get(instance_id)
        thread = threading.Thread(target=run_after, args=(previous, instance_id, operation),
                                  name=f"docker-{instance_id}", daemon=True)
        _last_op[instance_id] = thread
    thread.start()
    if not wait:
        return
    if getattr(_request, "depth", 0) > 0:
        _request.pending.append(thread)
    else:
        thread.join()


def run_after(previous: threading.Thread | None, instance_id: str, operation: Callable[[], None]) -> None:
    if previous is not None:
        previous.join()
    try:
        operation()
    except Exception:  # a Docker failure never fails the API call
        log.exception("docker operation for %s failed", instance_id)


def wait_for_request_operations() -> None:
    pending, _request.pending = getattr(_request, "pending", []), []
    for thread in pending:
        thread.join()


# --- Docker operations ------------------------------------------------------------------------------

def launch(instance_id: str, hostname: str, image: str, cpus: str = "1") -> None:
    if shutil.which("docker") is None:
        log.warning("instance %s: no container (docker is not installed)", instance_id)
        return
    name = container_name(instance_id)
    try:
        network = docker_network.network_name()
        docker_network.ensure(network)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        log.warning("instance %s: no container (%s)", instance_id, exc)
        return
    proc = docker(
        "run", "-d", "--pull", "never", "--name", name, "--hostname", hostname, "--network", network,
        "--label", f"{LABEL_PORT}={endpoint_port()}", "--label", f"{LABEL_INSTANCE}={instance_id}",
        "--cgroupns", "host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
        "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp", "--stop-signal", "SIGRTMIN+3",
        "--cpus", cpus,  # the instance type's vCPUs (metrics.py)
        image,
    )
    if proc.returncode != 0:
        log.warning("instance %s: no container from Docker image %s (%s)", instance_id, image, docker_error(proc))
        if not any(word in (proc.stderr or "") for word in ("No such image", "Conflict")):
            docker("rm", "-f", name, timeout=30)  # created, but it failed to start
        return
    with _lock:
        _containers[instance_id] = Container(instance_id, image, inspect_address(name))


def remove(instance_id: str) -> None:
    with _lock:
        known = _containers.pop(instance_id, None)
    if known is not None:
        docker("rm", "-f", container_name(instance_id), timeout=60)


def stop(instance_id: str) -> None:
    container = container_of(instance_id)
    if container is not None:
        docker("stop", container_name(instance_id), timeout=60)
        container.address = None


def start(instance_id: str) -> None:
    container = container_of(instance_id)
    if container is not None:
        docker("start", container_name(instance_id), timeout=60)
        container.address = inspect_address(container_name(instance_id))


def restart(instance_id: str) -> None:
    container = container_of(instance_id)
    if container is not None:
        docker("restart", container_name(instance_id), timeout=60)
        container.address = inspect_address(container_name(instance_id))


def docker_image_of(backend: Any, image_id: str | None) -> str | None:
    """The Docker image reference tagged on an AMI of this backend (None for other images)."""
    if not image_id:
        return None
    tags = backend.tags.get(image_id)
    return tags.get(IMAGE_TAG) if tags else None


def hostname_of(instance: Any) -> str:
    """ip-10-0-0-5, as an EC2 instance names itself (its private DNS name without the domain)."""
    try:
        return str(instance.private_dns_name).split(".")[0]
    except Exception:
        return str(instance.id)


INSTANCE = "moto.ec2.models.instances:Instance"
AWS_LAUNCH = "EC2 User Guide, \"Instance lifecycle\""


def run_instances(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    """Every launch (RunInstances, Auto Scaling, instance refresh, scaling policies) goes through here."""
    reservation = original(self, *args, **kwargs)
    for instance in reservation.instances:
        image = docker_image_of(self, instance.image_id)
        if image:
            cpus = docker_cpus(vcpus(instance.instance_type))  # the type's vCPUs as the CPU limit
            schedule(instance.id, functools.partial(launch, instance.id, hostname_of(instance), image, cpus))
    return reservation


def on_container(original: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                 operation: Callable[[str], None], wait: bool = True) -> Any:
    """moto's instance call, then ``operation`` on the instance's container (when it has one)."""
    result = original(instance, *args, **kwargs)
    with _lock:
        tracked = instance.id in _last_op
    if tracked:
        schedule(instance.id, functools.partial(operation, instance.id), wait=wait)
    return result


def terminate_instance(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    return on_container(original, self, args, kwargs, remove)


def stop_instance(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    # StopInstances answers "stopping" on AWS: the stop goes on after the answer.
    return on_container(original, self, args, kwargs, stop, wait=False)


def start_instance(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    return on_container(original, self, args, kwargs, start)


def reboot_instance(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    return on_container(original, self, args, kwargs, restart)


def call_action(original: Any, self: Any) -> Any:
    """One request's Docker operations run concurrently; the request answers when they are done."""
    depth = getattr(_request, "depth", 0)
    if depth == 0:
        _request.pending = []
    _request.depth = depth + 1
    try:
        return original(self)
    finally:
        _request.depth = depth
        if depth == 0:
            wait_for_request_operations()


def reset(original: Any, self: Any) -> None:
    """POST /moto-api/reset forgets every instance: their containers go too."""
    forget_all()
    remove_labelled_containers(endpoint_port())
    original(self)


BEHAVIOURS: list[Behaviour] = [
    Wrap("moto.ec2.models:EC2Backend", "run_instances", run_instances,
         f"{AWS_LAUNCH}: a launched instance runs (here: a container of the AMI's Docker image)"),
    Wrap(INSTANCE, "terminate", terminate_instance, f"{AWS_LAUNCH}: a terminated instance is gone (its container too)"),
    Wrap(INSTANCE, "stop", stop_instance, f"{AWS_LAUNCH}; EC2 API Reference, StopInstances: answers stopping, "
         "then stops"),
    Wrap(INSTANCE, "start", start_instance, f"{AWS_LAUNCH}; EC2 API Reference, StartInstances"),
    Wrap(INSTANCE, "reboot", reboot_instance, f"{AWS_LAUNCH}; EC2 API Reference, RebootInstances"),
    Wrap("moto.core.responses:BaseResponse", "call_action", call_action,
         "EC2 API Reference, RunInstances: the launched instances run when the call answers (local lab)"),
    Wrap("moto.moto_api._internal.models:MotoAPIBackend", "reset", reset,
         "the local lab's POST /moto-api/reset (no AWS counterpart): the instances' containers go too"),
]
