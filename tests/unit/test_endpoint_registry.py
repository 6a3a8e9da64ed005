"""The local endpoint's behaviours as its patch modules declare them (tools/local_aws_patches/_registry.py,
issue 12 item 3): every module lists its behaviours with the AWS documentation each follows, wraps a
moto method at most once, names only classes and methods moto 5.2.5 has, and can be read without moto.
What each behaviour does is tested against the real endpoint in tests/endpoint/."""
from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"
sys.path.insert(0, str(TOOLS))

import local_aws_patches  # noqa: E402
from local_aws_patches._registry import Add, Replace, Route, Service, Wrap, check_unique, install  # noqa: E402

ALL = [(name, b) for name in local_aws_patches.PATCH_MODULES for b in local_aws_patches.behaviours(name)]
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("name", local_aws_patches.PATCH_MODULES)
def test_every_module_declares_its_behaviours(name: str) -> None:
    module = importlib.import_module(f"local_aws_patches.{name}")
    assert isinstance(module.BEHAVIOURS, list) and module.BEHAVIOURS
    assert all(isinstance(b, (Wrap, Add, Replace, Route, Service)) for b in module.BEHAVIOURS)
    assert not hasattr(module, "apply")  # the legacy shape is gone
    check_unique(name, module.BEHAVIOURS)


def test_every_behaviour_names_its_aws_documentation_in_one_line() -> None:
    assert len(ALL) > 50
    bad = [(name, b) for name, b in ALL if not b.doc.strip() or "\n" in b.doc]
    assert bad == []


def test_a_second_wrap_of_one_method_is_refused() -> None:
    def first(original, self):  # type: ignore[no-untyped-def]
        return original(self)

    def second(original, self):  # type: ignore[no-untyped-def]
        return original(self)

    target = "moto.elb.models:ELBBackend"
    get_lb = Wrap(target, "get_load_balancer", first, "d")
    check_unique("ok", [get_lb, Wrap(target, "create_load_balancer", first, "d")])
    with pytest.raises(ValueError, match="get_load_balancer is wrapped twice"):
        check_unique("dup", [get_lb, Wrap(target, "get_load_balancer", second, "d")])
    with pytest.raises(ValueError, match="wrapped twice"):
        check_unique("dup", [get_lb, Replace(target, "get_load_balancer", second, "d")])
    with pytest.raises(ValueError, match="wrapped twice"):  # install() checks before it changes anything
        install("dup", [get_lb, Wrap(target, "get_load_balancer", second, "d")])


# Run apart from the test process, which never imports moto (see the test after this one).
RESOLVE_ALL = """
import json, sys
sys.path.insert(0, sys.argv[1])
import moto
import local_aws_patches as p
from local_aws_patches._registry import Add, Replace, Wrap, resolve

missing, checked = [], 0
for name in p.PATCH_MODULES:
    for b in p.behaviours(name):
        if not isinstance(b, (Wrap, Replace, Add)):
            continue
        checked += 1
        try:
            cls = resolve(b.target)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name}: {b.target} ({exc})")
            continue
        # a Replace or an Add may give moto's class what it lacks (FakeScalingPolicy.alarms); a Wrap cannot
        if isinstance(b, Wrap) and not callable(getattr(cls, b.method, None)):
            missing.append(f"{name}: {b.target}.{b.method}")
print(json.dumps({"version": moto.__version__, "checked": checked, "missing": missing}))
"""


def test_every_target_and_method_exists_in_moto_5_2_5() -> None:
    proc = subprocess.run([sys.executable, "-c", RESOLVE_ALL, str(TOOLS)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["version"] == "5.2.5"  # what the patches are written for (tools/local_aws.py MOTO_VERSION)
    assert found["checked"] == len([b for _, b in ALL if isinstance(b, (Wrap, Replace, Add))])
    assert found["missing"] == []


def test_reading_the_behaviours_does_not_import_moto() -> None:
    # `local_aws.py stop`/`behaviours` and the tests' helpers import the package without moto
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import local_aws_patches as p\n"
            "[p.behaviours(n) for n in p.PATCH_MODULES]\n"
            "import local_aws_patches.ec2_containers, local_aws_patches.docker_network\n"
            "print(sorted(m for m in sys.modules if m == 'moto' or m.startswith('moto.')))")
    proc = subprocess.run([sys.executable, "-c", code, str(TOOLS)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_behaviours_command_prints_every_module_and_doc() -> None:
    proc = subprocess.run([sys.executable, str(TOOLS / "local_aws.py"), "behaviours"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for name, b in ALL:
        assert f"{name}:\n" in proc.stdout and b.doc in proc.stdout


def test_no_function_in_tools_is_longer_than_60_lines() -> None:
    long = []
    for path in sorted(TOOLS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
