"""What a template receives: the context of an agenda, minutes or paper document, built by pure
functions from the plain data of a Draft. The public variant fails closed: a closed item (or one
without an explicit "public") becomes its number and a neutral title, and none of its text,
attachments or people reach the context at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from meetprep.agenda.markup import BOX_CHECKED, BOX_EMPTY, clean, rich, text_blocks
from meetprep.agenda.numbering import access_of
from meetprep.i18n import Catalogue, catalogue
from meetprep.agenda.shapes import AgendaContext, MinutesContext, PaperContext

# The two variants of every document: for the members (everything), and for the public (closed
# items reduced to their number and a neutral title).
MEMBERS, PUBLIC = "members", "public"


def _date(words: Catalogue, iso: str | None, style: str = "date_short") -> str:
    return words.date(dt.date.fromisoformat(iso[:10]), style, capitalize=False) if iso else ""


def _files(words: Catalogue, paper: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    files = []
    for index, f in enumerate(paper["files"], start=1):
        if variant == PUBLIC and access_of(f["access"]) != "public":
            continue
        suffix = f" {words.text('labels.to_follow')}" if f["status"] == "to_follow" else ""
        # A records-system number is shown with the case (6455036 - EMN-2025-05820); a plain
        # running number (Anlage 1) is the index itself.
        number = f" ({f['number']} - {paper['reference']})" if f.get("number") and f["number"] != str(index) else ""
        files.append(
            {
                "index": index,
                "title": clean(f["title"]),
                "number": clean(f.get("number") or str(index)),
                "to_follow": f["status"] == "to_follow",
                "suffix": suffix,
                "listing": f"{index}. {clean(f['title'])}{number}{suffix}",
            }
        )
    return files


def _proposal(words: Catalogue, proposal: dict[str, Any] | None) -> dict[str, Any] | None:
    if not proposal:
        return None
    style = proposal.get("style", "numbered")
    points = []
    for index, point in enumerate(proposal["points"], start=1):
        marker = f"{index}." if style == "numbered" else ("–" if style == "bullets" else "")
        points.append({"marker": marker, "text": clean(point), "rich": rich(clean(point)), "style": style})
    return {
        "heading": clean(proposal.get("heading") or words.text("labels.proposal_heading")),
        "intro": [b.as_context() for b in text_blocks(proposal.get("intro"))],
        "points": points,
        "style": style,
    }


def _sections(paper: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"heading": clean(s["heading"]), "blocks": [b.as_context() for b in text_blocks(s.get("text"))]}
        for s in paper["sections"]
    ]


def _sessions(paper: dict[str, Any]) -> list[dict[str, Any]]:
    # Drafts recorded before the whole Beratungsfolge was kept carry only the steps.
    if "sessions" in paper:
        return paper["sessions"]
    return [{**c, "held": c["status"] == "completed", "date": c["date"]} for c in paper["consultations"]]


def _earlier(words: Catalogue, paper: dict[str, Any], meeting_key: str) -> list[dict[str, Any]]:
    """Tidligere beslutninger: every earlier session with its decision (udsat included), then each
    step still to come after this one, "no decision yet", dated only where it has a date of its own."""
    sessions = _sessions(paper)
    # this meeting's step: on the agenda, or (in the referat) dealt with at this meeting
    current = next((s for s in sessions if s.get("current") or (s["held"] and s.get("meeting") == meeting_key)), None)
    if current is None:
        return []
    earlier = []
    for session in sessions:
        if session["held"] and session.get("meeting") != meeting_key:
            text = session["result_text"] or (words.text(f"results.{session['result']}") if session["result"] else "")
            earlier.append({"committee": clean(session["committee_name"]), "date": _date(words, session["date"]),
                            "text": clean(text)})
    for session in sessions:
        if not session["held"] and session["position"] > current["position"]:
            earlier.append({"committee": clean(session["committee_name"]), "date": _date(words, session["date"]),
                            "text": words.text("labels.no_decision_yet")})
    return earlier


def _consultations(words: Catalogue, paper: dict[str, Any]) -> list[dict[str, Any]]:
    """The Beratungsfolge table: every session held (with its meeting's date and result, vertagt
    included), then the steps to come with their planned date or none."""
    return [
        {
            "date": _date(words, s["date"]),
            "committee": clean(s["committee_name"]),
            "role": words.text(f"roles.{s['role']}"),
            "result": words.text(f"results.{s['result']}") if s["result"] else "",
            "result_text": clean(s["result_text"]),
            "current": bool(s.get("current")),
            "held": bool(s["held"]),
        }
        for s in _sessions(paper)
    ]


def _course(paper: dict[str, Any]) -> str:
    """The sagsgang: every body the paper goes through, in order (EBI → Økonomiudvalget → KB)."""
    return " → ".join(clean(c["committee_name"]) for c in sorted(paper["consultations"], key=lambda c: c["position"])
                      if c["status"] != "withdrawn" or c["result"])


def _case_type(words: Catalogue, paper: dict[str, Any]) -> str:
    """Beslutningssag / Orienteringssag: what the committee does with it at this meeting."""
    current = next((c for c in paper["consultations"] if c["current"]), None)
    return words.text(f"case_types.{current['role']}") if current else ""


def item_label(words: Catalogue, entry: dict[str, Any]) -> str:
    """'Punkt 1', 'TOP Ö 3', 'TOP N 1.1': the pattern and part letters are in the catalogue."""
    return words.text("numbering.item", part=words.data["numbering"]["part"][entry["part"]], number=entry["number"]).strip()


def _item(words: Catalogue, entry: dict[str, Any], draft: Any, variant: str) -> dict[str, Any]:
    closed = access_of(entry["access"]) != "public"
    hidden = closed and variant == PUBLIC
    base = {
        "number": entry["number"],
        "label": item_label(words, entry),
        "part": entry["part"],
        "sub": entry["parent"] is not None,
        "hidden": hidden,
        "closed": closed,
        "access_label": words.text("labels.closed" if closed else "labels.public"),
        "withdrawn": entry["withdrawn"],
        "withdrawn_label": words.text("labels.withdrawn") if entry["withdrawn"] else "",
        "is_paper": entry["kind"] == "paper",
        "title": words.text("labels.closed_item_title"),
        "reference": "",
        "type": "",
        "sections": [],
        "proposal": None,
        "earlier": [],
        "course": "",
        "case_type": "",
        "files": [],
        "text": [],
        "decision": "",
        "vote": "",
        "result": "",
        "signoff": [],
        "biased_lines": [],
        **_planned(words, entry, draft),
    }
    if hidden:
        return base  # nothing else of a closed item may reach a public document
    base.update(title=clean(entry["title"]), reference=clean(entry["reference"] or ""))
    if entry["kind"] == "standing":
        base["text"] = [b.as_context() for b in text_blocks(entry.get("standing_text"))]
        return base
    paper = draft.papers.get(entry["reference"])
    if paper is None or entry["withdrawn"]:
        return base
    base.update(
        type=clean(paper["type"]),
        sections=_sections(paper),
        proposal=_proposal(words, paper["proposal"]),
        earlier=_earlier(words, paper, draft.meeting["key"]),
        course=_course(paper),
        case_type=_case_type(words, paper),
        files=_files(words, paper, variant),
        decision=_decision(words, paper, draft.meeting["key"]),
        signoff=_signoff(words, paper, variant),
    )
    return base


def _planned(words: Catalogue, entry: dict[str, Any], draft: Any) -> dict[str, str]:
    """The item's planned start and minutes from the time plan ("" where the body prints none,
    and for an item that takes no time of its own: withdrawn, or a heading over its sub-items)."""
    start, minutes = draft.times.get("items", {}).get(entry["key"], ["", 0])
    if not minutes:
        return {"planned_start": "", "planned_minutes": ""}
    return {"planned_start": start, "planned_minutes": str(minutes)}


def _decision(words: Catalogue, paper: dict[str, Any], meeting_key: str) -> str:
    """What this meeting decided on the paper (the referat's "Beslutninger"), if recorded."""
    for step in paper["consultations"]:
        if step["meeting"] == meeting_key and step["result"]:
            return clean(step["result_text"] or words.text(f"results.{step['result']}"))
    return ""


def _meeting(words: Catalogue, draft: Any) -> dict[str, Any]:
    start = dt.datetime.fromisoformat(draft.meeting["start"])
    end = dt.datetime.fromisoformat(draft.meeting["end"]) if draft.meeting["end"] else None
    return {
        "key": draft.meeting["key"],
        "when": words.datetime(start),
        "date": words.date(start.date()),
        "date_short": words.date(start.date(), "date_short", capitalize=False),
        "date_text": words.date(start.date(), "date_text", capitalize=False),
        "day_month": words.date(start.date(), "date_day_month", capitalize=False),
        "time": words.time(start),
        "end_time": words.time(end) if end else "",
        "planned_end": words.time(dt.datetime.fromisoformat(draft.times["end"])) if draft.times else "",
        "place": clean(draft.meeting["room"]),
        "address": clean(draft.meeting["address"]),
        "extraordinary": draft.meeting["extraordinary"],
    }


def _common(words: Catalogue, draft: Any, variant: str, kind: str) -> dict[str, Any]:
    committee = draft.committee
    heading = clean(committee["name"]) + (f" ({clean(committee['period'])})" if committee.get("period") else "")
    members = [p for p in draft.participants if p["role"] != "secretary"]
    return {
        "document": {
            "kind": kind,
            "title": words.text(f"documents.{kind}").upper(),
            "name": words.text(f"documents.{kind}"),
            "variant": variant,
            "public": variant == PUBLIC,
            "variant_label": words.text("labels.public_variant" if variant == PUBLIC else "labels.members_variant"),
        },
        "body": {"name": clean(draft.body["name"])},
        "committee": {"name": clean(committee["name"]), "heading": heading, "short_name": clean(committee.get("short_name"))},
        "meeting": _meeting(words, draft),
        "participants": [{"name": clean(p["name"]), "absent": bool(p.get("absent"))} for p in members],
        "participants_text": ", ".join(
            clean(p["name"]) + (f" ({words.text('labels.absent')})" if p.get("absent") else "") for p in members),
        "labels": words.section("labels"),
        "properties": {"title": f"{words.text(f'documents.{kind}')}: {clean(committee['name'])}, "
                                f"{words.date(dt.datetime.fromisoformat(draft.meeting['start']).date(), 'date_text', capitalize=False)}",
                       "language": words.babel_locale.replace("_", "-")},
    }


def agenda_context(draft: Any, variant: str, kind: str) -> AgendaContext:
    """The context of an agenda-level document (dagsorden, Tagesordnung, referat)."""
    words = catalogue(draft.body["locale"])
    items = [_item(words, entry, draft, variant) for entry in draft.entries]
    context = _common(words, draft, variant, kind)
    context.update(
        items=items,
        public_items=[i for i in items if i["part"] == "public"],
        closed_items=[i for i in items if i["part"] == "closed"],
    )
    return context


def minutes_context(draft: Any, extra: dict[str, Any], variant: str, kind: str) -> MinutesContext:
    """The referat / Niederschrift: the agenda as built, with each item's decision and vote."""
    context = agenda_context(draft, variant, kind)
    for item, entry in zip(context["items"], draft.entries):
        if item["hidden"]:
            continue  # a closed item's decision stays out of the public minutes too
        if entry["kind"] == "paper" and entry["reference"] in extra["decisions"]:
            info = extra["decisions"][entry["reference"]]
            item.update(decision=clean(info["text"]), vote=clean(info["votes"]), result=clean(info["result"]),
                        biased_lines=[clean(line) for line in info.get("biased_lines", [])])
        elif entry["key"] in extra.get("texts", {}):
            item["decision"] = clean(extra["texts"][entry["key"]])
    present = [p for p in draft.participants if not p.get("absent")]
    context["minutes"] = {
        "started": extra["started"],
        "ended": extra["ended"],
        "present": [clean(p["name"]) for p in present],
        "absent": [clean(p["name"]) for p in draft.participants if p.get("absent")],
    }
    context["signatures"] = [{"role": clean(s["role"]), "name": clean(s["name"])} for s in extra["signatures"]]
    return context


def closed_details(paper: dict[str, Any]) -> bool:
    """Whether a paper's own document says more to members than to the public: closed attachments,
    or a reference to a closed paper (the paper it amends, a related paper)."""
    return (any(access_of(f["access"]) != "public" for f in paper["files"]) or bool(paper.get("hidden_references"))
            or bool(paper.get("signoff") and not paper.get("signoff_public", True)))


def paper_context(draft: Any, reference: str, kind: str, variant: str | None = None) -> PaperContext:
    """The context of one paper's own document (Vorlage, indstilling).

    A closed paper has only a members' variant. The public variant of a public paper is built
    from its public parts only: closed attachments and references to closed papers are left out.
    """
    words = catalogue(draft.body["locale"])
    paper = draft.papers[reference]
    entry = next(e for e in draft.entries if e["reference"] == reference and e["kind"] == "paper")
    public_paper = access_of(paper["access"]) == "public"
    variant = variant or (PUBLIC if public_paper else MEMBERS)
    if variant == PUBLIC and not public_paper:
        raise ValueError(f"paper {reference} is closed: it has no public document")
    hidden = set(paper.get("hidden_references") or []) if variant == PUBLIC else set()
    context = _common(words, draft, variant, kind)
    climate = paper.get("climate")
    financial = paper.get("financial")
    context["properties"]["title"] = f"{clean(paper['title'])} ({clean(reference)})"
    context["paper"] = {
        "reference": clean(reference),
        "title": clean(paper["title"]),
        "type": clean(paper["type"]),
        "type_upper": clean(paper["type"]).upper(),
        "access_label": words.text("labels.closed" if access_of(paper["access"]) != "public" else "labels.public"),
        "originator": clean(paper["originator_unit"]),
        "officer": clean(paper["case_officer"]),
        "file_number": clean(paper["file_number"]),
        "date": _date(words, paper["date"]),
        "related": ", ".join(clean(r) for r in paper["related"] if r not in hidden),
        "amends": clean(paper.get("amends")) if paper.get("amends") not in hidden else "",
        "number": entry["number"],
        "top": f"{words.data['numbering']['part'][entry['part']]} {entry['number']}".strip(),
        "consultations": _consultations(words, paper),
        "earlier": _earlier(words, paper, draft.meeting["key"]),
        "course": _course(paper),
        "case_type": _case_type(words, paper),
        "proposal": _proposal(words, paper["proposal"]),
        "sections": _sections(paper),
        "climate": None if not climate else {
            **{f"{k}_box": BOX_CHECKED if climate["impact"] == k else BOX_EMPTY for k in ("none", "positive", "negative")},
            "labels": words.section("climate"),
            "explanation": clean(climate.get("explanation")),
        },
        "financial": None if not financial else _financial(words, financial),
        "files": _files(words, paper, variant),
        "signatories": [clean(s) for s in paper["signatories"]],
        "signoff": _signoff(words, paper, variant),
    }
    return context


def _signoff(words: Catalogue, paper: dict[str, Any], variant: str) -> list[dict[str, str]]:
    """The Mitzeichnung block / "Godkendt af" line: left out of public documents where the body says so."""
    if variant == PUBLIC and not paper.get("signoff_public", True):
        return []
    return [{"step": clean(s["step"]), "name": clean(s["name"]), "date": _date(words, s["date"]),
             "line": clean(words.text("signoff.signature_line", step=s["step"], name=s["name"],
                                      date=_date(words, s["date"])))}
            for s in paper.get("signoff") or []]


def _financial(words: Catalogue, financial: dict[str, Any]) -> dict[str, Any]:
    answers = words.section("answers")
    questions = []
    for q in financial["questions"]:
        boxes = "  ".join(f"{BOX_CHECKED if q['answer'] == option else BOX_EMPTY} {answers[option]}" for option in q["options"])
        questions.append({"text": clean(q["text"]), "boxes": boxes, "answer": answers.get(q["answer"] or "", "")})
    tables = []
    for t in financial["tables"]:
        rows = [
            {"label": clean(r["label"]), "group": clean(r.get("group")),
             "cells": [words.number(v) if v is not None else "" for v in (r.get("values") or [None] * len(t["columns"]))]}
            for r in t["rows"]
        ]
        tables.append({"title": clean(t["title"]), "unit": clean(t.get("unit")), "columns": [clean(c) for c in t["columns"]],
                       "rows": rows, "note": [b.as_context() for b in text_blocks(t.get("note"))]})
    return {"questions": questions, "text": [b.as_context() for b in text_blocks(financial.get("text"))], "tables": tables}
