#!/usr/bin/env python3
"""An HTTP proxy in front of the local AWS endpoint that fails a set fraction of requests.

Faults look like AWS's own: throttling errors in each protocol's error format
(EC2 XML, query XML, rest-xml, JSON, CBOR) and bare HTTP 503s. Used by the tests to
show that modules converge while AWS pushes back.

With ``--after-fraction F`` that fraction of the faults is injected after the request was
forwarded and answered upstream: the work is done, but the client gets the fault instead of
the answer (a lost answer: a 503 or throttle from a front end, or a dropped connection), so
its retry meets what its first try made.

``--lose-first OP[,OP...]`` loses the answer of the first request of each named operation (e.g.
``CreateSecurityGroup``) the same way, whatever the rate: a test of one create path.

``GET /_fault/stats`` answers the counters as JSON: ``forwarded``, ``before`` and ``after``
(faults injected before / after forwarding) and per outcome; ``POST /_fault/reset`` zeroes them.

    python tools/fault_proxy.py --upstream http://127.0.0.1:5000 --port 5001 --rate 0.2 --after-fraction 0.5
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

THROTTLE_BY_PROTOCOL = {
    "ec2": "RequestLimitExceeded",
    "query": "Throttling",
    "rest-xml": "Throttling",
    "json": "ThrottlingException",
    "cbor": "ThrottlingException",
}
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def _cbor_text(s: str) -> bytes:
    data = s.encode()
    if len(data) < 24:
        return bytes([0x60 + len(data)]) + data
    return bytes([0x78, len(data)]) + data


def cbor_error(code: str, message: str) -> bytes:
    """A two-entry CBOR map {"__type": code, "message": message} (enough for botocore)."""
    return bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)


def request_protocol(path: str, headers: dict[str, str], body: bytes) -> str:
    if headers.get("smithy-protocol") == "rpc-v2-cbor" or "application/cbor" in headers.get("content-type", ""):
        return "cbor"
    if headers.get("x-amz-target"):
        return "json"
    if path.startswith("/2013-04-01/"):  # Route53
        return "rest-xml"
    params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    version = (params.get("Version") or [""])[0]
    auth = headers.get("authorization", "")
    if "/ec2/" in auth or version in ("2016-11-15",):
        return "ec2"
    return "query"


ROUTE53_OPERATIONS = (  # (method, path suffix) -> operation, for the rest-xml requests named by --lose-first
    ("POST", "/hostedzone", "CreateHostedZone"),
    ("POST", "/rrset", "ChangeResourceRecordSets"),
    ("POST", "/rrset/", "ChangeResourceRecordSets"),
    ("DELETE", "", "DeleteHostedZone"),
)


def request_operation(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """The API operation a request calls (query Action, JSON target, CBOR path, Route53 route)."""
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    if "/operation/" in path:
        return path.rsplit("/", 1)[-1]
    if path.startswith("/2013-04-01/"):
        route = path.split("?")[0]
        for verb, suffix, operation in ROUTE53_OPERATIONS:
            if method == verb and route.endswith(suffix) and (suffix or "/hostedzone/" in route):
                return operation
        return f"{method} {route}"
    return (urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]


def fault_response(protocol: str) -> tuple[int, dict[str, str], bytes]:
    code = THROTTLE_BY_PROTOCOL[protocol]
    message = "Rate exceeded (injected by fault_proxy)"
    if protocol == "ec2":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>")
        return 503, {"Content-Type": "text/xml"}, body.encode()
    if protocol in ("query", "rest-xml"):
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
                "</Error><RequestId>fault</RequestId></ErrorResponse>")
        return 400, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "json":
        body = f'{{"__type": "{code}", "message": "{message}"}}'
        return 400, {"Content-Type": "application/x-amz-json-1.1"}, body.encode()
    return 400, {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}, cbor_error(code, message)


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr: tuple[str, int], upstream: str, rate: float, seed: int | None,
                 after_fraction: float = 0.0, lose_first: frozenset[str] = frozenset()) -> None:
        super().__init__(addr, Handler)
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.rate = rate
        self.after_fraction = after_fraction
        self.lose_first = set(lose_first)  # operations whose first answer is still to be lost
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = new_counts()

    def decide(self, operation: str) -> tuple[str, bool]:
        """(outcome, after): forwarded, throttled, unavailable or dropped (after only); after: the
        fault comes once the request was done upstream."""
        with self.lock:
            if operation in self.lose_first:
                self.lose_first.discard(operation)
                self.counts["after"] += 1
                self.counts["unavailable_after"] += 1
                return "unavailable", True
            if self.random.random() >= self.rate:
                self.counts["forwarded"] += 1
                return "forwarded", False
            # every 1/after_fraction-th fault comes after (the first one does): a set share, not a draw
            faults = self.counts["before"] + self.counts["after"]
            after = math.ceil((faults + 1) * self.after_fraction) > math.ceil(faults * self.after_fraction)
            roll = self.random.random()
            if after and roll < 0.2:
                outcome = "dropped"  # the connection closes with no answer
            else:
                outcome = "unavailable" if roll < 0.4 else "throttled"
            self.counts["after" if after else "before"] += 1
            self.counts[f"{outcome}_{'after' if after else 'before'}"] += 1
            return outcome, after

    def stats(self) -> dict[str, object]:
        with self.lock:
            return {**self.counts, "lose_first_pending": sorted(self.lose_first)}

    def reset_stats(self) -> None:
        with self.lock:
            self.counts = new_counts()


def new_counts() -> dict[str, int]:
    outcomes = [f"{o}_{w}" for o in ("throttled", "unavailable", "dropped") for w in ("before", "after")]
    return dict.fromkeys(["forwarded", "before", "after", *outcomes], 0)


class Handler(BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith("/_fault/"):
            self._control()
            return
        if self.path.startswith("/moto-api"):
            outcome, after = "forwarded", False  # control plane is never faulted
        else:
            outcome, after = self.server.decide(request_operation(self.command, self.path, headers, body))
        if outcome == "forwarded" or after:
            answer = self._forward(body)
        if outcome == "forwarded":
            self._reply(*answer)
        elif outcome == "dropped":
            self.close_connection = True  # the work is done; the client hears nothing back
            self.connection.shutdown(socket.SHUT_RDWR)
        elif outcome == "unavailable":
            self._reply(503, {}, b"")  # an empty 503, as from an overloaded front end
        else:
            self._reply(*fault_response(request_protocol(self.path, headers, body)))

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=120)
        try:
            fwd = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(self.command, self.path, body=body, headers=fwd)
            resp = conn.getresponse()
            data = resp.read()
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS | {"content-length"}}
            return resp.status, out, data
        finally:
            conn.close()

    def _control(self) -> None:
        if self.command == "GET" and self.path.rstrip("/") == "/_fault/stats":
            self._reply(200, {"Content-Type": "application/json"}, json.dumps(self.server.stats()).encode())
        elif self.command == "POST" and self.path.rstrip("/") == "/_fault/reset":
            self.server.reset_stats()
            self._reply(204, {}, b"")
        else:
            self._reply(404, {}, b"")

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", default="http://127.0.0.1:5000")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5001)
    ap.add_argument("--rate", type=float, default=0.2, help="fraction of requests to fail (0..1)")
    ap.add_argument("--after-fraction", type=float, default=0.0,
                    help="fraction of the faults injected after the request was done upstream (0..1)")
    ap.add_argument("--lose-first", default="",
                    help="comma-separated operations whose first request is done upstream and answered with a 503")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    lose_first = frozenset(op for op in args.lose_first.split(",") if op)
    server = FaultProxy((args.host, args.port), args.upstream, args.rate, args.seed, args.after_fraction, lose_first)
    print(f"fault proxy on http://{args.host}:{server.server_port} -> {args.upstream} at rate {args.rate}, "
          f"{args.after_fraction:.0%} of faults after the request was done", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
