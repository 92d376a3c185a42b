"""Sign-off before the agenda: a German chain of three steps (one declines, the author fixes the
paper, all sign), a Danish chain of two answered through a real IMAP server with the requests
sent through a real SMTP server, a late paper let on by an exception, and overlapping runs
that count each answer and send each message once."""

from __future__ import annotations

import datetime as dt
import email
import mailbox
import os
import shutil
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml

from meetprep.agenda import build
from meetprep.config import Settings, load_configs
from meetprep.errors import InputError
from meetprep.importing.pipeline import import_files
from meetprep.jobs.signoff import record_answer, record_exception, run_signoff
from meetprep.messages.ledger import OutboxTransport
from meetprep.signoff.rounds import requests_of, state_of
from meetprep.store import Store, paper_by_reference
from tests.conftest import CONFIG_DIR, EXAMPLES, ROOT
from tests.docxtext import text

T0 = dt.datetime(2025, 2, 3, 8, tzinfo=dt.timezone.utc)  # a Monday; asi meets on 25 March, papers due 11 March
REFERENCE = "V/2025/050"
GERMAN_CHAIN = {
    "exceptions_by": ["secretary", "chair"],
    "chains": [{"types": ["Beschlussvorlage", "Sitzungsvorlage"], "steps": [
        {"name": "Kämmerei", "person": "kaemmerei-leitung", "deputy": "kaemmerei-vertretung", "when": "finance", "days": 5},
        {"name": "Rechtsamt", "person": "rechtsamt", "days": 5},
        {"name": "Dezernat II", "person": "dezernent-2", "after": ["Kämmerei", "Rechtsamt"], "days": 3}]}]}
GERMAN_PEOPLE = [
    {"key": "kaemmerei-leitung", "name": "Karl Kämmerer", "email": "kaemmerei@herzogenrath.example",
     "away": [{"from": "2025-03-03", "to": "2025-03-07"}]},
    {"key": "kaemmerei-vertretung", "name": "Vera Vertretung", "email": "kaemmerei-v@herzogenrath.example"},
    {"key": "rechtsamt", "name": "Rita Recht", "email": "rechtsamt@herzogenrath.example"},
    {"key": "dezernent-2", "name": "Dieter Dezernent", "email": "dezernat2@herzogenrath.example"},
    {"key": "frau-autorin", "name": "Anna Autorin", "email": "anna.autorin@herzogenrath.example"},
]
DANISH_CHAIN = {"chains": [{"types": ["indstilling"], "steps": [
    {"name": "Afdelingschef", "person": "afdelingschef", "days": 3},
    {"name": "Direktør", "person": "direktoer", "after": ["Afdelingschef"], "days": 2}]}]}
DANISH_PEOPLE = [
    {"key": "afdelingschef", "name": "Anne Afdelingschef", "email": "afdelingschef@gentofte.example"},
    {"key": "direktoer", "name": "Dorte Direktør", "email": "direktoer@gentofte.example"},
]
PAPER = f"""body: herzogenrath
reference: {REFERENCE}
title: Sprachkurse im Quartier
type: Beschlussvorlage
access: öffentlich
originator: {{unit: Amt 50 - Sozialamt, officer: frau-autorin}}
consultations:
  - {{committee: asi, role: Entscheidung}}
sections:
  - heading: Sachverhalt
    text: Im Quartier fehlen Sprachkurse für Erwachsene.
financial:
  questions:
    - {{text: Der Beschluss hat finanzielle Auswirkungen, options: [yes, no], answer: yes}}
proposal:
  points: [Der Ausschuss beschließt die Sprachkurse.]
"""


def _configs(tmp_path: Path, german: dict = GERMAN_CHAIN) -> Path:
    """The shipped configuration with sign-off chains for Herzogenrath and Gentofte."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    for body, chain, people in (("herzogenrath", german, GERMAN_PEOPLE), ("gentofte", DANISH_CHAIN, DANISH_PEOPLE)):
        path = folder / f"{body}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["persons"] += people
        data["signoff"] = chain
        data["body"]["mail"] = {**data["body"].get("mail", {}), "signoff_address": f"mitzeichnung@{body}.example"}
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def world(tmp_path):
    config_dir = _configs(tmp_path)
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
                        config_dir=config_dir, templates_dir=ROOT / "templates", output_dir=tmp_path / "out")
    configs = load_configs(config_dir)
    store = Store(settings.database_url)
    import_files(store, configs, [EXAMPLES], T0 - dt.timedelta(days=30))
    yield store, configs, settings
    store.close()


def _paper(tmp_path: Path, text: str = PAPER) -> Path:
    path = tmp_path / "papers" / "V-2025-050.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(store, configs, settings, now, pdf_too=False):
    outbox = OutboxTransport(settings.outbox, lambda: now)
    return run_signoff(store, configs, settings, now, lambda config: outbox, ["herzogenrath", "gentofte"], pdf_too)


def _sent(settings: Settings) -> list[EmailMessage]:
    """Every message in the outbox, in the order of the clock they were sent at."""
    found = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(settings.outbox.glob("*.eml"))]
    return sorted(found, key=lambda m: m["Date"].datetime)


def _to(settings: Settings, address: str, reference: str = REFERENCE) -> list[EmailMessage]:
    """The messages to `address` about the paper (the example Sitzungsvorlage is in sign-off too)."""
    return [m for m in _sent(settings) if m["To"].addresses[0].addr_spec == address
            and f"/signoff/{reference}/" in m["X-Meetprep-Key"]]


def _reply(settings: Settings, request: EmailMessage, sender: str, body: str, message_id: str | None = None) -> None:
    """The approver answers the request from their mail client: Re:, the quote below."""
    reply = EmailMessage()
    reply["From"], reply["To"] = sender, request["Reply-To"]
    reply["Subject"] = "AW: " + request["Subject"]
    reply["In-Reply-To"] = request["Message-ID"]
    if message_id:
        reply["Message-ID"] = message_id
    quoted = "\n".join("> " + line for line in request.get_body(("plain",)).get_content().splitlines())
    reply.set_content(f"{body}\n\nAm 03.02.2025 schrieb Stadt Herzogenrath:\n{quoted}\n")
    box = mailbox.Maildir(str(settings.home / "signoff"), create=True)
    box.add(bytes(reply))


def _state(store, configs, body: str, reference: str):
    with store.session() as session:
        paper = paper_by_reference(session, body, reference)
        return state_of(configs.get(body), paper, requests_of(session, paper.id))


def _build(store, configs, tmp_path, as_of: dt.datetime):
    day = dt.date(2025, 3, 25)
    result, _ = build.run(store, configs, build.AgendaRequest("herzogenrath", "asi", as_of.date(), day=day),
                          ROOT / "templates", tmp_path / "out", as_of, pdf=False)
    return result


def test_a_german_chain_declined_fixed_and_signed(world, tmp_path):
    store, configs, settings = world
    import_files(store, configs, [_paper(tmp_path)], T0)
    assert _state(store, configs, "herzogenrath", REFERENCE).state == "signoff"

    first = _run(store, configs, settings, T0, pdf_too=True)
    assert sorted((c["change"], c["step"]) for c in first["changes"] if c["reference"] == REFERENCE) == [
        ("requested", "Kämmerei"), ("requested", "Rechtsamt"), ("round", None)]
    (kaemmerei,) = _to(settings, "kaemmerei@herzogenrath.example")
    # (Python's header folding doubles the space before an encoded word: compared word by word)
    assert " ".join(kaemmerei["Subject"].split()).startswith(
        f"Bitte um Mitzeichnung: {REFERENCE} Sprachkurse im Quartier (Kämmerei) [MZ ")
    assert kaemmerei["Reply-To"] == "mitzeichnung@herzogenrath.example"
    files = {part.get_filename(): part for part in kaemmerei.iter_attachments()}
    assert set(files) == {"V-2025-050-1.docx", "V-2025-050-1.pdf"}, set(files)
    body = kaemmerei.get_body(("plain",)).get_content()
    assert "Guten Tag Karl Kämmerer," in body and "bis zum 04.03.2025" in body  # 5 business days before 11 March
    assert not _to(settings, "dezernat2@herzogenrath.example")  # after both: not yet asked

    # Still in sign-off at the build: not on the agenda, and the build says for what it waits.
    result = _build(store, configs, tmp_path, T0)
    problems = [p["message"] for p in result.problems if p["reference"] == REFERENCE]
    assert REFERENCE not in {e["reference"] for e in result.entries}
    assert problems == ["Nicht auf der Tagesordnung: die Mitzeichnung fehlt noch (Kämmerei bei Karl Kämmerer, fällig "
                        "04.03.2025; Rechtsamt bei Rita Recht, fällig 04.03.2025; danach Dezernat II)."], problems

    # The Kämmerei signs, the Rechtsamt declines with its reason: the author hears of it.
    (rechtsamt,) = _to(settings, "rechtsamt@herzogenrath.example")
    _reply(settings, kaemmerei, "Karl Kämmerer <kaemmerei@herzogenrath.example>", "Ja, einverstanden.")
    _reply(settings, rechtsamt, "rechtsamt@herzogenrath.example", "Nein. Die Rechtsgrundlage fehlt.\nBitte § 2 ergänzen.")
    _reply(settings, rechtsamt, "jemand@example.net", "Ja")  # not the Rechtsamt: kept aside
    later = T0 + dt.timedelta(days=2)
    second = _run(store, configs, settings, later)
    assert sorted((a["step"], a["kind"], a["result"]) for a in second["answers"]) == [
        ("Kämmerei", "approve", "counted"), ("Rechtsamt", "decline", "counted")]
    assert [a["reason"] for a in second["aside"]] == ["jemand@example.net does not sign for Rechtsamt (nor is a deputy)"]
    state = _state(store, configs, "herzogenrath", REFERENCE)
    assert state.state == "draft" and state.declined["reason"] == "Die Rechtsgrundlage fehlt.\nBitte § 2 ergänzen."
    (declined,) = _to(settings, "anna.autorin@herzogenrath.example")
    assert declined["Subject"] == f"Mitzeichnung abgelehnt: {REFERENCE} (Rechtsamt)"
    assert "Rita Recht hat die Mitzeichnung" in declined.get_body(("plain",)).get_content()
    assert "Die Rechtsgrundlage fehlt." in declined.get_body(("plain",)).get_content()

    # The author fixes the paper: a new revision, a new round, every step asked again with what changed.
    import_files(store, configs, [_paper(tmp_path, PAPER.replace(
        "für Erwachsene.", "für Erwachsene (§ 2 Integrationsgesetz NRW)."))], later)
    third = _run(store, configs, settings, later + dt.timedelta(hours=1))
    assert sorted(c["step"] for c in third["changes"] if c["change"] == "requested") == ["Kämmerei", "Rechtsamt"]
    again = _to(settings, "rechtsamt@herzogenrath.example")[-1]
    body = again.get_body(("plain",)).get_content()
    assert "Dies ist Fassung 2. Geändert gegenüber Fassung 1:" in body
    assert "+ Im Quartier fehlen Sprachkurse für Erwachsene (§ 2 Integrationsgesetz NRW)." in body

    # The Rechtsamt signs by mail; the clerk records the Kämmerei's yes given by its deputy on the phone.
    _reply(settings, again, "rechtsamt@herzogenrath.example", "Einverstanden")
    _run(store, configs, settings, later + dt.timedelta(hours=2))
    with pytest.raises(InputError, match="'dezernent-2' does not sign for Kämmerei"):
        record_answer(store, configs, "herzogenrath", REFERENCE, "Kämmerei", "approve", "dezernent-2", None, later)
    recorded = record_answer(store, configs, "herzogenrath", REFERENCE, "kämmerei", "approve", "kaemmerei-vertretung",
                             None, later + dt.timedelta(hours=3), clerk="schriftfuehrung")
    assert recorded["result"] == "counted"
    fourth = _run(store, configs, settings, later + dt.timedelta(hours=4))
    assert [(c["change"], c["step"]) for c in fourth["changes"]] == [("requested", "Dezernat II")]
    (dezernat,) = _to(settings, "dezernat2@herzogenrath.example")
    _reply(settings, dezernat, "dezernat2@herzogenrath.example", "ja")
    fifth = _run(store, configs, settings, later + dt.timedelta(hours=5))
    assert [c["change"] for c in fifth["changes"]] == ["ready"]
    assert _state(store, configs, "herzogenrath", REFERENCE).state == "ready"
    ready = _to(settings, "anna.autorin@herzogenrath.example")[-1]
    assert ready["Subject"] == f"Vorlage freigegeben: {REFERENCE}"

    result = _build(store, configs, tmp_path, later + dt.timedelta(hours=6))
    assert REFERENCE in {e["reference"] for e in result.entries}
    assert not [p for p in result.problems if p["reference"] == REFERENCE and p["code"].startswith("signoff")]
    vorlage = next(Path(d["path"]) for d in result.documents if d["kind"] == "vorlage" and REFERENCE.replace("/", "-") in d["path"])
    printed = text(vorlage)
    assert "Beteiligte Stellen / Mitzeichnung" in printed
    assert "Kämmerei | Vera Vertretung | 05.02.2025\nRechtsamt | Rita Recht | 05.02.2025\nDezernat II | Dieter Dezernent" in printed

    # Nothing more to do: a run again sends nothing.
    assert _run(store, configs, settings, later + dt.timedelta(hours=7))["sent"] == []


@pytest.mark.slow  # real servers, or many days of runs: in the full suite, not the fast lane
def test_a_danish_chain_of_two_by_real_smtp_and_imap(world, tmp_path):
    """The requests go out through an SMTP server on 127.0.0.1; the answers are read from Dovecot."""
    from meetprep.messages import ledger
    from tests.imapserver import Dovecot, dovecot
    from tests.servers import Mailbox

    if dovecot() is None:
        if os.environ.get("CI"):
            pytest.fail("Dovecot is missing in CI; scripts/test.sh installs dovecot-imapd")
        pytest.skip("Dovecot is not installed")
    store, configs, settings = world
    with Mailbox() as smtp, Dovecot() as imap:
        settings = replace(settings, signoff_mail=imap.url)
        transport = ledger.SmtpTransport(ledger.SmtpServer.from_url(smtp.url), lambda: T0)

        def run(now):
            return run_signoff(store, configs, settings, now, lambda config: transport, ["gentofte"], False)

        run(T0)
        (request,) = smtp.to("afdelingschef@gentofte.example")
        assert " ".join(request["Subject"].split()).startswith(
            "Anmodning om godkendelse: EMN-2025-05820 Ny model for dialog på integrationsområdet (Afdelingschef) [GK ")
        assert "Godkend venligst senest" in request.get_body(("plain",)).get_content()
        assert not smtp.to("direktoer@gentofte.example")  # after the afdelingschef

        imap.deliver(_answer(request, "Anne Afdelingschef <afdelingschef@gentofte.example>", "Ja tak"), "a")
        second = run(T0 + dt.timedelta(hours=1))
        assert [(a["step"], a["kind"], a["result"]) for a in second["answers"]] == [("Afdelingschef", "approve", "counted")]
        (director,) = smtp.to("direktoer@gentofte.example")
        imap.deliver(_answer(director, "direktoer@gentofte.example", "Godkendt."), "b")
        imap.deliver(_answer(director, "direktoer@gentofte.example", "Godkendt."), "c")  # sent twice: counted once
        third = run(T0 + dt.timedelta(hours=2))
        assert sorted(a["result"] for a in third["answers"]) == ["again", "counted"]  # the same Message-ID
        assert _state(store, configs, "gentofte", "EMN-2025-05820").state == "ready"
        assert run(T0 + dt.timedelta(hours=3))["answers"] == []  # every message read once

    day = dt.date(2025, 9, 22)
    result, _ = build.run(store, configs, build.AgendaRequest("gentofte", "ebi", day - dt.timedelta(days=20), day=day),
                          ROOT / "templates", tmp_path / "out", T0 + dt.timedelta(hours=4), pdf=False)
    assert "EMN-2025-05820" in {e["reference"] for e in result.entries}
    dagsorden = text(next(Path(d["path"]) for d in result.documents if d["kind"] == "dagsorden"
                          and d["variant"] == "members"))
    assert "Godkendt af: Afdelingschef: Anne Afdelingschef (" in dagsorden and "Direktør: Dorte Direktør (" in dagsorden


def _answer(request: EmailMessage, sender: str, body: str) -> bytes:
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = sender, request["Reply-To"], "SV: " + request["Subject"]
    reply["Message-ID"] = f"<{abs(hash((sender, body, request['Subject'])))}@client.example>"
    reply.set_content(f"{body}\n\nDen 3. feb. 2025 skrev Gentofte Kommune:\n> ...\n")
    return bytes(reply)


def test_a_late_paper_goes_on_only_with_an_exception(world, tmp_path):
    store, configs, settings = world
    import_files(store, configs, [_paper(tmp_path)], T0)
    _run(store, configs, settings, T0)
    after_deadline = dt.datetime(2025, 3, 12, 9, tzinfo=dt.timezone.utc)  # the papers deadline was 11 March
    for step, person in (("Kämmerei", "kaemmerei-vertretung"), ("Rechtsamt", "rechtsamt")):
        record_answer(store, configs, "herzogenrath", REFERENCE, step, "approve", person, None, after_deadline)
    _run(store, configs, settings, after_deadline)
    record_answer(store, configs, "herzogenrath", REFERENCE, "Dezernat II", "approve", None, None, after_deadline)
    _run(store, configs, settings, after_deadline)
    assert _state(store, configs, "herzogenrath", REFERENCE).state == "ready"

    result = _build(store, configs, tmp_path, after_deadline)
    assert REFERENCE not in {e["reference"] for e in result.entries}
    assert [p["message"] for p in result.problems if p["reference"] == REFERENCE] == [
        "Nicht auf der Tagesordnung: mitgezeichnet am 12.03.2025, nach dem Vorlagenschluss 11.03.2025. "
        "Eine Ausnahme braucht die Schriftführung oder den Vorsitz."]

    with pytest.raises(InputError, match="'mitglied-asi-1' may not let a late paper"):
        record_exception(store, configs, "herzogenrath", REFERENCE, "asi-2025-03-25", "mitglied-asi-1", "eilt",
                         after_deadline)
    record_exception(store, configs, "herzogenrath", REFERENCE, "asi-2025-03-25", "schriftfuehrung-asi",
                     "Die Förderfrist endet am 31. März.", after_deadline)
    result = _build(store, configs, tmp_path, after_deadline + dt.timedelta(hours=1))
    assert REFERENCE in {e["reference"] for e in result.entries}
    (problem,) = [p["message"] for p in result.problems if p["reference"] == REFERENCE]
    assert problem == ("Verspätet auf der Tagesordnung (mitgezeichnet am 12.03.2025, nach dem Vorlagenschluss "
                       "11.03.2025): Ausnahme von Schriftführung Amt 50 - Sozialamt am 12.03.2025, Grund: Die "
                       "Förderfrist endet am 31. März.")


@pytest.mark.slow  # real servers, or many days of runs: in the full suite, not the fast lane
def test_reminders_the_deputy_and_the_secretary_each_once_and_an_approver_away(world, tmp_path):
    store, configs, settings = world
    import_files(store, configs, [_paper(tmp_path)], T0)
    _run(store, configs, settings, T0)  # due 4 March (5 business days before the papers deadline)

    def kinds(address: str, reference: str = REFERENCE) -> list[str]:
        return sorted(m["X-Meetprep-Key"].split("/")[-2] for m in _to(settings, address, reference))

    for day, hour in ((28, 8), (3, 8), (3, 9)):  # one business day before: one reminder
        _run(store, configs, settings, dt.datetime(2025, 2 if day == 28 else 3, day, hour, tzinfo=dt.timezone.utc))
    assert kinds("rechtsamt@herzogenrath.example") == ["signoff-reminder", "signoff-request"]
    assert kinds("kaemmerei@herzogenrath.example") == ["signoff-reminder", "signoff-request"]
    reminder = next(m for m in _to(settings, "rechtsamt@herzogenrath.example") if "reminder" in m["X-Meetprep-Key"])
    assert " ".join(reminder["Subject"].split()).startswith(f"Erinnerung: Mitzeichnung {REFERENCE} (Rechtsamt) bis 04.03.2025 [MZ ")

    # Overdue: the Kämmerei's deputy is asked too, with the paper; the Rechtsamt has none.
    for hour in (8, 9):
        _run(store, configs, settings, dt.datetime(2025, 3, 5, hour, tzinfo=dt.timezone.utc))
    assert kinds("kaemmerei-v@herzogenrath.example") == ["signoff-deputy"]
    (deputy,) = _to(settings, "kaemmerei-v@herzogenrath.example")
    assert "Sie erhalten die Anfrage als Vertretung von Karl Kämmerer." in deputy.get_body(("plain",)).get_content()
    assert [p.get_filename() for p in deputy.iter_attachments()] == ["V-2025-050-1.docx"]
    assert not [m for m in _sent(settings) if "signoff-overdue" in m["X-Meetprep-Key"]]
    for day in (7, 7, 10):  # two business days after that, the secretary hears of each step, once
        _run(store, configs, settings, dt.datetime(2025, 3, day, 8, tzinfo=dt.timezone.utc))
    overdue = [m for m in _sent(settings) if "signoff-overdue" in m["X-Meetprep-Key"] and REFERENCE in m["X-Meetprep-Key"]]
    assert sorted(m["To"].addresses[0].addr_spec for m in overdue) == ["amt50@example.org", "amt50@example.org"]
    assert {" ".join(m["Subject"].split()) for m in overdue} == {
        f"Mitzeichnung überfällig: {REFERENCE} (Kämmerei)", f"Mitzeichnung überfällig: {REFERENCE} (Rechtsamt)"}
    assert "meetprep items exception --body herzogenrath" in overdue[0].get_body(("plain",)).get_content()

    # Karl Kämmerer is away from 3 to 7 March: a paper handed in on 4 March is asked of his deputy.
    other = PAPER.replace(REFERENCE, "V/2025/051")
    import_files(store, configs, [_paper(tmp_path, other)], dt.datetime(2025, 3, 4, 8, tzinfo=dt.timezone.utc))
    _run(store, configs, settings, dt.datetime(2025, 3, 4, 9, tzinfo=dt.timezone.utc))
    assert kinds("kaemmerei@herzogenrath.example", "V/2025/051") == []
    assert kinds("kaemmerei-v@herzogenrath.example", "V/2025/051") == ["signoff-request"]


def _take(url: str, config_dir: str, home: str, now: str) -> dict:
    """One run of the sign-off round in its own process (tests.overlap)."""
    settings = Settings(home=Path(home), database_url=url, config_dir=Path(config_dir),
                        templates_dir=ROOT / "templates", output_dir=Path(home) / "out")
    configs = load_configs(Path(config_dir))
    with Store(url) as store:
        return _run(store, configs, settings, dt.datetime.fromisoformat(now))


@pytest.mark.slow  # starts processes: in the full suite, not the fast lane
def test_overlapping_runs_send_each_request_once_and_count_each_answer_once(world, tmp_path):
    from tests.overlap import overlapping

    store, configs, settings = world
    import_files(store, configs, [_paper(tmp_path)], T0)
    args = (settings.database_url, str(settings.config_dir), str(settings.home), T0.isoformat())
    overlapping(3, _take, *args)
    requests = [m["X-Meetprep-Key"] for m in _sent(settings) if "signoff-request" in m["X-Meetprep-Key"]]
    assert len(requests) == len(set(requests)) and f"herzogenrath/signoff/{REFERENCE}/r1/Kämmerei/signoff-request/kaemmerei-leitung" in requests
    (kaemmerei,) = _to(settings, "kaemmerei@herzogenrath.example")
    _reply(settings, kaemmerei, "kaemmerei@herzogenrath.example", "Ja", "<one@client.example>")
    _reply(settings, kaemmerei, "kaemmerei@herzogenrath.example", "Nein, doch nicht: zu teuer", "<two@client.example>")
    later = (T0 + dt.timedelta(hours=1)).isoformat()
    results = overlapping(3, _take, *args[:3], later)
    answers = [a for r in results for a in r["answers"] if a["result"] != "again"]  # read by two runs: once
    assert sorted((a["kind"], a["result"]) for a in answers) in (
        [("approve", "counted"), ("decline", "late")], [("approve", "late"), ("decline", "counted")])
    with store.session() as session:
        paper = paper_by_reference(session, "herzogenrath", REFERENCE)
        rows = [r for r in requests_of(session, paper.id) if r.step == "Kämmerei"]
    assert len(rows) == 1 and rows[0].state in ("approved", "declined")


def test_a_step_that_keeps_its_signature_and_signatures_kept_out_of_public_documents(tmp_path):
    chain = {**GERMAN_CHAIN, "public_signatures": False, "chains": [{
        "types": ["Beschlussvorlage"], "steps": [{**GERMAN_CHAIN["chains"][0]["steps"][0]},
                                                 {**GERMAN_CHAIN["chains"][0]["steps"][1], "again": False}]}]}
    config_dir = _configs(tmp_path, chain)
    configs = load_configs(config_dir)
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
                        config_dir=config_dir, templates_dir=ROOT / "templates", output_dir=tmp_path / "out")
    with Store(settings.database_url) as store:
        import_files(store, configs, [EXAMPLES], T0 - dt.timedelta(days=30))
        import_files(store, configs, [_paper(tmp_path)], T0)
        _run(store, configs, settings, T0)
        for step in ("Kämmerei", "Rechtsamt"):
            record_answer(store, configs, "herzogenrath", REFERENCE, step, "approve", None, None, T0)
        _run(store, configs, settings, T0)
        assert _state(store, configs, "herzogenrath", REFERENCE).state == "ready"
        # A new revision: the Kämmerei is asked again, the Rechtsamt keeps its signature.
        later = T0 + dt.timedelta(days=1)
        import_files(store, configs, [_paper(tmp_path, PAPER.replace("Erwachsene.", "Erwachsene und Jugendliche."))], later)
        again = _run(store, configs, settings, later)
        assert [c["step"] for c in again["changes"] if c["change"] == "requested"] == ["Kämmerei"]
        steps = {s["step"]: s for s in _state(store, configs, "herzogenrath", REFERENCE).steps}
        assert steps["Rechtsamt"]["state"] == "approved" and steps["Rechtsamt"]["carried"]
        record_answer(store, configs, "herzogenrath", REFERENCE, "Kämmerei", "approve", None, None, later)
        _run(store, configs, settings, later)
        result = _build(store, configs, tmp_path, later)
    documents = {d["variant"]: Path(d["path"]) for d in result.documents
                 if d["kind"] == "vorlage" and REFERENCE.replace("/", "-") in d["path"] and d["path"].endswith(".docx")}
    assert "Rechtsamt | Rita Recht | 03.02.2025" in text(documents["members"])  # signed for revision 1, kept
    assert "Mitzeichnung" not in text(documents["public"]) and "Rita Recht" not in text(documents["public"])


def test_the_clerk_at_the_command_line(tmp_path, monkeypatch):
    """items list shows the state, items signoff records an answer and asks the next step,
    meetings timeline lists the committee's papers in sign-off."""
    import json

    from typer.testing import CliRunner

    from meetprep.cli import app

    monkeypatch.setenv("MEETPREP_CONFIG_DIR", str(_configs(tmp_path)))
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return result

    assert run("items", "import", str(EXAMPLES)).exit_code == 0
    listed = json.loads(run("items", "list", "--body", "herzogenrath", "--state", "signoff", "--json").stdout)
    assert [(r["reference"], r["state"]) for r in listed] == [("V/2019/367-E04", "signoff")]
    assert {s["step"] for s in listed[0]["signoff"]} == {"Rechtsamt", "Dezernat II"}  # no money: no Kämmerei

    result = run("items", "signoff", "--body", "herzogenrath", "--reference", "V/2019/367-E04", "--step", "Rechtsamt",
                 "--approve", "--no-pdf", "--json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert (done["step"], done["kind"], done["person"], done["result"]) == ("Rechtsamt", "approve", "rechtsamt", "counted")
    assert [m["recipient"] for m in done["next"]["sent"] if m["kind"] == "signoff-request"] == [
        "rechtsamt@herzogenrath.example", "dezernat2@herzogenrath.example"]  # asked first, then the next step
    timeline = json.loads(run("meetings", "timeline", "--body", "herzogenrath", "--committee", "asi",
                              "--as-of", "2025-02-03", "--json").stdout)
    assert [(r["reference"], [(s["step"], s["state"]) for s in r["signoff"]]) for r in timeline[0]["signoff"]] == [
        ("V/2019/367-E04", [("Rechtsamt", "approved"), ("Dezernat II", "requested")])]

    wrong = run("items", "signoff", "--body", "herzogenrath", "--reference", "V/2019/367-E04", "--step", "Kasse",
                "--approve", "--no-pdf")
    assert wrong.exit_code != 0 and "no step 'Kasse'" in wrong.output and "Rechtsamt, Dezernat II" in wrong.output
    both = run("items", "signoff", "--body", "herzogenrath", "--reference", "V/2019/367-E04", "--step", "Dezernat II",
               "--approve", "--decline", "nein")
    assert both.exit_code == 2


def test_which_steps_a_paper_needs_and_a_chain_that_cannot_work_is_refused(tmp_path):
    from meetprep.model import BodyConfig
    from meetprep.signoff.chains import steps_for

    config = BodyConfig.model_validate({
        "body": {"key": "x", "name": "X", "locale": "de", "timezone": "Europe/Berlin", "holidays": "DE-NW"},
        "persons": [{"key": k, "name": k} for k in ("a", "b", "c", "d")],
        "signoff": [{"types": ["*"], "steps": [
            {"name": "Kämmerei", "person": "a", "when": "finance"},
            {"name": "Amt 50", "group": ["b", "c"], "when": "unit:Amt 50 - Sozialamt"},
            {"name": "Dezernat", "person": "d", "after": ["Kämmerei", "Amt 50"]}]}]})
    names = lambda paper: [s.name for s in steps_for(config, paper)]  # noqa: E731
    assert names({"type": "Antrag"}) == ["Dezernat"]
    money = {"questions": [{"text": "?", "options": ["yes", "no"], "answer": "yes"}], "tables": []}
    assert names({"type": "Antrag", "financial": money}) == ["Kämmerei", "Dezernat"]
    amounts = {"questions": [], "tables": [{"rows": [{"label": "Aufwendungen", "values": [None, 1200.0]}]}]}
    assert names({"type": "Antrag", "financial": amounts, "originator": {"unit": "Amt 50 - Sozialamt"}}) == [
        "Kämmerei", "Amt 50", "Dezernat"]
    no_money = {"questions": [{"text": "?", "options": ["yes", "no"], "answer": "no"}], "tables": [], "text": "keine"}
    assert names({"type": "Antrag", "financial": no_money}) == ["Dezernat"]

    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    path = folder / "wedel.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["signoff"] = [{"types": ["Beschlussvorlage"], "steps": [{"name": "Kämmerei", "person": "kaemmerer"}]}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(InputError) as refused:
        load_configs(folder)
    assert "wedel.yaml:" in str(refused.value) and "unknown person 'kaemmerer'" in str(refused.value)
    assert "field 'signoff.chains[0].steps[0].person'" in str(refused.value)


@pytest.mark.parametrize("locale, reply, expected", [
    ("de", "Ja\n\nMit freundlichen Grüßen\nRita Recht", ("approve", None)),
    ("de", "Nicht einverstanden: die Rechtsgrundlage fehlt.", ("decline", "die Rechtsgrundlage fehlt.")),
    ("de", "Bitte Seite 2 noch einmal lesen.\n\nAm 3. Februar schrieb Stadt Herzogenrath:\n> Ja", ("comment", "Bitte Seite 2 noch einmal lesen.")),
    ("da", "Godkendt.\n-- \nAnne", ("approve", None)),
    ("da", "Nej\nBudgettet passer ikke.", ("decline", "Budgettet passer ikke.")),
])
def test_an_approvers_reply_is_read_as_they_write_it(locale, reply, expected):
    from meetprep.i18n import catalogue
    from meetprep.signoff.replies import read_answer

    message = EmailMessage()
    message["From"], message["Subject"] = "someone@example.org", "AW: Bitte um Mitzeichnung: V/1 (Rechtsamt) [MZ 0123456789ab]"
    message.set_content(reply)
    answer = read_answer(bytes(message), catalogue(locale))
    assert (answer.kind, answer.text) == expected and answer.token == "0123456789ab"


def test_a_decline_without_reason_and_a_reply_without_token_are_not_taken():
    from meetprep.i18n import catalogue
    from meetprep.signoff.replies import Unreadable, read_answer

    for subject, body, why in (("AW: Mitzeichnung [MZ 0123456789ab]", "Nein", "needs its reason"),
                               ("AW: Mitzeichnung", "Ja", "no sign-off request is named")):
        message = EmailMessage()
        message["From"], message["Subject"] = "someone@example.org", subject
        message.set_content(body)
        with pytest.raises(Unreadable, match=why):
            read_answer(bytes(message), catalogue("de"))
