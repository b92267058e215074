"""When an ``@app.schedule`` handler is due: EventBridge's ``rate(...)`` and ``cron(...)`` expressions.

Cron follows EventBridge's six fields (minutes hours day-of-month month day-of-week year), in UTC, with
``*``, ``?``, lists, ranges, steps and month/day names; day-of-week 1-7 is SUN-SAT. ``L``, ``W`` and ``#``
are refused with a clear error rather than approximated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalice.app import Cron, Rate, ScheduleExpression

_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {
    name: n
    for n, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
_DAYS = {name: n for n, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_LIMIT = timedelta(days=366 * 5)


class UnsupportedSchedule(ValueError):
    pass


def expression_text(expression: str | ScheduleExpression) -> str:
    return expression if isinstance(expression, str) else expression.to_string()


@dataclass(frozen=True)
class Schedule:
    text: str

    def next_after(self, moment: datetime) -> datetime:
        """The first run strictly after ``moment`` (UTC)."""
        rate = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", self.text.strip())
        if rate:
            return moment + timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[rate.group(2)])
        cron = re.fullmatch(r"cron\((.+)\)", self.text.strip())
        if not cron:
            raise UnsupportedSchedule(f"not a rate(...) or cron(...) expression: {self.text!r}")
        return _next_cron(cron.group(1).split(), moment)


def schedule_of(expression: str | Rate | Cron | ScheduleExpression) -> Schedule:
    return Schedule(expression_text(expression))


def _number(token: str, names: dict[str, int]) -> int:
    if token.isdigit():
        return int(token)
    if token.upper() in names:
        return names[token.upper()]
    raise UnsupportedSchedule(f"cron value {token!r} is not supported locally (L, W and # are not)")


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int] | None:
    """The values a cron field allows; None for ``*``/``?`` (anything)."""
    if field in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in field.split(","):
        span, _, step_text = part.partition("/")
        step = _number(step_text, {}) if step_text else 1
        if span in ("*", "?"):
            start, end = low, high
        elif "-" in span:
            first, last = span.split("-", 1)
            start, end = _number(first, names), _number(last, names)
        else:
            start = _number(span, names)
            end = high if step_text else start
        allowed.update(range(start, end + 1, step))
    return allowed


def _next_cron(fields: list[str], moment: datetime) -> datetime:
    if len(fields) != 6:
        raise UnsupportedSchedule(f"cron needs 6 fields (minutes hours day-of-month month day-of-week year): {fields}")
    minutes = _values(fields[0], 0, 59, {})
    hours = _values(fields[1], 0, 23, {})
    days = _values(fields[2], 1, 31, {})
    months = _values(fields[3], 1, 12, _MONTHS)
    weekdays = _values(fields[4], 1, 7, _DAYS)
    years = _values(fields[5], 1970, 2199, {})
    candidate = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    while candidate - moment < _LIMIT:
        weekday = candidate.isoweekday() % 7 + 1  # SUN=1 .. SAT=7
        if (
            (years is None or candidate.year in years)
            and (months is None or candidate.month in months)
            and (days is None or candidate.day in days)
            and (weekdays is None or weekday in weekdays)
        ):
            if (hours is None or candidate.hour in hours) and (minutes is None or candidate.minute in minutes):
                return candidate
            candidate += timedelta(minutes=1)
        else:
            candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
    raise UnsupportedSchedule(f"cron({' '.join(fields)}) never fires within five years")
