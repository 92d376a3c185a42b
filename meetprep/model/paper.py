"""Paper and its parts: sections, proposal, finances, climate, consultations (Beratungsfolge), files."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    model_validator,
)

from meetprep.model.base import (
    Key,
    Line,
    Line100,
    Model,
    NonEmptyProse,
    OptionalLine,
    OptionalLine32,
    OptionalLine64,
    OptionalLine100,
    OptionalLine200,
    OptionalLine300,
    OptionalProse,
    Prose,
    Reference,
    VoteCount,
    _number_to_str,
)
from meetprep.model.enums import (
    Access,
    Answer,
    ClimateImpact,
    ConsultationResult,
    ConsultationRole,
    ConsultationStatus,
    FileStatus,
    ProposalStyle,
)


class Section(Model):
    """A named text section: Resumé, Baggrund, Sachverhalt, Problemstilling, ...

    The text is light markup: paragraphs separated by blank lines, lines starting with "- "
    are bullet list items, lines starting with "1. " are numbered items, *text* is emphasis.
    """

    heading: Line
    text: Prose = ""


class Proposal(Model):
    """Indstilling, Beschlussvorschlag, Petitum: what the body is asked to decide."""

    heading: OptionalLine = None  # default from the catalogue: "Indstilling", "Beschlussvorschlag"
    intro: OptionalProse = None  # "Forvaltningen indstiller", "Die Bezirksversammlung möge beschließen"
    style: ProposalStyle = ProposalStyle.numbered
    points: list[NonEmptyProse] = Field(min_length=1)


class FinancialQuestion(Model):
    text: NonEmptyProse
    options: list[Answer] = [Answer.yes, Answer.no]
    answer: Answer | None = None  # None: not answered in the source

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> "FinancialQuestion":
        if self.answer is not None and self.answer not in self.options:
            raise ValueError(f"answer {self.answer.value!r} is not one of the options {[o.value for o in self.options]}")
        return self


class AmountRow(Model):
    label: Line
    values: list[Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)] | None] = []
    group: OptionalLine = None  # e.g. "Investition" for rows under that sub-heading


class AmountTable(Model):
    """A table of amounts per year (Ergebnisplan): columns are years or labels like "2027 ff."."""

    title: Line
    unit: OptionalLine = None
    columns: list[Annotated[str, BeforeValidator(_number_to_str)]]
    rows: list[AmountRow] = []
    note: OptionalProse = None

    @model_validator(mode="after")
    def _row_widths(self) -> "AmountTable":
        for index, row in enumerate(self.rows):
            if row.values and len(row.values) != len(self.columns):
                raise ValueError(
                    f"row {index} ({row.label!r}) has {len(row.values)} values for {len(self.columns)} columns"
                )
        return self


class Financial(Model):
    """Finanzielle Auswirkungen / Økonomiske konsekvenser."""

    questions: list[FinancialQuestion] = []
    text: OptionalProse = None
    tables: list[AmountTable] = []


class Climate(Model):
    """Auswirkungen auf den Klimaschutz."""

    impact: ClimateImpact
    explanation: OptionalProse = None


class Votes(Model):
    yes: VoteCount = 0
    no: VoteCount = 0
    abstain: VoteCount = 0
    biased: VoteCount = 0  # befangen / inhabil: did not take part


class Consultation(Model):
    """One step of a paper's Beratungsfolge."""

    committee: Key
    role: ConsultationRole
    deciding: bool | None = None  # OParl "authoritative"; default: role == decision
    date: dt.date | None = None  # target date
    meeting: Key | None = None
    status: ConsultationStatus = ConsultationStatus.pending
    result: ConsultationResult | None = None
    result_text: OptionalProse = None
    votes: Votes | None = None
    agenda_number: OptionalLine32 = None  # the TOP / Punkt number where known (e.g. "12")

    @model_validator(mode="after")
    def _defaults(self) -> "Consultation":
        if self.deciding is None:
            self.deciding = self.role is ConsultationRole.decision
        return self


class File(Model):
    """An attachment: Bilag, Anlage."""

    title: Line
    number: OptionalLine64 = None  # document number in the records system (6455036)
    path: OptionalLine = None  # relative to the paper's YAML file
    media_type: OptionalLine100 = None  # guessed from the file name when missing
    status: FileStatus = FileStatus.present
    due: dt.date | None = None
    responsible: OptionalLine200 = None  # a person key or a unit's name
    access: Access | None = None  # default: the paper's access

    @model_validator(mode="after")
    def _path_when_present(self) -> "File":
        if self.status is FileStatus.present and not self.path:
            raise ValueError("an attachment that is present needs a 'path' (or set status: to_follow)")
        return self


class Originator(Model):
    unit: OptionalLine300 = None  # Erstellt durch / Verantwortlich / forvaltning
    officer: OptionalLine200 = None  # case officer (sagsbehandler, Sachbearbeitung)


class Paper(Model):
    """A pending item: sag, indstilling, Vorlage, Drucksache, Antrag."""

    body: Key
    reference: Reference
    title: Line
    paper_type: Line100 = Field(alias="type")
    access: Access | None = None  # missing counts as closed: public output fails closed
    date: dt.date | None = None
    originator: Originator = Originator()
    file_number: OptionalLine100 = None  # Geschäftszeichen
    sections: list[Section] = []
    proposal: Proposal | None = None
    financial: Financial | None = None
    climate: Climate | None = None
    consultations: list[Consultation] = []
    attachments: list[File] = []
    amends: Reference | None = None
    related: list[Reference] = []
    signatories: list[Line] = []
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0  # higher comes first among papers of a type
    # How long the item is expected to take in the meeting (the time plan); default: the body's
    # number for the paper type, or what the committee's last meetings took
    expected_minutes: Annotated[int, Field(ge=1, le=600)] | None = None

    @property
    def effective_access(self) -> Access:
        return self.access or Access.closed

    @model_validator(mode="after")
    def _not_self_related(self) -> "Paper":
        if self.amends == self.reference:
            raise ValueError("a paper cannot amend itself")
        return self
