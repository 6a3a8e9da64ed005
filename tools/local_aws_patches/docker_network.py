"""The local mode's own Docker network (default ``webfleet``), not a moto patch.

Every container of the local mode (the bake's builder, each instance's container, and the
sample site that the builder and the instances clone over git://) is on this user-defined
network, and its addresses come from it. The default ``bridge`` network is never read: an engine
started for the first time records no Gateway for it (Debian 12's docker.io 20.10), while a
user-defined network always records one. The gateway is this machine's address on the network,
where the containers reach the controller (the sample site's git daemon listens there only).
"""
from __future__ import annotations

import os
import subprocess

NETWORK_ENV = "WEBFLEET_DOCKER_NETWORK"  # set by tools/local_aws.py serve --docker-network
DEFAULT_NETWORK = "webfleet"
LABEL = "webfleet.network=local-mode"


def network_name() -> str:
    return os.environ.get(NETWORK_ENV) or DEFAULT_NETWORK


def _docker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, check=False)


def gateway(name: str) -> str | None:
    """The network's gateway address, or None when the network does not exist."""
    proc = _docker("network", "inspect", name, "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}")
    if proc.returncode != 0:
        return None
    addresses = [a for a in proc.stdout.split() if "." in a]  # the IPv4 gateway
    if not addresses:
        raise RuntimeError(f"Docker network {name} has no IPv4 gateway; remove it (docker network rm {name}) "
                           "and it is made again")
    return addresses[0]


def ensure(name: str | None = None) -> str:
    """Create the network when it does not exist (a bridge network with its own subnet from Docker's
    pools); returns its gateway address. Safe when another process creates it at the same time."""
    name = name or network_name()
    address = gateway(name)
    if address is not None:
        return address
    created = _docker("network", "create", "--driver", "bridge", "--label", LABEL, name)
    address = gateway(name)
    if address is None:
        reason = (created.stderr or created.stdout).strip()
        raise RuntimeError(f"could not create the Docker network {name}: {reason}")
    return address
