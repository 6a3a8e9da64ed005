#!/usr/bin/env python3
"""The local AWS endpoint: moto's server on 127.0.0.1 with the project's fidelity patches.

    python tools/local_aws.py serve  [--host 127.0.0.1] [--port 5000]   # foreground
    python tools/local_aws.py start  [--port 5000]   # background; waits until it answers; no-op if up
    python tools/local_aws.py stop   [--port 5000]   # stops only an endpoint this tool started
    python tools/local_aws.py reset  [--port 5000]   # forget every resource (POST /moto-api/reset)
    python tools/local_aws.py status [--port 5000]
    python tools/local_aws.py network [--docker-network webfleet]   # make it if missing; print its gateway
    python tools/local_aws.py behaviours   # what the patches change, module by module, and the AWS docs they follow

Instances' containers, the bake's builder and the sample site's git daemon use the local mode's own
Docker network (--docker-network, default webfleet; tools/local_aws_patches/docker_network.py),
never the default bridge, whose gateway a freshly started Docker engine does not record.

Modules follow AWS's documented behaviour; where moto 5.2.5 answers differently, the fix belongs
in tools/local_aws_patches/ (one module per service), never in a module. Each patch module
declares its behaviours in a BEHAVIOURS list (tools/local_aws_patches/_registry.py), each with the
AWS documentation it follows; `python tools/local_aws.py behaviours` prints them all, and each
behaviour's function says what moto did instead.

The local lab's running parts are Services of the same registry, started by `serve`: each load
balancer's data plane on its own 127.0.0.N (elb_dataplane.py), the DNS responder answering from
the hosted zones (dns_responder.py), CPU metrics from the containers' cgroups and CloudWatch alarm
evaluation (metrics.py), SNS email deliveries into a Maildir (sns_mailbox.py);
GET /moto-api/webfleet/lab (lab.py) says where each one is.
WEBFLEET_LAB_SPEED (clock.py) makes every lab interval pass that many times faster.

Requests from web pages are refused (403, before moto sees them): any request with an Origin header
(moto answered CORS preflights for every origin), a Sec-Fetch-Site other than none/same-origin (a
page's cross-site subresource), and a Host that is not the endpoint's own name (127.0.0.1,
localhost, ::1 or the --host it serves on; DNS rebinding). See RequestGuard.
`stop` kills only a process whose command line is this endpoint's `serve` on that port.
Containers of the endpoint on a port (label webfleet.local-aws.port=<port>) are removed on reset
(POST /moto-api/reset or `reset`), `stop`, and when `serve` starts and ends.
Set WEBFLEET_LOCAL_AWS_UNPATCHED=1 to serve plain moto (to see a patch's test fail without it).
Tests: tests/endpoint/test_local_aws.py, tests/endpoint/test_instance_containers.py,
tests/endpoint/test_lb_dataplane.py, tests/endpoint/test_dns_responder.py, tests/endpoint/test_metrics.py,
tests/unit/test_alarm_evaluation.py, tests/unit/test_endpoint_registry.py (the registry itself).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MOTO_VERSION = "5.2.5"  # the patches below are written for exactly this version
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = int(os.environ.get("WEBFLEET_LOCAL_AWS_PORT", "5000"))
STATE_DIR = Path(os.environ.get("WEBFLEET_STATE_DIR", Path.home() / ".cache" / "webfleet"))


def pidfile(port: int) -> Path:
    return STATE_DIR / f"local_aws.{port}.pid"


def url(host: str, port: int) -> str:
    return f"http://{host}:{port}"


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(url(host, port) + "/moto-api/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def patches_on_path() -> None:
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)


def remove_containers(port: int) -> None:
    """Remove the Docker containers of the endpoint's instances (label webfleet.local-aws.port=<port>)."""
    patches_on_path()
    from local_aws_patches.ec2_containers import remove_labelled_containers

    removed = remove_labelled_containers(port)
    if removed:
        print(f"removed {len(removed)} instance container(s) of port {port}", flush=True)


def apply_patches() -> None:
    """Install every patch module's behaviours (`behaviours` lists them)."""
    import moto

    if moto.__version__ != MOTO_VERSION:
        print(f"warning: moto {moto.__version__} found, patches written for {MOTO_VERSION}", file=sys.stderr)
    if os.environ.get("WEBFLEET_LOCAL_AWS_UNPATCHED") == "1":
        # Plain moto, to show that each patch's test fails without it.
        print("warning: WEBFLEET_LOCAL_AWS_UNPATCHED=1, serving moto without the fidelity patches", file=sys.stderr)
        return
    patches_on_path()
    from local_aws_patches import apply_all

    apply_all()


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


class RequestGuard:
    """WSGI middleware in front of moto: serves only this machine's own clients (boto3, the tests,
    the fault proxy), never a web page or a DNS-rebound name (issue 10 item 7).

    The Host's name must be one of the endpoint's own; its port is not compared: a browser always
    sends the port it connected to, so another port can only come from a local proxy that forwards
    Host (tools/fault_proxy.py does), and the Origin check still applies to what it forwards.
    """

    def __init__(self, app: Any, host: str) -> None:
        self.app = app
        self.names = {n.lower() for n in (*LOOPBACK_NAMES, host)}

    def refusal(self, environ: dict[str, Any]) -> str:
        if "HTTP_ORIGIN" in environ:
            return f"a request with an Origin header ({environ['HTTP_ORIGIN']!r}) comes from a web page"
        fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
        if fetch_site not in (None, "none", "same-origin"):
            return f"a request with Sec-Fetch-Site: {fetch_site} comes from a web page"
        host = environ.get("HTTP_HOST", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.strip("[]").lower()
        if name not in self.names:
            return f"Host {host!r} is not this endpoint's own name ({', '.join(sorted(self.names))})"
        return ""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        why = self.refusal(environ)
        if not why:
            return self.app(environ, start_response)
        body = f"refused by the local AWS endpoint: {why}\n".encode()
        start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(body)))])
        return [body]


def start_lab(host: str, port: int, network: str) -> Any:
    """Start the lab's running parts (LB data plane, metrics, DNS, mailbox); None when unpatched."""
    if os.environ.get("WEBFLEET_LOCAL_AWS_UNPATCHED") == "1":
        return None
    import local_aws_patches
    from local_aws_patches._registry import ServeContext

    local_aws_patches.start_services(ServeContext(host, port, STATE_DIR, network))
    return local_aws_patches


def guarded_server(host: str, port: int) -> Any:
    """moto's ThreadedMotoServer with RequestGuard in front of its application."""
    from moto.moto_server import threaded_moto_server as tms
    from moto.server import ThreadedMotoServer

    class GuardedMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = RequestGuard(tms.DomainDispatcherApplication(tms.create_backend_app), host)
            self._server = tms.make_server(self._ip_address, self._port, app, True,
                                           request_handler=tms.MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    return GuardedMotoServer(ip_address=host, port=port, verbose=False)


def serve(host: str, port: int, network: str) -> None:
    os.environ["WEBFLEET_LOCAL_AWS_SERVE_PORT"] = str(port)  # the label of its instances' containers
    os.environ["WEBFLEET_LOCAL_AWS_SERVE_HOST"] = host
    patches_on_path()
    from local_aws_patches.docker_network import NETWORK_ENV

    os.environ[NETWORK_ENV] = network  # where they run
    remove_containers(port)  # left by an endpoint on this port that was killed
    apply_patches()
    server = guarded_server(host, port)
    server.start()
    services = start_lab(host, port, network)
    print(f"local AWS endpoint on {url(host, port)}", flush=True)
    stop = {"now": False}

    def on_signal(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop["now"]:
        time.sleep(0.2)
    # server.stop() joins request threads that clients' keep-alive connections hold open (many
    # seconds); give it a moment, then leave: an in-memory endpoint has nothing to flush.
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(2.0)
    if services:
        services.stop_services()
    remove_containers(port)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def moto_missing() -> str | None:
    """What to install when this Python has no moto (the local mode's own requirement)."""
    if importlib.util.find_spec("moto") is not None:
        return None
    requirements = Path(__file__).resolve().parent.parent / "requirements-local.txt"
    return (f"the local AWS endpoint needs moto, which {sys.executable} does not have: "
            f"{sys.executable} -m pip install -r {requirements}")


def start(host: str, port: int, network: str, timeout: float = 30.0) -> int:
    if answers(host, port):
        print(f"local AWS endpoint already answers on {url(host, port)}")
        return 0
    missing = moto_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    log = open(STATE_DIR / f"local_aws.{port}.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "serve", "--host", host, "--port", str(port),
         "--docker-network", network],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    pidfile(port).write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"local AWS endpoint exited early; see {log.name}", file=sys.stderr)
            return 1
        if answers(host, port):
            print(f"local AWS endpoint started on {url(host, port)} (pid {proc.pid})")
            return 0
        time.sleep(0.2)
    print(f"local AWS endpoint did not answer within {timeout:.0f}s; see {log.name}", file=sys.stderr)
    return 1


def process_args(pid: int) -> list[str] | None:
    """The command line of process ``pid`` (None when there is no such process)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (not Linux): ask ps
        out = subprocess.run(["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True)
        return out.stdout.split() if out.returncode == 0 else None
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def is_endpoint(args: list[str], port: int) -> bool:
    """Is this command line this tool's `serve` on ``port`` (as `start` runs it)?"""
    me = os.path.realpath(__file__)
    ours = any(os.path.realpath(a) == me for a in args if a.endswith("local_aws.py"))
    pairs = list(zip(args, args[1:]))
    return ours and "serve" in args and ("--port", str(port)) in pairs


def stop(port: int) -> int:
    path = pidfile(port)
    if not path.exists():
        print(f"no local AWS endpoint started by this tool on port {port}")
        return 0
    pid = int(path.read_text())
    args = process_args(pid)
    if args is not None and not is_endpoint(args, port):
        # a stale pid file whose number now belongs to another process: never kill that one
        path.unlink(missing_ok=True)
        print(f"{path} holds pid {pid}, which is not the local AWS endpoint on port {port} "
              f"({' '.join(args)[:200]!r}): not killed; stale pid file removed", file=sys.stderr)
        return 1 if answers(DEFAULT_HOST, port) else 0
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    path.unlink(missing_ok=True)
    remove_containers(port)
    print(f"local AWS endpoint on port {port} stopped")
    return 0


def reset(host: str, port: int) -> int:
    req = urllib.request.Request(url(host, port) + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=60):
        pass
    remove_containers(port)  # the patched endpoint did it already; plain moto (UNPATCHED) does not
    return 0


def network(name: str) -> int:
    """Print the gateway of the local mode's Docker network (this machine's address there), making
    the network when it does not exist."""
    patches_on_path()
    from local_aws_patches import docker_network

    try:
        print(docker_network.ensure(name))
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"local mode's Docker network {name}: {exc}", file=sys.stderr)
        return 1
    return 0


def print_behaviours() -> int:
    """Each patch module's behaviours, as its BEHAVIOURS list declares them (needs no moto)."""
    patches_on_path()
    import local_aws_patches
    from local_aws_patches._registry import describe

    for name in local_aws_patches.PATCH_MODULES:
        print(f"{name}:")
        for b in local_aws_patches.behaviours(name):
            print(f"  {describe(b)}\n      {b.doc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="the local AWS endpoint (patched moto)")
    ap.add_argument("command", choices=["serve", "start", "stop", "reset", "status", "network", "behaviours"])
    ap.add_argument("--host", default=DEFAULT_HOST)
    ap.add_argument("--port", type=int, default=DEFAULT_PORT)
    patches_on_path()
    from local_aws_patches.docker_network import network_name

    ap.add_argument("--docker-network", default=network_name(),
                    help="the Docker network of the instances' containers (default %(default)s)")
    args = ap.parse_args(argv)
    if args.command == "serve":
        serve(args.host, args.port, args.docker_network)
        return 0
    if args.command == "start":
        return start(args.host, args.port, args.docker_network)
    if args.command == "network":
        return network(args.docker_network)
    if args.command == "behaviours":
        return print_behaviours()
    if args.command == "stop":
        return stop(args.port)
    if args.command == "reset":
        return reset(args.host, args.port)
    up = answers(args.host, args.port)
    print(f"{url(args.host, args.port)}: {'up' if up else 'down'}")
    return 0 if up else 3


if __name__ == "__main__":
    sys.exit(main())
