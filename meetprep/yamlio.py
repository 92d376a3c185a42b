"""Reading YAML input with line numbers and without YAML 1.1 surprises.

PyYAML follows YAML 1.1, where `16:30` is the integer 990, `no` is False and
`2025-09-22 16:30:00` silently becomes a naive datetime. meetprep reads its files with a
YAML 1.2 style resolver instead: only true/false are booleans, and timestamps stay strings so
that pydantic parses them and can say precisely what is wrong (e.g. a missing time zone).
Duplicate keys are errors, not a silent "last one wins".

Input is bounded before it can cost anything: a file's size, how deep it nests, how many aliases
it uses and how many values they expand to (PyYAML expands aliases eagerly: a kilobyte of nested
aliases is billions of values), integers to what the store holds and floats to finite numbers.
Each refusal names the file and the line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from meetprep.errors import InputError, Problem, display_path


class _Resolver(yaml.resolver.BaseResolver):
    pass


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


MAX_BYTES = 5 * 1024 * 1024  # a paper with every section in full is a few hundred kilobytes
MAX_DEPTH = 40  # the deepest real input (a config's events and milestones) nests about 8 levels
MAX_ALIASES = 200
MAX_VALUES = 200_000  # values after aliases are expanded
MAX_INT = 2**31 - 1  # PostgreSQL's INTEGER; no count, vote or year comes near it


class _Limit(yaml.MarkedYAMLError):
    """Input beyond one of the limits above."""


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # The composer recurses once per level: stop long before Python's recursion limit.
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Limit(None, None, f"more than {MAX_ALIASES} aliases (*name)", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limit(None, None, f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: ScalarNode) -> int:
        value = super().construct_yaml_int(node)
        if abs(value) > MAX_INT:
            raise _Limit(None, None, f"the number {node.value} is too large (at most {MAX_INT})", node.start_mark)
        return value

    def construct_yaml_float(self, node: ScalarNode) -> float:
        value = super().construct_yaml_float(node)
        if math.isinf(value) or math.isnan(value):
            raise _Limit(None, None, f"{node.value} is not a number that can be used here", node.start_mark)
        return value


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)

if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastLoader(_Loader, CParser):  # type: ignore[misc]
        """libyaml's C scanner and parser under the same composer (its limits), resolver and
        constructor: about seven times faster, and the nodes keep their lines. PyYAML's
        CSafeLoader would compose in C too, where the depth and alias limits could not be kept.
        The pure-Python classes come first in the MRO, so only the event stream is libyaml's."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)
            self._depth = 0
            self._aliases = 0

    for _name in ("check_event", "peek_event", "get_event", "dispose"):
        setattr(_FastLoader, _name, getattr(CParser, _name))
    _LoaderClass: type = _FastLoader
else:  # PyYAML built without libyaml: the same reading, slower
    _LoaderClass = _Loader


def _expanded_size(root: Node | None) -> int:
    """How many values the document holds once every alias is expanded (a DAG: count with memo).

    Raises _Limit past MAX_VALUES, and for an alias that contains itself.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in visiting:
            raise _Limit(None, None, "an alias refers to the value that contains it", node.start_mark)
        visiting.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        visiting.discard(key)
        if total > MAX_VALUES:
            raise _Limit(None, None, f"more than {MAX_VALUES:,} values once its aliases are expanded", node.start_mark)
        sizes[key] = total
        return total

    return size(root) if root is not None else 0


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and a way to find the line of any field."""

    path: Path
    data: Any
    root: Node | None
    forgotten: bool = False

    @property
    def name(self) -> str:
        return display_path(self.path)

    def forget(self) -> None:
        """Drop the parsed nodes and the data once they have been read into the model: a year of
        papers held in an all-or-nothing import would keep a gigabyte of them. A problem found
        later reads the file again for its line (problems are few; papers are many)."""
        self.root, self.data, self.forgotten = None, None, True

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the deepest node that `loc` (keys and list indexes) reaches."""
        if self.root is None and self.forgotten:
            try:
                self.root = load_yaml(self.path).root
            except InputError:  # changed since: no line rather than a wrong one
                return None
        node = self.root
        line = node.start_mark.line + 1 if node is not None else None
        for part in loc:
            if isinstance(node, MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                        node = value_node
                        line = key_node.start_mark.line + 1
                        break
                else:
                    return line
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def _duplicate_keys(node: Node | None, path: Path) -> list[Problem]:
    problems: list[Problem] = []
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    problems.append(
                        Problem(
                            file=display_path(path),
                            line=line,
                            field=key_node.value,
                            message=f"duplicate key (first given on line {seen[key_node.value]})",
                        )
                    )
                else:
                    seen[key_node.value] = line
            problems += _duplicate_keys(value_node, path)
    elif isinstance(node, SequenceNode):
        for child in node.value:
            problems += _duplicate_keys(child, path)
    return problems


def load_yaml(path: Path, item_of: Callable[[Any], str | None] | None = None) -> YamlDocument:
    """Read one YAML file. Raises InputError naming the file and line for anything unreadable.

    `item_of` names the item (e.g. "paper EMN-2025-05820") in problems found after parsing.
    """
    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError([Problem(file=name, message=f"file too large for meetprep input ({size:,} bytes)",
                                      expected=f"at most {MAX_BYTES:,} bytes")])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file=name, message="file not found")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(file=name, message=f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise InputError([Problem(file=name, message=f"cannot read file: {exc.strerror}")]) from None
    try:
        loader = _LoaderClass(text)
        try:
            root = loader.get_single_node()
            _expanded_size(root)
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except _Limit as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise InputError([Problem(file=name, line=line, message=f"refused: {exc.problem}")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or "malformed YAML"
        if "maximum nesting depth" in detail:  # libyaml's own limit (1,000) comes before ours
            raise InputError([Problem(file=name, line=line, message=f"refused: nested more than {MAX_DEPTH} "
                                                                      "levels deep")]) from None
        raise InputError([Problem(file=name, line=line, message=f"malformed YAML: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file=name, message=f"malformed YAML: {exc}")]) from None
    duplicates = _duplicate_keys(root, path)
    if duplicates:
        item = item_of(data) if item_of else None
        raise InputError([replace(p, item=item) for p in duplicates])
    return YamlDocument(path=path, data=data, root=root)
