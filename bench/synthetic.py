"""Synthetic input for benchmarks: papers with realistic text, sections, lists and attachments."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

WORDS_DA = ("forvaltningen udvalget kommunen borgere indsats integration budget dialog møde plan aftale "
            "ansøgning tilskud område skole ældre beskæftigelse virksomheder samarbejde rådhus").split()
WORDS_DE = ("Verwaltung Ausschuss Stadt Bürger Maßnahme Integration Haushalt Konzept Sitzung Antrag "
            "Förderung Quartier Schule Senioren Beschäftigung Betriebe Zusammenarbeit Rathaus").split()


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int = 14) -> str:
    text = " ".join(rng.choice(words) for _ in range(n))
    return text[0].upper() + text[1:] + "."


def _text(rng: random.Random, words, paragraphs: int = 3) -> str:
    parts = [" ".join(_sentence(rng, words) for _ in range(4)) for _ in range(paragraphs)]
    parts.insert(1, "\n".join(f"- {_sentence(rng, words, 6)}" for _ in range(3)))
    return "\n\n".join(parts)


def paper(rng: random.Random, body: str, reference: str, committee: str, locale: str, access: str) -> dict:
    words = WORDS_DA if locale == "da" else WORDS_DE
    headings = ["Resumé", "Baggrund", "Økonomiske konsekvenser"] if locale == "da" else ["Sachverhalt", "Begründung", "Ziele"]
    return {
        "body": body,
        "reference": reference,
        "title": _sentence(rng, words, 8)[:-1],
        "type": "indstilling" if locale == "da" else "Beschlussvorlage",
        "access": access,
        "originator": {"unit": "Forvaltningen" if locale == "da" else "Fachdienst Soziales"},
        "sections": [{"heading": h, "text": _text(rng, words)} for h in headings],
        "proposal": {"points": [_sentence(rng, words, 10) for _ in range(3)]},
        "consultations": [{"committee": committee, "role": "indstilling" if locale == "da" else "Vorberatung"}],
        "attachments": [{"title": f"Bilag {i}", "status": "to_follow", "access": "public"} for i in (1, 2)],
    }


def write_meeting_papers(folder: Path, body: str, committee: str, locale: str, count: int, seed: int = 7,
                         prefix: str = "EMN-2025-") -> list[Path]:
    """`count` papers due at `committee`'s next meeting; every fifth one closed."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        reference = f"{prefix}{10000 + index:05d}" if locale == "da" else f"BV/2023/{100 + index:03d}"
        data = paper(rng, body, reference, committee, locale, "closed" if index % 5 == 4 else "public")
        path = folder / f"paper-{index:03d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths
