"""OParl's names and places: the schema, the URL of every object and list, date-time stamps.

Every object has a stable URL below the OParl root (`oparl/v1/<body>/paper/<reference>.json`):
ids are made from keys and references, never from database ids, so a rebuild or a new store
gives the same ids. URLs are stored relative (`oparl-base:oparl/v1/...`) and made absolute with
the public base URL when written or served, so that the base URL can change without republishing.
"""

from __future__ import annotations

import datetime as dt

from meetprep.publish.view import slug

SCHEMA = "https://schema.oparl.org/1.1/"
BASE = "oparl-base:"
ROOT = "oparl/v1"
DOWNLOAD = "download"
# The prefix of meetprep's own properties (OParl 1.1, vendor extensions: "Herstellerprefix:name").
VENDOR = "meetprep"
PAGE_SIZE = 100
EMBED = "$embed"
# Lists of a body: the Body's property and the list file's name.
LISTS = {"organization": "Organization", "person": "Person", "meeting": "Meeting", "paper": "Paper",
         "membership": "Membership", "agendaItem": "AgendaItem", "consultation": "Consultation", "file": "File",
         "locationList": "Location", "legislativeTermList": "LegislativeTerm"}
# Embedded children lose the property that points back at their parent.
BACKREF = {("Meeting", "agendaItem"): "meeting", ("Paper", "consultation"): "paper", ("Person", "membership"): "person"}


def url(path: str) -> str:
    return f"{BASE}{path}"


def list_path(body: str, kind: str) -> str:
    return f"{ROOT}/{body}/{kind.lower()}s.json"


def object_path(body: str, kind: str, key: str) -> str:
    return f"{ROOT}/{body}/{kind.lower()}/{slug(key)}.json"


def body_path(body: str) -> str:
    return f"{ROOT}/{body}/body.json"


def system_path() -> str:
    return f"{ROOT}/system.json"


def bodies_path() -> str:
    return f"{ROOT}/bodies.json"


def download_path(href: str) -> str:
    """Where a portal file is downloaded (`Content-Disposition: attachment`): its access path
    below `download/`. `meetprep serve` answers it; a web server maps it (docs/operations.md)."""
    return f"{DOWNLOAD}/{href}"


def day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def moment(value: dt.datetime | None, zone) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def static_page_path(body: str | None, kind: str, page: int) -> str:
    """The file of a static list page; `body` None: the system's list of bodies."""
    first = list_path(body, kind) if body else bodies_path()
    return first if page == 1 else first.replace(".json", f"-{page}.json")


def error_object(message: str, debug: str | None = None) -> dict[str, str]:
    """What a request that cannot be answered gets beside its HTTP status: `message` for a
    person, in the body's language; `debug` for the client's developer."""
    return {"type": SCHEMA + "Error", "message": message, **({"debug": debug} if debug else {})}


def kind_of_list(name: str) -> str | None:
    """'papers' -> 'Paper'."""
    for kind in LISTS.values():
        if name == f"{kind.lower()}s":
            return kind
    return None


def stamp(value: dt.datetime) -> str:
    """`created` and `modified`: UTC with its offset written out ("+00:00"), as OParl's date-time
    asks (ISO 8601 with an offset), to the second."""
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")

