"""Read a YAML policy file keeping line numbers, so every error names file, line and problem.

Compliance staff edit these files by hand; a typo must stop the app with a message they can act
on ("policies/roles.yaml:41: unknown permission 'alert.craete' in grants.pjk.member"), not a
stack trace. PyYAML's composed node tree carries the marks we need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class PolicyError(ValueError):
    def __init__(self, path: Path, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(f"{path}:{line}: {problem}")


@dataclass(frozen=True)
class PolicyFile:
    """A parsed policy document and helpers that read its nodes with located errors."""

    path: Path
    root: Node
    _keys: dict[int, Node] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> PolicyFile:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(path, 0, f"cannot read policy file: {exc.strerror}") from None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else 0
            raise PolicyError(path, line, f"not valid YAML: {exc.problem}") from None
        if root is None:
            raise PolicyError(path, 1, "the file is empty")
        return cls(path, root)

    def fail(self, node: Node, problem: str) -> PolicyError:
        return PolicyError(self.path, node.start_mark.line + 1, problem)

    def mapping(self, node: Node, where: str) -> list[tuple[str, Node]]:
        """The (name, value) pairs of a mapping; `key_node(value)` finds the line of a name."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{where} must be a mapping of names to values")
        items: list[tuple[str, Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.scalar(key_node, f"a key in {where}")
            if key in seen:
                raise self.fail(key_node, f"{key!r} appears twice in {where}")
            seen.add(key)
            self._keys[id(value_node)] = key_node
            items.append((key, value_node))
        return items

    def fail_at_name(self, value_node: Node, problem: str) -> PolicyError:
        """An error on the line where the value's name is written."""
        return self.fail(self._keys.get(id(value_node), value_node), problem)

    def sequence(self, node: Node, where: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{where} must be a list")
        return list(node.value)

    def scalar(self, node: Node, where: str) -> str:
        if not isinstance(node, ScalarNode) or node.value == "":
            raise self.fail(node, f"{where} must be a non-empty text value")
        return str(node.value)

    def section(self, items: list[tuple[str, Node]], name: str) -> Node:
        for key, value in items:
            if key == name:
                return value
        raise PolicyError(self.path, 1, f"the top-level section {name!r} is missing")

    def only_keys(self, items: list[tuple[str, Node]], node: Node, allowed: set[str], where: str) -> None:
        for key, _ in items:
            if key not in allowed:
                raise self.fail(node, f"unknown key {key!r} in {where}; expected one of {', '.join(sorted(allowed))}")
