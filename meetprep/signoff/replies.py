"""An approver's e-mail reply to a sign-off request, read.

The request's subject carries its token ("[MZ 3f9a0c1b2d4e]", "[GK ...]"); mail clients keep
it in "AW:" / "SV:" / "Re:". The answer is the reply's first own line (quoted text and the
quoted header are cut off): a yes word ("Ja", "einverstanden", "godkendt", ...) signs, a no word
("Nein", "nej", "abgelehnt", ...) declines with the rest as the reason (a decline without a
reason is not taken), anything else is a comment passed on to the author. The words are the
locale's (`signoff.approve_words`, `decline_words`).
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.utils import parseaddr

from meetprep.i18n import Catalogue

TOKEN = re.compile(r"\[(?:MZ|GK) ([0-9a-f]{12})\]")


@dataclass
class Answer:
    token: str
    sender: str
    kind: str  # approve, decline, comment
    text: str | None
    source: str  # the Message-ID, or the content's hash where there is none


class Unreadable(Exception):
    """A reply that cannot be taken, with the reason (kept aside)."""


def token_of(raw: bytes) -> str | None:
    message = email.message_from_bytes(raw, policy=policy.default)
    found = TOKEN.search(str(message.get("Subject", ""))) or TOKEN.search(plain_text(message))
    return found.group(1) if found else None


def read_answer(raw: bytes, words: Catalogue) -> Answer:
    message = email.message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    found = TOKEN.search(str(message.get("Subject", ""))) or TOKEN.search(plain_text(message))
    if found is None:
        raise Unreadable("no sign-off request is named (the subject's [MZ ...] / [GK ...] is missing)")
    if not sender:
        raise Unreadable("the message has no sender address")
    lines = own_lines(plain_text(message), words.data["signoff"]["quote_starts"])
    if not lines:
        raise Unreadable("the reply has no text of its own: write Yes or No (with the reason) in its first line")
    source = "mail:" + (str(message.get("Message-ID", "")).strip() or hashlib.sha256(raw).hexdigest())
    kind, text = classify(lines, words)
    if kind == "decline" and not text:
        raise Unreadable("a decline needs its reason: write it after the No, or on the next lines")
    return Answer(found.group(1), sender, kind, text, source)


def classify(lines: list[str], words: Catalogue) -> tuple[str, str | None]:
    first = lines[0].strip()
    for kind, key in (("decline", "decline_words"), ("approve", "approve_words")):
        # the longest words first: "nicht einverstanden" is not "einverstanden"
        for word in sorted(words.data["signoff"][key], key=len, reverse=True):
            if re.match(rf"^{re.escape(word)}(?![\w])", first, flags=re.IGNORECASE):
                rest = first[len(word):].lstrip(" \t.,:;!-–—").rstrip()
                if kind == "approve":  # what follows a yes is a greeting and a signature
                    return kind, rest or None
                more = "\n".join(lines[1:]).strip()
                return kind, "\n".join(part for part in (rest, more) if part) or None
    return "comment", "\n".join(lines).strip()


def own_lines(text: str, quote_starts: list[str]) -> list[str]:
    """The reply's own text: up to the quoted message, without signature dashes, blank lines
    at either end dropped."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or stripped == "--":
            break
        if lines and any(stripped.lower().startswith(start) for start in quote_starts) and (
                ":" in stripped or stripped.startswith(("-----", "____"))):
            break
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def plain_text(message) -> str:
    body = message.get_body(("plain",))
    if body is None:
        html = message.get_body(("html",))
        return re.sub(r"<[^>]+>", "\n", html.get_content()) if html is not None else ""
    return body.get_content()
