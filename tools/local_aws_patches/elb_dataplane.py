"""The Classic Load Balancers' data plane: each LB with listeners answers on its own loopback
address (127.0.0.N, N from 2, kept while the LB exists) on its HTTP and TCP listener ports, and
forwards to its InService instances' containers (elb_proxy.py routes the requests).

A background thread runs an asyncio loop that reconciles with moto's ELB backends every
RECONCILE_EVERY seconds (all accounts and regions): new LBs get an address whose listener ports no
other process holds (several endpoints run at once), deleted ones release theirs. A port below
1024 that cannot be bound (EACCES) is bound at 10000 + port instead; info() and the log say so.

Each LB's health monitor runs its HealthCheck at its Interval (through clock.real_seconds, so
WEBFLEET_LAB_SPEED speeds it) with elb_health's check, and counts HealthyThreshold /
UnhealthyThreshold consecutive results; a registered instance starts OutOfService. Only InService,
running instances with a container get requests; a deregistered one gets no new request and its
in-flight ones finish up to the connection-draining timeout (a lab interval: WEBFLEET_LAB_SPEED
shortens it too; the idle timeout stays real).
"""
from __future__ import annotations

import asyncio
import errno
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

from . import clock
from ._registry import Behaviour, ServeContext, Service
from .elb_proxy import Balancer, Listener, Stickiness, serve_http, serve_tcp

log = logging.getLogger("webfleet.local_aws")

RECONCILE_EVERY = 0.5
ADDRESSES = [f"127.0.0.{n}" for n in range(2, 255)]
LOW_PORT_SHIFT = 10000  # where a listener port < 1024 goes when binding it is not permitted
DEFAULT_CHECK = ("TCP", 30, 5, 10, 2)  # AWS's default health check: interval, timeout, healthy, unhealthy


@dataclass(frozen=True)
class HealthConfig:
    target: str
    interval: float
    timeout: float
    healthy: int
    unhealthy: int


@dataclass(frozen=True)
class LbConfig:
    key: tuple[str, str, str]  # account, region, name
    dns_name: str
    listeners: tuple[Listener, ...]
    health: HealthConfig
    instances: tuple[tuple[str, str, bool], ...]  # (instance id, zone, running)
    cross_zone: bool
    draining_timeout: float
    idle_timeout: float
    stickiness: tuple[tuple[str, Stickiness], ...]
    ident: int = 0  # moto's object: an LB deleted and made again under its name is a new LB


@dataclass
class Health:
    state: str = "OutOfService"
    ok: int = 0
    failed: int = 0
    was_in_service: bool = False  # False: its registration is still in progress


@dataclass
class LbState:
    config: LbConfig
    address: str
    balancer: Balancer
    servers: dict[int, tuple[asyncio.AbstractServer, int]] = field(default_factory=dict)  # port -> bound port
    health: dict[str, Health] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # instance id -> container address
    monitor: Optional[asyncio.Task[None]] = None


# --- reading moto's load balancers ----------------------------------------------------------------

def enabled(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def attribute(attrs: dict[str, Any], name: str, key: str, default: Any) -> Any:
    section = attrs.get(name) or {}
    for k in (key, key.title().replace("_", "")):  # moto keeps what the request said: IdleTimeout
        if section.get(k) is not None:
            return section[k]
    return default


def health_config(lb: Any, listeners: tuple[Listener, ...]) -> HealthConfig:
    hc = lb.health_check
    if hc is None:
        protocol, interval, timeout, healthy_n, unhealthy_n = DEFAULT_CHECK
        return HealthConfig(f"{protocol}:{listeners[0].instance_port}", interval, timeout, healthy_n, unhealthy_n)
    return HealthConfig(str(hc.target), float(hc.interval or 30), float(hc.timeout or 5),
                        int(hc.healthy_threshold or 10), int(hc.unhealthy_threshold or 2))


def stickiness_of(lb: Any) -> tuple[tuple[str, Stickiness], ...]:
    found = []
    for p in lb.policies:
        if p.policy_type_name in ("LbCookieStickinessPolicy", "LBCookieStickinessPolicyType"):
            expiration = getattr(p, "cookie_expiration_period", None)
            found.append((p.policy_name, Stickiness("lb", int(expiration) if expiration else None)))
        elif p.policy_type_name in ("AppCookieStickinessPolicy", "AppCookieStickinessPolicyType"):
            found.append((p.policy_name, Stickiness("app", cookie_name=str(p.cookie_name))))
    return tuple(found)


def read_config(account: str, region: str, lb: Any, ec2: Any) -> Optional[LbConfig]:
    listeners = tuple(Listener(str(li.protocol).upper(), int(li.load_balancer_port), int(li.instance_port),
                               tuple(getattr(li, "policy_names", None) or ()))
                      for li in lb.listeners if str(li.protocol).upper() in ("HTTP", "TCP"))
    if not listeners:
        return None
    instances = []
    for instance_id in dict.fromkeys(lb.instance_ids):
        try:
            instance = ec2.get_instance(instance_id)
        except Exception:  # gone from EC2: not routable
            continue
        instances.append((instance_id, str(instance.availability_zone), instance.state == "running"))
    attrs = lb.attributes
    draining = enabled(attribute(attrs, "connection_draining", "enabled", False))
    return LbConfig(
        key=(account, region, lb.name), dns_name=str(lb.dns_name), listeners=listeners,
        health=health_config(lb, listeners), instances=tuple(instances),
        cross_zone=enabled(attribute(attrs, "cross_zone_load_balancing", "enabled", False)),
        draining_timeout=float(attribute(attrs, "connection_draining", "timeout", 300)) if draining else 0.0,
        idle_timeout=float(attribute(attrs, "connection_settings", "idle_timeout", 60)),
        stickiness=stickiness_of(lb), ident=id(lb))


def snapshot() -> dict[tuple[str, str, str], LbConfig]:
    """Every Classic LB with an HTTP or TCP listener, in every account and region."""
    from moto.ec2.models import ec2_backends
    from moto.elb.models import elb_backends

    configs = {}
    for account, regions in list(elb_backends.items()):
        for region, backend in list(regions.items()):
            for lb in list(backend.load_balancers.values()):
                config = read_config(account, region, lb, ec2_backends[account][region])
                if config is not None:
                    configs[config.key] = config
    return configs


# --- the data plane ---------------------------------------------------------------------------------

async def bind(state: LbState, listener: Listener, address: str) -> None:
    """Bind one listener; OSError(EADDRINUSE) when another process holds the port on ``address``."""
    handler = serve_http if listener.protocol == "HTTP" else serve_tcp

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        current = next((li for li in state.config.listeners if li.lb_port == listener.lb_port), listener)
        await handler(state.balancer, current, reader, writer)

    try:
        server = await asyncio.start_server(accept, address, listener.lb_port)
        state.servers[listener.lb_port] = (server, listener.lb_port)
    except PermissionError:
        if listener.lb_port >= 1024:
            raise
        shifted = LOW_PORT_SHIFT + listener.lb_port
        server = await asyncio.start_server(accept, address, shifted)
        state.servers[listener.lb_port] = (server, shifted)
        log.warning("load balancer %s: port %s needs privileges; listening on %s:%s instead",
                    state.config.key[2], listener.lb_port, address, shifted)


def close_servers(state: LbState, ports: Optional[set[int]] = None) -> None:
    for port in list(state.servers) if ports is None else ports:
        server, _ = state.servers.pop(port)
        server.close()


class DataPlane:
    """The loop's thread and every LB's state (touched only in that thread)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.run, name="elb-dataplane", daemon=True)
        self.lbs: dict[tuple[str, str, str], LbState] = {}
        self.stopping: Optional[asyncio.Event] = None
        self.published: dict[str, Any] = {}
        self.ready = threading.Event()
        self.syncing: Optional[asyncio.Lock] = None  # one reconcile at a time (the loop's and withdraw's)

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.main())

    async def main(self) -> None:
        self.stopping = asyncio.Event()
        self.syncing = asyncio.Lock()
        self.ready.set()
        while not self.stopping.is_set():
            try:
                async with self.syncing:
                    await self.reconcile(snapshot())
            except (RuntimeError, KeyError, AttributeError) as exc:  # moto changed under us: next round
                log.debug("load balancers: reconcile: %r", exc)
            self.publish()
            try:
                await asyncio.wait_for(self.stopping.wait(), RECONCILE_EVERY)
            except asyncio.TimeoutError:
                pass
        for state in list(self.lbs.values()):
            self.remove(state)

    async def reconcile(self, configs: dict[tuple[str, str, str], LbConfig]) -> None:
        for key in set(self.lbs) - set(configs):
            self.remove(self.lbs.pop(key))
        for key, config in configs.items():
            state = self.lbs.get(key)
            if state is not None and state.config.ident != config.ident:
                self.remove(self.lbs.pop(key))
                state = None
            if state is None:
                state = await self.open(config)
                if state is None:
                    continue
                self.lbs[key] = state
                state.monitor = asyncio.ensure_future(self.monitor(state))
            elif state.config != config:
                await self.update(state, config)
            self.route(state)

    async def open(self, config: LbConfig) -> Optional[LbState]:
        """A new LB: the first free address where all its listener ports bind."""
        taken = {s.address for s in self.lbs.values()}
        for address in ADDRESSES:
            if address in taken:
                continue
            state = LbState(config, address, Balancer(config.key[2]))
            try:
                for listener in config.listeners:
                    await bind(state, listener, address)
            except OSError as exc:
                close_servers(state)
                if exc.errno == errno.EADDRINUSE:
                    continue
                log.warning("load balancer %s: cannot listen on %s: %s", config.key[2], address, exc)
                return None
            self.configure(state, config)
            return state
        log.warning("load balancer %s: no free loopback address", config.key[2])
        return None

    async def update(self, state: LbState, config: LbConfig) -> None:
        old = {li.lb_port for li in state.config.listeners}
        new = {li.lb_port for li in config.listeners}
        close_servers(state, old - new)
        self.configure(state, config)
        for listener in config.listeners:
            if listener.lb_port not in old:
                try:
                    await bind(state, listener, state.address)
                except OSError as exc:
                    log.warning("load balancer %s: cannot listen on %s:%s: %s",
                                config.key[2], state.address, listener.lb_port, exc)

    @staticmethod
    def configure(state: LbState, config: LbConfig) -> None:
        state.config = config
        b = state.balancer
        b.idle_timeout, b.cross_zone = config.idle_timeout, config.cross_zone
        b.draining_timeout = clock.real_seconds(config.draining_timeout)  # a lab interval: sped up too
        b.stickiness = dict(config.stickiness)
        registered = {i for i, _, _ in config.instances}
        for instance_id in set(state.health) - registered:  # registering again starts OutOfService
            del state.health[instance_id]

    def remove(self, state: LbState) -> None:
        close_servers(state)
        if state.monitor is not None:
            state.monitor.cancel()
        state.balancer.set_routable({})
        for instance_id in list(state.balancer.conns):
            state.balancer.cut(instance_id)

    @staticmethod
    def route(state: LbState) -> None:
        """Requests go to registered, running, InService instances with a container."""
        routable = {i: (state.addresses[i], zone) for i, zone, running in state.config.instances
                    if running and i in state.addresses and state.health.get(i, Health()).state == "InService"}
        if routable != state.balancer.routable:
            state.balancer.set_routable(routable)

    async def monitor(self, state: LbState) -> None:
        """The LB's health checks, at its interval, with its thresholds."""
        from .ec2_containers import container_address
        from .elb_health import healthy

        loop = asyncio.get_running_loop()
        while True:
            config = state.config
            running = [i for i, _, up in config.instances if up]
            found = await asyncio.gather(*(loop.run_in_executor(None, container_address, i) for i in running))
            state.addresses = {i: a for i, a in zip(running, found) if a}
            timeout = max(0.2, clock.real_seconds(min(config.health.timeout, config.health.interval)))
            checks = [loop.run_in_executor(None, healthy, a, config.health.target, timeout)
                      for a in state.addresses.values()]
            results = dict(zip(state.addresses, await asyncio.gather(*checks)))
            registered = {i for i, _, _ in state.config.instances}
            for gone in set(state.health) - registered:  # registered again later: checked from the start
                del state.health[gone]
            for instance_id in registered:
                count(state.health.setdefault(instance_id, Health()), results.get(instance_id, False), config.health)
            self.route(state)
            await asyncio.sleep(clock.real_seconds(config.health.interval))

    async def withdraw(self, instance_ids: set[str]) -> None:
        """Read moto now (the instances were just deregistered: no new request goes to them), then
        wait until their in-flight requests are done, at most the longest draining timeout."""
        assert self.syncing is not None
        async with self.syncing:
            await self.reconcile(snapshot())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max((s.balancer.draining_timeout for s in self.lbs.values()), default=0.0)
        while loop.time() < deadline and any(
                conn.busy for s in self.lbs.values() for i in instance_ids for conn in s.balancer.conns.get(i, ())):
            await asyncio.sleep(0.05)

    def publish(self) -> None:
        self.published = {state.config.key[2]: describe(state) for state in self.lbs.values()}


def count(health: Health, ok: bool, config: HealthConfig) -> None:
    """Consecutive results move the state at the thresholds."""
    if ok:
        health.ok, health.failed = health.ok + 1, 0
        if health.state != "InService" and health.ok >= config.healthy:
            health.state, health.was_in_service = "InService", True
    else:
        health.ok, health.failed = 0, health.failed + 1
        if health.state == "InService" and health.failed >= config.unhealthy:
            health.state = "OutOfService"


def describe(state: LbState) -> dict[str, Any]:
    """One LB's part of GET /moto-api/webfleet/lab."""
    listeners = []
    for li in state.config.listeners:
        bound = state.servers.get(li.lb_port, (None, None))[1]
        entry = {"protocol": li.protocol, "port": li.lb_port, "instance_port": li.instance_port, "bound_port": bound}
        if bound and bound != li.lb_port:
            entry["note"] = f"port {li.lb_port} needs privileges here; listening on {bound}"
        listeners.append(entry)
    http = [e for e in listeners if e["protocol"] == "HTTP" and e["bound_port"]] or listeners
    port = http[0]["bound_port"] if http else None
    return {"url": f"http://{state.address}" + ("" if port in (80, None) else f":{port}"),
            "address": state.address, "dns_name": state.config.dns_name, "listeners": listeners,
            "in_service": sorted(state.balancer.routable), "region": state.config.key[1],
            "health": {i: h.state for i, h in state.health.items()}}


# --- the service ----------------------------------------------------------------------------------

_plane: Optional[DataPlane] = None


def start(_context: ServeContext) -> None:
    global _plane
    _plane = DataPlane()
    _plane.thread.start()
    _plane.ready.wait(5)


def stop() -> None:
    global _plane
    plane, _plane = _plane, None
    if plane is None:
        return
    if plane.stopping is not None:
        plane.loop.call_soon_threadsafe(plane.stopping.set)
    plane.thread.join(5)


def withdraw(instance_ids: set[str]) -> None:
    """From any thread but the data plane's: after moto deregistered ``instance_ids`` from their LBs,
    return once the LBs route nothing new to them and their in-flight requests are done (connection
    draining: at most its timeout)."""
    plane = _plane
    if plane is None or not instance_ids or threading.current_thread() is plane.thread or plane.syncing is None:
        return
    future = asyncio.run_coroutine_threadsafe(plane.withdraw(instance_ids), plane.loop)
    longest = max((s.balancer.draining_timeout for s in list(plane.lbs.values())), default=0.0)
    try:
        future.result(timeout=longest + 10)
    except Exception as exc:  # a stopping data plane: nothing routes any more anyway
        log.debug("load balancers: withdraw %s: %r", sorted(instance_ids), exc)


def info() -> dict[str, Any]:
    return dict(_plane.published) if _plane else {}


def address_of(dns_name: str) -> Optional[str]:
    """The loopback address of the LB with this DNS name (case and trailing dot ignored)."""
    name = dns_name.lower().rstrip(".")
    if name.startswith("dualstack."):
        name = name[len("dualstack."):]
    return next((lb["address"] for lb in info().values() if lb["dns_name"].lower().rstrip(".") == name), None)


REGISTERING = "Instance registration is still in progress."
FAILED = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."


def instance_states(account: str, region: str, name: str) -> Optional[dict[str, dict[str, str]]]:
    """The health monitor's answer for each LB instance it has checked, as DescribeInstanceHealth
    gives it (None when the LB has no monitor)."""
    plane = _plane
    state = plane.lbs.get((account, region, name)) if plane else None
    return {i: health_answer(h) for i, h in state.health.items()} if state else None


def health_answer(health: Health) -> dict[str, str]:
    """ELB API Reference, InstanceState: InService, or OutOfService with who says why."""
    if health.state == "InService":
        return {"State": "InService", "ReasonCode": "N/A", "Description": "N/A"}
    if not health.was_in_service and health.failed == 0:
        return {"State": "OutOfService", "ReasonCode": "ELB", "Description": REGISTERING}
    return {"State": "OutOfService", "ReasonCode": "Instance", "Description": FAILED}


BEHAVIOURS: list[Behaviour] = [
    Service("load_balancers", start, stop,
            "Classic LB data plane: listeners, routing, health checks, stickiness, draining, idle timeout, "
            "X-Forwarded-* (docs.aws.amazon.com/elasticloadbalancing/latest/classic/)", info),
]
