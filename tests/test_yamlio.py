from pathlib import Path

import pytest

from meetprep.errors import InputError
from meetprep.yamlio import load_yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "input.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_1_1_surprises_are_avoided(tmp_path):
    data = load_yaml(write(tmp_path, "time: 16:30\naccess: no\nflag: true\nwhen: 2025-09-22 16:30:00\nn: 6455036\n")).data
    assert data == {"time": "16:30", "access": "no", "flag": True, "when": "2025-09-22 16:30:00", "n": 6455036}


def test_line_of_follows_keys_and_indexes(tmp_path):
    document = load_yaml(write(tmp_path, "a: 1\nitems:\n  - x: 1\n  - x: 2\n    y: 3\n"))
    assert document.line_of(("items", 1, "y")) == 5
    assert document.line_of(("items", 0)) == 3
    assert document.line_of(("missing",)) == 1


def test_duplicate_keys_are_errors_with_both_lines(tmp_path):
    with pytest.raises(InputError) as caught:
        load_yaml(write(tmp_path, "title: a\nbody: x\ntitle: b\n"))
    (problem,) = caught.value.problems
    assert problem.field == "title" and problem.line == 3 and "line 1" in problem.message


def test_malformed_yaml_names_file_and_line(tmp_path):
    with pytest.raises(InputError) as caught:
        load_yaml(write(tmp_path, "title: [unclosed\nbody: x\n"))
    (problem,) = caught.value.problems
    assert problem.file.endswith("input.yaml") and problem.line == 2 and "malformed YAML" in problem.message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Rådhus\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_yaml(path)
