#!/usr/bin/env python3
"""Mutation score of the pure functions in plugins/module_utils against their unit tests.

    .venv/bin/python bench/mutation_score.py [FILE ...] [--max-per-file N] [--survivors] [--json OUT]

Each mutant (mutmut's operators: numbers, strings, comparisons, and/or, keywords, ...) is written
into a copy of the checkout (the work tree is never touched), and the unit tests that import that
file run against it (pytest -x in a forked child of this process, which has Ansible, pytest and
boto3 imported once: about 1 s a mutant instead of 3-5 s for a fresh interpreter). A mutant the
tests fail on is killed, one they pass on survived, one that runs past --timeout counts as killed.
The score per file is killed / mutants. Not a CI gate: a measure of the unit tests (issue 13).
--max-per-file takes an evenly spread sample of a big file's mutants (deterministic).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TOP = Path(__file__).resolve().parent.parent
UTILS = "plugins/module_utils"
# the file's unit tests (the ones that import it); clients.py, core.py and waiters.py talk to AWS
# and are left to the integration tests
TESTS = {
    "tags.py": ["tests/unit/test_core.py", "tests/unit/test_rule_and_tag_diffs.py"],
    "references.py": ["tests/unit/test_references.py"],
    "retries.py": ["tests/unit/test_core.py"],
    "converge.py": ["tests/unit/test_core.py"],
    "route53.py": ["tests/unit/test_route53.py"],
    "sns.py": ["tests/unit/test_sns.py"],
    "policies.py": ["tests/unit/test_scaling.py"],
    "alarms.py": ["tests/unit/test_scaling_alarm.py"],
    "security_groups.py": ["tests/unit/test_ec2_rules.py", "tests/unit/test_rule_and_tag_diffs.py",
                           "tests/unit/test_ssh_guard.py"],
    "ssh_guard.py": ["tests/unit/test_ssh_guard.py"],
    "keys.py": ["tests/unit/test_ec2_keys.py"],
    "elb_view.py": ["tests/unit/test_elb.py", "tests/unit/test_elb_views.py"],
    "elb_membership.py": ["tests/unit/test_elb_membership.py"],
    "autoscaling_groups.py": ["tests/unit/test_autoscaling.py"],
    "launch_templates.py": ["tests/unit/test_autoscaling.py"],
    "launch_configs.py": ["tests/unit/test_autoscaling.py"],
    "instance_options.py": ["tests/unit/test_autoscaling.py"],
    "inventory_ec2.py": ["tests/unit/test_inventory_ec2_helpers.py",
                         # runs ansible-doc (seconds) on the plugin, not on module_utils
                         "--deselect", "tests/unit/test_inventory_ec2_helpers.py::test_ansible_doc_renders"],
}
KILLED, SURVIVED, TIMEOUT = "killed", "survived", "timeout"


def copy_checkout(dest: Path) -> Path:
    """The files the unit tests need, without byte code (a stale .pyc could hide a mutant)."""
    root = dest / "checkout"
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", "molecule", "roles")
    shutil.copytree(TOP, root, symlinks=True, ignore=ignore)
    return root


def preload() -> None:
    """Import the heavy dependencies once, before forking (never the collection itself)."""
    import ansible.module_utils.basic
    import ansible.template  # noqa: F401
    import boto3  # noqa: F401
    import botocore.exceptions  # noqa: F401
    import pytest  # noqa: F401
    import yaml  # noqa: F401


def run_tests(root: Path, tests: list[str], timeout: float) -> str:
    """Run ``tests`` in a forked child against ``root``; KILLED, SURVIVED or TIMEOUT."""
    pid = os.fork()
    if pid == 0:  # child: fresh imports of the collection and the tests, from the copy
        try:
            for name in [m for m in sys.modules if m.startswith(("ansible_collections", "test_", "conftest"))
                         or m in ("harness", "skip_guard", "play_recap")]:
                del sys.modules[name]
            os.chdir(root)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "--rootdir", str(root), *tests])
            os._exit(int(code))
        except BaseException:
            os._exit(99)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return SURVIVED if os.waitstatus_to_exitcode(status) == 0 else KILLED
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return TIMEOUT
        time.sleep(0.02)


def mutants(path: Path) -> list[Any]:
    from mutmut import Context, list_mutations

    return list_mutations(Context(source=path.read_text(), filename=str(path)))


def sample(items: list[Any], limit: int | None) -> list[Any]:
    if not limit or len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def score_file(root: Path, name: str, limit: int | None, timeout: float, show: bool) -> dict[str, Any]:
    from mutmut import Context, mutate

    target = root / UTILS / name
    original = target.read_text()
    tests = TESTS[name]
    if run_tests(root, tests, timeout * 3) != SURVIVED:
        raise SystemExit(f"{name}: its tests fail without any mutant ({' '.join(tests)})")
    every = mutants(target)
    chosen = sample(every, limit)
    counts = {KILLED: 0, SURVIVED: 0, TIMEOUT: 0}
    survivors = []
    try:
        for mutation_id in chosen:
            mutated, _ = mutate(Context(source=original, filename=str(target), mutation_id=mutation_id))
            target.write_text(mutated)
            outcome = run_tests(root, tests, timeout)
            counts[outcome] += 1
            if outcome == SURVIVED:
                diff = difflib.unified_diff(original.splitlines(), mutated.splitlines(), lineterm="", n=0)
                survivors.append("\n".join(line for line in diff if line[:1] in "+-" and line[:3] not in "---+++"))
                if show:
                    print(f"  survived {name}:{mutation_id.line_number}\n    " + survivors[-1].replace("\n", "\n    "))
    finally:
        target.write_text(original)
    total = len(chosen)
    return {"file": name, "mutants": len(every), "tested": total, **counts,
            "score": round(100 * (counts[KILLED] + counts[TIMEOUT]) / total, 1) if total else None,
            "survivors": survivors}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help=f"file names in {UTILS} (default: all of {', '.join(TESTS)})")
    ap.add_argument("--max-per-file", type=int, default=None, help="test an even sample of at most N mutants")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a mutant's test run may take")
    ap.add_argument("--survivors", action="store_true", help="print each surviving mutant")
    ap.add_argument("--json", type=Path, help="also write the figures (and survivors) here")
    args = ap.parse_args()
    names = args.files or list(TESTS)
    unknown = [n for n in names if n not in TESTS]
    if unknown:
        ap.error(f"no unit tests known for {unknown}; choose from {sorted(TESTS)}")
    # stopped with SIGTERM: leave through the `finally`/`with` blocks (original file back, copy removed)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # no xdist/testinfra start-up per mutant
    sys.dont_write_bytecode = True
    preload()
    results = []
    with tempfile.TemporaryDirectory(prefix="webfleet-mutation-") as tmp:
        root = copy_checkout(Path(tmp))
        sys.path.insert(0, str(root / "collections"))
        sys.path.insert(0, str(root / "tests"))
        print(f"{'file':20} {'mutants':>7} {'tested':>6} {'killed':>6} {'timeout':>7} {'survived':>8} {'score':>6}")
        for name in names:
            start = time.monotonic()
            r = score_file(root, name, args.max_per_file, args.timeout, args.survivors)
            results.append(r)
            print(f"{name:20} {r['mutants']:7} {r['tested']:6} {r[KILLED]:6} {r[TIMEOUT]:7} {r[SURVIVED]:8} "
                  f"{r['score']:5}%  ({time.monotonic() - start:.0f} s)", flush=True)
    tested = sum(r["tested"] for r in results)
    killed = sum(r[KILLED] + r[TIMEOUT] for r in results)
    print(f"{'all':20} {sum(r['mutants'] for r in results):7} {tested:6} {'':6} {'':7} "
          f"{sum(r[SURVIVED] for r in results):8} {round(100 * killed / tested, 1) if tested else 0:5}%")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
