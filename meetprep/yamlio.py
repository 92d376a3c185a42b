"""Reading YAML input with line numbers and without YAML 1.1 surprises.

PyYAML follows YAML 1.1, where `16:30` is the integer 990, `no` is False and
`2025-09-22 16:30:00` silently becomes a naive datetime. meetprep reads its files with a
YAML 1.2 style resolver instead: only true/false are booleans, and timestamps stay strings so
that pydantic parses them and can say precisely what is wrong (e.g. a missing time zone).
Duplicate keys are errors, not a silent "last one wins".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import InputError, Problem, display_path


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


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and a way to find the line of any field."""

    path: Path
    data: Any
    root: Node | None

    @property
    def name(self) -> str:
        return display_path(self.path)

    def line_of(self, loc: tuple[Any, ...]) -> int | None:
        """1-based line of the deepest node that `loc` (keys and list indexes) reaches."""
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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(file=name, message="file not found")]) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(file=name, message=f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise InputError([Problem(file=name, message=f"cannot read file: {exc.strerror}")]) from None
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        detail = exc.problem or exc.context or "malformed YAML"
        raise InputError([Problem(file=name, line=line, message=f"malformed YAML: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file=name, message=f"malformed YAML: {exc}")]) from None
    duplicates = _duplicate_keys(root, path)
    if duplicates:
        item = item_of(data) if item_of else None
        raise InputError([replace(p, item=item) for p in duplicates])
    return YamlDocument(path=path, data=data, root=root)
