"""The shape plugins/ keeps: short functions, one module lifecycle, no lab values (issue 12)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parents[2]
PLUGINS = TOP / "plugins"
MODULES = sorted((PLUGINS / "modules").glob("*.py"))
MAX_LINES = 60
# values of this project's lab (docs/spec.md): a module defaults to AWS's own values, never to these
LAB_VALUES = re.compile(r"nginx-lb|nginx-asg|/index\.html")


def functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(), str(path))
    return [(f"{path.relative_to(TOP)}:{node.lineno} {node.name}", node.end_lineno - node.lineno + 1)
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def test_no_function_in_plugins_is_longer_than_60_lines() -> None:
    long = [f"{where} ({n} lines)" for path in sorted(PLUGINS.rglob("*.py")) for where, n in functions(path)
            if n > MAX_LINES]
    assert long == []


def test_the_measure_counts_lines() -> None:
    """A function of 61 lines is caught (the measure above is not vacuous)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    tree = ast.parse(f"def f():\n{body}\n")
    node = tree.body[0]
    assert node.end_lineno - node.lineno + 1 == 61


def test_no_lab_value_in_plugins() -> None:
    found = [f"{path.relative_to(TOP)}:{i}: {line.strip()}" for path in sorted(PLUGINS.rglob("*.py"))
             for i, line in enumerate(path.read_text().splitlines(), 1) if LAB_VALUES.search(line)]
    assert found == []


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_module_uses_the_lifecycle(path: Path) -> None:
    """main() is a few lines that run one AWSResource (or AWSInfo) subclass; its argument spec is module level."""
    tree = ast.parse(path.read_text())
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    resources = [n for n in classes.values()
                 if any(isinstance(b, ast.Name) and b.id in ("AWSResource", "AWSInfo") for b in n.bases)]
    assert resources, f"{path.name}: no AWSResource/AWSInfo subclass"
    [main] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"]
    assert len(main.body) <= 3, f"{path.name}: main() has {len(main.body)} statements"
    assert any((isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "ARGUMENT_SPEC")
               or (isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "ARGUMENT_SPEC" for t in n.targets))
               for n in tree.body), f"{path.name}: no module-level ARGUMENT_SPEC"


def test_classic_elb_has_no_lab_defaults() -> None:
    """The load balancer's name and health check come from the caller, not from the lab's SPEC."""
    tree = ast.parse((PLUGINS / "modules" / "classic_elb.py").read_text())
    spec = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and n.target.id == "ARGUMENT_SPEC")
    options = {kw.arg: kw.value for kw in spec.keywords}
    name = {kw.arg: ast.literal_eval(kw.value) for kw in options["name"].keywords}
    assert name == {"type": "str", "required": True}
    health = {kw.arg: kw.value for kw in options["health_check"].keywords}
    fields = {kw.arg: {k.arg for k in kw.value.keywords} for kw in health["options"].keywords}
    assert fields and all("default" not in keys for keys in fields.values()), fields
    assert "apply_defaults" not in health
