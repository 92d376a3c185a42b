"""Deadlines counted back from a meeting day, in calendar days or business days.

Business days follow the body's public holidays (the `holidays` package, with subdivision:
Fronleichnam is a holiday in NRW but not in Schleswig-Holstein) and its rule about Saturdays.
Pure functions: the clock is always an argument.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from meetprep import memo
from meetprep.model import DayCount, DeadlineRule, HolidayCalendar


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str | None, year: int) -> dict[dt.date, str]:
    def make() -> dict[dt.date, str]:
        import holidays  # deferred: a warm disk cache answers without it (see docs/architecture.md)

        return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))

    return memo.remembered(f"holidays-{country}-{subdivision or ''}-{year}", [], ("holidays",), make)


def holiday_name(day: dt.date, calendar: HolidayCalendar) -> str | None:
    """The name of the public holiday on `day`, or None."""
    return _holidays(calendar.country, calendar.subdivision, day.year).get(day)


def is_business_day(day: dt.date, calendar: HolidayCalendar, saturday_counts: bool = False) -> bool:
    if day.weekday() == 6 or (day.weekday() == 5 and not saturday_counts):
        return False
    return holiday_name(day, calendar) is None


def subtract_days(
    day: dt.date, days: int, count: DayCount, calendar: HolidayCalendar, saturday_counts: bool = False
) -> dt.date:
    """The date `days` calendar or business days before `day`.

    For business days the result is itself a business day: "3 business days before Monday" is
    the Wednesday before, and a deadline never falls on a holiday.
    """
    if count is DayCount.calendar:
        return day - dt.timedelta(days=days)
    current = day
    remaining = days
    while remaining > 0:
        current -= dt.timedelta(days=1)
        if is_business_day(current, calendar, saturday_counts):
            remaining -= 1
    while not is_business_day(current, calendar, saturday_counts):  # days == 0 on a holiday
        current -= dt.timedelta(days=1)
    return current


def add_days(day: dt.date, days: int, count: DayCount, calendar: HolidayCalendar, saturday_counts: bool = False) -> dt.date:
    """The date `days` calendar or business days after `day` (a business day, for business days)."""
    if count is DayCount.calendar:
        return day + dt.timedelta(days=days)
    current = day
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, calendar, saturday_counts):
            remaining -= 1
    while not is_business_day(current, calendar, saturday_counts):  # days == 0 on a holiday
        current += dt.timedelta(days=1)
    return current


def deadline(meeting_day: dt.date, rule: DeadlineRule, calendar: HolidayCalendar, saturday_counts: bool = False) -> dt.date:
    """The last day on which something governed by `rule` is on time for a meeting on `meeting_day`.

    A calendar-day count that lands on a weekend or public holiday moves to the business day
    before, unless the rule says `closed_day: keep`.
    """
    day = subtract_days(meeting_day, rule.days, rule.count, calendar, saturday_counts)
    return on_business_day(day, rule.closed_day, calendar, saturday_counts)


def on_business_day(day: dt.date, closed_day: str, calendar: HolidayCalendar, saturday_counts: bool = False) -> dt.date:
    """`day`, or with closed_day "earlier" the last business day on or before it."""
    if closed_day == "keep":
        return day
    while not is_business_day(day, calendar, saturday_counts):
        day -= dt.timedelta(days=1)
    return day
