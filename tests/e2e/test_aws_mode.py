"""inventories/aws's settings, driven against the local endpoint: the AWS-mode paths of the playbooks
resolve their variables and, in check mode, read without making anything (this machine cannot
reach AWS; the endpoint stands in for it)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fleet import ROOT, Endpoint, resources, run

pytestmark = pytest.mark.e2e


def aws_inventory(aws: Endpoint, dest: Path) -> Path:
    """inventories/aws with the controller only (no AWS inventory source) and the endpoint as 'AWS'."""
    inventory = dest / "inventory"
    shutil.copytree(ROOT / "inventories" / "aws", inventory, symlinks=False)
    (inventory / "aws.ec2.yml").unlink()
    (inventory / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}))
    mode = inventory / "group_vars" / "all" / "mode.yml"
    values = yaml.safe_load(mode.read_text())
    assert values == {"webfleet_mode": "aws"}  # the rest follows from the mode (roles/settings)
    values.update(webfleet_endpoint_url=aws.url, webfleet_aws_environment=aws.env,
                  webfleet_state_dir=str(dest / "state"))
    mode.write_text(yaml.safe_dump(values))
    return inventory


def test_site_check_in_aws_mode_reads_only(aws: Endpoint, tmp_path: Path) -> None:
    inventory = aws_inventory(aws, tmp_path)
    before = resources(aws)
    # GitHub is out of reach here: the repository's commit comes from a local fixture repository
    subprocess.run([sys.executable, str(ROOT / "tools" / "sample_site.py"), str(tmp_path / "site")],
                   check=True, capture_output=True)
    repo = f"file://{tmp_path / 'site' / 'site.git'}"
    result = run(aws, tmp_path, "site.yml", "--check", "-e", f"site_repo={repo}", inventory=inventory)
    assert result.rc == 0, result.output[-8000:]
    assert "would bake ec2-nginx-ami-" in result.output and "builder EC2 instance" in result.output
    state = tmp_path / "state"  # no sample site served, nothing of Docker in AWS mode
    assert not list(state.glob("git-daemon.*.pid")) and not (state / "sample-site").exists()
    assert resources(aws) == before


def test_unreachable_site_repository_is_named(aws: Endpoint, tmp_path: Path) -> None:
    inventory = aws_inventory(aws, tmp_path)
    result = run(aws, tmp_path, "playbooks/bake_ami.yml", "--check", "-e", "site_repo=file:///nonexistent/site.git",
                 inventory=inventory)
    assert result.rc != 0
    assert "the site's repository file:///nonexistent/site.git does not answer" in result.output


def test_deploy_in_aws_mode_needs_a_fleet(aws: Endpoint, tmp_path: Path) -> None:
    inventory = aws_inventory(aws, tmp_path)
    result = run(aws, tmp_path, "playbooks/deploy.yml", "-e", "site_version=0123456789abcdef0123456789abcdef01234567",
                 inventory=inventory)
    assert result.rc != 0
    assert "Auto Scaling group nginx-asg not found" in result.output
    # what to run, in words that work for an installed collection too
    assert "(ansible-playbook webfleet.aws.site)" in result.output
    assert f"-i {ROOT}/inventories/aws" in result.output
