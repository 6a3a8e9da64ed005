"""The README's module examples are a play; run exactly that play against the local endpoint."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from play_recap import host_recap

ROOT = Path(__file__).resolve().parents[2]


def readme_play() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- readme-example: modules -->\s*```yaml\n(.*?)```", text, re.S)
    assert match, "README.md lost its module example block"
    return match.group(1)


def run_play(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )


HAND_SET_ALARM = "Set the alarm's state by hand (AWS evaluates it again at its next period); ALARM would scale out"


def test_readme_example_builds_the_stack_and_reruns_unchanged(aws, tmp_path: Path) -> None:
    play = yaml.safe_load(readme_play())
    used = {next(k for k in task if k.startswith("webfleet.aws.")) for task in play[0]["tasks"]}
    modules = {p.stem for p in (ROOT / "plugins" / "modules").glob("*.py")}
    assert {m.removeprefix("webfleet.aws.") for m in used} == modules, "one example per module"

    # the README's play is run as written, next to the README (playbook_dir = repository root)
    path = ROOT / f".readme-example-{tmp_path.name}.yml"
    path.write_text(readme_play())
    # the controller's Python, as implicit localhost would use
    env = {**os.environ, **aws.env, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
           "ANSIBLE_PYTHON_INTERPRETER": sys.executable}
    try:
        first = run_play(path, env)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
        second = run_play(path, env)
        assert second.returncode == 0, second.stdout[-4000:]
    finally:
        path.unlink()
    recap = host_recap(second.stdout)
    assert (recap["failed"], recap["unreachable"]) == (0, 0), second.stdout[-3000:]
    # nothing changes on the rerun but the alarm state set by hand: the endpoint evaluates the alarm
    # again each minute, as AWS does, so the rerun may find it moved back and set it again
    blocks = re.split(r"^TASK \[", second.stdout, flags=re.M)[1:]
    changed = [b.split("]", 1)[0] for b in blocks if re.search(r"^changed: ", b, flags=re.M)]
    assert set(changed) <= {HAND_SET_ALARM} and recap["changed"] == len(changed), second.stdout[-3000:]

    elb = aws.client("elb").describe_load_balancers(LoadBalancerNames=["nginx-lb"])["LoadBalancerDescriptions"][0]
    assert elb["HealthCheck"]["Target"] == "HTTP:80/index.html"
    group = aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["nginx-asg"])
    assert group["AutoScalingGroups"][0]["LoadBalancerNames"] == ["nginx-lb"]
    alarm = aws.client("cloudwatch").describe_alarms(AlarmNames=["cpu-high"])["MetricAlarms"][0]
    assert any(":scalingPolicy:" in a for a in alarm["AlarmActions"])
