#!/usr/bin/env python3
"""What the local lab runs, in one place (`./tools/webfleet status [--json]`).

Reads GET /moto-api/webfleet/lab (the endpoint's URL and each running service's part: the load
balancers' local URLs, the DNS responder, the metrics, the mailbox) and asks the endpoint, as any
AWS client would, for the Auto Scaling groups (DescribeAutoScalingGroups) and the alarms' states
(DescribeAlarms). A service the lab does not list is "not running". Exit 3: the endpoint does not
answer.

    python tools/lab_status.py [--endpoint http://127.0.0.1:5000] [--region us-east-1] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

SERVICES = ("load_balancers", "dns", "metrics", "mail")
# what the status reads from the API: (its key, service, paginated operation, the answer's list)
LISTS = (("groups", "autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups"),
         ("alarms", "cloudwatch", "describe_alarms", "MetricAlarms"),
         ("subscriptions", "sns", "list_subscriptions", "Subscriptions"))
EMAIL = ("email", "email-json")
ENDPOINT_DOWN = 3
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # the local endpoint's


def default_endpoint() -> str:
    return f"http://127.0.0.1:{os.environ.get('WEBFLEET_LOCAL_AWS_PORT', '5000')}"


def read_lab(endpoint: str, timeout: float = 5.0) -> dict[str, Any] | None:
    """The lab's JSON; {} when the endpoint answers without one (an older endpoint); None when down."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/webfleet/lab", timeout=timeout) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError:
        return {"endpoint": endpoint}
    except (OSError, ValueError):
        return None


def read_aws(endpoint: str, region: str) -> dict[str, Any]:
    """Groups, alarms and SNS subscriptions, from the endpoint's API (an error is reported, not raised)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=20, retries={"max_attempts": 2})

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint, config=config, **CREDENTIALS)

    found: dict[str, Any] = {}
    for key, service, operation, items in LISTS:
        try:  # the status still shows the rest
            pages = client(service).get_paginator(operation).paginate()
            found[key] = [item for page in pages for item in page[items]]
        except Exception as exc:
            found[f"{key}_error"] = str(exc)
    return found


def group_summary(group: dict[str, Any]) -> dict[str, Any]:
    in_service = [i["InstanceId"] for i in group.get("Instances", []) if i.get("LifecycleState") == "InService"]
    return {"desired": group["DesiredCapacity"], "min": group["MinSize"], "max": group["MaxSize"],
            "instances": len(group.get("Instances", [])), "in_service": sorted(in_service)}


def subscription_summary(sub: dict[str, Any]) -> dict[str, Any]:
    """An email subscription: AWS lists a pending one with the ARN "PendingConfirmation"."""
    pending = sub["SubscriptionArn"] == "PendingConfirmation"
    return {"endpoint": sub["Endpoint"], "protocol": sub["Protocol"], "topic": sub["TopicArn"].rsplit(":", 1)[-1],
            "state": "PendingConfirmation" if pending else "Confirmed"}


def dns_address(info: Any) -> str | None:
    """The responder's "127.0.0.1:PORT" (its info is that string, or a dict naming it)."""
    if info is None or isinstance(info, str):
        return info
    if isinstance(info, dict):
        if "address" in info:
            return str(info["address"])
        if "port" in info:
            return f"{info.get('host', '127.0.0.1')}:{info['port']}"
    return str(info)


def build_status(endpoint: str, lab: dict[str, Any], aws: dict[str, Any]) -> dict[str, Any]:
    """The status as JSON: flat at the top (endpoint, dns, load_balancers: {name: URL}), details below."""
    lbs = lab.get("load_balancers") or {}
    status: dict[str, Any] = {
        "endpoint": lab.get("endpoint") or endpoint,
        "dns": dns_address(lab.get("dns")),
        "load_balancers": {name: lb.get("url") for name, lb in lbs.items()},
        "load_balancer_details": lbs,
        "groups": {g["AutoScalingGroupName"]: group_summary(g) for g in aws.get("groups", [])},
        "alarms": {a["AlarmName"]: a["StateValue"] for a in aws.get("alarms", [])},
        "subscriptions": [subscription_summary(sub) for sub in aws.get("subscriptions", [])
                          if sub["Protocol"] in EMAIL],
        "metrics": lab.get("metrics"),
        "mail": lab.get("mail"),
        "not_running": [name for name in SERVICES if lab.get(name) is None],
    }
    status.update({f"{key}_error": aws[f"{key}_error"] for key, *_ in LISTS if f"{key}_error" in aws})
    return status


def ids(value: Any) -> str:
    """A list of instances (or their count) as one short phrase."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value in (None, 0) else str(value)


def lb_lines(status: dict[str, Any]) -> list[str]:
    if "load_balancers" in status["not_running"]:
        return ["load balancers  not running (no local data plane: the LBs answer only the API)"]
    if not status["load_balancers"]:
        return ["load balancers  none"]
    return [f"load balancer   {name}  {url}  InService: {ids(status['load_balancer_details'][name].get('in_service'))}"
            for name, url in sorted(status["load_balancers"].items())]


def group_lines(status: dict[str, Any]) -> list[str]:
    if "groups_error" in status:
        return [f"groups          unknown ({status['groups_error']})"]
    if not status["groups"]:
        return ["groups          none"]
    return [f"group           {name}  desired {g['desired']} (min {g['min']}, max {g['max']}), "
            f"InService {len(g['in_service'])}: {ids(g['in_service'])}"
            for name, g in sorted(status["groups"].items())]


def alarm_lines(status: dict[str, Any]) -> list[str]:
    if "alarms_error" in status:
        return [f"alarms          unknown ({status['alarms_error']})"]
    states = ", ".join(f"{name} {state}" for name, state in sorted(status["alarms"].items()))
    return [f"alarms          {states or 'none'}"]


def subscription_lines(status: dict[str, Any]) -> list[str]:
    """Email subscriptions: a pending one gets no notice until its confirmation link is opened."""
    if "subscriptions_error" in status:
        return [f"subscriptions   unknown ({status['subscriptions_error']})"]
    return [f"subscription    {sub['endpoint']} to {sub['topic']}: " + (
        "PendingConfirmation (no notices until the link in its confirmation mail is opened)"
        if sub["state"] == "PendingConfirmation" else "confirmed") for sub in status["subscriptions"]]


def mail_lines(mail: dict[str, Any] | None) -> list[str]:
    if mail is None:
        return ["mail            not running"]
    count = mail.get("messages", 0)
    lines = [f"mail            {mail.get('maildir')} ({count} message{'' if count == 1 else 's'}; a Maildir: "
             f"mutt -f {mail.get('maildir')})"]
    lines += [f"                {m.get('date')}  to {m.get('to')}: {m.get('subject')}" for m in mail.get("latest", [])]
    return lines


def metrics_line(metrics: Any) -> str:
    if metrics is None:
        return "metrics         not running"
    if isinstance(metrics, dict):
        scalars = [f"{k} {v}" for k, v in metrics.items() if isinstance(v, (str, int, float, bool))]
        return "metrics         " + (", ".join(scalars) or "running")
    return f"metrics         {metrics}"


def render_text(status: dict[str, Any]) -> str:
    dns = status["dns"]
    dns_line = "dns             " + (f"{dns}  (dig @{dns.replace(':', ' -p ')} <name>)" if dns else "not running")
    lines = [f"endpoint        {status['endpoint']}", dns_line]
    lines += lb_lines(status) + group_lines(status) + alarm_lines(status)
    lines += [metrics_line(status["metrics"]), *subscription_lines(status), *mail_lines(status["mail"])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default=default_endpoint(), help="the local AWS endpoint's URL")
    parser.add_argument("--region", default=os.environ.get("WEBFLEET_REGION", "us-east-1"))
    parser.add_argument("--json", action="store_true", help="print the status as JSON")
    args = parser.parse_args(argv)
    endpoint = args.endpoint.rstrip("/")
    lab = read_lab(endpoint)
    if lab is None:
        print(f"the local AWS endpoint does not answer at {endpoint}: nothing runs "
              "(start it: python tools/local_aws.py start, or ./tools/webfleet up)", file=sys.stderr)
        return ENDPOINT_DOWN
    status = build_status(endpoint, lab, read_aws(endpoint, args.region))
    sys.stdout.write(json.dumps(status, indent=2, default=str) + "\n" if args.json else render_text(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
