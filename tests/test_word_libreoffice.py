"""Every example paper goes export -> LibreOffice (opened and saved as .docx) -> import with no
change: the same store rows, the same revision, the same rendered Vorlage / indstilling text; and
an edit made in the LibreOffice-saved document arrives as exactly that edit."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from meetprep.agenda.pdf import soffice
from meetprep.importing.pipeline import import_files
from tests.test_word import LATER, PAPERS, SENTENCE, edit_xml, exported, stored, world  # noqa: F401  (fixture)


def _libreoffice_saves(documents: list[Path], target: Path) -> list[Path]:
    executable = soffice()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is missing in CI; scripts/test.sh installs libreoffice-writer-nogui")
        pytest.skip("LibreOffice is not installed")
    target.mkdir(parents=True, exist_ok=True)
    profile = target.parent / "lo-profile"
    subprocess.run([executable, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "docx",
                    "--outdir", str(target), *map(str, documents)], check=True, capture_output=True, timeout=300)
    saved = [target / d.name for d in documents]
    assert all(p.is_file() for p in saved), list(target.iterdir())
    return saved


def test_every_example_paper_survives_libreoffice_unchanged(world, configs, tmp_path):  # noqa: F811
    before = {ref: stored(world, body, ref) for body, ref in PAPERS}
    documents = [exported(world, configs, tmp_path, body, ref) for body, ref in PAPERS]
    saved = _libreoffice_saves(documents, tmp_path / "saved")
    assert all(a.read_bytes() != b.read_bytes() for a, b in zip(documents, saved))  # LibreOffice wrote them anew
    report = import_files(world, configs, saved, LATER)
    assert sorted(p["action"] for p in report.papers) == ["unchanged"] * len(PAPERS)
    assert {ref: stored(world, body, ref) for body, ref in PAPERS} == before

    # An edit in the document LibreOffice saved is that edit, nothing else.
    vorlage = next(p for p in saved if p.name.startswith("V-2019"))
    edit_xml(vorlage, lambda xml: xml.replace(SENTENCE, "Ein Beschluss des Stadtrates ist nicht erforderlich."))
    report = import_files(world, configs, [vorlage], LATER)
    assert [p["action"] for p in report.papers] == ["updated"]
    _, _, after = stored(world, "herzogenrath", "V/2019/367-E04")
    old = before["V/2019/367-E04"][2]
    assert {k for k in old if old[k] != after[k]} == {"sections"}
    assert after["sections"][0]["text"] == old["sections"][0]["text"].replace(
        SENTENCE, "Ein Beschluss des Stadtrates ist nicht erforderlich.")
