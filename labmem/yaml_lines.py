"""YAML files of plain data that name the line of every refusal: the safe loader with the
line of each key and list item, and "FILE, line N: …" messages for JSON-schema errors. Shared
by station files and campaign files."""

from __future__ import annotations

from typing import Any

import jsonschema
import yaml


class FileError(ValueError):
    """A refused file, with where and why ("FILE, line N: …")."""


def load_with_lines(text: str, source: str, kind: str, error: type[ValueError] = FileError
                    ) -> tuple[dict[str, Any], dict[tuple, int]]:
    """Safe-load YAML and note the line of every key and list item (1-based); error (naming
    the line) for a syntax error, a tag that constructs an object, a key given twice, an empty
    file or one that is not a mapping. kind names the file in messages, e.g. "campaign"."""
    loader = yaml.SafeLoader(text)
    lines: dict[tuple, int] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            raise error(f"{source}, line 1: the {kind} file is empty")

        def walk(node: yaml.Node, path: tuple) -> None:
            lines.setdefault(path, node.start_mark.line + 1)
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    name = loader.construct_object(key, deep=True)
                    if (*path, name) in lines:
                        raise error(f"{source}, line {key.start_mark.line + 1}: {name!r} is "
                                    f"given twice (first on line {lines[(*path, name)]})")
                    lines[(*path, name)] = key.start_mark.line + 1
                    walk(value, (*path, name))
            elif isinstance(node, yaml.SequenceNode):
                for n, item in enumerate(node.value):
                    walk(item, (*path, n))

        walk(node, ())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise error(f"{source}, line {line}: {err.problem or err}; {kind} files hold plain "
                    "data (no tags that construct objects)") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise error(f"{source}, line 1: a {kind} file is a mapping")
    return data, lines


class Locator:
    """Turns a path in a file's data into "file, line N: message"."""

    def __init__(self, source: str, lines: dict[tuple, int], kind: str) -> None:
        self.source, self.lines, self.kind = source, lines, kind

    def __call__(self, path: tuple, message: str) -> str:
        path = tuple(path)
        while path and path not in self.lines:
            path = path[:-1]
        return f"{self.source}, line {self.lines.get(path, 1)}: {message}"

    def schema_error(self, err: jsonschema.ValidationError) -> str:
        """The message of a JSON-schema error, at the line of the offending key."""
        path = tuple(err.absolute_path)
        where = ".".join(map(str, path)) or f"the {self.kind}"
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            known = ", ".join(err.schema.get("properties", {}))
            return self((*path, extra[0]), f"{where}: unknown key {extra[0]!r}; known: {known}")
        return self(path, f"{where}: {err.message}")

    def first_schema_error(self, schema: dict[str, Any], data: Any) -> str | None:
        """The message of the first schema error in file order, or None when data fits."""
        for err in sorted(jsonschema.Draft202012Validator(schema).iter_errors(data),
                          key=lambda e: list(map(str, e.absolute_path))):
            return self.schema_error(err)
        return None
