"""Checking a Word template's fields against the shapes its documents receive.

A clerk who edits `templates/de/vorlage.docx` and types `{{ paper.titel }}` should hear so
before a council's papers go out, with the field and what was meant: "vorlage.docx: paper.titel
is not a field; did you mean paper.title?". StrictUndefined catches such a name only when the
renderer reaches it; a name inside `{% if paper.financial %}` of a paper without finances
would pass every test build and fail on the first paper that has them. So the template's Jinja
text (what docxtpl makes of the document, headers and footers) is walked as a whole: loops bind
their variable to the element's shape (`{% for item in items %}` → Item), and every attribute
or key used on a known shape must be one of its fields. What cannot be known statically (the
result of a filter, a `{% set %}` of something computed) is not judged: no false alarms.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from meetprep.agenda.shapes import CONTEXTS, element, fields, nearest
from meetprep.errors import TemplateProblem

# Names Jinja itself provides inside a template.
_JINJA_NAMES = {"loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "true", "false", "none",
                "True", "False", "None", "caller", "varargs", "kwargs"}
_UNKNOWN = object()  # a value whose shape is not known statically: not judged


@dataclass(frozen=True)
class FieldProblem:
    template: str
    field: str  # "paper.titel"
    line: int
    nearest: tuple[str, ...]

    def __str__(self) -> str:
        hint = f"; did you mean {' or '.join(self.nearest)}?" if self.nearest else ""
        return f"{self.template}: {self.field} is not a field{hint}"


def template_text(path: Path) -> str:
    """The Jinja text of a .docx template: its document part, headers and footers, as docxtpl
    prepares them for rendering (runs merged, {%p %} and {%tr %} tags resolved)."""
    from docxtpl import DocxTemplate  # deferred: see docs/architecture.md
    document = DocxTemplate(path)
    document.init_docx()
    text = document.patch_xml(document.get_xml())
    for uri in (document.HEADER_URI, document.FOOTER_URI):
        for _key, part in document.get_headers_footers(uri):
            text += document.patch_xml(document.get_part_xml(part))
    return text


def check_text(text: str, kind: str, name: str) -> list[FieldProblem]:
    """Every field the Jinja `text` of a template of `kind` uses that its shape does not have."""
    shape = CONTEXTS.get(kind)
    if shape is None:
        return []
    try:
        tree = SandboxedEnvironment().parse(text)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{name}: the template's Jinja text has a syntax error at line {exc.lineno}: "
                              f"{exc.message}") from exc
    walker = _Walker(name)
    walker.walk(tree, dict(fields(shape)))
    return walker.problems


@lru_cache(maxsize=64)
def _checked(path: Path, size: int, mtime_ns: int, kind: str) -> tuple[FieldProblem, ...]:
    return tuple(check_text(template_text(path), kind, path.name))


def check_template(path: Path, kind: str | None = None) -> list[FieldProblem]:
    """The field problems of the template at `path` (its kind from its file name: vorlage.docx);
    remembered per file version, so a build checks each template once per process."""
    stat = path.stat()
    return list(_checked(path, stat.st_size, stat.st_mtime_ns, kind or path.stem))


def refuse_unknown_fields(path: Path, kind: str | None = None) -> None:
    problems = check_template(path, kind)
    if problems:
        raise TemplateProblem(f"template {path} uses fields that do not exist: "
                              + "; ".join(str(p) for p in problems))


class _Walker:
    def __init__(self, template: str):
        self.template = template
        self.problems: list[FieldProblem] = []
        self._seen: set[str] = set()

    def walk(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            self.shape_of(node.iter, scope)
            inner = dict(scope)
            self.bind(node.target, self._element_of(node.iter, scope), inner)
            if node.test is not None:
                self.shape_of(node.test, inner)
            for child in node.body:
                self.walk(child, inner)
            for child in node.else_:
                self.walk(child, scope)
        elif isinstance(node, nodes.Assign):
            self.shape_of(node.node, scope)
            self.bind(node.target, _UNKNOWN, scope)
        elif isinstance(node, (nodes.AssignBlock, nodes.Macro, nodes.CallBlock, nodes.With)):
            inner = dict(scope)
            for target in [getattr(node, "target", None), *getattr(node, "args", []), *getattr(node, "targets", [])]:
                if target is not None:
                    self.bind(target, _UNKNOWN, inner)
            for value in getattr(node, "values", []):
                self.shape_of(value, scope)
            for child in node.body:
                self.walk(child, inner)
            if isinstance(node, nodes.AssignBlock):
                self.bind(node.target, _UNKNOWN, scope)
        elif isinstance(node, nodes.Expr):
            self.shape_of(node, scope)
        else:
            for child in node.iter_child_nodes():
                self.walk(child, scope)

    def bind(self, target: nodes.Node, shape: Any, scope: dict[str, Any]) -> None:
        if isinstance(target, nodes.Name):
            scope[target.name] = shape
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, _UNKNOWN, scope)

    def _element_of(self, iterable: nodes.Node, scope: dict[str, Any]) -> Any:
        shape = self.shape_of(iterable, scope)
        if shape is _UNKNOWN:
            return _UNKNOWN
        return element(shape) or _UNKNOWN

    def shape_of(self, node: nodes.Node, scope: dict[str, Any]) -> Any:
        """The declared type of an expression (a TypedDict, list[...] or a plain type), or
        _UNKNOWN; records a problem for a field that does not exist."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name not in _JINJA_NAMES:
                known = [n for n, v in scope.items() if v is not _UNKNOWN]
                self._problem(node.name, node.lineno, difflib.get_close_matches(node.name, known, n=3, cutoff=0.5)
                              or sorted(known)[:8])
            return _UNKNOWN
        if isinstance(node, (nodes.Getattr, nodes.Getitem)):
            owner = self.shape_of(node.node, scope)
            if isinstance(node, nodes.Getitem):
                self.shape_of(node.arg, scope)
                if not isinstance(node.arg, nodes.Const) or not isinstance(node.arg.value, str):
                    return _UNKNOWN  # items[0], row[column]: an index, not a field
                attr = node.arg.value
            else:
                attr = node.attr
            shape = element(owner) if owner is not _UNKNOWN else None
            if shape is None or shape is dict:
                return _UNKNOWN
            declared = fields(shape)
            if attr not in declared:
                self._problem(f"{_path(node.node)}.{attr}", node.lineno, nearest(attr, shape))
                return _UNKNOWN
            return declared[attr]
        for child in node.iter_child_nodes():
            self.shape_of(child, scope) if isinstance(child, nodes.Expr) else self.walk(child, scope)
        return _UNKNOWN

    def _problem(self, field: str, line: int, candidates: list[str]) -> None:
        if field in self._seen:
            return
        self._seen.add(field)
        owner = field.rpartition(".")[0]
        names = tuple(f"{owner}.{c}" if owner else c for c in candidates)
        self.problems.append(FieldProblem(self.template, field, line, names))


def _path(node: nodes.Node) -> str:
    """`item.proposal` for the expression that names it, as the clerk wrote it."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_path(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_path(node.node)}.{node.arg.value}"
    return "…"
