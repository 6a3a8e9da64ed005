"""A DNS responder for the lab on 127.0.0.1 (UDP and TCP; no system change needed): answers from the
endpoint's Route53 hosted zones, as Route 53's authoritative servers would.

- A, AAAA and CNAME records (a CNAME is followed inside the hosted zones, as Route 53 returns it).
- Alias records answer their target's addresses: an alias to a Classic Load Balancer (its DNSName,
  any case, with or without "dualstack." and the trailing dot) answers that LB's loopback address
  from the data plane (elb_dataplane.py); an alias to a record in a hosted zone, that record's.
- Each load balancer's own DNS name answers its loopback address.
- A name inside a hosted zone with no records: NXDOMAIN (NOERROR with no answer when the name has
  records of another type or names below it); a name outside every zone: REFUSED.

Port: WEBFLEET_LAB_DNS_PORT, else the endpoint's port + 53 (5053 for 5000), else an ephemeral port
when that one is busy. info() is "127.0.0.1:PORT". The wire format (RFC 1035) is written here.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import socketserver
import struct
import threading
from typing import Any, Optional

from ._registry import Behaviour, ServeContext, Service

log = logging.getLogger("webfleet.local_aws")

PORT_ENV = "WEBFLEET_LAB_DNS_PORT"
HOST = "127.0.0.1"
A, CNAME, AAAA, ANY = 1, 5, 28, 255
NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 3, 4, 5
ALIAS_TTL = 60  # Route 53 answers an alias with the target's TTL; an LB's is 60 s
MAX_CHASE = 8
Record = tuple[str, int, int, bytes]  # owner, type, TTL, RDATA


# --- wire format --------------------------------------------------------------------------------

def decode_name(data: bytes, offset: int) -> tuple[str, int]:
    """A (possibly compressed) name at ``offset``: (name without the final dot, offset after it)."""
    labels, end, jumps = [], None, 0
    while True:
        length = data[offset]
        if length & 0xC0 == 0xC0:
            if jumps > MAX_CHASE * 4:
                raise ValueError("compression loop")
            end = end if end is not None else offset + 2
            offset, jumps = struct.unpack_from("!H", data, offset)[0] & 0x3FFF, jumps + 1
            continue
        offset += 1
        if length == 0:
            return ".".join(labels), end if end is not None else offset
        labels.append(data[offset:offset + length].decode("ascii", "replace"))
        offset += length


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def parse_query(data: bytes) -> tuple[int, int, str, int, int, int]:
    """(id, flags, name, type, class, end of the question)."""
    ident, flags, qdcount = struct.unpack_from("!HHH", data)
    if qdcount != 1:
        raise ValueError("one question expected")
    name, offset = decode_name(data, 12)
    qtype, qclass = struct.unpack_from("!HH", data, offset)
    return ident, flags, name, qtype, qclass, offset + 4


def build_response(query: bytes, rcode: int, answers: list[Record], authoritative: bool) -> bytes:
    ident, flags, _name, _qtype, _qclass, end = parse_query(query)
    out_flags = 0x8000 | (flags & 0x7800) | (0x0400 if authoritative else 0) | (flags & 0x0100) | rcode
    head = struct.pack("!HHHHHH", ident, out_flags, 1, len(answers), 0, 0)
    body = b"".join(encode_name(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata
                    for owner, rtype, ttl, rdata in answers)
    return head + query[12:end] + body


def error_response(query: bytes, rcode: int) -> bytes:
    ident, flags = struct.unpack_from("!HH", query) if len(query) >= 4 else (0, 0)
    return struct.pack("!HHHHHH", ident, 0x8000 | (flags & 0x7900) | rcode, 0, 0, 0, 0)


# --- answers from the hosted zones -----------------------------------------------------------------

def norm(name: str) -> str:
    return name.lower().rstrip(".").replace("\\052", "*")


def zones() -> list[tuple[str, list[Any]]]:
    """(zone name, its record sets) of every hosted zone of every account."""
    from moto.route53.models import route53_backends

    found = []
    for _account, partitions in list(route53_backends.items()):
        for _partition, backend in list(partitions.items()):
            found += [(norm(z.name), list(z.rrsets)) for z in list(backend.zones.values())]
    return found


def values(rrset: Any) -> list[str]:
    return [str(r.get("Value", "")) if isinstance(r, dict) else str(r) for r in rrset.records or []]


def rdata(rtype: int, value: str) -> Optional[bytes]:
    try:
        if rtype == A:
            return ipaddress.IPv4Address(value).packed
        if rtype == AAAA:
            return ipaddress.IPv6Address(value).packed
    except ValueError:
        return None
    return encode_name(value) if rtype == CNAME else None


def lb_address(dns_name: str) -> Optional[str]:
    from .elb_dataplane import address_of

    return address_of(dns_name)


def alias_answers(owner: str, target: dict[str, Any], qtype: int, depth: int) -> list[Record]:
    dns_name = str(target.get("DNSName") or target.get("dns_name") or "")
    address = lb_address(dns_name)
    if address is not None:
        return [(owner, A, ALIAS_TTL, rdata(A, address) or b"")] if qtype in (A, ANY) else []
    _rcode, answers, _ = lookup(norm(dns_name), qtype, depth + 1)
    return [(owner, t, ttl, data) for _o, t, ttl, data in answers]


def lookup(name: str, qtype: int, depth: int = 0) -> tuple[int, list[Record], bool]:
    """(rcode, answers, authoritative) for one question."""
    address = lb_address(name)
    if address is not None:  # the LB's own DNS name
        return NOERROR, ([(name, A, ALIAS_TTL, rdata(A, address) or b"")] if qtype in (A, ANY) else []), True
    inside = [(z, rrsets) for z, rrsets in zones() if name == z or name.endswith("." + z)]
    if not inside or depth > MAX_CHASE:
        return REFUSED, [], False
    _zone, rrsets = max(inside, key=lambda zr: len(zr[0]))
    here = [r for r in rrsets if norm(r.name) == name]
    answers: list[Record] = []
    for r in here:
        rtype = {"A": A, "AAAA": AAAA, "CNAME": CNAME}.get(str(r.type))
        if rtype is None or (qtype not in (rtype, ANY) and rtype != CNAME):
            continue
        if r.alias_target:
            answers += alias_answers(name, r.alias_target, qtype, depth)
            continue
        answers += [(name, rtype, int(r.ttl or 300), d) for v in values(r) if (d := rdata(rtype, v)) is not None]
        if rtype == CNAME and qtype not in (CNAME, ANY) and values(r):
            _rc, chased, _ = lookup(norm(values(r)[0]), qtype, depth + 1)
            answers += chased
    if here or any(norm(r.name).endswith("." + name) for r in rrsets):
        return NOERROR, answers, True
    return NXDOMAIN, [], True


def answer(query: bytes) -> bytes:
    try:
        _ident, flags, name, qtype, qclass, _end = parse_query(query)
    except (ValueError, IndexError, struct.error):
        return error_response(query, FORMERR)
    if flags & 0x7800 or qclass != 1:  # only standard queries for class IN
        return error_response(query, NOTIMP)
    try:
        rcode, answers, authoritative = lookup(norm(name), qtype)
    except (RuntimeError, KeyError, AttributeError) as exc:  # moto changed under us
        log.debug("dns: %s: %r", name, exc)
        return error_response(query, 2)  # SERVFAIL
    return build_response(query, rcode, answers, authoritative)


# --- the servers ----------------------------------------------------------------------------------

class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        reply = answer(data)
        if len(reply) > 512:  # truncated (TC): the client asks again over TCP
            reply = reply[:2] + bytes([reply[2] | 0x02]) + reply[3:6] + b"\0\0\0\0\0\0"
        sock.sendto(reply, self.client_address)


class TCPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            query = self.rfile.read(struct.unpack("!H", head)[0])
            reply = answer(query)
            self.wfile.write(struct.pack("!H", len(reply)) + reply)


class UDPServer(socketserver.ThreadingUDPServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


_servers: list[socketserver.BaseServer] = []


def bind_pair(port: int) -> tuple[UDPServer, TCPServer]:
    """UDP and TCP on the same port (port 0: an ephemeral port free for both)."""
    for _ in range(20):
        udp = UDPServer((HOST, port), UDPHandler)
        try:
            return udp, TCPServer((HOST, udp.server_address[1]), TCPHandler)
        except OSError:
            udp.server_close()
            if port:
                raise
    raise OSError("no port free for both UDP and TCP")


def start(context: ServeContext) -> None:
    wanted = int(os.environ.get(PORT_ENV) or context.port + 53)
    try:
        pair = bind_pair(wanted)
    except OSError as exc:
        if os.environ.get(PORT_ENV):
            raise
        pair = bind_pair(0)
        log.warning("dns: port %s is busy (%s); answering on %s:%s", wanted, exc, HOST, pair[0].server_address[1])
    for server in pair:
        _servers.append(server)
        threading.Thread(target=server.serve_forever, name="dns", daemon=True).start()


def stop() -> None:
    while _servers:
        server = _servers.pop()
        server.shutdown()
        server.server_close()


def info() -> str:
    return f"{HOST}:{_servers[0].server_address[1]}" if _servers else ""


BEHAVIOURS: list[Behaviour] = [
    Service("dns", start, stop,
            "Route 53 answers from the hosted zones, alias records to load balancers "
            "(docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html)",
            info),
]
