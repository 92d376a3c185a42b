"""The public portal and OParl 1.1 (issue 15), with papers written for these tests: a public
Vorlage with a public and a closed attachment, a closed Vorlage, a Danish sag, a title that
looks like markup. Every OParl object is validated against the Draft-7 schemas kept in
meetprep/publish/schema, and a crawler follows every link from the System object."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from meetprep.agenda import build

from meetprep.minutes import record as minutes
from meetprep.config import Settings, load_configs
from meetprep.importing.pipeline import import_files
from meetprep.model import MinutesFile
from meetprep.publish import publish
from meetprep.store import Store
from tests.conftest import ROOT, write_yaml
from tests.pdfgen import write_pdf

CLOCK = dt.datetime(2024, 1, 10, tzinfo=dt.timezone.utc)
SECRET_TITLE = "Grundstücksverkauf Geheimweg 7"
SECRET_FILE = "Wertgutachten Geheimweg"
SECRET_TEXT = "Kaufpreisvorstellung des Erwerbers"
SCHEMAS = ROOT / "meetprep" / "publish" / "schema"


def portal_settings(tmp_path: Path, base: str) -> Settings:
    """The shipped config and templates, data under tmp_path, published below `base`."""
    return Settings.from_env({"MEETPREP_HOME": str(tmp_path / "home"), "MEETPREP_PUBLIC_URL": base,
                              "MEETPREP_CONFIG_DIR": str(ROOT / "config"), "MEETPREP_TEMPLATES_DIR": str(ROOT / "templates")})


@pytest.fixture
def world(tmp_path):
    configs = load_configs(ROOT / "config")
    from tests.servers import free_port

    settings = portal_settings(tmp_path, f"http://127.0.0.1:{free_port()}/")
    store = Store(settings.database_url)
    yield store, configs, settings, tmp_path
    store.close()


def wedel_papers(folder: Path, closed_access: str = "nichtöffentlich", public_access: str = "öffentlich") -> Path:
    write_yaml(folder / "meetings.yaml", {"body": "wedel", "meetings": [
        {"committee": "sozialausschuss", "start": "2024-02-06T19:00:00+01:00",
         "location": {"room": "Ratssaal", "address": "Rathausplatz 3-5, 22880 Wedel"}},
        {"committee": "rat", "start": "2024-02-29T18:00:00+01:00"}]})
    write_pdf(folder / "files" / "lageplan.pdf", "Lageplan Spielplatz Rosengarten")
    write_pdf(folder / "files" / "gutachten.pdf", SECRET_FILE)
    write_yaml(folder / "papers" / "bv-2024-011.yaml", {
        "body": "wedel", "reference": "BV/2024/011", "title": "Neuer Spielplatz <Rosengarten> & Co", "type": "Beschlussvorlage",
        "access": public_access, "date": "2024-01-08",
        "sections": [{"heading": "Sachverhalt", "text": "Der Spielplatz am Rosengarten wird barrierefrei umgebaut.\n\n"
                                                        "- Rampe\n- Sandkasten auf Tischhöhe"}],
        "proposal": {"points": ["Der Ausschuss empfiehlt dem Rat den Umbau."]},
        "attachments": [{"title": "Lageplan", "number": "1", "path": "../files/lageplan.pdf", "access": "öffentlich"},
                        {"title": SECRET_FILE, "number": "2", "path": "../files/gutachten.pdf", "access": "nichtöffentlich"}],
        "consultations": [{"committee": "sozialausschuss", "role": "Vorberatung"},
                          {"committee": "rat", "role": "Entscheidung"}]})
    write_yaml(folder / "papers" / "bv-2024-012.yaml", {
        "body": "wedel", "reference": "BV/2024/012", "title": SECRET_TITLE, "type": "Beschlussvorlage",
        "access": closed_access, "sections": [{"heading": "Sachverhalt", "text": SECRET_TEXT}],
        "consultations": [{"committee": "sozialausschuss", "role": "Vorberatung"}]})
    return folder


def build_meeting(store, configs, settings, committee: str, day: dt.date, now: dt.datetime = CLOCK):
    from meetprep.publish import after

    request = build.AgendaRequest("wedel", committee, day - dt.timedelta(days=10), day=day)
    result, _ = build.run(store, configs, request, settings.templates_dir, settings.output_dir, now, pdf=False)
    if result.action == "created":
        assert after(store, configs, settings, now, "wedel", {result.meeting}) == []
    return result


def all_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def crawl(root: Path, base: str) -> dict[str, dict]:
    """Every OParl object reachable from the System, read from the static files: {id: object}.
    Fails on a link that does not resolve."""
    def load(link: str) -> dict:
        assert link.startswith(base), link
        path = root / link[len(base):]
        assert path.is_file(), f"dangling link {link}"
        return json.loads(path.read_text(encoding="utf-8"))

    seen: dict[str, dict] = {}
    todo = [base + "oparl/v1/system.json"]
    fetched: set[str] = set()

    def visit(value, parent_key=None):
        if isinstance(value, dict):
            if "id" in value and "type" in value:
                seen[value["id"]] = value
            for key, child in value.items():
                if key in ("id", "web", "accessUrl", "downloadUrl", "oparlVersion", "type", "product"):
                    continue
                visit(child, key)
        elif isinstance(value, list):
            for child in value:
                visit(child, parent_key)
        elif isinstance(value, str) and value.startswith(base + "oparl/"):
            todo.append(value)

    while todo:
        link = todo.pop()
        if link in fetched:
            continue
        fetched.add(link)
        document = load(link)
        if "data" in document:  # a list page
            for item in document["data"]:
                visit(item)
            if "next" in document["links"]:
                todo.append(document["links"]["next"])
        else:
            assert document["id"] == link
            visit(document)
    return seen


def validator_for():
    from jsonschema import Draft7Validator, FormatChecker
    from referencing import Registry, Resource

    schemas = {p.stem: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return {name: Draft7Validator(schema, registry=registry, format_checker=FormatChecker())
            for name, schema in schemas.items()}


def assert_valid(objects: dict[str, dict]) -> None:
    validators = validator_for()
    assert len(validators) == 12
    for obj in objects.values():
        kind = obj["type"].rsplit("/", 1)[-1]
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validators[kind].iter_errors(obj)]
        assert errors == [], (obj["id"], errors)


def test_the_portal_and_oparl_publish_the_public_and_nothing_closed(world):
    store, configs, settings, tmp = world
    import_files(store, configs, [wedel_papers(tmp / "wedel")], CLOCK)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    minutes.record(store, configs, MinutesFile.model_validate({
        "kind": "minutes", "body": "wedel", "meeting": "sozialausschuss-2024-02-06",
        "items": [{"reference": "BV/2024/011", "result": "empfohlen", "text": "Einstimmig empfohlen."},
                  {"reference": "BV/2024/012", "result": "beschlossen", "text": "Verkauf an Erwerber X"}]}),
        "minutes.yaml", CLOCK)
    publish(store, configs, settings, CLOCK, body="wedel")
    root = settings.output_dir / "public"
    portal = root / "wedel"

    # closed: the title, the text, the closed attachment and the closed decision are nowhere
    for path, data in all_bytes(root).items():
        for secret in (SECRET_TITLE, SECRET_FILE, SECRET_TEXT, "Verkauf an Erwerber X", "BV/2024/012"):
            assert secret.encode() not in data, (path, secret)

    meeting = (portal / "meeting" / "sozialausschuss-2024-02-06.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in meeting
    assert "Nichtöffentlicher Tagesordnungspunkt" in meeting or "nichtöffentlich" in meeting.lower()
    assert "Neuer Spielplatz &lt;Rosengarten&gt; &amp; Co" in meeting  # escaped, never markup
    assert "<Rosengarten>" not in meeting
    assert "Einstimmig empfohlen." in meeting and "Ratssaal, Rathausplatz 3-5, 22880 Wedel" in meeting
    pages = sorted(p.name for p in (portal / "paper").glob("*.html"))
    assert len(pages) == 1 and pages[0].startswith("BV-2024-011-")
    paper = (portal / "paper" / pages[0]).read_text(encoding="utf-8")
    assert "Beratungsfolge" in paper and "Sozialausschuss" in paper and "Rat der Stadt Wedel" in paper
    assert "<li>Rampe</li><li>Sandkasten auf Tischhöhe</li>" in paper
    assert "Lageplan" in paper
    lageplan = next((portal / "files" / "paper").rglob("lageplan.pdf"))
    assert lageplan.read_bytes() == (tmp / "wedel" / "files" / "lageplan.pdf").read_bytes()
    assert not list((portal / "files").rglob("gutachten.pdf"))

    search = [e for shard in json.loads((portal / "search" / "index.json").read_text())["shards"]
              for e in json.loads((portal / "search" / shard).read_text())]
    assert any("barrierefrei" in e["text"] for e in search)

    objects = crawl(root, settings.public_url)
    assert_valid(objects)
    kinds = {o["type"].rsplit("/", 1)[-1] for o in objects.values()}
    assert {"System", "Body", "Organization", "Person", "Membership", "Meeting", "AgendaItem", "Paper",
            "Consultation", "File", "Location"} <= kinds
    papers = [o for o in objects.values() if o["type"].endswith("/Paper")]
    assert [p["reference"] for p in papers] == ["BV/2024/011"]
    assert all(not o.get("deleted") for o in objects.values())
    items = [o for o in objects.values() if o["type"].endswith("/AgendaItem")]
    assert all(i["public"] for i in items)
    assert any(i.get("resolutionText") == "Einstimmig empfohlen." for i in items)
    persons = [o for o in objects.values() if o["type"].endswith("/Person")]
    assert persons and all("email" not in p for p in persons)
    assert not any("ratsbuero" in o["id"] for o in persons)  # staff are not published


def test_ids_stay_modified_moves_only_on_change_and_a_paper_made_closed_is_deleted(world):
    from meetprep.publish.server import portal_server, start

    store, configs, settings, tmp = world
    papers = wedel_papers(tmp / "wedel")
    import_files(store, configs, [papers], CLOCK)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    root = settings.output_dir / "public"
    first = publish(store, configs, settings, CLOCK, body="wedel")[0]
    assert first.objects_changed > 0
    before = crawl(root, settings.public_url)

    later = CLOCK + dt.timedelta(days=1)
    again = publish(store, configs, settings, later, body="wedel")[0]
    assert again.objects_changed == 0
    assert crawl(root, settings.public_url) == before

    # the public paper becomes closed: a new import, a rebuild, the scoped publish of the build
    between = dt.datetime.now(dt.timezone.utc)  # the ledger dates by the clock on the wall
    wedel_papers(tmp / "wedel", public_access="nichtöffentlich")
    import_files(store, configs, [papers], later)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6), later)
    portal = root / "wedel"
    assert not list((portal / "paper").glob("*.html"))
    assert not list((portal / "files").rglob("lageplan.pdf"))
    for path, data in all_bytes(portal).items():
        assert b"Rosengarten" not in data, path

    paper_id = next(i for i, o in before.items() if o["type"].endswith("/Paper"))
    deleted = json.loads((root / paper_id[len(settings.public_url):]).read_text())
    assert deleted["deleted"] is True and set(deleted) == {"id", "type", "created", "modified", "deleted"}
    assert deleted["created"] == before[paper_id]["created"]
    assert_valid({deleted["id"]: deleted})
    after = crawl(root, settings.public_url)
    assert paper_id not in after  # a plain list shows no deleted object (OParl 1.1, 2.5)
    unchanged = [i for i, o in before.items() if o["type"].endswith("/Organization")]
    assert all(after[i]["modified"] == before[i]["modified"] for i in unchanged)

    # served: a client that keeps a copy asks what changed since the first publish
    server = portal_server(store, root, settings.public_url, port=int(settings.public_url.rstrip("/").rsplit(":", 1)[1]))
    start(server)
    try:
        since = urllib.parse.quote(between.isoformat())
        with urllib.request.urlopen(f"{settings.public_url}oparl/v1/wedel/papers.json?modified_since={since}",
                                    timeout=10) as response:
            assert response.headers["Content-Type"] == "application/json"
            listing = json.load(response)
        assert [o["id"] for o in listing["data"]] == [paper_id]
        assert listing["data"][0]["deleted"] is True and listing["pagination"]["totalElements"] == 1
        for other in ("created_since", "modified_until"):  # only modified_since shows what was deleted
            with urllib.request.urlopen(f"{settings.public_url}oparl/v1/wedel/papers.json?{other}="
                                        f"{urllib.parse.quote(CLOCK.isoformat() if other == 'created_since' else dt.datetime.now(dt.timezone.utc).isoformat())}",
                                        timeout=10) as response:
                assert paper_id not in [o["id"] for o in json.load(response)["data"]], other
        with urllib.request.urlopen(f"{settings.public_url}oparl/v1/wedel/meetings.json?limit=1&modified_since="
                                    f"{CLOCK.isoformat()}", timeout=10) as response:
            page = json.load(response)
        assert len(page["data"]) == 1 and "page=2" in page["links"]["next"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{settings.public_url}oparl/v1/wedel/papers.json?modified_since=yesterday", timeout=10)
        assert refused.value.code == 400
        with urllib.request.urlopen(f"{settings.public_url}wedel/index.html", timeout=10) as response:
            assert "Sitzungskalender" in response.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_two_runs_publishing_at_once_leave_one_ledger_and_a_whole_site(world):
    store, configs, settings, tmp = world
    import_files(store, configs, [wedel_papers(tmp / "wedel")], CLOCK)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run(meetings):
        try:
            with Store(settings.database_url) as own:
                barrier.wait()
                publish(own, configs, settings, CLOCK, body="wedel", meetings=meetings)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(m,)) for m in (None, {"sozialausschuss-2024-02-06"}, None)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    from sqlalchemy import func, select

    from meetprep.store import PublishedObjectRow

    with store.session() as session:
        paths = session.execute(select(PublishedObjectRow.path, func.count()).group_by(PublishedObjectRow.path)).all()
    assert paths and all(count == 1 for _, count in paths)
    objects = crawl(settings.output_dir / "public", settings.public_url)
    assert_valid(objects)
    assert not list((settings.output_dir / "public").rglob("*.part"))


def test_a_danish_portal_speaks_danish(world):
    store, configs, settings, tmp = world
    folder = tmp / "gentofte"
    write_yaml(folder / "meetings.yaml", {"body": "gentofte", "meetings": [
        {"committee": "ebi", "start": "2026-02-02T16:30:00+01:00", "location": {"room": "Mødelokale 3"}}]})
    write_yaml(folder / "papers" / "emn-2026-00077.yaml", {
        "body": "gentofte", "reference": "EMN-2026-00077", "title": "Nye åbningstider på biblioteket", "type": "indstilling",
        "access": "åben", "sections": [{"heading": "Sagsfremstilling", "text": "Biblioteket holder åbent til kl. 21."}],
        "consultations": [{"committee": "ebi", "role": "indstilling"}, {"committee": "oeu", "role": "anbefaling"},
                          {"committee": "kb", "role": "beslutning"}]})
    import_files(store, configs, [folder], CLOCK)
    request = build.AgendaRequest("gentofte", "ebi", dt.date(2026, 1, 20), day=dt.date(2026, 2, 2))
    result, _ = build.run(store, configs, request, settings.templates_dir, settings.output_dir, CLOCK, pdf=False)
    publish(store, configs, settings, CLOCK, body="gentofte")
    portal = settings.output_dir / "public" / "gentofte"
    meeting = (portal / "meeting" / f"{result.meeting}.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in meeting and "Dagsorden" in meeting and "Mandag d. 2. februar 2026 kl. 16:30" in meeting
    paper = (portal / "paper" / "EMN-2026-00077.html").read_text(encoding="utf-8")
    assert "Sagsgang" in paper and "Økonomiudvalget" in paper and "Kommunalbestyrelsen" in paper
    assert "Beslutning foreligger ikke endnu." in paper
    calendar = (portal / "calendar" / "2026.html").read_text(encoding="utf-8")
    assert "Februar 2026" in calendar
    objects = crawl(settings.output_dir / "public", settings.public_url)
    assert_valid(objects)
    meeting_object = next(o for o in objects.values() if o["type"].endswith("/Meeting"))
    assert meeting_object["start"] == "2026-02-02T16:30:00+01:00"
    assert meeting_object["location"]["room"] == "Mødelokale 3"


def test_static_list_pages_spliced_from_object_files_equal_the_ledger_over_many_pages(world, monkeypatch):
    """With one object per page, two builds each open new pages of every list: every static
    page (written by scoped publishes only) equals the page rendered from the ledger, its
    `next` links included, and an object file deleted by hand makes the page render anew. Then
    a paper made closed leaves the lists: the pages after it move up, the last ones go."""
    from meetprep.publish import oparl
    from meetprep.publish.oparl import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 1)
    store, configs, settings, tmp = world
    import_files(store, configs, [wedel_papers(tmp / "wedel")], CLOCK)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    build_meeting(store, configs, settings, "rat", dt.date(2024, 2, 29))
    root, base = settings.output_dir / "public", settings.public_url

    def expected(session, kind: str, page: int) -> dict:
        return json.loads(oparl.absolute(oparl.list_page(session, "wedel", kind, page, totals=False), base))

    def same_as_the_ledger(session) -> dict[str, set[int]]:
        pages = oparl.pages_to_write(session, "wedel", None)
        for kind, numbers in pages.items():
            for page in numbers:
                static = json.loads((root / oparl.static_page_path("wedel", kind, page)).read_text(encoding="utf-8"))
                assert static == expected(session, kind, page), (kind, page)
                assert ("next" in static["links"]) == (page < max(numbers))
                assert all(not o.get("deleted") for o in static["data"])
            assert not (root / oparl.static_page_path("wedel", kind, max(numbers) + 1)).exists(), kind
        return pages

    with store.session() as session:
        pages = same_as_the_ledger(session)
        assert sum(len(p) for p in pages.values()) > 10 and max(len(p) for p in pages.values()) >= 3
        assert_valid(crawl(root, base))  # every list, an empty one too, is there after builds alone
        meeting = next(o for o in expected(session, "Meeting", 1)["data"])
        (root / meeting["id"][len(base):]).unlink()
        spliced = oparl.static_list_page(session, root, "wedel", "Meeting", 1, base)
        assert json.loads(spliced) == expected(session, "Meeting", 1)
    later = CLOCK + dt.timedelta(days=1)
    wedel_papers(tmp / "wedel", public_access="nichtöffentlich")
    import_files(store, configs, [tmp / "wedel"], later)
    build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6), later)
    build_meeting(store, configs, settings, "rat", dt.date(2024, 2, 29), later)
    with store.session() as session:
        shorter = same_as_the_ledger(session)
    assert sum(map(len, shorter.values())) < sum(map(len, pages.values()))  # the lists got shorter


def test_search_shards_are_grouped_by_committee_and_year_and_follow_a_moved_meeting(world):
    from meetprep.meetings import changes as meetings
    from meetprep.publish import after

    store, configs, settings, tmp = world
    import_files(store, configs, [wedel_papers(tmp / "wedel")], CLOCK)
    result = build_meeting(store, configs, settings, "sozialausschuss", dt.date(2024, 2, 6))
    search = settings.output_dir / "public" / "wedel" / "search"

    def hits(shard: str) -> list[str]:
        return [e["title"] for e in json.loads((search / shard).read_text(encoding="utf-8"))]

    assert json.loads((search / "index.json").read_text())["shards"] == ["sozialausschuss-2024.json"]
    assert "Neuer Spielplatz <Rosengarten> & Co" in hits("sozialausschuss-2024.json")
    assert SECRET_TITLE not in json.dumps([hits(s) for s in ["sozialausschuss-2024.json"]])
    shard = next((search / "meetings" / "sozialausschuss-2024").glob("*.json"))

    # a shard from before the grouping lies flat in search/meetings: it is moved into its group
    flat = search / "meetings" / shard.name
    shard.rename(flat)
    (search / "sozialausschuss-2024.json").unlink()
    build_meeting(store, configs, settings, "rat", dt.date(2024, 2, 29))
    assert not flat.exists() and shard.exists()
    assert "Neuer Spielplatz <Rosengarten> & Co" in hits("sozialausschuss-2024.json")

    # moved into the next year: its entries leave the 2024 group and join 2025's
    meetings.move(store, configs, "wedel", result.meeting, CLOCK, start="2025-01-14 19:00")
    assert after(store, configs, settings, CLOCK, "wedel", {result.meeting}) == []
    shards = json.loads((search / "index.json").read_text())["shards"]
    assert "sozialausschuss-2025.json" in shards and "sozialausschuss-2024.json" not in shards
    assert not (search / "sozialausschuss-2024.json").exists()
    assert "Neuer Spielplatz <Rosengarten> & Co" in hits("sozialausschuss-2025.json")
    assert list((search / "meetings").rglob(shard.name)) == [search / "meetings" / "sozialausschuss-2025" / shard.name]


def test_coming_meetings_and_a_year_calendar_cross_new_year(world):
    """The portal's "coming meetings" look past New Year; a year's calendar holds the meetings
    of its local year only, a meeting at 00:30 on 1 January (23:30 UTC) included."""
    from meetprep.i18n import catalogue
    from meetprep.publish.site import meeting_rows, upcoming

    store, configs, settings, tmp = world
    folder = wedel_papers(tmp / "wedel")
    write_yaml(folder / "meetings.yaml", {"body": "wedel", "meetings": [
        {"committee": "sozialausschuss", "start": "2024-02-06T19:00:00+01:00"},
        {"committee": "rat", "start": "2024-01-01T00:30:00+01:00"},
        {"committee": "rat", "start": "2023-12-31T18:00:00+01:00"}]})
    import_files(store, configs, [folder], CLOCK)
    words = catalogue("de")
    with store.session() as session:
        coming = upcoming(session, "wedel", words, dt.datetime(2023, 12, 20, tzinfo=dt.timezone.utc))
        assert [r["start"].date().isoformat() for r in coming] == ["2023-12-31", "2023-12-31", "2024-02-06"]
        rows = meeting_rows(session, "wedel", words, {2024})
    zone = dt.timezone(dt.timedelta(hours=1))
    local_2024 = [r["start"].astimezone(zone).date().isoformat() for r in rows if r["start"].astimezone(zone).year == 2024]
    assert local_2024 == ["2024-01-01", "2024-02-06"]
