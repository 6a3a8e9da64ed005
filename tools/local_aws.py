#!/usr/bin/env python3
"""The local AWS endpoint: moto's server on 127.0.0.1 with the project's fidelity patches.

    python tools/local_aws.py serve  [--host 127.0.0.1] [--port 5000]   # foreground
    python tools/local_aws.py start  [--port 5000]   # background; waits until it answers; no-op if up
    python tools/local_aws.py stop   [--port 5000]   # stops only an endpoint this tool started
    python tools/local_aws.py reset  [--port 5000]   # forget every resource (POST /moto-api/reset)
    python tools/local_aws.py status [--port 5000]
    python tools/local_aws.py network [--docker-network webfleet]   # make it if missing; print its gateway

Instances' containers, the bake's builder and the sample site's git daemon use the local mode's own
Docker network (--docker-network, default webfleet; tools/local_aws_patches/docker_network.py),
never the default bridge, whose gateway a freshly started Docker engine does not record.

Modules follow AWS's documented behaviour; where moto answers differently, the fix
belongs here (see apply_patches), never in a module.

What the local endpoint fixes in moto 5.2.5 (tools/local_aws_patches/, one module per service):
- elb: per-LB calls on an unknown name answer 400 LoadBalancerNotFound (not HTTP 500); a new CLB
  has AWS's default health check (TCP:<first instance port>, interval 30, timeout 5, unhealthy 2,
  healthy 10); DNSName is <name>-<digits>.<region>.elb.amazonaws.com; CanonicalHostedZoneName and
  the region's real CanonicalHostedZoneNameID are set; listeners keep their InstanceProtocol;
  attribute defaults (draining timeout 300, desync mitigation) and no AdditionalAttributes growing
  on each modify; DuplicatePolicyName; DescribeLoadBalancerPolicies with AWS's type names
  (LBCookieStickinessPolicyType, AppCookieStickinessPolicyType) and attribute descriptions.
- elb_membership: DeregisterInstancesFromLoadBalancer takes an Auto Scaling instance out of the LB
  (moto kept it) and the group does not put it back; RegisterInstancesWithLoadBalancer does, once.
- autoscaling_policies: PutScalingPolicy returns PolicyARN for every policy type and needs an
  existing group; DescribePolicies lists the linked alarms; policy names are per group (and go
  with their group); ExecutePolicy applies simple and step policies (MetricValue/BreachThreshold)
  clamped to min/max; SetAlarmState runs the scaling policies among the alarm's actions for the
  new state (launching/terminating instances, which join/leave the group's classic LBs);
  DescribeScalingActivities lists launches and terminations.
- autoscaling_notifications: Put/Describe/DeleteNotificationConfiguration and
  DescribeAutoScalingNotificationTypes, validated like AWS, removed with their group; a test
  notification on Put, and launches/terminations published to the configured SNS topics.
- autoscaling_metrics: EnableMetricsCollection adds (all metrics when none named),
  DisableMetricsCollection, DescribeMetricCollectionTypes; EnabledMetrics in DescribeAutoScalingGroups.
- autoscaling_refresh: Start/Describe/CancelInstanceRefresh replace the instances from the current
  launch template version/launch configuration (or DesiredConfiguration), one batch per describe
  (MinHealthyPercentage), Pending -> InProgress -> Successful, Cancelling -> Cancelled;
  InstanceRefreshInProgress while one runs.
- autoscaling_azs: instances launch in the AZ (subnet) with the fewest and scale-in removes from
  the AZ with the most.
- autoscaling_instances: instances report the launch template version / launch configuration
  they were launched from (not the template's default version / the group's current LC).
- autoscaling_describe: DescribeAdjustmentTypes, DescribeScalingProcessTypes, DescribeAccountLimits.
- autoscaling_groups: ResourceInUse for deleting a group with instances without ForceDelete, or a
  launch configuration a group uses.
- autoscaling_traffic: Attach/Describe/DetachTrafficSources (classic LBs and target groups);
  DetachLoadBalancers leaves the group's other LBs alone.
- cloudwatch: an alarm changing state publishes AWS's alarm message to its SNS topic actions; a
  new alarm starts INSUFFICIENT_DATA and an updated one keeps its state.
- ec2: CreateImage tags snapshots from a `snapshot` TagSpecification, refuses a duplicate
  (InvalidAMIName.Duplicate) or malformed name; ModifyImageAttribute sets the description;
  CreateLaunchTemplateVersion stores UserData as base64 (ASGs can launch from it) and honours
  SourceVersion; DeleteLaunchTemplateVersions (version numbers never reused); DescribeLaunchTemplates
  shows the current tags; an EBS mapping without VolumeSize or SnapshotId (e.g. only Encrypted)
  takes the image's size instead of failing the launch.
- ec2_security_groups: DeleteSecurityGroup answers DependencyViolation while an ENI, instance,
  another group's rule or a CLB uses the group; Authorize/Revoke ingress/egress are all or nothing
  (moto kept the permissions before a refused one, e.g. RulesPerSecurityGroupLimitExceeded).
- ec2_image_state (tests only): POST /moto-api/webfleet/image-state {"image_id", "state",
  "age_seconds"} puts an image in the state a half-made bake leaves (pending, failed).
- ec2_containers: an instance launched (RunInstances, Auto Scaling, instance refresh, scaling
  policies) from an image tagged `webfleet:docker-image` = <Docker image> runs as a real container
  `webfleet-<instance id>` of that image (systemd-ready: cgroupns host, /sys/fs/cgroup ro, tmpfs
  /run /run/lock /tmp, stop signal SIGRTMIN+3; labels webfleet.local-aws.port=<port> and
  webfleet.instance-id=<id>); one request's launches start concurrently and the request answers
  once they run. Terminate (also scale-in, ForceDelete, refresh) removes it, Stop/Start/Reboot
  stop/start/restart it. No Docker or no such Docker image: the instance launches anyway and the
  log says why it has no container. Untagged images: plain moto instances.
- elb_health: DescribeInstanceHealth runs the LB's health check for real against an instance's
  container (HTTP/HTTPS: GET, only 200 is healthy; TCP/SSL: connect; timeout <= 2 s; concurrent):
  InService (N/A) or OutOfService (Instance, "Instance has failed at least the UnhealthyThreshold
  number of health checks consecutively."). Instances without a container keep moto's answer. A
  named instance that is not registered is OutOfService (ELB, "Instance is not currently
  registered with the LoadBalancer."), an unknown id is InvalidInstance, terminated ones are not
  listed.
- sns: email/email-json subscriptions stay pending ("pending confirmation" from Subscribe,
  SubscriptionArn "PendingConfirmation" in the lists).
- sns_mailbox: email/email-json deliveries land in the Maildir <state dir>/mail/<port>: the
  subscription confirmation with its link (GET /moto-api/webfleet/sns/confirm?TopicArn=&Token=,
  which confirms like ConfirmSubscription), then, once confirmed, the topic's messages; service
  "mail" in GET /moto-api/webfleet/lab. ConfirmSubscription checks the token (moto confirmed nothing).
- idempotency: RunInstances, CreateLaunchTemplate and CreateLaunchTemplateVersion answer a repeated
  ClientToken with what its first request made (another parameter set: IdempotentParameterMismatch);
  CreateHostedZone answers a reused CallerReference with HostedZoneAlreadyExists; Auto Scaling
  refuses a group or launch configuration name in use (AlreadyExists) instead of replacing it.
- errors: an unimplemented action answers 400 InvalidAction and a crash 500 InternalFailure, in the
  service's protocol, instead of an HTML page.
Requests from web pages are refused (403, before moto sees them): any request with an Origin header
(moto answered CORS preflights for every origin), a Sec-Fetch-Site other than none/same-origin (a
page's cross-site subresource), and a Host that is not the endpoint's own name (127.0.0.1,
localhost, ::1 or the --host it serves on; DNS rebinding). See RequestGuard.
`stop` kills only a process whose command line is this endpoint's `serve` on that port.
Containers of the endpoint on a port (label webfleet.local-aws.port=<port>) are removed on reset
(POST /moto-api/reset or `reset`), `stop`, and when `serve` starts and ends.
Set WEBFLEET_LOCAL_AWS_UNPATCHED=1 to serve plain moto (to see a patch's test fail without it).
Tests: tests/endpoint/test_local_aws.py, tests/endpoint/test_instance_containers.py.
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
    """Fidelity patches for moto (see NOTES.md's list of gaps)."""
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="the local AWS endpoint (patched moto)")
    ap.add_argument("command", choices=["serve", "start", "stop", "reset", "status", "network"])
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
    if args.command == "stop":
        return stop(args.port)
    if args.command == "reset":
        return reset(args.host, args.port)
    up = answers(args.host, args.port)
    print(f"{url(args.host, args.port)}: {'up' if up else 'down'}")
    return 0 if up else 3


if __name__ == "__main__":
    sys.exit(main())
