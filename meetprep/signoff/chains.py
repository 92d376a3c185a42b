"""Which steps of its body's chain a paper needs. Pure: the paper's data and the configuration."""

from __future__ import annotations

from typing import Any

from meetprep.model import BodyConfig, SignoffStep


def steps_for(config: BodyConfig, paper: dict[str, Any]) -> list[SignoffStep]:
    """The chain's steps whose condition the paper meets, in the chain's order. A step that comes
    `after` a step the paper does not need waits only for the others."""
    chain = config.signoff.chain_for(str(paper.get("type") or ""))
    if chain is None:
        return []
    return [step for step in chain.steps if condition_holds(step.when, paper)]


def condition_holds(when: str | None, paper: dict[str, Any]) -> bool:
    if when is None:
        return True
    if when == "finance":
        return has_financial_effects(paper.get("financial"))
    if when.startswith("unit:"):
        return ((paper.get("originator") or {}).get("unit") or "").strip() == when[len("unit:"):].strip()
    return False


def has_financial_effects(financial: dict[str, Any] | None) -> bool:
    """The first question answered yes or partly ("Der Beschluss hat finanzielle Auswirkungen"),
    or any amount in its tables, or text in its financial part."""
    if not financial:
        return False
    questions = financial.get("questions") or []
    if questions and questions[0].get("answer") in ("yes", "partly"):
        return True
    for table in financial.get("tables") or []:
        for row in table.get("rows") or []:
            if any(value not in (None, 0, 0.0) for value in row.get("values") or []):
                return True
    if questions and questions[0].get("answer") == "no":
        return False
    return bool((financial.get("text") or "").strip())


def allowed_signers(step: SignoffStep) -> list[str]:
    """Who may answer for the step: its person or group, and its deputies."""
    return step.signers + [d for d in step.deputy if d not in step.signers]
