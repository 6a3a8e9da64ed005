"""One module_defaults entry for the action group group/webfleet.aws.aws reaches every module."""
from __future__ import annotations

import os
from pathlib import Path

import yaml
from harness import AnsibleRunner, Endpoint

ROOT = Path(__file__).resolve().parents[2]


class NoEnvironment(Endpoint):
    """The same endpoint, but Ansible gets no AWS_* variables: the play must carry the connection."""

    @property
    def env(self) -> dict[str, str]:
        return {}


def test_runtime_action_group_lists_every_module() -> None:
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py"))
    assert sorted(runtime["action_groups"]["aws"]) == modules


def test_module_defaults_group_sets_the_connection(aws, tmp_path: Path, monkeypatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    defaults = {"group/webfleet.aws.aws": {
        "region": "us-east-1", "endpoint_url": aws.url, "access_key": "testing", "secret_key": "testing"}}
    runner = AnsibleRunner(NoEnvironment(aws.url), tmp_path)
    grouped, bare = runner.run_tasks([
        {"name": "with the group's defaults", "module_defaults": defaults,
         "block": [{"webfleet.aws.sns_topic": {"name": "grouped"}}]},
        {"name": "without them", "webfleet.aws.sns_topic": {"name": "bare"}},
    ])
    assert not grouped.get("failed") and grouped["changed"], grouped
    # proves the environment gave nothing
    assert bare["failed"] and "no AWS region: set the 'region' option" in bare["msg"], bare
    topics = [t["TopicArn"] for t in aws.client("sns").list_topics()["Topics"]]
    assert [t for t in topics if t.endswith(":grouped")] and not [t for t in topics if t.endswith(":bare")]
