"""The collection run as AWX / Automation Controller runs a job: through `ansible-runner run` from a
private data directory laid out as AWX lays it out, with the environment AWX gives the job.

- project/: the git project as AWX syncs it (this checkout's files, its ansible.cfg and the
  collections/ link, which makes webfleet.aws the project itself: playbook-adjacent collections
  come first on the collections path, also in an execution environment);
- inventory/hosts: an executable script printing the inventory as JSON, as AWX writes every job's
  inventory, holding the variables AWX imports from inventories/aws (the AWS mode: what runs on a
  controller) with localhost as the host the plays run on;
- env/extravars: the job template's extra variables (here: the local endpoint standing in for AWS,
  and a site repository this machine reaches); env/envvars: AWX's job environment and what its
  "Amazon Web Services" credential injects; env/cmdline: the job type "check".

The run must succeed and read only: every play of site.yml runs, nothing is made at the endpoint.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from harness import CREDENTIALS, REGION, ROOT, Endpoint

BIN = Path(sys.executable).parent


def sync_project(dest: Path) -> None:
    """The checkout's tracked and new files, symlinks kept, as a git clone would hold them."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split("\0")
    for rel in filter(None, listed):
        src, dst = ROOT / rel, dest / rel
        if not src.is_symlink() and not src.is_file():
            continue  # deleted in the working tree
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)


def inventory_script(variables: dict[str, Any]) -> str:
    """What AWX writes to inventory/hosts for a job (awx/main/tasks/jobs.py build_inventory)."""
    data = {
        "all": {"hosts": ["localhost"], "vars": variables, "children": ["ungrouped"]},
        "ungrouped": {"hosts": ["localhost"]},
        "_meta": {"hostvars": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}},
    }
    return f"#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint({json.dumps(data)!r})\n"


def aws_inventory_vars() -> dict[str, Any]:
    """The variables of inventories/aws as an AWX inventory source imports them (group all)."""
    out: dict[str, Any] = {}
    for path in sorted((ROOT / "inventories" / "aws" / "group_vars" / "all").glob("*.yml")):
        out.update(yaml.safe_load(path.read_text()))
    return out


def job_environment(pdd: Path) -> dict[str, str]:
    """The environment AWX gives a job (awx/settings/defaults.py ANSIBLE_*, RunJob.build_env) and what
    its "Amazon Web Services" credential type injects."""
    collections = f"{pdd / 'requirements_collections'}:~/.ansible/collections:/usr/share/ansible/collections"
    roles = f"{pdd / 'requirements_roles'}:~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles"
    return {
        "ANSIBLE_FORCE_COLOR": "True", "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True", "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False", "ANSIBLE_SSH_CONTROL_PATH_DIR": str(pdd / "cp"),
        "ANSIBLE_COLLECTIONS_PATH": collections, "ANSIBLE_ROLES_PATH": roles,
        "JOB_ID": "1", "INVENTORY_ID": "1",
        "AWS_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        "AWS_SECURITY_TOKEN": CREDENTIALS["AWS_SESSION_TOKEN"], "AWS_SESSION_TOKEN": CREDENTIALS["AWS_SESSION_TOKEN"],
        "AWS_DEFAULT_REGION": REGION,
    }


def private_data_dir(aws: Endpoint, tmp: Path) -> Path:
    pdd = tmp / "awx"
    sync_project(pdd / "project")
    (pdd / "inventory").mkdir(parents=True)
    hosts = pdd / "inventory" / "hosts"
    hosts.write_text(inventory_script(aws_inventory_vars()))
    hosts.chmod(0o700)
    (pdd / "env").mkdir()
    # GitHub is out of reach here: the site's commit comes from a local fixture repository
    subprocess.run([sys.executable, str(ROOT / "tools" / "sample_site.py"), str(tmp / "site")],
                   check=True, capture_output=True)
    extravars = {"webfleet_endpoint_url": aws.url, "site_repo": f"file://{tmp / 'site' / 'site.git'}"}
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(job_environment(pdd)))
    (pdd / "env" / "cmdline").write_text("--check -u root")  # job type "check"; AWX always names the user
    return pdd


def endpoint_state(aws: Endpoint) -> dict[str, list[str]]:
    """What a run could make at the endpoint, by kind (ids or names)."""
    ec2, elb, asg = aws.client("ec2"), aws.client("elb"), aws.client("autoscaling")
    cw, sns, r53 = aws.client("cloudwatch"), aws.client("sns"), aws.client("route53")
    return {
        "security_groups": sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]),
        "key_pairs": sorted(k["KeyName"] for k in ec2.describe_key_pairs()["KeyPairs"]),
        "instances": sorted(i["InstanceId"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]),
        "images": sorted(i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"]),
        "launch_templates": sorted(t["LaunchTemplateId"] for t in ec2.describe_launch_templates()["LaunchTemplates"]),
        "load_balancers": sorted(
            b["LoadBalancerName"] for b in elb.describe_load_balancers()["LoadBalancerDescriptions"]),
        "groups": sorted(g["AutoScalingGroupName"] for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]),
        "launch_configurations": sorted(
            c["LaunchConfigurationName"] for c in asg.describe_launch_configurations()["LaunchConfigurations"]),
        "policies": sorted(p["PolicyName"] for p in asg.describe_policies()["ScalingPolicies"]),
        "alarms": sorted(a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]),
        "topics": sorted(t["TopicArn"] for t in sns.list_topics()["Topics"]),
        "zones": sorted(z["Id"] for z in r53.list_hosted_zones()["HostedZones"]),
    }


def runner_events(pdd: Path, ident: str) -> list[dict[str, Any]]:
    files = sorted((pdd / "artifacts" / ident / "job_events").glob("*.json"),
                   key=lambda p: int(p.name.split("-", 1)[0]))
    return [json.loads(p.read_text()) for p in files]


def test_site_check_through_ansible_runner_as_awx(aws: Endpoint, tmp_path: Path) -> None:
    pdd = private_data_dir(aws, tmp_path)
    before = endpoint_state(aws)
    # a job's environment is built from scratch (none of this test run's ANSIBLE_* or AWS_*)
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    proc = subprocess.run([str(BIN / "ansible-runner"), "run", str(pdd), "-p", "site.yml", "--ident", "job"],
                          env=env, capture_output=True, text=True, timeout=600)
    artifacts = pdd / "artifacts" / "job"
    stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else proc.stdout
    assert (artifacts / "status").read_text() == "successful", stdout[-8000:] + proc.stderr[-2000:]
    assert (artifacts / "rc").read_text() == "0" and proc.returncode == 0

    events = runner_events(pdd, "job")
    plays = [e["event_data"]["play"] for e in events if e["event"] == "playbook_on_play_start"]
    for play in ("Bake | Decide, and start a builder", "Build the web fleet's infrastructure",
                 "Verify | The fleet is as the SPEC says"):
        assert play in plays, plays
    ok = {e["event_data"]["task"]: e["event_data"] for e in events if e["event"] == "runner_on_ok"}
    # the bake looked for an image of this site commit, found none and says it would bake one
    assert "Bake | Is there an available image of this commit and these roles already" in ok, sorted(ok)
    said = ok["Bake | Say what happens"]["res"]["msg"]
    assert said.startswith("would bake ec2-nginx-ami-") and "builder EC2 instance" in said, said
    assert ok["Bake | Say what happens"]["host"] == "localhost"
    # infra: the load balancer's security group would be made (check mode reports the change) ...
    lb_sg = ok["Security groups | Load balancer group, HTTP 80 from anywhere: nginx-lb-secure"]
    assert lb_sg["res"]["changed"] is True, lb_sg["res"]
    assert "Summary" in ok, sorted(ok)
    assert not [e for e in events if e["event"] in ("runner_on_failed", "runner_on_unreachable")
                and not e["event_data"].get("ignore_errors")]
    stats = [e for e in events if e["event"] == "playbook_on_stats"][-1]["event_data"]
    assert stats["failures"] == {} and stats["dark"] == {} and "localhost" in stats["ok"], stats
    # ... and nothing was made: the endpoint holds what it held before
    assert endpoint_state(aws) == before
