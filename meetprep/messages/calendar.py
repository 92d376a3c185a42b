"""Calendar data (RFC 5545) for meetings: invitations, updates, cancellations and feeds.

Plain functions that return bytes; the caller decides whether to attach, serve or store them.
UIDs are stable and derived from the meeting, DTSTAMP is an argument (the clock is a
parameter), and every time zone is written as a compact RRULE-based VTIMEZONE computed from
the IANA data: `Calendar.add_missing_timezones()` writes a long RDATE list that vobject misreads
and Outlook is reported to mishandle.
"""

from __future__ import annotations

import calendar as stdcalendar
import datetime as dt
from dataclasses import dataclass, replace
from typing import Iterable
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress

PRODID = "-//meetprep//meetprep 0.1//EN"
UTC = dt.timezone.utc
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    role: str  # chair, member, substitute, secretary, guest


@dataclass(frozen=True)
class CalendarMeeting:
    """What a calendar entry says about a meeting: plain data, built by the caller."""

    uid: str
    summary: str
    start: dt.datetime  # aware, in the body's time zone
    end: dt.datetime
    location: str
    description: str
    sequence: int = 0
    cancelled: bool = False
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    # Who sends the request for the organizer (the body's address): ORGANIZER;SENT-BY (RFC 5546)
    sent_by: str | None = None
    alarm_minutes: int | None = 60 * 24
    url: str | None = None


def meeting_uid(body: str, meeting_key: str) -> str:
    """Stable across rebuilds, updates and cancellation: the meeting's identity."""
    return f"{meeting_key}.{body}@meetprep"


def _transitions(zone: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta, str]]:
    """(local wall time just before, offset before, offset after, name after) for each change in `year`."""
    found = []
    moment = dt.datetime(year, 1, 1, tzinfo=UTC)
    before = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        nxt = moment + dt.timedelta(hours=1)
        after = nxt.astimezone(zone).utcoffset()
        if after != before:
            # Transitions fall on whole hours in the zones meetprep serves; the wall time they
            # start at is the instant seen with the offset in force before it.
            local = (nxt + before).replace(tzinfo=None)
            found.append((local, before, after, nxt.astimezone(zone).tzname()))
            before = after
        moment = nxt
    return found


def _rule(local: dt.datetime) -> str:
    last_day = stdcalendar.monthrange(local.year, local.month)[1]
    nth = -1 if local.day + 7 > last_day else (local.day - 1) // 7 + 1
    return f"FREQ=YEARLY;BYMONTH={local.month};BYDAY={nth}{DAY_CODES[local.weekday()]}"


def vtimezone(tzid: str, from_year: int) -> Timezone:
    """A VTIMEZONE for `tzid` with one STANDARD and one DAYLIGHT rule, valid from `from_year`."""
    zone = ZoneInfo(tzid)
    component = Timezone()
    component.add("tzid", tzid)
    changes = _transitions(zone, from_year)
    if not changes:
        offset = dt.datetime(from_year, 1, 1, tzinfo=zone).utcoffset()
        standard = TimezoneStandard()
        standard.add("dtstart", dt.datetime(from_year, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", dt.datetime(from_year, 1, 1, tzinfo=zone).tzname())
        component.add_component(standard)
        return component
    for local, before, after, name in changes:
        part = TimezoneDaylight() if after > before else TimezoneStandard()
        part.add("dtstart", local)
        part.add("rrule", _parse_rule(_rule(local)))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("tzname", name)
        component.add_component(part)
    return component


def _parse_rule(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";"))


def _address(person: Attendee) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    return address


ROLE_PARAMETERS = {
    "chair": "CHAIR",
    "vice_chair": "REQ-PARTICIPANT",
    "member": "REQ-PARTICIPANT",
    "secretary": "NON-PARTICIPANT",
    "substitute": "OPT-PARTICIPANT",
    "guest": "OPT-PARTICIPANT",
    "press": "NON-PARTICIPANT",
}


def _event(meeting: CalendarMeeting, stamp: dt.datetime, with_attendees: bool) -> Event:
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.summary)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.description:
        event.add("description", meeting.description)
    if meeting.url:
        event.add("url", meeting.url)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if with_attendees:
        if meeting.organizer is not None:
            organizer = _address(meeting.organizer)
            if meeting.sent_by and meeting.sent_by.lower() != meeting.organizer.email.lower():
                organizer.params["SENT-BY"] = f"mailto:{meeting.sent_by}"
            event.add("organizer", organizer)
        for person in meeting.attendees:
            address = _address(person)
            address.params["CUTYPE"] = "INDIVIDUAL"
            address.params["ROLE"] = ROLE_PARAMETERS.get(person.role, "REQ-PARTICIPANT")
            address.params["PARTSTAT"] = "NEEDS-ACTION"
            # The press is informed, not asked: no reply expected (RFC 5545 NON-PARTICIPANT).
            address.params["RSVP"] = "FALSE" if person.role == "press" else "TRUE"
            event.add("attendee", address)
    if meeting.alarm_minutes and not meeting.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.summary)
        alarm.add("trigger", dt.timedelta(minutes=-meeting.alarm_minutes))
        event.add_component(alarm)
    return event


def _calendar(method: str | None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _add_timezones(cal: Calendar, meetings: Iterable[CalendarMeeting]) -> None:
    by_zone: dict[str, int] = {}
    for meeting in meetings:
        key = getattr(meeting.start.tzinfo, "key", None)
        if key is None:
            raise ValueError(f"meeting {meeting.uid}: 'start' needs an IANA time zone (got {meeting.start.tzinfo!r})")
        by_zone[key] = min(by_zone.get(key, meeting.start.year), meeting.start.year)
    for tzid, year in sorted(by_zone.items()):
        cal.add_component(vtimezone(tzid, year - 1))


def invitation(meeting: CalendarMeeting, stamp: dt.datetime) -> bytes:
    """An iTIP REQUEST (or CANCEL for a cancelled meeting) for one meeting, as sent by e-mail."""
    cal = _calendar("CANCEL" if meeting.cancelled else "REQUEST")
    _add_timezones(cal, [meeting])
    cal.add_component(_event(meeting, stamp, with_attendees=True))
    return cal.to_ical()


# How often a subscriber's calendar should look again (RFC 7986 REFRESH-INTERVAL; Outlook and
# Google read X-PUBLISHED-TTL): a moved meeting shows within the hour.
REFRESH = dt.timedelta(hours=1)


def feed(name: str, meetings: Iterable[CalendarMeeting], stamp: dt.datetime, public: bool = True) -> bytes:
    """A subscribable calendar (no METHOD, no attendees) named `name` (X-WR-CALNAME).

    A public feed carries no alarms: a subscriber decides for themselves whether a committee's
    meeting should ring. A personal feed keeps the reminder its member gets with invitations.
    """

    meetings = sorted((m if not public else replace(m, alarm_minutes=None) for m in meetings), key=lambda m: m.start)
    cal = _calendar(None, name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    if meetings:
        _add_timezones(cal, meetings)
    for meeting in meetings:
        cal.add_component(_event(meeting, stamp, with_attendees=False))
    return cal.to_ical()
