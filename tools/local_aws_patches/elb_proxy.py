"""The Classic Load Balancer's data path (asyncio, stdlib only): what one LB does with a client's
connection on one listener. elb_dataplane.py binds the listeners and keeps each Balancer's view of
its InService instances; this module routes requests.

Follows the Classic Load Balancer user guide:
- HTTP listeners route each request (round robin over InService instances; with cross-zone load
  balancing off, over the zones first), keep the client's connection alive, and add
  X-Forwarded-For (appended), X-Forwarded-Proto and X-Forwarded-Port ("x-forwarded-headers").
- TCP listeners route each connection.
- Sticky sessions ("elb-sticky-sessions"): duration-based (LBCookieStickinessPolicy: the AWSELB
  cookie, with the policy's expiration) and application-controlled (AppCookieStickinessPolicy: an
  AWSELB cookie issued when the application sets its cookie, sticky while the request carries it).
- No InService instance: an empty 503; an instance that does not answer within the idle timeout:
  504; one that fails: 502 ("ts-elb-error-message").
- Idle timeout ("config-idle-timeout"): a connection with no data either way for that long closes.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
from dataclasses import dataclass, field
from typing import Optional

log = logging.getLogger("webfleet.local_aws")

SERVICE_UNAVAILABLE = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
GATEWAY_TIMEOUT = b"HTTP/1.1 504 GATEWAY_TIMEOUT\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n"
MAX_HEAD = 64 * 1024
COOKIE = "AWSELB"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "upgrade"}
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Listener:
    protocol: str  # HTTP or TCP (HTTPS/SSL are not served locally)
    lb_port: int
    instance_port: int
    policies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stickiness:
    kind: str  # "lb" or "app"
    expiration: Optional[int] = None  # LB cookie: seconds (None: the browser session)
    cookie_name: str = ""  # app cookie


@dataclass(eq=False)  # kept in sets by identity
class Backend:
    """One connection to an instance, reused between requests while it is idle."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    busy: bool = False


@dataclass
class Balancer:
    """One load balancer's routing state (owned by the event loop's thread)."""

    name: str
    idle_timeout: float = 60.0
    cross_zone: bool = False
    draining_timeout: float = 0.0  # 0: connection draining off
    stickiness: dict[str, Stickiness] = field(default_factory=dict)  # policy name -> policy
    routable: dict[str, tuple[str, str]] = field(default_factory=dict)  # instance id -> (address, zone)
    conns: dict[str, set[Backend]] = field(default_factory=dict)  # instance id -> its open connections
    _turn: itertools.count = field(default_factory=itertools.count)
    _zone_turn: dict[str, itertools.count] = field(default_factory=dict)

    def token(self, instance_id: str) -> str:
        return hashlib.sha256(f"{self.name}/{instance_id}".encode()).hexdigest()[:40]

    def from_token(self, token: str) -> Optional[str]:
        return next((i for i in self.routable if self.token(i) == token), None)

    def pick(self) -> Optional[str]:
        """Round robin; with cross-zone load balancing off, over the zones first, then within one."""
        ids = sorted(self.routable)
        if not ids:
            return None
        if self.cross_zone:
            return ids[next(self._turn) % len(ids)]
        zones = sorted({self.routable[i][1] for i in ids})
        zone = zones[next(self._turn) % len(zones)]
        in_zone = [i for i in ids if self.routable[i][1] == zone]
        return in_zone[next(self._zone_turn.setdefault(zone, itertools.count())) % len(in_zone)]

    def set_routable(self, routable: dict[str, tuple[str, str]]) -> None:
        """New membership: instances that left get no new requests; their in-flight ones finish up
        to the draining timeout (at once without connection draining)."""
        gone = set(self.routable) - set(routable)
        self.routable = routable
        for instance_id in gone:
            for conn in list(self.conns.get(instance_id, ())):
                if not conn.busy:
                    conn.writer.close()
            asyncio.get_running_loop().call_later(self.draining_timeout, self.cut, instance_id)

    def cut(self, instance_id: str) -> None:
        if instance_id in self.routable:
            return
        for conn in self.conns.pop(instance_id, set()):
            conn.writer.close()

    def policy(self, listener: Listener) -> Optional[Stickiness]:
        return next((self.stickiness[p] for p in listener.policies if p in self.stickiness), None)


# --- HTTP messages --------------------------------------------------------------------------------

async def read_head(reader: asyncio.StreamReader) -> Optional[tuple[str, Headers]]:
    """A request's or response's start line and headers; None at a clean end of stream."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise
        return None
    if len(raw) > MAX_HEAD:
        raise ValueError("header too large")
    lines = raw.decode("latin-1").split("\r\n")
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:] if line)]
    return lines[0], headers


def header(headers: Headers, name: str) -> Optional[str]:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


def cookies(headers: Headers) -> dict[str, str]:
    found: dict[str, str] = {}
    for k, v in headers:
        if k.lower() == "cookie":
            for part in v.split(";"):
                name, _, value = part.strip().partition("=")
                found.setdefault(name, value)
    return found


def encode(start: str, headers: Headers) -> bytes:
    return (start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")


def framing(headers: Headers) -> str:
    """How the body ends: "chunked", "length" or "eof"."""
    if "chunked" in (header(headers, "transfer-encoding") or "").lower():
        return "chunked"
    return "length" if header(headers, "content-length") is not None else "eof"


async def copy_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: Headers,
                    kind: str, idle: float) -> None:
    if kind == "chunked":
        while True:
            line = await asyncio.wait_for(reader.readuntil(b"\r\n"), idle)
            writer.write(line)
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (trailer := await asyncio.wait_for(reader.readuntil(b"\r\n"), idle)) != b"\r\n":
                    writer.write(trailer)
                writer.write(b"\r\n")
                break
            writer.write(await asyncio.wait_for(reader.readexactly(size + 2), idle))
            await writer.drain()
    elif kind == "length":
        left = int(header(headers, "content-length") or 0)
        while left > 0:
            data = await asyncio.wait_for(reader.read(min(left, 65536)), idle)
            if not data:
                raise ConnectionError("body cut short")
            writer.write(data)
            left -= len(data)
            await writer.drain()
    else:
        while data := await asyncio.wait_for(reader.read(65536), idle):
            writer.write(data)
            await writer.drain()
    await writer.drain()


def wants_keep_alive(start: str, headers: Headers) -> bool:
    connection = (header(headers, "connection") or "").lower()
    if start.endswith("HTTP/1.0"):
        return "keep-alive" in connection
    return "close" not in connection


def has_body(method: str, status: int) -> bool:
    return method != "HEAD" and status >= 200 and status not in (204, 304)


def version_keeps_alive(version: str, headers: Headers) -> bool:
    connection = (header(headers, "connection") or "").lower()
    return "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection


def forwarded(headers: Headers, client_ip: str, listener: Listener) -> Headers:
    """The request's headers to the instance: hop-by-hop ones dropped, X-Forwarded-* added."""
    drop = HOP_BY_HOP | {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"}
    out = [(k, v) for k, v in headers if k.lower() not in drop]
    earlier = header(headers, "x-forwarded-for")
    out.append(("X-Forwarded-For", f"{earlier}, {client_ip}" if earlier else client_ip))
    out.append(("X-Forwarded-Proto", "http"))
    out.append(("X-Forwarded-Port", str(listener.lb_port)))
    return out


def cookie_header(balancer: Balancer, instance_id: str, policy: Stickiness) -> tuple[str, str]:
    value = f"{COOKIE}={balancer.token(instance_id)};PATH=/"
    if policy.kind == "lb" and policy.expiration:
        value += f";MAX-AGE={policy.expiration}"
    return "Set-Cookie", value


def sets_app_cookie(headers: Headers, name: str) -> bool:
    return any(k.lower() == "set-cookie" and v.split("=", 1)[0].strip() == name for k, v in headers)


class Upstream(Exception):
    """The instance failed before the response started: the client gets ``answer``."""

    def __init__(self, answer: bytes) -> None:
        super().__init__(answer)
        self.answer = answer


EXCHANGE_ERRORS = (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)


class Client:
    """One client connection on an HTTP listener: its requests, and its connections to instances."""

    def __init__(self, balancer: Balancer, listener: Listener, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.balancer, self.listener, self.reader, self.writer = balancer, listener, reader, writer
        peer = writer.get_extra_info("peername")
        self.client_ip = peer[0] if peer else "127.0.0.1"
        self.pool: dict[str, Backend] = {}

    async def serve(self) -> None:
        idle = self.balancer.idle_timeout
        try:
            while True:
                head = await asyncio.wait_for(read_head(self.reader), idle)
                if head is None or not await self.request(*head):
                    break
        except (asyncio.TimeoutError, *EXCHANGE_ERRORS) as exc:
            log.debug("load balancer %s: client connection ends: %r", self.balancer.name, exc)
        finally:
            for conn in self.pool.values():
                self.drop(conn)
            self.writer.close()

    def choose(self, headers: Headers) -> tuple[Optional[str], Optional[Stickiness], bool]:
        """(instance, stickiness policy, whether it is pinned by the request's AWSELB cookie)."""
        policy = self.balancer.policy(self.listener)
        if policy:
            jar = cookies(headers)
            pinned = self.balancer.from_token(jar.get(COOKIE, ""))
            if pinned and (policy.kind == "lb" or policy.cookie_name in jar):
                return pinned, policy, True
        return self.balancer.pick(), policy, False

    async def request(self, start: str, headers: Headers) -> bool:
        """Route one request; whether the client's connection stays open."""
        method = start.split(" ", 1)[0]
        body = framing(headers)
        instance_id, policy, pinned = self.choose(headers)
        keep = wants_keep_alive(start, headers)
        try:
            if instance_id is None:
                await self.discard(headers, body)
                raise Upstream(SERVICE_UNAVAILABLE)
            conn, (status_line, rheaders) = await self.exchange(instance_id, start, headers, body)
        except Upstream as failed:
            self.writer.write(failed.answer)
            await self.writer.drain()
            return keep
        status = int(status_line.split()[1])
        kind = framing(rheaders) if has_body(method, status) else "none"
        keep = keep and kind != "eof"
        out = [(k, v) for k, v in rheaders if k.lower() not in HOP_BY_HOP]
        if policy and not pinned and (policy.kind == "lb" or sets_app_cookie(rheaders, policy.cookie_name)):
            out.append(cookie_header(self.balancer, instance_id, policy))
        out.append(("Connection", "keep-alive" if keep else "close"))
        self.writer.write(encode(status_line, out))
        try:
            if kind != "none":
                await copy_body(conn.reader, self.writer, rheaders, kind, self.balancer.idle_timeout)
            await self.writer.drain()
        finally:
            conn.busy = False
            if kind == "eof" or not version_keeps_alive(status_line.split(" ", 1)[0], rheaders):
                self.drop(conn)
        return keep

    async def exchange(self, instance_id: str, start: str, headers: Headers,
                       body: str) -> tuple[Backend, tuple[str, Headers]]:
        """Send the request to the instance and read its response's head (retried once on a fresh
        connection when a kept-alive one turns out closed and the request has no body)."""
        idle = self.balancer.idle_timeout
        method, _, rest = start.partition(" ")
        line = f"{method} {rest.rsplit(' ', 1)[0]} HTTP/1.1"
        out = encode(line, forwarded(headers, self.client_ip, self.listener))
        for attempt in (0, 1):
            reused = instance_id in self.pool and not self.pool[instance_id].writer.is_closing()
            conn = await self.backend(instance_id)
            conn.busy = True
            try:
                conn.writer.write(out)
                if body != "eof":
                    await copy_body(self.reader, conn.writer, headers, body, idle)
                await conn.writer.drain()
                head = await asyncio.wait_for(read_head(conn.reader), idle)
            except asyncio.TimeoutError:
                self.drop(conn)
                raise Upstream(GATEWAY_TIMEOUT) from None
            except EXCHANGE_ERRORS:
                head = None
            if head is not None:
                return conn, head
            self.drop(conn)
            if not (reused and body == "eof" and attempt == 0):
                raise Upstream(BAD_GATEWAY)
        raise Upstream(BAD_GATEWAY)

    async def backend(self, instance_id: str) -> Backend:
        conn = self.pool.get(instance_id)
        if conn is not None and not conn.writer.is_closing():
            return conn
        address = self.balancer.routable.get(instance_id, ("", ""))[0]
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address, self.listener.instance_port), self.balancer.idle_timeout)
        except (OSError, asyncio.TimeoutError):
            raise Upstream(BAD_GATEWAY) from None
        conn = self.pool[instance_id] = Backend(reader, writer)
        self.balancer.conns.setdefault(instance_id, set()).add(conn)
        return conn

    def drop(self, conn: Backend) -> None:
        conn.writer.close()
        for instance_id, held in list(self.pool.items()):
            if held is conn:
                del self.pool[instance_id]
                self.balancer.conns.get(instance_id, set()).discard(conn)

    async def discard(self, headers: Headers, body: str) -> None:
        if body != "eof":
            sink = _Sink()
            await copy_body(self.reader, sink, headers, body, self.balancer.idle_timeout)  # type: ignore[arg-type]


class _Sink:
    """A writer that forgets (a request body nobody will receive)."""

    def write(self, _data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass


async def serve_http(balancer: Balancer, listener: Listener, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
    await Client(balancer, listener, reader, writer).serve()


async def serve_tcp(balancer: Balancer, listener: Listener, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
    """A TCP listener: the whole connection goes to one instance, closed after the idle timeout."""
    instance_id = balancer.pick()
    if instance_id is None:
        writer.close()
        return
    address = balancer.routable[instance_id][0]
    try:
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection(address, listener.instance_port), balancer.idle_timeout)
    except (OSError, asyncio.TimeoutError):
        writer.close()
        return
    conn = Backend(up_reader, up_writer, busy=True)
    balancer.conns.setdefault(instance_id, set()).add(conn)
    loop = asyncio.get_running_loop()
    last = [loop.time()]

    async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    data = await asyncio.wait_for(src.read(65536), balancer.idle_timeout)
                except asyncio.TimeoutError:
                    if loop.time() - last[0] >= balancer.idle_timeout:  # idle both ways
                        return
                    continue
                if not data:
                    return
                last[0] = loop.time()
                dst.write(data)
                await dst.drain()
        except EXCHANGE_ERRORS:
            return

    pumps = [asyncio.ensure_future(pump(reader, up_writer)), asyncio.ensure_future(pump(up_reader, writer))]
    try:
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in pumps:
            task.cancel()
        balancer.conns.get(instance_id, set()).discard(conn)
        up_writer.close()
        writer.close()
