# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every role's README lists every variable of its defaults/main.yml (issue 12, item 4)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"


@pytest.mark.parametrize("role", sorted(p.name for p in ROLES.iterdir() if (p / "defaults" / "main.yml").exists()))
def test_readme_lists_every_default(role: str) -> None:
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    readme = (ROLES / role / "README.md").read_text()
    missing = sorted(name for name in defaults if f"`{name}`" not in readme)
    assert not missing, f"roles/{role}/README.md does not list {missing}"
    assert len(defaults) > 3, f"roles/{role}/defaults/main.yml read as {defaults!r}"
