"""EventBridge schedule expressions, as the event pump reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from chalice import Cron, Rate

from scripts.localcloud.schedules import Schedule, UnsupportedSchedule, schedule_of

SATURDAY_0930 = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("rate(1 minute)", datetime(2026, 11, 28, 9, 31, tzinfo=UTC)),
        ("rate(2 hours)", datetime(2026, 11, 28, 11, 30, tzinfo=UTC)),
        (Rate(3, unit=Rate.DAYS), datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("cron(0 10 * * ? *)", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("cron(15 12 ? * MON-FRI *)", datetime(2026, 11, 30, 12, 15, tzinfo=UTC)),
        ("cron(0/20 * * * ? *)", datetime(2026, 11, 28, 9, 40, tzinfo=UTC)),
        ("cron(0 8 1 JAN ? 2027)", datetime(2027, 1, 1, 8, 0, tzinfo=UTC)),
        (Cron(0, 18, "?", "*", "SUN", "*"), datetime(2026, 11, 29, 18, 0, tzinfo=UTC)),
        ("cron(30 9 28 11 ? *)", datetime(2027, 11, 28, 9, 30, tzinfo=UTC)),
    ],
)
def test_the_next_run_is_the_first_matching_minute_strictly_after_now(expression, expected):
    assert schedule_of(expression).next_after(SATURDAY_0930) == expected


@pytest.mark.parametrize("text", ["cron(0 10 L * ? *)", "cron(0 10 ? * 6#3 *)", "cron(0 10 * *)", "every minute"])
def test_what_cannot_be_honoured_locally_is_refused_not_approximated(text):
    with pytest.raises(UnsupportedSchedule):
        Schedule(text).next_after(SATURDAY_0930)
