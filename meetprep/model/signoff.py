"""Sign-off chains (Mitzeichnung; godkendelse): who must sign a paper off before it may go on an
agenda, in the body's configuration.

A chain names the paper types it is for and its steps. A step is a unit or role (`name`: the
Kämmerei, Rechtsamt, afdelingschef) with the person who signs for it, or a group of whom any one
may, and deputies; it applies always or only `when` a condition holds (`finance`: the paper has
financial effects; `unit:<name>`: the paper comes from that unit); it starts at once or `after`
other steps signed; it is due `days` (business days by default) before the papers deadline of
the meeting the paper will reach.

    signoff:
      chains:
        - types: [Beschlussvorlage, Sitzungsvorlage]
          steps:
            - {name: Kämmerei, person: kaemmerei-leitung, deputy: kaemmerei-vertretung, when: finance, days: 5}
            - {name: Rechtsamt, person: rechtsamt, days: 5}
            - {name: Dezernat II, person: dezernent-2, after: [Kämmerei, Rechtsamt], days: 3}

(The list of chains may also stand alone under `signoff:`.)
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from meetprep.model.base import Key, Line200, Model
from meetprep.model.enums import DayCount

Condition = Annotated[str, Field(pattern=r"^(finance|unit:.{1,300})$")]


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class SignoffStep(Model):
    name: Line200  # the unit or role as the paper prints it: Kämmerei, Rechtsamt, Direktør
    person: Key | None = None
    group: list[Key] = []  # any one of them signs for the step
    deputy: list[Key] = []  # also accepted; asked instead while the person is away, and after the due day
    when: Condition | None = None
    after: list[Line200] = []  # steps that must have signed before this one is asked
    days: Annotated[int, Field(ge=0, le=60)] = 5  # due this many days before the papers deadline
    count: DayCount = DayCount.business
    # A new revision after this step signed: ask it again (with what changed), or keep its signature.
    again: bool = True

    @field_validator("deputy", "group", "after", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_list(value)

    @model_validator(mode="after")
    def _someone_signs(self) -> "SignoffStep":
        if not self.person and not self.group:
            raise ValueError(f"step {self.name!r}: name the person who signs (person) or a group (group)")
        return self

    @property
    def signers(self) -> list[str]:
        return ([self.person] if self.person else []) + list(self.group)


class SignoffChain(Model):
    types: list[Line200]  # paper types, as the body names them ("*": every type)
    steps: Annotated[list[SignoffStep], Field(min_length=1)]

    @model_validator(mode="after")
    def _steps_known(self) -> "SignoffChain":
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"a chain names a step twice: {names}")
        for step in self.steps:
            unknown = [a for a in step.after if a not in names]
            if unknown:
                raise ValueError(f"step {step.name!r} comes after {unknown}, which the chain does not have")
        # after: must not go round in a circle (each step needs an order in which it can be asked)
        done: set[str] = set()
        waiting = list(self.steps)
        while waiting:
            ready = [s for s in waiting if set(s.after) <= done]
            if not ready:
                raise ValueError(f"the steps wait for each other in a circle: {[s.name for s in waiting]}")
            done |= {s.name for s in ready}
            waiting = [s for s in waiting if s.name not in done]
        return self

    def applies_to(self, paper_type: str) -> bool:
        return "*" in self.types or paper_type in self.types


class Signoff(Model):
    """The body's sign-off rules."""

    chains: list[SignoffChain] = []
    # Who may put a late paper (still in sign-off, or ready after the papers deadline) on an agenda
    # anyway, with a reason: roles in the paper's committee.
    exceptions_by: list[Literal["secretary", "chair", "vice_chair"]] = ["secretary", "chair"]
    remind_days: Annotated[int, Field(ge=0, le=30)] = 1  # business days before a step is due
    escalate_days: Annotated[int, Field(ge=0, le=30)] = 2  # after the deputy was asked, the secretary is told
    # Whether the signatures are printed in public documents too (they always are in the members').
    public_signatures: bool = True

    @model_validator(mode="before")
    @classmethod
    def _chains_alone(cls, value: Any) -> Any:
        return {"chains": value} if isinstance(value, list) else value

    def chain_for(self, paper_type: str) -> SignoffChain | None:
        return next((c for c in self.chains if c.applies_to(paper_type)), None)
