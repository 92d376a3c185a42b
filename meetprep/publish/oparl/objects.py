"""The public view (meetprep.publish.view) as OParl 1.1 objects, by scope: the body's own
(Body, Organization, Person, Membership, LegislativeTerm), each meeting's (Meeting, Location,
AgendaItem, its Files) and each paper's (Paper, Consultation, its Files).

Embedded objects (a meeting's agenda items and files, a paper's consultations and files, a
person's memberships) are stored as their own objects, fetchable at their own id and listed in
the body's lists, and embedded at output time (meetprep.publish.oparl.lists).
"""

from __future__ import annotations

import re
from typing import Any

from meetprep.i18n import catalogue
from meetprep.publish.oparl.paths import (EMBED, LISTS, SCHEMA, VENDOR, body_path, day, download_path, list_path,
                                          moment, object_path, system_path, url)
from meetprep.publish.view import PublicBody, PublicFile, PublicItem, PublicMeeting, PublicPaper, slug

REQUIRED_LISTS = {"legislativeTerm"}  # required even when empty


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "") and (v != [] or k in REQUIRED_LISTS)}


class Objects:
    """Every public object of a body, by scope: {scope: {path: data}}."""

    def __init__(self, view: PublicBody, words):
        self.view, self.words = view, words
        self.body = view.key
        self.scopes: dict[str, dict[str, dict[str, Any]]] = {}

    def add(self, scope: str, path: str, kind: str, **data: Any) -> str:
        self.scopes.setdefault(scope, {})[path] = _clean({"id": url(path), "type": SCHEMA + kind, **data})
        return path

    def embed(self, path: str) -> dict[str, str]:
        return {EMBED: path}

    def portal(self, page: str) -> str:
        return url(f"{self.body}/{page}")

    # -- body scope --------------------------------------------------------------------------

    def body_objects(self) -> None:
        view, body = self.view, self.body
        terms = []
        for period in sorted({c.period for c in view.committees.values() if c.period}):
            match = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", period)
            terms.append(self.add("body", object_path(body, "LegislativeTerm", period), "LegislativeTerm",
                                  body=url(body_path(body)), name=period,
                                  startDate=f"{match.group(1)}-01-01" if match else None,
                                  endDate=f"{match.group(2)}-12-31" if match else None))
        self.add("body", body_path(body), "Body", system=url(system_path()), name=view.name,
                 shortName=view.key, website=view.website, classification=view.classification, ags=view.ags,
                 **{f"{VENDOR}:kommunekode": view.kommunekode},
                 legislativeTerm=[self.embed(t) for t in terms],
                 **{prop: url(list_path(body, kind)) for prop, kind in LISTS.items()},
                 web=self.portal("index.html"))
        memberships: dict[str, list[str]] = {}
        for committee in view.committees.values():
            org_path = object_path(body, "Organization", committee.key)
            member_paths = []
            for index, member in enumerate(committee.members):
                path = self.add("body", object_path(body, "Membership", f"{committee.key}.{member.person}.{index}"),
                                "Membership", person=url(object_path(body, "Person", member.person)),
                                organization=url(org_path), role=self.words.text(f"portal.roles.{member.role}"),
                                votingRight=member.voting_right, startDate=day(member.start), endDate=day(member.end))
                member_paths.append(path)
                memberships.setdefault(member.person, []).append(path)
            self.add("body", org_path, "Organization", body=url(body_path(body)), name=committee.name,
                     shortName=committee.short_name, organizationType=self.words.text("portal.organization_type"),
                     classification=committee.classification,
                     membership=[url(p) for p in member_paths], web=self.portal(f"committee/{slug(committee.key)}.html"))
        for key, name in view.persons.items():
            self.add("body", object_path(body, "Person", key), "Person", body=url(body_path(body)), name=name,
                     membership=[self.embed(p) for p in memberships.get(key, [])])

    # -- meetings ----------------------------------------------------------------------------

    def meeting_objects(self, meeting: PublicMeeting) -> None:
        body, zone = self.body, self.view.zone
        scope = f"meeting:{meeting.key}"
        path = object_path(body, "Meeting", meeting.key)
        location = None
        if meeting.place:
            location = self.add(scope, object_path(body, "Location", f"meeting.{meeting.key}"), "Location",
                                description=meeting.place,
                                room=meeting.room, streetAddress=meeting.address, meetings=[url(path)])
        items = []
        for item in meeting.items:
            if not item.public:
                continue  # a closed item is no object at all: its number is on the public agenda only
            consultation = None
            if item.reference and item.reference in self.view.papers and meeting.key in self.view.papers[item.reference].meetings:
                consultation = url(object_path(body, "Consultation", f"{item.reference}.{meeting.key}"))
            result = self.words.text(f"results.{item.result}") if item.result else None
            items.append(self.add(scope, object_path(body, "AgendaItem", f"{meeting.key}.{item.key}"), "AgendaItem",
                                  meeting=url(path), number=item.number, order=item.order, name=item.title,
                                  public=True, consultation=consultation, result=result,
                                  resolutionText=item.resolution or None, **{f"{VENDOR}:votes": _votes(item)}))
        invitation = [self.file_object(scope, f, meeting=path) for f in meeting.agenda_files]
        protocol = [self.file_object(scope, f, meeting=path) for f in meeting.minutes_files]
        main_invitation = _main(invitation, meeting.agenda_files)
        main_protocol = _main(protocol, meeting.minutes_files)
        state = "durchgeführt" if meeting.minuted else ("eingeladen" if meeting.agenda_version else "terminiert")
        self.add(scope, path, "Meeting", name=meeting.name, meetingState=self.words.text(f"portal.meeting_states.{state}"),
                 cancelled=meeting.cancelled or None, start=moment(meeting.start, zone), end=moment(meeting.end, zone),
                 location=self.embed(location) if location else None,
                 organization=[url(object_path(body, "Organization", meeting.committee))],
                 participant=[url(object_path(body, "Person", p)) for p in meeting.present],
                 invitation=self.embed(main_invitation) if main_invitation else None,
                 resultsProtocol=self.embed(main_protocol) if main_protocol else None,
                 auxiliaryFile=[self.embed(p) for p in invitation + protocol if p not in (main_invitation, main_protocol)],
                 agendaItem=[self.embed(p) for p in items],
                 web=self.portal(f"meeting/{slug(meeting.key)}.html"))

    def file_object(self, scope: str, file: PublicFile, **parents: str) -> str:
        access = self.portal(file.href)
        path = object_path(self.body, "File", file.key.replace("/", "."))
        links = {name: [url(p)] for name, p in parents.items()}
        return self.add(scope, path, "File", name=file.name, fileName=file.file_name, mimeType=file.media_type,
                        date=day(file.date), size=file.size, sha512Checksum=None, accessUrl=access,
                        downloadUrl=url(download_path(f"{self.body}/{file.href}")),
                        **links)

    # -- papers ------------------------------------------------------------------------------

    def paper_objects(self, paper: PublicPaper) -> None:
        body = self.body
        scope = f"paper:{paper.reference}"
        path = object_path(body, "Paper", paper.reference)
        consultations = []
        for session in paper.sessions:
            meeting = session.meeting if session.meeting in paper.meetings else None
            agenda_item = None
            if meeting:
                agenda_item = url(object_path(body, "AgendaItem", f"{meeting}.paper:{paper.reference}"))
            key = f"{paper.reference}.{meeting}" if meeting else f"{paper.reference}.{session.position}.{session.committee}"
            consultations.append(self.add(
                scope, object_path(body, "Consultation", key), "Consultation", paper=url(path),
                meeting=url(object_path(body, "Meeting", meeting)) if meeting else None,
                agendaItem=agenda_item, organization=[url(object_path(body, "Organization", session.committee))]
                if session.committee in self.view.committees else None,
                authoritative=session.deciding, role=self.words.text(f"roles.{session.role}")))
        documents = [self.file_object(scope, f, paper=path) for f in paper.documents]
        attachments = [self.file_object(scope, f, paper=path) for f in paper.files]
        main = _main(documents, paper.documents)
        self.add(scope, path, "Paper", body=url(body_path(body)), name=paper.title, reference=paper.reference,
                 date=day(paper.date), paperType=paper.paper_type,
                 relatedPaper=[url(object_path(body, "Paper", r)) for r in paper.related] or None,
                 superordinatedPaper=[url(object_path(body, "Paper", paper.amends))] if paper.amends else None,
                 mainFile=self.embed(main) if main else None,
                 auxiliaryFile=[self.embed(p) for p in documents + attachments if p != main],
                 consultation=[self.embed(p) for p in consultations],
                 web=self.portal(f"paper/{slug(paper.reference)}.html"),
                 # what its decisions ordered done by a date, and how far it is (OParl has no such object)
                 **{f"{VENDOR}:followUp": [t.as_oparl() for t in paper.tasks] or None})


def _votes(item: PublicItem) -> dict[str, Any] | None:
    """The vote on an agenda item as the vendor extension meetprep:votes (OParl has none; its
    issue #171 asks for one): {"yes", "no", "abstain", "unanimous"}, counts where recorded.
    Those who did not take part (befangen / inhabil) are not a vote and not counted here."""
    counts = {k: (item.votes or {}).get(k) for k in ("yes", "no", "abstain")}
    if not item.unanimous and not any(counts.values()):
        return None
    return {**{k: v for k, v in counts.items() if v is not None}, "unanimous": item.unanimous}


def _main(paths: list[str], files: list[PublicFile]) -> str | None:
    """The PDF where there is one, else the first file."""
    for path, file in zip(paths, files):
        if file.media_type == "application/pdf":
            return path
    return paths[0] if paths else None


def build_objects(view: PublicBody) -> dict[str, dict[str, dict[str, Any]]]:
    objects = Objects(view, catalogue(view.locale))
    objects.body_objects()
    for meeting in view.meetings.values():
        objects.meeting_objects(meeting)
    for paper in view.papers.values():
        objects.paper_objects(paper)
    return objects.scopes

