"""The end-to-end tests (playbooks against a fresh local endpoint): `pytest tests/e2e -q`."""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end runs of the playbooks against a fresh local endpoint (slow)")
