"""What templates receive has named shapes; a template that names a field that does not exist
fails with the template, the field and the nearest valid names."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from meetprep.agenda import build, contexts, documents, rendering
from meetprep.agenda.shapes import CONTEXTS, element, fields
from meetprep.agenda.template_check import check_template
from meetprep.errors import TemplateProblem
from tests.conftest import ROOT, SEED_MEETINGS

MEETPREP = [sys.executable, "-m", "meetprep.runtime.launch"]


def _matches(value: Any, shape: type, where: str) -> list[str]:
    """Differences between a built context and its declared shape, field by field, all the way down."""
    if not isinstance(value, dict):
        return [f"{where}: expected a mapping for {shape.__name__}, got {type(value).__name__}"]
    declared = fields(shape)
    wrong = []
    if set(value) != set(declared):
        wrong.append(f"{where}: extra {sorted(set(value) - set(declared))}, missing {sorted(set(declared) - set(value))}")
    for name, kind in declared.items():
        inner = element(kind)
        if inner in (None, dict) or value.get(name) is None:
            continue
        for index, entry in enumerate(value[name] if isinstance(value[name], list) else [value[name]]):
            wrong += _matches(entry, inner, f"{where}.{name}[{index}]")
    return wrong


def test_every_context_built_from_the_seeds_has_exactly_the_fields_of_its_shape(seed_builds, configs):
    store, _ = seed_builds
    checked = set()
    for body, committee, day in SEED_MEETINGS:
        draft = build.prepare(store, configs, build.AgendaRequest(body, committee, day - dt.timedelta(days=8), day=day))
        for plan in documents.planned_documents(draft):
            if plan["reference"] is None:
                context = contexts.agenda_context(draft, plan["variant"], plan["kind"])
                extra = {"decisions": {}, "texts": {}, "started": "16:30", "ended": "18:00",
                         "signatures": [{"role": "Vorsitz", "name": "N. N."}]}
                minutes = contexts.minutes_context(draft, extra, plan["variant"], plan["kind"])
                assert _matches(minutes, CONTEXTS["referat"], "minutes") == []
            else:
                context = contexts.paper_context(draft, plan["reference"], plan["kind"], plan["variant"])
            assert _matches(context, CONTEXTS[plan["kind"]], f"{body} {plan['kind']}") == []
            checked.add(plan["kind"])
    assert checked == {"dagsorden", "indstilling", "tagesordnung", "vorlage"}


def test_the_field_reference_in_docs_is_the_one_the_shapes_write():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from template_fields import DOC, with_fields
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = DOC.read_text(encoding="utf-8")
    assert with_fields(text) == text, "run: python scripts/template_fields.py --write"


def _misspelt(tmp_path: Path, kind: str, locale: str, right: str, wrong: str) -> Path:
    """A copy of a shipped template with one field misspelt in its XML, as a clerk's edit in Word
    would leave it."""
    source = ROOT / "templates" / locale / f"{kind}.docx"
    target = tmp_path / locale / f"{kind}.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "word/document.xml":
                assert right.encode() in data, f"{right} is not in {source}"
                data = data.replace(right.encode(), wrong.encode(), 1)
            new.writestr(info, data)
    return target


@pytest.mark.parametrize("locale, kind", [(loc, path.stem) for loc in ("da", "de")
                                         for path in sorted((ROOT / "templates" / loc).glob("*.docx"))])
def test_the_shipped_templates_use_only_fields_that_exist(locale, kind):
    assert check_template(ROOT / "templates" / locale / f"{kind}.docx") == []


def test_a_misspelt_field_in_a_branch_no_paper_reaches_is_named_with_the_nearest_fields(tmp_path):
    # `paper.financial` is empty for most papers: StrictUndefined alone would let this pass
    # every build until the first paper with finances.
    template = _misspelt(tmp_path, "vorlage", "de", "paper.financial", "paper.finacial")
    problems = check_template(template)
    assert [(p.field, p.nearest[0]) for p in problems] == [("paper.finacial", "paper.financial")]
    assert str(problems[0]) == ("vorlage.docx: paper.finacial is not a field; did you mean paper.financial"
                                + "".join(f" or {n}" for n in problems[0].nearest[1:]) + "?")
    with pytest.raises(TemplateProblem) as caught:
        rendering.render_docx(template, {})
    assert str(template) in str(caught.value) and "paper.finacial" in str(caught.value)
    assert "did you mean paper.financial" in str(caught.value)


def test_a_misspelt_loop_field_is_named_by_its_loop_variable(tmp_path):
    source = (ROOT / "templates" / "da" / "dagsorden.docx")
    with zipfile.ZipFile(source) as z:
        xml = z.read("word/document.xml").decode()
    loop_variable = "item"
    assert f"{loop_variable}.title" in xml
    template = _misspelt(tmp_path, "dagsorden", "da", f"{loop_variable}.title", f"{loop_variable}.titel")
    assert [(p.field, p.nearest[0]) for p in check_template(template)] == [("item.titel", "item.title")]


def test_templates_check_on_the_command_line(tmp_path):
    good = subprocess.run([*MEETPREP, "templates", "check", "--json"], capture_output=True, text=True, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MEETPREP_FORKSERVER": "off"})
    assert good.returncode == 0, good.stderr
    assert {Path(t["file"]).name for t in json.loads(good.stdout)["templates"]} >= {"vorlage.docx", "referat.docx"}

    template = _misspelt(tmp_path, "indstilling", "da", "paper.title", "paper.tittle")
    shutil.copy(ROOT / "templates" / "da" / "referat.docx", tmp_path / "da" / "referat.docx")
    bad = subprocess.run([*MEETPREP, "templates", "check", str(template), str(tmp_path / "da" / "referat.docx")],
                         capture_output=True, text=True, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MEETPREP_FORKSERVER": "off"})
    assert bad.returncode == 1
    assert str(template) in bad.stderr and "paper.tittle" in bad.stderr and "did you mean paper.title" in bad.stderr
    assert "referat.docx" not in bad.stderr  # the good one is not blamed
