#!/usr/bin/env python3
"""Reliability figure (issue 10 item 9): site.yml (or infra.yml) through the fault proxy, N times.

Starts its own local AWS endpoint on a free port and tools/fault_proxy.py in front of it. First a
reference run with no faults; then N runs, each on a reset endpoint, through the proxy failing
``--rate`` of the requests (throttling, 503s, dropped connections), ``--after-fraction`` of those
after the request was done upstream (a lost answer). Each run's end state is read with plain boto3
from the endpoint itself (not through the proxy) as a set of named resources and counts, and
compared with the reference: the same resources, nothing left half-made (no second group, key pair,
image, template version, zone or instance, no builder left over).

Prints one line per run (exit code, failed tasks, faults injected before/after, minutes, end state
same as the reference or how it differs) and the figure: runs, failures, identical end states.

Usage: bench/fault_bench.py [--runs 10] [--rate 0.3] [--after-fraction 0.5] [--playbook site.yml]
       [--json FILE]                 (site.yml: about 2 minutes a run here; infra.yml about 1)
Needs Docker for site.yml (the bake and the instances); this prints figures, it is not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

TOP = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TOP / "tests"), str(TOP / "tests" / "e2e")]

from fleet import Run, local_inventory, run  # noqa: E402
from harness import Endpoint, free_port, spawn  # noqa: E402

LIVE = ["pending", "running", "stopping", "stopped"]


def end_state(aws: Endpoint) -> dict[str, Any]:
    """What the endpoint holds, by name (ids differ from run to run), with counts where a second
    copy would be a half-made leftover."""
    ec2, elb, asg = aws.client("ec2"), aws.client("elb"), aws.client("autoscaling")
    cw, sns, r53 = aws.client("cloudwatch"), aws.client("sns"), aws.client("route53")
    instances = [i for r in ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": LIVE}])[
        "Reservations"] for i in r["Instances"]]
    images = ec2.describe_images(Owners=["self"])["Images"]
    templates = ec2.describe_launch_templates()["LaunchTemplates"]
    zones = r53.list_hosted_zones()["HostedZones"]
    return {
        "security_groups": sorted(g["GroupName"] for g in ec2.describe_security_groups()["SecurityGroups"]
                                  if g["GroupName"] != "default"),
        "rules": sorted(f"{g['GroupName']}:{p.get('FromPort')}" for g in ec2.describe_security_groups()[
            "SecurityGroups"] for p in g["IpPermissions"]),
        "key_pairs": sorted(k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]),
        "instances": sorted(next((t["Value"] for t in i.get("Tags", []) if t["Key"] == "Name"), "?")
                            for i in instances),
        # a baked image's name ends in the fingerprint of the site commit, repository URL and bake variables;
        # each run here serves the sample site on its own git daemon port: compare without it
        "images": sorted(f"{i['Name'].rsplit('-', 1)[0]}-*:{i['State']}" for i in images),
        "snapshots": len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]),
        "launch_templates": sorted(f"{t['LaunchTemplateName']}:v{t['LatestVersionNumber']}" for t in templates),
        "launch_configurations": len(asg.describe_launch_configurations()["LaunchConfigurations"]),
        "groups": sorted(f"{g['AutoScalingGroupName']}:{g['DesiredCapacity']}:{len(g['Instances'])}"
                         for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]),
        "load_balancers": sorted(f"{lb['LoadBalancerName']}:{len(lb['ListenerDescriptions'])}:"
                                 f"{len(lb['Instances'])}"
                                 for lb in elb.describe_load_balancers()["LoadBalancerDescriptions"]),
        "policies": sorted(p["PolicyName"] for p in asg.describe_policies()["ScalingPolicies"]),
        "alarms": sorted(a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]),
        "topics": sorted(f"{t['TopicArn'].rsplit(':', 1)[-1]}:{subscriptions(sns, t['TopicArn'])}"
                         for t in sns.list_topics()["Topics"]),
        "zones": sorted(z["Name"] for z in zones),
        "records": sorted(f"{r['Name']}:{r['Type']}" for z in zones for r in r53.list_resource_record_sets(
            HostedZoneId=z["Id"])["ResourceRecordSets"]),
    }


def subscriptions(sns: Any, arn: str) -> int:
    return len(sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"])


def post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30).close()


def stats(proxy: str) -> dict[str, Any]:
    with urllib.request.urlopen(proxy + "/_fault/stats", timeout=10) as resp:
        return json.loads(resp.read())


def failed_tasks(output: str) -> list[str]:
    """The names of the tasks that failed (and were not rescued or ignored) in a default-callback run."""
    names, task = [], ""
    for line in output.splitlines():
        if line.startswith("TASK ["):
            task = line[6:].split("]")[0]
        elif line.startswith("fatal:") and "...ignoring" not in line:
            names.append(task)
    return names


def one_run(endpoint: str, url: str, playbook: str, work: Path, timeout: int = 1500) -> dict[str, Any]:
    """Reset the endpoint, run the playbook against ``url`` (the proxy or the endpoint), read the end state."""
    post(endpoint + "/moto-api/reset")
    aws = Endpoint(url, control_url=endpoint)
    state = Path(tempfile.mkdtemp(dir=work))
    inventory = local_inventory(aws, state)
    extra = ["-e", f"webfleet_site_daemon_port={free_port()}"]
    started = time.monotonic()
    try:
        result = run(aws, state, playbook, *extra, inventory=inventory, timeout=timeout)
    except subprocess.TimeoutExpired as exc:  # a run that does not end is a failed run, not the bench's end
        output = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        result = Run(-1, output + f"\n(stopped after {timeout} s)", {})
    minutes = (time.monotonic() - started) / 60
    for pid_file in state.glob("git-daemon.*.pid"):
        subprocess.run(["pkill", "--pidfile", str(pid_file), "git-daemon"], check=False)
    containers = subprocess.run(["docker", "ps", "-aq", "--filter", f"label=webfleet.local-aws.port="
                                 f"{endpoint.rsplit(':', 1)[1]}"], capture_output=True, text=True).stdout.split()
    out = {"rc": result.rc, "failed_tasks": failed_tasks(result.output), "minutes": round(minutes, 2),
           "state": end_state(aws), "containers": len(containers)}
    (state / "output.log").write_text(result.output)
    out["log"] = str(state / "output.log")
    return out


def differences(reference: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    return {k: {"reference": reference[k], "this run": state[k]} for k in reference if reference[k] != state[k]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rate", type=float, default=0.3)
    ap.add_argument("--after-fraction", type=float, default=0.5)
    ap.add_argument("--playbook", default="site.yml")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fault_bench."))
    port, proxy_port = free_port(), free_port()
    endpoint, proxy = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{proxy_port}"
    procs = [spawn([sys.executable, str(TOP / "tools" / "local_aws.py"), "serve", "--port", str(port)],
                   endpoint + "/moto-api/", work / "endpoint.log")]
    try:
        procs.append(spawn([sys.executable, str(TOP / "tools" / "fault_proxy.py"), "--upstream", endpoint,
                            "--port", str(proxy_port), "--rate", str(args.rate),
                            "--after-fraction", str(args.after_fraction)], proxy + "/moto-api/", work / "proxy.log"))
        return bench(args, work, endpoint, proxy)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)


def bench(args: argparse.Namespace, work: Path, endpoint: str, proxy: str) -> int:
    reference = one_run(endpoint, endpoint, args.playbook, work)
    print(f"reference (no faults): rc={reference['rc']} {reference['minutes']} min "
          f"containers={reference['containers']}", flush=True)
    if reference["rc"] != 0:
        print(f"the reference run failed: {reference['failed_tasks']}; see {reference['log']}")
        return 1
    runs = []
    for i in range(1, args.runs + 1):
        post(proxy + "/_fault/reset")
        result = one_run(endpoint, proxy, args.playbook, work)
        result["faults"] = {k: v for k, v in stats(proxy).items() if k in ("forwarded", "before", "after")}
        result["differences"] = differences(reference["state"], result["state"])
        if result["containers"] != reference["containers"]:
            result["differences"]["containers"] = [reference["containers"], result["containers"]]
        runs.append(result)
        same = "same end state" if not result["differences"] else f"DIFFERS: {result['differences']}"
        print(f"run {i}: rc={result['rc']} failed={result['failed_tasks'] or 0} faults before/after="
              f"{result['faults']['before']}/{result['faults']['after']} of "
              f"{sum(result['faults'].values())} requests, {result['minutes']} min, {same}", flush=True)
    failures = sum(1 for r in runs if r["rc"] != 0)
    identical = sum(1 for r in runs if not r["differences"])
    print(f"\n{args.playbook} through the fault proxy at {args.rate:.0%} faults, {args.after_fraction:.0%} of them "
          f"after the request was done: {len(runs)} runs, {failures} failed, {identical} with the reference's end "
          f"state; faults per run before/after: " + ", ".join(f"{r['faults']['before']}/{r['faults']['after']}"
                                                               for r in runs))
    if args.json:
        args.json.write_text(json.dumps({"reference": reference, "runs": runs}, indent=2, default=str))
    return 0 if failures == 0 and identical == len(runs) else 1


if __name__ == "__main__":
    os.environ.setdefault("ANSIBLE_CONFIG", str(TOP / "ansible.cfg"))
    sys.exit(main())
