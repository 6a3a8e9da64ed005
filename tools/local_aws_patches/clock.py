"""The lab's clock: real time by default; WEBFLEET_LAB_SPEED=10 makes every lab interval (health
check intervals, metric periods, alarm evaluation, cooldowns, warm-up) pass 10 times faster.
Timestamps the API returns stay real (UTC now); only waiting is shortened."""
from __future__ import annotations

import os

SPEED_ENV = "WEBFLEET_LAB_SPEED"


def speed() -> float:
    """The clock's speed factor (>= 1; a bad value means real time)."""
    try:
        value = float(os.environ.get(SPEED_ENV, "1"))
    except ValueError:
        return 1.0
    return value if value >= 1 else 1.0


def real_seconds(lab_seconds: float) -> float:
    """How long ``lab_seconds`` of lab time last on the wall clock."""
    return lab_seconds / speed()
