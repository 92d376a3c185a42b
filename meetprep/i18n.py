"""The message catalogue: Danish and German labels, formats and messages, read from YAML.

Code asks for keys ("labels.closed_item_title", "roles.decision"); the words live in
`meetprep/locale/<locale>.yaml`, where they can be changed without touching Python.
Dates and times are formatted with Babel in the body's locale.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from meetprep.yamlio import load_yaml

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
BABEL_LOCALES = {"da": "da_DK", "de": "de_DE"}
LOCALES = tuple(BABEL_LOCALES)


@dataclass(frozen=True)
class Catalogue:
    locale: str
    data: dict[str, Any]

    def letter(self, name: str, sender: str, *paragraphs: str) -> str:
        """A message's text: the greeting to `name`, the paragraphs, the closing from `sender`."""
        return "\n\n".join([self.text("messages.greeting", name=name), *paragraphs,
                             self.text("messages.closing", sender=sender)])

    def text(self, key: str, **values: Any) -> str:
        """The message `key` filled with `values`. A message with plural forms (a mapping with the
        CLDR categories of the language: one, other, ...) is chosen by the number `count`, with
        the language's plural rules from Babel: "1 Enthaltung", "2 Enthaltungen"."""
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"message {key!r} is missing from meetprep/locale/{self.locale}.yaml")
            node = node[part]
        if isinstance(node, dict) and "other" in node:
            if "count" not in values:
                raise KeyError(f"message {key!r} has plural forms: give count=")
            node = node.get(self.plural_form(values["count"]), node["other"])
        return str(node).format(**values) if values else str(node)

    def plural_form(self, count: int | float) -> str:
        """The CLDR plural category of `count` in this language: 'one' or 'other' in da and de."""

        return Locale.parse(self.babel_locale).plural_form(count)

    def section(self, key: str) -> dict[str, str]:
        node = self.data[key]
        return {str(k): str(v) for k, v in node.items()}

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALES[self.locale]

    def date(self, day: dt.date, style: str = "date_long", capitalize: bool = True) -> str:
        text = format_date(day, self.text(f"formats.{style}"), locale=self.babel_locale)
        return text[:1].upper() + text[1:] if capitalize else text

    def time(self, moment: dt.datetime | dt.time) -> str:
        return format_time(moment, self.text("formats.time"), locale=self.babel_locale)

    def datetime(self, moment: dt.datetime, capitalize: bool = True) -> str:
        """'Mandag d. 22. september 2025 kl. 16:30' / 'Dienstag, 25. März 2025, 17:00 Uhr'; within a
        sentence (capitalize=False) 'mandag d. 22. september 2025 kl. 16:30'."""
        return self.text("formats.datetime", date=self.date(moment.date(), capitalize=capitalize), time=self.time(moment))

    def meeting_name(self, committee: str, extraordinary: bool = False) -> str:
        """The committee's name as a meeting's title: 'Økonomiudvalget, ekstraordinært møde'."""
        return self.text("formats.meeting_name_extraordinary" if extraordinary else "formats.meeting_name",
                         committee=committee)

    PLACEHOLDERS = ("date", "date_text", "date_short", "time", "committee")

    def fill_meeting(self, text: str | None, start: dt.datetime, committee: str) -> str | None:
        """A standing item's title or text with the meeting's placeholders filled in: {date}
        (22. september 2025), {date_short} (22-09-2025), {date_text} (mandag d. 22. september
        2025), {time} and {committee}. Other braces are left as they are."""
        if not text or "{" not in text:
            return text

        values = {"date": self.date(start.date(), "date_text", capitalize=False),
                  "date_short": self.date(start.date(), "date_short", capitalize=False),
                  "date_text": self.date(start.date(), "date_long", capitalize=False),
                  "time": self.time(start), "committee": committee}
        return re.sub(r"\{(" + "|".join(self.PLACEHOLDERS) + r")\}", lambda m: values[m.group(1)], text)

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.babel_locale, group_separator=True)


@lru_cache(maxsize=4)
def catalogue(locale: str) -> Catalogue:
    return Catalogue(locale, load_yaml(LOCALE_DIR / f"{locale}.yaml").data)
