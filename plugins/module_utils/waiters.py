# -*- coding: utf-8 -*-
# Copyright: webfleet.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline, for states AWS reaches asynchronously."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


class WaitTimeout(Exception):
    def __init__(self, what: str, timeout: float, last: object) -> None:
        super().__init__(f"timed out after {timeout:.0f}s waiting for {what} (last seen: {last!r})")
        self.what = what
        self.timeout = timeout
        self.last = last


def wait_for(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    what: str,
    timeout: float,
    delay: float = 2.0,
    max_delay: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, float]:
    """Call ``probe`` until ``done(result)``; return the result and the seconds waited.

    The delay grows gently (x1.5) up to ``max_delay`` so short waits stay short
    against a fast endpoint and long ones do not hammer AWS.
    """
    started = time.monotonic()
    while True:
        result = probe()
        if done(result):
            return result, round(time.monotonic() - started, 1)
        elapsed = time.monotonic() - started
        if elapsed >= timeout:
            raise WaitTimeout(what, timeout, result)
        sleep(min(delay, max(0.0, timeout - elapsed)))
        delay = min(max_delay, delay * 1.5)
