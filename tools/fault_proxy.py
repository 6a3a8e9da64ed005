#!/usr/bin/env python3
"""An HTTP proxy in front of the local AWS endpoint that fails a set fraction of requests.

Faults look like AWS's own: throttling errors in each protocol's error format
(EC2 XML, query XML, rest-xml, JSON, CBOR) and bare HTTP 503s. Used by the tests to
show that modules converge while AWS pushes back.

    python tools/fault_proxy.py --upstream http://127.0.0.1:5000 --port 5001 --rate 0.2
"""
from __future__ import annotations

import argparse
import http.client
import random
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

    def __init__(self, addr: tuple[str, int], upstream: str, rate: float, seed: int | None) -> None:
        super().__init__(addr, Handler)
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname or "127.0.0.1"
        self.upstream_port = parsed.port or 80
        self.rate = rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {"forwarded": 0, "throttled": 0, "unavailable": 0}

    def decide(self) -> str:
        with self.lock:
            roll = self.random.random()
            if roll >= self.rate:
                outcome = "forwarded"
            else:
                outcome = "unavailable" if self.random.random() < 0.3 else "throttled"
            self.counts[outcome] += 1
            return outcome


class Handler(BaseHTTPRequestHandler):
    server: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: object) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith("/moto-api") or self.path.startswith("/_fault"):
            outcome = "forwarded"  # control plane is never faulted
        else:
            outcome = self.server.decide()
        if outcome == "unavailable":
            self._reply(503, {}, b"")  # an empty 503, as from an overloaded front end
            return
        if outcome == "throttled":
            self._reply(*fault_response(request_protocol(self.path, headers, body)))
            return
        conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=120)
        try:
            fwd = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(self.command, self.path, body=body, headers=fwd)
            resp = conn.getresponse()
            data = resp.read()
            out = {k: v for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS | {"content-length"}}
            self._reply(resp.status, out, data)
        finally:
            conn.close()

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
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    server = FaultProxy((args.host, args.port), args.upstream, args.rate, args.seed)
    print(f"fault proxy on http://{args.host}:{server.server_port} -> {args.upstream} at rate {args.rate}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
