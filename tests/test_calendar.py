"""Calendar data read back by two independent parsers (icalendar and vobject)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from meetprep.messages import calendar

STAMP = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone.utc)


def meeting(start: dt.datetime, **changes) -> calendar.CalendarMeeting:
    values = dict(
        uid=calendar.meeting_uid("gentofte", f"ebi-{start.date()}"), summary="Erhvervs-, Beskæftigelses- og Integrationsudvalget",
        start=start, end=start + dt.timedelta(hours=2), location="Udvalgsværelse A/B, Gentofte Rådhus",
        description="Dagsorden:\nPunkt 1: Ny model for dialog; æøå\nPunkt 2: Lukket punkt",
        organizer=calendar.Attendee("Sekretariatet for EBI", "ebi-sekretariat@example.org", "secretary"),
        attendees=(calendar.Attendee("Søren B. Heisel", "soeren.heisel@example.org", "chair"),
                   calendar.Attendee("Jesper Marcus", "jesper.marcus@example.org", "member"),
                   calendar.Attendee("Karim Eksempel", "karim@example.org", "substitute")),
    )
    values.update(changes)
    return calendar.CalendarMeeting(**values)


@pytest.mark.parametrize("tzid, day, offset", [
    ("Europe/Copenhagen", dt.date(2026, 3, 30), 2),   # the day after summer time starts
    ("Europe/Copenhagen", dt.date(2026, 10, 26), 1),  # the day after it ends
    ("Europe/Berlin", dt.date(2026, 3, 30), 2),
    ("Europe/Berlin", dt.date(2025, 9, 22), 2),       # September: +02:00 (vobject misread RDATE blocks here)
    ("Europe/Berlin", dt.date(2027, 1, 12), 1),
])
def test_wall_time_survives_in_every_parser(tzid, day, offset):
    start = dt.datetime.combine(day, dt.time(16, 30), ZoneInfo(tzid))
    data = calendar.invitation(meeting(start), STAMP)
    parsed = icalendar.Calendar.from_ical(data).walk("VEVENT")[0].decoded("dtstart")
    assert (parsed.hour, parsed.minute, parsed.utcoffset()) == (16, 30, dt.timedelta(hours=offset))
    other = vobject.readOne(data.decode()).vevent.dtstart.value
    assert (other.hour, other.minute, other.utcoffset()) == (16, 30, dt.timedelta(hours=offset))
    assert b"RDATE" not in data and data.count(b"BEGIN:VTIMEZONE") == 1


def test_request_carries_uid_sequence_people_and_alarm():
    start = dt.datetime(2025, 9, 22, 16, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    cal = icalendar.Calendar.from_ical(calendar.invitation(meeting(start, sequence=2), STAMP))
    assert cal["METHOD"] == "REQUEST"
    event = cal.walk("VEVENT")[0]
    assert str(event["UID"]) == "ebi-2025-09-22.gentofte@meetprep"
    assert event["SEQUENCE"] == 2 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("dtstamp") == STAMP
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert str(event["ORGANIZER"]) == "mailto:ebi-sekretariat@example.org"
    attendees = {str(a): dict(a.params) for a in event["ATTENDEE"]}
    assert attendees["mailto:soeren.heisel@example.org"]["ROLE"] == "CHAIR"
    assert attendees["mailto:soeren.heisel@example.org"]["CN"] == "Søren B. Heisel"
    assert attendees["mailto:jesper.marcus@example.org"]["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["mailto:karim@example.org"]["ROLE"] == "OPT-PARTICIPANT"
    assert all(a["PARTSTAT"] == "NEEDS-ACTION" and a["RSVP"] == "TRUE" for a in attendees.values())
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(days=1)
    assert "Punkt 1: Ny model for dialog; æøå" in str(event["DESCRIPTION"])


def test_cancellation():
    start = dt.datetime(2025, 9, 22, 16, 30, tzinfo=ZoneInfo("Europe/Copenhagen"))
    cal = icalendar.Calendar.from_ical(calendar.invitation(meeting(start, sequence=3, cancelled=True), STAMP))
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 3
    assert not event.walk("VALARM")


def test_feed_has_a_name_and_no_attendees():
    zone = ZoneInfo("Europe/Berlin")
    meetings = [meeting(dt.datetime(2023, 12, 21, 18, tzinfo=zone)), meeting(dt.datetime(2023, 12, 5, 19, tzinfo=zone))]
    cal = icalendar.Calendar.from_ical(calendar.feed("Sozialausschuss (Stadt Wedel)", meetings, STAMP))
    assert cal["X-WR-CALNAME"] == "Sozialausschuss (Stadt Wedel)" and "METHOD" not in cal
    events = cal.walk("VEVENT")
    assert [e.decoded("dtstart").day for e in events] == [5, 21]
    assert all("ATTENDEE" not in e for e in events)
    assert vobject.readOne(calendar.feed("x", meetings, STAMP).decode()).vevent.dtstart.value.utcoffset() == dt.timedelta(hours=1)


def test_naive_start_is_refused():
    with pytest.raises(ValueError, match="IANA time zone"):
        calendar.invitation(meeting(dt.datetime(2025, 9, 22, 16, 30, tzinfo=dt.timezone.utc)), STAMP)
