"""Enumerations: language-neutral codes.

The Danish and German words the YAML input accepts for them ("lukket", "nichtöffentlich",
"Vorberatung") are in the message catalogues, under `input_words` in meetprep/locale/*.yaml,
where a clerk can add a word without touching Python. Input in either language is understood
whatever the body's locale: a German Stadt's file may say "closed" or "nichtöffentlich".
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from typing import Any

from meetprep.i18n import LOCALES, catalogue

# Spellings of the codes themselves, in no particular language.
_CODE_SPELLINGS = {
    "day_count": {"calendar_days": "calendar", "business_days": "business"},
    "file_status": {"to follow": "to_follow"},
}


@cache
def input_words(kind: str) -> dict[str, str]:
    """Every word the input accepts for the codes of enumeration `kind` ("access"), casefolded,
    mapped to its code: the catalogues' words of every locale and the codes' own spellings."""
    words = dict(_CODE_SPELLINGS.get(kind, {}))
    for locale in LOCALES:
        for code, spelled in (catalogue(locale).data.get("input_words", {}).get(kind) or {}).items():
            for word in spelled:
                words[str(word).strip().casefold()] = str(code)
    return words


class _AliasedEnum(StrEnum):
    """An enumeration whose YAML input also accepts the Danish and German words for its codes."""

    @classmethod
    def _kind(cls) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            folded = value.strip().casefold()
            for member in cls:
                if member.value == folded:
                    return member
            code = input_words(cls._kind()).get(folded)
            if code is not None:
                return cls(code)
        return None


# ---------------------------------------------------------------------------------------------
# Enumerations


class Locale(StrEnum):
    da = "da"
    de = "de"


class DayCount(_AliasedEnum):
    calendar = "calendar"
    business = "business"


class MembershipRole(_AliasedEnum):
    chair = "chair"
    vice_chair = "vice_chair"
    member = "member"
    substitute = "substitute"
    secretary = "secretary"


class MeetingState(_AliasedEnum):
    planned = "planned"
    agenda_built = "agenda_built"
    invited = "invited"
    held = "held"
    minuted = "minuted"
    cancelled = "cancelled"


class Access(_AliasedEnum):
    """Whether an item may be shown to the public (åben / öffentlich) or not (lukket / nichtöffentlich)."""

    public = "public"
    closed = "closed"


class ConsultationRole(_AliasedEnum):
    """The role of one step of a Beratungsfolge."""

    deliberation = "deliberation"  # Vorberatung; indstilling
    recommendation = "recommendation"  # Empfehlung; anbefaling
    decision = "decision"  # Entscheidung; beslutning
    information = "information"  # Kenntnisnahme; orientering
    hearing = "hearing"  # Anhörung; høring


class ConsultationStatus(_AliasedEnum):
    pending = "pending"  # waiting for this body
    scheduled = "scheduled"  # placed on a meeting's agenda
    completed = "completed"  # the body has dealt with it
    withdrawn = "withdrawn"


class ConsultationResult(_AliasedEnum):
    decided = "decided"
    recommended = "recommended"
    rejected = "rejected"
    postponed = "postponed"
    withdrawn = "withdrawn"
    noted = "noted"


class FileStatus(_AliasedEnum):
    present = "present"
    to_follow = "to_follow"


class ClimateImpact(_AliasedEnum):
    none = "none"
    positive = "positive"
    negative = "negative"


class Answer(_AliasedEnum):
    yes = "yes"
    no = "no"
    partly = "partly"


class ProposalStyle(StrEnum):
    numbered = "numbered"  # 1. 2. 3. (Indstilling)
    bullets = "bullets"  # - (Petitum)
    paragraphs = "paragraphs"  # plain paragraphs (Beschlussvorschlag)


class NumberingScheme(StrEnum):
    punkt = "punkt"  # Danish: "Punkt 1", "Punkt 2"
    top = "top"  # German: "TOP Ö 1", "TOP N 1"
